/*
 * fuzz_log: the log line renderers (log.c). Their "key=value" fields carry
 * outside text -- provider error messages, names from the catalog, URLs --
 * and log_render_json parses them back into JSON members. Also
 * log_level_parse (--log-level).
 *
 * Input: byte 0 picks the level; up to the first '\n' is the event text,
 * the rest the fields string (both C strings). The fields string is also
 * passed through log_event as a value, quoted and bare.
 */
#include <jansson.h>

#include "fuzz_common.h"
#include "cli/log_render.h"
#include "util/log.h"

/* Keeps the fields log_event hands to the sink, which are always within bounds and on one line. */
static void keep_fields(void *userdata, pgai_log_level level, const char *event, const char *fields)
{
    FUZZ_CHECK(strlen(fields) < 2048, "fields of %zu bytes", strlen(fields));
    for (const char *p = fields; *p; p++) FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "control character");
    snprintf(userdata, 4096, "%s", fields);
}

/*
 * The input's fields string as a quoted value and as a bare one through
 * log_event: the JSON line must carry the quoted one back, control
 * characters as spaces, unless the 2047-byte cut took part of it.
 */
static void check_log_event(pgai_log_level level, const char *value, buf *out)
{
    static char fields[4096];
    const logger lg = {keep_fields, fields, PGAI_LOG_DEBUG};
    /* a bare value is the caller's to keep free of spaces and quotes: only rendered */
    log_event(&lg, level, "event", "n=%d bare=%.40s", 1, value);
    buf_reset(out);
    FUZZ_CHECK(log_render_json(out, 0, level, "event", fields) == 0, "json render failed");
    log_event(&lg, level, "event", "n=%d error='%s' len=%zu", 1, value, strlen(value));
    buf_reset(out);
    FUZZ_CHECK(log_render_text(out, 0, level, "event", fields) == 0, "text render failed");
    FUZZ_CHECK(memchr(out->data, '\n', out->len) == out->data + out->len - 1, "text record of several lines");
    buf_reset(out);
    FUZZ_CHECK(log_render_json(out, 0, level, "event", fields) == 0, "json render failed");
    if (!fuzz_utf8_valid((const uint8_t *)value, strlen(value))) return;
    json_error_t jerr;
    json_t *doc = json_loadb(out->data, out->len, 0, &jerr);
    FUZZ_CHECK(doc && json_is_object(doc), "not a JSON object (%s): %s", jerr.text, out->data);
    const char *got = json_string_value(json_object_get(doc, "error"));
    FUZZ_CHECK(got, "no error member: %s", out->data);
    size_t n = strlen(value);
    char *want = fuzz_cstr((const uint8_t *)value, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)want[i] < 0x20 || want[i] == 0x7f) want[i] = ' ';
    /* at most 2x for escapes, so a value of up to 1000 bytes is never cut */
    if (n <= 1000) FUZZ_CHECK(!strcmp(got, want), "value '%s' came back as '%s'", want, got);
    else FUZZ_CHECK(!strncmp(got, want, strlen(got)), "cut value '%s' is not a prefix", got);
    free(want);
    json_decref(doc);
}

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
    buf_init(&out, BUF_NO_LIMIT);
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
    FUZZ_CHECK(memchr(out.data, '\n', out.len) == out.data + out.len - 1, "text record of several lines");
    check_log_event(level, fields, &out);
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
