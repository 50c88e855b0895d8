/*
 * pyrepr: renders one PostgreSQL value the way pgai's Python worker turns it
 * into text for a python_template: Python str() of the value psycopg 3.2
 * decodes from the TEXT result format.
 *
 * The worker's connections use DateStyle=ISO, IntervalStyle=postgres,
 * extra_float_digits=1 and bytea_output=hex; values are parsed from those
 * text forms. Types psycopg has no loader for (enums, composites, money,
 * xml, user-defined types and their arrays, ...) are Python str objects, so
 * their text is used as is. Values psycopg itself refuses to load (infinite
 * or BC dates and timestamps, years after 9999, time 24:00:00, intervals
 * beyond timedelta's range) make the Python worker fail the batch while
 * fetching; here they render as their PostgreSQL text instead.
 *
 * Deliberate approximations, all for rare column types:
 *  - float4 is float(text), as psycopg's text loader does: 0.1 stays 0.1
 *    (only the binary format would widen it to 0.10000000149011612);
 *  - timestamptz inside a list shows tzinfo as a fixed offset; Python shows
 *    a ZoneInfo named after the session TimeZone, which a value lacks;
 *  - multiranges, pgvector's vector and int2vector/oidvector render as
 *    their text (Python: Multirange, numpy array, list);
 *  - IPv6 inet/cidr keep PostgreSQL's spelling (Python's ipaddress may
 *    compress zeros differently in corner cases);
 *  - a top-level JSON string with a lone surrogate (json type only) shows
 *    U+FFFD (Python could not encode the result); JSON nested deeper than
 *    1000 levels renders as its text;
 *  - a negative interval whose time part exceeds 24 hours ("-25:00:00")
 *    renders the exact value ("-2 days, 23:00:00"); some psycopg C-loader
 *    versions fold the days before applying the sign.
 *
 * Pure functions: no global mutable state, safe from any thread.
 */
#ifndef PGAI_PYREPR_H
#define PGAI_PYREPR_H

#include <stddef.h>

#include "util/buf.h"

/* One source-row value as fetched from libpq in TEXT format. */
typedef struct format_value {
    const char *name;      /* column name (case-sensitive) */
    unsigned int type_oid; /* the column's type, domains resolved to their base type */
    unsigned int elem_oid; /* for array types: the element type (domains resolved), else 0 */
    const char *text;      /* PostgreSQL text output, NULL for SQL NULL */
} format_value;

/* Appends Python str() of the value (SQL NULL renders as "None").
 * Returns 0, or -1 when `out` went past its cap (out->failed is set). */
int pyrepr_render(const format_value *v, buf *out) __attribute__((warn_unused_result));

/* Appends Python repr() of a str given as UTF-8 (n bytes, may contain NULs):
 * quote choice, escapes and the printable test follow CPython 3.12. */
int pyrepr_str(const char *s, size_t n, buf *out) __attribute__((warn_unused_result));

/* Appends Python repr() of a float (shortest round-trip digits). */
int pyrepr_float(double x, buf *out) __attribute__((warn_unused_result));

#endif
