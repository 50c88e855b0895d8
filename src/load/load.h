/*
 * load: the first stage after the claim, turning a claimed item into its
 * document: the bytes that parsing, then chunking, work on. Which loader a
 * vectorizer gets follows config.loading (pgai's loading_column,
 * loading_uri); each loader is one file behind the table in load.c
 * (load_column.c today), described by a load_ops row (load_internal.h).
 *
 * A loader is made once per executor, from the vectorizer and the source
 * table's columns, and then loads one item at a time. A document that
 * cannot be loaded (too large, missing) is the item's own error: it fails
 * that item at step "loading" and the batch goes on. Anything else (out of
 * memory) fails the batch.
 *
 * Loaders: column (the loading column's text, as the claim returned it; a
 * document over max_document_bytes is not fetched at all, the claim returns
 * NULL and its size). URI loading is refused before an executor starts
 * (worker.c), so loader_new refuses LOADING_URI until a loader for it exists.
 */
#ifndef PGAI_LOAD_H
#define PGAI_LOAD_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "queue/queue.h"

/* loader_load's result for a document that cannot be loaded: the item
 * fails (the message says why), the batch goes on. Positive: not a PGAI_E_*. */
#define LOAD_ITEM_FAILED 1

/* What the loaders are given besides the vectorizer. */
typedef struct load_config {
    long long max_document_bytes; /* PGAI_VECTORIZER_MAX_DOCUMENT_BYTES: larger documents fail their item */
} load_config;

/* One loaded document. data is either borrowed (from the claim: valid until
 * the batch is freed) or owned by the document (load_document_free frees it). */
typedef struct load_document {
    const char *data; /* len bytes; never NULL ("" for an empty or NULL value) */
    size_t len;
    char *owned;      /* what data points into when the loader allocated it, else NULL */
    /* What the source says the document is, for parsing's choice: a MIME
     * type ("application/pdf") or a file name extension (".pdf"); "" when it
     * says nothing, as a text column does. */
    char type_hint[128];
} load_document;

typedef struct loader loader;

/* Finds what the loader needs among cols (the source table's columns, in the
 * claim's order; they must outlive the loader): the loading column must be
 * one of them. PGAI_E_UNSUPPORTED for a loading kind without a loader. */
int loader_new(const vectorizer *v, const source_column *cols, size_t ncols, const load_config *cfg, loader **out,
               pgai_error *err) __attribute__((warn_unused_result));

/* Loads item i of b into *doc (always initialised, free it with
 * load_document_free). Returns PGAI_OK, LOAD_ITEM_FAILED with why[] saying
 * why (a line for the item's error row), or a PGAI_E_* code in err that fails
 * the batch. */
int loader_load(loader *l, const queue_batch *b, int i, load_document *doc, char *why, size_t whylen, pgai_error *err)
    __attribute__((warn_unused_result));

/* pgai's name for the loader ("column", "uri"): the "loader" of an error row. */
const char *loader_name(const loader *l);

void load_document_free(load_document *doc);
void loader_free(loader *l); /* NULL is fine */

#endif
