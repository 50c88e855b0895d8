/*
 * buf: a growable byte buffer with a maximum size fixed at creation.
 *
 * Every buffer that grows with outside input (HTTP bodies, documents, SQL
 * text) is a buf with a cap: going past the cap is a reported error, never an
 * out-of-memory crash. After a failed append the buffer is marked `failed` and
 * later appends are no-ops, so a sequence of appends can be checked once.
 * The data is always NUL-terminated.
 */
#ifndef PGAI_BUF_H
#define PGAI_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* maximum len; 0 = SIZE_MAX/2 */
    int failed; /* an append went past max or malloc failed */
} buf;

void buf_init(buf *b, size_t max);
int buf_append(buf *b, const void *data, size_t n) __attribute__((warn_unused_result));
int buf_puts(buf *b, const char *s) __attribute__((warn_unused_result));
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3), warn_unused_result));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0), warn_unused_result));
/* Makes room for `extra` more bytes without changing len: one allocation up
 * front instead of several while appending. Past max it fails (and marks b
 * failed) as an append would. */
int buf_reserve(buf *b, size_t extra) __attribute__((warn_unused_result));
/* Empties b (len = 0, failed cleared) and keeps its memory for reuse. */
void buf_reset(buf *b);
/* Frees b's memory (leaving it empty) when its capacity is above keep, so a
 * reused buffer that one large use made big does not stay that big. */
void buf_shrink(buf *b, size_t keep);
/* Hands the data (malloc'ed, NUL-terminated) to the caller and empties b. */
char *buf_take(buf *b);
void buf_free(buf *b);

#endif
