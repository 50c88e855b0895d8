/*
 * base64_encode: standard padded base64, for tests that feed the library's
 * decoder (util/base64.h), which has no encoder of its own because nothing
 * in it writes base64. Shared by tests/unit/test_embed.c and fuzz/fuzz_vectors.c.
 */
#ifndef PGAI_TEST_BASE64_ENCODE_H
#define PGAI_TEST_BASE64_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/* Writes base64 of data[0..n) to out, NUL-terminated; out must hold
 * 4 * ceil(n / 3) + 1 bytes. Returns the length. */
static inline size_t base64_encode(const unsigned char *data, size_t n, char *out)
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

#endif
