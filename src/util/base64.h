/*
 * base64: the one base64 decoder (standard alphabet), for the vectors in
 * embedding responses and the token bytes of the tokenizer's rank file.
 * Nothing in the library encodes base64, so there is no encoder.
 */
#ifndef PGAI_UTIL_BASE64_H
#define PGAI_UTIL_BASE64_H

#include <stddef.h>

/* Decodes in[0..inlen). Padding is optional and accepted only at the end
 * (some servers leave it out); any other character outside the alphabet is
 * an error. Returns the number of bytes, or -1 for
 * bad input or when they would not fit in outcap. out NULL: only counts. */
long base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outcap);

#endif
