/*
 * fuzz_pyrepr: pyrepr_render, which parses a PostgreSQL value's text output
 * (as libpq returns it) and renders Python str() of what psycopg would load;
 * also pyrepr_str and pyrepr_float.
 *
 * Input: the first 2 bytes pick a type OID from the table below (the types
 * pyrepr.c has loaders for, arrays of them, and a few it passes through as
 * text); the rest is the value's text (a C string, as libpq gives it).
 */
#include <math.h>

#include "format/pyrepr.h"
#include "fuzz_common.h"

#define BIG_CAP (4u << 20)

static const unsigned int types[] = {
    16,   17,   18,   19,   20,   21,   23,   25,   26,   114,  650,  700,  701,  869,  1042, 1043, 1082, 1083,
    1114, 1184, 1186, 1266, 1700, 2950, 3802, 3904, 3906, 3908, 3910, 3912, 3926,
    /* arrays: bool, bytea, char, int2, int4, int8, text, varchar, bpchar, name, oid, float4, float8, numeric,
     * date, time, timetz, timestamp, timestamptz, interval, json, jsonb, uuid, inet, cidr, box (';'),
     * point, int4range, int8range, numrange, daterange, tsrange, tstzrange */
    1000, 1001, 1002, 1005, 1007, 1016, 1009, 1015, 1014, 1003, 1028, 1021, 1022, 1231, 1182, 1183, 1270, 1115,
    1185, 1187, 199,  3807, 2951, 1041, 651,  1020, 1017, 3905, 3927, 3907, 3913, 3909, 3911,
    /* no loader (text as is): money, xml, point, bit, varbit, tsvector, pgvector-like user OID, an enum */
    790,  142,  600,  1560, 1562, 3614, 16400, 0,
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static void check_str(const uint8_t *s, size_t n)
{
    buf out;
    buf_init(&out, BIG_CAP);
    FUZZ_CHECK(pyrepr_str((const char *)s, n, &out) == 0, "pyrepr_str failed on %zu bytes", n);
    FUZZ_CHECK(out.len >= 2 && (out.data[0] == '\'' || out.data[0] == '"') && out.data[out.len - 1] == out.data[0],
               "repr not quoted: %s", out.data);
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)out.data, out.len), "repr is not valid UTF-8");
    for (size_t i = 0; i < out.len; i++)
        FUZZ_CHECK((unsigned char)out.data[i] >= 0x20 && out.data[i] != 0x7F, "control byte 0x%02x in a repr",
                   (unsigned char)out.data[i]);
    buf_free(&out);
}

static void check_float(const uint8_t *s, size_t n)
{
    if (n < 8) return;
    double x;
    memcpy(&x, s, 8);
    buf out;
    buf_init(&out, BUF_NO_LIMIT);
    FUZZ_CHECK(pyrepr_float(x, &out) == 0 && out.len > 0, "pyrepr_float failed");
    if (isfinite(x)) {
        /* shortest round-trip digits: reading them back gives the same double */
        double y = strtod(out.data, NULL);
        FUZZ_CHECK(y == x, "pyrepr_float(%.17g) = %s reads back as %.17g", x, out.data, y);
    } else {
        FUZZ_CHECK(!strcmp(out.data, "nan") || !strcmp(out.data, "inf") || !strcmp(out.data, "-inf"),
                   "pyrepr_float of a non-finite value: %s", out.data);
    }
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    unsigned pick = fuzz_byte(&in) << 8;
    pick |= fuzz_byte(&in);
    unsigned int oid = types[pick % NTYPES];
    char *text = fuzz_cstr(in.p, in.n);
    size_t tlen = strlen(text);
    format_value v = {"col", oid, 0, text};

    /* a generous cap: a value this small always renders */
    buf out;
    buf_init(&out, BIG_CAP);
    FUZZ_CHECK(pyrepr_render(&v, &out) == 0, "render of oid %u failed (len %zu)", oid, out.len);
    FUZZ_CHECK(out.len == 0 || out.data[out.len] == '\0', "output not terminated");
    if (fuzz_utf8_valid((const uint8_t *)text, tlen))
        FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)out.data, out.len), "oid %u: valid UTF-8 in, invalid out", oid);

    /* after other output, into a tight cap: fits exactly or fails cleanly */
    buf tight;
    buf_init(&tight, 4 + (out.len ? (size_t)(in.n % (out.len + 1)) : 0));
    FUZZ_CHECK(buf_puts(&tight, "row:") == 0, "prefix");
    int rc = pyrepr_render(&v, &tight);
    if (rc == 0)
        FUZZ_CHECK(tight.len == 4 + out.len && (out.len == 0 || memcmp(tight.data + 4, out.data, out.len) == 0),
                   "oid %u: output depends on the buffer", oid);
    else
        FUZZ_CHECK(rc == -1 && tight.failed && tight.len <= tight.max, "oid %u: bad failure", oid);
    buf_free(&tight);
    buf_free(&out);

    /* SQL NULL */
    format_value null = {"col", oid, 0, NULL};
    buf nb;
    buf_init(&nb, BUF_NO_LIMIT);
    FUZZ_CHECK(pyrepr_render(&null, &nb) == 0 && nb.len == 4 && !memcmp(nb.data, "None", 4), "NULL is not None");
    buf_free(&nb);

    check_str(in.p, in.n);
    check_float(in.p, in.n);
    free(text);
    return 0;
}
