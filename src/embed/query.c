/*
 * query: pgai_embed_query, embedding a search text with a vectorizer's own
 * provider and settings, so applications (and `pgai vectorizer embed`) can
 * query the store without knowing which model wrote it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "db/db.h"
#include "db/url.h"
#include "embed/embed.h"
#include "util/secret.h"
#include "pgai/pgai.h"

/* Finds the id of a vectorizer given by name or by id. */
static int lookup_id(PGconn *conn, const char *which, int *id, pgai_error *err)
{
    const char *params[1] = {which};
    char *value; /* id is NOT NULL: NULL means no row */
    int rc = db_query_value(conn,
                            "select id from ai.vectorizer where name = $1"
                            " or ($1 ~ '^[0-9]{1,9}$' and id = $1::int4) order by name = $1 desc limit 1",
                            1, params, &value, err);
    if (rc == PGAI_OK && !value) rc = error_set(err, PGAI_E_NOT_FOUND, "no vectorizer named or numbered '%s'", which);
    if (value) *id = atoi(value);
    free(value);
    return rc;
}

int pgai_embed_query(const char *db_url, const char *which, const char *text, float **vector, int *dimensions,
                     pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    *vector = NULL;
    *dimensions = 0;
    if (!which || !text) return error_set(err, PGAI_E_INVALID, "a vectorizer and a text are required");
    if (db_url_check(db_url, err) != PGAI_OK) return err->code;
    PGconn *conn = db_connect(db_url, "pgai-embed-query", NULL, err);
    if (!conn) return err->code;
    catalog_info info;
    vectorizer *v = NULL;
    char *key = NULL;
    int id = 0;
    int rc = catalog_detect(conn, &info, err);
    if (rc == PGAI_OK) rc = lookup_id(conn, which, &id, err);
    if (rc == PGAI_OK) rc = catalog_load(conn, id, &v, NULL, err);
    env_snapshot *environment = env_snapshot_take();
    if (rc == PGAI_OK && !environment) rc = error_set(err, PGAI_E_NOMEM, "out of memory");
    if (rc == PGAI_OK) rc = catalog_api_key(conn, &info, v, environment, NULL, &key, err);
    PQfinish(conn);
    if (rc == PGAI_OK) {
        embed_env env = {.environment = environment};
        embed_error eerr;
        embedder *e = NULL;
        size_t len = strlen(text);
        int made = embedder_new(v, key, &env, &e, &eerr) == 0;
        if (made) embedder_as_query(e); /* a query, not a document: some providers embed the two differently */
        if (!made || embedder_setup(e, &eerr) != 0) {
            rc = error_set(err, eerr.kind == EMBED_ERR_CONFIG ? PGAI_E_INVALID : PGAI_E_PROVIDER, "%s", eerr.message);
        } else {
            int dim = embedder_dimensions(e);
            float *out = malloc((size_t)dim * sizeof(float));
            const char *texts[1] = {text};
            if (!out) {
                rc = error_set(err, PGAI_E_NOMEM, "out of memory");
            } else if (embedder_embed(e, texts, &len, 1, out, &eerr) != 0) {
                rc = error_set(err, PGAI_E_PROVIDER, "%s", eerr.message);
                free(out);
            } else {
                *vector = out;
                *dimensions = dim;
            }
        }
        embedder_free(e);
    }
    secret_free(key);
    vectorizer_free(v);
    env_snapshot_free(environment);
    return rc;
}
