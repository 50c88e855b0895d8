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
        const char *b;
        size_t n;
        if (raw_string(s, &b, &n) != 0) return -1;
        size_t want = dim * 4;
        unsigned char *tmp = malloc(n / 4 * 3 + 3);
        if (!tmp) return scan_fail(s, "out of memory");
        long got = base64_decode(b, n, tmp, n / 4 * 3 + 3);
        if (got < 0) {
            free(tmp);
            return scan_fail(s, "bad base64 in an embedding");
        }
        if ((size_t)got != want) {
            free(tmp);
            return scan_fail(s, "expected %zu dimensions, got %ld", dim, got / 4);
        }
        for (size_t i = 0; i < dim; i++) {
            /* little-endian float32, whatever our byte order */
            uint32_t u = (uint32_t)tmp[4 * i] | (uint32_t)tmp[4 * i + 1] << 8 | (uint32_t)tmp[4 * i + 2] << 16 |
                         (uint32_t)tmp[4 * i + 3] << 24;
            float f;
            memcpy(&f, &u, 4);
            if (!isfinite(f)) {
                free(tmp);
                return scan_fail(s, "non-finite value in an embedding");
            }
            out[i] = f;
        }
        free(tmp);
        return 0;
    }
    return number_array(s, dim, out);
}

/* One element of "data": {"embedding": ..., "index": i, ...}. */
static int data_element(scan *s, size_t n, size_t dim, float *out, size_t pos, unsigned char *filled)
{
    if (expect(s, '{') != 0) return -1;
    float *row = NULL;
    long index = -1;
    int have_embedding = 0;
    float *tmp = malloc((dim ? dim : 1) * sizeof(float));
    if (!tmp) return scan_fail(s, "out of memory");
    ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        free(tmp);
        return scan_fail(s, "an element of data has no embedding");
    }
    for (;;) {
        const char *k;
        size_t kn;
        if (raw_string(s, &k, &kn) != 0 || expect(s, ':') != 0) goto fail;
        if (key_is(k, kn, "embedding")) {
            if (embedding_value(s, dim, tmp) != 0) goto fail;
            have_embedding = 1;
        } else if (key_is(k, kn, "index")) {
            ws(s);
            char *endp;
            index = strtol(s->p, &endp, 10);
            if (endp == s->p) goto bad_index;
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
    if (!have_embedding) {
        scan_fail(s, "an element of data has no embedding");
        goto fail;
    }
    /* Place by "index" when given (order of appearance otherwise, as pgai trusts it). */
    if (index < 0) index = (long)pos;
    if ((size_t)index >= n || filled[index]) {
        scan_fail(s, "embedding index %ld out of range or repeated (expected %zu vectors)", index, n);
        goto fail;
    }
    row = out + (size_t)index * dim;
    memcpy(row, tmp, dim * sizeof(float));
    filled[index] = 1;
    free(tmp);
    return 0;
bad_index:
    scan_fail(s, "bad index");
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

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    size_t i = 0;
    for (; i < inlen && in[i] != '='; i++) {
        int v = b64val((unsigned char)in[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= outcap) return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    for (; i < inlen; i++)
        if (in[i] != '=') return -1;
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
