/*
 * catalog: what the worker reads from the ai schema: which pgai version and
 * features the database has (so we work with databases installed by pgai's
 * installer too), which vectorizers exist, one vectorizer's row, the source
 * table's columns, and API keys from ai.reveal_secret.
 */
#ifndef PGAI_CATALOG_H
#define PGAI_CATALOG_H

#include <libpq-fe.h>

#include "catalog/config.h"
#include "pgai/pgai.h"
#include "util/envsnap.h"
#include "util/log.h"


typedef struct catalog_info {
    char lib_version[64]; /* ai.pgai_lib_version, "" when absent */
    char ext_version[64]; /* the ai extension's version, "" when absent */
    int has_disabled_column;
    int has_worker_tracking;
    int has_loading_retries;
    int has_reveal_secret;
    int has_errors_view; /* errors go to ai._vectorizer_errors, else ai.vectorizer_errors */
} catalog_info;

/* Fails with "pgai is not installed in the database" when neither version exists. */
int catalog_detect(PGconn *conn, catalog_info *out, pgai_error *err) __attribute__((warn_unused_result));

/* All vectorizer ids (ids == NULL), or those of `ids` that exist. *out is malloc'ed. */
int catalog_list_ids(PGconn *conn, const int *ids, size_t nids, int **out, size_t *nout, pgai_error *err)
    __attribute__((warn_unused_result));

/*
 * Loads and parses one vectorizer; PGAI_E_NOT_FOUND when the row is gone.
 * With signature (33 bytes) it also gets, in the same round trip, a digest of
 * the source and queue tables' catalog rows and columns: it changes with any
 * ALTER, GRANT or change of owner, so state built from them can be kept
 * until it does ("" when the tables are gone).
 */
int catalog_load(PGconn *conn, int id, vectorizer **out, char *signature, pgai_error *err)
    __attribute__((warn_unused_result));

/* One column of the source table, with what formatting needs to render it. */
typedef struct source_column {
    char *name;
    unsigned int type_oid;   /* domains resolved to their base type */
    unsigned int elem_oid;   /* element type for arrays, else 0 */
    int is_bytea;
} source_column;

int catalog_source_columns(PGconn *conn, const vectorizer *v, source_column **out, size_t *nout, pgai_error *err)
    __attribute__((warn_unused_result));
void catalog_source_columns_free(source_column *cols, size_t n);

/* ai.reveal_secret(name), only when a trusted role owns it, as the vectorizer's
 * owner where the worker may act as it; *value is malloc'ed or NULL when the
 * function returns NULL. */
int catalog_reveal_secret(PGconn *conn, const vectorizer *v, const char *name, char **value, pgai_error *err)
    __attribute__((warn_unused_result));
/* Whether an environment variable may be read as an API key (docs/security.md). */
int catalog_api_key_name_allowed(const env_snapshot *env, const char *name);

/*
 * The API key named by embedding.api_key_name: the environment first (a
 * variable set but empty counts as missing, as in pgai), then
 * ai.reveal_secret when the database has it. *key is NULL for providers
 * without a key name; a missing key is pgai's ApiKeyNotFoundError.
 */
int catalog_api_key(PGconn *conn, const catalog_info *info, const vectorizer *v, const env_snapshot *env,
                    const logger *lg, char **key, pgai_error *err) __attribute__((warn_unused_result));

#endif
