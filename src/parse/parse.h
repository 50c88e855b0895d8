/*
 * parse: the stage between loading and chunking, turning a loaded document
 * into the text the chunker splits (markdown for documents, as pgai's
 * pymupdf and docling parsers produce). Which parser a vectorizer gets
 * follows config.parsing: one parse_ops row per parsing kind in parse.c
 * (parse_internal.h says what a row implements), so a PDF, DOCX or HTML
 * parser is one more file and one more row.
 *
 * Today: parsing_none passes the document through unchanged, and so does
 * parsing_auto, which is what pgai's auto does with a text column's value.
 * pymupdf and docling are refused before an executor starts (worker.c), so
 * parser_new refuses them until there are rows for them.
 *
 * A document that cannot be parsed fails its own item at step "parsing";
 * anything else (out of memory) fails the batch.
 */
#ifndef PGAI_PARSE_STAGE_H
#define PGAI_PARSE_STAGE_H

#include <stddef.h>

#include "catalog/config.h"
#include "load/load.h"
#include "pgai/pgai.h"

/* parser_parse's result for a document that cannot be parsed: the item
 * fails (the message says why), the batch goes on. Positive: not a PGAI_E_*. */
#define PARSE_ITEM_FAILED 1

/* The parsed text: UTF-8 for the chunker (which checks it). data is borrowed
 * from the document (pass-through: valid while the document is) or owned
 * (parse_text_free frees it). */
typedef struct parse_text {
    const char *data; /* len bytes; never NULL */
    size_t len;
    char *owned;      /* what data points into when the parser allocated it, else NULL */
} parse_text;

typedef struct parser parser;

/* One per executor. PGAI_E_UNSUPPORTED for a parsing kind without a parser. */
int parser_new(const vectorizer *v, parser **out, pgai_error *err) __attribute__((warn_unused_result));

/* Parses doc into *out (always initialised, free it with parse_text_free).
 * Returns PGAI_OK, PARSE_ITEM_FAILED with why[] saying why (a line for the
 * item's error row), or a PGAI_E_* code in err that fails the batch. */
int parser_parse(parser *p, const load_document *doc, parse_text *out, char *why, size_t whylen, pgai_error *err)
    __attribute__((warn_unused_result));

/* pgai's name for the parser ("auto", "none", ...). */
const char *parser_name(const parser *p);

void parse_text_free(parse_text *t);
void parser_free(parser *p); /* NULL is fine */

#endif
