/* parse: option value parsers; see parse.h. */
#include "util/parse.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

int parse_bool(const char *s, int *out)
{
    static const char *yes[] = {"1", "true", "t", "yes", "y", "on"};
    static const char *no[] = {"0", "false", "f", "no", "n", "off"};
    if (!s) return -1;
    size_t n = strlen(s);
    trim(&s, &n);
    for (size_t i = 0; i < 6; i++) {
        if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0) return *out = 1, 0;
        if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0) return *out = 0, 0;
    }
    return -1;
}

int parse_int(const char *s, long long *out)
{
    if (!s) return -1;
    size_t n = strlen(s);
    trim(&s, &n);
    int neg = 0;
    if (n && (*s == '+' || *s == '-')) neg = (*s == '-'), s++, n--;
    if (!n || !isdigit((unsigned char)*s) || !isdigit((unsigned char)s[n - 1])) return -1;
    unsigned long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') {
            if (s[i + 1] == '_') return -1; /* never at the end: checked above */
            continue;
        }
        if (!isdigit((unsigned char)s[i])) return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > ((unsigned long long)LLONG_MAX + 1 - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (!neg && v > (unsigned long long)LLONG_MAX) return -1;
    *out = neg ? (long long)(0 - v) : (long long)v;
    return 0;
}
