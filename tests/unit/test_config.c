/* Unit tests for src/catalog/config.c: ai.vectorizer row JSON -> struct vectorizer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/config.h"
#include "util/backoff.h"
#include "worker/runtime.h"

/* A row as pgai 0.12's create_vectorizer writes it (composite key declared out of attnum order). */
static const char row_json[] =
    "{\"id\": 3, \"name\": \"website_blog_embedding_store\", \"source_schema\": \"website\","
    " \"source_table\": \"blog\", \"queue_schema\": \"ai\", \"queue_table\": \"_vectorizer_q_3\","
    " \"queue_failed_table\": \"_vectorizer_q_failed_3\", \"trigger_name\": \"_vectorizer_src_trg_3\","
    " \"disabled\": false,"
    " \"source_pk\": [{\"pknum\": 1, \"attnum\": 3, \"attname\": \"published\", \"typname\": \"timestamp with time zone\"},"
    "                {\"pknum\": 2, \"attnum\": 2, \"attname\": \"title\", \"typname\": \"text\"}],"
    " \"config\": {\"version\": \"0.12.1\","
    "  \"loading\": {\"implementation\": \"column\", \"config_type\": \"loading\", \"column_name\": \"body\", \"retries\": 6},"
    "  \"parsing\": {\"implementation\": \"auto\", \"config_type\": \"parsing\"},"
    "  \"chunking\": {\"implementation\": \"recursive_character_text_splitter\", \"config_type\": \"chunking\","
    "     \"chunk_size\": 800, \"chunk_overlap\": 400, \"separators\": [\"\\n\\n\", \"\\n\", \".\", \"?\", \"!\", \" \", \"\"],"
    "     \"is_separator_regex\": false},"
    "  \"formatting\": {\"implementation\": \"python_template\", \"config_type\": \"formatting\", \"template\": \"$title: $chunk\"},"
    "  \"embedding\": {\"implementation\": \"openai\", \"config_type\": \"embedding\", \"model\": \"text-embedding-3-small\","
    "     \"dimensions\": 768, \"api_key_name\": \"OPENAI_API_KEY\"},"
    "  \"processing\": {\"implementation\": \"default\", \"config_type\": \"processing\"},"
    "  \"indexing\": {\"implementation\": \"none\", \"config_type\": \"indexing\"},"
    "  \"scheduling\": {\"implementation\": \"none\", \"config_type\": \"scheduling\"},"
    "  \"destination\": {\"implementation\": \"table\", \"config_type\": \"destination\", \"target_schema\": \"website\","
    "     \"target_table\": \"blog_embedding_store\", \"view_schema\": \"website\", \"view_name\": \"blog_embedding\"}}}";

static vectorizer *parse_ok(const char *json)
{
    vectorizer *v = NULL;
    char err[512] = "";
    int rc = vectorizer_parse(json, strlen(json), &v, err, sizeof(err));
    if (rc != 0) fprintf(stderr, "unexpected error: %s\n", err);
    assert_int_equal(rc, 0);
    return v;
}

/* Replaces the first occurrence of `from` in the sample row with `to`. */
static char *row_with(const char *from, const char *to)
{
    const char *at = strstr(row_json, from);
    assert_non_null(at);
    size_t n = strlen(row_json) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(at - row_json), row_json, to, at + strlen(from));
    return s;
}

static void expect_error(const char *json, const char *want)
{
    vectorizer *v = NULL;
    char err[512] = "";
    assert_int_equal(vectorizer_parse(json, strlen(json), &v, err, sizeof(err)), -1);
    assert_null(v);
    if (!strstr(err, want)) fprintf(stderr, "error [%s] lacks [%s]\n", err, want);
    assert_non_null(strstr(err, want));
}

static void test_full_row(void **state)
{
    vectorizer *v = parse_ok(row_json);
    assert_int_equal(v->id, 3);
    assert_string_equal(v->name, "website_blog_embedding_store");
    assert_int_equal(v->npk, 2);
    assert_string_equal(v->pk[0].name, "title"); /* attnum order */
    assert_int_equal(v->pk[0].pknum, 2);
    assert_string_equal(v->pk[1].type_name, "timestamp with time zone");
    assert_string_equal(v->queue_failed_table, "_vectorizer_q_failed_3");
    assert_int_equal(v->loading.kind, LOADING_COLUMN);
    assert_string_equal(v->loading.column_name, "body");
    assert_int_equal(v->loading.retries, 6);
    assert_int_equal(v->parsing, PARSING_AUTO);
    assert_int_equal(v->chunking.kind, CHUNK_RECURSIVE);
    assert_int_equal(v->chunking.nseparators, 7);
    assert_string_equal(v->chunking.separators[0], "\n\n");
    assert_string_equal(v->chunking.separators[6], "");
    assert_string_equal(v->formatting.template_text, "$title: $chunk");
    assert_int_equal(v->embedding.kind, EMBEDDING_OPENAI);
    assert_int_equal(v->embedding.dimensions, 768);
    assert_string_equal(v->embedding.api_key_name, "OPENAI_API_KEY");
    assert_null(v->embedding.base_url);
    assert_int_equal(v->processing.batch_size, 50);
    assert_int_equal(v->processing.concurrency, 1);
    assert_int_equal(v->destination.kind, DESTINATION_TABLE);
    assert_string_equal(v->destination.target_table, "blog_embedding_store");
    vectorizer_free(v);
}

static void test_batch_size_rules(void **state)
{
    char *s = row_with("\"implementation\": \"default\", \"config_type\": \"processing\"",
                       "\"implementation\": \"default\", \"batch_size\": 5000, \"concurrency\": \"4\"");
    vectorizer *v = parse_ok(s);
    assert_int_equal(v->processing.batch_size, 2048); /* clamped as pgai does */
    assert_int_equal(v->processing.concurrency, 4);  /* numeric strings accepted */
    vectorizer_free(v);
    free(s);
    s = row_with("\"implementation\": \"column\", \"config_type\": \"loading\"", "\"implementation\": \"uri\"");
    v = parse_ok(s);
    assert_int_equal(v->processing.batch_size, 1); /* uri loading defaults to 1 */
    vectorizer_free(v);
    free(s);
}

static void test_column_destination_and_ollama(void **state)
{
    char *a = row_with("\"implementation\": \"table\", \"config_type\": \"destination\", \"target_schema\": \"website\","
                       "     \"target_table\": \"blog_embedding_store\", \"view_schema\": \"website\", \"view_name\": \"blog_embedding\"",
                       "\"implementation\": \"column\", \"embedding_column\": \"emb\"");
    char *b = NULL;
    {
        const char *from = "\"implementation\": \"openai\", \"config_type\": \"embedding\", \"model\": \"text-embedding-3-small\","
                           "     \"dimensions\": 768, \"api_key_name\": \"OPENAI_API_KEY\"";
        const char *at = strstr(a, from);
        assert_non_null(at);
        const char *to = "\"implementation\": \"ollama\", \"model\": \"nomic-embed-text\", \"dimensions\": 768,"
                         " \"options\": {\"num_ctx\": 2048}, \"keep_alive\": \"5m\"";
        size_t n = strlen(a) + strlen(to) + 1;
        b = malloc(n);
        snprintf(b, n, "%.*s%s%s", (int)(at - a), a, to, at + strlen(from));
    }
    vectorizer *v = parse_ok(b);
    assert_int_equal(v->destination.kind, DESTINATION_COLUMN);
    assert_string_equal(v->destination.embedding_column, "emb");
    assert_int_equal(v->embedding.kind, EMBEDDING_OLLAMA);
    assert_string_equal(v->embedding.options_json, "{\"num_ctx\":2048}");
    assert_string_equal(v->embedding.keep_alive, "5m");
    assert_null(v->embedding.api_key_name);
    vectorizer_free(v);
    free(a);
    free(b);
}

static void test_errors_name_the_field(void **state)
{
    expect_error("not json", "not valid JSON");
    expect_error("[]", "not a JSON object");
    char *s = row_with("\"model\": \"text-embedding-3-small\",", "");
    expect_error(s, "embedding.model is required");
    free(s);
    s = row_with("\"chunk_size\": 800", "\"chunk_size\": \"big\"");
    expect_error(s, "chunking.chunk_size must be an integer");
    free(s);
    s = row_with("\"implementation\": \"openai\"", "\"implementation\": \"magic\"");
    expect_error(s, "embedding.implementation \"magic\" is not supported");
    free(s);
    s = row_with("\"version\": \"0.12.1\"", "\"version\": \"latest\"");
    expect_error(s, "is not a semantic version");
    free(s);
    s = row_with("\"source_pk\": [", "\"source_pk\": 7, \"x\": [");
    expect_error(s, "source_pk must be a non-empty array");
    free(s);
    s = row_with("\"separators\": [", "\"separators\": [1, ");
    expect_error(s, "chunking.separators must be an array of strings");
    free(s);
}

static void test_migrates_pre_0_10_configs(void **state)
{
    const char *old =
        "{\"id\": 1, \"source_schema\": \"public\", \"source_table\": \"blog\", \"queue_schema\": \"ai\","
        " \"queue_table\": \"_vectorizer_q_1\", \"target_schema\": \"public\", \"target_table\": \"blog_store\","
        " \"source_pk\": [{\"attnum\": 1, \"pknum\": 1, \"attname\": \"id\", \"typname\": \"integer\"}],"
        " \"config\": {\"version\": \"0.8.0-dev\","
        "  \"chunking\": {\"implementation\": \"character_text_splitter\", \"chunk_column\": \"body\","
        "    \"chunk_size\": 100, \"chunk_overlap\": 10, \"separator\": \"\\n\", \"is_separator_regex\": false},"
        "  \"formatting\": {\"implementation\": \"python_template\", \"template\": \"$chunk\"},"
        "  \"embedding\": {\"implementation\": \"openai\", \"model\": \"text-embedding-3-small\", \"dimensions\": 3}}}";
    vectorizer *v = parse_ok(old);
    assert_int_equal(v->loading.kind, LOADING_COLUMN);
    assert_string_equal(v->loading.column_name, "body");
    assert_int_equal(v->parsing, PARSING_NONE);
    assert_int_equal(v->destination.kind, DESTINATION_TABLE);
    assert_string_equal(v->destination.target_table, "blog_store");
    assert_string_equal(v->chunking.separators[0], "\n");
    assert_null(v->queue_failed_table);
    vectorizer_free(v);
}

static void test_semver(void **state)
{
    int a[3], b[3];
    assert_int_equal(semver_parse("0.12.1+c0.1.0", a), 0);
    assert_int_equal(a[1], 12);
    assert_int_equal(semver_parse("0.10.0", b), 0);
    assert_true(semver_cmp(a, b) > 0);
    assert_int_equal(semver_parse("1.2", a), -1);
    assert_int_equal(semver_parse("01.2.3", a), -1);
    assert_int_equal(semver_parse("1.2.3 ", a), -1);
}

/* A runtime keeps its executors while the row, the key and the catalog
 * signature stay the same, and drops them when any of them changes. */
static void test_runtime_refresh(void **state)
{
    (void)state;
    vz_runtime *rt = runtime_new(1);
    assert_non_null(rt);
    assert_int_equal(rt->state, VZ_IDLE);
    assert_int_equal(runtime_refresh(rt, parse_ok(row_json), strdup("sk-1"), "sig-a"), 1); /* the first */
    const vectorizer *kept = rt->v;
    assert_int_equal(runtime_refresh(rt, parse_ok(row_json), strdup("sk-1"), "sig-a"), 0);
    assert_ptr_equal(rt->v, kept); /* unchanged: executors keep pointing at the same copy */
    assert_int_equal(runtime_refresh(rt, parse_ok(row_json), strdup("sk-2"), "sig-a"), 1); /* a new key */
    assert_int_equal(runtime_refresh(rt, parse_ok(row_json), strdup("sk-2"), "sig-b"), 1); /* an ALTER TABLE */
    char *changed = row_with("\"chunk_size\": 800", "\"chunk_size\": 700");
    assert_int_equal(runtime_refresh(rt, parse_ok(changed), strdup("sk-2"), "sig-b"), 1); /* a new config */
    assert_int_equal(rt->v->chunking.chunk_size, 700);
    assert_int_equal(runtime_refresh(rt, parse_ok(changed), NULL, "sig-b"), 1); /* the key gone */
    assert_int_equal(runtime_refresh(rt, parse_ok(changed), NULL, "sig-b"), 0);
    free(changed);
    runtime_set_state(rt, VZ_RESTING, NULL);
    assert_int_equal(rt->state, VZ_RESTING);
    assert_string_equal(runtime_state_name(rt->state), "resting");
    assert_true(runtime_park_idle(rt, 100, 30) < 0); /* no executors: nothing to park */
    runtime_free(rt);
}

/* The one doubling back-off: first, doubled, capped. */
static void test_backoff_next(void **state)
{
    (void)state;
    assert_true(backoff_next(0, 5, 300) == 5);
    assert_true(backoff_next(5, 5, 300) == 10);
    assert_true(backoff_next(160, 5, 300) == 300);
    assert_true(backoff_next(300, 5, 300) == 300);
    assert_true(backoff_next(0, 1, 30) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_row),
        cmocka_unit_test(test_batch_size_rules),
        cmocka_unit_test(test_column_destination_and_ollama),
        cmocka_unit_test(test_errors_name_the_field),
        cmocka_unit_test(test_migrates_pre_0_10_configs),
        cmocka_unit_test(test_semver),
        cmocka_unit_test(test_runtime_refresh),
        cmocka_unit_test(test_backoff_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
