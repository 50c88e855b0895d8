/* config: ai.vectorizer row JSON -> struct vectorizer; see config.h. */
#include "catalog/config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define MAX_BATCH_SIZE 2048
#define DEFAULT_BATCH_SIZE 50
#define MAX_CONCURRENCY 50

typedef struct parse_ctx {
    char *err;
    size_t errlen;
} parse_ctx;

static int fail(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parse_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vprintf(c->err, c->errlen, "invalid vectorizer config: ", fmt, ap);
    va_end(ap);
    return -1;
}

/* A string field: required fields fail when absent or null; NULL when optional and absent. */
static int get_str(parse_ctx *c, json_t *obj, const char *path, const char *key, int required, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) return required ? fail(c, "%s.%s is required", path, key) : 0;
    if (!json_is_string(v)) return fail(c, "%s.%s must be a string", path, key);
    *out = json_string_value(v);
    return 0;
}

/* An integer field; like pydantic's lax mode, integral floats and numeric strings are accepted. */
static int get_int(parse_ctx *c, json_t *obj, const char *path, const char *key, int required, long dflt, long *out)
{
    json_t *v = json_object_get(obj, key);
    *out = dflt;
    if (!v || json_is_null(v)) return required ? fail(c, "%s.%s is required", path, key) : 0;
    if (json_is_integer(v)) {
        *out = (long)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v) && json_real_value(v) >= -9.2e18 && json_real_value(v) <= 9.2e18 &&
        json_real_value(v) == (double)(long)json_real_value(v)) {
        *out = (long)json_real_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        long n = strtol(s, &end, 10);
        while (isspace((unsigned char)*end)) end++;
        if (*s && !*end && errno == 0) {
            *out = n;
            return 0;
        }
    }
    return fail(c, "%s.%s must be an integer", path, key);
}

static int get_bool(parse_ctx *c, json_t *obj, const char *path, const char *key, int required, int dflt, int *out)
{
    json_t *v = json_object_get(obj, key);
    *out = dflt;
    if (!v || json_is_null(v)) return required ? fail(c, "%s.%s is required", path, key) : 0;
    if (!json_is_boolean(v)) return fail(c, "%s.%s must be a boolean", path, key);
    *out = json_is_true(v);
    return 0;
}

static int get_obj(parse_ctx *c, json_t *obj, const char *key, int required, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) return required ? fail(c, "%s is required", key) : 0;
    if (!json_is_object(v)) return fail(c, "%s must be a JSON object", key);
    *out = v;
    return 0;
}

/* Looks up the implementation name in a table of (name, enum value) pairs. */
static int get_impl(parse_ctx *c, json_t *obj, const char *path, const char *const *names, int n, int *out)
{
    const char *impl;
    if (get_str(c, obj, path, "implementation", 1, &impl) != 0) return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(impl, names[i]) == 0) {
            *out = i;
            return 0;
        }
    return fail(c, "%s.implementation \"%s\" is not supported", path, impl);
}

int semver_parse(const char *s, int out[3])
{
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        if (!isdigit((unsigned char)*p)) return -1;
        if (*p == '0' && isdigit((unsigned char)p[1])) return -1; /* no leading zeros */
        long n = 0;
        while (isdigit((unsigned char)*p)) {
            n = n * 10 + (*p++ - '0');
            if (n > 1000000) return -1;
        }
        out[i] = (int)n;
        if (i < 2 && *p++ != '.') return -1;
    }
    if (*p && *p != '-' && *p != '+') return -1;
    for (const char *q = p; *q; q++)
        if (!isalnum((unsigned char)*q) && *q != '-' && *q != '+' && *q != '.') return -1;
    return 0;
}

int semver_cmp(const int a[3], const int b[3])
{
    for (int i = 0; i < 3; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

/*
 * Configs written before pgai 0.10 had no loading/parsing/destination: the
 * text column lived in chunking.chunk_column and the target table in the
 * row. Like pgai's worker we migrate in memory only, never writing back.
 */
static int migrate_pre_0_10(parse_ctx *c, json_t *row, json_t *config)
{
    json_t *chunking = json_object_get(config, "chunking");
    json_t *col = json_is_object(chunking) ? json_object_get(chunking, "chunk_column") : NULL;
    if (!json_is_string(col)) return fail(c, "a config older than 0.10.0 needs chunking.chunk_column");
    json_t *loading = json_pack("{s:s, s:s, s:O, s:i}", "implementation", "column", "config_type", "loading",
                                "column_name", col, "retries", 6);
    json_object_set_new(config, "loading", loading);
    json_object_set_new(config, "parsing", json_pack("{s:s, s:s}", "implementation", "none", "config_type", "parsing"));
    if (!json_object_get(config, "destination")) {
        json_t *dest = json_pack("{s:s, s:s, s:O, s:O}", "implementation", "table", "config_type", "destination",
                                 "target_schema", json_object_get(row, "target_schema"), "target_table",
                                 json_object_get(row, "target_table"));
        if (!dest) return fail(c, "a config older than 0.10.0 needs target_schema and target_table");
        json_object_set_new(config, "destination", dest);
    }
    json_object_del(chunking, "chunk_column");
    return 0;
}

static int parse_pk(parse_ctx *c, json_t *row, vectorizer *v)
{
    json_t *pk = json_object_get(row, "source_pk");
    if (!json_is_array(pk) || json_array_size(pk) == 0) return fail(c, "source_pk must be a non-empty array");
    v->npk = json_array_size(pk);
    v->pk = calloc(v->npk, sizeof(pk_column));
    if (!v->pk) return fail(c, "out of memory");
    for (size_t i = 0; i < v->npk; i++) {
        json_t *e = json_array_get(pk, i);
        long attnum, pknum;
        if (!json_is_object(e)) return fail(c, "source_pk[%zu] must be an object", i);
        if (get_str(c, e, "source_pk", "attname", 1, &v->pk[i].name) != 0 ||
            get_str(c, e, "source_pk", "typname", 1, &v->pk[i].type_name) != 0 ||
            get_int(c, e, "source_pk", "attnum", 1, 0, &attnum) != 0 ||
            get_int(c, e, "source_pk", "pknum", 0, (long)i + 1, &pknum) != 0)
            return -1;
        v->pk[i].attnum = (int)attnum;
        v->pk[i].pknum = (int)pknum;
    }
    /* attnum order: insertion sort, the key is at most a handful of columns */
    for (size_t i = 1; i < v->npk; i++)
        for (size_t j = i; j > 0 && v->pk[j - 1].attnum > v->pk[j].attnum; j--) {
            pk_column t = v->pk[j];
            v->pk[j] = v->pk[j - 1];
            v->pk[j - 1] = t;
        }
    return 0;
}

static int parse_chunking(parse_ctx *c, json_t *o, vectorizer *v)
{
    /* in chunk_kind's order: CHUNK_NONE, CHUNK_CHARACTER, CHUNK_RECURSIVE */
    static const char *const names[] = {"none", "character_text_splitter", "recursive_character_text_splitter"};
    int kind = 0;
    if (get_impl(c, o, "chunking", names, 3, &kind) != 0) return -1;
    v->chunking.kind = (chunk_kind)kind;
    if (kind == CHUNK_NONE) return 0;
    if (get_int(c, o, "chunking", "chunk_size", 1, 0, &v->chunking.chunk_size) != 0 ||
        get_int(c, o, "chunking", "chunk_overlap", 1, 0, &v->chunking.chunk_overlap) != 0 ||
        get_bool(c, o, "chunking", "is_separator_regex", 1, 0, &v->chunking.is_separator_regex) != 0)
        return -1;
    if (kind == CHUNK_CHARACTER) {
        v->chunking.separators = calloc(1, sizeof(char *));
        if (!v->chunking.separators) return fail(c, "out of memory");
        v->chunking.nseparators = 1;
        return get_str(c, o, "chunking", "separator", 1, &v->chunking.separators[0]);
    }
    json_t *seps = json_object_get(o, "separators");
    if (!json_is_array(seps)) return fail(c, "chunking.separators must be an array of strings");
    v->chunking.nseparators = json_array_size(seps);
    v->chunking.separators = calloc(v->chunking.nseparators + 1, sizeof(char *));
    if (!v->chunking.separators) return fail(c, "out of memory");
    for (size_t i = 0; i < v->chunking.nseparators; i++) {
        json_t *s = json_array_get(seps, i);
        if (!json_is_string(s)) return fail(c, "chunking.separators must be an array of strings");
        v->chunking.separators[i] = json_string_value(s);
    }
    return 0;
}

static int dump_object(parse_ctx *c, json_t *o, const char *key, const char *path, char **out)
{
    json_t *x = json_object_get(o, key);
    *out = NULL;
    if (!x || json_is_null(x)) return 0;
    if (!json_is_object(x)) return fail(c, "%s.%s must be a JSON object", path, key);
    *out = json_dumps(x, JSON_COMPACT | JSON_PRESERVE_ORDER);
    return *out ? 0 : fail(c, "out of memory");
}

static int parse_embedding(parse_ctx *c, json_t *o, vectorizer *v)
{
    /* pgai's implementations, the ones its SQL can write; which of them this
     * build can embed with is embed/providers.c's business */
    static const char *const names[] = {"openai", "ollama", "voyageai", "litellm"};
    int kind = 0;
    long dims = 0, outdim = 0;
    if (get_impl(c, o, "embedding", names, 4, &kind) != 0) return -1;
    v->embedding.kind = (embedding_kind)kind;
    v->embedding.implementation = names[kind];
    v->embedding.json = o;
    int dims_required = strcmp(names[kind], "openai") != 0; /* pgai: optional for OpenAI, required otherwise */
    if (get_str(c, o, "embedding", "model", 1, &v->embedding.model) != 0 ||
        get_int(c, o, "embedding", "dimensions", dims_required, 0, &dims) != 0 ||
        get_str(c, o, "embedding", "user", 0, &v->embedding.user) != 0 ||
        get_str(c, o, "embedding", "api_key_name", 0, &v->embedding.api_key_name) != 0 ||
        get_str(c, o, "embedding", "base_url", 0, &v->embedding.base_url) != 0 ||
        get_str(c, o, "embedding", "keep_alive", 0, &v->embedding.keep_alive) != 0 ||
        get_str(c, o, "embedding", "input_type", 0, &v->embedding.input_type) != 0 ||
        get_int(c, o, "embedding", "output_dimension", 0, 0, &outdim) != 0 ||
        get_str(c, o, "embedding", "output_dtype", 0, &v->embedding.output_dtype) != 0 ||
        dump_object(c, o, "options", "embedding", &v->embedding.options_json) != 0 ||
        dump_object(c, o, "extra_options", "embedding", &v->embedding.extra_options_json) != 0)
        return -1;
    if (dims < 0 || dims > 16000) return fail(c, "embedding.dimensions must be between 1 and 16000");
    v->embedding.dimensions = (int)dims;
    v->embedding.output_dimension = (int)outdim;
    return 0;
}

static int parse_config(parse_ctx *c, json_t *row, json_t *config, vectorizer *v)
{
    json_t *o;
    if (get_str(c, config, "config", "version", 1, &v->version) != 0) return -1;
    int ver[3];
    char clean[64];
    snprintf(clean, sizeof(clean), "%s", v->version);
    char *dev = strstr(clean, "-dev");
    if (dev) *dev = '\0';
    if (semver_parse(clean, ver) != 0) return fail(c, "config.version \"%s\" is not a semantic version", v->version);
    static const int v0_10[3] = {0, 10, 0};
    if (semver_cmp(ver, v0_10) < 0 && migrate_pre_0_10(c, row, config) != 0) return -1;

    /* loading */
    static const char *const loadings[] = {"column", "uri"};
    long retries = 0;
    int kind = 0;
    if (get_obj(c, config, "loading", 1, &o) != 0 || get_impl(c, o, "loading", loadings, 2, &kind) != 0 ||
        get_str(c, o, "loading", "column_name", 1, &v->loading.column_name) != 0 ||
        get_int(c, o, "loading", "retries", 0, 6, &retries) != 0 ||
        get_str(c, o, "loading", "aws_role_arn", 0, &v->loading.aws_role_arn) != 0)
        return -1;
    if (retries < 0 || retries > 1000000) return fail(c, "loading.retries must be a non-negative integer");
    v->loading.kind = (loading_kind)kind;
    v->loading.retries = (int)retries;

    /* parsing (absent means auto) */
    static const char *const parsings[] = {"auto", "none", "pymupdf", "docling"};
    v->parsing = PARSING_AUTO;
    if (get_obj(c, config, "parsing", 0, &o) != 0) return -1;
    if (o) {
        if (get_impl(c, o, "parsing", parsings, 4, &kind) != 0) return -1;
        v->parsing = (parsing_kind)kind;
    }

    if (get_obj(c, config, "chunking", 1, &o) != 0 || parse_chunking(c, o, v) != 0) return -1;

    static const char *const formattings[] = {"python_template", "chunk_value"};
    if (get_obj(c, config, "formatting", 1, &o) != 0 || get_impl(c, o, "formatting", formattings, 2, &kind) != 0)
        return -1;
    v->formatting.kind = (formatting_kind)kind;
    if (kind == FORMATTING_PYTHON_TEMPLATE &&
        get_str(c, o, "formatting", "template", 1, &v->formatting.template_text) != 0)
        return -1;

    if (get_obj(c, config, "embedding", 1, &o) != 0 || parse_embedding(c, o, v) != 0) return -1;

    long batch = 0, conc = 1;
    if (get_obj(c, config, "processing", 0, &o) != 0) return -1;
    if (o && (get_int(c, o, "processing", "batch_size", 0, 0, &batch) != 0 ||
              get_int(c, o, "processing", "concurrency", 0, 1, &conc) != 0))
        return -1;
    if (conc < 1 || conc > MAX_CONCURRENCY)
        return fail(c, "processing.concurrency must be between 1 and %d", MAX_CONCURRENCY);
    if (batch == 0) batch = v->loading.kind == LOADING_URI ? 1 : DEFAULT_BATCH_SIZE;
    v->processing.batch_size = (int)(batch < 1 ? 1 : batch > MAX_BATCH_SIZE ? MAX_BATCH_SIZE : batch);
    v->processing.concurrency = (int)conc;

    static const char *const dests[] = {"table", "column"};
    if (get_obj(c, config, "destination", 1, &o) != 0 || get_impl(c, o, "destination", dests, 2, &kind) != 0)
        return -1;
    v->destination.kind = (destination_kind)kind;
    if (kind == DESTINATION_TABLE)
        return get_str(c, o, "destination", "target_schema", 1, &v->destination.target_schema) ||
                       get_str(c, o, "destination", "target_table", 1, &v->destination.target_table) ||
                       get_str(c, o, "destination", "view_schema", 0, &v->destination.view_schema) ||
                       get_str(c, o, "destination", "view_name", 0, &v->destination.view_name)
                   ? -1
                   : 0;
    return get_str(c, o, "destination", "embedding_column", 1, &v->destination.embedding_column);
}

int vectorizer_parse(const char *json, size_t len, vectorizer **out, char *err, size_t errlen)
{
    parse_ctx c = {err, errlen};
    *out = NULL;
    json_error_t jerr;
    json_t *row = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!row) return fail(&c, "not valid JSON: %s", jerr.text);
    vectorizer *v = calloc(1, sizeof(*v));
    if (!v) {
        json_decref(row);
        return fail(&c, "out of memory");
    }
    v->doc_ = row;
    long id;
    json_t *config;
    int rc = -1;
    if (!json_is_object(row)) {
        fail(&c, "the vectorizer row is not a JSON object");
        goto done;
    }
    if (get_int(&c, row, "vectorizer", "id", 1, 0, &id) != 0 ||
        get_str(&c, row, "vectorizer", "name", 0, &v->name) != 0 ||
        get_str(&c, row, "vectorizer", "source_schema", 1, &v->source_schema) != 0 ||
        get_str(&c, row, "vectorizer", "source_table", 1, &v->source_table) != 0 ||
        get_str(&c, row, "vectorizer", "queue_schema", 1, &v->queue_schema) != 0 ||
        get_str(&c, row, "vectorizer", "queue_table", 1, &v->queue_table) != 0 ||
        get_str(&c, row, "vectorizer", "queue_failed_table", 0, &v->queue_failed_table) != 0 ||
        get_bool(&c, row, "vectorizer", "disabled", 0, 0, &v->disabled) != 0 || parse_pk(&c, row, v) != 0 ||
        get_obj(&c, row, "config", 1, &config) != 0 || parse_config(&c, row, config, v) != 0)
        goto done;
    v->id = (int)id;
    rc = 0;
done:
    if (rc != 0) {
        vectorizer_free(v);
        return -1;
    }
    *out = v;
    return 0;
}

void vectorizer_free(vectorizer *v)
{
    if (!v) return;
    free(v->pk);
    free(v->chunking.separators);
    free(v->embedding.options_json);
    free(v->embedding.extra_options_json);
    json_decref((json_t *)v->doc_);
    free(v);
}

int vectorizer_same(const vectorizer *a, const vectorizer *b)
{
    return a && b && json_equal((json_t *)a->doc_, (json_t *)b->doc_);
}
