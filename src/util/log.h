/*
 * log: the library's logging front end.
 *
 * The library never prints: it hands each event to the host's pgai_log_fn
 * (the `pgai` command installs one that prints lines to stdout, rendered by
 * src/cli/log_render.c). An event is a fixed text ("running vectorizer")
 * plus "key=value" fields, as pgai's structlog output has them, so users can
 * keep grepping for the same texts.
 */
#ifndef PGAI_LOG_H
#define PGAI_LOG_H

#include <stdio.h>
#include <time.h>

#include "pgai/pgai.h"
#include "util/buf.h"

typedef struct logger {
    pgai_log_fn fn;     /* NULL: drop everything */
    void *userdata;
    pgai_log_level min; /* events below this level are dropped */
} logger;

/*
 * `fields_fmt` (or NULL) is a printf-like format producing "key=value
 * key=value". Put values that may hold spaces or outside text between single
 * quotes, as in "error='%s'": a %s between quotes has its ' and \ escaped
 * with a backslash, which the command's JSON renderer undoes. Every %s has
 * its control characters (newlines) replaced by spaces. The result is cut at 2047 bytes,
 * never inside an escape or a UTF-8 character.
 * Only these conversions are supported: %s %.Ns %.*s %d %ld %lld %u %lu
 * %llu %zu %f %g %.Nf %.Ng %% (see log_fields_fmt_check).
 */
void log_event(const logger *lg, pgai_log_level level, const char *event, const char *fields_fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_debug(lg, ev, ...) log_event((lg), PGAI_LOG_DEBUG, (ev), __VA_ARGS__)
#define log_info(lg, ev, ...) log_event((lg), PGAI_LOG_INFO, (ev), __VA_ARGS__)
#define log_warn(lg, ev, ...) log_event((lg), PGAI_LOG_WARNING, (ev), __VA_ARGS__)
#define log_error(lg, ev, ...) log_event((lg), PGAI_LOG_ERROR, (ev), __VA_ARGS__)

/*
 * 0 when log_event supports every conversion in `fields_fmt`, else -1. Any
 * other conversion is a programming error: log_event writes what it has and
 * " log_format_error=1", and the unit tests check every caller's format.
 */
int log_fields_fmt_check(const char *fields_fmt);

#endif
