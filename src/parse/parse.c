/* parse: the parser table, and the pass-through parsers of text; see parse.h. */
#include "parse/parse_internal.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"

/* The document is the text: borrowed, not copied. */
static int parse_passthrough(parser *p, const load_document *doc, parse_text *out, char *why, size_t whylen,
                             pgai_error *err)
{
    out->data = doc->data;
    out->len = doc->len;
    return PGAI_OK;
}

/*
 * pgai's auto picks a parser by the document's type and passes text through.
 * Every document is text today (a text column; bytea columns and URIs are
 * refused before an executor starts); a document parser adds its types
 * here, chosen by doc->type_hint or the content's signature.
 */
static int parse_auto(parser *p, const load_document *doc, parse_text *out, char *why, size_t whylen,
                      pgai_error *err)
{
    return parse_passthrough(p, doc, out, why, whylen, err);
}

static const parse_ops parse_auto_ops = {.kind = PARSING_AUTO, .name = "auto", .parse = parse_auto};
static const parse_ops parse_none_ops = {.kind = PARSING_NONE, .name = "none", .parse = parse_passthrough};

/* One row per parsing kind this build can parse; pymupdf or docling is one more row. */
static const parse_ops *const parsers[] = {&parse_auto_ops, &parse_none_ops};

int parser_new(const vectorizer *v, parser **out, pgai_error *err)
{
    *out = NULL;
    const parse_ops *ops = NULL;
    for (size_t i = 0; i < sizeof(parsers) / sizeof(*parsers); i++)
        if (parsers[i]->kind == v->parsing) ops = parsers[i];
    if (!ops) return error_set(err, PGAI_E_UNSUPPORTED, "this build cannot parse documents (pymupdf, docling)");
    parser *p = calloc(1, sizeof(*p));
    if (!p) return error_set(err, PGAI_E_NOMEM, "out of memory");
    p->ops = ops;
    int rc = ops->open ? ops->open(p, v, err) : PGAI_OK;
    if (rc != PGAI_OK) {
        parser_free(p);
        return rc;
    }
    *out = p;
    return PGAI_OK;
}

int parser_parse(parser *p, const load_document *doc, parse_text *out, char *why, size_t whylen, pgai_error *err)
{
    memset(out, 0, sizeof(*out));
    out->data = "";
    return p->ops->parse(p, doc, out, why, whylen, err);
}

const char *parser_name(const parser *p) { return p->ops->name; }

void parse_text_free(parse_text *t)
{
    free(t->owned);
    memset(t, 0, sizeof(*t));
    t->data = "";
}

void parser_free(parser *p)
{
    if (!p) return;
    if (p->ops->close) p->ops->close(p);
    free(p);
}
