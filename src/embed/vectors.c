/* vectors: streaming scan of embedding responses; see vectors.h. */
#include "embed/vectors.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "util/err.h"

#define MAX_DEPTH 64

typedef struct scan {
    const char *p, *end;
    char *err;
    size_t errlen;
} scan;

static int scan_fail(scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int scan_fail(scan *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vprintf(s->err, s->errlen, "invalid embedding response: ", fmt, ap);
    va_end(ap);
    return -1;
}

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t')) s->p++;
}

static int expect(scan *s, char c)
{
    ws(s);
    if (s->p >= s->end || *s->p != c) return scan_fail(s, "expected '%c'", c);
    s->p++;
    return 0;
}

/* Skips a string; on return start and len delimit its raw (still escaped) content. */
static int raw_string(scan *s, const char **start, size_t *len)
{
    ws(s);
    if (s->p >= s->end || *s->p != '"') return scan_fail(s, "expected a string");
    const char *b = ++s->p;
    while (s->p < s->end && *s->p != '"') {
        if ((unsigned char)*s->p < 0x20) return scan_fail(s, "control character in string");
        s->p += (*s->p == '\\') ? 2 : 1;
    }
    if (s->p >= s->end) return scan_fail(s, "unterminated string");
    *start = b;
    *len = (size_t)(s->p - b);
    s->p++;
    return 0;
}

static int skip_value(scan *s, int depth)
{
    if (depth > MAX_DEPTH) return scan_fail(s, "nesting too deep");
    ws(s);
    if (s->p >= s->end) return scan_fail(s, "unexpected end");
    char c = *s->p;
    if (c == '"') {
        const char *b;
        size_t n;
        return raw_string(s, &b, &n);
    }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        s->p++;
        ws(s);
        if (s->p < s->end && *s->p == close) return s->p++, 0;
        for (;;) {
            if (c == '{') {
                const char *b;
                size_t n;
                if (raw_string(s, &b, &n) != 0 || expect(s, ':') != 0) return -1;
            }
            if (skip_value(s, depth + 1) != 0) return -1;
            ws(s);
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                continue;
            }
            return expect(s, close);
        }
    }
    /* number, true, false, null: a run of these characters */
    const char *b = s->p;
    while (s->p < s->end && strchr("+-0123456789.eEtruefalsn", *s->p)) s->p++;
    return s->p > b ? 0 : scan_fail(s, "unexpected character '%c'", c);
}

static int key_is(const char *b, size_t n, const char *key) { return strlen(key) == n && memcmp(b, key, n) == 0; }

/* Reads a JSON array of numbers into out[dim]. */
static int number_array(scan *s, size_t dim, float *out)
{
    if (expect(s, '[') != 0) return -1;
    size_t i = 0;
    ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return dim == 0 ? 0 : scan_fail(s, "expected %zu dimensions, got 0", dim);
    }
    for (;;) {
        ws(s);
        char *endp;
        double d = strtod(s->p, &endp); /* the body is NUL-terminated, strtod cannot overrun */
        if (endp == s->p || endp > s->end) return scan_fail(s, "expected a number in an embedding");
        s->p = endp;
        /* checked as float: 1e39 is a finite double but an infinite float4 */
        if (!isfinite(d) || fabs(d) > FLT_MAX) return scan_fail(s, "non-finite value in an embedding");
        if (i < dim) out[i] = (float)d;
        i++;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (expect(s, ']') != 0) return -1;
        break;
    }
    return i == dim ? 0 : scan_fail(s, "expected %zu dimensions, got %zu", dim, i);
}

/* A vector: a number array, or (when the shape allows it) a base64 string. */
static int vector_value(scan *s, const vectors_shape *shape, size_t dim, float *out)
{
    ws(s);
    if (shape->base64 && s->p < s->end && *s->p == '"') {
        /* Not raw_string: base64 has no escapes and no control characters, so
         * the decoder itself rejects anything the scan would have. */
        const char *b = ++s->p;
        const char *q = memchr(b, '"', (size_t)(s->end - b));
        if (!q) return scan_fail(s, "unterminated string");
        size_t n = (size_t)(q - b);
        s->p = q + 1;
        /* Decoded straight into the output row: exactly dim * 4 bytes fit, so
         * a longer vector fails the decode and a shorter one the length check. */
        long got = base64_decode(b, n, (unsigned char *)out, dim * 4);
        if (got < 0 && (got = base64_decode(b, n, NULL, 0)) < 0) return scan_fail(s, "bad base64 in an embedding");
        if ((size_t)got != dim * 4) return scan_fail(s, "expected %zu dimensions, got %ld", dim, got / 4);
        for (size_t i = 0; i < dim; i++) {
            /* little-endian float32, whatever our byte order */
            uint32_t u;
            memcpy(&u, &out[i], 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            u = __builtin_bswap32(u);
            memcpy(&out[i], &u, 4);
#endif
            if ((u & 0x7f800000u) == 0x7f800000u) return scan_fail(s, "non-finite value in an embedding");
        }
        return 0;
    }
    return number_array(s, dim, out);
}

/* What one parse fills, and how far it got. */
typedef struct target {
    const vectors_shape *shape;
    size_t n, dim;
    float *out;
    unsigned char *filled; /* per input: its row was written */
    size_t count;          /* vectors seen so far */
    int found;             /* the path led somewhere */
    char where[128];       /* the path as "a.b", for messages */
} target;

static int index_ok(scan *s, const target *t, long index)
{
    if (index >= 0 && (size_t)index < t->n && !t->filled[index]) return 0;
    return scan_fail(s, "embedding index %ld out of range or repeated (expected %zu vectors)", index, t->n);
}

/*
 * One element of the list as an object: {"embedding": ..., "index": i, ...}
 * for OpenAI. OpenAI sends "index" first, so the vector is decoded straight
 * into its row; when the index comes later (or never: order of appearance,
 * as pgai trusts it), it is decoded into a temporary row and copied.
 */
static int element_object(scan *s, target *t)
{
    const vectors_shape *shape = t->shape;
    size_t dim = t->dim;
    if (expect(s, '{') != 0) return -1;
    float *row = NULL, *tmp = NULL;
    long index = -1;
    ws(s);
    if (s->p < s->end && *s->p == '}') return scan_fail(s, "an element of %s has no %s", t->where, shape->vector_key);
    for (;;) {
        const char *k;
        size_t kn;
        if (raw_string(s, &k, &kn) != 0 || expect(s, ':') != 0) goto fail;
        if (key_is(k, kn, shape->vector_key)) {
            if (!row && index >= 0) {
                if (index_ok(s, t, index) != 0) goto fail;
                row = t->out + (size_t)index * dim;
            } else if (!row) {
                if (!(tmp = malloc((dim ? dim : 1) * sizeof(float)))) {
                    scan_fail(s, "out of memory");
                    goto fail;
                }
                row = tmp;
            }
            if (vector_value(s, shape, dim, row) != 0) goto fail;
        } else if (shape->index_key && key_is(k, kn, shape->index_key)) {
            ws(s);
            char *endp;
            long v = strtol(s->p, &endp, 10);
            /* a second index after the vector went to the first one's row is malformed */
            if (endp == s->p || (row && row != tmp && v != index)) {
                scan_fail(s, "bad index");
                goto fail;
            }
            index = v;
            s->p = endp;
        } else if (skip_value(s, 1) != 0) {
            goto fail;
        }
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (expect(s, '}') != 0) goto fail;
        break;
    }
    if (!row) {
        scan_fail(s, "an element of %s has no %s", t->where, shape->vector_key);
        goto fail;
    }
    if (row == tmp) {
        if (index < 0) index = (long)t->count;
        if (index_ok(s, t, index) != 0) goto fail;
        memcpy(t->out + (size_t)index * dim, tmp, dim * sizeof(float));
    }
    t->filled[index] = 1;
    free(tmp);
    return 0;
fail:
    free(tmp);
    return -1;
}

/* The next vector of the response, in order of appearance. */
static int next_vector(scan *s, target *t)
{
    if (t->count >= t->n) return scan_fail(s, "more vectors than the %zu inputs", t->n);
    if (t->shape->vector_key) {
        if (element_object(s, t) != 0) return -1;
    } else {
        if (vector_value(s, t->shape, t->dim, t->out + t->count * t->dim) != 0) return -1;
        t->filled[t->count] = 1;
    }
    t->count++;
    return 0;
}

static int vector_list(scan *s, target *t)
{
    if (expect(s, '[') != 0) return -1;
    ws(s);
    if (s->p < s->end && *s->p == ']') return s->p++, 0;
    for (;;) {
        if (next_vector(s, t) != 0) return -1;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        return expect(s, ']');
    }
}

/* Walks down shape->path from level on; other members are skipped unread.
 * A key that appears twice is followed both times (the count then tells). */
static int follow_path(scan *s, target *t, int level)
{
    const char *key = level < VECTORS_MAX_PATH ? t->shape->path[level] : NULL;
    if (!key) {
        t->found = 1;
        return t->shape->single ? next_vector(s, t) : vector_list(s, t);
    }
    if (expect(s, '{') != 0) return -1;
    ws(s);
    if (s->p < s->end && *s->p == '}') return s->p++, 0;
    for (;;) {
        const char *k;
        size_t kn;
        if (raw_string(s, &k, &kn) != 0 || expect(s, ':') != 0) return -1;
        if (key_is(k, kn, key)) {
            if (follow_path(s, t, level + 1) != 0) return -1;
        } else if (skip_value(s, level + 1) != 0) {
            return -1;
        }
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        return expect(s, '}');
    }
}

int vectors_parse(const char *body, size_t len, const vectors_shape *shape, size_t n, size_t dim, float *out,
                  char *err, size_t errlen)
{
    scan s = {body, body + len, err, errlen};
    target t = {.shape = shape, .n = n, .dim = dim, .out = out};
    size_t w = 0;
    for (int i = 0; i < VECTORS_MAX_PATH && shape->path[i]; i++) {
        int k = snprintf(t.where + w, sizeof(t.where) - w, "%s%s", i ? "." : "", shape->path[i]);
        if (k < 0 || (size_t)k >= sizeof(t.where) - w) break; /* cut short: it is only for messages */
        w += (size_t)k;
    }
    if (!shape->path[0]) snprintf(t.where, sizeof(t.where), "the response");
    if (!(t.filled = calloc(n ? n : 1, 1))) return scan_fail(&s, "out of memory");
    int rc = follow_path(&s, &t, 0);
    if (rc == 0 && !t.found) rc = scan_fail(&s, "no \"%s\" in the response", t.where);
    if (rc == 0 && t.count != n) rc = scan_fail(&s, "got %zu vectors for %zu inputs", t.count, n);
    free(t.filled);
    return rc;
}
