/* buf: bounded growable buffers; see buf.h. */
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max ? max : SIZE_MAX / 2;
}

int buf_reserve(buf *b, size_t extra)
{
    if (b->failed) return -1;
    if (extra > b->max || b->len > b->max - extra) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 4 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_append(buf *b, const void *data, size_t n)
{
    if (buf_reserve(b, n) != 0) return -1;
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0) {
        b->failed = 1;
        return -1;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void buf_reset(buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data) b->data[0] = '\0';
}

void buf_shrink(buf *b, size_t keep)
{
    if (b->cap > keep) buf_free(b);
}

char *buf_take(buf *b)
{
    char *p = b->data;
    if (!p) p = calloc(1, 1);
    size_t max = b->max;
    buf_init(b, max);
    return p;
}

void buf_free(buf *b)
{
    free(b->data);
    size_t max = b->max;
    buf_init(b, max);
}
