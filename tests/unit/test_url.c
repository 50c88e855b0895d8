/* Unit tests for src/db/url: which database URLs are accepted before connecting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "db/url.h"

static void accepted(const char *url)
{
    pgai_error err = {0};
    if (db_url_check(url, &err) != PGAI_OK) fail_msg("[%s] refused: %s", url ? url : "(null)", err.message);
}

/* Refused, with a message that has `want` and never the secret. */
static void refused(const char *url, const char *want)
{
    pgai_error err = {0};
    if (db_url_check(url, &err) != PGAI_E_INVALID) fail_msg("[%s] accepted", url);
    if (!strstr(err.message, "the database URL was not understood")) fail_msg("[%s]: %s", url, err.message);
    if (!strstr(err.message, "postgres://user@host:5432/dbname")) fail_msg("[%s]: no forms in %s", url, err.message);
    if (!strstr(err.message, want)) fail_msg("[%s]: [%s] not in %s", url, want, err.message);
    if (strstr(err.message, "secret")) fail_msg("[%s]: the password is in %s", url, err.message);
}

static void test_accepted(void **state)
{
    accepted(NULL);
    accepted("");
    accepted("postgres://u:secret@h:5432/db");
    accepted("postgresql://h/db?sslmode=require");
    accepted("postgres://");
    accepted("host=localhost dbname=postgres");
    accepted("  dbname = x");
    accepted("host=h password='a secret'");
}

static void test_refused(void **state)
{
    refused("mysql://u:secret@h/db", "'mysql://' is not a PostgreSQL URL scheme");
    refused("POSTGRES://u:secret@h/db", "(write it in lower case)");
    refused("127.0.0.1:5432", "it has no postgres:// scheme");
    refused("localhost", "it has no postgres:// scheme");
    refused("u:secret@h/db", "it has no postgres:// scheme");
    refused("host=h password='secret", "libpq cannot parse these key=value settings");
    refused("host=h nosuchkey=secret", "libpq cannot parse");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
