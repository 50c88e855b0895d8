/*
 * Unit tests for src/format: string.Template semantics (format.c) and the
 * Python str()/repr() renderings of PostgreSQL values (pyrepr.c).
 *
 * Every expected string was produced by CPython 3.12 from the value psycopg
 * 3.2 loads for the given PostgreSQL text. The text forms are PostgreSQL 15's
 * output under the worker's session settings; cases with an `sql` expression
 * are checked against a real server too when PGAI_FORMAT_PG_URL is set (see
 * tests/integration/020_format_values.sh): the server must produce exactly
 * `text` for the expression, and the rendering must match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "format/pyrepr.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------
 * templates
 * ------------------------------------------------------------------------ */

static const format_value row[] = {
    {"id", 20, 0, "42"},         {"title", 25, 0, "T"},   {"n", 25, 0, NULL},
    {"loading_retries", 23, 0, "0"}, {"_a1", 25, 0, "u"},
};
#define NROW (sizeof(row) / sizeof(*row))
static const char CHUNK[] = "he$id llo";

/* Renders tmpl for CHUNK and row; returns the output or "ERR:<message>". */
static char *render(const char *tmpl)
{
    format_template *t;
    char err[256];
    assert_int_equal(format_template_parse(tmpl, &t, err, sizeof(err)), 0);
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    char *res;
    if (format_render(t, CHUNK, strlen(CHUNK), row, NROW, &b, err, sizeof(err)) == 0) {
        res = buf_take(&b);
    } else {
        res = malloc(strlen(err) + 5);
        assert_non_null(res);
        sprintf(res, "ERR:%s", err);
    }
    buf_free(&b);
    format_template_free(t);
    return res;
}

static void check_template(const char *tmpl, const char *want)
{
    char *got = render(tmpl);
    if (strcmp(got, want) != 0) print_error("template [%s]: got [%s], want [%s]\n", tmpl, got, want);
    assert_string_equal(got, want);
    free(got);
}

static void test_placeholders(void **state)
{
    check_template("$chunk", "he$id llo"); /* the chunk's own '$' is not substituted again */
    check_template("${chunk}", "he$id llo");
    check_template("$id: $chunk", "42: he$id llo");
    check_template("$id$chunk", "42he$id llo");
    check_template("${id}abc", "42abc");
    check_template("${chunk}_x", "he$id llo_x");
    check_template("$_a1", "u");
    check_template("$n", "None");
    check_template("$loading_retries", "0");
    check_template("", "");
    check_template("no placeholders at all", "no placeholders at all");
    check_template("\xe2\x86\x92 $chunk \xe2\x86\x90 ${title}", "\xe2\x86\x92 he$id llo \xe2\x86\x90 T");
}

static void test_dollar_escapes(void **state)
{
    check_template("$$", "$");
    check_template("$$chunk", "$chunk");
    check_template("$$$chunk", "$he$id llo");
    check_template("$$$$", "$$");
    check_template("cost: $$5 for $id", "cost: $5 for 42");
}

static void test_unknown_names(void **state)
{
    check_template("$nope", "ERR:KeyError: 'nope'");
    check_template("$idabc", "ERR:KeyError: 'idabc'"); /* longest identifier */
    check_template("$chunk_x", "ERR:KeyError: 'chunk_x'");
    check_template("$Id", "ERR:KeyError: 'Id'"); /* names are case-sensitive */
    check_template("${ID}", "ERR:KeyError: 'ID'");
    /* errors come in template order */
    check_template("$nope $", "ERR:KeyError: 'nope'");
    check_template("$ $nope", "ERR:Invalid placeholder in string: line 1, col 1");
}

static void test_invalid_placeholders(void **state)
{
    check_template("$", "ERR:Invalid placeholder in string: line 1, col 1");
    check_template("x$", "ERR:Invalid placeholder in string: line 1, col 2");
    check_template("ab $ ", "ERR:Invalid placeholder in string: line 1, col 4");
    check_template("$1", "ERR:Invalid placeholder in string: line 1, col 1");
    check_template("${ id}", "ERR:Invalid placeholder in string: line 1, col 1");
    check_template("${id", "ERR:Invalid placeholder in string: line 1, col 1");
    check_template("${}", "ERR:Invalid placeholder in string: line 1, col 1");
    check_template("$\n", "ERR:Invalid placeholder in string: line 1, col 1");
    check_template("$$$", "ERR:Invalid placeholder in string: line 1, col 3");
    check_template("a\n$chunk$", "ERR:Invalid placeholder in string: line 2, col 7");
    /* columns count characters, not bytes; lines end as in str.splitlines() */
    check_template("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac$!", "ERR:Invalid placeholder in string: line 1, col 4");
    check_template("\xc3\xa9\r\n\xe2\x80\xa8" "b$1", "ERR:Invalid placeholder in string: line 3, col 2");
    check_template("\x0b" "A$", "ERR:Invalid placeholder in string: line 2, col 2");
    check_template("line1\r\nline2\rline3 $-", "ERR:Invalid placeholder in string: line 3, col 7");
}

static void test_render_errors(void **state)
{
    format_template *t;
    char err[256];
    assert_int_equal(format_template_parse("[$chunk]", &t, err, sizeof(err)), 0);

    /* a source column named chunk collides with the chunk keyword */
    const format_value clash[] = {{"chunk", 25, 0, "x"}};
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(format_render(t, "c", 1, clash, 1, &b, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "TypeError: string.Template.substitute() got multiple values for keyword argument 'chunk'");
    buf_free(&b);

    /* output past the buffer cap is an error, not a crash */
    buf_init(&b, 8);
    assert_int_equal(format_render(t, "0123456789", 10, row, NROW, &b, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "size limit"));
    buf_free(&b);

    /* the parsed template is reusable: render twice into one buffer */
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(format_render(t, "a", 1, NULL, 0, &b, err, sizeof(err)), 0);
    assert_int_equal(format_render(t, "b\0c", 3, NULL, 0, &b, err, sizeof(err)), 0);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "[a][b\0c]", 8);
    buf_free(&b);
    format_template_free(t);

    /* with duplicate column names the last one wins, as in a Python dict */
    const format_value dup[] = {{"x", 25, 0, "first"}, {"x", 25, 0, "second"}};
    assert_int_equal(format_template_parse("$x", &t, err, sizeof(err)), 0);
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(format_render(t, "", 0, dup, 2, &b, err, sizeof(err)), 0);
    assert_string_equal(b.data, "second");
    buf_free(&b);
    format_template_free(t);

    assert_int_equal(format_template_parse(NULL, &t, err, sizeof(err)), -1);
    assert_null(t);
}

/* ---------------------------------------------------------------------------
 * values
 * ------------------------------------------------------------------------ */

typedef struct vcase {
    unsigned int oid;
    const char *text; /* PostgreSQL text output; NULL = SQL NULL */
    const char *want; /* Python str() */
    const char *sql;  /* expression producing `text`, checked against a server */
    const char *tz;   /* session TimeZone for the server check (default UTC) */
} vcase;

static const vcase value_cases[] = {
    /* NULL, bool, integers */
    {23, NULL, "None", "NULL::int4", NULL},
    {16, "t", "True", "true", NULL},
    {16, "f", "False", "false", NULL},
    {21, "-32768", "-32768", "(-32768)::int2", NULL},
    {23, "2147483647", "2147483647", "2147483647::int4", NULL},
    {20, "9223372036854775807", "9223372036854775807", "9223372036854775807::int8", NULL},
    {26, "12", "12", "12::oid", NULL},
    /* floats: Python repr of float(text); float4 text is already shortest */
    {700, "0.1", "0.1", "0.1::float4", NULL},
    {701, "0.1", "0.1", "0.1::float8", NULL},
    {700, "1.2345679e+08", "123456790.0", "123456789::float4", NULL},
    {700, "3.4e+38", "3.4e+38", "3.4e38::float4", NULL},
    {700, "1e-45", "1e-45", "1e-45::float4", NULL},
    {701, "1e+16", "1e+16", "1e16::float8", NULL},
    {701, "1e+15", "1000000000000000.0", "1e15::float8", NULL},
    {701, "1e-05", "1e-05", "1e-5::float8", NULL},
    {701, "0.0001", "0.0001", "0.0001::float8", NULL},
    {701, "100", "100.0", "100::float8", NULL},
    {701, "-0", "-0.0", "'-0'::float8", NULL},
    {701, "1.5e+300", "1.5e+300", "1.5e300::float8", NULL},
    {701, "5e-324", "5e-324", "5e-324::float8", NULL},
    {701, "1.7976931348623157e+308", "1.7976931348623157e+308", "1.7976931348623157e308::float8", NULL},
    {701, "1.2345678901234568e+17", "1.2345678901234568e+17", "123456789012345678::float8", NULL},
    {701, "Infinity", "inf", "'inf'::float8", NULL},
    {700, "-Infinity", "-inf", "'-inf'::float4", NULL},
    {701, "NaN", "nan", "'nan'::float8", NULL},
    /* numeric: Decimal str */
    {1700, "1.50", "1.50", "1.50::numeric", NULL},
    {1700, "0.000001", "0.000001", "0.000001::numeric", NULL},
    {1700, "0.0000001", "1E-7", "0.0000001::numeric", NULL},
    {1700, "-0.00000010", "-1.0E-7", "-0.00000010::numeric", NULL},
    {1700, "0.0000000", "0E-7", "0.0000000::numeric", NULL},
    {1700, "100000000000000000000", "100000000000000000000", "1e20::numeric", NULL},
    {1700, "-12.345", "-12.345", "-12.345::numeric", NULL},
    {1700, "0", "0", "0::numeric", NULL},
    {1700, "NaN", "NaN", "'NaN'::numeric", NULL},
    {1700, "Infinity", "Infinity", "'Infinity'::numeric", NULL},
    {1700, "-Infinity", "-Infinity", "'-Infinity'::numeric", NULL},
    {1700, "1E+5", "1E+5", NULL, NULL},
    {1700, "123.456E-10", "1.23456E-8", NULL, NULL},
    /* strings */
    {25, "plain 'text' $x {y}", "plain 'text' $x {y}", "'plain ''text'' $x {y}'::text", NULL},
    {1043, "v\xc3\xa9", "v\xc3\xa9", "'v\xc3\xa9'::varchar(5)", NULL},
    {1042, "ab   ", "ab   ", "'ab'::char(5)", NULL},
    {19, "nm", "nm", "'nm'::name", NULL},
    {18, "x", "x", "'x'::\"char\"", NULL},
    {25, "", "", "''::text", NULL},
    /* types without a psycopg loader are str */
    {790, "$1.50", "$1.50", "1.5::money", NULL},
    {12345, "whatever {x}", "whatever {x}", NULL, NULL},
    /* date and time */
    {1082, "2025-01-06", "2025-01-06", "'2025-01-06'::date", NULL},
    {1083, "04:05:06.5", "04:05:06.500000", "'04:05:06.5'::time", NULL},
    {1083, "00:00:00", "00:00:00", "'00:00'::time", NULL},
    {1266, "04:05:06+02", "04:05:06+02:00", "'04:05:06+02'::timetz", NULL},
    {1266, "04:05:06.123-05:30", "04:05:06.123000-05:30", "'04:05:06.123-05:30'::timetz", NULL},
    {1114, "2025-01-06 00:00:00", "2025-01-06 00:00:00", "'2025-01-06'::timestamp", NULL},
    {1114, "2025-01-06 00:00:00.5", "2025-01-06 00:00:00.500000", "'2025-01-06 00:00:00.5'::timestamp", NULL},
    {1114, "0099-12-31 23:59:59.000001", "0099-12-31 23:59:59.000001", "'0099-12-31 23:59:59.000001'::timestamp",
     NULL},
    {1184, "2025-01-06 00:00:00+00", "2025-01-06 00:00:00+00:00", "'2025-01-06 00:00:00+00'::timestamptz", NULL},
    {1184, "2025-01-06 05:30:00+05:30", "2025-01-06 05:30:00+05:30", "'2025-01-06 00:00:00+00'::timestamptz",
     "Asia/Kolkata"},
    {1184, "1900-01-01 00:00:00+00:19:32", "1900-01-01 00:00:00+00:19:32", "'1900-01-01 00:00:00'::timestamptz",
     "Europe/Amsterdam"},
    {1184, "2025-06-01 12:00:00.123456-02:30", "2025-06-01 12:00:00.123456-02:30",
     "'2025-06-01 12:00:00.123456'::timestamptz", "America/St_Johns"},
    /* interval -> timedelta (years 365 days, months 30 days) */
    {1186, "1 year 2 mons 3 days 04:05:06.5", "428 days, 4:05:06.500000", "'1 year 2 mons 3 days 04:05:06.5'::interval",
     NULL},
    {1186, "1 day 02:03:04", "1 day, 2:03:04", "'1 day 2 hours 3 minutes 4 seconds'::interval", NULL},
    {1186, "-1 days", "-1 day, 0:00:00", "'-1 day'::interval", NULL},
    {1186, "-00:00:01", "-1 day, 23:59:59", "'-1 second'::interval", NULL},
    {1186, "3 days 00:00:00.5", "3 days, 0:00:00.500000", "'3 days 0.5 seconds'::interval", NULL},
    {1186, "-25:00:00", "-2 days, 23:00:00", "'-25 hours'::interval", NULL},
    {1186, "1 day -01:00:00", "23:00:00", "'1 day -1 hour'::interval", NULL},
    {1186, "-1 years -2 mons +3 days -04:05:06", "-423 days, 19:54:54", "'-1 year -2 mons +3 days -04:05:06'::interval",
     NULL},
    {1186, "00:00:00", "0:00:00", "'0'::interval", NULL},
    {1186, "1 mon", "30 days, 0:00:00", "'1 mon'::interval", NULL},
    {1186, "00:00:00.000001", "0:00:00.000001", "'1 microsecond'::interval", NULL},
    {1186, "100:00:00", "4 days, 4:00:00", "'100 hours'::interval", NULL},
    /* uuid, bytea */
    {2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
     "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", NULL},
    {17, "\\x0102ff27", "b\"\\x01\\x02\\xff'\"", "'\\x0102ff27'::bytea", NULL},
    {17, "\\x", "b''", "''::bytea", NULL},
    {17, "\\x61622763225c", "b'ab\\'c\"\\\\'", "'\\x61622763225c'::bytea", NULL},
    {17, "\\x0a0d0941", "b'\\n\\r\\tA'", "'\\x0a0d0941'::bytea", NULL},
    {17, "a\\001\\\\", "b'a\\x01\\\\'", NULL, NULL}, /* escape format, should bytea_output be changed */
    /* json / jsonb -> json.loads(): dict, list, str, int, float, True/False/None */
    {3802, "{\"a\": [true, null, 1.5, \"x'y\"], \"b\": 1}", "{'a': [True, None, 1.5, \"x'y\"], 'b': 1}",
     "'{\"b\": 1, \"a\": [true, null, 1.5, \"x''y\"]}'::jsonb", NULL},
    {114, "{\"b\": 1, \"a\": 2, \"b\": 3}", "{'b': 3, 'a': 2}", "'{\"b\": 1, \"a\": 2, \"b\": 3}'::json", NULL},
    {114, "{\"z\":1,\"a\":2,\"z\":3,\"a\":4}", "{'z': 3, 'a': 4}", NULL, NULL},
    {3802, "\"str\"", "str", "'\"str\"'::jsonb", NULL},
    {3802, "\"top \\\"level\\\" string\"", "top \"level\" string", NULL, NULL},
    {114, "1e400", "inf", "'1e400'::json", NULL},
    {3802, "[1.0, 100, 0]", "[1.0, 100, 0]", "'[1.0, 1e2, -0]'::jsonb", NULL},
    {114, "[1e-7, 1E+2, 0.1, -0.0]", "[1e-07, 100.0, 0.1, -0.0]", NULL, NULL},
    {114, "-0", "0", NULL, NULL},
    {3802, "123456789012345678901234567890", "123456789012345678901234567890",
     "'123456789012345678901234567890'::jsonb", NULL},
    {3802, "{\"k\": \"\xc3\xa9\\n\"}", "{'k': '\xc3\xa9\\n'}", "'{\"k\": \"\\u00e9\\n\"}'::jsonb", NULL},
    {114, "{\"\\u00e9\\\"q\\\\\": \"\\t\\ud83d\\ude00\\u2028\"}",
     "{'\xc3\xa9\"q\\\\': '\\t\xf0\x9f\x98\x80\\u2028'}", NULL, NULL},
    {114, "[\"\\ud800x\", \"\\u0000\"]", "['\\ud800x', '\\x00']", NULL, NULL},
    {3802, "{\"a\": {\"b\": [1, 2.5, \"x\"]}, \"c\": null}", "{'a': {'b': [1, 2.5, 'x']}, 'c': None}", NULL, NULL},
    {3802, "{\"k\": \"it's \\\"q\\\"\"}", "{'k': 'it\\'s \"q\"'}", NULL, NULL},
    {3802, "{}", "{}", "'{}'::jsonb", NULL},
    {3802, "[]", "[]", "'[]'::jsonb", NULL},
    {3802, "true", "True", "'true'::jsonb", NULL},
    {3802, "null", "None", "'null'::jsonb", NULL},
    /* arrays -> list of repr() */
    {1009, "{larry,moe,curly}", "['larry', 'moe', 'curly']", "array['larry','moe','curly']", NULL},
    {1007, "{1,2}", "[1, 2]", "array[1,2]", NULL},
    {1007, "{{1,2},{3,4}}", "[[1, 2], [3, 4]]", "'{{1,2},{3,4}}'::int[]", NULL},
    {1007, "{{{1}}}", "[[[1]]]", "'{{{1}}}'::int[]", NULL},
    {1007, "[0:1]={1,2}", "[1, 2]", "'[0:1]={1,2}'::int[]", NULL},
    {1007, "{}", "[]", "'{}'::int[]", NULL},
    {1007, "{NULL}", "[None]", "array[NULL::int]", NULL},
    {1009, "{\"a b\",NULL,\"NULL\",\"\",\"q\\\"x\",\"b\\\\s\",\"{}\"}", "['a b', None, 'NULL', '', 'q\"x', 'b\\\\s', '{}']",
     "array['a b', NULL, 'NULL', '', 'q\"x', E'b\\\\s', '{}']", NULL},
    {1009, "{it's,\"say \\\"hi\\\"\",\"both' \\\"\",\"tab\there\",\"nl\n\"}",
     "[\"it's\", 'say \"hi\"', 'both\\' \"', 'tab\\there', 'nl\\n']",
     "array[E'it\\'s', 'say \"hi\"', E'both\\' \"', E'tab\\there', E'nl\\n']", NULL},
    {1009, "{\xc3\xa9,\xc2\xa0,\xe2\x80\x8b}", "['\xc3\xa9', '\\xa0', '\\u200b']", "array[E'\\u00e9', E'\\u00a0', E'\\u200b']",
     NULL},
    {1014, "{\"ab \"}", "['ab ']", "array['ab'::char(3)]", NULL},
    {1231, "{1.5,2.0,NaN}", "[Decimal('1.5'), Decimal('2.0'), Decimal('NaN')]", "array[1.5, 2.0, 'NaN']::numeric[]",
     NULL},
    {1000, "{t,f}", "[True, False]", "array[true, false]", NULL},
    {1022, "{0.1,1e+16,-Infinity}", "[0.1, 1e+16, -inf]", "array[0.1, 1e16, '-inf']::float8[]", NULL},
    {1182, "{2020-01-01}", "[datetime.date(2020, 1, 1)]", "array['2020-01-01'::date]", NULL},
    {1183, "{04:05:06,00:00:00,04:05:00.000001}",
     "[datetime.time(4, 5, 6), datetime.time(0, 0), datetime.time(4, 5, 0, 1)]",
     "array['04:05:06', '00:00', '04:05:00.000001']::time[]", NULL},
    {1270, "{04:05:06+02,04:05:00+00}",
     "[datetime.time(4, 5, 6, tzinfo=datetime.timezone(datetime.timedelta(seconds=7200))), "
     "datetime.time(4, 5, tzinfo=datetime.timezone.utc)]",
     "array['04:05:06+02', '04:05:00+00']::timetz[]", NULL},
    {1115, "{\"2020-01-01 03:04:05.000006\",\"2020-01-01 00:00:00\"}",
     "[datetime.datetime(2020, 1, 1, 3, 4, 5, 6), datetime.datetime(2020, 1, 1, 0, 0)]",
     "array['2020-01-01 03:04:05.000006', '2020-01-01']::timestamp[]", NULL},
    {1185, "{\"2020-01-01 00:00:00+00\"}", "[datetime.datetime(2020, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)]",
     "array['2020-01-01 00:00:00+00'::timestamptz]", NULL},
    {1187, "{\"1 day\",00:00:00,\"-1 days +00:00:05.000007\"}",
     "[datetime.timedelta(days=1), datetime.timedelta(0), datetime.timedelta(days=-1, seconds=5, microseconds=7)]",
     "array['1 day', '0', '-1 day 5.000007 seconds']::interval[]", NULL},
    {2951, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "[UUID('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')]",
     "array['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid]", NULL},
    {1001, "{\"\\\\x01ff\",NULL}", "[b'\\x01\\xff', None]", "array['\\x01ff'::bytea, NULL]", NULL},
    {3807, "{\"{\\\"a\\\": 1}\",[2],\"\\\"s\\\"\"}", "[{'a': 1}, [2], 's']", "array['{\"a\":1}', '[2]', '\"s\"']::jsonb[]",
     NULL},
    {3905, "{\"[1,3)\",empty}", "[Range(1, 3, '[)'), Range(empty=True)]", "array[int4range(1,3), 'empty']", NULL},
    {1041, "{1.2.3.4,10.0.0.1/8,::1}", "[IPv4Address('1.2.3.4'), IPv4Interface('10.0.0.1/8'), IPv6Address('::1')]",
     "array['1.2.3.4', '10.0.0.1/8', '::1']::inet[]", NULL},
    {651, "{10.0.0.0/8}", "[IPv4Network('10.0.0.0/8')]", "array['10.0.0.0/8'::cidr]", NULL},
    {791, "{$1.00}", "['$1.00']", "array[1::money]", NULL},
    /* ranges -> psycopg Range str */
    {3904, "[1,5)", "[1, 5)", "int4range(1,5)", NULL},
    {3904, "[1,6)", "[1, 6)", "int4range(1,5,'[]')", NULL},
    {3904, "empty", "empty", "'empty'::int4range", NULL},
    {3926, "(,5)", "(None, 5)", "int8range(NULL, 5)", NULL},
    {3904, "(,)", "(None, None)", "'(,)'::int4range", NULL},
    {3906, "[1.5,2.50)", "[1.5, 2.50)", "numrange(1.5, 2.50)", NULL},
    {3906, "(0.0000001,Infinity]", "(1E-7, Infinity]", "'(0.0000001,Infinity]'::numrange", NULL},
    {3912, "[2020-01-01,2020-02-01)", "[2020-01-01, 2020-02-01)", "daterange('2020-01-01','2020-02-01')", NULL},
    {3908, "[\"2020-01-01 00:00:00\",\"2020-01-02 03:00:00\")", "[2020-01-01 00:00:00, 2020-01-02 03:00:00)",
     "tsrange('2020-01-01','2020-01-02 03:00')", NULL},
    {3910, "[\"2020-01-01 00:00:00+00\",\"2020-01-02 00:00:00+00\")",
     "[2020-01-01 00:00:00+00:00, 2020-01-02 00:00:00+00:00)", "tstzrange('2020-01-01','2020-01-02')", NULL},
    /* values psycopg refuses to load: PostgreSQL's text, see pyrepr.h */
    {1082, "infinity", "infinity", "'infinity'::date", NULL},
    {1082, "0044-03-15 BC", "0044-03-15 BC", "'0044-03-15 BC'::date", NULL},
    {1083, "24:00:00", "24:00:00", "'24:00'::time", NULL},
    {1184, "infinity", "infinity", "'infinity'::timestamptz", NULL},
    {1114, "10000-01-01 00:00:00", "10000-01-01 00:00:00", "'10000-01-01'::timestamp", NULL},
    {3912, "[2020-01-01,infinity)", "[2020-01-01,infinity)", "daterange('2020-01-01', 'infinity')", NULL},
    {1182, "{2020-01-01,infinity}", "{2020-01-01,infinity}", "array['2020-01-01', 'infinity']::date[]", NULL},
    /* arrays of types psycopg has no array loader for stay text */
    {99999, "{happy,sad}", "{happy,sad}", NULL, NULL},
    /* text PostgreSQL never produces falls back to itself, never loops or crashes */
    {1007, "{1,\\2}", "{1,\\2}", NULL, NULL},
    {1007, "{1,{2}", "{1,{2}", NULL, NULL},
    {1009, "{\"open}", "{\"open}", NULL, NULL},
    {3904, "[1,", "[1,", NULL, NULL},
    {3802, "{\"a\": }", "{\"a\": }", NULL, NULL},
    {3802, "[1] x", "[1] x", NULL, NULL},
    {1186, "5 weeks", "5 weeks", NULL, NULL},
    {17, "\\x0", "\\x0", NULL, NULL},
    {1700, "1.2.3", "1.2.3", NULL, NULL},
    {2950, "not-a-uuid", "not-a-uuid", NULL, NULL},
};

static char *render_value(const vcase *c)
{
    format_value v = {"x", c->oid, 0, c->text};
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(pyrepr_render(&v, &b), 0);
    return buf_take(&b);
}

static void test_values(void **state)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof(value_cases) / sizeof(*value_cases); i++) {
        const vcase *c = &value_cases[i];
        char *got = render_value(c);
        if (strcmp(got, c->want) != 0) {
            print_error("oid %u [%s]: got [%s], want [%s]\n", c->oid, c->text ? c->text : "NULL", got, c->want);
            bad++;
        }
        free(got);
    }
    assert_int_equal(bad, 0);
}

static void test_str_repr(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "'plain'"},
        {"it's", "\"it's\""},
        {"both ' and \"", "'both \\' and \"'"},
        {"back\\slash", "'back\\\\slash'"},
        {"\t\n\r\x01\x1b\x7f", "'\\t\\n\\r\\x01\\x1b\\x7f'"},
        {"\xcd\xb8", "'\\u0378'"},                 /* unassigned */
        {"\xf0\x9f\xab\xa8", "'\xf0\x9f\xab\xa8'"}, /* assigned in Unicode 15 (Python 3.12) */
        {"\xc2\xad", "'\\xad'"},                    /* soft hyphen, Cf */
        {"\xc2\x85", "'\\x85'"},
        {"\xe2\x80\xa8", "'\\u2028'"},
        {"\xef\xbb\xbf", "'\\ufeff'"},
        {"\xe3\x80\x80", "'\\u3000'"},
        {"\xf3\xa0\x80\x81", "'\\U000e0001'"},
        {"\xf4\x8f\xbf\xbf", "'\\U0010ffff'"},
        {"a\xcc\x81", "'a\xcc\x81'"}, /* combining marks are printable */
        {"\xce\xa9mega \xf0\x9f\x98\x80", "'\xce\xa9mega \xf0\x9f\x98\x80'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        buf b;
        buf_init(&b, BUF_NO_LIMIT);
        assert_int_equal(pyrepr_str(cases[i].in, strlen(cases[i].in), &b), 0);
        assert_string_equal(b.data, cases[i].want);
        buf_free(&b);
    }
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(pyrepr_str("a\0b", 3, &b), 0);
    assert_string_equal(b.data, "'a\\x00b'");
    buf_free(&b);
}

static void test_float_repr(void **state)
{
    static const struct {
        double x;
        const char *want;
    } cases[] = {
        {0.1, "0.1"},       {1.0 / 3, "0.3333333333333333"}, {2.0 / 3, "0.6666666666666666"}, {1e22, "1e+22"},
        {1e16, "1e+16"},    {9007199254740993.0, "9007199254740992.0"}, {123456789.0, "123456789.0"},
        {1e-4, "0.0001"},   {1.5e-5, "1.5e-05"},             {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {0.0, "0.0"},       {-2.5, "-2.5"},                  {1e100, "1e+100"},                {1.25e-100, "1.25e-100"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        buf b;
        buf_init(&b, BUF_NO_LIMIT);
        assert_int_equal(pyrepr_float(cases[i].x, &b), 0);
        assert_string_equal(b.data, cases[i].want);
        buf_free(&b);
    }
}

static void test_value_cap(void **state)
{
    /* a rendering past the cap fails cleanly, also half-way through a list */
    format_value v = {"x", 1009, 0, "{aaaa,bbbb,cccc}"};
    buf b;
    buf_init(&b, 10);
    assert_int_equal(pyrepr_render(&v, &b), -1);
    assert_true(b.failed);
    buf_free(&b);
    format_value n = {"x", 25, 0, NULL};
    buf_init(&b, 3);
    assert_int_equal(pyrepr_render(&n, &b), -1);
    buf_free(&b);
}

/* ---------------------------------------------------------------------------
 * the same cases against a real server (PGAI_FORMAT_PG_URL)
 * ------------------------------------------------------------------------ */

static void test_server_text_forms(void **state)
{
    const char *url = getenv("PGAI_FORMAT_PG_URL");
    PGconn *conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK) fail_msg("connect: %s", PQerrorMessage(conn));
    /* the session settings the worker uses */
    PGresult *r = PQexec(conn, "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 1; "
                               "SET bytea_output = hex; SET client_encoding = UTF8");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    int bad = 0, checked = 0;
    for (size_t i = 0; i < sizeof(value_cases) / sizeof(*value_cases); i++) {
        const vcase *c = &value_cases[i];
        if (!c->sql) continue;
        char q[1024];
        snprintf(q, sizeof(q), "SET TimeZone = '%s'", c->tz ? c->tz : "UTC");
        r = PQexec(conn, q);
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        snprintf(q, sizeof(q), "SELECT %s", c->sql);
        r = PQexec(conn, q);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            print_error("[%s]: %s", c->sql, PQresultErrorMessage(r));
            bad++;
            PQclear(r);
            continue;
        }
        format_value v = {"x", PQftype(r, 0), 0, PQgetisnull(r, 0, 0) ? NULL : PQgetvalue(r, 0, 0)};
        if (v.type_oid != c->oid || (v.text == NULL) != (c->text == NULL) || (v.text && strcmp(v.text, c->text) != 0)) {
            print_error("[%s]: server gives oid %u [%s], case has oid %u [%s]\n", c->sql, v.type_oid,
                        v.text ? v.text : "NULL", c->oid, c->text ? c->text : "NULL");
            bad++;
        }
        buf b;
        buf_init(&b, BUF_NO_LIMIT);
        assert_int_equal(pyrepr_render(&v, &b), 0);
        if (strcmp(b.data, c->want) != 0) {
            print_error("[%s]: rendered [%s], want [%s]\n", c->sql, b.data, c->want);
            bad++;
        }
        buf_free(&b);
        PQclear(r);
        checked++;
    }
    PQfinish(conn);
    print_message("checked %d expressions against the server\n", checked);
    assert_int_equal(bad, 0);
}

int main(void)
{
    if (getenv("PGAI_FORMAT_PG_URL")) {
        const struct CMUnitTest server_tests[] = {cmocka_unit_test(test_server_text_forms)};
        return cmocka_run_group_tests(server_tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholders),  cmocka_unit_test(test_dollar_escapes),
        cmocka_unit_test(test_unknown_names), cmocka_unit_test(test_invalid_placeholders),
        cmocka_unit_test(test_render_errors), cmocka_unit_test(test_values),
        cmocka_unit_test(test_str_repr),      cmocka_unit_test(test_float_repr),
        cmocka_unit_test(test_value_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
