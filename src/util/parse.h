/*
 * parse: parsers for option values that come from the command line, the
 * environment or the C API (booleans, integers, durations). Pure functions,
 * no allocation; each returns 0 on success and -1 on invalid input.
 */
#ifndef PGAI_PARSE_H
#define PGAI_PARSE_H

#include <stddef.h>

/* click's boolean words, any case, surrounding whitespace ignored:
 * 1 true t yes y on / 0 false f no n off. */
int parse_bool(const char *s, int *out);

/* A base-10 integer as Python's int(s, 10): optional whitespace and sign,
 * digits with single underscores between them. Fails on overflow of long long. */
int parse_int(const char *s, long long *out);

/* A --poll-interval value as pgai's TimeDurationParamType reads it (spec
 * §1.5): first pytimeparse 1.1.8 ("5m", "1h30m", "1 hour, 30 minutes",
 * "1:30", "1w 2d 3:04:05", "-5s", ...; the result may be fractional or
 * negative), else a Python int(s, 10) that must not be negative, else (ours,
 * pgai refuses it) a decimal number of seconds such as "0.5", not negative.
 * Seconds go to *seconds (the worker keeps whole seconds, as pgai does).
 * parse_duration_msg also writes click's message on failure:
 * "time duration can't be negative" or
 * "'<value>' is not a valid duration string or integer". */
int parse_duration(const char *s, double *seconds) __attribute__((warn_unused_result));
int parse_duration_msg(const char *s, double *seconds, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
