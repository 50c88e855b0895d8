/* err: error messages of pure code; see err.h. */
#include "util/err.h"

#include <stdio.h>

int err_vprintf(char *err, size_t errlen, const char *prefix, const char *fmt, va_list ap)
{
    if (!err || errlen == 0) return -1;
    int n = snprintf(err, errlen, "%s", prefix ? prefix : "");
    size_t used = n < 0 ? 0 : (size_t)n;
    if (used < errlen) vsnprintf(err + used, errlen - used, fmt, ap);
    return -1;
}

int err_printf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vprintf(err, errlen, NULL, fmt, ap);
    va_end(ap);
    return -1;
}
