/*
 * fuzz_common: helpers shared by the libFuzzer targets in fuzz/. Header-only
 * (static functions) so each target is one translation unit plus the
 * library sources it links.
 *
 * Conventions of every target:
 *  - the input is bytes; an API that takes (pointer, length) gets an
 *    exact-size heap copy, so AddressSanitizer sees any read past the end;
 *    an API that takes a C string gets a NUL-terminated copy;
 *  - FUZZ_CHECK states a property the code under test promises (its header
 *    comment); a violation aborts, so libFuzzer saves the input like a crash.
 */
#ifndef PGAI_FUZZ_COMMON_H
#define PGAI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                                                      \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            fprintf(stderr, "fuzz check failed at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);                     \
            fprintf(stderr, __VA_ARGS__);                                                                          \
            fputc('\n', stderr);                                                                                   \
            abort();                                                                                               \
        }                                                                                                          \
    } while (0)

/* Out of memory in the harness itself is not a finding: stop loudly. */
static inline void *fuzz_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("fuzz harness: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* An exact-size copy of data[0..n) (no terminator). */
static inline char *fuzz_copy(const uint8_t *data, size_t n)
{
    char *p = fuzz_alloc(n);
    if (n) memcpy(p, data, n);
    return p;
}

/* A NUL-terminated copy of data[0..n); embedded NULs end the C string early. */
static inline char *fuzz_cstr(const uint8_t *data, size_t n)
{
    char *p = fuzz_alloc(n + 1);
    if (n) memcpy(p, data, n);
    p[n] = '\0';
    return p;
}

/* A cursor over the input for targets that take parameters from its first bytes. */
typedef struct fuzz_in {
    const uint8_t *p;
    size_t n;
} fuzz_in;

/* The next byte, or 0 once the input is used up. */
static inline unsigned fuzz_byte(fuzz_in *in)
{
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

/* Strict UTF-8 as Python decodes it: no overlongs, surrogates or code points past U+10FFFF. */
static inline int fuzz_utf8_valid(const uint8_t *s, size_t n)
{
    return utf8_invalid_at(s, n) == n;
}

#endif
