/*
 * load_column: pgai's loading_column. The document is the loading column's
 * text as the claim returned it (borrowed, no copy). The claim leaves out a
 * value over max_document_bytes and returns only its size, so a huge
 * document is refused before it is fetched: that is this loader's one error.
 */
#include <stdio.h>

#include "load/load_internal.h"

static int column_open(loader *l, const vectorizer *v, const source_column *cols, size_t ncols, pgai_error *err)
{
    return load_find_column(l, v, cols, ncols, err);
}

static int column_load(loader *l, const queue_batch *b, int i, load_document *doc, char *why, size_t whylen,
                       pgai_error *err)
{
    size_t len;
    const char *text = queue_item_text(b, i, (size_t)l->col, &len);
    if (text) {
        doc->data = text;
        doc->len = len;
        return PGAI_OK;
    }
    long size = queue_item_load_size(b, i);
    if (size > l->cfg.max_document_bytes) {
        snprintf(why, whylen,
                 "the document is %ld bytes, more than the limit of %lld bytes (PGAI_VECTORIZER_MAX_DOCUMENT_BYTES)",
                 size, l->cfg.max_document_bytes);
        return LOAD_ITEM_FAILED;
    }
    return PGAI_OK; /* NULL loads as "": nothing to embed, as pgai */
}

const load_ops load_column_ops = {
    .kind = LOADING_COLUMN,
    .name = "column",
    .open = column_open,
    .load = column_load,
    .close = NULL,
};
