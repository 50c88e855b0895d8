/*
 * jsonw: JSON text written straight into a buf, for request bodies that are
 * built on every request (no jansson tree, no second copy).
 *
 * Strings are escaped byte for byte as jansson's json_dumps escapes them
 * (without JSON_ENSURE_ASCII): `"` and `\` get a backslash, \b \f \n \r \t
 * their short forms, the other control characters \u00XX (upper-case hex);
 * everything else, UTF-8 included, is copied as it is. The input must be
 * valid UTF-8 as jansson checks it (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), so a text jansson refused is refused
 * here too.
 */
#ifndef PGAI_JSONW_H
#define PGAI_JSONW_H

#include <stddef.h>

#include "util/buf.h"

/* Appends s[0..n) as a quoted JSON string. Returns -1 when s is not valid
 * UTF-8 or the append failed (then b->failed is set); b then holds part of
 * the string and the caller discards it. */
int jsonw_string(buf *b, const char *s, size_t n) __attribute__((warn_unused_result));

/* jsonw_string for text that may not be UTF-8 and must be written anyway
 * (a log line): each malformed sequence becomes one U+FFFD, as Python's
 * bytes.decode(errors="replace") has it. Fails only when the append does. */
int jsonw_string_replacing(buf *b, const char *s, size_t n) __attribute__((warn_unused_result));

#endif
