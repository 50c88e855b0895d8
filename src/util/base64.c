/* base64: the decoder; see base64.h. */
#include "util/base64.h"

#include <stdint.h>

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
