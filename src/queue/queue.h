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
 */
#ifndef PGAI_QUEUE_H
#define PGAI_QUEUE_H

#include <libpq-fe.h>

#include "catalog/catalog.h"

typedef struct queue_batch {
    PGresult *res;
    int nitems;
    size_t npk;        /* primary-key columns, attnum order, from column 0 */
    int col_retries;   /* loading_retries (int4) */
    int col_present;   /* bool: the source row still exists */
    int col_text0;     /* first of ncols source columns as text */
    size_t ncols;
    int col_load_len;  /* octet_length of the loading column (int4) */
} queue_batch;

/* Builds the claim statement once per executor; with lock_source it locks
 * the source rows FOR KEY SHARE (the role it runs as needs UPDATE on them). */
int queue_claim_sql(PGconn *conn, const vectorizer *v, const catalog_info *info, const source_column *cols,
                    size_t ncols, int lock_source, char **sql, pgai_error *err) __attribute__((warn_unused_result));

/* Claims up to batch_size keys; loading-column values larger than
 * max_document_bytes come back NULL (their size is in col_load_len). */
int queue_claim(PGconn *conn, const char *sql, const vectorizer *v, const source_column *cols, size_t ncols,
                long long max_document_bytes, queue_batch *out, pgai_error *err) __attribute__((warn_unused_result));
void queue_batch_free(queue_batch *b);

static inline int queue_item_present(const queue_batch *b, int i)
{
    return !PQgetisnull(b->res, i, b->col_present) && *PQgetvalue(b->res, i, b->col_present) != 0;
}
int queue_item_retries(const queue_batch *b, int i);
/* The loading column's size in bytes (0 when NULL). */
long queue_item_load_size(const queue_batch *b, int i);

/* Re-queues an item whose loading failed (retries + 1, retry after now() + delay),
 * or moves it to the failed queue when its retries are spent. */
int queue_requeue(PGconn *conn, const vectorizer *v, const queue_batch *b, int item, int retries,
                  double delay_seconds, pgai_error *err) __attribute__((warn_unused_result));
int queue_move_to_failed(PGconn *conn, const vectorizer *v, const queue_batch *b, int item, const char *step,
                         pgai_error *err) __attribute__((warn_unused_result));

#endif
