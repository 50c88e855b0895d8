/* log: event dispatch to the host's sink; see log.h. */
#include "util/log.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

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
