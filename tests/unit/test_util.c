/* Unit tests for src/util and the pure parts of src/db (no server needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/parse.h"

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
    assert_int_equal(buf_puts(&b, "9"), -1); /* past the cap: refused, marked failed */
    assert_true(b.failed);
    assert_int_equal(buf_puts(&b, ""), -1); /* stays failed */
    assert_int_equal(b.len, 8);
    char *p = buf_take(&b);
    assert_string_equal(p, "12345678");
    assert_null(b.data);
    assert_false(b.failed);
    free(p);
    buf_free(&b);
}

/* buf_reserve makes room without changing the contents, within the cap;
 * buf_reset keeps the memory; buf_shrink frees it only above its limit. */
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

    buf_shrink(&b, cap); /* not above the limit: kept as it is */
    assert_ptr_equal(b.data, mem);
    assert_string_equal(b.data, "next");
    buf_shrink(&b, cap - 1);
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
    buf_init(&b, 0);
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
    buf_init(&b, 0);
    assert_int_equal(log_render_json(&b, 0, PGAI_LOG_ERROR, "say \"hi\"", "a=1 msg='two words' c=x"), 0);
    assert_string_equal(b.data, "{\"timestamp\":\"1970-01-01T00:00:00Z\",\"level\":\"error\",\"event\":\"say \\\"hi\\\"\","
                                "\"a\":\"1\",\"msg\":\"two words\",\"c\":\"x\"}\n");
    buf_free(&b);
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
    buf_init(&b, 0);
    assert_int_equal(db_append_ident(&b, "public"), 0);
    assert_int_equal(buf_puts(&b, " "), 0);
    assert_int_equal(db_append_ident(&b, "My \"Schema\""), 0);
    assert_int_equal(buf_puts(&b, " "), 0);
    assert_int_equal(db_append_ident(&b, "9lives"), 0);
    assert_string_equal(b.data, "\"public\" \"My \"\"Schema\"\"\" \"9lives\"");
    buf_reset(&b);
    assert_int_equal(db_append_literal(&b, "it's"), 0);
    assert_string_equal(b.data, "'it''s'");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_bool),   cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_buf_cap),      cmocka_unit_test(test_log_text),
        cmocka_unit_test(test_log_json),     cmocka_unit_test(test_log_level_parse),
        cmocka_unit_test(test_one_line),     cmocka_unit_test(test_append_ident),
        cmocka_unit_test(test_buf_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
