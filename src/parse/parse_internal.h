/*
 * parse_internal.h: what a parser implements, for the files behind parse.c's
 * table (a parse_pdf.c next). Nothing outside src/parse/ includes it.
 *
 * A parser is one parse_ops row. open runs once per executor and may keep a
 * context in `state` (a MuPDF context, say); parse runs per document with
 * parser_parse's contract (parse.h), reading doc->type_hint where the format
 * matters; close frees `state`. open and close may be NULL.
 */
#ifndef PGAI_PARSE_INTERNAL_H
#define PGAI_PARSE_INTERNAL_H

#include "parse/parse.h"

typedef struct parse_ops {
    parsing_kind kind;
    const char *name; /* pgai's parser name */
    int (*open)(parser *p, const vectorizer *v, pgai_error *err);
    int (*parse)(parser *p, const load_document *doc, parse_text *out, char *why, size_t whylen, pgai_error *err);
    void (*close)(parser *p);
} parse_ops;

struct parser {
    const parse_ops *ops;
    void *state; /* the parser's own, freed by ops->close */
};

#endif
