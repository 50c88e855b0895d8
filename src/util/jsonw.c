/* jsonw: JSON strings written into a buf; see jsonw.h. */
#include "util/jsonw.h"

/*
 * The length of the valid UTF-8 sequence at p, whose first byte is >= 0x80,
 * or 0 when it is not valid. The second byte's range depends on the first
 * (Unicode's table of well-formed sequences): E0 needs A0..BF (no overlong
 * 3-byte forms), ED needs 80..9F (no surrogates), F0 needs 90..BF (no
 * overlong 4-byte forms), F4 needs 80..8F (nothing past U+10FFFF).
 */
static size_t utf8_sequence(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;
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

/* Bytes that end a run copied as it is: controls, '"', '\\' and every byte >= 0x80. */
static const unsigned char SPECIAL[256] = {
    [0x00 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1,
};

int jsonw_string(buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    const unsigned char *run = p; /* start of the bytes copied as they are, appended in one go */
    if (buf_append(b, "\"", 1) != 0) return -1;
    while (p < end) {
        while (p < end && !SPECIAL[*p]) p++; /* the common case: plain ASCII */
        if (p == end) break;
        unsigned char c = *p;
        if (c >= 0x80) {
            size_t len = utf8_sequence(p, (size_t)(end - p));
            if (!len) return -1;
            p += len;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            p++;
            continue;
        }
        char esc[6] = {'\\', 0, '0', '0', hex[c >> 4], hex[c & 15]};
        size_t esclen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esclen = 6;
            break;
        }
        if (buf_append(b, run, (size_t)(p - run)) != 0 || buf_append(b, esc, esclen) != 0) return -1;
        run = ++p;
    }
    if (buf_append(b, run, (size_t)(p - run)) != 0 || buf_append(b, "\"", 1) != 0) return -1;
    return 0;
}
