/*
 * fuzz_config: vectorizer_parse, which reads to_jsonb(ai.vectorizer row) --
 * JSON that users shape through ai.create_vectorizer and can edit by hand.
 * Input: the JSON bytes. A config that parses is then used as the worker
 * uses it: its chunking settings build a chunker (including user regex
 * separators) that splits a short document, and its template is parsed.
 * Also semver_parse on the input as a version string.
 */
#include "catalog/config.h"
#include "chunk/chunk.h"
#include "format/format.h"
#include "fuzz_common.h"

static const char sample_doc[] = "pgai in C\n\nA vectorizer splits text into chunks. Then it embeds them!\n"
                                 "Second line, with some words; and punctuation? Yes.";

static void use_config(const vectorizer *v)
{
    FUZZ_CHECK(v->npk >= 1 && v->pk != NULL, "no primary key columns");
    for (size_t i = 0; i < v->npk; i++) {
        FUZZ_CHECK(v->pk[i].name && v->pk[i].type_name, "pk column %zu without name or type", i);
        if (i > 0) FUZZ_CHECK(v->pk[i - 1].attnum <= v->pk[i].attnum, "pk columns not in attnum order");
    }
    FUZZ_CHECK(v->source_schema && v->source_table && v->queue_schema && v->queue_table, "missing names");
    FUZZ_CHECK(v->version && v->loading.column_name, "missing version or loading column");
    FUZZ_CHECK(v->processing.batch_size >= 1 && v->processing.batch_size <= 2048, "batch_size %d",
               v->processing.batch_size);
    FUZZ_CHECK(v->processing.concurrency >= 1 && v->processing.concurrency <= 50, "concurrency %d",
               v->processing.concurrency);
    FUZZ_CHECK(v->embedding.dimensions >= 0 && v->embedding.dimensions <= 16000, "dimensions %d",
               v->embedding.dimensions);
    FUZZ_CHECK(v->embedding.model && v->embedding.implementation, "missing embedding model");
    FUZZ_CHECK(v->loading.retries >= 0, "retries %d", v->loading.retries);
    for (size_t i = 0; i < v->chunking.nseparators; i++)
        FUZZ_CHECK(v->chunking.separators && v->chunking.separators[i], "separator %zu is NULL", i);
    if (v->formatting.kind == FORMATTING_PYTHON_TEMPLATE)
        FUZZ_CHECK(v->formatting.template_text != NULL, "python_template without a template");
    if (v->destination.kind == DESTINATION_TABLE)
        FUZZ_CHECK(v->destination.target_schema && v->destination.target_table, "table destination without a table");
    else
        FUZZ_CHECK(v->destination.embedding_column != NULL, "column destination without a column");

    /* as executor.c builds its chunker */
    chunk_config cc = {
        .kind = v->chunking.kind,
        .chunk_size = v->chunking.chunk_size,
        .chunk_overlap = v->chunking.chunk_overlap,
        .separators = v->chunking.separators,
        .nseparators = v->chunking.nseparators,
        .is_separator_regex = v->chunking.is_separator_regex,
    };
    char err[512];
    chunker *c = NULL;
    if (chunker_new(&cc, &c, err, sizeof(err)) == 0) {
        chunk_list l;
        if (chunker_split(c, sample_doc, sizeof(sample_doc) - 1, 1000, &l, err, sizeof(err)) == 0) {
            for (size_t i = 0; i < l.count; i++)
                FUZZ_CHECK(l.items[i] && strlen(l.items[i]) == l.lens[i], "chunk %zu: length mismatch", i);
            chunk_list_free(&l);
        }
        chunker_free(c);
    }
    if (v->formatting.kind == FORMATTING_PYTHON_TEMPLATE) {
        format_template *t = NULL;
        FUZZ_CHECK(format_template_parse(v->formatting.template_text, &t, err, sizeof(err)) == 0,
                   "template parse failed: %s", err);
        format_template_free(t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = fuzz_copy(data, size);
    char err[512];
    err[0] = '\0';
    vectorizer *v = (vectorizer *)(uintptr_t)1;
    int rc = vectorizer_parse(json, size, &v, err, sizeof(err));
    if (rc == 0) {
        FUZZ_CHECK(v != NULL, "success without a vectorizer");
        use_config(v);
        vectorizer_free(v);
    } else {
        FUZZ_CHECK(v == NULL, "failure left a vectorizer behind");
        FUZZ_CHECK(strncmp(err, "invalid vectorizer config: ", 27) == 0, "unexpected message '%s'", err);
    }
    free(json);

    /* the input as a version string */
    char *s = fuzz_cstr(data, size < 64 ? size : 64);
    int ver[3] = {-1, -1, -1};
    if (semver_parse(s, ver) == 0) {
        FUZZ_CHECK(ver[0] >= 0 && ver[1] >= 0 && ver[2] >= 0, "negative version part in '%s'", s);
        FUZZ_CHECK(semver_cmp(ver, ver) == 0, "a version differs from itself");
    }
    free(s);
    return 0;
}
