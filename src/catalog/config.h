/*
 * config: the typed form of one ai.vectorizer row (to_jsonb of the row,
 * config JSON included), parsed and validated once per pass so the stages
 * below never look at JSON. Strings point into the parsed JSON document,
 * which the vectorizer owns; vectorizer_free releases everything.
 *
 * Validation follows pgai's worker: discriminators and required fields are
 * strict, extra keys are ignored, numeric strings are accepted for numbers.
 * Configs older than 0.10.0 are migrated in memory as pgai does.
 */
#ifndef PGAI_CONFIG_H
#define PGAI_CONFIG_H

#include <stddef.h>

#include "chunk/chunk.h" /* chunk_kind: the chunker's kinds are the config's, one enum */

typedef enum { LOADING_COLUMN, LOADING_URI } loading_kind;
typedef enum { PARSING_AUTO, PARSING_NONE, PARSING_PYMUPDF, PARSING_DOCLING } parsing_kind;
typedef enum { FORMATTING_PYTHON_TEMPLATE, FORMATTING_CHUNK_VALUE } formatting_kind;
/* Only worker.c's unsupported-provider check still reads this; the embed
 * module finds providers by name (embed/providers.c). To go once that check
 * uses embed_provider_missing. */
typedef enum { EMBEDDING_OPENAI, EMBEDDING_OLLAMA, EMBEDDING_VOYAGEAI, EMBEDDING_LITELLM } embedding_kind;
typedef enum { DESTINATION_TABLE, DESTINATION_COLUMN } destination_kind;

typedef struct pk_column {
    const char *name;
    const char *type_name; /* format_type() text, e.g. "timestamp with time zone" */
    int attnum;
    int pknum; /* 1-based position in the primary key */
} pk_column;

typedef struct vectorizer {
    int id;
    const char *name;
    const char *source_schema, *source_table;
    pk_column *pk; /* sorted by attnum; pgai's column-list order */
    size_t npk;
    const char *queue_schema, *queue_table, *queue_failed_table; /* failed table may be NULL */
    int disabled;
    const char *version; /* config.version as stored */

    struct {
        loading_kind kind;
        const char *column_name;
        int retries;
        const char *aws_role_arn;
    } loading;
    parsing_kind parsing;
    struct {
        chunk_kind kind;
        long chunk_size, chunk_overlap;
        const char **separators; /* character splitter: exactly one */
        size_t nseparators;
        int is_separator_regex;
    } chunking;
    struct {
        formatting_kind kind;
        const char *template_text;
    } formatting;
    struct {
        embedding_kind kind;
        const char *implementation;
        const char *model;
        int dimensions; /* 0 when absent */
        const char *user, *api_key_name, *base_url;
        char *options_json; /* ollama options, serialised (owned); NULL if absent */
        const char *keep_alive;
        const char *input_type;
        int output_dimension;
        const char *output_dtype;
        char *extra_options_json; /* litellm, serialised (owned); NULL if absent */
        /* The embedding object itself (json_t *, owned by doc_): a provider
         * reads its own keys from it (embed_config_get), with no field here. */
        const void *json;
    } embedding;
    struct {
        int batch_size;  /* effective: clamped to 1..2048, default 50 (1 for uri loading) */
        int concurrency; /* 1..10 in pgai's worker; we accept what the SQL accepts (1..50) */
    } processing;
    struct {
        destination_kind kind;
        const char *target_schema, *target_table, *view_schema, *view_name;
        const char *embedding_column;
    } destination;

    void *doc_; /* the parsed JSON (json_t *); owns the const strings above */
} vectorizer;

/* Parses to_jsonb(ai.vectorizer row). On error returns -1 with a one-line
 * message naming the offending field ("invalid vectorizer config: ..."). */
int vectorizer_parse(const char *json, size_t len, vectorizer **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void vectorizer_free(vectorizer *v);
/* Whether two parsed rows are the same row, field for field (the whole JSON compared). */
int vectorizer_same(const vectorizer *a, const vectorizer *b);

/* Parses "MAJOR.MINOR.PATCH[-pre][+build]" (a leading "v" is not allowed).
 * Returns 0 and fills out[3], or -1. */
int semver_parse(const char *s, int out[3]);
/* Compares two parsed versions: <0, 0, >0. */
int semver_cmp(const int a[3], const int b[3]);

#endif
