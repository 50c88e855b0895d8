/* utf8: see utf8.h. */
#include "util/utf8.h"

#include <string.h>

/*
 * The sequence a lead byte starts: its length (0 for a byte that starts
 * none) and the range its second byte must be in. The range depends on the
 * first byte (Unicode's table of well-formed sequences): E0 needs A0..BF (no
 * overlong 3-byte forms), ED needs 80..9F (no surrogates; WTF-8 lifts this),
 * F0 needs 90..BF (no overlong 4-byte forms), F4 needs 80..8F (nothing past
 * U+10FFFF). C0, C1 (overlong 2-byte forms), F5..FF and continuation bytes
 * start nothing.
 */
static size_t lead(unsigned char c, int surrogates, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80, *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) return 2;
    if (c >= 0xE0 && c <= 0xEF) {
        if (c == 0xE0) *lo = 0xA0;
        if (c == 0xED && !surrogates) *hi = 0x9F;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (c == 0xF0) *lo = 0x90;
        if (c == 0xF4) *hi = 0x8F;
        return 4;
    }
    return 0;
}

/* The length of the valid prefix at p (up to the sequence's length). */
static size_t valid_prefix(const unsigned char *p, size_t avail, size_t len, unsigned char lo, unsigned char hi)
{
    size_t i = 1;
    if (i < len && i < avail && p[1] >= lo && p[1] <= hi)
        for (i = 2; i < len && i < avail && (p[i] & 0xC0) == 0x80; i++) {
        }
    return i;
}

size_t utf8_sequence(const unsigned char *p, size_t avail)
{
    if (p[0] < 0x80) return 1;
    unsigned char lo, hi;
    size_t len = lead(p[0], 0, &lo, &hi);
    return len && valid_prefix(p, avail, len, lo, hi) == len ? len : 0;
}

static size_t decode(const unsigned char *p, size_t avail, uint32_t *cp, int surrogates)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    unsigned char lo, hi;
    size_t len = lead(p[0], surrogates, &lo, &hi);
    if (!len || valid_prefix(p, avail, len, lo, hi) != len) {
        *cp = 0xFFFD;
        return 0;
    }
    uint32_t v = p[0] & (0x7F >> len); /* the lead byte's payload: 5, 4 or 3 bits */
    for (size_t i = 1; i < len; i++) v = v << 6 | (p[i] & 0x3F);
    *cp = v;
    return len;
}

size_t utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp) { return decode(p, avail, cp, 0); }

size_t wtf8_decode(const unsigned char *p, size_t avail, uint32_t *cp) { return decode(p, avail, cp, 1); }

size_t utf8_invalid_length(const unsigned char *p, size_t avail)
{
    unsigned char lo, hi;
    size_t len = lead(p[0], 0, &lo, &hi);
    return len ? valid_prefix(p, avail, len, lo, hi) : 1;
}

size_t utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) { /* ASCII runs dominate real text: test 8 bytes at a time */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        size_t len = utf8_sequence(s + i, n - i);
        if (!len) return i;
        i += len;
    }
    return n;
}

size_t utf8_whole(const char *s, size_t n)
{
    for (size_t back = 1; back <= 4 && back <= n; back++) {
        unsigned char c = (unsigned char)s[n - back];
        if ((c & 0xC0) == 0x80) continue; /* a continuation byte: look further back */
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > back ? n - back : n;
    }
    return n;
}

int unicode_isspace(uint32_t cp)
{
    if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}
