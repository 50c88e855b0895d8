/* store: delete old chunks, binary COPY new ones, or UPDATE a column; see store.h. */
#include "store/store.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

#define MAX_PARAMS 65535 /* the protocol's limit on bind parameters */
#define COPY_FLUSH_BYTES (256 << 10) /* smaller: less memory per executor, same speed */

int store_delete_sql(const vectorizer *v, size_t nkeys, int gone_only, buf *out)
{
    int rc = db_sqlf(out, "DELETE FROM %I.%I WHERE (", v->destination.target_schema, v->destination.target_table);
    for (size_t i = 0; i < v->npk; i++) rc |= db_sqlf(out, "%s%I", i ? ", " : "", v->pk[i].name);
    rc |= buf_puts(out, ") IN (");
    size_t p = 1;
    for (size_t k = 0; k < nkeys; k++) {
        rc |= buf_puts(out, k ? ", (" : "(");
        for (size_t i = 0; i < v->npk; i++) rc |= buf_printf(out, "%s$%zu", i ? ", " : "", p++);
        rc |= buf_puts(out, ")");
    }
    rc |= buf_puts(out, ")");
    if (gone_only) {
        rc |= db_sqlf(out, " AND NOT EXISTS (SELECT FROM %I.%I AS s WHERE ", v->source_schema, v->source_table);
        for (size_t i = 0; i < v->npk; i++)
            rc |= db_sqlf(out, "%ss.%I = %I.%I.%I", i ? " AND " : "", v->pk[i].name, v->destination.target_schema,
                          v->destination.target_table, v->pk[i].name);
        rc |= buf_puts(out, ")");
    }
    return rc;
}

/* DELETE of the items' chunks; with gone_only, only of items whose source row no longer exists. */
static int delete_chunks(PGconn *conn, const vectorizer *v, const queue_batch *b, const int *items, size_t nitems,
                         int gone_only, int *pending, pgai_error *err)
{
    if (pending) *pending = 0;
    if (nitems == 0) return PGAI_OK;
    size_t per_stmt = MAX_PARAMS / v->npk;
    int send_only = pending && nitems <= per_stmt;
    for (size_t start = 0; start < nitems; start += per_stmt) {
        size_t n = nitems - start < per_stmt ? nitems - start : per_stmt;
        buf sql;
        buf_init(&sql, DB_MAX_MESSAGE);
        int rc = store_delete_sql(v, n, gone_only, &sql);
        size_t np = n * v->npk;
        const char **vals = calloc(np, sizeof(char *));
        int *lens = calloc(np, sizeof(int)), *fmts = calloc(np, sizeof(int));
        if (rc || !vals || !lens || !fmts) {
            free(vals), free(lens), free(fmts), buf_free(&sql);
            return error_set(err, PGAI_E_NOMEM, "out of memory");
        }
        for (size_t k = 0; k < n; k++)
            for (size_t i = 0; i < v->npk; i++) {
                size_t j = k * v->npk + i;
                queue_item_key(b, items[start + k], i, &vals[j], &lens[j]);
                fmts[j] = 1;
            }
        if (send_only) {
            if (PQsendQueryParams(conn, sql.data, (int)np, NULL, vals, lens, fmts, 0) == 1)
                *pending = 1;
            else
                rc = error_set(err, PGAI_E_SQL, "%s", PQerrorMessage(conn));
        } else {
            PGresult *res = PQexecParams(conn, sql.data, (int)np, NULL, vals, lens, fmts, 0);
            rc = PQresultStatus(res) == PGRES_COMMAND_OK ? PGAI_OK : db_error_from_result(err, conn, res);
            PQclear(res);
        }
        free(vals), free(lens), free(fmts), buf_free(&sql);
        if (rc != PGAI_OK) return rc;
    }
    return PGAI_OK;
}

int store_delete_old(PGconn *conn, const vectorizer *v, const queue_batch *b, const int *items, size_t nitems,
                     int *pending, pgai_error *err)
{
    return delete_chunks(conn, v, b, items, nitems, 0, pending, err);
}

int store_delete_gone(PGconn *conn, const vectorizer *v, const queue_batch *b, const int *items, size_t nitems,
                      pgai_error *err)
{
    return delete_chunks(conn, v, b, items, nitems, 1, NULL, err);
}

static int put_i16(buf *b, int16_t v)
{
    uint16_t n = htons((uint16_t)v);
    return buf_append(b, &n, 2);
}

static int put_i32(buf *b, int32_t v)
{
    uint32_t n = htonl((uint32_t)v);
    return buf_append(b, &n, 4);
}

/* pgvector's binary form: int16 dimensions, int16 unused, float4 values, all
 * big-endian. Converted in blocks so each block is one append. */
static int put_vector(buf *b, const float *vec, int dim)
{
    int rc = put_i32(b, 4 + 4 * dim) | put_i16(b, (int16_t)dim) | put_i16(b, 0);
    uint32_t block[256];
    for (int i = 0; i < dim && rc == 0;) {
        int n = dim - i < 256 ? dim - i : 256;
        for (int k = 0; k < n; k++) {
            uint32_t u;
            memcpy(&u, &vec[i + k], 4);
            block[k] = htonl(u);
        }
        rc = buf_append(b, block, (size_t)n * 4);
        i += n;
    }
    return rc;
}

static int copy_flush(PGconn *conn, buf *data, pgai_error *err)
{
    if (data->len && PQputCopyData(conn, data->data, (int)data->len) != 1)
        return error_set(err, PGAI_E_SQL, "COPY failed: %s", PQerrorMessage(conn));
    buf_reset(data);
    return PGAI_OK;
}

int store_copy_sql(const vectorizer *v, buf *out)
{
    int rc = db_sqlf(out, "COPY %I.%I (", v->destination.target_schema, v->destination.target_table);
    for (size_t i = 0; i < v->npk; i++) rc |= db_sqlf(out, "%I, ", v->pk[i].name);
    return rc | db_sqlf(out, "\"chunk_seq\", \"chunk\", \"embedding\") FROM STDIN WITH (FORMAT BINARY)");
}

int store_update_sql(const vectorizer *v, buf *out)
{
    int rc = db_sqlf(out, "UPDATE %I.%I SET %I = $1 WHERE (", v->source_schema, v->source_table,
                     v->destination.embedding_column);
    for (size_t i = 0; i < v->npk; i++) rc |= db_sqlf(out, "%s%I", i ? ", " : "", v->pk[i].name);
    rc |= buf_puts(out, ") = (");
    for (size_t i = 0; i < v->npk; i++) rc |= buf_printf(out, "%s$%zu", i ? ", " : "", i + 2);
    return rc | buf_puts(out, ")");
}

/* One binary COPY of rows. The COPY data is built in `data`, flushed every
 * COPY_FLUSH_BYTES; when data cannot grow or a flush fails the COPY is
 * ended with an error, so the server discards what it got. */
static int write_copy(PGconn *conn, const vectorizer *v, const queue_batch *b, const store_row *rows, size_t n,
                      const float *vectors, int dim, buf *data, pgai_error *err)
{
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    if (store_copy_sql(v, &sql) != 0) {
        buf_free(&sql);
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    PGresult *res = PQexec(conn, sql.data);
    buf_free(&sql);
    int rc;
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        rc = db_error_from_result(err, conn, res);
        PQclear(res);
        return rc;
    }
    PQclear(res);

    /* Two kinds of status, kept apart: `grew` is the buf appends' 0 or -1,
     * rc a PGAI_* code from talking to the server. */
    buf_reset(data);
    static const char header[] = "PGCOPY\n\377\r\n\0";
    int grew = buf_append(data, header, 11) | put_i32(data, 0) | put_i32(data, 0);
    rc = PGAI_OK;
    for (size_t r = 0; r < n && grew == 0 && rc == PGAI_OK; r++) {
        grew |= put_i16(data, (int16_t)(v->npk + 3));
        for (size_t i = 0; i < v->npk; i++) {
            const char *key;
            int len;
            queue_item_key(b, rows[r].item, i, &key, &len);
            grew |= put_i32(data, len) | buf_append(data, key, (size_t)len);
        }
        grew |= put_i32(data, 4) | put_i32(data, rows[r].seq);
        grew |= put_i32(data, (int32_t)rows[r].chunk_len) | buf_append(data, rows[r].chunk, rows[r].chunk_len);
        grew |= put_vector(data, vectors + r * (size_t)dim, dim);
        if (grew == 0 && data->len >= COPY_FLUSH_BYTES) rc = copy_flush(conn, data, err);
    }
    if (grew == 0 && rc == PGAI_OK) grew = put_i16(data, -1);
    /* over its cap, or out of memory: error_set_buf says which */
    if (grew != 0 && rc == PGAI_OK) rc = error_set_buf(err, data, "the COPY data of the embeddings");
    if (rc == PGAI_OK) rc = copy_flush(conn, data, err);
    if (PQputCopyEnd(conn, rc == PGAI_OK ? NULL : "pgai: aborted writing embeddings") != 1 && rc == PGAI_OK)
        rc = error_set(err, PGAI_E_SQL, "COPY failed: %s", PQerrorMessage(conn));
    while ((res = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == PGAI_OK) rc = db_error_from_result(err, conn, res);
        PQclear(res);
    }
    return rc;
}

static int write_column(PGconn *conn, const vectorizer *v, const queue_batch *b, const store_row *rows, size_t n,
                        const float *vectors, int dim, buf *data, pgai_error *err)
{
    enum { MAX_KEY = 63 }; /* parameters: the vector, then the key columns */
    if (v->npk > MAX_KEY)
        return error_set(err, PGAI_E_INVALID, "the primary key has %zu columns: writing an embedding column supports at most %d",
                         v->npk, MAX_KEY);
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    if (store_update_sql(v, &sql) != 0) {
        buf_free(&sql);
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    int rc = PGAI_OK;
    for (size_t r = 0; r < n && rc == PGAI_OK; r++) {
        const char *vals[MAX_KEY + 1];
        int lens[MAX_KEY + 1], fmts[MAX_KEY + 1];
        buf_reset(data);
        if (put_vector(data, vectors + r * (size_t)dim, dim) != 0) {
            rc = error_set(err, PGAI_E_NOMEM, "out of memory");
            break;
        }
        vals[0] = data->data + 4; /* put_vector starts with the COPY field length */
        lens[0] = (int)data->len - 4;
        fmts[0] = 1;
        for (size_t i = 0; i < v->npk; i++) {
            queue_item_key(b, rows[r].item, i, &vals[i + 1], &lens[i + 1]);
            fmts[i + 1] = 1;
        }
        PGresult *res = PQexecParams(conn, sql.data, (int)v->npk + 1, NULL, vals, lens, fmts, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) rc = db_error_from_result(err, conn, res);
        PQclear(res);
    }
    buf_free(&sql);
    return rc;
}

int store_write(PGconn *conn, const vectorizer *v, const queue_batch *b, const store_row *rows, size_t n,
                const float *vectors, int dim, buf *scratch, pgai_error *err)
{
    if (v->destination.kind == DESTINATION_COLUMN) return write_column(conn, v, b, rows, n, vectors, dim, scratch, err);
    return write_copy(conn, v, b, rows, n, vectors, dim, scratch, err);
}
