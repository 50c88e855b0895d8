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
#include "util/log.h"

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
    size_t max_chunks_per_item;   /* hard limit on chunks per document */
    long long max_document_bytes; /* hard limit on the loaded text */
    size_t max_response_bytes;    /* hard limit on a provider response body */
    double retry_delay_s;         /* a failed item waits retry_delay_s * attempts before its next try */
    db_pool *pool;                /* where the connection comes from and goes back to; NULL: its own */
} executor_args;

/* Runs until the queue is empty, the vectorizer is disabled, or a stop is
 * requested. *items counts the queue items processed. On a failed batch the
 * transaction is rolled back, an error row is written, and the error returned. */
int executor_run(const executor_args *a, long *items, pgai_error *err);

#endif
