/* envsnap: lookups by exact name in a private copy of the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/envsnap.h"

static void test_lookup(void **state)
{
    (void)state;
    const char *entries[] = {"B=2", "A=1", "AB=x=y", "EMPTY=", "notavariable", NULL};
    env_snapshot *s = env_snapshot_of(entries);
    assert_non_null(s);
    assert_string_equal(env_get(s, "A"), "1");
    assert_string_equal(env_get(s, "B"), "2");
    assert_string_equal(env_get(s, "AB"), "x=y"); /* the first '=' ends the name */
    assert_string_equal(env_get(s, "EMPTY"), "");
    assert_null(env_get(s, "C"));
    assert_null(env_get(s, "notavariable"));
    assert_null(env_get(s, "A=1")); /* a name never holds '=' */
    assert_null(env_get(NULL, "A"));  /* NULL: an empty environment */
    env_snapshot_free(s);
}

static void test_snapshot_is_fixed(void **state)
{
    (void)state;
    setenv("PGAI_TEST_ENVSNAP", "before", 1);
    env_snapshot *s = env_snapshot_take();
    assert_non_null(s);
    setenv("PGAI_TEST_ENVSNAP", "after", 1);
    unsetenv("PATH_NOT_SET_ANYWHERE");
    assert_string_equal(env_get(s, "PGAI_TEST_ENVSNAP"), "before");
    env_snapshot_free(s);
    unsetenv("PGAI_TEST_ENVSNAP");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lookup), cmocka_unit_test(test_snapshot_is_fixed)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
