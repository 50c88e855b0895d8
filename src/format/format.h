/*
 * format: the vectorizer's formatting stage. `python_template` follows
 * Python's string.Template.substitute (strict) as pgai calls it:
 * Template(template).substitute(chunk=chunk, **row).
 *
 *   $$            -> "$"
 *   $name         -> name = [_a-zA-Z][_a-zA-Z0-9]* (ASCII, longest match)
 *   ${name}       -> same identifier between braces
 *   any other $   -> ValueError "Invalid placeholder in string: line L, col C"
 *
 * `chunk` maps to the chunk text; any other name to the row column with that
 * exact (case-sensitive) name, rendered by pyrepr_render (Python str()). The
 * worker passes every fetched column, including the queue's loading_retries
 * when the installed extension has it.
 *
 * As in Python, errors are raised while substituting, in template order, and
 * only when a chunk is formatted: a template with an unknown name formats no
 * error for an item that yields no chunks.
 *
 * A parsed template is immutable: one per vectorizer, shared by threads.
 */
#ifndef PGAI_FORMAT_H
#define PGAI_FORMAT_H

#include <stddef.h>

#include "format/pyrepr.h"
#include "util/buf.h"

typedef struct format_template format_template;

/* Parses `tmpl` (UTF-8) into literal and placeholder segments. Fails only
 * when memory runs out; malformed placeholders are reported by format_render
 * as Python reports them. */
int format_template_parse(const char *tmpl, format_template **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Appends the template rendered for one chunk to `out`. Errors (one line in
 * err): "KeyError: 'name'" for a name that is neither chunk nor a column,
 * "Invalid placeholder in string: line L, col C", a row column named chunk
 * (Python's TypeError), or `out` going past its cap. */
int format_render(const format_template *t, const char *chunk, size_t chunk_len, const format_value *values,
                  size_t nvalues, buf *out, char *err, size_t errlen) __attribute__((warn_unused_result));

void format_template_free(format_template *t);

#endif
