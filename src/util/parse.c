/* parse: option value parsers; see parse.h. */
#include "util/parse.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"

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

/* ---- durations: pytimeparse 1.1.8, then int(s, 10) ------------------------
 *
 * pytimeparse tries five anchored, case-insensitive regexes in order and
 * evaluates the first that matches. Each is parsed here by hand: in every
 * one of them the regex has a single way to match (a number must be followed
 * by a unit word or a ':', and a unit word by whitespace, a separator, the
 * next number or the end), so a greedy scanner accepts exactly the same
 * strings. */

enum { DUR_WEEKS, DUR_DAYS, DUR_HOURS, DUR_MINS, DUR_SECS, DUR_NFIELDS };

typedef struct dur_num {
    const char *p; /* NULL: the field is absent (Python None) */
    size_t n;
} dur_num;

/* Python's \s for the characters a command line can plausibly hold: the
 * ASCII ones (a byte >= 0x80 is part of a UTF-8 sequence, never a space by itself). */
static int dur_space(char c)
{
    unsigned char u = (unsigned char)c;
    return u < 0x80 && unicode_isspace(u);
}

static size_t dur_skip_space(const char *s, size_t n, size_t i)
{
    while (i < n && dur_space(s[i])) i++;
    return i;
}

static int dur_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The unit word s[0..n) (any case): its field, or -1. */
static int dur_unit(const char *s, size_t n)
{
    static const struct {
        const char *word;
        int field;
    } units[] = {
        {"w", DUR_WEEKS},   {"wk", DUR_WEEKS},   {"wks", DUR_WEEKS},      {"week", DUR_WEEKS},
        {"weeks", DUR_WEEKS}, {"d", DUR_DAYS},   {"dy", DUR_DAYS},        {"dys", DUR_DAYS},
        {"day", DUR_DAYS},  {"days", DUR_DAYS},  {"h", DUR_HOURS},        {"hr", DUR_HOURS},
        {"hrs", DUR_HOURS}, {"hour", DUR_HOURS}, {"hours", DUR_HOURS},    {"m", DUR_MINS},
        {"min", DUR_MINS},  {"mins", DUR_MINS},  {"minute", DUR_MINS},    {"minutes", DUR_MINS},
        {"s", DUR_SECS},    {"sec", DUR_SECS},   {"secs", DUR_SECS},      {"second", DUR_SECS},
        {"seconds", DUR_SECS},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
        if (strlen(units[i].word) == n && strncasecmp(s, units[i].word, n) == 0) return units[i].field;
    return -1;
}

/* `[\d.]+ \s* unit` at i: the unit's field (number in *num, *end past the
 * unit word), or -1. */
static int dur_unit_part(const char *s, size_t n, size_t i, dur_num *num, size_t *end)
{
    size_t j = i;
    while (j < n && (dur_digit(s[j]) || s[j] == '.')) j++;
    if (j == i) return -1;
    size_t k = dur_skip_space(s, n, j), l = k;
    while (l < n && ((s[l] >= 'a' && s[l] <= 'z') || (s[l] >= 'A' && s[l] <= 'Z'))) l++;
    int field = dur_unit(s + k, l - k);
    if (field < 0) return -1;
    *num = (dur_num){s + i, j - i};
    *end = l;
    return field;
}

/* Unit parts in weeks..secs order, each at most once, from i. Between parts
 * (and after the last one, except seconds) whitespace and one ',' or '/' are
 * allowed. Parses only fields in [0, last]; stops at the first thing that is
 * not such a part. Returns how many parts were read. */
static int dur_unit_parts(const char *s, size_t n, size_t *pi, int last, dur_num *f)
{
    size_t i = *pi;
    int next = 0, parts = 0;
    for (;;) {
        dur_num num;
        size_t end;
        int field = dur_unit_part(s, n, i, &num, &end);
        if (field < next || field > last) break; /* also field == -1 */
        f[field] = num;
        next = field + 1;
        parts++;
        i = dur_skip_space(s, n, end);
        *pi = i;
        if (field == DUR_SECS) break; /* seconds take no separator after them */
        if (i < n && (s[i] == ',' || s[i] == '/')) i = dur_skip_space(s, n, i + 1);
        *pi = i;
    }
    return parts;
}

/* `\d{2}(?:\.\d+)?` (clock seconds) at *pi. */
static int dur_clock_secs(const char *s, size_t n, size_t *pi, dur_num *num)
{
    size_t i = *pi;
    if (i + 2 > n || !dur_digit(s[i]) || !dur_digit(s[i + 1])) return -1;
    size_t j = i + 2;
    if (j + 1 < n && s[j] == '.' && dur_digit(s[j + 1])) {
        j += 2;
        while (j < n && dur_digit(s[j])) j++;
    }
    *num = (dur_num){s + i, j - i};
    *pi = j;
    return 0;
}

/* Exactly two digits then a ':' (clock minutes / hours). */
static int dur_two_digits_colon(const char *s, size_t n, size_t *pi, dur_num *num)
{
    size_t i = *pi;
    if (i + 3 > n || !dur_digit(s[i]) || !dur_digit(s[i + 1]) || s[i + 2] != ':') return -1;
    *num = (dur_num){s + i, 2};
    *pi = i + 3;
    return 0;
}

static size_t dur_digit_run(const char *s, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && dur_digit(s[j])) j++;
    return j - i;
}

/* Matches u[0..n) against pytimeparse's formats in order; fills f. */
static int dur_match(const char *u, size_t n, dur_num *f)
{
    size_t i0 = dur_skip_space(u, n, 0), i, d;

    /* 1. [W][D][H][M][S] unit form; needs at least one part */
    memset(f, 0, DUR_NFIELDS * sizeof(*f));
    i = i0;
    if (dur_unit_parts(u, n, &i, DUR_SECS, f) > 0 && dur_skip_space(u, n, i) == n) return 0;

    /* 2. MINCLOCK: M:SS with M one or two digits */
    memset(f, 0, DUR_NFIELDS * sizeof(*f));
    i = i0;
    d = dur_digit_run(u, n, i);
    if (d >= 1 && d <= 2 && i + d < n && u[i + d] == ':') {
        f[DUR_MINS] = (dur_num){u + i, d};
        i += d + 1;
        if (dur_clock_secs(u, n, &i, &f[DUR_SECS]) == 0 && dur_skip_space(u, n, i) == n) return 0;
    }

    /* 3. [W][D] H:MM:SS */
    memset(f, 0, DUR_NFIELDS * sizeof(*f));
    i = i0;
    (void)dur_unit_parts(u, n, &i, DUR_DAYS, f);
    d = dur_digit_run(u, n, i);
    if (d >= 1 && i + d < n && u[i + d] == ':') {
        f[DUR_HOURS] = (dur_num){u + i, d};
        i += d + 1;
        if (dur_two_digits_colon(u, n, &i, &f[DUR_MINS]) == 0 && dur_clock_secs(u, n, &i, &f[DUR_SECS]) == 0 &&
            dur_skip_space(u, n, i) == n)
            return 0;
    }

    /* 4. DAYCLOCK: D:HH:MM:SS or D-HH:MM:SS */
    memset(f, 0, DUR_NFIELDS * sizeof(*f));
    i = i0;
    d = dur_digit_run(u, n, i);
    if (d >= 1 && i + d < n && (u[i + d] == ':' || u[i + d] == '-')) {
        f[DUR_DAYS] = (dur_num){u + i, d};
        i += d + 1;
        if (dur_two_digits_colon(u, n, &i, &f[DUR_HOURS]) == 0 && dur_two_digits_colon(u, n, &i, &f[DUR_MINS]) == 0 &&
            dur_clock_secs(u, n, &i, &f[DUR_SECS]) == 0 && dur_skip_space(u, n, i) == n)
            return 0;
    }

    /* 5. SECCLOCK: :SS */
    memset(f, 0, DUR_NFIELDS * sizeof(*f));
    i = i0;
    if (i < n && u[i] == ':') {
        i++;
        if (dur_clock_secs(u, n, &i, &f[DUR_SECS]) == 0 && dur_skip_space(u, n, i) == n) return 0;
    }
    return -1;
}

static int dur_all_digits(dur_num v)
{
    for (size_t i = 0; i < v.n; i++)
        if (!dur_digit(v.p[i])) return 0;
    return 1;
}

/* Python float() of a `[\d.]+` string: at most one '.', at least one digit. */
static int dur_float(dur_num v, double *out)
{
    size_t dots = 0, digits = 0;
    for (size_t i = 0; i < v.n; i++) dots += v.p[i] == '.', digits += dur_digit(v.p[i]);
    if (dots > 1 || digits == 0) return -1;
    while (v.n > 1 && v.p[0] == '0' && dur_digit(v.p[1])) v.p++, v.n--;
    if (v.n > 400) { /* far beyond any timedelta: Python overflows later too */
        *out = HUGE_VAL;
        return 0;
    }
    char tmp[401];
    memcpy(tmp, v.p, v.n);
    tmp[v.n] = '\0';
    *out = strtod(tmp, NULL); /* correctly rounded, as Python's float() */
    return 0;
}

/* pytimeparse.timeparse: 1 = a duration, 0 = no format matched (None),
 * -1 = a format matched but a number in it is malformed (pytimeparse 1.1.8
 * raises ValueError, e.g. for "1.2.3s"). */
static int dur_timeparse(const char *s, double *out)
{
    static const double mult[DUR_NFIELDS] = {604800, 86400, 3600, 60, 1};
    size_t n = strlen(s);
    /* `\s*(?P<sign>[+-])?\s*(?P<unsigned>.*)$`: '.' stops at '\n', '$' may
     * sit before a final '\n'; pytimeparse crashes on any other newline. */
    size_t i = dur_skip_space(s, n, 0);
    double sign = 1;
    if (i < n && (s[i] == '+' || s[i] == '-')) sign = s[i] == '-' ? -1 : 1, i = dur_skip_space(s, n, i + 1);
    const char *u = s + i;
    size_t un = n - i;
    const char *nl = memchr(u, '\n', un);
    if (nl && nl != u + un - 1) return 0;
    if (nl) un--;

    dur_num f[DUR_NFIELDS];
    if (dur_match(u, un, f) < 0) return 0;

    int all_int = 1;
    for (int k = 0; k < DUR_NFIELDS; k++)
        if (f[k].p && !dur_all_digits(f[k])) all_int = 0;
    double total = 0, x;
    if (all_int) {
        for (int k = 0; k < DUR_NFIELDS; k++)
            if (f[k].p && dur_float(f[k], &x) == 0) total += mult[k] * x;
    } else if (!f[DUR_SECS].p || dur_all_digits(f[DUR_SECS])) {
        /* fractional larger units, whole seconds: int(sum of the rest) + secs */
        for (int k = 0; k < DUR_SECS; k++) {
            if (!f[k].p) continue;
            if (dur_float(f[k], &x) < 0) return -1;
            total += mult[k] * x;
        }
        total = trunc(total);
        if (f[DUR_SECS].p && dur_float(f[DUR_SECS], &x) == 0) total += x;
    } else {
        for (int k = 0; k < DUR_NFIELDS; k++) {
            if (!f[k].p) continue;
            if (dur_float(f[k], &x) < 0) return -1;
            total += mult[k] * x;
        }
    }
    total *= sign;
    *out = total == 0 ? 0 : total; /* no -0 */
    return isfinite(total) ? 1 : -1;
}

/* Appends the escape for byte c (or c itself) to o[0..cap) at *j, truncating. */
static void repr_put(char *o, size_t cap, size_t *j, const char *piece)
{
    for (; *piece; piece++)
        if (*j + 1 < cap) o[(*j)++] = *piece;
}

/* Python repr() of a str, as click's message shows the value: quotes chosen
 * as Python does, backslash and control characters escaped. */
static void py_repr(const char *s, char *o, size_t cap)
{
    char q = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';
    char qs[2] = {q, '\0'};
    size_t j = 0;
    repr_put(o, cap, &j, qs);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char e[5] = {(char)*p, '\0'};
        if (*p == '\\' || *p == (unsigned char)q) e[0] = '\\', e[1] = (char)*p, e[2] = '\0';
        else if (*p == '\n') memcpy(e, "\\n", 3);
        else if (*p == '\r') memcpy(e, "\\r", 3);
        else if (*p == '\t') memcpy(e, "\\t", 3);
        else if (*p < 0x20 || *p == 0x7F) snprintf(e, sizeof(e), "\\x%02x", *p);
        repr_put(o, cap, &j, e);
    }
    repr_put(o, cap, &j, qs);
    if (cap) o[j] = '\0';
}

/* A decimal number of seconds with a fraction ("0.5", "2.", ".25"), optional
 * sign and surrounding whitespace: 1 with the value, 0 if s is not one. */
static int dur_decimal(const char *s, double *out)
{
    size_t n = strlen(s), i = dur_skip_space(s, n, 0), digits = 0, dots = 0;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    size_t start = i;
    for (; i < n && (dur_digit(s[i]) || s[i] == '.'); i++) digits += dur_digit(s[i]), dots += s[i] == '.';
    if (digits == 0 || dots != 1 || dur_skip_space(s, n, i) != n) return 0;
    double v;
    if (dur_float((dur_num){s + start, i - start}, &v) != 0 || !isfinite(v)) return 0;
    *out = neg ? -v : v;
    return 1;
}

int parse_duration_msg(const char *s, double *seconds, char *err, size_t errlen)
{
    if (!s) s = "";
    double v;
    if (dur_timeparse(s, &v) == 1) {
        *seconds = v;
        return 0;
    }
    long long iv;
    if (parse_int(s, &iv) == 0) {
        if (iv < 0) {
            if (err && errlen) snprintf(err, errlen, "time duration can't be negative");
            return -1;
        }
        *seconds = (double)iv;
        return 0;
    }
    /* ours: pgai takes 0.5s but refuses a bare 0.5, which reads as seconds too */
    if (dur_decimal(s, &v)) {
        if (v < 0) {
            if (err && errlen) snprintf(err, errlen, "time duration can't be negative");
            return -1;
        }
        *seconds = v == 0 ? 0 : v;
        return 0;
    }
    if (err && errlen) {
        char r[256];
        py_repr(s, r, sizeof(r));
        snprintf(err, errlen, "%s is not a valid duration string or integer", r);
    }
    return -1;
}

int parse_duration(const char *s, double *seconds)
{
    return parse_duration_msg(s, seconds, NULL, 0);
}
