/*
 * Unit tests for the batch stages that need no server: the statements the
 * queue and the store build (byte for byte: pgai's workers share the queue
 * protocol), a claimed batch read through its accessors, the column loader
 * and the pass-through parsers. A claim result is made with libpq's
 * PQmakeEmptyPGresult, so no connection is needed.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/load.h"
#include "parse/parse.h"
#include "queue/queue.h"
#include "store/store.h"

/* Hostile names on purpose: a space, a double quote, a key declared out of attnum order. */
static const char row_head[] =
    "{\"id\": 3, \"name\": \"n\", \"source_schema\": \"we\\\"b\", \"source_table\": \"blog\", \"queue_schema\": \"ai\","
    " \"queue_table\": \"_vectorizer_q_3\", \"queue_failed_table\": \"_vectorizer_q_failed_3\", \"trigger_name\": \"t\","
    " \"disabled\": false,"
    " \"source_pk\": [{\"pknum\": 1, \"attnum\": 3, \"attname\": \"published\", \"typname\": \"timestamp with time zone\"},"
    "                {\"pknum\": 2, \"attnum\": 2, \"attname\": \"Ti tle\", \"typname\": \"text\"}],"
    " \"config\": {\"version\": \"0.12.1\","
    "  \"loading\": {\"implementation\": \"%s\", \"config_type\": \"loading\", \"column_name\": \"%s\", \"retries\": 6},"
    "  \"parsing\": {\"implementation\": \"%s\", \"config_type\": \"parsing\"},"
    "  \"chunking\": {\"implementation\": \"none\", \"config_type\": \"chunking\"},"
    "  \"formatting\": {\"implementation\": \"chunk_value\", \"config_type\": \"formatting\"},"
    "  \"embedding\": {\"implementation\": \"ollama\", \"config_type\": \"embedding\", \"model\": \"m\", \"dimensions\": 3},"
    "  \"processing\": {\"implementation\": \"default\", \"config_type\": \"processing\"},"
    "  \"indexing\": {\"implementation\": \"none\", \"config_type\": \"indexing\"},"
    "  \"scheduling\": {\"implementation\": \"none\", \"config_type\": \"scheduling\"},"
    "  \"destination\": %s}}";

static const char table_dest[] = "{\"implementation\": \"table\", \"config_type\": \"destination\","
                                 " \"target_schema\": \"website\", \"target_table\": \"blog_embedding_store\","
                                 " \"view_schema\": \"website\", \"view_name\": \"blog_embedding\"}";
static const char column_dest[] =
    "{\"implementation\": \"column\", \"config_type\": \"destination\", \"embedding_column\": \"em b\"}";

/* The source table's columns, in the order catalog_source_columns would give them. */
static const source_column cols[4] = {
    {"Ti tle", 25, 0, 0}, {"published", 1184, 0, 0}, {"body", 25, 0, 0}, {"n\"x", 23, 0, 0}};
#define NCOLS 4
#define BODY 2

static vectorizer *make_vectorizer(const char *loading, const char *column, const char *parsing, const char *dest)
{
    char json[4096];
    snprintf(json, sizeof(json), row_head, loading, column, parsing, dest);
    vectorizer *v = NULL;
    char err[512] = "";
    int rc = vectorizer_parse(json, strlen(json), &v, err, sizeof(err));
    if (rc != 0) fprintf(stderr, "unexpected error: %s\n", err);
    assert_int_equal(rc, 0);
    return v;
}

static vectorizer *table_vectorizer(void) { return make_vectorizer("column", "body", "auto", table_dest); }

/* ---- the statements ---- */

static void test_claim_sql(void **state)
{
    vectorizer *v = table_vectorizer();
    catalog_info info = {.has_loading_retries = 1};
    char *sql = NULL;
    pgai_error err = {0};
    assert_int_equal(queue_claim_sql(NULL, v, &info, cols, NCOLS, 1, &sql, &err), PGAI_OK);
    assert_string_equal(
        sql,
        "WITH selected_rows AS (SELECT \"Ti tle\", \"published\", \"loading_retries\" FROM \"ai\".\"_vectorizer_q_3\" "
        "WHERE \"loading_retry_after\" IS NULL OR \"loading_retry_after\" < pg_catalog.now() LIMIT $1 FOR UPDATE "
        "SKIP LOCKED), locked_items AS (SELECT \"Ti tle\", \"published\", i.\"loading_retries\", "
        "pg_catalog.pg_try_advisory_xact_lock($2::int4, pg_catalog.hashtext(pg_catalog.concat_ws('|', "
        "'published', i.\"published\", 'Ti tle', i.\"Ti tle\"))::int4) AS locked FROM (SELECT \"Ti tle\", "
        "\"published\", pg_catalog.max(\"loading_retries\") AS \"loading_retries\" FROM selected_rows GROUP BY \"Ti "
        "tle\", \"published\" ORDER BY \"Ti tle\", \"published\") AS i), deleted_rows AS (DELETE FROM "
        "\"ai\".\"_vectorizer_q_3\" AS w USING locked_items AS l WHERE l.locked AND w.\"published\" = "
        "l.\"published\" AND w.\"Ti tle\" = l.\"Ti tle\") SELECT l.\"Ti tle\", l.\"published\", l.\"loading_retries\", "
        "s.\"published\" IS NOT NULL, s.\"Ti tle\"::pg_catalog.text, s.\"published\"::pg_catalog.text, CASE WHEN "
        "pg_catalog.octet_length(s.\"body\"::pg_catalog.text) <= $3 THEN s.\"body\"::pg_catalog.text END, "
        "s.\"n\"\"x\"::pg_catalog.text, pg_catalog.octet_length(s.\"body\"::pg_catalog.text) FROM locked_items AS "
        "l LEFT JOIN LATERAL (SELECT * FROM \"we\"\"b\".\"blog\" AS s WHERE l.\"published\" = s.\"published\" AND "
        "l.\"Ti tle\" = s.\"Ti tle\" LIMIT 1 FOR KEY SHARE OF s) AS s ON true WHERE l.locked ORDER BY l.\"Ti "
        "tle\", l.\"published\"");
    free(sql);

    /* An install without retry columns, and a role that may only read the source. */
    info.has_loading_retries = 0;
    assert_int_equal(queue_claim_sql(NULL, v, &info, cols, NCOLS, 0, &sql, &err), PGAI_OK);
    assert_non_null(strstr(sql, "FROM \"ai\".\"_vectorizer_q_3\" LIMIT $1 FOR UPDATE SKIP LOCKED"));
    assert_non_null(strstr(sql, ", 0 AS \"loading_retries\" FROM selected_rows"));
    assert_non_null(strstr(sql, " LIMIT 1) AS s ON true"));
    assert_null(strstr(sql, "FOR KEY SHARE"));
    assert_null(strstr(sql, "loading_retry_after"));
    free(sql);
    vectorizer_free(v);
}

static void test_requeue_and_failed_sql(void **state)
{
    vectorizer *v = table_vectorizer();
    buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(queue_requeue_sql(v, &b), 0);
    assert_string_equal(b.data, "INSERT INTO \"ai\".\"_vectorizer_q_3\" (\"Ti tle\", \"published\", \"loading_retries\", "
                                "\"loading_retry_after\") VALUES ($1, $2, $3::int4, pg_catalog.now() + $4::float8 * "
                                "interval '1 second')");
    buf_reset(&b);
    assert_int_equal(queue_failed_sql(v, &b), 0);
    assert_string_equal(b.data, "INSERT INTO \"ai\".\"_vectorizer_q_failed_3\" (\"Ti tle\", \"published\", "
                                "\"failure_step\") VALUES ($1, $2, $3)");
    buf_free(&b);
    vectorizer_free(v);
}

static void test_store_sql(void **state)
{
    vectorizer *v = table_vectorizer();
    buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(store_delete_sql(v, 2, 0, &b), 0);
    assert_string_equal(b.data, "DELETE FROM \"website\".\"blog_embedding_store\" WHERE (\"Ti tle\", \"published\") IN "
                                "(($1, $2), ($3, $4))");
    buf_reset(&b);
    assert_int_equal(store_delete_sql(v, 1, 1, &b), 0);
    assert_string_equal(b.data, "DELETE FROM \"website\".\"blog_embedding_store\" WHERE (\"Ti tle\", \"published\") IN "
                                "(($1, $2)) AND NOT EXISTS (SELECT FROM \"we\"\"b\".\"blog\" AS s WHERE s.\"Ti tle\" = "
                                "\"website\".\"blog_embedding_store\".\"Ti tle\" AND s.\"published\" = "
                                "\"website\".\"blog_embedding_store\".\"published\")");
    buf_reset(&b);
    assert_int_equal(store_copy_sql(v, &b), 0);
    assert_string_equal(b.data, "COPY \"website\".\"blog_embedding_store\" (\"Ti tle\", \"published\", \"chunk_seq\", "
                                "\"chunk\", \"embedding\") FROM STDIN WITH (FORMAT BINARY)");
    vectorizer_free(v);

    v = make_vectorizer("column", "body", "auto", column_dest);
    buf_reset(&b);
    assert_int_equal(store_update_sql(v, &b), 0);
    assert_string_equal(b.data, "UPDATE \"we\"\"b\".\"blog\" SET \"em b\" = $1 WHERE (\"Ti tle\", \"published\") = ($2, $3)");
    buf_free(&b);
    vectorizer_free(v);
}

static void test_step_names(void **state)
{
    /* the failed queue's failure_step and the error rows' "step": pgai's words */
    assert_string_equal(item_step_name(STEP_LOADING), "loading");
    assert_string_equal(item_step_name(STEP_PARSING), "parsing");
    assert_string_equal(item_step_name(STEP_CHUNKING), "chunking");
    assert_string_equal(item_step_name(STEP_FORMATTING), "formatting");
    assert_string_equal(item_step_name(STEP_EMBEDDING), "embedding");
}

/* ---- a claimed batch ---- */

/* A claim result as the server returns it: key columns (binary), loading_retries
 * (int4), present (bool), the source columns as text, the loading column's size (int4). */
static PGresult *claim_result(int ncolumns)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(res);
    PGresAttDesc att[16];
    assert_true(ncolumns <= 16);
    memset(att, 0, sizeof(att));
    static char names[16][16]; /* room for any int: the compiler checks */
    for (int i = 0; i < ncolumns; i++) {
        snprintf(names[i], sizeof(names[i]), "c%d", i);
        att[i].name = names[i];
        att[i].format = 1;
        att[i].typlen = -1;
    }
    assert_int_equal(PQsetResultAttrs(res, ncolumns, att), 1);
    return res;
}

static void set_int4(PGresult *res, int row, int col, int32_t n)
{
    uint32_t be = htonl((uint32_t)n);
    assert_int_equal(PQsetvalue(res, row, col, (char *)&be, 4), 1);
}

static void set_text(PGresult *res, int row, int col, const char *s)
{
    assert_int_equal(PQsetvalue(res, row, col, (char *)s, s ? (int)strlen(s) : -1), 1);
}

/* Three items: a document; a NULL body (nothing to load); a body too large to fetch; the
 * last one's source row is gone. */
static queue_batch *sample_batch(const vectorizer *v)
{
    PGresult *res = claim_result(2 + 2 + NCOLS + 1);
    const char key1[] = {0, 1, 0, 2}; /* binary, with NUL bytes */
    for (int r = 0; r < 3; r++) {
        assert_int_equal(PQsetvalue(res, r, 0, (char *)key1, 4), 1);
        set_text(res, r, 1, r == 0 ? "Hello" : "x");
        set_int4(res, r, 2, r);
        char present = r < 2;
        assert_int_equal(PQsetvalue(res, r, 3, &present, 1), 1);
        set_text(res, r, 4 + 0, "Hello");
        set_text(res, r, 4 + 1, "2024-01-02 03:04:05+00");
        set_text(res, r, 4 + BODY, r == 0 ? "the document" : NULL);
        set_text(res, r, 4 + 3, NULL);
        set_int4(res, r, 4 + NCOLS, r == 0 ? 12 : r == 1 ? 0 : 5000);
    }
    queue_batch *b = NULL;
    pgai_error err = {0};
    assert_int_equal(queue_batch_adopt(res, v, NCOLS, &b, &err), PGAI_OK);
    return b;
}

static void test_batch_accessors(void **state)
{
    vectorizer *v = table_vectorizer();
    queue_batch *b = sample_batch(v);
    assert_int_equal(queue_batch_count(b), 3);
    assert_true(queue_item_present(b, 0));
    assert_true(queue_item_present(b, 1));
    assert_false(queue_item_present(b, 2));
    assert_int_equal(queue_item_retries(b, 2), 2);
    const char *key;
    int len;
    queue_item_key(b, 0, 0, &key, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(key, "\0\1\0\2", 4);
    queue_item_key(b, 0, 1, &key, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(key, "Hello", 5);
    size_t n = 99;
    assert_string_equal(queue_item_text(b, 0, BODY, &n), "the document");
    assert_int_equal(n, 12);
    assert_null(queue_item_text(b, 1, BODY, &n));
    assert_int_equal(n, 0);
    assert_null(queue_item_text(b, 0, 3, NULL));
    assert_int_equal(queue_item_load_size(b, 0), 12);
    assert_int_equal(queue_item_load_size(b, 2), 5000);
    queue_batch_free(b);
    queue_batch_free(NULL);
    vectorizer_free(v);
}

static void test_batch_wrong_shape(void **state)
{
    vectorizer *v = table_vectorizer();
    queue_batch *b = (queue_batch *)1;
    pgai_error err = {0};
    assert_int_equal(queue_batch_adopt(claim_result(5), v, NCOLS, &b, &err), PGAI_E_INVALID);
    assert_null(b);
    assert_string_equal(err.message, "the claim returned 5 columns instead of 9");
    vectorizer_free(v);
}

/* ---- load and parse ---- */

static void test_column_loader(void **state)
{
    vectorizer *v = table_vectorizer();
    queue_batch *b = sample_batch(v);
    load_config cfg = {.max_document_bytes = 1000};
    loader *l = NULL;
    pgai_error err = {0};
    assert_int_equal(loader_new(v, cols, NCOLS, &cfg, &l, &err), PGAI_OK);
    assert_string_equal(loader_name(l), "column");

    char why[256] = "";
    load_document doc;
    assert_int_equal(loader_load(l, b, 0, &doc, why, sizeof(why), &err), PGAI_OK);
    assert_int_equal(doc.len, 12);
    assert_memory_equal(doc.data, "the document", 12);
    assert_ptr_equal(doc.data, queue_item_text(b, 0, BODY, NULL)); /* borrowed from the claim, not copied */
    assert_null(doc.owned);
    assert_string_equal(doc.type_hint, "");
    load_document_free(&doc);

    /* NULL loads as nothing */
    assert_int_equal(loader_load(l, b, 1, &doc, why, sizeof(why), &err), PGAI_OK);
    assert_int_equal(doc.len, 0);
    assert_non_null(doc.data);
    load_document_free(&doc);

    /* left out by the claim because of its size: the item's error */
    assert_int_equal(loader_load(l, b, 2, &doc, why, sizeof(why), &err), LOAD_ITEM_FAILED);
    assert_string_equal(why, "the document is 5000 bytes, more than the limit of 1000 bytes "
                             "(PGAI_VECTORIZER_MAX_DOCUMENT_BYTES)");
    load_document_free(&doc);
    loader_free(l);
    loader_free(NULL);
    queue_batch_free(b);
    vectorizer_free(v);
}

static void test_loader_refusals(void **state)
{
    load_config cfg = {.max_document_bytes = 1000};
    loader *l = NULL;
    pgai_error err = {0};
    vectorizer *v = make_vectorizer("column", "missing", "auto", table_dest);
    assert_int_equal(loader_new(v, cols, NCOLS, &cfg, &l, &err), PGAI_E_INVALID);
    assert_null(l);
    assert_string_equal(err.message, "the loading column missing does not exist in we\"b.blog");
    vectorizer_free(v);

    /* refused earlier by the worker; the loader refuses it too rather than misread a URI as the document */
    v = make_vectorizer("uri", "body", "auto", table_dest);
    assert_int_equal(loader_new(v, cols, NCOLS, &cfg, &l, &err), PGAI_E_UNSUPPORTED);
    assert_null(l);
    vectorizer_free(v);
}

static void test_passthrough_parsers(void **state)
{
    const char *kinds[] = {"auto", "none"};
    for (size_t k = 0; k < 2; k++) {
        vectorizer *v = make_vectorizer("column", "body", kinds[k], table_dest);
        parser *p = NULL;
        pgai_error err = {0};
        assert_int_equal(parser_new(v, &p, &err), PGAI_OK);
        assert_string_equal(parser_name(p), kinds[k]);
        load_document doc = {.data = "# title\n\ntext", .len = 13};
        parse_text text;
        char why[64];
        assert_int_equal(parser_parse(p, &doc, &text, why, sizeof(why), &err), PGAI_OK);
        assert_ptr_equal(text.data, doc.data); /* unchanged, not copied */
        assert_int_equal(text.len, 13);
        parse_text_free(&text);
        parser_free(p);
        vectorizer_free(v);
    }
    vectorizer *v = make_vectorizer("column", "body", "pymupdf", table_dest);
    parser *p = NULL;
    pgai_error err = {0};
    assert_int_equal(parser_new(v, &p, &err), PGAI_E_UNSUPPORTED);
    assert_null(p);
    parser_free(NULL);
    vectorizer_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claim_sql),
        cmocka_unit_test(test_requeue_and_failed_sql),
        cmocka_unit_test(test_store_sql),
        cmocka_unit_test(test_step_names),
        cmocka_unit_test(test_batch_accessors),
        cmocka_unit_test(test_batch_wrong_shape),
        cmocka_unit_test(test_column_loader),
        cmocka_unit_test(test_loader_refusals),
        cmocka_unit_test(test_passthrough_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
