/*
 * log_render: how the `pgai` command prints the library's log events
 * (cli_log_sink), in pgai's console format or as one JSON object per line,
 * and its --log-level choices. The library only hands events to a host's
 * pgai_log_fn (util/log.h); printing them is the command's business.
 */
#ifndef PGAI_CLI_LOG_RENDER_H
#define PGAI_CLI_LOG_RENDER_H

#include <time.h>

#include "pgai/pgai.h"
#include "util/buf.h"

/*
 * The cap of one rendered record. log_event cuts fields at 2047 bytes and
 * the library's events are short texts (a server's notice: at most 1023
 * bytes), and a JSON escape makes at most 6 bytes of 1: a record never
 * comes near 1 MiB, and one that did would be dropped, not grown.
 */
#define LOG_LINE_MAX ((size_t)1 << 20)

/* Parses pgai's --log-level choices (DEBUG, INFO, WARN, ERROR, FATAL, CRITICAL; any case). */
int log_level_parse(const char *s, pgai_log_level *out);

/*
 * Renders one line in pgai's console format (control characters in the event
 * or fields become spaces, so a record is always one line):
 *   2025-01-06 10:00:00 [info     ] running vectorizer             vectorizer_id=1
 */
int log_render_text(buf *out, time_t when, pgai_log_level level, const char *event, const char *fields)
    __attribute__((warn_unused_result));
/* Renders one JSON object: {"timestamp":..., "level":..., "event":..., "<key>": "<value>" or <number>, ...}.
 * The fields are log_event's "key=value key='quoted value'"; a text that is
 * not UTF-8 has its malformed bytes replaced (U+FFFD), so the line is always
 * valid JSON. */
int log_render_json(buf *out, time_t when, pgai_log_level level, const char *event, const char *fields)
    __attribute__((warn_unused_result));

#endif
