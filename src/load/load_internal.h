/*
 * load_internal.h: what a loader implements, for the files behind load.c's
 * table (load_column.c; load_uri.c next). Nothing outside src/load/ includes it.
 *
 * A loader is one load_ops row. open runs once per executor and keeps what
 * the loader needs in the loader (the column it reads, a connection or an
 * HTTP client in `state`); load runs per item with loader_load's contract
 * (load.h); close frees `state`. open and close may be NULL.
 */
#ifndef PGAI_LOAD_INTERNAL_H
#define PGAI_LOAD_INTERNAL_H

#include "load/load.h"

typedef struct load_ops {
    loading_kind kind;
    const char *name; /* pgai's loader name, as error rows show it */
    int (*open)(loader *l, const vectorizer *v, const source_column *cols, size_t ncols, pgai_error *err);
    int (*load)(loader *l, const queue_batch *b, int i, load_document *doc, char *why, size_t whylen,
                pgai_error *err);
    void (*close)(loader *l);
} load_ops;

struct loader {
    const load_ops *ops;
    load_config cfg;
    int col;     /* the source column the loader reads (the loading column), an index into cols */
    void *state; /* the loader's own, freed by ops->close */
};

extern const load_ops load_column_ops;

/* The index of the loading column in cols into l->col, or an error naming it. */
int load_find_column(loader *l, const vectorizer *v, const source_column *cols, size_t ncols, pgai_error *err);

#endif
