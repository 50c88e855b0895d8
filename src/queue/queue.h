/*
 * queue: claiming a batch of queued primary keys with pgai's protocol, so
 * our workers and pgai's Python workers can share one queue:
 *   - queue rows are locked FOR UPDATE SKIP LOCKED (never waits for another worker);
 *   - each distinct key also takes pg_try_advisory_xact_lock(vectorizer id,
 *     hashtext(concat_ws('|', 'col', value, ...))) with pgai's exact key;
 *   - every queue row of a locked key is deleted (duplicates collapse);
 *   - the source rows come back through LEFT JOIN LATERAL, so keys whose row
 *     was deleted are recognisable and skipped.
 * All of it in the caller's open transaction: a rollback puts everything back.
 *
 * The result is fetched in binary format: primary-key values arrive in their
 * binary send form, which the store passes straight into binary COPY and
 * DELETE parameters (no type-specific code, exact round trip); the other
 * columns are selected as ::text, which is their text output.
 *
 * A claimed batch is opaque: its SELECT list is this module's business, and
 * everything else reads an item through the accessors below (key bytes, a
 * source column's text, retries, the loading column's size), so the claim
 * statement can change without the loaders, the executor or the store noticing.
 */
#ifndef PGAI_QUEUE_H
#define PGAI_QUEUE_H

#include <libpq-fe.h>

#include "catalog/catalog.h"
#include "util/buf.h"

/* The claimed items of one batch and their source rows (owns the claim's PGresult). */
typedef struct queue_batch queue_batch;

/* The step an item failed at. Its name is a database value (the failed
 * queue's failure_step, the "step" of an error row): the strings pgai uses. */
typedef enum item_step { STEP_LOADING, STEP_PARSING, STEP_CHUNKING, STEP_FORMATTING, STEP_EMBEDDING } item_step;
const char *item_step_name(item_step step);

/* Builds the claim statement once per executor; with lock_source it locks
 * the source rows FOR KEY SHARE (the role it runs as needs UPDATE on them).
 * Needs no server: conn is not used (NULL is fine). */
int queue_claim_sql(PGconn *conn, const vectorizer *v, const catalog_info *info, const source_column *cols,
                    size_t ncols, int lock_source, char **sql, pgai_error *err) __attribute__((warn_unused_result));

/* Claims up to batch_size keys into *out (free it with queue_batch_free);
 * loading-column values larger than max_document_bytes come back NULL, with
 * their size in queue_item_load_size. cols are the ones the SQL was built with. */
int queue_claim(PGconn *conn, const char *sql, const vectorizer *v, const source_column *cols, size_t ncols,
                long long max_document_bytes, queue_batch **out, pgai_error *err) __attribute__((warn_unused_result));
/* Takes ownership of res, a result with the claim statement's columns, as
 * queue_claim does after running it (and unit tests with a PGresult of their
 * own making). res is cleared on failure too. */
int queue_batch_adopt(PGresult *res, const vectorizer *v, size_t ncols, queue_batch **out, pgai_error *err)
    __attribute__((warn_unused_result));
void queue_batch_free(queue_batch *b); /* NULL is fine */

/* Items are numbered 0..count-1 in key order; i must be in that range. */
int queue_batch_count(const queue_batch *b);
/* The source row still exists (a key whose row was deleted meanwhile is claimed, and skipped). */
int queue_item_present(const queue_batch *b, int i);
int queue_item_retries(const queue_batch *b, int i);
/* Key column k (0..npk-1, the vectorizer's pk order) in its binary send
 * form, as DELETE and COPY parameters take it; valid until b is freed. */
void queue_item_key(const queue_batch *b, int i, size_t k, const char **data, int *len);
/* Source column col's text output (cols[col] of queue_claim), NUL-terminated,
 * or NULL for SQL NULL; *len (when len is not NULL) gets its size in bytes.
 * The loading column is NULL also when it was too large to fetch. Valid
 * until b is freed. */
const char *queue_item_text(const queue_batch *b, int i, size_t col, size_t *len);
/* The loading column's size in bytes (0 when NULL), fetched or not. */
long queue_item_load_size(const queue_batch *b, int i);

/* The statements queue_requeue and queue_move_to_failed run (pure, for tests):
 * 0, or -1 when out could not grow. */
int queue_requeue_sql(const vectorizer *v, buf *out) __attribute__((warn_unused_result));
int queue_failed_sql(const vectorizer *v, buf *out) __attribute__((warn_unused_result));

/* Re-queues an item whose loading failed (retries + 1, retry after now() + delay),
 * or moves it to the failed queue when its retries are spent. */
int queue_requeue(PGconn *conn, const vectorizer *v, const queue_batch *b, int item, int retries,
                  double delay_seconds, pgai_error *err) __attribute__((warn_unused_result));
int queue_move_to_failed(PGconn *conn, const vectorizer *v, const queue_batch *b, int item, item_step step,
                         pgai_error *err) __attribute__((warn_unused_result));

#endif
