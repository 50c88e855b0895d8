/*
 * store: writing embeddings. Table destination: delete the batch's old
 * chunks, then binary COPY (key columns, chunk_seq, chunk, embedding) per
 * provider response; column destination: one UPDATE per row. Key values are
 * the binary values the claim returned (queue_item_key), so no per-type
 * code is needed.
 */
#ifndef PGAI_STORE_H
#define PGAI_STORE_H

#include <libpq-fe.h>

#include "queue/queue.h"
#include "util/buf.h"

/* One chunk to write: which queue item it belongs to, its sequence number and text. */
typedef struct store_row {
    int item;
    int seq;
    const char *chunk;
    size_t chunk_len;
} store_row;

/*
 * DELETE FROM target WHERE (key) IN (...) for the given items (table
 * destination). With `pending` non-NULL and one statement enough (up to
 * 65535 key values), the statement is only sent and *pending set: the caller
 * must collect it with db_finish before the connection's next use, and can
 * meanwhile do work that needs no database (the provider's round trip).
 */
int store_delete_old(PGconn *conn, const vectorizer *v, const queue_batch *b, const int *items, size_t nitems,
                     int *pending, pgai_error *err) __attribute__((warn_unused_result));

/*
 * Deletes the chunks of those items whose source row is gone by now (a
 * DELETE or key change that committed while the batch was in flight: its
 * trigger could not see the chunks the batch wrote). Run last before COMMIT
 * when the claim could not lock the source rows.
 */
int store_delete_gone(PGconn *conn, const vectorizer *v, const queue_batch *b, const int *items, size_t nitems,
                      pgai_error *err) __attribute__((warn_unused_result));

/* Writes rows[0..n) with vectors[n * dim]; `scratch` is a reusable buffer for COPY data. */
int store_write(PGconn *conn, const vectorizer *v, const queue_batch *b, const store_row *rows, size_t n,
                const float *vectors, int dim, buf *scratch, pgai_error *err) __attribute__((warn_unused_result));

/* The statements the functions above send, appended to out (pure, for
 * tests): 0, or -1 when out could not grow. The DELETE takes nkeys keys as
 * parameters $1.. (npk each), and with gone_only only deletes the chunks of
 * keys whose source row is gone; the UPDATE takes the vector as $1 and the
 * key as $2... */
int store_delete_sql(const vectorizer *v, size_t nkeys, int gone_only, buf *out) __attribute__((warn_unused_result));
int store_copy_sql(const vectorizer *v, buf *out) __attribute__((warn_unused_result));
int store_update_sql(const vectorizer *v, buf *out) __attribute__((warn_unused_result));

#endif
