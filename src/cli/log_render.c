/* log_render: the `pgai` command's log lines; see log_render.h. */
#include "cli/log_render.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/jsonw.h"

static const char *level_name(pgai_log_level level)
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
    snprintf(lvl, sizeof(lvl), "%-9s", level_name(level));
    size_t start = out->len;
    if (buf_printf(out, "%s [%s] %-30s %s", ts, lvl, event, fields ? fields : "") != 0) return -1;
    /* one record, one line: the event may be an error text, and a host may pass its own fields */
    for (size_t i = start; i < out->len; i++)
        if ((unsigned char)out->data[i] < 0x20 || out->data[i] == 0x7f) out->data[i] = ' ';
    size_t len = out->len;
    while (len && out->data[len - 1] == ' ') len--;
    buf_truncate(out, len);
    return buf_puts(out, "\n");
}

/* Event, keys and values are outside text (a server's notice, a provider's
 * error) that may not even be UTF-8: the line stays JSON whatever they hold. */
static int json_string(buf *out, const char *s, size_t n) { return jsonw_string_replacing(out, s, n); }

/*
 * s[0..n) is a number as our fields print them (%d, %zu, %.3f):
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?, with at most 15 digits, so every JSON
 * reader takes it back exactly (no exponent, no overflow); anything else
 * stays a string.
 */
static int json_number(const char *s, size_t n)
{
    size_t i = 0, d, digits;
    if (i < n && s[i] == '-') i++;
    for (d = i; i < n && isdigit((unsigned char)s[i]); i++) {
    }
    if (i == d || (s[d] == '0' && i - d > 1)) return 0;
    digits = i - d;
    if (i < n && s[i] == '.') {
        for (d = ++i; i < n && isdigit((unsigned char)s[i]); i++) {
        }
        if (i == d) return 0;
        digits += i - d;
    }
    return i == n && digits <= 15;
}

/*
 * Fields are "key=value" separated by spaces; a value may be single-quoted
 * (then it may contain spaces, and \' and \\ escapes). An unquoted value
 * that is a number (items=7, seconds=2.5) becomes a JSON number, so that
 * log tools can compare and sum it; everything else, and anything quoted,
 * is a string.
 */
int log_render_json(buf *out, time_t when, pgai_log_level level, const char *event, const char *fields)
{
    struct tm tm;
    char ts[40];
    gmtime_r(&when, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (buf_printf(out, "{\"timestamp\":\"%s\",\"level\":\"%s\",\"event\":", ts, level_name(level)) != 0 ||
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
        buf_init(&val, strlen(p) + 1); /* a part of the fields: never longer than they are */
        int number = 0;
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
            number = json_number(p, n);
            if (buf_append(&val, p, n) != 0) { /* reported through out below */ }
            p += n;
        }
        int rc = buf_puts(out, ",") | json_string(out, key, keylen) | buf_puts(out, ":") |
                 (number ? buf_append(out, val.data, val.len) : json_string(out, val.data ? val.data : "", val.len));
        buf_free(&val);
        if (rc != 0) return -1;
    }
    return buf_puts(out, "}\n");
}
