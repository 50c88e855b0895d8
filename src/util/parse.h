/*
 * parse: parsers for option values that come from the command line, the
 * environment or the C API (booleans, integers, durations). Pure functions,
 * no allocation; each returns 0 on success and -1 on invalid input.
 */
#ifndef PGAI_PARSE_H
#define PGAI_PARSE_H

/* click's boolean words, any case, surrounding whitespace ignored:
 * 1 true t yes y on / 0 false f no n off. */
int parse_bool(const char *s, int *out);

/* A base-10 integer as Python's int(s, 10): optional whitespace and sign,
 * digits with single underscores between them. Fails on overflow of long long. */
int parse_int(const char *s, long long *out);

#endif
