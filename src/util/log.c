/* log: event dispatch to the host's sink, and line renderers; see log.h. */
#include "util/log.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"

/*
 * log_event formats the fields itself rather than with vsnprintf: values
 * come from outside (server and provider errors), and a ' inside a quoted
 * value would end it early, so each %s argument must be escaped as it is
 * written. That means walking the format, and so knowing each conversion's
 * argument type: only the conversions below are supported. Another one is a
 * programming error, which tests/unit/test_util.c finds in every caller.
 */
typedef struct conv {
    char type; /* d u s f g % */
    char size; /* 0, 'l' (long), 'q' (long long) or 'z' (size_t) */
    int prec;  /* -1: none; -2: '*', an int argument */
    size_t len; /* characters after the '%' */
} conv;

/* Parses the conversion after a '%': 0, or -1 when it is not one of ours. */
static int conv_parse(const char *p, conv *c)
{
    const char *start = p;
    c->size = 0;
    c->prec = -1;
    if (*p == '.') {
        p++;
        if (*p == '*') {
            c->prec = -2;
            p++;
        } else {
            if (!isdigit((unsigned char)*p)) return -1;
            for (c->prec = 0; isdigit((unsigned char)*p); p++)
                if ((c->prec = c->prec * 10 + (*p - '0')) > 9999) return -1;
        }
    }
    if (p[0] == 'l' && p[1] == 'l') {
        c->size = 'q';
        p += 2;
    } else if (*p == 'l' || *p == 'z') {
        c->size = *p++;
    }
    c->type = *p;
    c->len = (size_t)(p - start) + 1;
    switch (c->type) {
    case 's': return c->size ? -1 : 0;
    case 'f':
    case 'g': return c->size || c->prec == -2 ? -1 : 0;
    case 'd': return c->prec != -1 || c->size == 'z' ? -1 : 0;
    case 'u': return c->prec != -1 ? -1 : 0;
    case '%': return c->len == 1 ? 0 : -1;
    default: return -1;
    }
}

int log_fields_fmt_check(const char *fields_fmt)
{
    conv c;
    for (const char *p = fields_fmt; p && (p = strchr(p, '%')); p += 1 + c.len)
        if (conv_parse(p + 1, &c) != 0) return -1;
    return 0;
}

/* The fields being written: a fixed buffer that, once full, takes nothing more. */
typedef struct fields_out {
    char *s;
    size_t cap; /* with the NUL */
    size_t len;
    int full;
} fields_out;

static void out_full(fields_out *o)
{
    o->full = 1;
    o->len = utf8_whole(o->s, o->len);
    o->s[o->len] = '\0';
}

/* Format text and numbers, as they are. */
static void out_raw(fields_out *o, const char *s, size_t n)
{
    if (o->full) return;
    size_t room = o->cap - 1 - o->len;
    memcpy(o->s + o->len, s, n < room ? n : room);
    o->len += n < room ? n : room;
    o->s[o->len] = '\0';
    if (n > room) out_full(o);
}

/*
 * A %s argument. Control characters become spaces, so that no value can
 * break a text log line in two. Inside quotes, ' and \ get a backslash
 * (log_render_json removes it); a pair is written whole or not at all, so a
 * cut never leaves a dangling backslash.
 */
static void out_value(fields_out *o, const char *s, size_t n, int quoted)
{
    for (size_t i = 0; i < n && !o->full; i++) {
        unsigned char c = (unsigned char)s[i];
        char pair[2] = {'\\', (char)(c < 0x20 || c == 0x7f ? ' ' : c)};
        size_t k = quoted && (pair[1] == '\'' || pair[1] == '\\') ? 2 : 1;
        if (o->len + k >= o->cap) {
            out_full(o);
            break;
        }
        memcpy(o->s + o->len, pair + 2 - k, k);
        o->len += k;
    }
    o->s[o->len] = '\0';
}

static void format_fields(char *dst, size_t cap, const char *fmt, va_list ap)
{
    fields_out o = {dst, cap, 0, 0};
    int quoted = 0; /* between the format's single quotes */
    const char *p = fmt;
    for (;;) {
        const char *pct = strchr(p, '%');
        size_t lit = pct ? (size_t)(pct - p) : strlen(p);
        for (size_t i = 0; i < lit; i++) quoted ^= p[i] == '\'';
        out_raw(&o, p, lit);
        if (!pct) return;
        conv c;
        if (conv_parse(pct + 1, &c) != 0) { /* the arguments cannot be walked past it */
            out_raw(&o, " log_format_error=1", strlen(" log_format_error=1"));
            return;
        }
        p = pct + 1 + c.len;
        char num[64];
        int n = 0;
        if (c.type == 's') {
            int prec = c.prec == -2 ? va_arg(ap, int) : c.prec;
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            /* as printf: the precision limits the bytes read; here it also keeps characters whole */
            size_t len = prec >= 0 ? utf8_whole(s, strnlen(s, (size_t)prec)) : strlen(s);
            out_value(&o, s, len, quoted);
        } else if (c.type == 'f' || c.type == 'g') {
            n = snprintf(num, sizeof(num), c.type == 'f' ? "%.*f" : "%.*g", c.prec, va_arg(ap, double));
        } else if (c.type == 'd') {
            long long v = c.size == 'q' ? va_arg(ap, long long) : c.size == 'l' ? va_arg(ap, long) : va_arg(ap, int);
            n = snprintf(num, sizeof(num), "%lld", v);
        } else if (c.type == 'u') {
            unsigned long long v = c.size == 'q'   ? va_arg(ap, unsigned long long)
                                   : c.size == 'l' ? va_arg(ap, unsigned long)
                                   : c.size == 'z' ? va_arg(ap, size_t)
                                                   : va_arg(ap, unsigned);
            n = snprintf(num, sizeof(num), "%llu", v);
        } else {
            num[0] = '%';
            n = 1;
        }
        if (n > 0) out_raw(&o, num, (size_t)n < sizeof(num) ? (size_t)n : sizeof(num) - 1);
    }
}

void log_event(const logger *lg, pgai_log_level level, const char *event, const char *fields_fmt, ...)
{
    if (!lg || !lg->fn || level < lg->min) return;
    char fields[2048] = "";
    if (fields_fmt) {
        va_list ap;
        va_start(ap, fields_fmt);
        format_fields(fields, sizeof(fields), fields_fmt, ap);
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
