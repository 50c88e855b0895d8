/* Unit tests for request sizing (embed_plan), response scanning
 * (vectors_parse), the provider table, the status classification, OpenAI's
 * input truncation, and the providers' URL checks and error messages against
 * loopback servers (tests/unit/loopback.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64_encode.h"
#include "embed/embed.h"
#include "embed/provider.h"
#include "embed/tokenizer.h"
#include "embed/vectors.h"
#include "loopback.h"
#include "util/base64.h"
#include "util/cancel.h"
#include "util/clock.h"

/* The shapes of the providers' responses, as their files describe them. */
static const vectors_shape data_shape = {.path = {"data"}, .vector_key = "embedding", .index_key = "index", .base64 = 1};
static const vectors_shape ollama_shape = {.path = {"embeddings"}};

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
    assert_int_equal(vectors_parse(floats, strlen(floats), &data_shape, 2, 2, out, err, sizeof(err)), 0);
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
    assert_int_equal(vectors_parse(body, strlen(body), &data_shape, 1, 2, out, err, sizeof(err)), 0);
    assert_true(out[0] == 0.5f && out[1] == -1.25f);

    const char *ollama = "{\"model\":\"x\",\"embeddings\":[[1,2],[3,4]],\"prompt_eval_count\":3}";
    assert_int_equal(vectors_parse(ollama, strlen(ollama), &ollama_shape, 2, 2, out, err, sizeof(err)), 0);
    assert_true(out[3] == 4.0f);
    /* Ollama's vectors are numbers only */
    const char *ollama_b64 = "{\"embeddings\":[\"AAAAPwAAoL8=\"]}";
    assert_int_equal(vectors_parse(ollama_b64, strlen(ollama_b64), &ollama_shape, 1, 2, out, err, sizeof(err)), -1);
}

/* The descriptor fits the shapes of the providers to come, scanned the same way. */
static void test_vectors_other_shapes(void **state)
{
    float out[4];
    char err[256];
    static const vectors_shape cohere = {.path = {"embeddings", "float"}};
    const char *c = "{\"id\":\"x\",\"embeddings\":{\"int8\":[[9,9]],\"float\":[[1,2],[3,4]]},\"texts\":[\"a\",\"b\"]}";
    assert_int_equal(vectors_parse(c, strlen(c), &cohere, 2, 2, out, err, sizeof(err)), 0);
    assert_true(out[0] == 1.0f && out[3] == 4.0f);
    const char *c_missing = "{\"embeddings\":{\"int8\":[[9,9]]}}";
    assert_int_equal(vectors_parse(c_missing, strlen(c_missing), &cohere, 1, 2, out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no \"embeddings.float\" in the response"));

    static const vectors_shape gemini = {.path = {"embeddings"}, .vector_key = "values"};
    const char *g = "{\"embeddings\":[{\"values\":[1,2]},{\"values\":[3,4]}]}";
    assert_int_equal(vectors_parse(g, strlen(g), &gemini, 2, 2, out, err, sizeof(err)), 0);
    assert_true(out[1] == 2.0f && out[2] == 3.0f);
    const char *g_bad = "{\"embeddings\":[{\"value\":[1,2]}]}";
    assert_int_equal(vectors_parse(g_bad, strlen(g_bad), &gemini, 1, 2, out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "an element of embeddings has no values"));

    static const vectors_shape titan = {.path = {"embedding"}, .single = 1};
    const char *t = "{\"embedding\":[0.5,-1],\"inputTextTokenCount\":3}";
    assert_int_equal(vectors_parse(t, strlen(t), &titan, 1, 2, out, err, sizeof(err)), 0);
    assert_true(out[0] == 0.5f && out[1] == -1.0f);
    assert_int_equal(vectors_parse(t, strlen(t), &titan, 2, 2, out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "got 1 vectors for 2 inputs"));

    static const vectors_shape bare = {.path = {NULL}};
    const char *h = " [[1,2],[3,4]] ";
    assert_int_equal(vectors_parse(h, strlen(h), &bare, 2, 2, out, err, sizeof(err)), 0);
    assert_true(out[2] == 3.0f);
    assert_int_equal(vectors_parse("{}", 2, &bare, 1, 2, out, err, sizeof(err)), -1);
}

static void expect_bad(const char *body, size_t n, size_t dim, const char *want)
{
    float out[16];
    char err[256] = "";
    assert_int_equal(vectors_parse(body, strlen(body), &data_shape, n, dim, out, err, sizeof(err)), -1);
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

/* util/base64.c, the one decoder: padding optional, and only at the end. */
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
    assert_int_equal(base64_decode("AQI", 3, back, sizeof(back)), 2); /* unpadded */
    assert_int_equal(base64_decode("AQID", 4, back, 2), -1);          /* does not fit */
    assert_int_equal(base64_decode("AQID", 4, NULL, 0), 3);           /* only counted */
}

static long timeout_for(const char *value, char *msg, size_t msglen)
{
    if (value)
        setenv("PGAI_VECTORIZER_HTTP_TIMEOUT", value, 1);
    else
        unsetenv("PGAI_VECTORIZER_HTTP_TIMEOUT");
    long ms = -2;
    msg[0] = '\0';
    env_snapshot *snapshot = env_snapshot_take();
    int rc = embed_http_timeout_env(snapshot, &ms, msg, msglen);
    env_snapshot_free(snapshot);
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

/* --- base URLs and error messages ----------------------------------------- */

static const char api_key[] = "sk-unit-Secret-9931";

static vectorizer provider_config(const char *implementation, const char *base_url)
{
    vectorizer v;
    memset(&v, 0, sizeof(v));
    v.embedding.implementation = implementation;
    v.embedding.model = !strcmp(implementation, "openai")   ? "text-embedding-3-small"
                        : !strcmp(implementation, "ollama") ? "nomic-embed-text"
                                                            : "voyage-3-lite";
    v.embedding.dimensions = 2;
    v.embedding.base_url = base_url;
    return v;
}

static void unset_base_env(void)
{
    unsetenv("OPENAI_BASE_URL");
    unsetenv("OLLAMA_HOST");
    unsetenv("VOYAGE_BASE_URL");
}

/* One retry (0.5 s, not 3.5), and the environment as the test has just set it. */
static const embed_env *quick_env(void)
{
    static env_snapshot *snapshot;
    static embed_env env;
    env_snapshot_free(snapshot);
    snapshot = env_snapshot_take();
    env = (embed_env){.max_retries = 1, .timeout_ms = 5000, .environment = snapshot};
    return &env;
}

/* embedder_new must fail, naming the scheme and where the URL came from. */
static void expect_new_refused(const vectorizer *v, const char *scheme, const char *source)
{
    embedder *e = NULL;
    embed_error err;
    int rc = embedder_new(v, api_key, quick_env(), &e, &err);
    if (rc != -1 || !strstr(err.message, scheme) || !strstr(err.message, source))
        fprintf(stderr, "[%s] rc %d: [%s]\n", v->embedding.implementation, rc, err.message);
    assert_int_equal(rc, -1);
    assert_null(e);
    assert_int_equal(err.kind, EMBED_ERR_CONFIG);
    assert_non_null(strstr(err.message, "only http and https are allowed"));
    assert_non_null(strstr(err.message, scheme));
    assert_non_null(strstr(err.message, source));
}

/* A base URL of another scheme is refused when the embedder is made, before
 * any connection, from the configuration and from the environment alike. */
static void test_base_url_scheme_refused(void **state)
{
    unset_base_env();
    int port = 0;
    int fd = loopback_listen(&port);
    assert_true(fd >= 0);
    char url[128];
    const char *kinds[] = {"openai", "ollama", "voyageai"};
    for (int k = 0; k < 3; k++) {
        vectorizer v = provider_config(kinds[k], "file:///etc/passwd");
        expect_new_refused(&v, "'file'", "base URL from the vectorizer's embedding.base_url");
        snprintf(url, sizeof(url), "gopher://127.0.0.1:%d/_x", port);
        v.embedding.base_url = url;
        expect_new_refused(&v, "'gopher'", "base URL from the vectorizer's embedding.base_url");
    }
    vectorizer v = provider_config("openai", NULL);
    snprintf(url, sizeof(url), "dict://127.0.0.1:%d/d:x", port);
    setenv("OPENAI_BASE_URL", url, 1);
    expect_new_refused(&v, "'dict'", "base URL from OPENAI_BASE_URL");
    v = provider_config("ollama", NULL);
    snprintf(url, sizeof(url), " ftp://127.0.0.1:%d/", port);
    setenv("OLLAMA_HOST", url, 1);
    expect_new_refused(&v, "'ftp'", "base URL from OLLAMA_HOST");
    v = provider_config("voyageai", NULL);
    setenv("VOYAGE_BASE_URL", "file:/etc/passwd", 1);
    expect_new_refused(&v, "'file'", "base URL from VOYAGE_BASE_URL");
    unset_base_env();
    assert_false(loopback_contacted(fd, 100));
    close(fd);
}

/* Makes an embedder (setup included) and embeds one text, which must fail; the message is in err. */
static void embed_fails(const vectorizer *v, int setup, embed_error *err)
{
    embedder *e = NULL;
    assert_int_equal(embedder_new(v, api_key, quick_env(), &e, err), 0);
    const char *texts[1] = {"hello"};
    size_t lens[1] = {5};
    float out[2];
    int rc = setup ? embedder_setup(e, err) : embedder_embed(e, texts, lens, 1, out, err);
    embedder_free(e);
    assert_int_equal(rc, -1);
}

static void expect_message(const embed_error *err, const char *want)
{
    if (strcmp(err->message, want) != 0) fprintf(stderr, "got  [%s]\nwant [%s]\n", err->message, want);
    assert_string_equal(err->message, want);
}

/* A connection failure names the endpoint (without credentials) and where its base URL came from. */
static void test_transport_error_names_endpoint(void **state)
{
    unset_base_env();
    int port = loopback_closed_port();
    assert_true(port > 0);
    char url[160], want[512];
    embed_error err;

    vectorizer v = provider_config("openai", NULL);
    snprintf(url, sizeof(url), "http://user:Pw-1234@127.0.0.1:%d/v1/", port);
    setenv("OPENAI_BASE_URL", url, 1);
    embed_fails(&v, 0, &err);
    assert_int_equal(err.kind, EMBED_ERR_UNAVAILABLE);
    snprintf(want, sizeof(want),
             "Couldn't connect to server (POST http://127.0.0.1:%d/v1/embeddings; base URL from OPENAI_BASE_URL)", port);
    expect_message(&err, want);
    unset_base_env();

    /* a key in the query string (as Gemini takes one) is not shown either */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/voyage/v1?key=QuerySecret42", port);
    v = provider_config("voyageai", url);
    embed_fails(&v, 0, &err);
    snprintf(want, sizeof(want),
             "Couldn't connect to server (POST http://127.0.0.1:%d/voyage/v1; base URL from the vectorizer's "
             "embedding.base_url)",
             port);
    expect_message(&err, want);

    /* Ollama's own text first, as pgai has it */
    snprintf(url, sizeof(url), "127.0.0.1:%d", port);
    setenv("OLLAMA_HOST", url, 1);
    v = provider_config("ollama", NULL);
    embed_fails(&v, 1, &err);
    snprintf(want, sizeof(want),
             "Failed to connect to Ollama. Please check that Ollama is downloaded, running and accessible. "
             "https://ollama.com/download (POST http://127.0.0.1:%d/api/show; base URL from OLLAMA_HOST)",
             port);
    expect_message(&err, want);
    unset_base_env();
}

/* HTTP errors: pgai's text, the first part of a non-JSON body on one line
 * (text only), the endpoint last; never the key, always within the message. */
static void test_http_error_names_endpoint(void **state)
{
    unset_base_env();
    static char big[3000], echo[256];
    int n = snprintf(big, sizeof(big), "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                                       "Connection: close\r\nContent-Length: 2020\r\n\r\n{\"error\":{\"message\":\"");
    memset(big + n, 'x', 2000);
    memcpy(big + n + 2000, "\",\"type\":\"t\"}}", 14);
    size_t big_len = (size_t)n + 2014;
    int en = snprintf(echo, sizeof(echo), "HTTP/1.1 401 Unauthorized\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n"
                                          "bad key %s\n", strlen(api_key) + 9, api_key);
    const canned responses[] = {
        CANNED("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        CANNED("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 46\r\nConnection: close\r\n\r\n"
               "<html>\r\n  <body>Not here</body>\r\n</html>\r\n\r\n\r\n"),
        CANNED("HTTP/1.1 404 Not Found\r\nContent-Length: 6\r\nConnection: close\r\n\r\n\x1f\x8b\x00\x01\x02\x03"),
        {big, big_len},
        {echo, (size_t)en},
        CANNED("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 18\r\nConnection: close\r\n\r\n"
               "404 page not found"),
        CANNED("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot Found"),
    };
    server s;
    assert_int_equal(server_start(&s, responses, sizeof(responses) / sizeof(*responses)), 0);
    char base[96], want[1200];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/v1", s.port);
    const char *src = "base URL from the vectorizer's embedding.base_url";
    embed_error err;
    vectorizer v = provider_config("openai", base);

    embed_fails(&v, 0, &err); /* a bare "Error code: 404" is no longer all there is */
    assert_int_equal(err.kind, EMBED_ERR_CONFIG);
    snprintf(want, sizeof(want), "Error code: 404 (POST %s/embeddings; %s)", base, src);
    expect_message(&err, want);

    embed_fails(&v, 0, &err); /* an HTML page: one line */
    snprintf(want, sizeof(want), "Error code: 404 - <html> <body>Not here</body> </html> (POST %s/embeddings; %s)", base,
             src);
    expect_message(&err, want);

    embed_fails(&v, 0, &err); /* binary: not copied */
    snprintf(want, sizeof(want), "Error code: 404 - (6 bytes of binary data) (POST %s/embeddings; %s)", base, src);
    expect_message(&err, want);

    embed_fails(&v, 0, &err); /* a long JSON error is cut, the endpoint kept */
    assert_int_equal(err.kind, EMBED_ERR_INPUT);
    static const char head[] = "Error code: 400 - {\"error\":{\"message\":\"xxx";
    assert_memory_equal(err.message, head, sizeof(head) - 1);
    snprintf(want, sizeof(want), "... (POST %s/embeddings; %s)", base, src);
    assert_true(strlen(err.message) < sizeof(err.message));
    assert_string_equal(err.message + strlen(err.message) - strlen(want), want);

    embed_fails(&v, 0, &err); /* a body echoing the key */
    assert_null(strstr(err.message, api_key));
    snprintf(want, sizeof(want), "Error code: 401 - bad key *** (POST %s/embeddings; %s)", base, src);
    expect_message(&err, want);

    snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.port);
    v = provider_config("ollama", base);
    embed_fails(&v, 0, &err);
    snprintf(want, sizeof(want), "404 page not found (status code: 404) (POST %s/api/embed; %s)", base, src);
    expect_message(&err, want);

    v = provider_config("voyageai", base);
    embed_fails(&v, 0, &err);
    snprintf(want, sizeof(want), "HTTP code 404 from API (Not Found) (POST %s/embeddings; %s)", base, src);
    expect_message(&err, want);
    server_stop(&s);
}

/* --- the provider table, the status classification, OpenAI's inputs ------ */

static void test_provider_registry(void **state)
{
    const char *names[] = {"openai", "ollama", "voyageai"};
    for (int i = 0; i < 3; i++) {
        const provider_ops *ops = embed_provider_find(names[i]);
        assert_non_null(ops);
        assert_string_equal(ops->name, names[i]);
        /* what the driver needs of every row */
        assert_non_null(ops->init);
        assert_non_null(ops->build_request);
        assert_non_null(ops->error_message);
        assert_true(ops->vectors != NULL || ops->read_response != NULL);
        assert_null(embed_provider_missing(names[i]));
    }
    /* pgai has it, this build not yet: the worker says so by this text */
    assert_null(embed_provider_find("litellm"));
    assert_string_equal(embed_provider_missing("litellm"), "the LiteLLM embedding provider");
    assert_null(embed_provider_find("magic"));
    assert_null(embed_provider_find("OpenAI")); /* names are exact, as pgai's */
    assert_null(embed_provider_find(NULL));
    assert_non_null(embed_provider_missing("magic"));

    vectorizer v = provider_config("openai", NULL);
    v.embedding.implementation = "litellm";
    embedder *e = NULL;
    embed_error err;
    assert_int_equal(embedder_new(&v, api_key, quick_env(), &e, &err), -1);
    assert_null(e);
    assert_int_equal(err.kind, EMBED_ERR_CONFIG);
    expect_message(&err, "the litellm embedding provider is not supported by this version of pgai in C");
}

/* One classification for retries and for every provider's final error. */
static void test_status_kind(void **state)
{
    assert_int_equal(embed_status_kind(200), EMBED_ERR_NONE);
    assert_int_equal(embed_status_kind(204), EMBED_ERR_NONE);
    assert_int_equal(embed_status_kind(400), EMBED_ERR_INPUT);
    assert_int_equal(embed_status_kind(422), EMBED_ERR_INPUT);
    assert_int_equal(embed_status_kind(401), EMBED_ERR_CONFIG);
    assert_int_equal(embed_status_kind(403), EMBED_ERR_CONFIG);
    assert_int_equal(embed_status_kind(404), EMBED_ERR_CONFIG);
    assert_int_equal(embed_status_kind(301), EMBED_ERR_CONFIG); /* a redirect curl would not follow */
    assert_int_equal(embed_status_kind(408), EMBED_ERR_UNAVAILABLE);
    assert_int_equal(embed_status_kind(409), EMBED_ERR_UNAVAILABLE);
    assert_int_equal(embed_status_kind(500), EMBED_ERR_UNAVAILABLE);
    assert_int_equal(embed_status_kind(503), EMBED_ERR_UNAVAILABLE);
    assert_int_equal(embed_status_kind(599), EMBED_ERR_UNAVAILABLE);
    assert_int_equal(embed_status_kind(429), EMBED_ERR_RATE);
}

/* A 408 that lasts past the retries is the provider being unavailable, for
 * Voyage as for the others (it was a configuration error before). */
static void test_voyage_408_unavailable(void **state)
{
    unset_base_env();
    const canned responses[] = {
        CANNED("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        CANNED("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
    server s;
    assert_int_equal(server_start(&s, responses, 2), 0);
    char base[96];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.port);
    vectorizer v = provider_config("voyageai", base);
    embed_error err;
    embed_fails(&v, 0, &err);
    assert_int_equal(err.kind, EMBED_ERR_UNAVAILABLE);
    assert_int_equal(err.status, 408);
    assert_memory_equal(err.message, "HTTP code 408 from API ()", 25);
    server_stop(&s);
}

/* OpenAI's auth hook: the key, and the organization and project read from
 * the environment when the embedder was made (not per request). */
static void test_openai_headers(void **state)
{
    unset_base_env();
    setenv("OPENAI_ORG_ID", "org-unit", 1);
    setenv("OPENAI_PROJECT_ID", "", 1); /* empty: not sent */
    vectorizer v = provider_config("openai", NULL);
    embedder *e = NULL;
    embed_error err;
    assert_int_equal(embedder_new(&v, api_key, quick_env(), &e, &err), 0);
    unsetenv("OPENAI_ORG_ID");
    unsetenv("OPENAI_PROJECT_ID");
    quick_env(); /* a new snapshot without them: the embedder kept its own copy */
    assert_int_equal(e->ops->auth(e, e->url, &e->headers, &err), 0);
    assert_int_equal(e->headers.n, 2);
    assert_string_equal(e->headers.text.data + e->headers.start[0], "Authorization: Bearer sk-unit-Secret-9931");
    assert_string_equal(e->headers.text.data + e->headers.start[1], "OpenAI-Organization: org-unit");
    embedder_free(e);

    /* Ollama sends no credentials at all */
    v = provider_config("ollama", NULL);
    assert_int_equal(embedder_new(&v, api_key, quick_env(), &e, &err), 0);
    assert_null(e->ops->auth);
    embedder_free(e);
}

/* "lorem ipsum dolor sit amet " is 5 or 6 cl100k tokens: enough copies for over 9000. */
static char *long_text(size_t *len)
{
    static const char phrase[] = "lorem ipsum dolor sit amet ";
    size_t n = 2000, pl = sizeof(phrase) - 1;
    char *t = malloc(n * pl + 1);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++) memcpy(t + i * pl, phrase, pl);
    t[n * pl] = '\0';
    *len = n * pl;
    return t;
}

static size_t tokens_of(const char *text, size_t len)
{
    char msg[256];
    const bpe_tokenizer *t = bpe_cl100k(msg, sizeof(msg));
    assert_non_null(t);
    size_t n = 0;
    assert_int_equal(bpe_count(t, text, len, &n, msg, sizeof(msg)), 0);
    return n;
}

/* OpenAI's input preparer: over 8191 tokens is cut to 8191, a special token
 * is refused for that input alone, anything else goes as it is. */
static void test_openai_prepare_input(void **state)
{
    unset_base_env();
    vectorizer v = provider_config("openai", NULL);
    embedder *e = NULL;
    embed_error err;
    assert_int_equal(embedder_new(&v, api_key, quick_env(), &e, &err), 0);

    size_t len;
    char *text = long_text(&len);
    assert_true(tokens_of(text, len) >= 9000);
    const char *sent = NULL;
    size_t sent_len = 0;
    char *owned = NULL;
    assert_int_equal(embedder_prepare_input(e, text, len, &sent, &sent_len, &owned, &err), 0);
    assert_non_null(owned);
    assert_ptr_equal(sent, owned);
    assert_true(sent_len < len);
    assert_memory_equal(sent, text, sent_len); /* a prefix: the cut is at a token boundary */
    assert_int_equal(tokens_of(sent, sent_len), 8191);
    free(owned);

    const char *ok = "short and plain";
    assert_int_equal(embedder_prepare_input(e, ok, strlen(ok), &sent, &sent_len, &owned, &err), 0);
    assert_ptr_equal(sent, ok);
    assert_int_equal(sent_len, strlen(ok));
    assert_null(owned);

    const char *special = "a text with <|endoftext|> in it";
    assert_int_equal(embedder_prepare_input(e, special, strlen(special), &sent, &sent_len, &owned, &err), -1);
    assert_int_equal(err.kind, EMBED_ERR_INPUT);
    assert_null(owned);
    assert_non_null(strstr(err.message, "disallowed special token '<|endoftext|>'"));
    embedder_free(e);

    /* a model without a known context: sent whole, as pgai does */
    v.embedding.model = "my-own-model";
    assert_int_equal(embedder_new(&v, api_key, quick_env(), &e, &err), 0);
    assert_int_equal(embedder_prepare_input(e, text, len, &sent, &sent_len, &owned, &err), 0);
    assert_ptr_equal(sent, text);
    assert_null(owned);
    embedder_free(e);

    /* other providers have no preparer */
    v = provider_config("voyageai", NULL);
    assert_int_equal(embedder_new(&v, api_key, quick_env(), &e, &err), 0);
    assert_int_equal(embedder_prepare_input(e, special, strlen(special), &sent, &sent_len, &owned, &err), 0);
    assert_ptr_equal(sent, special);
    embedder_free(e);
    free(text);
}

static const char *excerpt_of(const char *body, size_t len, long status, char *out, size_t n)
{
    http_response r;
    http_response_init(&r);
    r.status = status;
    assert_int_equal(buf_append(&r.body, body, len), 0);
    embed_body_excerpt(&r, out, n);
    http_response_free(&r);
    return out;
}

static void test_body_excerpt(void **state)
{
    char out[320];
    assert_string_equal(excerpt_of("  plain\n\ttext  ", 15, 404, out, sizeof(out)), "plain text");
    assert_string_equal(excerpt_of("caf\xc3\xa9", 5, 500, out, sizeof(out)), "caf\xc3\xa9");
    assert_string_equal(excerpt_of("a\0b", 3, 500, out, sizeof(out)), "(3 bytes of binary data)");
    assert_string_equal(excerpt_of("\xff\xfe", 2, 500, out, sizeof(out)), "(2 bytes of binary data)");
    assert_string_equal(excerpt_of("secret", 6, 0, out, sizeof(out)), ""); /* not an HTTP response */
    assert_string_equal(excerpt_of("", 0, 404, out, sizeof(out)), "");
    static char lng[1000];
    memset(lng, 'a', sizeof(lng));
    lng[299] = '\xc3', lng[300] = '\xa9'; /* a character across the 300-byte limit is left out whole */
    excerpt_of(lng, sizeof(lng), 404, out, sizeof(out));
    assert_int_equal(strlen(out), 299 + 3);
    assert_string_equal(out + 299, "...");
}

typedef struct abort_later {
    cancel_token *t;
    double fired_at;
} abort_later;

static void *fire_abort(void *arg)
{
    abort_later *a = arg;
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    a->fired_at = clock_now_s();
    cancel_fire(a->t);
    return NULL;
}

/* The back-off between retries (30 s here, as Retry-After asks) ends as
 * soon as the abort token is fired. */
static void test_retry_wait_aborted(void **state)
{
    unset_base_env();
    static const canned responses[] = {
        CANNED("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
    server s;
    assert_int_equal(server_start(&s, responses, 1), 0);
    vectorizer v = provider_config("openai", s.url);
    cancel_token *t;
    assert_int_equal(cancel_token_new(&t), 0);
    embed_env env = *quick_env();
    env.abort = t;
    embedder *e = NULL;
    embed_error err;
    assert_int_equal(embedder_new(&v, api_key, &env, &e, &err), 0);
    abort_later a = {.t = t};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, fire_abort, &a), 0);
    const char *texts[1] = {"hello"};
    size_t lens[1] = {5};
    float out[2];
    assert_int_equal(embedder_embed(e, texts, lens, 1, out, &err), -1);
    double late = clock_now_s() - a.fired_at;
    pthread_join(th, NULL);
    assert_int_equal(err.kind, EMBED_ERR_CANCELLED);
    expect_message(&err, "cancelled while waiting to retry");
    if (late >= 0.05) fprintf(stderr, "the wait ended %.1f ms after the fire\n", late * 1000);
    assert_true(late < 1); /* not the 30 s the server asked for */
    embedder_free(e);
    cancel_token_free(t);
    server_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_pgai_cases),          cmocka_unit_test(test_plan_openai_estimates),
        cmocka_unit_test(test_vectors_floats_and_base64), cmocka_unit_test(test_vectors_errors),
        cmocka_unit_test(test_base64_roundtrip),          cmocka_unit_test(test_http_timeout_env),
        cmocka_unit_test(test_base_url_scheme_refused),   cmocka_unit_test(test_transport_error_names_endpoint),
        cmocka_unit_test(test_http_error_names_endpoint), cmocka_unit_test(test_body_excerpt),
        cmocka_unit_test(test_retry_wait_aborted),
        cmocka_unit_test(test_vectors_other_shapes),      cmocka_unit_test(test_provider_registry),
        cmocka_unit_test(test_status_kind),               cmocka_unit_test(test_voyage_408_unavailable),
        cmocka_unit_test(test_openai_headers),            cmocka_unit_test(test_openai_prepare_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
