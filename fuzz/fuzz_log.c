/*
 * fuzz_log: the log line renderers (log.c). Their "key=value" fields carry
 * outside text -- provider error messages, names from the catalog, URLs --
 * and log_render_json parses them back into JSON members. Also
 * log_level_parse (--log-level).
 *
 * Input: byte 0 picks the level; up to the first '\n' is the event text,
 * the rest the fields string (both C strings).
 */
#include <jansson.h>

#include "fuzz_common.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    static const pgai_log_level levels[] = {PGAI_LOG_DEBUG, PGAI_LOG_INFO, PGAI_LOG_WARNING, PGAI_LOG_ERROR,
                                            PGAI_LOG_CRITICAL};
    pgai_log_level level = levels[fuzz_byte(&in) % 5];
    const uint8_t *nl = memchr(in.p, '\n', in.n);
    size_t elen = nl ? (size_t)(nl - in.p) : in.n;
    char *event = fuzz_cstr(in.p, elen);
    char *fields = nl ? fuzz_cstr(nl + 1, in.n - elen - 1) : fuzz_cstr(in.p, 0);
    const time_t when = 1736157600; /* 2025-01-06 10:00:00 UTC; the caller passes time(NULL) */

    buf out;
    buf_init(&out, 0);
    FUZZ_CHECK(log_render_json(&out, when, level, event, fields) == 0, "json render failed");
    FUZZ_CHECK(out.len > 0 && out.data[out.len - 1] == '\n', "json line without a newline");
    /* valid UTF-8 in, one JSON object out */
    if (fuzz_utf8_valid((const uint8_t *)event, strlen(event)) &&
        fuzz_utf8_valid((const uint8_t *)fields, strlen(fields))) {
        json_error_t jerr;
        json_t *doc = json_loadb(out.data, out.len, 0, &jerr);
        FUZZ_CHECK(doc && json_is_object(doc), "not a JSON object (%s): %s", jerr.text, out.data);
        /* (a field named event would be a second "event" member, and jansson keeps the last) */
        const char *ev = json_string_value(json_object_get(doc, "event"));
        if (!strstr(fields, "event="))
            FUZZ_CHECK(ev && !strcmp(ev, event), "event '%s' came back as '%s'", event, ev ? ev : "(none)");
        json_decref(doc);
    }
    buf_reset(&out);
    FUZZ_CHECK(log_render_text(&out, when, level, event, fields) == 0, "text render failed");
    FUZZ_CHECK(out.len > 0 && out.data[out.len - 1] == '\n', "text line without a newline");
    buf_free(&out);

    /* the same strings in a capped buffer fail cleanly */
    buf small;
    buf_init(&small, 1 + in.n % 64);
    if (log_render_json(&small, when, level, event, fields) != 0) FUZZ_CHECK(small.failed, "failure without failed");
    buf_free(&small);

    pgai_log_level parsed;
    if (log_level_parse(event, &parsed) == 0)
        FUZZ_CHECK(parsed >= PGAI_LOG_DEBUG && parsed <= PGAI_LOG_CRITICAL, "level %d", (int)parsed);

    free(fields);
    free(event);
    return 0;
}
