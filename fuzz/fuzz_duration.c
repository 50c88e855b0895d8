/*
 * fuzz_duration: the option-value parsers of src/util/parse.c, which read
 * command-line arguments and PGAI_* environment variables:
 * parse_duration_msg (pytimeparse, then int), parse_bool, parse_int.
 * Input: the whole option value as a C string.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <strings.h>

#include "fuzz_common.h"
#include "util/parse.h"

/* [space][sign]digits[space]: the strings where strtoll and Python's
 * int(s, 10) agree (no underscores), so strtoll can check parse_int. */
static int plain_integer(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    if (*s == '+' || *s == '-') s++;
    if (!isdigit((unsigned char)*s)) return 0;
    while (isdigit((unsigned char)*s)) s++;
    while (isspace((unsigned char)*s)) s++;
    return *s == '\0';
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);

    /* parse_int, checked against strtoll where both apply */
    long long iv = 0;
    int irc = parse_int(s, &iv);
    if (plain_integer(s)) {
        errno = 0;
        long long ref = strtoll(s, NULL, 10);
        if (errno == ERANGE)
            FUZZ_CHECK(irc != 0, "parse_int accepted an out-of-range integer '%s' as %lld", s, iv);
        else
            FUZZ_CHECK(irc == 0 && iv == ref, "parse_int('%s') = %d/%lld, strtoll says %lld", s, irc, iv, ref);
    }

    /* parse_duration_msg and parse_duration agree; a non-negative integer is always a duration */
    char err[512];
    err[0] = '\0';
    double secs = -1, secs2 = -1;
    int drc = parse_duration_msg(s, &secs, err, sizeof(err));
    int drc2 = parse_duration(s, &secs2);
    FUZZ_CHECK(drc == drc2, "parse_duration and parse_duration_msg disagree on '%s'", s);
    if (drc == 0) {
        FUZZ_CHECK(isfinite(secs), "non-finite duration %g for '%s'", secs, s);
        FUZZ_CHECK(secs == secs2, "two results for '%s': %g and %g", s, secs, secs2);
    } else {
        FUZZ_CHECK(strcmp(err, "time duration can't be negative") == 0 ||
                       ends_with(err, " is not a valid duration string or integer"),
                   "unexpected message '%s' for '%s'", err, s);
    }
    if (irc == 0 && iv >= 0) FUZZ_CHECK(drc == 0, "the integer '%s' was refused as a duration: %s", s, err);

    /* the message truncated into small buffers */
    char tiny[24];
    size_t tinylen = size % sizeof(tiny) + 1;
    memset(tiny, 'x', sizeof(tiny));
    if (parse_duration_msg(s, &secs, tiny, tinylen) != 0)
        FUZZ_CHECK(memchr(tiny, '\0', tinylen) != NULL, "message not terminated within %zu bytes", tinylen);

    /* parse_bool: one of click's words, any case, surrounding spaces ignored */
    int b = -1;
    if (parse_bool(s, &b) == 0) {
        FUZZ_CHECK(b == 0 || b == 1, "parse_bool gave %d", b);
        const char *p = s;
        while (isspace((unsigned char)*p)) p++;
        size_t n = strlen(p);
        while (n && isspace((unsigned char)p[n - 1])) n--;
        FUZZ_CHECK(n >= 1 && n <= 5, "parse_bool accepted '%s'", s);
    }

    free(s);
    return 0;
}
