/*
 * url: telling a database URL that libpq will understand from one it would
 * misread. libpq takes any string without "=" that is not a postgres(ql)://
 * URI as a database name, so "mysql://u@h/db" or "127.0.0.1:5432" fail
 * only when connecting, with a message about a local socket file that does
 * not say what was wrong.
 */
#ifndef PGAI_DB_URL_H
#define PGAI_DB_URL_H

#include "pgai/pgai.h"

/*
 * PGAI_OK when url is NULL or "" (libpq's defaults and PG* variables), a
 * postgres:// or postgresql:// URI (checked further when connecting), or a
 * key=value connection string that libpq parses. Otherwise PGAI_E_INVALID
 * with a message saying which forms are accepted; it quotes at most the
 * URL's scheme, never the rest (which may hold a password).
 */
int db_url_check(const char *url, pgai_error *err);

#endif
