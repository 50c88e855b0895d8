/*
 * executor: drains one vectorizer's queue on one connection, batch after
 * batch, each batch in one transaction: claim -> load -> parse -> chunk ->
 * format -> embed -> store -> track -> commit. The worker runs `concurrency`
 * executors per vectorizer, each in its own thread with its own connection
 * and HTTP client.
 */
#ifndef PGAI_EXECUTOR_H
#define PGAI_EXECUTOR_H

#include "catalog/catalog.h"
#include "db/pool.h"
#include "track/track.h"
#include "util/cancel.h"
#include "util/log.h"

/*
 * The formatted chunks of one batch, together. The hard limits bound one
 * document (PGAI_VECTORIZER_MAX_DOCUMENT_BYTES, 64 MiB by default) but not
 * a batch of them; past this the batch fails with "larger than" instead of
 * the worker growing toward the OOM killer. 1 GiB holds sixteen documents
 * at the default limit, or the whole batch at any sane batch_size.
 */
#define EXECUTOR_MAX_BATCH_TEXT ((size_t)1 << 30)

typedef struct executor_args {
    const char *db_url;
    const vectorizer *v;
    const catalog_info *info;
    const char *api_key;    /* NULL when the provider takes none */
    tracker *tracker;
    const logger *lg;
    const env_snapshot *environment; /* the worker's, read by the providers */
    /* Non-zero once a graceful shutdown was requested: checked between batches. */
    int (*stopping)(void *userdata);
    /* Non-zero when the in-flight work must be abandoned (second signal). */
    int (*aborting)(void *userdata);
    void *userdata;
    /* The same two requests as tokens, for the waits: stop ends a connection
     * attempt, abort also the HTTP requests and their retry back-offs. */
    const cancel_token *stop;
    const cancel_token *abort;
    size_t max_chunks_per_item;   /* hard limit on chunks per document */
    long long max_document_bytes; /* hard limit on the loaded text */
    size_t max_response_bytes;    /* hard limit on a provider response body */
    long http_timeout_ms;         /* per provider request */
    double retry_delay_s;         /* a failed item waits retry_delay_s * attempts before its next try */
    db_pool *pool;                /* where the connection comes from and goes back to; NULL: its own */
} executor_args;

/*
 * An executor lives as long as its vectorizer's runtime (worker/runtime.h):
 * across passes it keeps its connection, session, claim SQL, chunker,
 * template and embedder (with the provider's HTTP connection), so a wake-up
 * costs no set-up round trips and no new TCP or TLS handshake.
 */
typedef struct executor executor;

/* Copies the arguments; what they point to must outlive the executor.
 * Nothing connects yet. -1 when out of memory. */
int executor_new(const executor_args *a, executor **out) __attribute__((warn_unused_result));

/* Runs batches until the queue is empty, the vectorizer is disabled, or a
 * stop is requested. *items counts the queue items processed. On a failed
 * batch the transaction is rolled back, an error row is written, and the
 * error returned. Not concurrently with itself. */
int executor_drain(executor *x, long *items, pgai_error *err);

/* Gives the executor's connection back to the pool (an idle worker should
 * not hold one per executor); the next drain takes or opens one again. */
void executor_park(executor *x);

/* Parks, then frees everything. NULL is a no-op. */
void executor_free(executor *x);

#endif
