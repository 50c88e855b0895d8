/*
 * loop: what one pgai_worker_run does. A pass lists the vectorizers (in
 * random order, so several workers spread out), refreshes each one's
 * runtime (runtime.h) and starts the runs that are due; the loop does not
 * wait for them. It then sleeps until the poll interval ends, a NOTIFY on
 * pgai_vectorizer says new work was queued, a run ends with work waiting,
 * or a stop is requested. So a vectorizer whose provider hangs for minutes
 * holds up only itself: the others keep their latency.
 *
 * Differences from pgai's worker, on purpose (docs/compatibility.md): a
 * vectorizer that fails does not stop the others; vectorizers are served at
 * the same time (up to max_parallel_vectorizers), each with `concurrency`
 * executors; a graceful shutdown lets the batches in flight commit; NOTIFY
 * wakes us at once.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "db/db.h"
#include "embed/embed.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/version.h"
#include "worker/worker.h"

#define NOTIFY_CHANNEL "pgai_vectorizer"
/* A vectorizer whose run failed rests, doubling from the first to the last value. */
#define REST_FIRST_S 5.0
#define REST_MAX_S 300.0
/* Reconnecting to a database that went away. */
#define DB_BACKOFF_FIRST_S 1.0
#define DB_BACKOFF_MAX_S 30.0
/* Connections kept between passes: enough for every executor of a busy
 * worker. An executor keeps its own while its vectorizer is busy and parks
 * it here after EXECUTOR_IDLE_S without a run; the pool closes what it
 * holds after POOL_IDLE_S unused, so an idle worker ends up with no more
 * than its LISTEN and heartbeat connections. */
#define POOL_MAX_IDLE 64
#define POOL_IDLE_S 30.0
#define EXECUTOR_IDLE_S 30.0

static double backoff_next_db(double d) { return backoff_next(d, DB_BACKOFF_FIRST_S, DB_BACKOFF_MAX_S); }

/*
 * A failed connection, in pgai's words ("unable to connect to database:
 * <libpq's reason>", which users grep for), said once: db_connect's own
 * "could not connect to the database: " prefix is dropped first.
 */
static int connect_error(pgai_error *err)
{
    static const char theirs[] = "could not connect to the database: ";
    size_t n = sizeof(theirs) - 1;
    if (strncmp(err->message, theirs, n) == 0) memmove(err->message, err->message + n, strlen(err->message + n) + 1);
    return error_wrap(err, PGAI_E_CONNECT, "unable to connect to database: ");
}

/*
 * "permission denied for schema ai" (SQLSTATE 42501) does not say what to
 * do: add the function that grants a worker role what it needs.
 */
static int privilege_hint(const pgai_worker *w, pgai_error *err)
{
    if (err->code != PGAI_E_PRIVILEGE) return err->code;
    char role[2 * sizeof(w->role)] = "<role>";
    if (w->role[0]) { /* as an SQL literal: quotes doubled */
        size_t o = 0;
        for (const char *p = w->role; *p; p++) {
            if (*p == '\'') role[o++] = '\'';
            role[o++] = *p;
        }
        role[o] = 0;
    }
    size_t len = strlen(err->message);
    snprintf(err->message + len, sizeof(err->message) - len,
             ": as the role that installed pgai, run select ai.grant_vectorizer_worker('%s')"
             " (\"Least privilege\" in docs/running.md)",
             role);
    return err->code;
}

/* pgai's error reporting: log, count for the heartbeat, record progress when the vectorizer is known. */
static void report_error(pgai_worker *w, const char *message, int vectorizer_id)
{
    if (vectorizer_id)
        log_error(&w->lg, message, "vectorizer_id=%d", vectorizer_id);
    else
        log_error(&w->lg, message, NULL);
    if (!w->tracker) return;
    tracker_count_error(w->tracker, message);
    if (!vectorizer_id) return;
    pgai_error err;
    char app[64];
    snprintf(app, sizeof(app), "pgai-worker-error-reporter: %s", tracker_short_id(w->tracker));
    PGconn *conn = db_pool_take(w->pool);
    if (!conn) conn = db_connect(w->db_url, app, &w->lg, &err);
    if (conn && tracker_progress(w->tracker, conn, vectorizer_id, 0, message, &err) != PGAI_OK)
        log_debug(&w->lg, "recording the error failed", "error='%s'", err.message);
    db_pool_give(w->pool, conn);
}

static void version_warnings(pgai_worker *w)
{
    int ours[3], theirs[3];
    const char *ours_s = PGAI_COMPAT_VERSION;
    if (w->info.lib_version[0] && semver_parse(ours_s, ours) == 0 && semver_parse(w->info.lib_version, theirs) == 0 &&
        semver_cmp(ours, theirs) > 0)
        log_warn(&w->lg, "The pgai installation in your database is outdated and can be upgraded.",
                 "installed_version=%s latest_version=%s", w->info.lib_version, PGAI_LIB_VERSION);
}


/*
 * The wake-up connection was lost or could not be opened. Said once (a
 * database outage would otherwise log it at every try), and tried again
 * with the reconnection back-off.
 */
static void listen_failed(pgai_worker *w, const char *event, const char *error)
{
    if (!w->listen_lost) {
        if (error) log_warn(&w->lg, event, "error='%s'", error);
        else log_warn(&w->lg, event, NULL);
    } else {
        log_debug(&w->lg, "still cannot listen for wake-ups", "error='%s'", error ? error : "");
    }
    w->listen_lost = 1;
    w->listen_backoff = backoff_next_db(w->listen_backoff);
    w->listen_retry_at = clock_now_s() + w->listen_backoff;
}

static void listen_connect(pgai_worker *w)
{
    pgai_error err;
    PQfinish(w->listen_conn);
    w->listen_conn = db_connect_cancellable(w->db_url, "pgai-worker-listen", &w->lg, w->stop, &err);
    if (w->listen_conn && db_exec(w->listen_conn, "listen " NOTIFY_CHANNEL, &err) == PGAI_OK) {
        if (w->listen_lost) log_info(&w->lg, "listening for wake-ups again", NULL);
        w->listen_lost = 0;
        w->listen_backoff = 0;
        return;
    }
    PQfinish(w->listen_conn);
    w->listen_conn = NULL;
    if (!worker_stopping(w)) listen_failed(w, "cannot listen for wake-ups; polling only until it is back", err.message);
}

/* Whether the wake-up connection is missing and due for another try. */
static int listen_due(const pgai_worker *w)
{
    return (!w->listen_conn || PQstatus(w->listen_conn) != CONNECTION_OK) && clock_now_s() >= w->listen_retry_at;
}


static int initialise(pgai_worker *w, pgai_error *err)
{
    PGconn *conn = db_connect_cancellable(w->db_url, "pgai-worker-init", &w->lg, w->stop, err);
    if (!conn) return connect_error(err);
    snprintf(w->role, sizeof(w->role), "%s", PQuser(conn) ? PQuser(conn) : "");
    int rc = catalog_detect(conn, &w->info, err);
    PQfinish(conn);
    if (rc != PGAI_OK) return privilege_hint(w, err);
    version_warnings(w);
    if ((rc = tracker_start(w->db_url, &w->info, w->poll_interval, &w->lg, &w->tracker, err)) != PGAI_OK)
        return privilege_hint(w, err);
    if (!w->once) listen_connect(w); /* --once never sleeps, so never needs waking */
    w->initialised = 1;
    return PGAI_OK;
}

/* What this build cannot do yet; such a vectorizer's items stay queued. */
static const char *unsupported_reason(PGconn *conn, const vectorizer *v)
{
    if (v->loading.kind == LOADING_URI) return "URI loading (ai.loading_uri)";
    if (v->parsing == PARSING_PYMUPDF || v->parsing == PARSING_DOCLING) return "document parsing (pymupdf/docling)";
    const char *provider = embed_provider_missing(v->embedding.implementation); /* the providers' table decides */
    if (provider) return provider;
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    const char *reason = NULL;
    if (db_sqlf(&sql,
                "select pg_catalog.format_type(a.atttypid, null) = 'bytea' from pg_catalog.pg_attribute a"
                " where a.attrelid = pg_catalog.to_regclass(pg_catalog.format('%%I.%%I', $1::text, $2::text))"
                " and a.attname = $3 and not a.attisdropped") == 0) {
        const char *params[3] = {v->source_schema, v->source_table, v->loading.column_name};
        PGresult *res = PQexecParams(conn, sql.data, 3, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0 &&
            v->parsing != PARSING_NONE)
            reason = "document parsing of bytea columns";
        PQclear(res);
    }
    buf_free(&sql);
    return reason;
}


static void format_ids(char *out, size_t n, const int *ids, size_t count)
{
    size_t o = (size_t)snprintf(out, n, "[");
    for (size_t i = 0; i < count && o < n; i++) o += (size_t)snprintf(out + o, n - o, "%s%d", i ? ", " : "", ids[i]);
    if (o < n) snprintf(out + o, n - o, "]");
}


/* "0:05:00", "1 day, 0:00:00" as Python's timedelta prints. */
static void format_timedelta(char *out, size_t n, double seconds)
{
    long s = (long)seconds;
    long days = s / 86400;
    s %= 86400;
    if (days)
        snprintf(out, n, "%ld day%s, %ld:%02ld:%02ld", days, days == 1 ? "" : "s", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, n, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}


/* ---- the runtimes ------------------------------------------------------------ */

static vz_runtime *runtime_find(pgai_worker *w, int id)
{
    for (size_t i = 0; i < w->nruntimes; i++)
        if (w->runtimes[i]->id == id) return w->runtimes[i];
    return NULL;
}

static vz_runtime *runtime_get(pgai_worker *w, int id)
{
    vz_runtime *rt = runtime_find(w, id);
    if (rt) return rt;
    vz_runtime **p = realloc(w->runtimes, (w->nruntimes + 1) * sizeof(*p));
    if (!p) return NULL;
    w->runtimes = p;
    if (!(rt = runtime_new(id))) return NULL;
    w->runtimes[w->nruntimes++] = rt;
    return rt;
}

static size_t runs_in_flight(const pgai_worker *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->nruntimes; i++) n += w->runtimes[i]->state == VZ_RUNNING;
    return n;
}

/* Forgets the vectorizers the last pass did not list (dropped, or no longer selected). */
static void forget_unlisted(pgai_worker *w)
{
    size_t k = 0;
    for (size_t i = 0; i < w->nruntimes; i++) {
        vz_runtime *rt = w->runtimes[i];
        if (rt->listed || rt->state == VZ_RUNNING) w->runtimes[k++] = rt;
        else runtime_free(rt);
    }
    w->nruntimes = k;
}

/*
 * A run has ended: join its threads, report what failed, and decide what
 * comes next: rest after a failure (5 s doubling up to 5 min, while other
 * vectorizers go on), or be idle. Returns an error only when it should stop
 * the worker (exit_on_error).
 */
static int finish_run(pgai_worker *w, vz_runtime *rt, pgai_error *err)
{
    runtime_join(rt);
    long items = 0;
    int rc = PGAI_OK;
    for (int i = 0; i < rt->nslots; i++) {
        vz_slot *s = &rt->slots[i];
        items += s->items;
        if (s->rc == PGAI_OK) continue;
        if (rc == PGAI_OK) *err = s->err, rc = s->rc;
        if (!worker_aborting(w)) report_error(w, s->err.message, rt->id);
    }
    rt->items_total += items;
    rt->idle_since = clock_now_s();
    log_info(&w->lg, "finished processing vectorizer", "items=%ld vectorizer_id=%d", items, rt->id);
    /* a committed batch ends a rest streak, even if a later batch failed */
    if (rc == PGAI_OK || items > 0) rt->rest_delay = 0;
    if (rc != PGAI_OK && !worker_aborting(w)) {
        rt->failed_runs++;
        /* what failed may be state the executors hold (a stale claim after
         * an ALTER, a provider connection in a bad way): rebuilt next time */
        runtime_drop_executors(rt);
        rt->rest_delay = backoff_next(rt->rest_delay, REST_FIRST_S, REST_MAX_S);
        rt->rest_until = clock_now_s() + rt->rest_delay;
        runtime_set_state(rt, VZ_RESTING, &w->lg);
        log_info(&w->lg, "vectorizer backing off after an error", "seconds=%.0f vectorizer_id=%d", rt->rest_delay,
                 rt->id);
    } else {
        runtime_set_state(rt, VZ_IDLE, &w->lg);
    }
    if (rt->rerun) w->pass_due = 1; /* work was queued while it ran */
    return rc != PGAI_OK && w->exit_on_error ? rc : PGAI_OK;
}

/* Collects every run that has ended; the first error that stops the worker is returned. */
static int finish_ended_runs(pgai_worker *w, pgai_error *err)
{
    char drain[64];
    while (read(w->done[0], drain, sizeof(drain)) > 0) {
    }
    int rc = PGAI_OK;
    for (size_t i = 0; i < w->nruntimes; i++) {
        if (!runtime_run_ended(w->runtimes[i])) continue;
        pgai_error e;
        int r = finish_run(w, w->runtimes[i], &e);
        if (r != PGAI_OK && rc == PGAI_OK) *err = e, rc = r;
    }
    if (rc == PGAI_OK && w->pass_due == 0)
        for (size_t i = 0; i < w->nruntimes; i++) /* a vectorizer left waiting for a free slot */
            if (w->runtimes[i]->rerun && w->runtimes[i]->state != VZ_RUNNING) w->pass_due = 1;
    return rc;
}

/* Waits until no run is in flight (a stop, or the end of once mode), collecting each. */
static int finish_all_runs(pgai_worker *w, pgai_error *err)
{
    int rc = PGAI_OK;
    while (runs_in_flight(w) > 0) {
        struct pollfd fd = {.fd = w->done[0], .events = POLLIN};
        if (poll(&fd, 1, 1000) < 0 && errno != EINTR) break;
        pgai_error e;
        int r = finish_ended_runs(w, &e);
        if (r != PGAI_OK && rc == PGAI_OK) {
            *err = e, rc = r;
            atomic_store(&w->halting, 1); /* exit_on_error: the others stop after their batch */
        }
    }
    return rc;
}

static int start_run(pgai_worker *w, vz_runtime *rt, pgai_error *err)
{
    const vectorizer *v = rt->v;
    int n = w->concurrency ? w->concurrency : v->processing.concurrency;
    executor_args args = {.db_url = w->db_url, .info = &w->info, .tracker = w->tracker, .lg = &w->lg,
                          .environment = w->environment, .stopping = worker_stopping, .aborting = worker_aborting,
                          .userdata = w, .stop = w->stop, .abort = w->abort, .max_chunks_per_item = w->max_chunks_per_document,
                          .max_document_bytes = w->max_document_bytes, .max_response_bytes = w->max_response_bytes,
                          .http_timeout_ms = w->http_timeout_ms, .retry_delay_s = w->retry_delay_s, .pool = w->pool};
    log_info(&w->lg, "running vectorizer", "vectorizer_id=%d", rt->id);
    if (runtime_start(rt, n, &args, w->done[1], &w->lg) != 0) return error_set(err, PGAI_E_NOMEM, "out of memory");
    return PGAI_OK;
}

/* The error row and log line of a vectorizer this build cannot serve, once per config. */
static void report_unsupported(pgai_worker *w, PGconn *conn, vz_runtime *rt, pgai_error *err)
{
    error_set(err, PGAI_E_UNSUPPORTED,
              "this vectorizer needs %s, which this version of pgai in C does not support yet; its items stay queued",
              rt->unsupported);
    if (rt->reported) return;
    rt->reported = 1;
    log_error(&w->lg, err->message, "vectorizer_id=%d", rt->id);
    json_t *o = json_pack("{s:s}", "error_reason", err->message);
    char *details = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    pgai_error rerr;
    if (!details || track_error_row(conn, &w->info, rt->id, "vectorizer not supported", details, &rerr) != 0)
        log_warn(&w->lg, "recording the error failed", "vectorizer_id=%d", rt->id);
    free(details);
}

/*
 * Loads one vectorizer's row (and its tables' signature) and key, refreshes
 * its runtime, and starts a run when it is due and a slot is free. Returns
 * an error only when it should stop the worker.
 */
static int visit_vectorizer(pgai_worker *w, PGconn *conn, int id, pgai_error *err)
{
    vz_runtime *rt = runtime_get(w, id);
    if (!rt) return w->exit_on_error ? error_set(err, PGAI_E_NOMEM, "out of memory") : PGAI_OK;
    rt->listed = 1;
    if (rt->state == VZ_RUNNING) { /* its executors see the new rows, or run again when done */
        rt->rerun = 1;
        return PGAI_OK;
    }
    if (w->once && rt->ran) return PGAI_OK;
    if (rt->state == VZ_RESTING && clock_now_s() < rt->rest_until) {
        log_debug(&w->lg, "vectorizer resting after an error", "seconds_left=%.0f vectorizer_id=%d",
                  rt->rest_until - clock_now_s(), id);
        return PGAI_OK;
    }
    vectorizer *v = NULL;
    char *key = NULL, signature[33];
    int rc = catalog_load(conn, id, &v, signature, err);
    if (rc == PGAI_E_NOT_FOUND) error_wrap(err, PGAI_E_NOT_FOUND, "error getting vectorizer: VectorizerNotFoundError: ");
    if (rc == PGAI_OK) rc = catalog_api_key(conn, &w->info, v, w->environment, &w->lg, &key, err);
    if (rc != PGAI_OK) {
        vectorizer_free(v);
        privilege_hint(w, err);
        report_error(w, err->message, id);
        return w->exit_on_error ? rc : PGAI_OK;
    }
    if (runtime_refresh(rt, v, key, signature) || rt->state == VZ_UNSUPPORTED)
        rt->unsupported = unsupported_reason(conn, rt->v); /* once per config: it costs a query */
    if (rt->unsupported) {
        runtime_set_state(rt, VZ_UNSUPPORTED, &w->lg);
        report_unsupported(w, conn, rt, err);
        return w->exit_on_error ? PGAI_E_UNSUPPORTED : PGAI_OK;
    }
    if (rt->v->disabled) {
        runtime_set_state(rt, VZ_DISABLED, &w->lg);
        log_info(&w->lg, "skipping disabled vectorizer", "vectorizer_id=%d", id);
        return PGAI_OK;
    }
    runtime_set_state(rt, VZ_IDLE, &w->lg);
    if (runs_in_flight(w) >= (size_t)w->max_parallel) { /* started when a slot frees up */
        rt->rerun = 1;
        return PGAI_OK;
    }
    rt->rerun = 0;
    if ((rc = start_run(w, rt, err)) != PGAI_OK) {
        report_error(w, err->message, id);
        return w->exit_on_error ? rc : PGAI_OK;
    }
    return PGAI_OK;
}

/* One pass over the vectorizers: starts the runs that are due. */
static int run_pass(pgai_worker *w, pgai_error *err)
{
    w->pass_due = 0;
    PGconn *conn = db_pool_take(w->pool);
    if (!conn) conn = db_connect_cancellable(w->db_url, "pgai-worker", &w->lg, w->stop, err);
    if (!conn && worker_stopping(w)) return PGAI_OK;
    if (!conn) {
        connect_error(err);
        report_error(w, err->message, 0);
        w->db_backoff = backoff_next_db(w->db_backoff);
        return w->exit_on_error ? PGAI_E_CONNECT : PGAI_OK;
    }
    w->db_backoff = 0;
    int *ids = NULL;
    size_t n = 0;
    int rc = catalog_list_ids(conn, w->nids ? w->ids : NULL, w->nids, &ids, &n, err);
    if (rc != PGAI_OK) { /* a terminated connection, say: the next pass tries again */
        privilege_hint(w, err);
        report_error(w, err->message, 0);
        if (!w->exit_on_error) rc = PGAI_OK;
        goto out;
    }
    if (w->nids && !w->ids_checked) {
        if (n != w->nids) {
            char want[512], got[512];
            format_ids(want, sizeof(want), w->ids, w->nids);
            format_ids(got, sizeof(got), ids, n);
            rc = error_set(err, PGAI_E_NOT_FOUND, "invalid vectorizers, wanted: %s, got: %s", want, got);
            report_error(w, err->message, 0);
            if (w->exit_on_error) goto out;
            rc = PGAI_OK;
        } else {
            w->ids_checked = 1;
        }
    }
    if (!w->nids && n == 0) log_warn(&w->lg, "no vectorizers found", NULL);
    /* random order: several workers spread over the vectorizers */
    unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rand_r(&seed) % i;
        int t = ids[i - 1];
        ids[i - 1] = ids[j];
        ids[j] = t;
    }
    for (size_t i = 0; i < w->nruntimes; i++) w->runtimes[i]->listed = 0;
    for (size_t i = 0; i < n && !worker_stopping(w); i++)
        if ((rc = visit_vectorizer(w, conn, ids[i], err)) != PGAI_OK) break;
    if (rc == PGAI_OK && !worker_stopping(w)) forget_unlisted(w);
out:
    free(ids);
    db_pool_give(w->pool, conn);
    return rc;
}

/* ---- sleeping ------------------------------------------------------------------ */

/* Seconds until the first resting vectorizer may run again (or `wait` when later). */
static double first_rest_end(const pgai_worker *w, double wait)
{
    double t = clock_now_s();
    for (size_t i = 0; i < w->nruntimes; i++) {
        const vz_runtime *rt = w->runtimes[i];
        if (rt->state == VZ_RESTING && rt->rest_until - t < wait) wait = rt->rest_until - t > 0 ? rt->rest_until - t : 0;
    }
    return wait;
}

/* The periodic housekeeping of the sleep: idle executors give their
 * connections back, the pool closes old ones. Returns seconds until the next is due (-1: none). */
static double housekeeping(pgai_worker *w)
{
    double next = db_pool_prune(w->pool), now = clock_now_s();
    for (size_t i = 0; i < w->nruntimes; i++) {
        double d = runtime_park_idle(w->runtimes[i], now, EXECUTOR_IDLE_S);
        if (d >= 0 && (next < 0 || d < next)) next = d;
    }
    return next;
}

/* Reads the wake-up connection; 1 when a notification arrived. */
static int read_notifications(pgai_worker *w)
{
    if (PQconsumeInput(w->listen_conn) == 0) {
        PQfinish(w->listen_conn);
        w->listen_conn = NULL;
        listen_failed(w, "lost the wake-up connection; polling only until it is back", NULL);
        /* the first try at once (only the connection may be gone), then 1 s, 2 s, ... */
        w->listen_backoff = 0;
        w->listen_retry_at = clock_now_s();
        return 0;
    }
    int woke = 0;
    PGnotify *nt;
    while ((nt = PQnotifies(w->listen_conn)) != NULL) {
        woke = 1;
        log_debug(&w->lg, "woken by a notification", "payload='%s'", nt->extra);
        PQfreemem(nt);
    }
    return woke;
}

/*
 * Sleeps until the poll interval passes, a NOTIFY arrives, a run ends with
 * work waiting, or a stop is requested. Runs that end meanwhile are
 * collected here; returns an error when one should stop the worker.
 */
static int wait_for_work(pgai_worker *w, pgai_error *err)
{
    /* the poll interval, unless the database must be retried or a resting vectorizer wakes sooner */
    double wait = w->poll_interval;
    if (w->db_backoff > 0 && w->db_backoff < wait) wait = w->db_backoff;
    wait = first_rest_end(w, wait);
    char td[64];
    format_timedelta(td, sizeof(td), wait);
    char event[128];
    snprintf(event, sizeof(event), "sleeping for %s before polling for new work", td);
    log_info(&w->lg, event, NULL);
    /* (re)open the wake-up connection when it is missing or broken, and due for a try */
    if (listen_due(w)) listen_connect(w);
    double until = clock_now_s() + wait;
    for (;;) {
        if (worker_stopping(w)) {
            if (cancel_fired(w->stop)) log_info(&w->lg, "got a graceful shutdown request", NULL);
            return PGAI_OK;
        }
        if (w->pass_due) return PGAI_OK;
        double left = until - clock_now_s();
        if (left <= 0) return PGAI_OK;
        if (!w->listen_conn && listen_due(w)) {
            /* notifications sent while it was gone were lost, so a pass runs now */
            listen_connect(w);
            if (w->listen_conn) return PGAI_OK;
        }
        /* a fired stop token stays readable: the check above then returns */
        struct pollfd fds[3] = {{.fd = cancel_fd(w->stop), .events = POLLIN},
                                {.fd = w->done[0], .events = POLLIN},
                                {.fd = w->listen_conn ? PQsocket(w->listen_conn) : -1, .events = POLLIN}};
        int ms = left > 3600 ? 3600000 : (int)(left * 1000) + 1;
        if (!w->listen_conn) { /* wake up for the next try */
            double retry_in = w->listen_retry_at - clock_now_s();
            if (retry_in * 1000 + 1 < ms) ms = retry_in > 0 ? (int)(retry_in * 1000) + 1 : 0;
        }
        double chore_in = housekeeping(w);
        if (chore_in >= 0 && chore_in * 1000 + 1 < ms) ms = (int)(chore_in * 1000) + 1;
        int r = poll(fds, 3, ms);
        if (r < 0 && errno != EINTR) return PGAI_OK;
        if (r <= 0) continue;
        if (fds[1].revents) {
            int rc = finish_ended_runs(w, err);
            if (rc != PGAI_OK) return rc;
            /* a resting vectorizer's end may now come sooner than the interval's */
            double rest = first_rest_end(w, until - clock_now_s());
            if (clock_now_s() + rest < until) until = clock_now_s() + rest;
        }
        if (fds[2].fd >= 0 && fds[2].revents && read_notifications(w)) return PGAI_OK;
    }
}

/* ---- one run -------------------------------------------------------------------- */

int worker_loop(pgai_worker *w, pgai_error *err)
{
    memset(err, 0, sizeof(*err));
    atomic_store(&w->halting, 0);
    log_debug(&w->lg, "starting vectorizer worker", NULL);
    /* Without a pool (out of memory) every pass simply connects anew. */
    w->pool = db_pool_new(POOL_MAX_IDLE, POOL_IDLE_S);
    int rc = PGAI_OK;
    while (!worker_stopping(w)) {
        if (!w->initialised && (rc = initialise(w, err)) != PGAI_OK) {
            if (worker_stopping(w)) { /* the shutdown cut the connection attempt short: not an error */
                rc = PGAI_OK;
                break;
            }
            report_error(w, err->message, 0);
            if (rc == PGAI_E_CONNECT) w->db_backoff = backoff_next_db(w->db_backoff);
            if (w->exit_on_error) break;
            rc = PGAI_OK;
        } else if (w->initialised) {
            /* drain wake-ups that arrived while we were busy: this pass covers them */
            if (w->listen_conn && PQconsumeInput(w->listen_conn)) {
                PGnotify *nt;
                while ((nt = PQnotifies(w->listen_conn)) != NULL) PQfreemem(nt);
            }
            if ((rc = run_pass(w, err)) != PGAI_OK) break;
        }
        if (w->once) {
            /* every vectorizer once: those left waiting for a slot start as others end */
            while (rc == PGAI_OK && runs_in_flight(w) > 0 && !worker_stopping(w)) {
                struct pollfd fds[2] = {{.fd = w->done[0], .events = POLLIN}, {.fd = cancel_fd(w->stop), .events = POLLIN}};
                if (poll(fds, 2, 1000) < 0 && errno != EINTR) break;
                if ((rc = finish_ended_runs(w, err)) == PGAI_OK && w->pass_due && w->initialised)
                    rc = run_pass(w, err);
            }
            if (rc == PGAI_OK) log_info(&w->lg, "once mode, exiting...", NULL);
            break;
        }
        if ((rc = wait_for_work(w, err)) != PGAI_OK) break;
    }
    /* the runs still in flight stop after their batch (or at once, on abort) */
    if (rc != PGAI_OK) atomic_store(&w->halting, 1);
    pgai_error ferr;
    int frc = finish_all_runs(w, &ferr);
    if (rc == PGAI_OK && frc != PGAI_OK) *err = ferr, rc = frc;
    if (rc != PGAI_OK) log_info(&w->lg, "exiting processor due to error", NULL);
    for (size_t i = 0; i < w->nruntimes; i++) runtime_free(w->runtimes[i]);
    free(w->runtimes);
    w->runtimes = NULL;
    w->nruntimes = 0;
    if (w->tracker) {
        tracker_stop(w->tracker, !worker_aborting(w));
        w->tracker = NULL;
    }
    PQfinish(w->listen_conn);
    w->listen_conn = NULL;
    w->initialised = 0;
    w->ids_checked = 0;
    db_pool_free(w->pool);
    w->pool = NULL;
    log_info(&w->lg, "exiting processor.run()", NULL);
    if (rc == PGAI_OK) memset(err, 0, sizeof(*err)); /* errors it carried on from are not the result */
    return rc;
}
