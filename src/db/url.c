/* url: database URL forms; see url.h. */
#include "db/url.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "db/db.h"

#define ACCEPTED \
    "accepted are postgres://user@host:5432/dbname, postgresql://..., and key=value settings such as 'host=localhost dbname=postgres'"

/* "key=" (spaces allowed around the key) at the start of s: a conninfo string. */
static int looks_like_conninfo(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    const char *k = s;
    while (isalnum((unsigned char)*s) || *s == '_') s++;
    if (s == k) return 0;
    while (isspace((unsigned char)*s)) s++;
    return *s == '=';
}

int db_url_check(const char *url, pgai_error *err)
{
    if (!url || !*url) return PGAI_OK;
    /* libpq's own test, which is case-sensitive */
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) return PGAI_OK;
    if (looks_like_conninfo(url)) {
        char *msg = NULL;
        PQconninfoOption *opts = PQconninfoParse(url, &msg);
        int parsed = opts != NULL;
        PQconninfoFree(opts);
        /* libpq's message quotes parts of the string, which may be a password: not repeated */
        PQfreemem(msg);
        if (parsed) return PGAI_OK;
        return error_set(err, PGAI_E_INVALID,
                         "the database URL was not understood: libpq cannot parse these key=value settings"
                         " (a value with spaces needs 'single quotes'); " ACCEPTED);
    }
    const char *sep = strstr(url, "://");
    size_t scheme = sep ? (size_t)(sep - url) : 0;
    for (size_t i = 0; i < scheme; i++)
        if (!isalnum((unsigned char)url[i]) && url[i] != '+' && url[i] != '-' && url[i] != '.') scheme = 0;
    if (scheme && scheme <= 32) {
        int upper = strncasecmp(url, "postgres", 8) == 0; /* libpq only knows the lower-case spelling */
        return error_set(err, PGAI_E_INVALID,
                         "the database URL was not understood: '%.*s://' is not a PostgreSQL URL scheme%s; " ACCEPTED,
                         (int)scheme, url, upper ? " (write it in lower case)" : "");
    }
    return error_set(err, PGAI_E_INVALID,
                     "the database URL was not understood: it has no postgres:// scheme and is not"
                     " key=value settings; " ACCEPTED);
}
