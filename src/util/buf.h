/*
 * buf: a growable byte buffer with a maximum size fixed at creation.
 *
 * Every buf has a cap, given to buf_init (curl's dynbuf makes the same
 * demand): going past it is a reported error, never an out-of-memory crash,
 * and a caller has to say how large its text may get. Outside input
 * (documents, chunk text, request and response bodies, COPY data) gets a
 * cap derived from a hard limit; SQL we build gets DB_MAX_MESSAGE. After a
 * failed append the buffer is marked failed and later appends are no-ops, so
 * a sequence of appends can be checked once; buf_error then says whether
 * the cap (BUF_E_TOO_LARGE) or the allocator (BUF_E_NOMEM) refused. The data
 * is always NUL-terminated.
 *
 * Callers may read data, len and max. No field is written except through
 * these functions: buf_truncate, not `len = ...`, so the NUL and the sticky
 * state stay right.
 */
#ifndef PGAI_BUF_H
#define PGAI_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Why a buf failed (buf_error). 0 is "has not failed". */
enum {
    BUF_E_TOO_LARGE = 1, /* an append would have gone past max */
    BUF_E_NOMEM = 2,     /* the allocator refused */
};

/* For the few buffers whose content is the program's own, not outside input,
 * and that need no cap of their own (each use says why). */
#define BUF_NO_LIMIT (SIZE_MAX / 2)

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* maximum len, > 0 */
    int failed; /* 0, or the BUF_E_* of the first failed call */
} buf;

/* Prepares an empty buffer holding at most max bytes. max must be > 0: 0 is
 * a programming error (a forgotten cap) and aborts the process. */
void buf_init(buf *b, size_t max);
/* Each returns 0, or -1 when b failed now or earlier (buf_error says why).
 * A failed call appends nothing. */
int buf_append(buf *b, const void *data, size_t n) __attribute__((warn_unused_result));
int buf_puts(buf *b, const char *s) __attribute__((warn_unused_result));
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3), warn_unused_result));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0), warn_unused_result));
/* Makes room for `extra` more bytes without changing len: one allocation up
 * front instead of several while appending. Past max it fails (and marks b
 * failed) as an append would. */
int buf_reserve(buf *b, size_t extra) __attribute__((warn_unused_result));
/* 0 while b has not failed, else BUF_E_TOO_LARGE or BUF_E_NOMEM. */
int buf_error(const buf *b);
/* Cuts b to its first len bytes (len <= b->len; a larger len is ignored),
 * keeping the NUL after them. Does not clear a failure. */
void buf_truncate(buf *b, size_t len);
/* Empties b (len = 0, failed cleared) and keeps its memory for reuse. */
void buf_reset(buf *b);
/* buf_reset, and the cap becomes max (> 0): one buffer reused for texts
 * whose limits differ, such as response bodies. */
void buf_reset_max(buf *b, size_t max);
/* Frees b's memory (leaving it empty, its max unchanged) when its capacity
 * is above keep, so a reused buffer that one large use made big does not
 * stay that big; otherwise b is left as it is. */
void buf_free_if_above(buf *b, size_t keep);
/* Hands the data (malloc'ed, NUL-terminated) to the caller and empties b.
 * NULL when even an empty string cannot be allocated. */
char *buf_take(buf *b);
/* Frees the memory; b stays usable with the same max. A zeroed buf (never
 * given to buf_init) may be freed as well: it has max 0 and refuses every
 * append with BUF_E_TOO_LARGE. */
void buf_free(buf *b);

#endif
