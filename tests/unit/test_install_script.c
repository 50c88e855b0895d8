/* Unit tests for the embedded SQL bundle and the install script it builds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "install/sql_bundle.h"
#include "pgai/pgai.h"

static void test_versions(void **state)
{
    assert_string_equal(pgai_compatible_version(), "0.12.1");
    char want[64];
    snprintf(want, sizeof(want), "0.12.1+c%s", pgai_version());
    assert_string_equal(pgai_library_version(), want);
}

/* The wrapper quotes bodies with these dollar tags, so no file may contain them. */
static void test_no_reserved_dollar_tags(void **state)
{
    for (size_t i = 0; i < sql_bundle_count; i++) {
        assert_null(strstr(sql_bundle[i].text, "$pgai_body$"));
        assert_null(strstr(sql_bundle[i].text, "$pgai_migration$"));
        assert_null(strstr(sql_bundle[i].text, "$pgai_run$"));
    }
}

/* head first, then migrations, then idempotent files, each group in name order. */
static void test_bundle_order(void **state)
{
    assert_true(sql_bundle_count > 20);
    assert_int_equal(sql_bundle[0].kind, SQL_HEAD);
    for (size_t i = 1; i < sql_bundle_count; i++) {
        assert_true(sql_bundle[i].kind >= sql_bundle[i - 1].kind);
        if (sql_bundle[i].kind == sql_bundle[i - 1].kind)
            assert_true(strcmp(sql_bundle[i - 1].name, sql_bundle[i].name) < 0);
    }
}

static void test_script_substitutes_placeholders(void **state)
{
    char *s = pgai_install_script("My Vec");
    assert_non_null(s);
    assert_null(strstr(s, "__version__"));
    assert_null(strstr(s, "@extschema:vector@"));
    assert_non_null(strstr(s, pgai_library_version()));
    assert_non_null(strstr(s, "_name text := '001-vectorizer.sql'"));
    assert_non_null(strstr(s, "_name text := '030-add_vectorizer_errors_view.sql'"));
    assert_null(strstr(s, "031-semantic-catalog.sql")); /* out of scope, on purpose */
    free(s);
    assert_null(pgai_install_script("bad'schema"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_no_reserved_dollar_tags),
        cmocka_unit_test(test_bundle_order),
        cmocka_unit_test(test_script_substitutes_placeholders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
