/* Unit tests for jsonw_string: JSON escaping and UTF-8 checking, checked
 * against fixed expectations and against jansson, whose output it replaces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/jsonw.h"

/* jsonw_string's output for s[0..n), or NULL when it refused the text. */
static char *escape(const char *s, size_t n)
{
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    if (jsonw_string(&b, s, n) != 0) {
        assert_false(b.failed); /* a refusal for the text, not for the buffer */
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

static void expect(const char *s, size_t n, const char *want)
{
    char *got = escape(s, n);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void expect_invalid(const char *s)
{
    char *got = escape(s, strlen(s));
    if (got) fail_msg("accepted invalid UTF-8, wrote %s", got);
}

static void test_escapes(void **state)
{
    expect("", 0, "\"\"");
    expect("plain text", 10, "\"plain text\"");
    expect("say \"hi\"", 8, "\"say \\\"hi\\\"\"");
    expect("a\\b", 3, "\"a\\\\b\"");
    expect("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
    expect("\x01\x1f\x0b", 3, "\"\\u0001\\u001F\\u000B\""); /* upper-case hex, as jansson */
    expect("a\0b", 3, "\"a\\u0000b\"");                     /* the length counts, not the NUL */
    expect("/ \x7f ~", 5, "\"/ \x7f ~\"");                  /* neither / nor DEL is escaped */
}

static void test_utf8_passes_through(void **state)
{
    expect("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");                         /* U+00E9 */
    expect("\xe2\x80\xa8", 3, "\"\xe2\x80\xa8\"");                       /* U+2028 stays raw */
    expect("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");               /* U+1F600 */
    expect("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7, "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\""); /* U+FFFF, U+10FFFF */
    expect("\xed\x9f\xbf\xee\x80\x80", 6, "\"\xed\x9f\xbf\xee\x80\x80\"");     /* around the surrogates */
    expect("\xc3\xa9\"\xc3\xa9", 5, "\"\xc3\xa9\\\"\xc3\xa9\"");               /* escapes between */
}

static void test_invalid_utf8(void **state)
{
    expect_invalid("\x80");             /* a lone continuation byte */
    expect_invalid("ok \xbf");
    expect_invalid("\xc0\x80");         /* overlong NUL */
    expect_invalid("\xc1\xbf");         /* overlong 2-byte */
    expect_invalid("\xe0\x9f\xbf");     /* overlong 3-byte */
    expect_invalid("\xf0\x8f\xbf\xbf"); /* overlong 4-byte */
    expect_invalid("\xed\xa0\x80");     /* U+D800, a surrogate */
    expect_invalid("\xed\xbf\xbf");     /* U+DFFF */
    expect_invalid("\xf4\x90\x80\x80"); /* past U+10FFFF */
    expect_invalid("\xf5\x80\x80\x80");
    expect_invalid("\xff");
    expect_invalid("\xc3");             /* cut short at the end */
    expect_invalid("\xe2\x82");
    expect_invalid("\xf0\x9f\x98");
    expect_invalid("\xe2\x28\xa1");     /* a bad continuation byte */
    expect_invalid("\xf0\x9f\x98\x41");
}

/* The buffer's cap is a failure of the buffer (b.failed), not of the text. */
static void test_buffer_cap(void **state)
{
    buf b;
    buf_init(&b, 8);
    assert_int_equal(jsonw_string(&b, "0123456789", 10), -1);
    assert_true(b.failed);
    buf_free(&b);
}

static long accepted, refused; /* both outcomes must have been compared */

/* Both must agree: same bytes when jansson takes the text, a refusal when it does not. */
static void check_like_jansson(const unsigned char *s, size_t n)
{
    json_t *str = json_stringn((const char *)s, n);
    char *want = str ? json_dumps(str, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    char *got = escape((const char *)s, n);
    if (str) accepted++;
    else refused++;
    if (!str && got) fail_msg("jansson refused what jsonw wrote as %s", got);
    if (str && !got) fail_msg("jsonw refused what jansson wrote as %s", want);
    if (str) {
        assert_non_null(want);
        assert_string_equal(got, want);
    }
    free(got);
    free(want);
    json_decref(str);
}

/* Every 1- and 2-byte string, every 3-byte string whose third byte is one of
 * the boundary values, every 4-byte lead with them, and random strings. */
static void test_agrees_with_jansson(void **state)
{
    static const unsigned char edge[] = {0x00, 0x1f, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90,
                                         0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xf4, 0xff};
    unsigned char s[16];
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        check_like_jansson(s, 1);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            check_like_jansson(s, 2);
            if (a < 0xc0) continue; /* longer strings: only multi-byte leads are interesting */
            for (size_t c = 0; c < sizeof(edge); c++) {
                s[2] = edge[c];
                check_like_jansson(s, 3);
                if (a < 0xf0) continue;
                for (size_t d = 0; d < sizeof(edge); d++) {
                    s[3] = edge[d];
                    check_like_jansson(s, 4);
                }
            }
        }
    }
    /* random strings, weighted towards the bytes that matter */
    static const unsigned char pool[] = {'a', ' ', '"', '\\', '\n', 0x01, 0x7f, 0x80, 0xbf, 0xc3, 0xa9,
                                         0xe2, 0x82, 0xac, 0xed, 0xa0, 0xf0, 0x9f, 0x98, 0xf4, 0x90, 0xff};
    unsigned int seed = 12345;
    for (int i = 0; i < 200000; i++) {
        size_t n = (size_t)rand_r(&seed) % sizeof(s);
        for (size_t k = 0; k < n; k++) s[k] = pool[(size_t)rand_r(&seed) % sizeof(pool)];
        check_like_jansson(s, n);
    }
    assert_true(accepted > 50000 && refused > 50000);
}

/* jsonw_string_replacing: the same escapes, and each malformed sequence one U+FFFD, never a refusal. */
static void test_replacing(void **state)
{
    static const struct {
        const char *s;
        size_t n;
        const char *want;
    } cases[] = {
        {"say \"hi\"\n", 9, "\"say \\\"hi\\\"\\n\""},
        {"caf\xc3\xa9", 5, "\"caf\xc3\xa9\""},
        {"a\xff" "b", 3, "\"a\xef\xbf\xbd" "b\""},
        {"\xe2\x82", 2, "\"\xef\xbf\xbd\""},                          /* cut short: one U+FFFD */
        {"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* a surrogate: three, as Python */
        {"\xc0\xaf!", 3, "\"\xef\xbf\xbd\xef\xbf\xbd!\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        buf b;
        buf_init(&b, BUF_NO_LIMIT);
        assert_int_equal(jsonw_string_replacing(&b, cases[i].s, cases[i].n), 0);
        assert_string_equal(b.data, cases[i].want);
        json_error_t jerr;
        json_t *doc = json_loadb(b.data, b.len, JSON_DECODE_ANY, &jerr);
        if (!doc) fail_msg("case %zu is not JSON: %s", i, jerr.text);
        json_decref(doc);
        buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),     cmocka_unit_test(test_utf8_passes_through),
        cmocka_unit_test(test_invalid_utf8), cmocka_unit_test(test_buffer_cap),
        cmocka_unit_test(test_agrees_with_jansson), cmocka_unit_test(test_replacing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
