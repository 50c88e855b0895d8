/* utf8: well-formed UTF-8, as Unicode (and Python, PCRE2, jansson) define it. */
#ifndef PGAI_UTIL_UTF8_H
#define PGAI_UTIL_UTF8_H

#include <stddef.h>

/*
 * The length of the well-formed UTF-8 sequence at p (avail >= 1 bytes), or 0
 * when there is none: a stray continuation byte, an overlong form, a
 * surrogate, a code point past U+10FFFF, or a sequence cut short. ASCII is 1.
 */
size_t utf8_sequence(const unsigned char *p, size_t avail);

/* n, less a UTF-8 sequence left incomplete at the end of s[0..n): where to
 * cut a text of n or more bytes so that no character is split. */
size_t utf8_whole(const char *s, size_t n);

#endif
