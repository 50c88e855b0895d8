/* catalog: queries on the ai schema; see catalog.h. */
#include "catalog/catalog.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "util/secret.h"

/* db_query_value into a fixed field: "" when there is no row or the value is NULL. */
static int query_into(PGconn *conn, const char *sql, char *out, size_t outlen, pgai_error *err)
{
    char *value;
    int rc = db_query_value(conn, sql, 0, NULL, &value, err);
    snprintf(out, outlen, "%s", value ? value : "");
    free(value);
    return rc;
}

int catalog_detect(PGconn *conn, catalog_info *out, pgai_error *err)
{
    memset(out, 0, sizeof(*out));
    char flag[16];
    int rc;
    if ((rc = query_into(conn, "select extversion from pg_catalog.pg_extension where extname = 'ai'",
                        out->ext_version, sizeof(out->ext_version), err)) != PGAI_OK)
        return rc;
    /* to_regclass, unlike pgai's information_schema probe, also sees tables we may not read. */
    if ((rc = query_into(conn, "select pg_catalog.to_regclass('ai.pgai_lib_version') is not null", flag,
                        sizeof(flag), err)) != PGAI_OK)
        return rc;
    if (strcmp(flag, "t") == 0 &&
        (rc = query_into(conn, "select version from ai.pgai_lib_version where name = 'ai'", out->lib_version,
                        sizeof(out->lib_version), err)) != PGAI_OK)
        return rc;
    if (!out->lib_version[0] && !out->ext_version[0])
        return error_set(err, PGAI_E_UNSUPPORTED, "pgai is not installed in the database: run `pgai install -d URL`");

    static const struct {
        const char *sql;
        size_t offset;
    } probes[] = {
        {"select exists (select 1 from pg_catalog.pg_attribute where attrelid = pg_catalog.to_regclass('ai.vectorizer')"
         " and attname = 'disabled' and not attisdropped)",
         offsetof(catalog_info, has_disabled_column)},
        {"select pg_catalog.to_regclass('ai.vectorizer_worker_process') is not null",
         offsetof(catalog_info, has_worker_tracking)},
        {"select exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
         " where n.nspname = 'ai' and p.proname = '_vectorizer_create_queue_failed_table')",
         offsetof(catalog_info, has_loading_retries)},
        {"select exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
         " where n.nspname = 'ai' and p.proname = 'reveal_secret')",
         offsetof(catalog_info, has_reveal_secret)},
        {"select exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
         " where n.nspname = 'ai' and c.relname = 'vectorizer_errors' and c.relkind = 'v')",
         offsetof(catalog_info, has_errors_view)},
    };
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        if ((rc = query_into(conn, probes[i].sql, flag, sizeof(flag), err)) != PGAI_OK) return rc;
        *(int *)((char *)out + probes[i].offset) = strcmp(flag, "t") == 0;
    }
    return PGAI_OK;
}

int catalog_list_ids(PGconn *conn, const int *ids, size_t nids, int **out, size_t *nout, pgai_error *err)
{
    *out = NULL;
    *nout = 0;
    PGresult *res;
    if (ids) {
        buf arr;
        buf_init(&arr, DB_MAX_MESSAGE);
        int ok = buf_puts(&arr, "{") == 0;
        for (size_t i = 0; i < nids && ok; i++) ok = buf_printf(&arr, "%s%d", i ? "," : "", ids[i]) == 0;
        ok = ok && buf_puts(&arr, "}") == 0;
        if (!ok) {
            buf_free(&arr);
            return error_set(err, PGAI_E_NOMEM, "out of memory");
        }
        const char *params[1] = {arr.data};
        res = PQexecParams(conn, "select id from ai.vectorizer where id = any($1::int4[])", 1, NULL, params, NULL,
                           NULL, 0);
        buf_free(&arr);
    } else {
        res = PQexec(conn, "select id from ai.vectorizer");
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = db_error_from_result(err, conn, res);
        PQclear(res);
        return rc;
    }
    int n = PQntuples(res);
    *out = calloc((size_t)n + 1, sizeof(int));
    if (!*out) {
        PQclear(res);
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) (*out)[i] = atoi(PQgetvalue(res, i, 0));
    *nout = (size_t)n;
    PQclear(res);
    return PGAI_OK;
}

/* pg_class's row version (xmin) changes with every ALTER TABLE, GRANT and
 * owner change; the column list covers what a DROP COLUMN changes elsewhere. */
#define LOAD_SQL                                                                                                      \
    "select pg_catalog.to_jsonb(v), (select pg_catalog.md5(pg_catalog.string_agg(c.oid::text || '.' || c.xmin::text" \
    " || ':' || coalesce((select pg_catalog.string_agg(a.attname || ' ' || a.atttypid::text || ' ' ||"                 \
    " a.atttypmod::text, ',' order by a.attnum) from pg_catalog.pg_attribute a where a.attrelid = c.oid"              \
    " and a.attnum > 0 and not a.attisdropped), ''), ';' order by c.oid)) from pg_catalog.pg_class c"                 \
    " where c.oid in (pg_catalog.to_regclass(pg_catalog.format('%I.%I', v.source_schema, v.source_table)),"          \
    " pg_catalog.to_regclass(pg_catalog.format('%I.%I', v.queue_schema, v.queue_table))))"                          \
    " from ai.vectorizer v where v.id = $1"

int catalog_load(PGconn *conn, int id, vectorizer **out, char *signature, pgai_error *err)
{
    char idbuf[16];
    snprintf(idbuf, sizeof(idbuf), "%d", id);
    const char *params[1] = {idbuf};
    *out = NULL;
    if (signature) signature[0] = '\0';
    PGresult *res = PQexecParams(conn, LOAD_SQL, 1, NULL, params, NULL, NULL, 0);
    int rc = PGAI_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = db_error_from_result(err, conn, res);
    } else if (PQntuples(res) == 0) {
        rc = error_set(err, PGAI_E_NOT_FOUND, "vectorizer_id=%d", id);
    } else {
        char msg[512];
        if (vectorizer_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), out, msg, sizeof(msg)) != 0)
            rc = error_set(err, PGAI_E_INVALID, "%s (vectorizer_id=%d)", msg, id);
        else if (signature)
            snprintf(signature, 33, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return rc;
}

int catalog_source_columns(PGconn *conn, const vectorizer *v, source_column **out, size_t *nout, pgai_error *err)
{
    /* Domains are followed down to their base type, so a value renders like its base type. */
    static const char sql[] =
        "with recursive cols as ("
        "  select a.attnum, a.attname, a.atttypid as t, 0 as depth"
        "  from pg_catalog.pg_attribute a"
        "  join pg_catalog.pg_class c on c.oid = a.attrelid"
        "  join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
        "  where n.nspname = $1 and c.relname = $2 and a.attnum > 0 and not a.attisdropped"
        "  union all"
        "  select cols.attnum, cols.attname, ty.typbasetype, cols.depth + 1"
        "  from cols join pg_catalog.pg_type ty on ty.oid = cols.t"
        "  where ty.typtype = 'd' and cols.depth < 16)"
        " select cols.attname, ty.oid, case when ty.typcategory = 'A' then ty.typelem else 0 end"
        " from cols join pg_catalog.pg_type ty on ty.oid = cols.t"
        " where ty.typtype <> 'd'"
        " order by cols.attnum";
    const char *params[2] = {v->source_schema, v->source_table};
    *out = NULL;
    *nout = 0;
    PGresult *res = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = db_error_from_result(err, conn, res);
        PQclear(res);
        return rc;
    }
    int n = PQntuples(res);
    if (n == 0) {
        PQclear(res);
        return error_set(err, PGAI_E_SQL, "source table %s.%s not found", v->source_schema, v->source_table);
    }
    source_column *cols = calloc((size_t)n, sizeof(*cols));
    if (!cols) {
        PQclear(res);
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        cols[i].name = strdup(PQgetvalue(res, i, 0));
        cols[i].type_oid = (unsigned int)strtoul(PQgetvalue(res, i, 1), NULL, 10);
        cols[i].elem_oid = (unsigned int)strtoul(PQgetvalue(res, i, 2), NULL, 10);
        cols[i].is_bytea = cols[i].type_oid == 17;
        if (!cols[i].name) {
            catalog_source_columns_free(cols, (size_t)n);
            PQclear(res);
            return error_set(err, PGAI_E_NOMEM, "out of memory");
        }
    }
    PQclear(res);
    *out = cols;
    *nout = (size_t)n;
    return PGAI_OK;
}

void catalog_source_columns_free(source_column *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++) free(cols[i].name);
    free(cols);
}

/*
 * ai.reveal_secret comes from pgai's extension. pgai's usage grant gives
 * tenants CREATE on schema ai, so a tenant could plant a function of that
 * name where the extension is absent, or an overload that would be a better
 * match for our call than the extension's (text, boolean default true): call
 * it only when every function of that name is owned by a superuser or by the
 * owner of schema ai, and as the vectorizer's owner when the worker may
 * act as it, so the extension's per-role secret permissions apply.
 */
static const char REVEAL_SECRET_SQL[] =
    "with fns as (select p.proowner = (select nspowner from pg_catalog.pg_namespace where nspname = 'ai')"
    "  or (select rolsuper from pg_catalog.pg_roles where oid = p.proowner) as trusted"
    "  from pg_catalog.pg_proc p where p.pronamespace = 'ai'::pg_catalog.regnamespace and p.proname = 'reveal_secret')"
    " select exists (select from fns) and not exists (select from fns where not trusted),"
    " (select pg_catalog.pg_has_role(session_user, c.relowner, 'MEMBER') and c.relowner <> r.oid"
    "  from pg_catalog.pg_class c join pg_catalog.pg_roles r on r.rolname = current_user"
    "  where c.oid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', $1::pg_catalog.text, $2::pg_catalog.text))),"
    " (select r.rolname from pg_catalog.pg_class c join pg_catalog.pg_roles r on r.oid = c.relowner"
    "  where c.oid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', $1::pg_catalog.text, $2::pg_catalog.text)))";

int catalog_reveal_secret(PGconn *conn, const vectorizer *v, const char *name, char **value, pgai_error *err)
{
    *value = NULL;
    const char *qparams[2] = {v->queue_schema, v->queue_table};
    PGresult *res = PQexecParams(conn, REVEAL_SECRET_SQL, 2, NULL, qparams, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        int rc = db_error_from_result(err, conn, res);
        PQclear(res);
        return rc;
    }
    int trusted = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    int as_owner = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    char owner[256];
    snprintf(owner, sizeof(owner), "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    if (!trusted)
        return error_set(err, PGAI_E_PRIVILEGE,
                         "ai.reveal_secret is not owned by a superuser or the owner of schema ai (every "
                         "function of that name must be); the worker does not call it (docs/security.md)");
    const char *params[2] = {name, owner};
    int rc = PGAI_OK;
    if (as_owner) { /* in a transaction of its own, so the role switch ends with it */
        rc = db_exec(conn, "begin", err);
        res = rc == PGAI_OK ? PQexecParams(conn, "select pg_catalog.set_config('role', $1::pg_catalog.text, true)", 1,
                                           NULL, params + 1, NULL, NULL, 0)
                            : NULL;
        if (res && PQresultStatus(res) != PGRES_TUPLES_OK) rc = db_error_from_result(err, conn, res);
        PQclear(res);
    }
    if (rc == PGAI_OK) {
        res = PQexecParams(conn, "select ai.reveal_secret($1::pg_catalog.text)", 1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            rc = db_error_from_result(err, conn, res);
        else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) && !(*value = strdup(PQgetvalue(res, 0, 0))))
            rc = error_set(err, PGAI_E_NOMEM, "out of memory");
        PQclear(res);
    }
    if (as_owner) {
        pgai_error ignored;
        if (db_exec(conn, rc == PGAI_OK ? "commit" : "rollback", &ignored) != PGAI_OK) { /* rolled back */ }
    }
    return rc;
}

/*
 * Which environment variables a vectorizer may name as its API key: the
 * providers' own, those the operator lists in
 * PGAI_VECTORIZER_API_KEY_NAMES (comma-separated), and names that
 * say they are one (containing API_KEY). Never the worker's own
 * configuration or other credentials, whatever the list says: its database
 * URL, libpq's PG* variables, AWS credentials (docs/security.md).
 */
int catalog_api_key_name_allowed(const env_snapshot *env, const char *name)
{
    static const char *const never[] = {"PGAI_", "PG", "DATABASE_URL", "AWS_", NULL};
    static const char *const provider_keys[] = {
        "OPENAI_API_KEY", "VOYAGE_API_KEY", "COHERE_API_KEY", "MISTRAL_API_KEY", "AZURE_API_KEY",
        "AZURE_OPENAI_API_KEY", "AZURE_AD_TOKEN", "GEMINI_API_KEY", "GOOGLE_API_KEY", "HUGGINGFACE_API_KEY",
        "HF_TOKEN", "OLLAMA_API_KEY", NULL};
    if (!name || !*name) return 0;
    for (const char *const *p = never; *p; p++)
        if (strncmp(name, *p, strlen(*p)) == 0) return 0;
    for (const char *const *p = provider_keys; *p; p++)
        if (strcmp(name, *p) == 0) return 1;
    if (strstr(name, "API_KEY")) return 1;
    const char *list = env_get(env, "PGAI_VECTORIZER_API_KEY_NAMES");
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && *p == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        if (len == n && memcmp(p, name, n) == 0) return 1;
        p = end ? end + 1 : p + strlen(p);
    }
    return 0;
}

int catalog_api_key(PGconn *conn, const catalog_info *info, const vectorizer *v, const env_snapshot *env,
                    const logger *lg, char **key, pgai_error *err)
{
    *key = NULL;
    const char *name = v->embedding.api_key_name;
    if (!name) return PGAI_OK;
    int allowed = catalog_api_key_name_allowed(env, name);
    const char *value = allowed ? env_get(env, name) : NULL;
    if (!allowed) log_debug(lg, "api_key_name is not an API key variable: not read from the environment",
                           "api_key_name=%s vectorizer_id=%d", name, v->id);
    if (value) {
        if (*value && !(*key = strdup(value))) return error_set(err, PGAI_E_NOMEM, "out of memory");
    } else if (info->has_reveal_secret) {
        int rc = catalog_reveal_secret(conn, v, name, key, err);
        if (rc != PGAI_OK) return rc;
        if (*key) log_debug(lg, "obtained secret from database", "name=%s", name);
    }
    if (!*key || !**key) {
        secret_free(*key);
        *key = NULL;
        if (!allowed)
            return error_set(err, PGAI_E_INVALID,
                             "error getting vectorizer: ApiKeyNotFoundError: api_key_name=%s vectorizer_id=%d: "
                             "%s is not a variable the worker may use as an API key (allowed: the providers' own "
                             "key variables, names containing API_KEY, and names listed in "
                             "PGAI_VECTORIZER_API_KEY_NAMES; never PGAI_*, PG*, DATABASE_URL or AWS_*)",
                             name, v->id, name);
        return error_set(err, PGAI_E_INVALID,
                         "error getting vectorizer: ApiKeyNotFoundError: api_key_name=%s vectorizer_id=%d: set %s "
                         "in the worker's environment or .env file%s",
                         name, v->id, name, info->has_reveal_secret ? ", or as a secret for ai.reveal_secret" : "");
    }
    return PGAI_OK;
}
