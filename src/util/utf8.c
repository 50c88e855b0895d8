/* utf8: see utf8.h. */
#include "util/utf8.h"

size_t utf8_sequence(const unsigned char *p, size_t avail)
{
    /* The second byte's range depends on the first (Unicode's table of
     * well-formed sequences): E0 needs A0..BF (no overlong 3-byte forms), ED
     * needs 80..9F (no surrogates), F0 needs 90..BF (no overlong 4-byte
     * forms), F4 needs 80..8F (nothing past U+10FFFF). */
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0; /* a continuation byte, C0/C1 (overlong 2-byte forms) or F5..FF */
    }
    if (avail < len || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return len;
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
