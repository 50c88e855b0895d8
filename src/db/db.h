/*
 * db: thin helpers over libpq shared by every module that talks to
 * PostgreSQL: connecting with clear one-line errors, turning a failed
 * PGresult into a pgai_error, identifier quoting without a connection.
 */
#ifndef PGAI_DB_H
#define PGAI_DB_H

#include <libpq-fe.h>

#include "pgai/pgai.h"
#include "util/cancel.h"
#include "util/log.h"

/*
 * The cap of every buffer holding SQL we build or data we send in one
 * message (COPY data, a statement): PostgreSQL refuses a message, and a text
 * value, of 1 GiB or more (MaxAllocSize), so a larger buffer could never be
 * sent anyway.
 */
#define DB_MAX_MESSAGE ((size_t)0x3fffffff)

/* Fills err (code, one-line message built from fmt) and returns code. */
int error_set(pgai_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Fills err from a failed buf: "<what> is larger than N bytes" (PGAI_E_INVALID:
 * a limit, not a fault) or "out of memory for <what>" (PGAI_E_NOMEM). */
int error_set_buf(pgai_error *err, const buf *b, const char *what);
/* Puts prefix before err's message (truncating the end if needed), sets code, returns it. */
int error_wrap(pgai_error *err, int code, const char *prefix);

/*
 * Connects to `url` (URI or conninfo; NULL = libpq defaults). Sets
 * application_name to `app` unless the URL sets one, and
 * standard_conforming_strings = on. On failure returns NULL
 * and fills err with PGAI_E_CONNECT and libpq's reason on one line.
 */
PGconn *db_connect(const char *url, const char *app, const logger *lg, pgai_error *err);
/* The same, giving up (PGAI_E_CONNECT) as soon as cancel is fired (NULL: never). */
PGconn *db_connect_cancellable(const char *url, const char *app, const logger *lg, const cancel_token *cancel,
                               pgai_error *err);

/*
 * Runs a command that returns no rows (or whose rows are ignored). On failure
 * fills err from the server's error (SQLSTATE and primary message) and returns
 * its code: PGAI_E_PRIVILEGE for SQLSTATE 42501, else PGAI_E_SQL.
 */
int db_exec(PGconn *conn, const char *sql, pgai_error *err) __attribute__((warn_unused_result));

/*
 * Runs a query whose answer is one value: the first column of the first
 * row, in text form. Returns PGAI_OK with *value a malloc'ed copy (the
 * caller frees it), or NULL when there is no row or the value is NULL; on
 * failure the error's code, with *value NULL.
 */
int db_query_value(PGconn *conn, const char *sql, int nparams, const char *const *params, char **value,
                   pgai_error *err) __attribute__((warn_unused_result));

/* Collects the results of a statement sent with PQsend*: the first error, if any. */
int db_finish(PGconn *conn, pgai_error *err) __attribute__((warn_unused_result));

/* Fills err from a failed result (or from the connection when res is NULL). */
int db_error_from_result(pgai_error *err, PGconn *conn, const PGresult *res);

/* Copies s into dst (of size n) on one line: newlines and tabs become spaces, runs collapse. */
void db_one_line(char *dst, size_t n, const char *s);

/* Appends `ident` to b as a double-quoted SQL identifier. */
int db_append_ident(buf *b, const char *ident) __attribute__((warn_unused_result));
/* Appends `value` to b as an SQL string literal that means the same under any standard_conforming_strings. */
int db_append_literal(buf *b, const char *value) __attribute__((warn_unused_result));

/*
 * Appends SQL built from fmt: %I quotes an identifier, %L a string literal,
 * %s inserts raw SQL, %d an int, %% a percent sign. Values that come from a
 * user never go through %s. Another conversion is a programming error: -1,
 * with what came before it appended.
 */
int db_sqlf(buf *b, const char *fmt, ...) __attribute__((warn_unused_result));

#endif
