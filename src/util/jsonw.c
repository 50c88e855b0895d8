/* jsonw: JSON strings written into a buf; see jsonw.h. */
#include "util/jsonw.h"

#include "util/utf8.h"

/* Bytes that end a run copied as it is: controls, '"', '\\' and every byte >= 0x80. */
static const unsigned char SPECIAL[256] = {
    [0x00 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1,
};

/* The one escaper; replace: a sequence that is not UTF-8 becomes U+FFFD instead of failing. */
static int escape(buf *b, const char *s, size_t n, int replace)
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
            if (len) {
                p += len;
                continue;
            }
            if (!replace) return -1;
            if (buf_append(b, run, (size_t)(p - run)) != 0 || buf_append(b, "\xEF\xBF\xBD", 3) != 0) return -1;
            p += utf8_invalid_length(p, (size_t)(end - p));
            run = p;
            continue;
        }
        /* here c is a control character, '"' or '\\': SPECIAL sends nothing else */
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

int jsonw_string(buf *b, const char *s, size_t n) { return escape(b, s, n, 0); }

int jsonw_string_replacing(buf *b, const char *s, size_t n) { return escape(b, s, n, 1); }
