/*
 * install: `pgai install` as a library call.
 *
 * Builds the install script from the embedded sql/ files exactly as pgai's
 * build does (head, then each run-once migration wrapped in a guard that
 * records it in ai.pgai_lib_migration, then the idempotent files), and runs
 * it with the pre-flight checks in one transaction, so a failure at any point
 * leaves the database as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/url.h"
#include "install/sql_bundle.h"
#include "pgai/pgai.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/version.h"

#define MIN_SERVER_VERSION_NUM 150000
#define ALREADY_INSTALLED_MSG "the pgai library has already been installed/upgraded"
/* Same key as head.sql: serialises concurrent installs from the first statement. */
#define INSTALL_LOCK_SQL "select pg_catalog.pg_advisory_xact_lock(1885823337)"
#define VECTOR_SCHEMA_SQL                                                                                             \
    "select n.nspname from pg_catalog.pg_extension e "                                                                \
    "join pg_catalog.pg_namespace n on n.oid = e.extnamespace where e.extname = 'vector'"

const char *pgai_version(void) { return PGAI_C_VERSION; }
const char *pgai_compatible_version(void) { return PGAI_COMPAT_VERSION; }
const char *pgai_library_version(void) { return PGAI_LIB_VERSION; }

/* Appends text with pgai's build placeholders replaced. */
static int append_substituted(buf *out, const char *text, const char *vector_schema_sql)
{
    static const char ext_ph[] = "@extschema:vector@";
    static const char ver_ph[] = "__version__";
    const char *p = text;
    while (*p) {
        const char *e = strstr(p, ext_ph);
        const char *v = strstr(p, ver_ph);
        const char *next = (e && (!v || e < v)) ? e : v;
        if (!next) return buf_puts(out, p);
        if (buf_append(out, p, (size_t)(next - p)) != 0) return -1;
        if (next == e) {
            if (buf_puts(out, vector_schema_sql) != 0) return -1;
            p = next + sizeof(ext_ph) - 1;
        } else {
            if (buf_puts(out, PGAI_LIB_VERSION) != 0) return -1;
            p = next + sizeof(ver_ph) - 1;
        }
    }
    return 0;
}

/*
 * A migration runs at most once: if its name is recorded it is skipped (with
 * pgai's notice, stray "s" included, and a warning if the text changed),
 * otherwise its body runs as a PL/pgSQL block and the name is recorded.
 */
static int append_migration(buf *out, const struct sql_file *f, const char *vector_schema_sql)
{
    int rc = 0;
    rc |= buf_printf(out,
                     "do $pgai_migration$\n"
                     "declare\n"
                     "  _name text := '%s';\n"
                     "  _body text := $pgai_body$",
                     f->name);
    rc |= append_substituted(out, f->text, vector_schema_sql);
    rc |= buf_puts(out,
                   "$pgai_body$;\n"
                   "  _old text;\n"
                   "begin\n"
                   "  select m.body into _old from ai.pgai_lib_migration m\n"
                   "  where m.\"name\" operator(pg_catalog.=) _name;\n"
                   "  if found then\n"
                   "    raise notice 'migration %s already applied. skipping.', _name;\n"
                   "    if _old operator(pg_catalog.!=) _body then\n"
                   "      raise warning 'the contents of migration \"%s\" have changed', _name;\n"
                   "    end if;\n"
                   "    return;\n"
                   "  end if;\n"
                   "  execute pg_catalog.concat('do $pgai_run$ begin ', _body, E'\\nend; $pgai_run$');\n"
                   "  insert into ai.pgai_lib_migration (\"name\", body, applied_at_version)\n"
                   "  values (_name, _body, '" PGAI_LIB_VERSION "');\n"
                   "end\n"
                   "$pgai_migration$;\n");
    return rc ? -1 : 0;
}

static char *build_script(const char *vector_schema)
{
    buf schema_sql, out;
    buf_init(&schema_sql, 1024);
    buf_init(&out, DB_MAX_MESSAGE); /* sent as one statement */
    if (strchr(vector_schema, '\'') || strchr(vector_schema, '\\') ||
        db_append_ident(&schema_sql, vector_schema) != 0) {
        buf_free(&schema_sql);
        return NULL;
    }
    int rc = buf_printf(&out, "-- ai %s (pgai in C)\n", PGAI_LIB_VERSION);
    for (size_t i = 0; i < sql_bundle_count && rc == 0; i++) {
        const struct sql_file *f = &sql_bundle[i];
        rc |= buf_printf(&out, "\n-- %s\n", f->name);
        if (f->kind == SQL_INCREMENTAL)
            rc |= append_migration(&out, f, schema_sql.data);
        else
            rc |= append_substituted(&out, f->text, schema_sql.data);
        rc |= buf_puts(&out, "\n");
    }
    buf_free(&schema_sql);
    if (rc != 0) {
        buf_free(&out);
        return NULL;
    }
    return buf_take(&out);
}

char *pgai_install_script(const char *vector_schema)
{
    return build_script(vector_schema ? vector_schema : "public");
}

static void notice_to_log(void *arg, const PGresult *res)
{
    const logger *lg = arg;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    char line[1024];
    db_one_line(line, sizeof(line), msg ? msg : "");
    pgai_log_level level = (sev && strcmp(sev, "WARNING") == 0) ? PGAI_LOG_WARNING : PGAI_LOG_DEBUG;
    log_event(lg, level, line, NULL);
}

/* Runs inside the open transaction; returns PGAI_OK, PGAI_NOTHING_TO_DO or an error code. */
static int install_in_transaction(PGconn *conn, const pgai_install_options *opts, const logger *lg,
                                  pgai_error *err)
{
    int rc;
    char *v;
    if ((rc = db_query_value(conn, "select pg_catalog.current_setting('server_version_num')", 0, NULL, &v, err)) !=
        PGAI_OK)
        return rc;
    long vnum = v ? strtol(v, NULL, 10) : 0;
    free(v);
    if (vnum < MIN_SERVER_VERSION_NUM)
        return error_set(err, PGAI_E_UNSUPPORTED,
                         "postgres %ld is unsupported, pgai requires postgres version 15 or greater",
                         vnum / 10000);

    if ((rc = db_exec(conn, INSTALL_LOCK_SQL, err)) != PGAI_OK) return rc;

    char *vector_schema;
    if ((rc = db_query_value(conn, VECTOR_SCHEMA_SQL, 0, NULL, &vector_schema, err)) != PGAI_OK) return rc;
    if (!vector_schema) {
        char *avail;
        if ((rc = db_query_value(conn, "select name from pg_catalog.pg_available_extensions where name = 'vector'", 0,
                                 NULL, &avail, err)) != PGAI_OK)
            return rc;
        if (!avail)
            return error_set(err, PGAI_E_UNSUPPORTED,
                             "the pgvector extension is not available on the database server: "
                             "install pgvector (for example the postgresql-%ld-pgvector package) and retry",
                             vnum / 10000);
        free(avail);
        rc = db_exec(conn, "create extension if not exists vector", err);
        if (rc == PGAI_E_PRIVILEGE)
            return error_set(err, PGAI_E_PRIVILEGE,
                             "permission denied to create the extension \"vector\": ask a superuser to run "
                             "CREATE EXTENSION vector in this database, then retry");
        if (rc != PGAI_OK) return rc;
        if ((rc = db_query_value(conn, VECTOR_SCHEMA_SQL, 0, NULL, &vector_schema, err)) != PGAI_OK) return rc;
        if (!vector_schema) return error_set(err, PGAI_E_UNSUPPORTED, "vector extension not installed");
    }

    /* Timescale Cloud: pgai creates the ai extension when its executor URL is configured. */
    char *executor;
    if (db_query_value(conn, "select pg_catalog.current_setting('ai.external_functions_executor_url', true)", 0, NULL,
                       &executor, err) != PGAI_OK)
        goto out_schema;
    if (executor && *executor && (rc = db_exec(conn, "create extension if not exists ai cascade", err)) != PGAI_OK) {
        free(executor);
        goto out_schema;
    }
    free(executor);

    char *aiver;
    if (db_query_value(conn, "select extversion from pg_catalog.pg_extension where extname = 'ai'", 0, NULL, &aiver,
                       err) != PGAI_OK)
        goto out_schema;
    if (aiver) {
        int maj = 0, min = 0;
        sscanf(aiver, "%d.%d", &maj, &min);
        if (maj == 0 && min < 10) {
            error_set(err, PGAI_E_UNSUPPORTED,
                      "The ai extension is outdated and must be upgraded. Installed version: %s, required "
                      "version: 0.10.0",
                      aiver);
            free(aiver);
            goto out_schema;
        }
        free(aiver);
    }

    char *script = build_script(vector_schema);
    free(vector_schema);
    if (!script) return error_set(err, PGAI_E_UNSUPPORTED, "the vector extension's schema name is not usable");
    log_debug(lg, "running the install script", "bytes=%zu", strlen(script));
    rc = db_exec(conn, script, err);
    free(script);
    if (rc != PGAI_OK && strcmp(err->sqlstate, "42710") == 0 && strstr(err->message, ALREADY_INSTALLED_MSG)) {
        if (opts && opts->strict) {
            err->code = PGAI_E_ALREADY_INSTALLED;
            return PGAI_E_ALREADY_INSTALLED;
        }
        memset(err, 0, sizeof(*err));
        return PGAI_NOTHING_TO_DO;
    }
    if (rc == PGAI_E_PRIVILEGE)
        error_wrap(err, PGAI_E_PRIVILEGE,
                   "insufficient privileges to install pgai (the installing role needs CREATE on the database,"
                   " and to own the ai schema objects when upgrading): ");
    return rc;

out_schema:
    free(vector_schema);
    return err->code ? err->code : PGAI_E_SQL;
}

int pgai_install(const char *db_url, const pgai_install_options *opts, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    logger lg = {0};
    if (opts) {
        lg.fn = opts->log;
        lg.userdata = opts->log_userdata;
        lg.min = opts->log_level ? opts->log_level : PGAI_LOG_INFO;
    }

    if (db_url_check(db_url, err) != PGAI_OK) return err->code;
    PGconn *conn = db_connect(db_url, "pgai install", &lg, err);
    if (!conn) return err->code;
    PQsetNoticeReceiver(conn, notice_to_log, &lg);

    int rc = db_exec(conn, "begin", err);
    if (rc == PGAI_OK) rc = install_in_transaction(conn, opts, &lg, err);
    if (rc == PGAI_OK) {
        rc = db_exec(conn, "commit", err);
        if (rc == PGAI_OK) log_info(&lg, "pgai " PGAI_LIB_VERSION " installed", NULL);
    } else {
        pgai_error ignored;
        if (db_exec(conn, "rollback", &ignored) != PGAI_OK) { /* closing the connection rolls back too */ }
        if (rc == PGAI_NOTHING_TO_DO) log_info(&lg, "pgai " PGAI_LIB_VERSION " is already installed", NULL);
    }
    PQfinish(conn);
    return rc;
}
