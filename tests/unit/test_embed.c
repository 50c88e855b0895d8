/* Unit tests for request sizing (embed_plan) and response scanning (vectors_parse). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/embed.h"
#include "embed/vectors.h"

static void expect_groups(const double *lens, size_t n, size_t max_inputs, double max_tokens, const size_t *want,
                          long nwant)
{
    size_t ends[64];
    char err[128];
    long g = embed_plan(lens, n, max_inputs, max_tokens, ends, err, sizeof(err));
    assert_int_equal(g, nwant);
    for (long i = 0; i < g; i++) assert_int_equal(ends[i], want[i]);
}

/* The cases of pgai's own batching test (spec 10.1). */
static void test_plan_pgai_cases(void **state)
{
    double a[] = {5, 1, 1, 1, 1, 1, 1, 1, 1};
    size_t nine[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    expect_groups(a, 9, 1, 0, nine, 9);
    size_t threes[] = {3, 6, 9};
    expect_groups(a, 9, 3, 0, threes, 3);
    size_t fives[] = {5, 9};
    expect_groups(a, 9, 5, 0, fives, 2);
    size_t mixed[] = {2, 7, 9};
    expect_groups(a, 9, 5, 6, mixed, 3);
    size_t ends[16];
    char err[128];
    assert_int_equal(embed_plan(a, 9, 5, 2, ends, err, sizeof(err)), -1);
    assert_string_equal(err, "chunk length 5 greater than max_tokens_per_batch 2");
    double b[] = {1, 8, 2, 5, 9, 5, 6, 11};
    size_t bw[] = {4, 7, 8};
    expect_groups(b, 8, 5, 20, bw, 3);
    assert_int_equal(embed_plan(NULL, 0, 5, 0, ends, err, sizeof(err)), 0);
}

/* OpenAI's estimator: 0.25 token per byte, 300k per request, 2048 inputs (spec 10.2). */
static void test_plan_openai_estimates(void **state)
{
    static double lens[1001];
    size_t ends[1024];
    char err[128];
    for (int i = 0; i < 800; i++) lens[i] = 0.25 * 1;
    assert_int_equal(embed_plan(lens, 800, 2048, 300000, ends, err, sizeof(err)), 1);
    for (int i = 0; i < 1001; i++) lens[i] = 0.25 * 600; /* "ф" * 300 */
    assert_int_equal(embed_plan(lens, 1001, 2048, 300000, ends, err, sizeof(err)), 1);
    for (int i = 0; i < 500; i++) lens[i] = 0.25 * 3000; /* "中" * 1000 */
    assert_int_equal(embed_plan(lens, 500, 2048, 300000, ends, err, sizeof(err)), 2);
    for (int i = 0; i < 299; i++) lens[i] = 0.25 * 6000; /* "apple " * 1000 */
    assert_int_equal(embed_plan(lens, 299, 2048, 300000, ends, err, sizeof(err)), 2);
}

static void test_vectors_floats_and_base64(void **state)
{
    float out[4];
    char err[256];
    const char *floats = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":1,\"embedding\":[3,4.5]},"
                         "{\"object\":\"embedding\",\"index\":0,\"embedding\":[1e0,-2]}],\"model\":\"m\","
                         "\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}";
    assert_int_equal(vectors_parse(floats, strlen(floats), VECTORS_DATA_ARRAY, 2, 2, out, err, sizeof(err)), 0);
    assert_true(out[0] == 1.0f && out[1] == -2.0f && out[2] == 3.0f && out[3] == 4.5f); /* placed by index */

    float src[2] = {0.5f, -1.25f};
    unsigned char le[8];
    for (int i = 0; i < 2; i++) {
        uint32_t u;
        memcpy(&u, &src[i], 4);
        for (int k = 0; k < 4; k++) le[4 * i + k] = (unsigned char)(u >> (8 * k));
    }
    char b64[16];
    base64_encode(le, 8, b64);
    char body[256];
    snprintf(body, sizeof(body), "{\"data\": [ {\"embedding\": \"%s\"} ] }", b64);
    assert_int_equal(vectors_parse(body, strlen(body), VECTORS_DATA_ARRAY, 1, 2, out, err, sizeof(err)), 0);
    assert_true(out[0] == 0.5f && out[1] == -1.25f);

    const char *ollama = "{\"model\":\"x\",\"embeddings\":[[1,2],[3,4]],\"prompt_eval_count\":3}";
    assert_int_equal(vectors_parse(ollama, strlen(ollama), VECTORS_OLLAMA, 2, 2, out, err, sizeof(err)), 0);
    assert_true(out[3] == 4.0f);
}

static void expect_bad(const char *body, size_t n, size_t dim, const char *want)
{
    float out[16];
    char err[256] = "";
    assert_int_equal(vectors_parse(body, strlen(body), VECTORS_DATA_ARRAY, n, dim, out, err, sizeof(err)), -1);
    if (!strstr(err, want)) fprintf(stderr, "[%s] lacks [%s]\n", err, want);
    assert_non_null(strstr(err, want));
}

static void test_vectors_errors(void **state)
{
    expect_bad("{\"data\":[{\"embedding\":[1,2]}]}", 2, 2, "got 1 vectors for 2 inputs");
    expect_bad("{\"data\":[{\"embedding\":[1,2,3]}]}", 1, 2, "expected 2 dimensions, got 3");
    expect_bad("{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[1,2]}]}", 1, 2, "more vectors than");
    expect_bad("{\"data\":[{\"embedding\":[1,2]", 1, 2, "expected");
    expect_bad("{\"error\":{\"message\":\"x\"}}", 1, 2, "no \"data\"");
    expect_bad("<html>", 1, 2, "expected '{'");
    expect_bad("{\"data\":[{\"embedding\":\"@@@@\"}]}", 1, 1, "bad base64");
    expect_bad("{\"data\":[{\"index\":0,\"embedding\":[1]},{\"index\":0,\"embedding\":[2]}]}", 2, 1, "repeated");
    expect_bad("{\"data\":[{\"embedding\":[1e999]}]}", 1, 1, "non-finite");
}

static void test_base64_roundtrip(void **state)
{
    unsigned char data[7] = {0, 1, 2, 250, 251, 252, 253}, back[8];
    char enc[16];
    for (size_t n = 0; n <= 7; n++) {
        base64_encode(data, n, enc);
        assert_int_equal(base64_decode(enc, strlen(enc), back, sizeof(back)), (long)n);
        assert_memory_equal(data, back, n);
    }
    assert_int_equal(base64_decode("AA=A", 4, back, sizeof(back)), -1);
}

static long timeout_for(const char *value, char *msg, size_t msglen)
{
    if (value)
        setenv("PGAI_VECTORIZER_HTTP_TIMEOUT", value, 1);
    else
        unsetenv("PGAI_VECTORIZER_HTTP_TIMEOUT");
    long ms = -2;
    msg[0] = '\0';
    int rc = embed_http_timeout_env(&ms, msg, msglen);
    unsetenv("PGAI_VECTORIZER_HTTP_TIMEOUT");
    return rc == 0 ? ms : -1;
}

/* PGAI_VECTORIZER_HTTP_TIMEOUT: durations as --poll-interval takes them, 600 s by default. */
static void test_http_timeout_env(void **state)
{
    char msg[512];
    assert_int_equal(timeout_for(NULL, msg, sizeof(msg)), 600000);
    assert_int_equal(timeout_for("", msg, sizeof(msg)), 600000);
    assert_int_equal(timeout_for("2", msg, sizeof(msg)), 2000); /* plain integers are seconds */
    assert_int_equal(timeout_for("30s", msg, sizeof(msg)), 30000);
    assert_int_equal(timeout_for("5m", msg, sizeof(msg)), 300000);
    assert_int_equal(timeout_for("1h30m", msg, sizeof(msg)), 5400000);
    assert_int_equal(timeout_for("1.5s", msg, sizeof(msg)), 1500);
    assert_true(timeout_for("9999999999999999w", msg, sizeof(msg)) == LONG_MAX); /* clamped, not overflowed */

    assert_int_equal(timeout_for("soon", msg, sizeof(msg)), -1);
    assert_string_equal(msg,
                        "Invalid value for PGAI_VECTORIZER_HTTP_TIMEOUT: 'soon' is not a valid duration string or integer");
    assert_int_equal(timeout_for("-3", msg, sizeof(msg)), -1);
    assert_string_equal(msg, "Invalid value for PGAI_VECTORIZER_HTTP_TIMEOUT: time duration can't be negative");
    /* 0 would switch curl's timeout off, a negative duration is no timeout at all */
    assert_int_equal(timeout_for("0", msg, sizeof(msg)), -1);
    assert_string_equal(msg, "Invalid value for PGAI_VECTORIZER_HTTP_TIMEOUT: '0' is not a positive time duration");
    assert_int_equal(timeout_for("-5s", msg, sizeof(msg)), -1);
    assert_string_equal(msg, "Invalid value for PGAI_VECTORIZER_HTTP_TIMEOUT: '-5s' is not a positive time duration");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_pgai_cases),          cmocka_unit_test(test_plan_openai_estimates),
        cmocka_unit_test(test_vectors_floats_and_base64), cmocka_unit_test(test_vectors_errors),
        cmocka_unit_test(test_base64_roundtrip),          cmocka_unit_test(test_http_timeout_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
