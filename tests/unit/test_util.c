/* Unit tests for src/util and the pure parts of src/db (no server needed). */
#include <ctype.h>
#include <ftw.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "util/buf.h"
#include "cli/log_render.h"
#include "util/log.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/secret.h"
#include "util/utf8.h"

/* test_buf_nomem asks for more memory than exists: under AddressSanitizer
 * that must be a NULL from realloc, as without it, not a report. The
 * runtime looks this up by name, so it must stay visible despite
 * -fvisibility=hidden. */
__attribute__((visibility("default"))) const char *__asan_default_options(void);
__attribute__((visibility("default"))) const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

static void test_parse_bool(void **state)
{
    int v = -1;
    const char *yes[] = {"1", "true", "T", "yes", "Y", "on", " TRUE ", "On"};
    const char *no[] = {"0", "false", "F", "no", "n", "OFF", "\tfalse\n"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
        assert_int_equal(parse_bool(yes[i], &v), 0);
        assert_int_equal(v, 1);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
        assert_int_equal(parse_bool(no[i], &v), 0);
        assert_int_equal(v, 0);
    }
    assert_int_equal(parse_bool("maybe", &v), -1);
    assert_int_equal(parse_bool("", &v), -1);
    assert_int_equal(parse_bool("truee", &v), -1);
    assert_int_equal(parse_bool(NULL, &v), -1);
}

static void test_parse_int(void **state)
{
    long long v = 0;
    assert_int_equal(parse_int("42", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(parse_int("  -7 ", &v), 0);
    assert_int_equal(v, -7);
    assert_int_equal(parse_int("+1_000", &v), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(parse_int("9223372036854775807", &v), 0);
    assert_true(v == 9223372036854775807LL);
    assert_int_equal(parse_int("9223372036854775808", &v), -1);
    assert_int_equal(parse_int("1__0", &v), -1);
    assert_int_equal(parse_int("_1", &v), -1);
    assert_int_equal(parse_int("1_", &v), -1);
    assert_int_equal(parse_int("12a", &v), -1);
    assert_int_equal(parse_int("", &v), -1);
    assert_int_equal(parse_int("-", &v), -1);
}

static void test_buf_cap(void **state)
{
    buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "1234"), 0);
    assert_int_equal(buf_printf(&b, "%d", 5678), 0);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(buf_error(&b), 0);
    assert_int_equal(buf_puts(&b, "9"), -1); /* past the cap: refused, marked failed */
    assert_true(b.failed);
    assert_int_equal(buf_error(&b), BUF_E_TOO_LARGE);
    assert_int_equal(buf_puts(&b, ""), -1); /* stays failed */
    assert_int_equal(buf_printf(&b, "%s", ""), -1);
    assert_int_equal(buf_error(&b), BUF_E_TOO_LARGE);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678"); /* a refused append appends nothing */
    char *p = buf_take(&b);
    assert_string_equal(p, "12345678");
    assert_null(b.data);
    assert_false(b.failed);
    free(p);
    buf_free(&b);
}

/* The allocator refusing is BUF_E_NOMEM, not "too large": a cap this big
 * lets the request through to realloc, which cannot give SIZE_MAX / 4. */
static void test_buf_nomem(void **state)
{
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(buf_puts(&b, "kept"), 0);
    assert_int_equal(buf_reserve(&b, SIZE_MAX / 4), -1);
    assert_int_equal(buf_error(&b), BUF_E_NOMEM);
    assert_string_equal(b.data, "kept"); /* the data is still there, for the caller to free */
    assert_int_equal(buf_puts(&b, "x"), -1); /* sticky, and the first reason is kept */
    assert_int_equal(buf_error(&b), BUF_E_NOMEM);
    buf_reset(&b);
    assert_int_equal(buf_error(&b), 0);
    buf_free(&b);

    /* over the cap is TOO_LARGE even when memory would also run out */
    buf_init(&b, 16);
    assert_int_equal(buf_reserve(&b, SIZE_MAX / 4), -1);
    assert_int_equal(buf_error(&b), BUF_E_TOO_LARGE);
    buf_free(&b);

    /* a zeroed buf (never initialised) may be freed, and refuses appends */
    buf z = {0};
    assert_int_equal(buf_puts(&z, "x"), -1);
    assert_int_equal(buf_error(&z), BUF_E_TOO_LARGE);
    buf_free(&z);
}

/* buf_init(b, 0) is a forgotten cap: the process stops there. */
static void test_buf_zero_cap_aborts(void **state)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr)) _exit(2); /* the expected message is not a test failure */
        buf b;
        buf_init(&b, 0);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

/* buf_truncate cuts and keeps the NUL; a larger length is ignored. */
static void test_buf_truncate(void **state)
{
    buf b;
    buf_init(&b, 64);
    assert_int_equal(buf_puts(&b, "hello world"), 0);
    buf_truncate(&b, 5);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "hello");
    buf_truncate(&b, 50); /* longer than the text: nothing changes */
    assert_string_equal(b.data, "hello");
    assert_int_equal(buf_puts(&b, "!"), 0); /* appends go on from the cut */
    assert_string_equal(b.data, "hello!");
    buf_truncate(&b, 0);
    assert_string_equal(b.data, "");
    buf_free(&b);
    buf_init(&b, 64);
    buf_truncate(&b, 0); /* no memory yet: a no-op, not a crash */
    assert_null(b.data);
    buf_free(&b);

    /* a cut does not clear a failure: the text is still incomplete */
    buf_init(&b, 4);
    assert_int_equal(buf_puts(&b, "abcdef"), -1);
    assert_int_equal(buf_puts(&b, "ab"), -1);
    buf_truncate(&b, 0);
    assert_int_equal(buf_error(&b), BUF_E_TOO_LARGE);
    buf_free(&b);

    /* buf_reset_max: emptied, with the new cap */
    buf_init(&b, 4);
    assert_int_equal(buf_puts(&b, "abcd"), 0);
    buf_reset_max(&b, 2);
    assert_int_equal(b.max, 2);
    assert_int_equal(buf_puts(&b, "abc"), -1);
    assert_int_equal(buf_error(&b), BUF_E_TOO_LARGE);
    buf_free(&b);
}

/* One decoder for every module: well-formed sequences, the ones Python's
 * strict decoder refuses, and what its errors="replace" makes of them. */
static void test_utf8(void **state)
{
    static const struct {
        const char *s;
        size_t n, len; /* len: utf8_sequence; 0 = none */
        uint32_t cp;
        size_t bad; /* utf8_invalid_length when len == 0 */
    } cases[] = {
        {"A", 1, 1, 'A', 0},
        {"\xc3\xa9", 2, 2, 0xE9, 0},
        {"\xe2\x82\xac", 3, 3, 0x20AC, 0},
        {"\xf0\x9f\x98\x80", 4, 4, 0x1F600, 0},
        {"\xf4\x8f\xbf\xbf", 4, 4, 0x10FFFF, 0},
        {"\x80", 1, 0, 0, 1},             /* a stray continuation byte */
        {"\xc0\xaf", 2, 0, 0, 1},         /* overlong 2-byte form */
        {"\xe0\x80\xaf", 3, 0, 0, 1},     /* overlong 3-byte form */
        {"\xed\xa0\x80", 3, 0, 0, 1},     /* a surrogate */
        {"\xf4\x90\x80\x80", 4, 0, 0, 1}, /* past U+10FFFF */
        {"\xf5\x80\x80\x80", 4, 0, 0, 1},
        {"\xe2\x82", 2, 0, 0, 2},         /* cut short: one U+FFFD for both bytes */
        {"\xf0\x9f\x98" "A", 4, 0, 0, 3},
        {"\xe2" "A", 2, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const unsigned char *p = (const unsigned char *)cases[i].s;
        uint32_t cp = 0;
        assert_int_equal(utf8_sequence(p, cases[i].n), cases[i].len);
        assert_int_equal(utf8_decode(p, cases[i].n, &cp), cases[i].len);
        assert_int_equal(cp, cases[i].len ? cases[i].cp : 0xFFFD);
        if (!cases[i].len) assert_int_equal(utf8_invalid_length(p, cases[i].n), cases[i].bad);
    }
    /* WTF-8 takes the surrogates, and nothing else that UTF-8 refuses */
    uint32_t cp;
    assert_int_equal(wtf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 3);
    assert_int_equal(cp, 0xD800);
    assert_int_equal(wtf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
    /* the first bad byte, past the 8-byte ASCII fast path */
    assert_int_equal(utf8_invalid_at((const unsigned char *)"0123456789abc\xc3\xa9", 15), 15);
    assert_int_equal(utf8_invalid_at((const unsigned char *)"0123456789abc\xc3", 14), 13);
    assert_int_equal(utf8_invalid_at((const unsigned char *)"", 0), 0);
    /* Python's str.isspace() */
    const uint32_t spaces[] = {' ', '\t', '\n', 0x0B, 0x0C, '\r', 0x1C, 0x1F, 0x85, 0xA0, 0x1680, 0x2000, 0x200A,
                               0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    for (size_t i = 0; i < sizeof(spaces) / sizeof(*spaces); i++) assert_true(unicode_isspace(spaces[i]));
    const uint32_t others[] = {'a', 0, 0x08, 0x7F, 0x200B, 0xFEFF, 0x180E};
    for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++) assert_false(unicode_isspace(others[i]));
}

/* err_printf: cut to the buffer, always terminated, -1 to return; a prefix with err_vprintf. */
static int prefixed(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int prefixed(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = err_vprintf(err, errlen, "invalid: ", fmt, ap);
    va_end(ap);
    return rc;
}

static void test_err_printf(void **state)
{
    char err[8];
    assert_int_equal(err_printf(err, sizeof(err), "n=%d", 42), -1);
    assert_string_equal(err, "n=42");
    assert_int_equal(err_printf(err, sizeof(err), "%s", "far too long"), -1);
    assert_string_equal(err, "far too");
    assert_int_equal(err_printf(NULL, 0, "nothing %d", 1), -1);
    char big[64];
    assert_int_equal(prefixed(big, sizeof(big), "%s is %d", "x", 3), -1);
    assert_string_equal(big, "invalid: x is 3");
    assert_int_equal(prefixed(err, sizeof(err), "%s", "x"), -1); /* the prefix alone fills it */
    assert_string_equal(err, "invalid");
}

/* Every occurrence is masked, a short secret keeps the text's length, and a
 * secret made of asterisks does not loop on its own mask. */
static void test_secret_mask(void **state)
{
    char msg[64] = "password=hunter2 again hunter2";
    secret_mask(msg, "hunter2");
    assert_string_equal(msg, "password=*** again ***");
    char shortpw[32] = "x=ab ab";
    secret_mask(shortpw, "ab"); /* "***" would make the text longer than its buffer may allow */
    assert_string_equal(shortpw, "x=** **");
    char stars[32] = "a *** b ****";
    secret_mask(stars, "***");
    assert_string_equal(stars, "a *** b ****");
    secret_mask(stars, "*");
    assert_string_equal(stars, "a *** b ****");
    char none[16] = "nothing";
    secret_mask(none, "");
    secret_mask(none, NULL);
    assert_string_equal(none, "nothing");
    secret_free(NULL);
    secret_free(strdup("sk-key"));
}

/* buf_reserve makes room without changing the contents, within the cap;
 * buf_reset keeps the memory; buf_free_if_above frees it only above its limit. */
static void test_buf_reuse(void **state)
{
    buf b;
    buf_init(&b, 1000);
    assert_int_equal(buf_puts(&b, "abc"), 0);
    assert_int_equal(buf_reserve(&b, 500), 0);
    assert_true(b.cap >= 504);
    assert_int_equal(b.len, 3);
    assert_string_equal(b.data, "abc");
    char *mem = b.data;
    size_t cap = b.cap;
    assert_int_equal(buf_reserve(&b, 998), -1); /* 3 + 998 > 1000 */
    assert_true(b.failed);

    buf_reset(&b);
    assert_false(b.failed);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_ptr_equal(b.data, mem); /* the memory stays for the next use */
    assert_int_equal(b.cap, cap);
    assert_int_equal(buf_puts(&b, "next"), 0);
    assert_ptr_equal(b.data, mem);

    buf_free_if_above(&b, cap); /* not above the limit: kept as it is */
    assert_ptr_equal(b.data, mem);
    assert_string_equal(b.data, "next");
    buf_free_if_above(&b, cap - 1);
    assert_null(b.data);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 1000); /* the cap survives */
    assert_int_equal(buf_puts(&b, "again"), 0);
    assert_string_equal(b.data, "again");
    buf_free(&b);
}

static void test_log_text(void **state)
{
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(log_render_text(&b, 0, PGAI_LOG_INFO, "running vectorizer", "vectorizer_id=1"), 0);
    /* the timestamp is local time: check the rest */
    const char *rest = strchr(b.data, '[');
    assert_non_null(rest);
    assert_string_equal(rest, "[info     ] running vectorizer             vectorizer_id=1\n");
    buf_reset(&b);
    assert_int_equal(log_render_text(&b, 0, PGAI_LOG_WARNING, "no vectorizers found", ""), 0);
    assert_string_equal(strchr(b.data, '['), "[warning  ] no vectorizers found\n");
    buf_free(&b);
}

static void test_log_json(void **state)
{
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(log_render_json(&b, 0, PGAI_LOG_ERROR, "say \"hi\"", "a=1 msg='two words' c=x"), 0);
    assert_string_equal(b.data, "{\"timestamp\":\"1970-01-01T00:00:00Z\",\"level\":\"error\",\"event\":\"say \\\"hi\\\"\","
                                "\"a\":1,\"msg\":\"two words\",\"c\":\"x\"}\n");
    buf_free(&b);
}

/* Unquoted numbers are JSON numbers; what only looks like one, or is quoted, stays a string. */
static void test_log_json_numbers(void **state)
{
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(log_render_json(&b, 0, PGAI_LOG_INFO, "e",
                                     "a=0 b=-12 c=2.5 d=1e-07 e=6.02E+23 f='7' g=007 h=1. i=.5 j=1.2.3 k=- l=1e"
                                     " m=0x10 n=127.0.0.1 o=nan p= q=-0.0 r=123456789012345 s=1234567890123456 t=4E333333333333"),
                     0);
    assert_string_equal(strstr(b.data, "\"a\""),
                        "\"a\":0,\"b\":-12,\"c\":2.5,\"d\":\"1e-07\",\"e\":\"6.02E+23\",\"f\":\"7\",\"g\":\"007\","
                        "\"h\":\"1.\",\"i\":\".5\",\"j\":\"1.2.3\",\"k\":\"-\",\"l\":\"1e\",\"m\":\"0x10\","
                        "\"n\":\"127.0.0.1\",\"o\":\"nan\",\"p\":\"\",\"q\":-0.0,\"r\":123456789012345,"
                        "\"s\":\"1234567890123456\",\"t\":\"4E333333333333\"}\n");
    buf_free(&b);
}

/* Text that is not UTF-8 (a server's bytes in an SQL_ASCII database) still
 * makes a JSON line: each bad sequence becomes U+FFFD, controls are escaped. */
static void test_log_json_not_utf8(void **state)
{
    buf b;
    buf_init(&b, LOG_LINE_MAX);
    assert_int_equal(log_render_json(&b, 0, PGAI_LOG_INFO, "bad \xff byte\n", "k='v\xc3' n=1"), 0);
    assert_string_equal(b.data, "{\"timestamp\":\"1970-01-01T00:00:00Z\",\"level\":\"info\",\"event\":\"bad \xef\xbf\xbd byte\\n\","
                                "\"k\":\"v\xef\xbf\xbd\",\"n\":1}\n");
    json_error_t jerr;
    json_t *doc = json_loads(b.data, 0, &jerr);
    if (!doc) fail_msg("not JSON (%s): %s", jerr.text, b.data);
    json_decref(doc);
    buf_free(&b);
}

/* log_event's output, kept for the test to look at. */
typedef struct captured {
    char event[256];
    char fields[4096];
} captured;

static void capture(void *userdata, pgai_log_level level, const char *event, const char *fields)
{
    captured *c = userdata;
    snprintf(c->event, sizeof(c->event), "%s", event);
    snprintf(c->fields, sizeof(c->fields), "%s", fields);
}

/* The JSON line log_render_json makes of `fields`, parsed. */
static json_t *json_of(const char *fields)
{
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(log_render_json(&b, 0, PGAI_LOG_INFO, "event", fields), 0);
    json_error_t jerr;
    json_t *doc = json_loads(b.data, 0, &jerr);
    if (!doc) fail_msg("not JSON (%s): %s", jerr.text, b.data);
    buf_free(&b);
    return doc;
}

static const char *member(json_t *doc, const char *key)
{
    const char *v = json_string_value(json_object_get(doc, key));
    assert_non_null(v);
    return v;
}

static void test_log_event_quoting(void **state)
{
    captured c;
    logger lg = {capture, &c, PGAI_LOG_DEBUG};
    /* a server error with quotes, a backslash and a newline, as a provider might send */
    log_error(&lg, "embedding failed", "vectorizer_id=%d error='%s' attempt=%d", 3,
              "invalid input syntax for type integer: 'abc'\n\\N isn't \"null\"", 2);
    assert_string_equal(c.fields, "vectorizer_id=3 error='invalid input syntax for type integer: \\'abc\\' "
                                  "\\\\N isn\\'t \"null\"' attempt=2");

    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(log_render_text(&b, 0, PGAI_LOG_ERROR, "two\nlines", c.fields), 0);
    assert_ptr_equal(strchr(b.data, '\n'), b.data + b.len - 1);
    assert_string_equal(strchr(b.data, '['), "[error    ] two lines                      vectorizer_id=3 "
                                             "error='invalid input syntax for type integer: \\'abc\\' "
                                             "\\\\N isn\\'t \"null\"' attempt=2\n");
    buf_free(&b);

    /* the newline became a space; everything else comes back exactly */
    json_t *doc = json_of(c.fields);
    assert_int_equal(json_object_size(doc), 6); /* timestamp, level, event and the three fields */
    assert_int_equal(json_integer_value(json_object_get(doc, "vectorizer_id")), 3);
    assert_string_equal(member(doc, "error"), "invalid input syntax for type integer: 'abc' \\N isn't \"null\"");
    assert_int_equal(json_integer_value(json_object_get(doc, "attempt")), 2);
    json_decref(doc);

    /* only quoted values are escaped: an unquoted one is written as it is */
    log_debug(&lg, "connected to the database", "user=%s dbname=%s", "o\\brien", "it's");
    assert_string_equal(c.fields, "user=o\\brien dbname=it's");
    log_info(&lg, "no fields", NULL);
    assert_string_equal(c.fields, "");
}

/* Without quotes or backslashes in the values, the fields are exactly printf's. */
static void test_log_event_like_printf(void **state)
{
#define FMT "a=%d b=%ld c=%lld d=%u e=%lu f=%llu g=%zu h=%.0f i=%.2f j=%g k=%f l=%s m='%s' n=%.3s o='%.*s' p=100%%"
#define ARGS -1, -2L, -3LL, 4u, 5ul, 6ull, (size_t)7, 2.5, 0.125, 1e-7, -3.0, "x", "two words", "abcdef", 2, "xyz"
    captured c;
    logger lg = {capture, &c, PGAI_LOG_DEBUG};
    char want[512];
    snprintf(want, sizeof(want), FMT, ARGS);
    log_info(&lg, "numbers", FMT, ARGS);
    assert_string_equal(c.fields, want);
#undef FMT
#undef ARGS
    log_info(&lg, "numbers", "count=%d vectorizer_id=%d", 12, 1);
    json_t *doc = json_of(c.fields);
    assert_true(json_is_integer(json_object_get(doc, "count")));
    assert_int_equal(json_integer_value(json_object_get(doc, "count")), 12);
    assert_int_equal(json_integer_value(json_object_get(doc, "vectorizer_id")), 1);
    json_decref(doc);
    /* a dropped record is not formatted */
    lg.min = PGAI_LOG_WARNING;
    log_info(&lg, "dropped", "count=%d", 13);
    assert_string_equal(c.event, "numbers");
}

static void test_log_event_truncation(void **state)
{
    captured c;
    logger lg = {capture, &c, PGAI_LOG_DEBUG};
    char big[3001];

    /* "x" then backslashes: the last pair that fits ends at 2046, and the next one is left out whole */
    memset(big, '\\', 3000);
    big[0] = 'x';
    big[3000] = '\0';
    log_warn(&lg, "long", "n=%d error='%s'", 1, big);
    assert_int_equal(strlen(c.fields), 2046);
    assert_memory_equal(c.fields + 2044, "\\\\", 2);
    json_t *doc = json_of(c.fields);
    const char *v = member(doc, "error");
    assert_int_equal(strlen(v), 1 + (2046 - 12) / 2);
    assert_int_equal(strspn(v + 1, "\\"), strlen(v) - 1);
    json_decref(doc);

    memset(big, '\'', 3000);
    log_warn(&lg, "long", "n=%d error='%s'", 1, big);
    assert_int_equal(strlen(c.fields), 2047);
    doc = json_of(c.fields);
    v = member(doc, "error");
    assert_int_equal(strspn(v, "'"), (2047 - 11) / 2);
    assert_int_equal(strlen(v), (2047 - 11) / 2);
    json_decref(doc);

    /* a cut keeps UTF-8 characters whole: jansson rejects a line with half of one */
    for (size_t i = 0; i + 2 <= 3000; i += 2) memcpy(big + i, "\xc3\xa9", 2); /* é */
    log_warn(&lg, "long", "v=%s", big);
    assert_int_equal(strlen(c.fields), 2046);
    json_decref(json_of(c.fields));
    log_warn(&lg, "precision", "a=%.2s b='%.*s'", "a\xc3\xa9", 3, "\xc3\xa9\xc3\xa9");
    assert_string_equal(c.fields, "a=a b='\xc3\xa9'");
}

static void test_log_fields_fmt_check(void **state)
{
    const char *good[] = {NULL, "", "a=1", "a=%d%%", "error='%.300s'", "x=%.*s", "s=%.0f t=%g", "n=%zu m=%lld"};
    const char *bad[] = {"x=%x", "x=%5d", "x=%-s", "x=%", "x=%.*f", "x=%zd", "x=%.2d",
                         "x=%ls", "x=%c", "x=%p", "x=%n", "x=%Lf", "x=%.s"};
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) assert_int_equal(log_fields_fmt_check(good[i]), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        if (log_fields_fmt_check(bad[i]) != -1) fail_msg("accepted %s", bad[i]);
    /* at run time: what comes before, then a mark */
    captured c;
    logger lg = {capture, &c, PGAI_LOG_DEBUG};
    log_info(&lg, "bad", "a=%d b=%x c=%s", 1, 2u, "three");
    assert_string_equal(c.fields, "a=1 b= log_format_error=1");
}

/* ---- every log call in src/ uses only what log_event supports ---- */

static int src_log_calls;

/* p at a "..." or '...' literal: the character after it. */
static const char *skip_literal(const char *p)
{
    char q = *p++;
    while (*p && *p != q) p += (*p == '\\' && p[1]) ? 2 : 1;
    return *p ? p + 1 : p;
}

/*
 * The fields format of the call whose arguments start at `p` (argument `want`,
 * counting from 0), concatenated into fmt; "" for NULL. -1 when it is not
 * made of string literals.
 */
static int call_format(const char *p, int want, char *fmt, size_t cap)
{
    const char *start = p;
    int arg = 0, depth = 0;
    for (; *p; p++) {
        if (*p == '"' || *p == '\'') p = skip_literal(p) - 1;
        else if (!strncmp(p, "/*", 2) && strstr(p + 2, "*/")) p = strstr(p + 2, "*/") + 1;
        else if (!strncmp(p, "//", 2)) p += strcspn(p, "\n");
        else if (*p == '(' || *p == '[' || *p == '{') depth++;
        else if (depth > 0 && (*p == ')' || *p == ']' || *p == '}')) depth--;
        else if (depth == 0 && (*p == ',' || *p == ')')) {
            if (arg == want || *p == ')') break;
            arg++;
            start = p + 1;
        }
    }
    if (arg != want) return -1;
    size_t len = 0;
    fmt[0] = '\0';
    for (const char *a = start; a < p; a++) {
        if (isspace((unsigned char)*a)) continue;
        if (!strncmp(a, "NULL", 4) && len == 0) {
            a += 3;
            continue;
        }
        if (*a != '"') return -1;
        const char *end = skip_literal(a);
        size_t n = (size_t)(end - a) - 2;
        if (len + n >= cap) return -1;
        memcpy(fmt + len, a + 1, n);
        fmt[len += n] = '\0';
        a = end - 1;
    }
    return 0;
}

static int check_src_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    static const char *const names[] = {"log_debug", "log_info", "log_warn", "log_error", "log_event"};
    size_t plen = strlen(path);
    if (type != FTW_F || plen < 2 || path[plen - 2] != '.' || !strchr("ch", path[plen - 1])) return 0;
    if (!strncmp(path, "src/util/log.", 13)) return 0; /* the definitions */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *text = calloc(1, (size_t)st->st_size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)st->st_size, f), (size_t)st->st_size);
    fclose(f);
    for (const char *p = text; (p = strstr(p, "log_")); p++) {
        if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
            size_t n = strlen(names[i]);
            if (strncmp(p, names[i], n) || p[n] != '(') continue;
            char fmt[1024];
            /* the format is the third argument of the macros, the fourth of log_event */
            if (call_format(p + n + 1, i == 4 ? 3 : 2, fmt, sizeof(fmt)) != 0)
                fail_msg("%s: %.60s: the fields format must be string literals or NULL", path, p);
            if (log_fields_fmt_check(fmt) != 0)
                fail_msg("%s: \"%s\": a conversion log_event does not support (see log.h)", path, fmt);
            src_log_calls++;
        }
    }
    free(text);
    return 0;
}

static void test_log_formats_in_src(void **state)
{
    /* tests/run.sh runs the tests from the repository root */
    if (nftw("src", check_src_file, 16, FTW_PHYS) != 0) fail_msg("cannot read src/ (run from the repository root)");
    assert_true(src_log_calls > 20); /* the scan did find the calls */
}

static void test_log_level_parse(void **state)
{
    pgai_log_level l;
    assert_int_equal(log_level_parse("debug", &l), 0);
    assert_int_equal(l, PGAI_LOG_DEBUG);
    assert_int_equal(log_level_parse("Warn", &l), 0);
    assert_int_equal(l, PGAI_LOG_WARNING);
    assert_int_equal(log_level_parse("FATAL", &l), 0);
    assert_int_equal(l, PGAI_LOG_CRITICAL);
    assert_int_equal(log_level_parse("WARNING", &l), -1); /* not one of pgai's choices */
}

static void test_one_line(void **state)
{
    char out[64];
    db_one_line(out, sizeof(out), "connection failed\n\tIs the server  running?\n");
    assert_string_equal(out, "connection failed Is the server running?");
    db_one_line(out, 8, "abcdefghijk");
    assert_string_equal(out, "abcdefg");
}

static void test_append_ident(void **state)
{
    buf b;
    buf_init(&b, BUF_NO_LIMIT);
    assert_int_equal(db_append_ident(&b, "public"), 0);
    assert_int_equal(buf_puts(&b, " "), 0);
    assert_int_equal(db_append_ident(&b, "My \"Schema\""), 0);
    assert_int_equal(buf_puts(&b, " "), 0);
    assert_int_equal(db_append_ident(&b, "9lives"), 0);
    assert_string_equal(b.data, "\"public\" \"My \"\"Schema\"\"\" \"9lives\"");
    buf_reset(&b);
    assert_int_equal(db_append_literal(&b, "it's"), 0);
    assert_string_equal(b.data, "'it''s'");
    /* a backslash makes it an escape string, read alike whatever standard_conforming_strings is */
    buf_reset(&b);
    assert_int_equal(db_append_literal(&b, "k\\"), 0);
    assert_string_equal(b.data, "E'k\\\\'");
    buf_reset(&b);
    assert_int_equal(db_append_literal(&b, "x\\'), y --"), 0);
    assert_string_equal(b.data, "E'x\\\\''), y --'");
    buf_free(&b);
}

/* db_sqlf: %I quotes identifiers (doubling "), %L makes literals (doubling ',
 * and E'' with doubled backslashes once there is one), %s is raw, %d an int,
 * %% a percent sign; any other conversion fails. */
static void test_sqlf(void **state)
{
    buf b;
    buf_init(&b, DB_MAX_MESSAGE);
    assert_int_equal(db_sqlf(&b, "SELECT %I FROM %I.%I", "col", "My \"Schema\"", "t\"; DROP TABLE x; --"), 0);
    assert_string_equal(b.data, "SELECT \"col\" FROM \"My \"\"Schema\"\"\".\"t\"\"; DROP TABLE x; --\"");
    buf_reset(&b);
    assert_int_equal(db_sqlf(&b, "SET x = %L, y = %L, z = %L", "plain", "it's", "a\\'b"), 0);
    assert_string_equal(b.data, "SET x = 'plain', y = 'it''s', z = E'a\\\\''b'");
    buf_reset(&b);
    assert_int_equal(db_sqlf(&b, "%L%L", "", "\\"), 0); /* empty, and a lone backslash */
    assert_string_equal(b.data, "''E'\\\\'");
    buf_reset(&b);
    assert_int_equal(db_sqlf(&b, "format('%%I', %s) LIMIT %d", "$1::text", -42), 0);
    assert_string_equal(b.data, "format('%I', $1::text) LIMIT -42");
    buf_reset(&b);
    assert_int_equal(db_sqlf(&b, "100%%"), 0);
    assert_string_equal(b.data, "100%");
    /* an unknown conversion, or a '%' at the end, is a programming error */
    buf_reset(&b);
    assert_int_equal(db_sqlf(&b, "a %x b", 1), -1);
    buf_reset(&b);
    assert_int_equal(db_sqlf(&b, "a %"), -1);
    assert_string_equal(b.data, "a ");
    buf_free(&b);
    /* past the buffer's cap: refused as any append */
    buf_init(&b, 8);
    assert_int_equal(db_sqlf(&b, "%I", "a long identifier"), -1);
    assert_int_equal(buf_error(&b), BUF_E_TOO_LARGE);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_bool),   cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_buf_cap),      cmocka_unit_test(test_log_text),
        cmocka_unit_test(test_log_json),
        cmocka_unit_test(test_log_json_numbers), cmocka_unit_test(test_log_json_not_utf8),
        cmocka_unit_test(test_log_level_parse),
        cmocka_unit_test(test_one_line),     cmocka_unit_test(test_append_ident), cmocka_unit_test(test_sqlf),
        cmocka_unit_test(test_log_event_quoting), cmocka_unit_test(test_log_event_like_printf),
        cmocka_unit_test(test_log_event_truncation), cmocka_unit_test(test_log_fields_fmt_check),
        cmocka_unit_test(test_log_formats_in_src),
        cmocka_unit_test(test_buf_reuse),    cmocka_unit_test(test_buf_nomem),
        cmocka_unit_test(test_buf_zero_cap_aborts), cmocka_unit_test(test_buf_truncate),
        cmocka_unit_test(test_secret_mask), cmocka_unit_test(test_utf8), cmocka_unit_test(test_err_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
