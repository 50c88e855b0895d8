/* buf: bounded growable buffers; see buf.h. */
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t max)
{
    /* A buffer without a cap is the bug this type exists to prevent: stop
     * at the call that forgot it, not at an out-of-memory much later. */
    if (max == 0) {
        fputs("pgai: internal error: buf_init without a size limit\n", stderr);
        abort();
    }
    memset(b, 0, sizeof(*b));
    b->max = max > BUF_NO_LIMIT ? BUF_NO_LIMIT : max; /* keeps len + extra + 1 from overflowing */
}

/* Marks b failed with why (the first failure is the one kept) and returns -1. */
static int fail(buf *b, int why)
{
    if (!b->failed) b->failed = why;
    return -1;
}

int buf_reserve(buf *b, size_t extra)
{
    if (b->failed) return -1;
    if (extra > b->max || b->len > b->max - extra) return fail(b, BUF_E_TOO_LARGE);
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 4 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) return fail(b, BUF_E_NOMEM);
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
    if (b->failed) return -1;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    /* vsnprintf fails only for a length past INT_MAX: too large, not memory */
    if (n < 0) return fail(b, BUF_E_TOO_LARGE);
    if (buf_reserve(b, (size_t)n) != 0) return -1;
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

int buf_error(const buf *b) { return b->failed; }

void buf_truncate(buf *b, size_t len)
{
    if (len >= b->len) return;
    b->len = len;
    b->data[len] = '\0'; /* len < b->len, so there is data */
}

void buf_reset(buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data) b->data[0] = '\0';
}

void buf_reset_max(buf *b, size_t max)
{
    if (max == 0) {
        fputs("pgai: internal error: buf_reset_max without a size limit\n", stderr);
        abort();
    }
    buf_reset(b);
    b->max = max > BUF_NO_LIMIT ? BUF_NO_LIMIT : max;
}

void buf_free_if_above(buf *b, size_t keep)
{
    if (b->cap > keep) buf_free(b);
}

/* Empties b to its state after buf_init, without buf_init's check: a
 * zeroed buf (one never given a cap) may be freed too, and stays one that
 * refuses every append. */
static void clear(buf *b)
{
    size_t max = b->max;
    memset(b, 0, sizeof(*b));
    b->max = max;
}

char *buf_take(buf *b)
{
    char *p = b->data;
    if (!p) p = calloc(1, 1);
    clear(b);
    return p;
}

void buf_free(buf *b)
{
    free(b->data);
    clear(b);
}
