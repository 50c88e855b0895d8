/* track: worker process row, heartbeats, progress and error rows; see track.h. */
#include "track/track.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "util/version.h"

#define HEARTBEAT_MAX_FAILURES 3

struct tracker {
    char *db_url;
    const logger *lg;
    int enabled;
    char id[64];
    char short_id[16];
    double interval_s;
    char interval[32]; /* as registered: "N seconds" */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;
    long successes, errors;
    char *last_error;
    pthread_t thread;
    int thread_started;
};

const char *tracker_short_id(const tracker *t) { return t && t->enabled ? t->short_id : ""; }

void tracker_count_success(tracker *t, long n)
{
    if (!t || !t->enabled) return;
    pthread_mutex_lock(&t->mu);
    t->successes += n;
    pthread_mutex_unlock(&t->mu);
}

void tracker_count_error(tracker *t, const char *message)
{
    if (!t || !t->enabled) return;
    pthread_mutex_lock(&t->mu);
    t->errors++;
    free(t->last_error);
    t->last_error = strdup(message);
    pthread_mutex_unlock(&t->mu);
}

/* Registers the worker again under its own id when its row is gone: a
 * server crash with synchronous_commit off, or a failover to a replica that
 * lagged, can lose the row written at start, and pgai's heartbeat function
 * silently updates nothing then. */
static int reregister(tracker *t, PGconn *conn, pgai_error *err)
{
    log_warn(t->lg, "worker registration lost (the database lost recent commits?); registering again", NULL);
    const char *params[3] = {t->id, PGAI_LIB_VERSION, t->interval};
    PGresult *res = PQexecParams(conn,
                                 "insert into ai.vectorizer_worker_process (id, version, expected_heartbeat_interval)"
                                 " values ($1::uuid, $2::text, $3::interval) on conflict (id) do nothing",
                                 3, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? PGAI_OK : db_error_from_result(err, conn, res);
    PQclear(res);
    return rc;
}

/* Sends one heartbeat with the counts since the last one (they are reset first, as pgai does). */
static int send_heartbeat(tracker *t, PGconn *conn, pgai_error *err)
{
    pthread_mutex_lock(&t->mu);
    long s = t->successes, e = t->errors;
    char *msg = t->last_error;
    t->successes = t->errors = 0;
    t->last_error = NULL;
    pthread_mutex_unlock(&t->mu);
    char sb[24], eb[24];
    snprintf(sb, sizeof(sb), "%ld", s);
    snprintf(eb, sizeof(eb), "%ld", e);
    const char *params[4] = {t->id, sb, eb, msg};
    int rc = PGAI_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        /* The row's existence does not depend on the update, so reading it in
         * the same statement is safe whatever the evaluation order. */
        PGresult *res = PQexecParams(conn,
                                     "select ai._worker_heartbeat($1::uuid, $2::int4, $3::int4, $4::text),"
                                     " exists (select from ai.vectorizer_worker_process where id = $1::uuid)",
                                     4, NULL, params, NULL, NULL, 0);
        int found = 1;
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            rc = db_error_from_result(err, conn, res);
        else
            found = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), "t") == 0;
        PQclear(res);
        if (rc != PGAI_OK || found || attempt == 1) break;
        if ((rc = reregister(t, conn, err)) != PGAI_OK) break;
    }
    free(msg);
    return rc;
}

static PGconn *heartbeat_connect(tracker *t, const char *label, pgai_error *err)
{
    char app[64];
    snprintf(app, sizeof(app), "%s: %s", label, t->short_id);
    return db_connect(t->db_url, app, t->lg, err);
}

static void *heartbeat_main(void *arg)
{
    tracker *t = arg;
    PGconn *conn = NULL;
    int failures = 0;
    pthread_mutex_lock(&t->mu);
    while (!t->stopping) {
        pthread_mutex_unlock(&t->mu);
        pgai_error err = {0};
        if (!conn || PQstatus(conn) != CONNECTION_OK) {
            PQfinish(conn);
            conn = heartbeat_connect(t, "pgai-worker-heartbeat", &err);
        }
        if (conn && send_heartbeat(t, conn, &err) == PGAI_OK) {
            failures = 0;
        } else {
            failures++;
            log_error(t->lg, "heartbeat failed", "count=%d error='%s'", failures, err.message);
            if (failures >= HEARTBEAT_MAX_FAILURES) {
                /* keep trying, but less often: a worker without heartbeats still works */
                log_error(t->lg, "heartbeat failing repeatedly, retrying at the poll interval", NULL);
            }
        }
        pthread_mutex_lock(&t->mu);
        if (t->stopping) break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double secs = t->interval_s;
        until.tv_sec += (time_t)secs;
        until.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        while (!t->stopping && pthread_cond_timedwait(&t->cv, &t->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&t->mu);
    PQfinish(conn);
    return NULL;
}

int tracker_start(const char *db_url, const catalog_info *info, double interval_s, const logger *lg,
                  tracker **out, pgai_error *err)
{
    *out = NULL;
    tracker *t = calloc(1, sizeof(*t));
    if (!t || !(t->db_url = strdup(db_url ? db_url : ""))) {
        free(t);
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    t->lg = lg;
    t->interval_s = interval_s < 1 ? 1 : interval_s;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->enabled = info->has_worker_tracking;
    *out = t;
    if (!t->enabled) {
        log_debug(lg, "worker tracking disabled", NULL);
        return PGAI_OK;
    }
    log_debug(lg, "starting worker tracking", NULL);
    PGconn *conn = db_connect(db_url, "pgai-worker-start", lg, err);
    if (!conn) return err->code;
    snprintf(t->interval, sizeof(t->interval), "%.0f seconds", interval_s < 0 ? 0 : interval_s);
    const char *params[2] = {PGAI_LIB_VERSION, t->interval};
    PGresult *res = PQexecParams(conn, "select ai._worker_start($1::text, $2::interval)", 2, NULL, params, NULL, NULL, 0);
    int rc = PGAI_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = db_error_from_result(err, conn, res);
    else if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
        rc = error_set(err, PGAI_E_SQL, "Failed to start worker tracking");
    else {
        snprintf(t->id, sizeof(t->id), "%s", PQgetvalue(res, 0, 0));
        snprintf(t->short_id, sizeof(t->short_id), "%.*s", (int)strcspn(t->id, "-"), t->id);
    }
    PQclear(res);
    PQfinish(conn);
    if (rc != PGAI_OK) {
        t->enabled = 0;
        return rc;
    }
    if (pthread_create(&t->thread, NULL, heartbeat_main, t) != 0)
        return error_set(err, PGAI_E_NOMEM, "cannot start the heartbeat thread");
    t->thread_started = 1;
    log_debug(lg, "starting heartbeat loop", NULL);
    return PGAI_OK;
}

void tracker_stop(tracker *t, int final)
{
    if (!t) return;
    if (t->thread_started) {
        pthread_mutex_lock(&t->mu);
        t->stopping = 1;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->thread, NULL);
    }
    if (t->enabled && final) {
        pgai_error err = {0};
        PGconn *conn = heartbeat_connect(t, "pgai-worker-heartbeat-force", &err);
        if (!conn || send_heartbeat(t, conn, &err) != PGAI_OK)
            log_error(t->lg, "final heartbeat failed", "error='%s'", err.message);
        PQfinish(conn);
    }
    free(t->last_error);
    free(t->db_url);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

int tracker_progress(tracker *t, PGconn *conn, int vectorizer_id, long successes, const char *error_message,
                     pgai_error *err)
{
    if (!t || !t->enabled) return PGAI_OK;
    char vid[16], n[24];
    snprintf(vid, sizeof(vid), "%d", vectorizer_id);
    snprintf(n, sizeof(n), "%ld", successes);
    const char *params[4] = {t->id, vid, n, error_message};
    PGresult *res = PQexecParams(conn, "select ai._worker_progress($1::uuid, $2::int4, $3::int4, $4::text)", 4, NULL,
                                 params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? PGAI_OK : db_error_from_result(err, conn, res);
    PQclear(res);
    return rc;
}

int track_error_row(PGconn *conn, const catalog_info *info, int vectorizer_id, const char *message,
                    const char *details_json, pgai_error *err)
{
    char vid[16];
    snprintf(vid, sizeof(vid), "%d", vectorizer_id);
    const char *params[3] = {vid, message, details_json};
    const char *sql = info->has_errors_view
                          ? "insert into ai._vectorizer_errors (id, message, details) values ($1, $2, $3::jsonb)"
                          : "insert into ai.vectorizer_errors (id, message, details) values ($1, $2, $3::jsonb)";
    PGresult *res = PQexecParams(conn, sql, 3, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? PGAI_OK : db_error_from_result(err, conn, res);
    PQclear(res);
    return rc;
}
