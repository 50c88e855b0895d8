/*
 * pyrepr: Python str()/repr() of PostgreSQL text-format values as psycopg
 * 3.2 decodes them; see pyrepr.h.
 *
 * Every renderer takes the value's text (s, n; s[n] is always a NUL) and a
 * `repr` flag: 0 for str() (the top-level value substituted into a
 * template), 1 for repr() (an element inside a list, dict or Range, where
 * Python shows strings quoted, Decimal('1.5'), datetime.date(...), ...).
 * Renderers return R_OK, R_ERR when the output buffer went past its cap, or
 * R_NOFIT when psycopg would refuse the value (or the text is not what
 * PostgreSQL produces); the top level then falls back to the plain text.
 */
#include "format/pyrepr.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/pyprintable.inc"
#include "util/utf8.h"

enum { R_ERR = -1, R_OK = 0, R_NOFIT = 1 };

#define TRY(expr)                                                                                                      \
    do {                                                                                                               \
        int try_rc_ = (expr);                                                                                          \
        if (try_rc_ != R_OK) return try_rc_;                                                                           \
    } while (0)

/* The cap of a scratch buffer holding a part of an n-byte value decoded
 * (bytea bytes, JSON strings, range bounds, array elements, digits):
 * decoding only removes quotes and escapes, so it never needs more than the
 * value's own text (+ 1, as a cap must be positive). */
#define SCRATCH_CAP(n) ((n) + 1)

/* Built-in type OIDs (pg_type.dat). */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_CHAR = 18,
    OID_NAME = 19,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_OID = 26,
    OID_JSON = 114,
    OID_CIDR = 650,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_INET = 869,
    OID_BPCHAR = 1042,
    OID_VARCHAR = 1043,
    OID_DATE = 1082,
    OID_TIME = 1083,
    OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184,
    OID_INTERVAL = 1186,
    OID_TIMETZ = 1266,
    OID_NUMERIC = 1700,
    OID_UUID = 2950,
    OID_JSONB = 3802,
    OID_INT4RANGE = 3904,
    OID_NUMRANGE = 3906,
    OID_TSRANGE = 3908,
    OID_TSTZRANGE = 3910,
    OID_DATERANGE = 3912,
    OID_INT8RANGE = 3926,
};

/*
 * The array types psycopg registers loaders for: the array of every built-in
 * type in its type registry. Arrays of any other type (enums, composites,
 * extension types) have no loader and come back as the plain text '{...}'.
 * Elements without a loader of their own are Python str.
 */
static const struct array_type {
    unsigned int array_oid, elem_oid;
    char delim;
} array_types[] = {
    {1034, 1033, ','}, {1561, 1560, ','}, {1000, 16, ','},   {1020, 603, ';'},  {1014, 1042, ','}, {1001, 17, ','},
    {1002, 18, ','},   {1012, 29, ','},   {651, 650, ','},   {719, 718, ','},   {1182, 1082, ','}, {1021, 700, ','},
    {1022, 701, ','},  {3644, 3642, ','}, {1041, 869, ','},  {1005, 21, ','},   {1006, 22, ','},   {1007, 23, ','},
    {1016, 20, ','},   {1187, 1186, ','}, {199, 114, ','},   {3807, 3802, ','}, {4073, 4072, ','}, {629, 628, ','},
    {1018, 601, ','},  {1040, 829, ','},  {775, 774, ','},   {791, 790, ','},   {1003, 19, ','},   {1231, 1700, ','},
    {1028, 26, ','},   {1013, 30, ','},   {1019, 602, ','},  {3221, 3220, ','}, {1017, 600, ','},  {1027, 604, ','},
    {2287, 2249, ','}, {2201, 1790, ','}, {2210, 2205, ','}, {4192, 4191, ','}, {3735, 3734, ','}, {3770, 3769, ','},
    {4090, 4089, ','}, {2208, 2203, ','}, {2209, 2204, ','}, {1008, 24, ','},   {2207, 2202, ','}, {4097, 4096, ','},
    {2211, 2206, ','}, {1009, 25, ','},   {1010, 27, ','},   {1183, 1083, ','}, {1115, 1114, ','}, {1185, 1184, ','},
    {1270, 1266, ','}, {3645, 3615, ','}, {3643, 3614, ','}, {2949, 2970, ','}, {2951, 2950, ','}, {1563, 1562, ','},
    {1015, 1043, ','}, {1011, 28, ','},   {271, 5069, ','},  {143, 142, ','},   {3913, 3912, ','}, {3905, 3904, ','},
    {3927, 3926, ','}, {3907, 3906, ','}, {3909, 3908, ','}, {3911, 3910, ','}, {6155, 4535, ','}, {6150, 4451, ','},
    {6157, 4536, ','}, {6151, 4532, ','}, {6152, 4533, ','}, {6153, 4534, ','},
};

static const struct array_type *find_array_type(unsigned int oid)
{
    for (size_t i = 0; i < sizeof(array_types) / sizeof(*array_types); i++)
        if (array_types[i].array_oid == oid) return &array_types[i];
    return NULL;
}

static int render_value(unsigned int oid, const char *s, size_t n, int repr, buf *out);

static int put(buf *out, const char *s, size_t n)
{
    return buf_append(out, s, n) == 0 ? R_OK : R_ERR;
}

static int puts_(buf *out, const char *s)
{
    return put(out, s, strlen(s));
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---------------------------------------------------------------------------
 * Python str repr
 * ------------------------------------------------------------------------ */

static int is_nonprintable(uint32_t cp)
{
    size_t lo = 0, hi = sizeof(py_nonprintable) / sizeof(*py_nonprintable);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < py_nonprintable[mid][0])
            hi = mid;
        else if (cp > py_nonprintable[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

int pyrepr_str(const char *s, size_t n, buf *out)
{
    if (n == 0) return buf_puts(out, "''"); /* s may be NULL then */
    /* Python quotes with ' unless the text has a ' and no ". */
    int has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    const unsigned char *p = (const unsigned char *)s;
    if (buf_append(out, &q, 1) != 0) return -1;
    size_t i = 0;
    while (i < n) {
        /* Copy runs of characters that need no escaping in one append. */
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7F && p[run] != '\\' && p[run] != (unsigned char)q) run++;
        if (run > i) {
            if (buf_append(out, p + i, run - i) != 0) return -1;
            i = run;
            if (i == n) break;
        }
        uint32_t cp;
        /* WTF-8: JSON strings may hold lone surrogates ("\ud800"), which
         * Python keeps in its str and repr() escapes */
        size_t len = wtf8_decode(p + i, n - i, &cp);
        int rc;
        if (len == 0) {
            /* Not reachable for text from a UTF-8 database; keep the output valid. */
            rc = buf_puts(out, "\xEF\xBF\xBD");
            len = 1;
        } else if (cp == (uint32_t)q || cp == '\\') {
            char e[2] = {'\\', (char)cp};
            rc = buf_append(out, e, 2);
        } else if (cp == '\t') {
            rc = buf_puts(out, "\\t");
        } else if (cp == '\n') {
            rc = buf_puts(out, "\\n");
        } else if (cp == '\r') {
            rc = buf_puts(out, "\\r");
        } else if (cp < 0x20 || cp == 0x7F) {
            rc = buf_printf(out, "\\x%02x", (unsigned)cp);
        } else if (cp < 0x7F || !is_nonprintable(cp)) {
            rc = buf_append(out, p + i, len);
        } else if (cp <= 0xFF) {
            rc = buf_printf(out, "\\x%02x", (unsigned)cp);
        } else if (cp <= 0xFFFF) {
            rc = buf_printf(out, "\\u%04x", (unsigned)cp);
        } else {
            rc = buf_printf(out, "\\U%08x", (unsigned)cp);
        }
        if (rc != 0) return -1;
        i += len;
    }
    return buf_append(out, &q, 1);
}

/* Text as Python str: as is for str(), quoted for repr(). */
static int render_text(const char *s, size_t n, int repr, buf *out)
{
    if (repr) return pyrepr_str(s, n, out) == 0 ? R_OK : R_ERR;
    return put(out, s, n);
}

/* ---------------------------------------------------------------------------
 * bytes
 * ------------------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Python bytes repr; str(bytes) is the same text. */
static int bytes_repr(const unsigned char *b, size_t n, buf *out)
{
    int has_sq = memchr(b, '\'', n) != NULL, has_dq = memchr(b, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    char head[2] = {'b', q};
    TRY(put(out, head, 2));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = b[i];
        char e[4];
        size_t len = 2;
        e[0] = '\\';
        if (c == (unsigned char)q || c == '\\') {
            e[1] = (char)c;
        } else if (c == '\t') {
            e[1] = 't';
        } else if (c == '\n') {
            e[1] = 'n';
        } else if (c == '\r') {
            e[1] = 'r';
        } else if (c < 0x20 || c >= 0x7F) {
            static const char hex[] = "0123456789abcdef";
            e[1] = 'x', e[2] = hex[c >> 4], e[3] = hex[c & 15];
            len = 4;
        } else {
            e[0] = (char)c;
            len = 1;
        }
        TRY(put(out, e, len));
    }
    return put(out, &q, 1);
}

/* bytea text output, hex ("\x0102") or escape format ("a\\001"). */
static int render_bytea(const char *s, size_t n, buf *out)
{
    buf raw;
    buf_init(&raw, SCRATCH_CAP(n));
    int rc = R_OK;
    if (n >= 2 && s[0] == '\\' && s[1] == 'x') {
        if ((n - 2) % 2 != 0) return R_NOFIT;
        for (size_t i = 2; i < n && rc == R_OK; i += 2) {
            int hi = hexval(s[i]), lo = hexval(s[i + 1]);
            if (hi < 0 || lo < 0) {
                rc = R_NOFIT;
                break;
            }
            unsigned char c = (unsigned char)(hi << 4 | lo);
            rc = put(&raw, (const char *)&c, 1);
        }
    } else {
        for (size_t i = 0; i < n && rc == R_OK;) {
            unsigned char c = (unsigned char)s[i];
            if (c != '\\') {
                i++;
            } else if (i + 1 < n && s[i + 1] == '\\') {
                i += 2;
            } else if (i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
                       s[i + 3] >= '0' && s[i + 3] <= '7') {
                c = (unsigned char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
                i += 4;
            } else {
                rc = R_NOFIT;
                break;
            }
            rc = put(&raw, (const char *)&c, 1);
        }
    }
    if (rc == R_OK) rc = bytes_repr((const unsigned char *)(raw.data ? raw.data : ""), raw.len, out);
    buf_free(&raw);
    return rc;
}

/* ---------------------------------------------------------------------------
 * numbers
 * ------------------------------------------------------------------------ */

/* Python int(text): PostgreSQL's integer output is already canonical. */
static int render_int(const char *s, size_t n, buf *out)
{
    size_t i = s[0] == '-' ? 1 : 0;
    if (i == n) return R_NOFIT;
    for (size_t k = i; k < n; k++)
        if (!is_digit(s[k])) return R_NOFIT;
    return put(out, s, n);
}

/* strtod over a counted string; 1 when the whole text is a number. */
static int parse_double(const char *s, size_t n, double *x)
{
    char small[128];
    char *tmp = n < sizeof(small) ? small : malloc(n + 1);
    if (!tmp) return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    *x = strtod(tmp, &end);
    int ok = n > 0 && end == tmp + n;
    if (tmp != small) free(tmp);
    return ok;
}

/* Digits of x (> 0, finite) in "%.*e" form: mantissa digits and exponent. */
static void sci_digits(double x, int prec, char *digits, int *ndig, int *exp10)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
    int k = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (is_digit(*p)) digits[k++] = *p;
    digits[k] = '\0';
    *ndig = k;
    *exp10 = *p == 'e' ? atoi(p + 1) : 0;
}

static double digits_value(const char *digits, int ndig, int exp10)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%c.%se%d", digits[0], ndig > 1 ? digits + 1 : "0", exp10);
    return strtod(tmp, NULL);
}

/*
 * Shortest digit string that reads back as x, as Python's repr (David Gay's
 * mode 0). The correctly rounded p-digit string is tried for p = 1..17; when
 * it misses, its neighbour on the other side of x can still be inside x's
 * rounding interval (which is lopsided at powers of two), so that one is
 * tried too. Any other p-digit string is farther from x than one of these.
 */
static void shortest_digits(double x, char *digits, int *ndig, int *exp10)
{
    for (int p = 1; p <= 17; p++) {
        sci_digits(x, p, digits, ndig, exp10);
        double v = digits_value(digits, *ndig, *exp10);
        if (v == x) break;
        /* neighbour: +1 or -1 in the last digit, without changing the digit count */
        char nb[32];
        memcpy(nb, digits, (size_t)*ndig + 1);
        int i = *ndig - 1, ok = 1;
        if (v < x) {
            while (i >= 0 && nb[i] == '9') nb[i--] = '0';
            if (i < 0) ok = 0;
            else nb[i]++;
        } else {
            while (i >= 0 && nb[i] == '0') nb[i--] = '9';
            if (i < 0 || (i == 0 && nb[0] == '1' && *ndig > 1)) ok = 0;
            else nb[i]--;
        }
        if (ok && nb[0] != '0' && digits_value(nb, *ndig, *exp10) == x) {
            memcpy(digits, nb, (size_t)*ndig + 1);
            break;
        }
    }
    while (*ndig > 1 && digits[*ndig - 1] == '0') digits[--*ndig] = '\0';
}

int pyrepr_float(double x, buf *out)
{
    if (isnan(x)) return buf_puts(out, "nan");
    if (isinf(x)) return buf_puts(out, x < 0 ? "-inf" : "inf");
    if (x == 0) return buf_puts(out, signbit(x) ? "-0.0" : "0.0");
    char d[32];
    int nd, e;
    if (x < 0 && buf_puts(out, "-") != 0) return -1;
    shortest_digits(fabs(x), d, &nd, &e);
    if (e >= -4 && e < 16) {
        /* fixed notation, always with a fractional part */
        int point = e + 1; /* digits before the decimal point */
        if (point <= 0) {
            if (buf_puts(out, "0.") != 0) return -1;
            for (int k = 0; k < -point; k++)
                if (buf_puts(out, "0") != 0) return -1;
            return buf_append(out, d, (size_t)nd);
        }
        if (point >= nd) {
            if (buf_append(out, d, (size_t)nd) != 0) return -1;
            for (int k = nd; k < point; k++)
                if (buf_puts(out, "0") != 0) return -1;
            return buf_puts(out, ".0");
        }
        if (buf_append(out, d, (size_t)point) != 0 || buf_puts(out, ".") != 0) return -1;
        return buf_append(out, d + point, (size_t)(nd - point));
    }
    if (buf_append(out, d, 1) != 0) return -1;
    if (nd > 1 && (buf_puts(out, ".") != 0 || buf_append(out, d + 1, (size_t)(nd - 1)) != 0)) return -1;
    return buf_printf(out, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
}

/* float(text): psycopg's text loader for float4 and float8 alike. */
static int render_float(const char *s, size_t n, buf *out)
{
    double x;
    if (!parse_double(s, n, &x)) return R_NOFIT;
    return pyrepr_float(x, out) == 0 ? R_OK : R_ERR;
}

/* Decimal(text) and its str() (Decimal.__str__ with eng=False). */
static int render_numeric(const char *s, size_t n, int repr, buf *out)
{
    if (repr) TRY(puts_(out, "Decimal('"));
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    const char *rest = s + i;
    size_t rn = n - i;
    if ((rn == 3 && strncmp(rest, "NaN", 3) == 0) || (rn == 8 && strncmp(rest, "Infinity", 8) == 0)) {
        /* Decimal keeps the sign of infinities; PostgreSQL's NaN has none */
        if (neg) TRY(puts_(out, "-"));
        TRY(put(out, rest, rn));
        return repr ? puts_(out, "')") : R_OK;
    }
    /* coefficient digits with leading zeros dropped, and the exponent */
    size_t int_start = i;
    while (i < n && is_digit(s[i])) i++;
    size_t int_end = i, frac_start = i, frac_end = i;
    if (i < n && s[i] == '.') {
        frac_start = ++i;
        while (i < n && is_digit(s[i])) i++;
        frac_end = i;
    }
    if (int_end == int_start && frac_end == frac_start) return R_NOFIT;
    long long exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        if (i == n) return R_NOFIT;
        for (; i < n && is_digit(s[i]); i++) {
            if (exp > 100000000) return R_NOFIT;
            exp = exp * 10 + (s[i] - '0');
        }
        if (eneg) exp = -exp;
    }
    if (i != n) return R_NOFIT;
    exp -= (long long)(frac_end - frac_start);

    buf coef;
    buf_init(&coef, SCRATCH_CAP(n));
    int rc = put(&coef, s + int_start, int_end - int_start);
    if (rc == R_OK) rc = put(&coef, s + frac_start, frac_end - frac_start);
    if (rc != R_OK) {
        buf_free(&coef);
        return rc;
    }
    const char *c = coef.data;
    size_t cn = coef.len;
    while (cn > 1 && c[0] == '0') c++, cn--;

    long long leftdigits = exp + (long long)cn;
    long long dotplace = (exp <= 0 && leftdigits > -6) ? leftdigits : 1;
    if (neg) rc = puts_(out, "-");
    if (rc == R_OK) {
        if (dotplace <= 0) {
            rc = puts_(out, "0.");
            for (long long k = 0; k < -dotplace && rc == R_OK; k++) rc = puts_(out, "0");
            if (rc == R_OK) rc = put(out, c, cn);
        } else if (dotplace >= (long long)cn) {
            rc = put(out, c, cn);
            for (long long k = (long long)cn; k < dotplace && rc == R_OK; k++) rc = puts_(out, "0");
        } else {
            rc = put(out, c, (size_t)dotplace);
            if (rc == R_OK) rc = puts_(out, ".");
            if (rc == R_OK) rc = put(out, c + dotplace, cn - (size_t)dotplace);
        }
    }
    if (rc == R_OK && leftdigits != dotplace)
        rc = buf_printf(out, "E%+lld", leftdigits - dotplace) == 0 ? R_OK : R_ERR;
    buf_free(&coef);
    if (rc == R_OK && repr) rc = puts_(out, "')");
    return rc;
}

/* ---------------------------------------------------------------------------
 * date and time
 * ------------------------------------------------------------------------ */

typedef struct pydt {
    int year, month, day;
    int hour, minute, second, usec;
    int has_tz;
    int tzoff; /* seconds east of UTC */
} pydt;

/* Reads exactly `width` digits (width 0: one or more) into *v. */
static int read_num(const char *s, size_t n, size_t *i, int width, long long *v)
{
    size_t start = *i;
    long long x = 0;
    while (*i < n && is_digit(s[*i]) && (width == 0 || (int)(*i - start) < width)) {
        if (x > 100000000000LL) return -1;
        x = x * 10 + (s[*i] - '0');
        (*i)++;
    }
    if (*i == start || (width && (int)(*i - start) != width)) return -1;
    *v = x;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

/* YYYY-MM-DD as datetime.date accepts it (years 1..9999). */
static int parse_date(const char *s, size_t n, size_t *i, pydt *d)
{
    long long y, m, dd;
    size_t start = *i;
    if (read_num(s, n, i, 0, &y) || *i - start < 4) return -1;
    if (*i >= n || s[(*i)++] != '-' || read_num(s, n, i, 2, &m)) return -1;
    if (*i >= n || s[(*i)++] != '-' || read_num(s, n, i, 2, &dd)) return -1;
    if (y < 1 || y > 9999 || m < 1 || m > 12 || dd < 1 || dd > days_in_month((int)y, (int)m)) return -1;
    d->year = (int)y, d->month = (int)m, d->day = (int)dd;
    return 0;
}

/* HH:MM:SS[.ffffff] with hour < 24 (psycopg rejects 24:00:00). */
static int parse_time(const char *s, size_t n, size_t *i, pydt *d)
{
    long long h, m, sec;
    if (read_num(s, n, i, 2, &h)) return -1;
    if (*i >= n || s[(*i)++] != ':' || read_num(s, n, i, 2, &m)) return -1;
    if (*i >= n || s[(*i)++] != ':' || read_num(s, n, i, 2, &sec)) return -1;
    if (h > 23 || m > 59 || sec > 59) return -1;
    d->hour = (int)h, d->minute = (int)m, d->second = (int)sec, d->usec = 0;
    if (*i < n && s[*i] == '.') {
        (*i)++;
        int digits = 0, us = 0;
        while (*i < n && is_digit(s[*i])) {
            if (digits < 6) us = us * 10 + (s[*i] - '0');
            digits++;
            (*i)++;
        }
        if (digits == 0) return -1;
        for (; digits < 6; digits++) us *= 10;
        d->usec = us;
    }
    return 0;
}

/* +HH[:MM[:SS]] */
static int parse_offset(const char *s, size_t n, size_t *i, pydt *d)
{
    if (*i >= n || (s[*i] != '+' && s[*i] != '-')) return -1;
    int neg = s[(*i)++] == '-';
    long long h, m = 0, sec = 0;
    if (read_num(s, n, i, 2, &h)) return -1;
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (read_num(s, n, i, 2, &m)) return -1;
        if (*i < n && s[*i] == ':') {
            (*i)++;
            if (read_num(s, n, i, 2, &sec)) return -1;
        }
    }
    long long off = h * 3600 + m * 60 + sec;
    if (off >= 86400) return -1;
    d->has_tz = 1;
    d->tzoff = (int)(neg ? -off : off);
    return 0;
}

/* Python's utcoffset formatting in str()/isoformat(): +HH:MM[:SS]. */
static int put_offset(buf *out, int off)
{
    char sign = off < 0 ? '-' : '+';
    int a = off < 0 ? -off : off;
    if (a % 60) return buf_printf(out, "%c%02d:%02d:%02d", sign, a / 3600, a / 60 % 60, a % 60) == 0 ? R_OK : R_ERR;
    return buf_printf(out, "%c%02d:%02d", sign, a / 3600, a / 60 % 60) == 0 ? R_OK : R_ERR;
}

/* repr() of a timedelta: only the non-zero fields, datetime.timedelta(0) when all are zero. */
static int put_timedelta_repr(buf *out, long long days, long long secs, long long us)
{
    TRY(puts_(out, "datetime.timedelta("));
    const char *sep = "";
    if (days) {
        TRY(buf_printf(out, "days=%lld", days) == 0 ? R_OK : R_ERR);
        sep = ", ";
    }
    if (secs) {
        TRY(buf_printf(out, "%sseconds=%lld", sep, secs) == 0 ? R_OK : R_ERR);
        sep = ", ";
    }
    if (us) TRY(buf_printf(out, "%smicroseconds=%lld", sep, us) == 0 ? R_OK : R_ERR);
    if (!days && !secs && !us) TRY(puts_(out, "0"));
    return puts_(out, ")");
}

/*
 * repr() of a fixed-offset tzinfo: psycopg builds timetz offsets with
 * datetime.timezone(timedelta(seconds=...)), which is timezone.utc at 0.
 */
static int put_tz_repr(buf *out, int off)
{
    if (off == 0) return puts_(out, "datetime.timezone.utc");
    TRY(puts_(out, "datetime.timezone("));
    long long days = off < 0 ? -1 : 0, secs = off < 0 ? off + 86400 : off;
    TRY(put_timedelta_repr(out, days, secs, 0));
    return puts_(out, ")");
}

/* "h, m[, s[, us]]" as in the repr of time and datetime. */
static int put_hms_args(buf *out, const pydt *d)
{
    TRY(buf_printf(out, "%d, %d", d->hour, d->minute) == 0 ? R_OK : R_ERR);
    if (d->usec) return buf_printf(out, ", %d, %d", d->second, d->usec) == 0 ? R_OK : R_ERR;
    if (d->second) return buf_printf(out, ", %d", d->second) == 0 ? R_OK : R_ERR;
    return R_OK;
}

static int put_hms(buf *out, const pydt *d)
{
    TRY(buf_printf(out, "%02d:%02d:%02d", d->hour, d->minute, d->second) == 0 ? R_OK : R_ERR);
    if (d->usec) TRY(buf_printf(out, ".%06d", d->usec) == 0 ? R_OK : R_ERR);
    return R_OK;
}

static int render_date(const char *s, size_t n, int repr, buf *out)
{
    pydt d = {0};
    size_t i = 0;
    /* psycopg's text loader takes exactly 10 characters */
    if (n != 10 || parse_date(s, n, &i, &d) || i != n) return R_NOFIT;
    if (repr) return buf_printf(out, "datetime.date(%d, %d, %d)", d.year, d.month, d.day) == 0 ? R_OK : R_ERR;
    return put(out, s, n);
}

static int render_time(const char *s, size_t n, int with_tz, int repr, buf *out)
{
    pydt d = {0};
    size_t i = 0;
    if (parse_time(s, n, &i, &d)) return R_NOFIT;
    if (with_tz && parse_offset(s, n, &i, &d)) return R_NOFIT;
    if (i != n) return R_NOFIT;
    if (repr) {
        TRY(puts_(out, "datetime.time("));
        TRY(put_hms_args(out, &d));
        if (with_tz) {
            TRY(puts_(out, ", tzinfo="));
            TRY(put_tz_repr(out, d.tzoff));
        }
        return puts_(out, ")");
    }
    TRY(put_hms(out, &d));
    return with_tz ? put_offset(out, d.tzoff) : R_OK;
}

/*
 * timestamp / timestamptz. For timestamptz psycopg converts the value to the
 * connection's time zone, the zone PostgreSQL already used for the text, so
 * wall time and offset are those of the text.
 */
static int render_timestamp(const char *s, size_t n, int with_tz, int repr, buf *out)
{
    pydt d = {0};
    size_t i = 0;
    if (parse_date(s, n, &i, &d) || i >= n || s[i++] != ' ' || parse_time(s, n, &i, &d)) return R_NOFIT;
    if (with_tz && parse_offset(s, n, &i, &d)) return R_NOFIT;
    if (i != n) return R_NOFIT; /* " BC" and the like */
    if (repr) {
        TRY(buf_printf(out, "datetime.datetime(%d, %d, %d, ", d.year, d.month, d.day) == 0 ? R_OK : R_ERR);
        TRY(put_hms_args(out, &d));
        if (with_tz) {
            /* The real tzinfo is a ZoneInfo named after the session TimeZone,
             * which this value does not carry: show the fixed offset. */
            TRY(puts_(out, ", tzinfo="));
            TRY(put_tz_repr(out, d.tzoff));
        }
        return puts_(out, ")");
    }
    TRY(buf_printf(out, "%04d-%02d-%02d ", d.year, d.month, d.day) == 0 ? R_OK : R_ERR);
    TRY(put_hms(out, &d));
    return with_tz ? put_offset(out, d.tzoff) : R_OK;
}

/*
 * interval (IntervalStyle=postgres) to timedelta the way psycopg converts it:
 * a year is 365 days, a month 30 days, then days and the signed time part.
 */
static int render_interval(const char *s, size_t n, int repr, buf *out)
{
    long long days = 0, tsecs = 0, tus = 0;
    size_t i = 0;
    while (i < n) {
        int neg = 0;
        if (s[i] == '-' || s[i] == '+') neg = s[i++] == '-';
        long long v;
        if (read_num(s, n, &i, 0, &v)) return R_NOFIT;
        if (i < n && s[i] == ' ') {
            /* "N unit" */
            size_t w = ++i;
            while (i < n && s[i] != ' ') i++;
            long long mult;
            if (s[w] == 'y')
                mult = 365;
            else if (s[w] == 'm')
                mult = 30;
            else if (s[w] == 'd')
                mult = 1;
            else
                return R_NOFIT;
            if (v > 1000000000LL) return R_NOFIT;
            days += (neg ? -v : v) * mult;
            if (i < n) i++; /* the space before the next part */
            continue;
        }
        /* "[-]H:MM:SS[.ffffff]": hours are not limited to 24 */
        long long m, sec;
        if (i >= n || s[i++] != ':' || read_num(s, n, &i, 2, &m)) return R_NOFIT;
        if (i >= n || s[i++] != ':' || read_num(s, n, &i, 2, &sec)) return R_NOFIT;
        long long us = 0;
        if (i < n && s[i] == '.') {
            i++;
            int digits = 0;
            while (i < n && is_digit(s[i])) {
                if (digits < 6) us = us * 10 + (s[i] - '0');
                digits++;
                i++;
            }
            if (digits == 0) return R_NOFIT;
            for (; digits < 6; digits++) us *= 10;
        }
        if (i != n || v > 3000000000LL) return R_NOFIT;
        long long total = v * 3600 + m * 60 + sec;
        /* fold whole days out first so nothing overflows */
        long long tdays = total / 86400;
        total %= 86400;
        if (neg) tdays = -tdays, total = -total, us = -us;
        days += tdays;
        tsecs = total;
        tus = us;
    }
    /* normalise as timedelta does: 0 <= seconds < 86400, 0 <= microseconds < 1e6 */
    long long t = tsecs * 1000000 + tus;
    if (t < 0) {
        days -= 1;
        t += 86400LL * 1000000;
    }
    long long secs = t / 1000000, us = t % 1000000;
    if (days > 999999999 || days < -999999999) return R_NOFIT;
    if (repr) return put_timedelta_repr(out, days, secs, us);
    if (days) TRY(buf_printf(out, "%lld day%s, ", days, (days == 1 || days == -1) ? "" : "s") == 0 ? R_OK : R_ERR);
    TRY(buf_printf(out, "%lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60) == 0 ? R_OK : R_ERR);
    if (us) TRY(buf_printf(out, ".%06lld", us) == 0 ? R_OK : R_ERR);
    return R_OK;
}

/* ---------------------------------------------------------------------------
 * uuid, inet
 * ------------------------------------------------------------------------ */

static int render_uuid(const char *s, size_t n, int repr, buf *out)
{
    char u[37];
    if (n != 36) return R_NOFIT;
    for (size_t i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : hexval(s[i]) < 0) return R_NOFIT;
        u[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
    }
    u[36] = '\0';
    if (repr) return buf_printf(out, "UUID('%s')", u) == 0 ? R_OK : R_ERR;
    return put(out, u, 36);
}

/*
 * inet -> ipaddress.ip_address or ip_interface (with a prefix), cidr ->
 * ip_network. Their str() is PostgreSQL's text for IPv4; the IPv6 forms
 * both sides produce are compressed the same way in the common cases.
 */
static int render_inet(const char *s, size_t n, int is_cidr, int repr, buf *out)
{
    if (!repr) return put(out, s, n);
    int v6 = memchr(s, ':', n) != NULL, prefix = memchr(s, '/', n) != NULL;
    const char *kind = is_cidr ? "Network" : prefix ? "Interface" : "Address";
    TRY(buf_printf(out, "IPv%c%s(", v6 ? '6' : '4', kind) == 0 ? R_OK : R_ERR);
    TRY(pyrepr_str(s, n, out) == 0 ? R_OK : R_ERR);
    return puts_(out, ")");
}

/* ---------------------------------------------------------------------------
 * json / jsonb -> json.loads() result
 * ------------------------------------------------------------------------ */

enum jkind { J_NULL, J_TRUE, J_FALSE, J_INT, J_FLOAT, J_STR, J_ARR, J_OBJ };

typedef struct jnode {
    enum jkind kind;
    size_t a, b; /* INT/FLOAT: source offset, length; STR: offset, length in strs;
                    ARR: first kid, count; OBJ: first kid, pair count (key, value kids) */
} jnode;

typedef struct jctx {
    const char *s;
    size_t n, pos;
    int depth;
    buf strs;
    jnode *nodes;
    size_t nn, ncap;
    size_t *kids;
    size_t nk, kcap;
    size_t *stack;
    size_t ns, scap;
} jctx;

/* Python's C json decoder and str() of nested containers recurse; past
 * this depth the Python worker fails, here the text is used as is. */
#define JSON_MAX_DEPTH 1000

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) ncap *= 2;
    void *q = realloc(*p, ncap * elem);
    if (!q) return -1;
    *p = q;
    *cap = ncap;
    return 0;
}

static long j_new(jctx *j, enum jkind kind, size_t a, size_t b)
{
    if (grow((void **)&j->nodes, &j->ncap, j->nn + 1, sizeof(jnode))) return -1;
    j->nodes[j->nn] = (jnode){kind, a, b};
    return (long)j->nn++;
}

static int j_push(jctx *j, size_t idx)
{
    if (grow((void **)&j->stack, &j->scap, j->ns + 1, sizeof(size_t))) return -1;
    j->stack[j->ns++] = idx;
    return 0;
}

/* Moves the stack entries from `base` into the kids array; returns their start. */
static long j_collect(jctx *j, size_t base)
{
    size_t cnt = j->ns - base;
    if (grow((void **)&j->kids, &j->kcap, j->nk + cnt + 1, sizeof(size_t))) return -1;
    size_t start = j->nk;
    if (cnt) memcpy(j->kids + start, j->stack + base, cnt * sizeof(size_t));
    j->nk += cnt;
    j->ns = base;
    return (long)start;
}

static void j_ws(jctx *j)
{
    while (j->pos < j->n && (j->s[j->pos] == ' ' || j->s[j->pos] == '\t' || j->s[j->pos] == '\n' || j->s[j->pos] == '\r'))
        j->pos++;
}

static int put_utf8(buf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t len;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp, len = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3F)), len = 2;
    } else if (cp < 0x10000) {
        /* surrogates too: a lone one is kept, as Python's str keeps it */
        u[0] = (unsigned char)(0xE0 | cp >> 12), u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F)), len = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18), u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)), u[3] = (unsigned char)(0x80 | (cp & 0x3F)), len = 4;
    }
    return buf_append(b, u, len);
}

static int j_hex4(jctx *j, uint32_t *v)
{
    if (j->pos + 4 > j->n) return -1;
    uint32_t x = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(j->s[j->pos + (size_t)k]);
        if (h < 0) return -1;
        x = x << 4 | (uint32_t)h;
    }
    j->pos += 4;
    *v = x;
    return 0;
}

/* A string (pos at the opening quote) decoded into strs; returns the node. */
static long j_string(jctx *j)
{
    j->pos++;
    size_t off = j->strs.len;
    for (;;) {
        if (j->pos >= j->n) return -1;
        size_t run = j->pos;
        while (run < j->n && j->s[run] != '"' && j->s[run] != '\\' && (unsigned char)j->s[run] >= 0x20) run++;
        if (run > j->pos && buf_append(&j->strs, j->s + j->pos, run - j->pos)) return -1;
        j->pos = run;
        if (j->pos >= j->n || (unsigned char)j->s[j->pos] < 0x20) return -1;
        char c = j->s[j->pos++];
        if (c == '"') break;
        /* backslash escape */
        if (j->pos >= j->n) return -1;
        char e = j->s[j->pos++];
        uint32_t cp;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (j_hex4(j, &cp)) return -1;
            /* a high surrogate followed by \u low surrogate is one character */
            if (cp >= 0xD800 && cp <= 0xDBFF && j->pos + 6 <= j->n && j->s[j->pos] == '\\' && j->s[j->pos + 1] == 'u') {
                size_t save = j->pos;
                uint32_t lo;
                j->pos += 2;
                if (j_hex4(j, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else
                    j->pos = save;
            }
            break;
        default: return -1;
        }
        if (put_utf8(&j->strs, cp)) return -1;
    }
    return j_new(j, J_STR, off, j->strs.len - off);
}

static long j_number(jctx *j)
{
    size_t start = j->pos;
    int is_float = 0;
    if (j->pos < j->n && j->s[j->pos] == '-') j->pos++;
    if (j->pos >= j->n || !is_digit(j->s[j->pos])) return -1;
    if (j->s[j->pos] == '0')
        j->pos++;
    else
        while (j->pos < j->n && is_digit(j->s[j->pos])) j->pos++;
    if (j->pos < j->n && j->s[j->pos] == '.') {
        is_float = 1;
        j->pos++;
        if (j->pos >= j->n || !is_digit(j->s[j->pos])) return -1;
        while (j->pos < j->n && is_digit(j->s[j->pos])) j->pos++;
    }
    if (j->pos < j->n && (j->s[j->pos] == 'e' || j->s[j->pos] == 'E')) {
        is_float = 1;
        j->pos++;
        if (j->pos < j->n && (j->s[j->pos] == '+' || j->s[j->pos] == '-')) j->pos++;
        if (j->pos >= j->n || !is_digit(j->s[j->pos])) return -1;
        while (j->pos < j->n && is_digit(j->s[j->pos])) j->pos++;
    }
    /* Python's int() refuses more than 4300 digits by default */
    if (!is_float && j->pos - start > 4300) return -1;
    return j_new(j, is_float ? J_FLOAT : J_INT, start, j->pos - start);
}

static long j_value(jctx *j)
{
    j_ws(j);
    if (j->pos >= j->n) return -1;
    char c = j->s[j->pos];
    if (c == '{' || c == '[') {
        if (++j->depth > JSON_MAX_DEPTH) return -1;
        int obj = c == '{';
        char close = obj ? '}' : ']';
        size_t base = j->ns, count = 0;
        j->pos++;
        j_ws(j);
        if (j->pos < j->n && j->s[j->pos] == close) {
            j->pos++;
        } else {
            for (;;) {
                if (obj) {
                    j_ws(j);
                    if (j->pos >= j->n || j->s[j->pos] != '"') return -1;
                    long k = j_string(j);
                    if (k < 0 || j_push(j, (size_t)k)) return -1;
                    j_ws(j);
                    if (j->pos >= j->n || j->s[j->pos] != ':') return -1;
                    j->pos++;
                }
                long v = j_value(j);
                if (v < 0 || j_push(j, (size_t)v)) return -1;
                count++;
                j_ws(j);
                if (j->pos >= j->n) return -1;
                if (j->s[j->pos] == ',') {
                    j->pos++;
                    continue;
                }
                if (j->s[j->pos] != close) return -1;
                j->pos++;
                break;
            }
        }
        j->depth--;
        long start = j_collect(j, base);
        if (start < 0) return -1;
        return j_new(j, obj ? J_OBJ : J_ARR, (size_t)start, count);
    }
    if (c == '"') return j_string(j);
    if (c == '-' || is_digit(c)) return j_number(j);
    static const struct {
        const char *word;
        enum jkind kind;
    } words[] = {{"null", J_NULL}, {"true", J_TRUE}, {"false", J_FALSE}};
    for (size_t k = 0; k < 3; k++) {
        size_t len = strlen(words[k].word);
        if (j->n - j->pos >= len && memcmp(j->s + j->pos, words[k].word, len) == 0) {
            j->pos += len;
            return j_new(j, words[k].kind, 0, 0);
        }
    }
    return -1;
}

typedef struct jkey {
    const char *k;
    size_t len, pair;
} jkey;

static int jkey_cmp(const void *pa, const void *pb)
{
    const jkey *a = pa, *b = pb;
    size_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->k, b->k, m);
    if (c) return c;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return a->pair < b->pair ? -1 : a->pair > b->pair;
}

static int j_render(const jctx *j, size_t idx, int repr, buf *out);

/*
 * A dict built from the pairs: a repeated key (possible in json, not in
 * jsonb) keeps the place of its first occurrence and the last value.
 */
static int j_render_object(const jctx *j, const jnode *nd, buf *out)
{
    size_t np = nd->b;
    const size_t *kids = j->kids + nd->a;
    size_t *value_of = NULL; /* per pair: value node to show, or SIZE_MAX to skip */
    jkey *keys = NULL;
    int rc = R_OK;
    if (np > 1) {
        value_of = malloc(np * sizeof(*value_of));
        keys = malloc(np * sizeof(*keys));
        if (!value_of || !keys) {
            free(value_of);
            free(keys);
            return R_ERR;
        }
        for (size_t p = 0; p < np; p++) {
            const jnode *kn = &j->nodes[kids[2 * p]];
            keys[p] = (jkey){j->strs.data + kn->a, kn->b, p};
            value_of[p] = SIZE_MAX;
        }
        qsort(keys, np, sizeof(*keys), jkey_cmp);
        for (size_t g = 0; g < np;) {
            size_t e = g + 1;
            while (e < np && keys[e].len == keys[g].len && memcmp(keys[e].k, keys[g].k, keys[g].len) == 0) e++;
            value_of[keys[g].pair] = kids[2 * keys[e - 1].pair + 1];
            g = e;
        }
        free(keys);
    }
    rc = puts_(out, "{");
    int first = 1;
    for (size_t p = 0; p < np && rc == R_OK; p++) {
        size_t v = value_of ? value_of[p] : kids[2 * p + 1];
        if (v == SIZE_MAX) continue;
        if (!first) rc = puts_(out, ", ");
        first = 0;
        if (rc == R_OK) rc = j_render(j, kids[2 * p], 1, out);
        if (rc == R_OK) rc = puts_(out, ": ");
        if (rc == R_OK) rc = j_render(j, v, 1, out);
    }
    free(value_of);
    return rc == R_OK ? puts_(out, "}") : rc;
}

/* str() of a top-level JSON string: a lone surrogate cannot be sent on as
 * UTF-8 (Python would fail to encode it), so it becomes U+FFFD. */
static int put_wtf8_as_utf8(buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, from = 0;
    while (i < n) {
        if (p[i] == 0xED && i + 2 < n && p[i + 1] >= 0xA0) {
            TRY(put(out, s + from, i - from));
            TRY(puts_(out, "\xEF\xBF\xBD"));
            i += 3;
            from = i;
        } else {
            i++;
        }
    }
    return put(out, s + from, n - from);
}

static int j_render(const jctx *j, size_t idx, int repr, buf *out)
{
    const jnode *nd = &j->nodes[idx];
    switch (nd->kind) {
    case J_NULL: return puts_(out, "None");
    case J_TRUE: return puts_(out, "True");
    case J_FALSE: return puts_(out, "False");
    case J_INT:
        if (nd->b == 2 && memcmp(j->s + nd->a, "-0", 2) == 0) return puts_(out, "0");
        return put(out, j->s + nd->a, nd->b);
    case J_FLOAT: {
        double x;
        if (!parse_double(j->s + nd->a, nd->b, &x)) return R_NOFIT;
        return pyrepr_float(x, out) == 0 ? R_OK : R_ERR;
    }
    case J_STR:
        if (nd->b == 0) return repr ? (puts_(out, "''")) : R_OK; /* strs.data may be NULL */
        if (repr) return pyrepr_str(j->strs.data + nd->a, nd->b, out) == 0 ? R_OK : R_ERR;
        return put_wtf8_as_utf8(out, j->strs.data + nd->a, nd->b);
    case J_ARR:
        TRY(puts_(out, "["));
        for (size_t k = 0; k < nd->b; k++) {
            if (k) TRY(puts_(out, ", "));
            TRY(j_render(j, j->kids[nd->a + k], 1, out));
        }
        return puts_(out, "]");
    case J_OBJ: return j_render_object(j, nd, out);
    }
    return R_NOFIT;
}

static int render_json(const char *s, size_t n, int repr, buf *out)
{
    jctx j = {.s = s, .n = n};
    buf_init(&j.strs, SCRATCH_CAP(n));
    int rc = R_NOFIT;
    long root = j_value(&j);
    if (root >= 0) {
        j_ws(&j);
        if (j.pos == n) rc = j_render(&j, (size_t)root, repr, out);
    }
    if (root < 0 && buf_error(&j.strs)) rc = R_ERR;
    buf_free(&j.strs);
    free(j.nodes);
    free(j.kids);
    free(j.stack);
    return rc;
}

/* ---------------------------------------------------------------------------
 * ranges -> psycopg Range
 * ------------------------------------------------------------------------ */

/* One range bound: quoted ("" and \\ doubled) or bare, up to `stops`. */
static int range_bound(const char *s, size_t n, size_t *i, const char *stops, buf *tmp, int *present)
{
    buf_reset(tmp);
    *present = 0;
    if (*i < n && s[*i] == '"') {
        (*i)++;
        for (;;) {
            if (*i >= n) return R_NOFIT;
            char c = s[*i];
            if (c == '"') {
                if (*i + 1 < n && s[*i + 1] == '"') {
                    TRY(put(tmp, "\"", 1));
                    *i += 2;
                    continue;
                }
                (*i)++;
                break;
            }
            if (c == '\\' && *i + 1 < n && s[*i + 1] == '\\') (*i)++;
            TRY(put(tmp, &c, 1));
            (*i)++;
        }
        *present = 1;
        /* allocated and NUL-terminated even for "" */
        return put(tmp, "", 0);
    }
    size_t start = *i;
    while (*i < n && !strchr(stops, s[*i])) (*i)++;
    if (*i > start) {
        TRY(put(tmp, s + start, *i - start));
        *present = 1;
    }
    return R_OK;
}

static int render_range(unsigned int sub_oid, const char *s, size_t n, int repr, buf *out)
{
    if (n == 5 && memcmp(s, "empty", 5) == 0) return puts_(out, repr ? "Range(empty=True)" : "empty");
    if (n < 3 || (s[0] != '[' && s[0] != '(')) return R_NOFIT;
    char lb = s[0], ub = s[n - 1];
    if (ub != ']' && ub != ')') return R_NOFIT;
    buf lo, hi;
    buf_init(&lo, SCRATCH_CAP(n));
    buf_init(&hi, SCRATCH_CAP(n));
    size_t i = 1;
    int has_lo = 0, has_hi = 0;
    int rc = range_bound(s, n, &i, "\",", &lo, &has_lo);
    if (rc == R_OK && (i >= n || s[i++] != ',')) rc = R_NOFIT;
    if (rc == R_OK) rc = range_bound(s, n, &i, "\")]", &hi, &has_hi);
    if (rc == R_OK && i != n - 1) rc = R_NOFIT;
    /* Range() makes the brackets of unbounded sides exclusive */
    if (!has_lo) lb = '(';
    if (!has_hi) ub = ')';
    if (rc == R_OK) rc = puts_(out, repr ? "Range(" : (lb == '[' ? "[" : "("));
    if (rc == R_OK) rc = has_lo ? render_value(sub_oid, lo.data, lo.len, repr, out) : puts_(out, "None");
    if (rc == R_OK) rc = puts_(out, ", ");
    if (rc == R_OK) rc = has_hi ? render_value(sub_oid, hi.data, hi.len, repr, out) : puts_(out, "None");
    if (rc == R_OK && repr) rc = buf_printf(out, ", '%c%c')", lb, ub) == 0 ? R_OK : R_ERR;
    if (rc == R_OK && !repr) rc = put(out, &ub, 1);
    buf_free(&lo);
    buf_free(&hi);
    return rc;
}

/* ---------------------------------------------------------------------------
 * arrays -> list
 * ------------------------------------------------------------------------ */

#define ARRAY_MAX_DEPTH 8 /* PostgreSQL allows 6 dimensions */

static int render_array(const struct array_type *at, const char *s, size_t n, buf *out)
{
    size_t i = 0;
    /* "[1:2]={...}": psycopg drops the bounds decoration */
    if (n && s[0] == '[') {
        const char *eq = memchr(s, '=', n);
        if (!eq) return R_NOFIT;
        i = (size_t)(eq - s) + 1;
    }
    int depth = 0, first[ARRAY_MAX_DEPTH + 1];
    buf el;
    buf_init(&el, SCRATCH_CAP(n));
    int rc = R_OK, done = 0;
    while (i < n && rc == R_OK) {
        char c = s[i];
        if (done) {
            rc = R_NOFIT;
        } else if (c == '{') {
            if (depth == ARRAY_MAX_DEPTH) {
                rc = R_NOFIT;
                break;
            }
            if (depth > 0 && !first[depth]) rc = puts_(out, ", ");
            if (depth > 0) first[depth] = 0;
            first[++depth] = 1;
            if (rc == R_OK) rc = puts_(out, "[");
            i++;
        } else if (c == '}') {
            if (depth == 0) {
                rc = R_NOFIT;
                break;
            }
            rc = puts_(out, "]");
            if (--depth == 0) done = 1;
            i++;
        } else if (c == at->delim) {
            i++;
        } else if (depth == 0) {
            rc = R_NOFIT;
        } else {
            /* one element: quoted with backslash escapes, or bare */
            int quoted = c == '"';
            buf_reset(&el);
            if (quoted) {
                i++;
                while (i < n && s[i] != '"' && rc == R_OK) {
                    if (s[i] == '\\' && i + 1 < n) i++;
                    rc = put(&el, s + i, 1);
                    i++;
                }
                if (i >= n) rc = R_NOFIT;
                i++;
            } else {
                size_t start = i;
                while (i < n && s[i] != at->delim && s[i] != '{' && s[i] != '}' && s[i] != '"' && s[i] != '\\') i++;
                if (i == start) {
                    rc = R_NOFIT; /* a stray backslash: not PostgreSQL's output */
                    break;
                }
                rc = put(&el, s + start, i - start);
            }
            if (rc == R_OK) rc = put(&el, "", 0); /* data is NUL-terminated even when empty */
            if (rc != R_OK) break;
            if (!first[depth]) rc = puts_(out, ", ");
            first[depth] = 0;
            if (rc != R_OK) break;
            if (!quoted && el.len == 4 && memcmp(el.data, "NULL", 4) == 0)
                rc = puts_(out, "None");
            else
                rc = render_value(at->elem_oid, el.data, el.len, 1, out);
        }
    }
    if (rc == R_OK && !done) rc = R_NOFIT;
    buf_free(&el);
    return rc;
}

/* ---------------------------------------------------------------------------
 * dispatch
 * ------------------------------------------------------------------------ */

static int render_value(unsigned int oid, const char *s, size_t n, int repr, buf *out)
{
    switch (oid) {
    case OID_BOOL:
        if (n == 1 && s[0] == 't') return puts_(out, "True");
        if (n == 1 && s[0] == 'f') return puts_(out, "False");
        return R_NOFIT;
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID: return render_int(s, n, out);
    case OID_FLOAT4:
    case OID_FLOAT8: return render_float(s, n, out);
    case OID_NUMERIC: return render_numeric(s, n, repr, out);
    case OID_BYTEA: return render_bytea(s, n, out);
    case OID_DATE: return render_date(s, n, repr, out);
    case OID_TIME: return render_time(s, n, 0, repr, out);
    case OID_TIMETZ: return render_time(s, n, 1, repr, out);
    case OID_TIMESTAMP: return render_timestamp(s, n, 0, repr, out);
    case OID_TIMESTAMPTZ: return render_timestamp(s, n, 1, repr, out);
    case OID_INTERVAL: return render_interval(s, n, repr, out);
    case OID_UUID: return render_uuid(s, n, repr, out);
    case OID_JSON:
    case OID_JSONB: return render_json(s, n, repr, out);
    case OID_INET: return render_inet(s, n, 0, repr, out);
    case OID_CIDR: return render_inet(s, n, 1, repr, out);
    case OID_INT4RANGE: return render_range(OID_INT4, s, n, repr, out);
    case OID_INT8RANGE: return render_range(OID_INT8, s, n, repr, out);
    case OID_NUMRANGE: return render_range(OID_NUMERIC, s, n, repr, out);
    case OID_DATERANGE: return render_range(OID_DATE, s, n, repr, out);
    case OID_TSRANGE: return render_range(OID_TIMESTAMP, s, n, repr, out);
    case OID_TSTZRANGE: return render_range(OID_TIMESTAMPTZ, s, n, repr, out);
    default: break;
    }
    const struct array_type *at = find_array_type(oid);
    if (at) return render_array(at, s, n, out);
    /* text, varchar, bpchar, name, "char" and every type without a loader */
    return render_text(s, n, repr, out);
}

int pyrepr_render(const format_value *v, buf *out)
{
    if (!v->text) return buf_puts(out, "None");
    size_t mark = out->len, n = strlen(v->text);
    int rc = render_value(v->type_oid, v->text, n, 0, out);
    if (rc == R_NOFIT) {
        /* drop any partial output and use PostgreSQL's text */
        buf_truncate(out, mark);
        return buf_append(out, v->text, n);
    }
    return rc == R_OK ? 0 : -1;
}
