/*
 * Unit tests for parse_duration (src/util/parse.c): pgai's
 * TimeDurationParamType = pytimeparse 1.1.8, then int(s, 10) (spec §1.5).
 * Expected values follow pytimeparse's evaluation rules: all numbers whole
 * -> exact sum; only larger units fractional -> int(their sum) + seconds;
 * fractional seconds -> float sum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"

static void ok(const char *s, double want)
{
    double v = -12345;
    char err[256] = "";
    if (parse_duration_msg(s, &v, err, sizeof(err)) != 0) fail_msg("\"%s\": unexpected error: %s", s, err);
    if (v != want) fail_msg("\"%s\": got %.17g, want %.17g", s, v, want);
    double v2 = -1;
    assert_int_equal(parse_duration(s, &v2), 0);
    assert_true(v2 == want);
}

static void bad(const char *s, const char *msg)
{
    double v = 777;
    char err[256] = "";
    if (parse_duration_msg(s, &v, err, sizeof(err)) != -1) fail_msg("\"%s\": accepted as %g", s, v);
    assert_true(v == 777); /* untouched */
    if (strcmp(err, msg) != 0) fail_msg("\"%s\": message \"%s\", want \"%s\"", s, err, msg);
    assert_int_equal(parse_duration(s, &v), -1);
}

static void invalid(const char *s)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "'%s' is not a valid duration string or integer", s);
    bad(s, msg);
}

static void test_spec_examples(void **state)
{
    ok("5m", 300);
    ok("45m", 2700);
    ok("1h", 3600);
    ok("1h30m", 5400);
    ok("1 hour, 30 minutes", 5400);
    ok("2d", 172800);
    ok("1w", 604800);
    ok("90", 90); /* no unit: not pytimeparse, int() */
    ok("0.1s", 0.1);
    ok("1.5m", 90);
    ok("1.2 seconds", 1.2);
    ok("-5s", -5); /* pytimeparse accepts a sign: negative, no check */
    ok("1:30", 90);
    bad("-5", "time duration can't be negative");
}

static void test_pytimeparse_docstring(void **state)
{
    ok("1:24", 84);
    ok(":22", 22);
    ok("1 minute, 24 secs", 84);
    ok("1m24s", 84);
    ok("1.2 minutes", 72);
    ok("- 1 minute", -60);
    ok("+ 1 minute", 60);
}

static void test_unit_spellings(void **state)
{
    const char *w[] = {"w", "wk", "wks", "week", "weeks"};
    const char *d[] = {"d", "dy", "dys", "day", "days"};
    const char *h[] = {"h", "hr", "hrs", "hour", "hours"};
    const char *m[] = {"m", "min", "mins", "minute", "minutes"};
    const char *s[] = {"s", "sec", "secs", "second", "seconds"};
    char buf[32];
    for (int i = 0; i < 5; i++) {
        snprintf(buf, sizeof(buf), "2%s", w[i]), ok(buf, 2 * 604800);
        snprintf(buf, sizeof(buf), "2 %s", d[i]), ok(buf, 2 * 86400);
        snprintf(buf, sizeof(buf), "2%s", h[i]), ok(buf, 2 * 3600);
        snprintf(buf, sizeof(buf), "2  %s", m[i]), ok(buf, 2 * 60);
        snprintf(buf, sizeof(buf), "2%s", s[i]), ok(buf, 2);
    }
    /* case-insensitive */
    ok("5M", 300);
    ok("1 HOUR", 3600);
    ok("2 Days", 172800);
    /* all five parts, in order, with every kind of separator */
    ok("1w2d3h4m5s", 604800 + 172800 + 10800 + 240 + 5);
    ok("1 week, 2 days / 3 hours,4 minutes 5 seconds", 604800 + 172800 + 10800 + 240 + 5);
    ok("1h/30m", 5400);
    ok("1 hour , 30 minutes", 5400);
    /* a separator may follow any part but seconds */
    ok("5m,", 300);
    ok("5m, ", 300);
    invalid("5s,");
}

static void test_numbers(void **state)
{
    /* fractional larger units, whole seconds: int(sum) + seconds */
    ok("1.1m", 66); /* 66.00000000000001 truncated */
    ok("0.01m", 0); /* 0.6 -> 0 */
    ok("1.5h 30m", 7200);
    ok("1.5m 1s", 91);
    ok(".5m", 30);
    ok("1.m", 60);
    /* fractional seconds: float sum */
    ok("0.5s", 0.5);
    ok("1m 0.5s", 60.5);
    ok("1.5m 0.5s", 90.5);
    ok("-0.1s", -0.1);
    ok("-1.5m", -90);
    ok("0s", 0);
    ok("00010s", 10);
}

static void test_clock_forms(void **state)
{
    ok("01:30", 90);
    ok("1:75", 135);      /* no range check */
    ok("1:30.5", 90.5);   /* fractional seconds: float */
    ok("1:30:00", 5400);  /* H:MM:SS */
    ok("100:00:00", 360000);
    ok("1:02:03:04", 86400 + 7200 + 180 + 4); /* D:HH:MM:SS */
    ok("1-02:03:04", 86400 + 7200 + 180 + 4); /* D-HH:MM:SS */
    ok("1w 2d 3:04:05", 604800 + 172800 + 10800 + 240 + 5);
    ok("1d, 2:00:00", 86400 + 7200);
    ok("1.5d 1:00:00", 133200); /* int(129600.0 + 3600.0 + 0.0) + 0 */
    ok("0:00:01.25", 1.25);
    ok(" :05 ", 5);
    ok("-1:30", -90);
}

static void test_whitespace_and_int_fallback(void **state)
{
    ok("  5m  ", 300);
    ok("5m\n", 300); /* '$' before a final newline */
    ok("\t- 5 m", -300);
    ok("0", 0);
    ok("-0", 0);
    ok(" 42 ", 42);
    ok("+7", 7);
    ok("1_000", 1000);
    bad("-1_000", "time duration can't be negative");
}

/* Ours: a bare decimal number of seconds (pgai: "not a valid duration string or integer"). */
static void test_bare_decimal(void **state)
{
    ok("0.5", 0.5);
    ok(" 2.25 ", 2.25);
    ok(".5", 0.5);
    ok("3.", 3);
    ok("+1.5", 1.5);
    ok("-0.0", 0);
    bad("-0.5", "time duration can't be negative");
    bad(" -2.5 ", "time duration can't be negative");
    invalid("- 2.5"); /* as Python float(): no space after the sign */
    invalid("1.2.3");
    invalid(".");
    invalid("1 .5");
    invalid("0.5 5");
    invalid("1_0.5");
}

static void test_malformed(void **state)
{
    invalid("5 minutes minutes");
    invalid("1:2:3:4:5");
    invalid("m");
    invalid("");
    invalid("1.2.3s"); /* pytimeparse 1.1.8 raises ValueError from float() */
    invalid("5x");
    invalid(".s");
    invalid("1..5m");
    invalid("1h1h");   /* each unit at most once */
    invalid("1s1m");   /* and in weeks..seconds order */
    invalid("1h 30");  /* a bare number after a unit */
    invalid("1h,,30m");
    invalid(",5m");
    invalid("1:5");    /* clock seconds need two digits */
    invalid("100:30"); /* minutes of M:SS have one or two digits */
    invalid(":5");
    invalid("1w 1:30"); /* weeks/days only combine with H:MM:SS */
    invalid("1:30.");
    invalid("s5");
    invalid("1 2");
    invalid("+-5s");
    invalid("5e3s");
    invalid("1 ms");
    invalid("1__0");
    invalid("99999999999999999999"); /* beyond long long */
    bad("5m\nx", "'5m\\nx' is not a valid duration string or integer");
    /* repr() quoting as Python does it */
    bad("it's", "\"it's\" is not a valid duration string or integer");
    bad("a\\b", "'a\\\\b' is not a valid duration string or integer");
    bad("\t", "'\\t' is not a valid duration string or integer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_pytimeparse_docstring),
        cmocka_unit_test(test_unit_spellings),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_clock_forms),
        cmocka_unit_test(test_whitespace_and_int_fallback),
        cmocka_unit_test(test_bare_decimal),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
