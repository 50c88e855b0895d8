/* queue: claim, requeue and fail queue items; see queue.h. */
#include "queue/queue.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

/* The claim's result and where its columns are: the SELECT list of
 * queue_claim_sql (key columns, loading_retries, present, the source columns
 * as text, the loading column's size). Nothing outside this file knows it. */
struct queue_batch {
    PGresult *res;
    int nitems;
    size_t npk;        /* primary-key columns, attnum order, from column 0 */
    int col_retries;   /* loading_retries (int4) */
    int col_present;   /* bool: the source row still exists */
    int col_text0;     /* first of ncols source columns as text */
    size_t ncols;
    int col_load_len;  /* octet_length of the loading column (int4) */
};

/* "a", "b" in attnum order with a prefix ("l." etc.) */
static int pk_list(buf *b, const vectorizer *v, const char *prefix)
{
    int rc = 0;
    for (size_t i = 0; i < v->npk; i++) rc |= db_sqlf(b, "%s%s%I", i ? ", " : "", prefix, v->pk[i].name);
    return rc;
}

/* x."a" = y."a" AND ... in pknum order */
static int pk_join(buf *b, const vectorizer *v, const char *x, const char *y)
{
    int rc = 0;
    for (int k = 1; k <= (int)v->npk; k++)
        for (size_t i = 0; i < v->npk; i++)
            if (v->pk[i].pknum == k)
                rc |= db_sqlf(b, "%s%s.%I = %s.%I", k > 1 ? " AND " : "", x, v->pk[i].name, y, v->pk[i].name);
    return rc;
}

int queue_claim_sql(PGconn *conn, const vectorizer *v, const catalog_info *info, const source_column *cols,
                    size_t ncols, int lock_source, char **sql, pgai_error *err)
{
    buf b;
    buf_init(&b, DB_MAX_MESSAGE);
    int rc = 0;
    int retries = info->has_loading_retries;
    const char *first_pk = v->pk[0].name;
    for (size_t i = 0; i < v->npk; i++)
        if (v->pk[i].pknum == 1) first_pk = v->pk[i].name;

    rc |= db_sqlf(&b, "WITH selected_rows AS (SELECT ");
    rc |= pk_list(&b, v, "");
    rc |= db_sqlf(&b, "%s FROM %I.%I", retries ? ", \"loading_retries\"" : "", v->queue_schema, v->queue_table);
    if (retries)
        rc |= db_sqlf(&b, " WHERE \"loading_retry_after\" IS NULL OR \"loading_retry_after\" < pg_catalog.now()");
    rc |= db_sqlf(&b, " LIMIT $1 FOR UPDATE SKIP LOCKED), locked_items AS (SELECT ");
    rc |= pk_list(&b, v, "");
    /* pgai's lock key: column names as literals interleaved with values, in pknum order */
    rc |= db_sqlf(&b, ", i.\"loading_retries\", pg_catalog.pg_try_advisory_xact_lock($2::int4, "
                      "pg_catalog.hashtext(pg_catalog.concat_ws('|'");
    for (int k = 1; k <= (int)v->npk; k++)
        for (size_t i = 0; i < v->npk; i++)
            if (v->pk[i].pknum == k) rc |= db_sqlf(&b, ", %L, i.%I", v->pk[i].name, v->pk[i].name);
    /* One row per key even when duplicates carry different retry counts (pgai
     * returns both and then fails the batch on the unique constraint). */
    rc |= db_sqlf(&b, "))::int4) AS locked FROM (SELECT ");
    rc |= pk_list(&b, v, "");
    rc |= db_sqlf(&b, retries ? ", pg_catalog.max(\"loading_retries\") AS \"loading_retries\""
                              : ", 0 AS \"loading_retries\"");
    rc |= db_sqlf(&b, " FROM selected_rows GROUP BY ");
    rc |= pk_list(&b, v, "");
    rc |= db_sqlf(&b, " ORDER BY ");
    rc |= pk_list(&b, v, "");
    rc |= db_sqlf(&b, ") AS i), deleted_rows AS (DELETE FROM %I.%I AS w USING locked_items AS l WHERE l.locked AND ",
                  v->queue_schema, v->queue_table);
    rc |= pk_join(&b, v, "w", "l");
    rc |= db_sqlf(&b, ") SELECT ");
    rc |= pk_list(&b, v, "l.");
    rc |= db_sqlf(&b, ", l.\"loading_retries\", s.%I IS NOT NULL", first_pk);
    /* The loading column comes back only when it fits the document size
     * limit ($3), so one huge document cannot blow up our memory; its size
     * comes back always, as the last column, to report it. */
    for (size_t i = 0; i < ncols; i++) {
        if (strcmp(cols[i].name, v->loading.column_name) == 0)
            rc |= db_sqlf(&b, ", CASE WHEN pg_catalog.octet_length(s.%I::pg_catalog.text) <= $3 THEN s.%I::pg_catalog.text END",
                          cols[i].name, cols[i].name);
        else
            rc |= db_sqlf(&b, ", s.%I::pg_catalog.text", cols[i].name);
    }
    rc |= db_sqlf(&b, ", pg_catalog.octet_length(s.%I::pg_catalog.text)", v->loading.column_name);
    rc |= db_sqlf(&b, " FROM locked_items AS l LEFT JOIN LATERAL (SELECT * FROM %I.%I AS s WHERE ", v->source_schema,
                  v->source_table);
    rc |= pk_join(&b, v, "l", "s");
    /* FOR KEY SHARE: a DELETE or key change of a row in flight waits for our
     * commit, so its trigger then removes the chunks we wrote (no orphans).
     * The lock needs UPDATE on the source; a worker that may only read it
     * claims without, and removes the chunks of rows deleted meanwhile
     * before it commits (store_delete_gone). */
    rc |= db_sqlf(&b, " LIMIT 1%s) AS s ON true WHERE l.locked ORDER BY ", lock_source ? " FOR KEY SHARE OF s" : "");
    rc |= pk_list(&b, v, "l.");
    (void)conn;
    if (rc != 0) {
        buf_free(&b);
        return error_set(err, PGAI_E_NOMEM, "out of memory building the claim query");
    }
    *sql = buf_take(&b);
    return PGAI_OK;
}

int queue_claim(PGconn *conn, const char *sql, const vectorizer *v, const source_column *cols, size_t ncols,
                long long max_document_bytes, queue_batch **out, pgai_error *err)
{
    *out = NULL;
    char limit[16], id[16], maxdoc[24];
    snprintf(limit, sizeof(limit), "%d", v->processing.batch_size);
    snprintf(id, sizeof(id), "%d", v->id);
    snprintf(maxdoc, sizeof(maxdoc), "%lld", max_document_bytes);
    const char *params[3] = {limit, id, maxdoc};
    PGresult *res = PQexecParams(conn, sql, 3, NULL, params, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = db_error_from_result(err, conn, res);
        PQclear(res);
        return rc;
    }
    return queue_batch_adopt(res, v, ncols, out, err);
}

int queue_batch_adopt(PGresult *res, const vectorizer *v, size_t ncols, queue_batch **out, pgai_error *err)
{
    *out = NULL;
    /* the accessors index columns by position: a result of another shape would be misread */
    int want = (int)v->npk + 3 + (int)ncols;
    if (PQnfields(res) != want) {
        int got = PQnfields(res);
        PQclear(res);
        return error_set(err, PGAI_E_INVALID, "the claim returned %d columns instead of %d", got, want);
    }
    queue_batch *b = calloc(1, sizeof(*b));
    if (!b) {
        PQclear(res);
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    /* The SELECT list of queue_claim_sql, in order. */
    b->res = res;
    b->nitems = PQntuples(res);
    b->npk = v->npk;
    b->col_retries = (int)v->npk;
    b->col_present = b->col_retries + 1;
    b->col_text0 = b->col_present + 1;
    b->ncols = ncols;
    b->col_load_len = b->col_text0 + (int)ncols;
    *out = b;
    return PGAI_OK;
}

void queue_batch_free(queue_batch *b)
{
    if (!b) return;
    PQclear(b->res);
    free(b);
}

int queue_batch_count(const queue_batch *b) { return b->nitems; }

int queue_item_present(const queue_batch *b, int i)
{
    return !PQgetisnull(b->res, i, b->col_present) && *PQgetvalue(b->res, i, b->col_present) != 0;
}

/* A binary int4 field, or 0 when NULL. */
static long field_int4(const queue_batch *b, int i, int col)
{
    if (PQgetisnull(b->res, i, col) || PQgetlength(b->res, i, col) != 4) return 0;
    uint32_t n;
    memcpy(&n, PQgetvalue(b->res, i, col), 4);
    return (long)(int32_t)ntohl(n);
}

int queue_item_retries(const queue_batch *b, int i) { return (int)field_int4(b, i, b->col_retries); }
long queue_item_load_size(const queue_batch *b, int i) { return field_int4(b, i, b->col_load_len); }

void queue_item_key(const queue_batch *b, int i, size_t k, const char **data, int *len)
{
    *data = PQgetvalue(b->res, i, (int)k);
    *len = PQgetlength(b->res, i, (int)k);
}

const char *queue_item_text(const queue_batch *b, int i, size_t col, size_t *len)
{
    int c = b->col_text0 + (int)col;
    if (PQgetisnull(b->res, i, c)) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = (size_t)PQgetlength(b->res, i, c);
    return PQgetvalue(b->res, i, c);
}

const char *item_step_name(item_step step)
{
    switch (step) {
    case STEP_LOADING: return "loading";
    case STEP_PARSING: return "parsing";
    case STEP_CHUNKING: return "chunking";
    case STEP_FORMATTING: return "formatting";
    case STEP_EMBEDDING: return "embedding";
    }
    return "unknown";
}

/* Runs an INSERT of the item's key (binary parameters $1..$n) plus extra text parameters. */
static int insert_key(PGconn *conn, const char *sql, const vectorizer *v, const queue_batch *b, int item,
                      const char *const *extra, int nextra, pgai_error *err)
{
    int n = (int)v->npk + nextra;
    const char *vals[64];
    int lens[64], fmts[64];
    if (n > 64) return error_set(err, PGAI_E_INVALID, "primary key too wide");
    for (size_t i = 0; i < v->npk; i++) {
        queue_item_key(b, item, i, &vals[i], &lens[i]);
        fmts[i] = 1;
    }
    for (int i = 0; i < nextra; i++) {
        vals[v->npk + (size_t)i] = extra[i];
        lens[v->npk + (size_t)i] = 0;
        fmts[v->npk + (size_t)i] = 0;
    }
    PGresult *res = PQexecParams(conn, sql, n, NULL, vals, lens, fmts, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? PGAI_OK : db_error_from_result(err, conn, res);
    PQclear(res);
    return rc;
}

/* INSERT INTO table (key columns, extra columns) VALUES ($1, ..., $npk: the
 * caller adds the extra columns' values and the closing parenthesis. */
static int key_insert_head(buf *b, const vectorizer *v, const char *table, const char *extra_cols)
{
    int rc = db_sqlf(b, "INSERT INTO %I.%I (", v->queue_schema, table);
    rc |= pk_list(b, v, "");
    rc |= db_sqlf(b, "%s) VALUES (", extra_cols);
    for (size_t i = 0; i < v->npk; i++) rc |= buf_printf(b, "%s$%zu", i ? ", " : "", i + 1);
    return rc;
}

int queue_requeue_sql(const vectorizer *v, buf *out)
{
    /* the retry time is computed by the server, from its own clock */
    int rc = key_insert_head(out, v, v->queue_table, ", \"loading_retries\", \"loading_retry_after\"");
    return rc | buf_printf(out, ", $%zu::int4, pg_catalog.now() + $%zu::float8 * interval '1 second')", v->npk + 1,
                           v->npk + 2);
}

int queue_failed_sql(const vectorizer *v, buf *out)
{
    if (!v->queue_failed_table) return -1;
    int rc = key_insert_head(out, v, v->queue_failed_table, ", \"failure_step\"");
    return rc | buf_printf(out, ", $%zu)", v->npk + 1);
}

int queue_requeue(PGconn *conn, const vectorizer *v, const queue_batch *b, int item, int retries,
                  double delay_seconds, pgai_error *err)
{
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    char n[16], delay[32];
    snprintf(n, sizeof(n), "%d", retries);
    snprintf(delay, sizeof(delay), "%.3f", delay_seconds);
    const char *extra[2] = {n, delay};
    int rc = queue_requeue_sql(v, &sql) != 0 ? error_set(err, PGAI_E_NOMEM, "out of memory")
                                             : insert_key(conn, sql.data, v, b, item, extra, 2, err);
    buf_free(&sql);
    return rc;
}

int queue_move_to_failed(PGconn *conn, const vectorizer *v, const queue_batch *b, int item, item_step step,
                         pgai_error *err)
{
    if (!v->queue_failed_table) return PGAI_OK; /* old installs have no failed queue: pgai drops the item */
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    const char *extra[1] = {item_step_name(step)};
    int rc = queue_failed_sql(v, &sql) != 0 ? error_set(err, PGAI_E_NOMEM, "out of memory")
                                            : insert_key(conn, sql.data, v, b, item, extra, 1, err);
    buf_free(&sql);
    return rc;
}
