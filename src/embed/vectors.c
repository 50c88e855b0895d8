/* vectors: streaming scan of embedding responses; see vectors.h. */
#include "embed/vectors.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct scan {
    const char *p, *end;
    char *err;
    size_t errlen;
} scan;

static int scan_fail(scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int scan_fail(scan *s, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(s->err, s->errlen, "invalid embedding response: %s", msg);
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

static int embedding_value(scan *s, size_t dim, float *out)
{
    ws(s);
    if (s->p < s->end && *s->p == '"') {
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

static int index_ok(scan *s, long index, size_t n, const unsigned char *filled)
{
    if (index >= 0 && (size_t)index < n && !filled[index]) return 0;
    return scan_fail(s, "embedding index %ld out of range or repeated (expected %zu vectors)", index, n);
}

/*
 * One element of "data": {"embedding": ..., "index": i, ...}. OpenAI sends
 * "index" first, so the vector is decoded straight into its row; when the
 * index comes later (or never: order of appearance, as pgai trusts it), it is
 * decoded into a temporary row and copied.
 */
static int data_element(scan *s, size_t n, size_t dim, float *out, size_t pos, unsigned char *filled)
{
    if (expect(s, '{') != 0) return -1;
    float *row = NULL, *tmp = NULL;
    long index = -1;
    ws(s);
    if (s->p < s->end && *s->p == '}') return scan_fail(s, "an element of data has no embedding");
    for (;;) {
        const char *k;
        size_t kn;
        if (raw_string(s, &k, &kn) != 0 || expect(s, ':') != 0) goto fail;
        if (key_is(k, kn, "embedding")) {
            if (!row && index >= 0) {
                if (index_ok(s, index, n, filled) != 0) goto fail;
                row = out + (size_t)index * dim;
            } else if (!row) {
                if (!(tmp = malloc((dim ? dim : 1) * sizeof(float)))) {
                    scan_fail(s, "out of memory");
                    goto fail;
                }
                row = tmp;
            }
            if (embedding_value(s, dim, row) != 0) goto fail;
        } else if (key_is(k, kn, "index")) {
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
        scan_fail(s, "an element of data has no embedding");
        goto fail;
    }
    if (row == tmp) {
        if (index < 0) index = (long)pos;
        if (index_ok(s, index, n, filled) != 0) goto fail;
        memcpy(out + (size_t)index * dim, tmp, dim * sizeof(float));
    }
    filled[index] = 1;
    free(tmp);
    return 0;
fail:
    free(tmp);
    return -1;
}

int vectors_parse(const char *body, size_t len, vectors_shape shape, size_t n, size_t dim, float *out, char *err,
                  size_t errlen)
{
    scan s = {body, body + len, err, errlen};
    const char *want_key = shape == VECTORS_OLLAMA ? "embeddings" : "data";
    unsigned char *filled = calloc(n ? n : 1, 1);
    if (!filled) return scan_fail(&s, "out of memory");
    size_t count = 0;
    int found = 0;
    if (expect(&s, '{') != 0) goto fail;
    ws(&s);
    if (s.p < s.end && *s.p == '}') goto done;
    for (;;) {
        const char *k;
        size_t kn;
        if (raw_string(&s, &k, &kn) != 0 || expect(&s, ':') != 0) goto fail;
        if (key_is(k, kn, want_key)) {
            found = 1;
            if (expect(&s, '[') != 0) goto fail;
            ws(&s);
            if (s.p < s.end && *s.p == ']') {
                s.p++;
            } else {
                for (;;) {
                    if (count >= n) {
                        scan_fail(&s, "more vectors than the %zu inputs", n);
                        goto fail;
                    }
                    if (shape == VECTORS_OLLAMA) {
                        if (number_array(&s, dim, out + count * dim) != 0) goto fail;
                        filled[count] = 1;
                    } else if (data_element(&s, n, dim, out, count, filled) != 0) {
                        goto fail;
                    }
                    count++;
                    ws(&s);
                    if (s.p < s.end && *s.p == ',') {
                        s.p++;
                        continue;
                    }
                    if (expect(&s, ']') != 0) goto fail;
                    break;
                }
            }
        } else if (skip_value(&s, 1) != 0) {
            goto fail;
        }
        ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            continue;
        }
        if (expect(&s, '}') != 0) goto fail;
        break;
    }
done:
    if (!found) {
        scan_fail(&s, "no \"%s\" in the response", want_key);
        goto fail;
    }
    if (count != n) {
        scan_fail(&s, "got %zu vectors for %zu inputs", count, n);
        goto fail;
    }
    free(filled);
    return 0;
fail:
    free(filled);
    return -1;
}

/* Each base64 character's value plus one; 0 marks a character that is not base64. */
static const unsigned char B64[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

long base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap)
{
    /* Padding is accepted only at the end (any amount, or none). */
    while (inlen > 0 && in[inlen - 1] == '=') inlen--;
    const unsigned char *p = (const unsigned char *)in;
    size_t groups = inlen / 4, tail = inlen % 4;
    size_t total = groups * 3 + (tail ? tail - 1 : 0); /* a lone last character holds no whole byte */
    if (out && total > outcap) return -1;
    /* Whole groups: 4 characters make 3 bytes; one test for all four. */
    size_t o = 0, i = 0;
    for (size_t g = 0; g < groups; g++, i += 4, o += 3) {
        unsigned a = B64[p[i]], b = B64[p[i + 1]], c = B64[p[i + 2]], d = B64[p[i + 3]];
        if (!a | !b | !c | !d) return -1;
        uint32_t v = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
        if (out) {
            out[o] = (unsigned char)(v >> 16);
            out[o + 1] = (unsigned char)(v >> 8);
            out[o + 2] = (unsigned char)v;
        }
    }
    /* The last 1-3 characters: each whole byte they hold. */
    uint32_t acc = 0;
    int bits = 0;
    for (; i < inlen; i++) {
        unsigned v = B64[p[i]];
        if (!v) return -1;
        acc = (acc << 6) | (v - 1);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out) out[o] = (unsigned char)(acc >> bits);
            o++;
            acc &= (1u << bits) - 1;
        }
    }
    return (long)o;
}

size_t base64_encode(const unsigned char *data, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < n ? (uint32_t)data[i + 1] << 8 : 0);
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}
