/*
 * err: the error message of pure code (chunk, format, config, dotenv, ...),
 * which reports through a caller's `char *err, size_t errlen` rather than a
 * pgai_error: such code knows nothing of the library's error codes.
 */
#ifndef PGAI_UTIL_ERR_H
#define PGAI_UTIL_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Writes the message into err (cut to errlen, always NUL-terminated; a
 * NULL err or errlen 0 writes nothing) and returns -1, so a failing path
 * can end with `return err_printf(...)`. */
int err_printf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The same with a fixed prefix ("invalid vectorizer config: ") before the
 * formatted text, for a module whose every message starts alike. */
int err_vprintf(char *err, size_t errlen, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif
