/* log: event dispatch to the host's sink, and line renderers; see log.h. */
#include "util/log.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

void log_event(const logger *lg, pgai_log_level level, const char *event, const char *fields_fmt, ...)
{
    if (!lg || !lg->fn || level < lg->min) return;
    char fields[2048] = "";
    if (fields_fmt) {
        va_list ap;
        va_start(ap, fields_fmt);
        vsnprintf(fields, sizeof(fields), fields_fmt, ap);
        va_end(ap);
    }
    lg->fn(lg->userdata, level, event, fields);
}

const char *log_level_name(pgai_log_level level)
{
    if (level >= PGAI_LOG_CRITICAL) return "critical";
    if (level >= PGAI_LOG_ERROR) return "error";
    if (level >= PGAI_LOG_WARNING) return "warning";
    if (level >= PGAI_LOG_INFO) return "info";
    return "debug";
}

int log_level_parse(const char *s, pgai_log_level *out)
{
    static const struct { const char *name; pgai_log_level level; } levels[] = {
        {"DEBUG", PGAI_LOG_DEBUG}, {"INFO", PGAI_LOG_INFO},   {"WARN", PGAI_LOG_WARNING},
        {"ERROR", PGAI_LOG_ERROR}, {"FATAL", PGAI_LOG_CRITICAL}, {"CRITICAL", PGAI_LOG_CRITICAL},
    };
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (s && strcasecmp(s, levels[i].name) == 0) {
            *out = levels[i].level;
            return 0;
        }
    return -1;
}

int log_render_text(buf *out, time_t when, pgai_log_level level, const char *event, const char *fields)
{
    struct tm tm;
    char ts[32];
    localtime_r(&when, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
    char lvl[16];
    snprintf(lvl, sizeof(lvl), "%-9s", log_level_name(level));
    if (buf_printf(out, "%s [%s] %-30s %s", ts, lvl, event, fields ? fields : "") != 0) return -1;
    while (out->len && out->data[out->len - 1] == ' ') out->data[--out->len] = '\0';
    return buf_puts(out, "\n");
}

static int json_string(buf *out, const char *s, size_t n)
{
    if (buf_puts(out, "\"") != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            if (buf_printf(out, "\\%c", c) != 0) return -1;
        } else if (c < 0x20) {
            if (buf_printf(out, "\\u%04x", c) != 0) return -1;
        } else if (buf_append(out, &s[i], 1) != 0) {
            return -1;
        }
    }
    return buf_puts(out, "\"");
}

/*
 * Fields are "key=value" separated by spaces; a value may be single-quoted
 * (then it may contain spaces, and \' and \\ escapes).
 */
int log_render_json(buf *out, time_t when, pgai_log_level level, const char *event, const char *fields)
{
    struct tm tm;
    char ts[40];
    gmtime_r(&when, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (buf_printf(out, "{\"timestamp\":\"%s\",\"level\":\"%s\",\"event\":", ts, log_level_name(level)) != 0 ||
        json_string(out, event, strlen(event)) != 0)
        return -1;
    const char *p = fields ? fields : "";
    while (*p) {
        while (*p == ' ') p++;
        const char *eq = strchr(p, '=');
        if (!*p || !eq) break;
        const char *key = p;
        size_t keylen = (size_t)(eq - p);
        p = eq + 1;
        buf val;
        buf_init(&val, 0);
        if (*p == '\'') {
            p++;
            while (*p && *p != '\'') {
                if (*p == '\\' && p[1]) p++;
                if (buf_append(&val, p++, 1) != 0) break;
            }
            if (*p == '\'') p++;
        } else {
            const char *end = strchr(p, ' ');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            if (buf_append(&val, p, n) != 0) { /* reported through out below */ }
            p += n;
        }
        int rc = buf_puts(out, ",") | json_string(out, key, keylen) | buf_puts(out, ":") |
                 json_string(out, val.data ? val.data : "", val.len);
        buf_free(&val);
        if (rc != 0) return -1;
    }
    return buf_puts(out, "}\n");
}
