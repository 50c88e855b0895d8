/*
 * fuzz_url: the provider base URL handling reached through the public API
 * as the worker reaches it: a vectorizer row (vectorizer_parse) whose
 * embedding.base_url is the fuzzed string, then embedder_new, which
 * normalises it (ollama.c's ollama_normalise_host follows the ollama-python
 * client's host rules; openai.c and voyage.c trim trailing slashes) and
 * builds the endpoint URL, or refuses one whose scheme is not http or
 * https (http_url_check). No request is sent: embedder_setup and
 * embedder_embed are never called.
 *
 * Input: byte 0 picks the provider (bits 0-1: openai text-embedding-3-small,
 * ollama, voyageai, openai text-embedding-ada-002); the rest is base_url.
 * The row is JSON, so base_url must be valid UTF-8 without NUL (as
 * PostgreSQL's jsonb is); other inputs are skipped.
 */
#include <jansson.h>

#include "catalog/config.h"
#include "embed/embed.h"
#include "embed/provider.h" /* struct embedder: to check the URLs it built */
#include "fuzz_common.h"
#include "http/http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* Only this process's copy: an empty base_url must fall back to the defaults. */
    unsetenv("OPENAI_BASE_URL");
    unsetenv("OLLAMA_HOST");
    unsetenv("VOYAGE_BASE_URL");
    unsetenv("PGAI_VECTORIZER_OLLAMA_MAX_CHUNKS_PER_BATCH");
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static char *row_json(unsigned provider, json_t *base_url)
{
    static const char *const impl[] = {"openai", "ollama", "voyageai", "openai"};
    static const char *const model[] = {"text-embedding-3-small", "nomic-embed-text", "voyage-3.5-lite",
                                        "text-embedding-ada-002"};
    json_t *row = json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:[{s:i, s:i, s:s, s:s}], s:{s:s, s:{s:s, s:s, s:s, s:i},"
        " s:{s:s, s:s}, s:{s:s, s:s, s:i, s:i, s:[s, s], s:b}, s:{s:s, s:s, s:s},"
        " s:{s:s, s:s, s:s, s:i, s:o}, s:{s:s, s:s, s:s, s:s}}}",
        "id", 1, "name", "public_blog_embedding_store", "source_schema", "public", "source_table", "blog",
        "queue_schema", "ai", "queue_table", "_vectorizer_q_1", "disabled", 0, "source_pk", "pknum", 1, "attnum", 1,
        "attname", "id", "typname", "integer", "config", "version", "0.12.1", "loading", "implementation", "column",
        "config_type", "loading", "column_name", "body", "retries", 6, "parsing", "implementation", "auto",
        "config_type", "parsing", "chunking", "implementation", "recursive_character_text_splitter", "config_type",
        "chunking", "chunk_size", 800, "chunk_overlap", 400, "separators", "\n\n", "\n", "is_separator_regex", 0,
        "formatting", "implementation", "python_template", "config_type", "formatting", "template", "$chunk",
        "embedding", "implementation", impl[provider], "config_type", "embedding", "model", model[provider],
        "dimensions", provider == 3 ? 1536 : 768, "base_url", base_url, "destination", "implementation", "table",
        "config_type", "destination", "target_schema", "public", "target_table", "blog_embedding_store");
    if (!row) return NULL;
    char *s = json_dumps(row, JSON_COMPACT);
    json_decref(row);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    unsigned provider = fuzz_byte(&in) & 3;
    /* jsonb holds neither invalid UTF-8 nor \u0000: such a base_url cannot reach the worker */
    if (memchr(in.p, '\0', in.n)) return 0;
    json_t *url = json_stringn((const char *)in.p, in.n);
    if (!url) return 0;
    char *json = row_json(provider, url);
    FUZZ_CHECK(json != NULL, "could not build the row");

    vectorizer *v = NULL;
    char err[512];
    FUZZ_CHECK(vectorizer_parse(json, strlen(json), &v, err, sizeof(err)) == 0, "a valid row failed: %s", err);
    const char *base = v->embedding.base_url;
    FUZZ_CHECK(base != NULL, "base_url lost");

    embed_env env = {.lg = NULL, .abort = NULL, .max_retries = 1};
    embedder *e = NULL;
    embed_error eerr;
    int rc = embedder_new(v, "sk-fuzz-not-a-key", &env, &e, &eerr);
    /* Only http and https are fetched: an endpoint of another scheme is
     * refused at once, by a message naming the scheme; whatever is accepted
     * is an endpoint http_send will fetch. */
    if (rc != 0) {
        FUZZ_CHECK(e == NULL && strstr(eerr.message, "scheme"), "embedder_new refused %s: %s", base, eerr.message);
        vectorizer_free(v);
        free(json);
        return 0;
    }
    char why[256];
    FUZZ_CHECK(e != NULL && http_url_check(e->url, why, sizeof(why)) == 0, "accepted endpoint %s: %s", e->url, why);
    FUZZ_CHECK(memchr(e->base, '\0', sizeof(e->base)) && memchr(e->url, '\0', sizeof(e->url)), "unterminated URL");
    size_t blen = strlen(e->base);
    FUZZ_CHECK(blen == 0 || e->base[blen - 1] != '/', "base URL keeps a trailing slash: %s", e->base);
    if (provider == 1) {
        FUZZ_CHECK(!strncmp(e->base, "http://", 7) || !strncmp(e->base, "https://", 8), "ollama host %s", e->base);
        FUZZ_CHECK(ends_with(e->url, "/api/embed"), "ollama endpoint %s", e->url);
        FUZZ_CHECK(embedder_max_tokens(e) == 0, "ollama has no token budget");
    } else {
        FUZZ_CHECK(ends_with(e->url, "/embeddings"), "endpoint %s", e->url);
        /* a non-empty base_url is used as given, less trailing slashes */
        size_t n = strlen(base);
        while (n && base[n - 1] == '/') n--;
        if (*base && n < sizeof(e->base))
            FUZZ_CHECK(blen == n && !memcmp(e->base, base, n), "base %s from %s", e->base, base);
        if (!*base)
            FUZZ_CHECK(!strcmp(e->base, provider == 2 ? "https://api.voyageai.com/v1" : "https://api.openai.com/v1"),
                       "default base %s", e->base);
    }
    FUZZ_CHECK(embedder_dimensions(e) > 0 && embedder_max_inputs(e) > 0, "sizing");
    embedder_free(e);
    vectorizer_free(v);
    free(json);
    return 0;
}
