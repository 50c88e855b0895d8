/* db: libpq helpers; see db.h. */
#include "db/db.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/secret.h"

int error_set(pgai_error *err, int code, const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    err->sqlstate[0] = '\0';
    char tmp[sizeof(err->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    db_one_line(err->message, sizeof(err->message), tmp);
    return code;
}

int error_set_buf(pgai_error *err, const buf *b, const char *what)
{
    if (buf_error(b) == BUF_E_TOO_LARGE)
        return error_set(err, PGAI_E_INVALID, "%s is larger than %zu bytes", what, b->max);
    return error_set(err, PGAI_E_NOMEM, "out of memory for %s", what);
}

void db_one_line(char *dst, size_t n, const char *s)
{
    size_t o = 0;
    int space = 0;
    if (!n) return;
    for (; s && *s && o + 1 < n; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t' || *s == ' ') {
            space = 1;
            continue;
        }
        if (space && o > 0 && o + 2 < n) dst[o++] = ' ';
        space = 0;
        dst[o++] = *s;
    }
    dst[o] = '\0';
}

/*
 * libpq's URI parser quotes the URI (or a token of it) in some messages, so
 * a password could reach a log line: mask it, both as parsed and as the raw
 * text between ':' and '@' in a URL that libpq could not parse.
 */
static void mask_password(pgai_error *err, const char *url)
{
    if (!url) return;
    PQconninfoOption *opts = PQconninfoParse(url, NULL);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val) secret_mask(err->message, o->val);
    PQconninfoFree(opts);
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at) {
        char pw[512];
        snprintf(pw, sizeof(pw), "%.*s", (int)(at - colon - 1), colon + 1);
        secret_mask(err->message, pw);
        explicit_bzero(pw, sizeof(pw)); /* a copy of the password on the stack */
    }
}

/* Pins what the meaning of our SQL depends on (docs/security.md): our
 * string literals mean what they say whatever the database's or role's
 * default is. */
static int pin_session(PGconn *conn, pgai_error *err)
{
    /* (search_path is left alone: every name we send is
     * qualified, and the triggers of users' own tables, which run in our
     * sessions, may rely on their default path.) */
    return db_exec(conn, "set standard_conforming_strings = on", err);
}

/* The connect timeout in seconds: the URL's connect_timeout, else 10. */
static double connect_timeout_s(PGconn *conn)
{
    double t = 10;
    PQconninfoOption *opts = PQconninfo(conn);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && atoi(o->val) > 0) t = atoi(o->val);
    PQconninfoFree(opts);
    return t;
}

/*
 * The server's notices and warnings (RAISE NOTICE in a trigger, a
 * deprecation WARNING) go to the log, on one line, instead of libpq's default
 * of writing them raw to stderr: a JSON log stays one object per line, and
 * the library keeps its promise never to print. lg may be NULL (dropped) and
 * must outlive the connection.
 */
static void notice_to_logger(void *arg, const PGresult *res)
{
    const logger *lg = arg;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    pgai_log_level level = PGAI_LOG_INFO;
    if (sev && strcmp(sev, "WARNING") == 0) level = PGAI_LOG_WARNING;
    else if (sev && strncmp(sev, "DEBUG", 5) == 0) level = PGAI_LOG_DEBUG;
    log_event(lg, level, "message from the database server", "severity=%s message='%s'", sev ? sev : "NOTICE",
              msg ? msg : "");
}

PGconn *db_connect_cancellable(const char *url, const char *app, const logger *lg, const cancel_token *cancel,
                               pgai_error *err)
{
    /* connect_timeout comes first so a value in the URL (expanded from
     * dbname, later in the list) overrides it. */
    const char *keys[] = {"connect_timeout", "dbname", "fallback_application_name", NULL};
    const char *vals[] = {"10", url && *url ? url : NULL, app, NULL};
    /* Non-blocking connect: a server that accepts but never answers cannot
     * hang us, and firing the token ends the attempt at once (its descriptor
     * is in the poll set beside the socket). */
    PGconn *conn = PQconnectStartParams(keys, vals, 1);
    if (!conn) {
        error_set(err, PGAI_E_NOMEM, "out of memory while connecting to the database");
        return NULL;
    }
    PQsetNoticeReceiver(conn, notice_to_logger, (void *)lg); /* before the start-up, which may send notices too */
    double deadline = clock_now_s() + connect_timeout_s(conn);
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (PQstatus(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        if (cancel_fired(cancel)) {
            PQfinish(conn);
            error_set(err, PGAI_E_CONNECT, "connecting to the database was cancelled");
            return NULL;
        }
        double left = deadline - clock_now_s();
        if (left < 0) {
            PQfinish(conn);
            error_set(err, PGAI_E_CONNECT, "could not connect to the database: timeout expired");
            return NULL;
        }
        /* the socket may change between hosts or attempts: asked again each round */
        struct pollfd pfd[2] = {
            {.fd = PQsocket(conn), .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT},
            {.fd = cancel_fd(cancel), .events = POLLIN}, /* -1 without a token: ignored */
        };
        /* rounded up (waking just before the deadline would only poll again),
         * and at most a day at a time: connect_timeout may be any int */
        int ms = left > 86400 ? 86400000 : (int)(left * 1000) + 1;
        int r = pfd[0].fd >= 0 ? poll(pfd, 2, ms) : 1;
        if (r < 0 && errno != EINTR) break;
        if (r > 0 && (pfd[0].fd < 0 || pfd[0].revents)) st = PQconnectPoll(conn);
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        error_set(err, PGAI_E_CONNECT, "could not connect to the database: %s", PQerrorMessage(conn));
        mask_password(err, url);
        PQfinish(conn);
        return NULL;
    }
    if (pin_session(conn, err) != PGAI_OK) {
        PQfinish(conn);
        return NULL;
    }
    log_debug(lg, "connected to the database", "host=%s port=%s dbname=%s user=%s", PQhost(conn), PQport(conn),
              PQdb(conn), PQuser(conn));
    return conn;
}

PGconn *db_connect(const char *url, const char *app, const logger *lg, pgai_error *err)
{
    return db_connect_cancellable(url, app, lg, NULL, err);
}

int db_error_from_result(pgai_error *err, PGconn *conn, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg) msg = conn ? PQerrorMessage(conn) : "unknown database error";
    int code = (state && strcmp(state, "42501") == 0) ? PGAI_E_PRIVILEGE : PGAI_E_SQL;
    error_set(err, code, "%s", msg);
    if (err && state) snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
    return code;
}

int db_exec(PGconn *conn, const char *sql, pgai_error *err)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = PGAI_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) rc = db_error_from_result(err, conn, res);
    PQclear(res);
    return rc;
}

int db_query_value(PGconn *conn, const char *sql, int nparams, const char *const *params, char **value,
                   pgai_error *err)
{
    *value = NULL;
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    int rc = PGAI_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = db_error_from_result(err, conn, res);
    else if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0) &&
             !(*value = strdup(PQgetvalue(res, 0, 0))))
        rc = error_set(err, PGAI_E_NOMEM, "out of memory");
    PQclear(res);
    return rc;
}

int db_finish(PGconn *conn, pgai_error *err)
{
    int rc = PGAI_OK;
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (rc == PGAI_OK && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) rc = db_error_from_result(err, conn, res);
        PQclear(res);
    }
    return rc;
}

int db_append_ident(buf *b, const char *ident)
{
    /* Always quoted: an unquoted name could be a keyword or fold its case. */
    if (buf_puts(b, "\"") != 0) return -1;
    for (const char *p = ident; *p; p++)
        if (buf_append(b, p, 1) != 0 || (*p == '"' && buf_append(b, p, 1) != 0)) return -1;
    return buf_puts(b, "\"");
}

int db_append_literal(buf *b, const char *value)
{
    /*
     * An escape string literal (E'...') with backslashes and quotes doubled
     * means the same text whatever standard_conforming_strings is: a
     * database whose owner set it off cannot turn a backslash in a catalog
     * name into the end of our literal (which a plain '...' would allow).
     */
    int has_backslash = strchr(value, '\\') != NULL;
    if (buf_puts(b, has_backslash ? "E'" : "'") != 0) return -1;
    for (const char *p = value; *p; p++)
        if (buf_append(b, p, 1) != 0 || ((*p == '\'' || *p == '\\') && buf_append(b, p, 1) != 0)) return -1;
    return buf_puts(b, "'");
}

int db_sqlf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = 0;
    for (const char *p = fmt; *p && rc == 0; p++) {
        if (*p != '%') {
            rc = buf_append(b, p, 1);
            continue;
        }
        switch (*++p) {
        case 'I': rc = db_append_ident(b, va_arg(ap, const char *)); break;
        case 'L': rc = db_append_literal(b, va_arg(ap, const char *)); break;
        case 's': rc = buf_puts(b, va_arg(ap, const char *)); break;
        case 'd': rc = buf_printf(b, "%d", va_arg(ap, int)); break;
        case '%': rc = buf_puts(b, "%"); break;
        default: rc = -1; break; /* a format this function does not know is a programming error */
        }
        if (!*p) break;
    }
    va_end(ap);
    return rc;
}

int error_wrap(pgai_error *err, int code, const char *prefix)
{
    char old[sizeof(err->message)];
    snprintf(old, sizeof(old), "%s", err->message);
    char state[sizeof(err->sqlstate)];
    memcpy(state, err->sqlstate, sizeof(state));
    error_set(err, code, "%s%s", prefix, old);
    memcpy(err->sqlstate, state, sizeof(state));
    return code;
}
