/* queue: claim, requeue and fail queue items; see queue.h. */
#include "queue/queue.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

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
                long long max_document_bytes, queue_batch *out, pgai_error *err)
{
    memset(out, 0, sizeof(*out));
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
    out->res = res;
    out->nitems = PQntuples(res);
    out->npk = v->npk;
    out->col_retries = (int)v->npk;
    out->col_present = out->col_retries + 1;
    out->col_text0 = out->col_present + 1;
    out->ncols = ncols;
    out->col_load_len = out->col_text0 + (int)ncols;
    return PGAI_OK;
}

void queue_batch_free(queue_batch *b)
{
    PQclear(b->res);
    memset(b, 0, sizeof(*b));
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

/* Runs an INSERT of the item's key (binary parameters $1..$n) plus extra text parameters. */
static int insert_key(PGconn *conn, const char *sql, const vectorizer *v, const queue_batch *b, int item,
                      const char *const *extra, int nextra, pgai_error *err)
{
    int n = (int)v->npk + nextra;
    const char *vals[64];
    int lens[64], fmts[64];
    if (n > 64) return error_set(err, PGAI_E_INVALID, "primary key too wide");
    for (int i = 0; i < (int)v->npk; i++) {
        vals[i] = PQgetvalue(b->res, item, i);
        lens[i] = PQgetlength(b->res, item, i);
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

static int key_insert_sql(buf *b, const vectorizer *v, const char *table, const char *extra_cols, int nextra_vals)
{
    int rc = db_sqlf(b, "INSERT INTO %I.%I (", v->queue_schema, table);
    rc |= pk_list(b, v, "");
    rc |= db_sqlf(b, "%s) VALUES (", extra_cols);
    for (size_t i = 0; i < v->npk + (size_t)nextra_vals; i++) rc |= buf_printf(b, "%s$%zu", i ? ", " : "", i + 1);
    return rc | buf_puts(b, ")");
}

int queue_requeue(PGconn *conn, const vectorizer *v, const queue_batch *b, int item, int retries,
                  double delay_seconds, pgai_error *err)
{
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    char n[16], delay[32];
    snprintf(n, sizeof(n), "%d", retries);
    snprintf(delay, sizeof(delay), "%.3f", delay_seconds);
    int rc = key_insert_sql(&sql, v, v->queue_table, ", \"loading_retries\", \"loading_retry_after\"", 0);
    if (rc == 0) {
        /* replace the closing paren: two more values, the second computed from now() */
        buf_truncate(&sql, sql.len - 1);
        rc = buf_printf(&sql, ", $%zu::int4, pg_catalog.now() + $%zu::float8 * interval '1 second')", v->npk + 1,
                        v->npk + 2);
    }
    const char *extra[2] = {n, delay};
    rc = rc ? error_set(err, PGAI_E_NOMEM, "out of memory") : insert_key(conn, sql.data, v, b, item, extra, 2, err);
    buf_free(&sql);
    return rc;
}

int queue_move_to_failed(PGconn *conn, const vectorizer *v, const queue_batch *b, int item, const char *step,
                         pgai_error *err)
{
    if (!v->queue_failed_table) return PGAI_OK; /* old installs have no failed queue: pgai drops the item */
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    int rc = key_insert_sql(&sql, v, v->queue_failed_table, ", \"failure_step\"", 1);
    const char *extra[1] = {step};
    rc = rc ? error_set(err, PGAI_E_NOMEM, "out of memory") : insert_key(conn, sql.data, v, b, item, extra, 1, err);
    buf_free(&sql);
    return rc;
}
