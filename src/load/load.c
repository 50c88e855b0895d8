/* load: the loader table and the calls every loader shares; see load.h. */
#include "load/load_internal.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"

/* One row per loading kind this build can load; a URI loader is one more row. */
static const load_ops *const loaders[] = {&load_column_ops};

int loader_new(const vectorizer *v, const source_column *cols, size_t ncols, const load_config *cfg, loader **out,
               pgai_error *err)
{
    *out = NULL;
    const load_ops *ops = NULL;
    for (size_t i = 0; i < sizeof(loaders) / sizeof(*loaders); i++)
        if (loaders[i]->kind == v->loading.kind) ops = loaders[i];
    if (!ops) return error_set(err, PGAI_E_UNSUPPORTED, "this build cannot load documents from URIs");
    loader *l = calloc(1, sizeof(*l));
    if (!l) return error_set(err, PGAI_E_NOMEM, "out of memory");
    l->ops = ops;
    l->cfg = *cfg;
    l->col = -1;
    int rc = ops->open ? ops->open(l, v, cols, ncols, err) : PGAI_OK;
    if (rc != PGAI_OK) {
        loader_free(l);
        return rc;
    }
    *out = l;
    return PGAI_OK;
}

int loader_load(loader *l, const queue_batch *b, int i, load_document *doc, char *why, size_t whylen, pgai_error *err)
{
    memset(doc, 0, sizeof(*doc));
    doc->data = "";
    return l->ops->load(l, b, i, doc, why, whylen, err);
}

const char *loader_name(const loader *l) { return l->ops->name; }

void load_document_free(load_document *doc)
{
    free(doc->owned);
    memset(doc, 0, sizeof(*doc));
    doc->data = "";
}

void loader_free(loader *l)
{
    if (!l) return;
    if (l->ops->close) l->ops->close(l);
    free(l);
}

int load_find_column(loader *l, const vectorizer *v, const source_column *cols, size_t ncols, pgai_error *err)
{
    for (size_t i = 0; i < ncols; i++)
        if (strcmp(cols[i].name, v->loading.column_name) == 0) l->col = (int)i;
    if (l->col < 0)
        return error_set(err, PGAI_E_INVALID, "the loading column %s does not exist in %s.%s", v->loading.column_name,
                         v->source_schema, v->source_table);
    return PGAI_OK;
}
