/*
 * utf8: well-formed UTF-8, as Unicode (and Python, PCRE2, jansson) define
 * it, and the few Unicode properties the Python behaviours we copy need.
 * The one place that knows the byte patterns: every module that checks,
 * decodes or cuts UTF-8 calls these.
 */
#ifndef PGAI_UTIL_UTF8_H
#define PGAI_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length of the well-formed UTF-8 sequence at p (avail >= 1 bytes), or 0
 * when there is none: a stray continuation byte, an overlong form, a
 * surrogate, a code point past U+10FFFF, or a sequence cut short. ASCII is 1.
 */
size_t utf8_sequence(const unsigned char *p, size_t avail);

/* utf8_sequence, and the code point in *cp (U+FFFD when the length is 0). */
size_t utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp);

/* utf8_decode for WTF-8, which also takes the surrogates U+D800..U+DFFF as
 * 3-byte sequences: how text from a JSON "\ud800" escape is kept, as
 * Python's str keeps it. */
size_t wtf8_decode(const unsigned char *p, size_t avail, uint32_t *cp);

/* Where utf8_sequence(p, avail) is 0: how many bytes make one U+FFFD in
 * Python's bytes.decode("utf-8", errors="replace"), the maximal prefix of a
 * well-formed sequence, at least 1 (Unicode's "maximal subpart" rule). */
size_t utf8_invalid_length(const unsigned char *p, size_t avail);

/* The offset of the first byte that is not part of well-formed UTF-8 in
 * s[0..n), or n when all of it is. ASCII runs are skipped 8 bytes at a time. */
size_t utf8_invalid_at(const unsigned char *s, size_t n);

/* n, less a UTF-8 sequence left incomplete at the end of s[0..n): where to
 * cut a text of n or more bytes so that no character is split. */
size_t utf8_whole(const char *s, size_t n);

/* Python's str.isspace(): what \s means in its str regexes and what
 * str.strip() removes (Unicode White_Space plus the ASCII separators
 * U+001C..U+001F). */
int unicode_isspace(uint32_t cp);

#endif
