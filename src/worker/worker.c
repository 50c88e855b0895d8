/*
 * worker: the main loop of `pgai vectorizer worker` (pgai_worker_* in
 * pgai.h). One pass visits every vectorizer (in random order, so several
 * workers spread out), runs its executors until its queue is empty, then the
 * worker sleeps until the poll interval ends or a NOTIFY on the channel
 * pgai_vectorizer says new work was queued.
 *
 * Differences from pgai's worker, on purpose (docs/compatibility.md): a
 * vectorizer that fails does not stop the others in the pass; a graceful
 * shutdown lets the batch in flight commit; NOTIFY wakes us at once.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog/catalog.h"
#include "db/db.h"
#include "db/pool.h"
#include "db/url.h"
#include "embed/embed.h"
#include "pgai/pgai.h"
#include "track/track.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/log.h"
#include "worker/executor.h"

#define NOTIFY_CHANNEL "pgai_vectorizer"

/* Hard limits, each overridable by an environment variable (docs/reliability.md). */
#define DEFAULT_MAX_DOCUMENT_BYTES (64LL << 20)
#define DEFAULT_MAX_CHUNKS_PER_DOCUMENT 50000
#define DEFAULT_MAX_RESPONSE_BYTES ((size_t)256 << 20) /* 2048 x 3072 floats as JSON text: ~130 MB */
#define PGAI_RETRY_DELAY_S 180.0                       /* pgai: 3 minutes x attempts */
/* A vectorizer whose batch failed waits, doubling from the first to the last value. */
#define BACKOFF_FIRST_S 5.0
#define BACKOFF_MAX_S 300.0
/* Reconnecting to a database that went away. */
#define DB_BACKOFF_FIRST_S 1.0
#define DB_BACKOFF_MAX_S 30.0
/* Connections kept between passes: enough for every executor of a busy
 * worker, closed after 30 s unused so an idle worker holds no more than its
 * LISTEN and heartbeat connections. */
#define POOL_MAX_IDLE 64
#define POOL_IDLE_S 30.0

typedef struct backoff {
    int id;
    double until; /* monotonic seconds */
    double delay;
} backoff;

struct pgai_worker {
    char *db_url;
    int *ids;
    size_t nids;
    int ids_checked; /* explicit ids: stop checking once they were all found */
    double poll_interval;
    int once;
    int exit_on_error;
    int concurrency;
    logger lg;
    env_snapshot *environment; /* taken once in pgai_worker_new: nothing reads getenv() after that */

    /* Fired by the requests (signal-safe), never re-armed: a shutdown is
     * permanent for the worker's life (docs/library.md), so a later
     * pgai_worker_run returns at once. stop ends the sleep between passes
     * and connection attempts; abort also HTTP requests and their back-offs. */
    cancel_token *stop;
    cancel_token *abort;

    int initialised;
    char role[64]; /* the database role we connect as, for messages */
    catalog_info info;
    tracker *tracker;
    PGconn *listen_conn;
    db_pool *pool; /* connections kept between passes, while pgai_worker_run runs */
    int *reported_unsupported; /* vectorizer ids already told about a missing feature */
    size_t nreported;

    long long max_document_bytes;
    size_t max_chunks_per_document;
    size_t max_response_bytes;
    double retry_delay_s;
    backoff *backoffs; /* vectorizers resting after a failed batch */
    size_t nbackoffs;
    double db_backoff; /* > 0 while the database cannot be reached */
    int listen_lost;        /* the wake-up connection is gone, and that was logged */
    double listen_backoff;  /* its reconnection back-off, as db_backoff */
    double listen_retry_at; /* monotonic seconds: the next try */

    /* pgai_worker_start: the background thread and its result */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    int running, done, joined;
    atomic_int in_run; /* pgai_worker_run is executing (in some thread) */
    int result;
    pgai_error result_err;
};

/* A positive number from the environment, or the default. */
static double env_number(const env_snapshot *environment, const char *name, double dflt, int *bad)
{
    const char *v = env_get(environment, name);
    if (!v || !*v) return dflt;
    char *end;
    double d = strtod(v, &end);
    if (*end || d < 0) {
        *bad = 1;
        return dflt;
    }
    return d;
}

int pgai_worker_new(const pgai_worker_options *opts, pgai_worker **out, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    if (!opts) return error_set(err, PGAI_E_INVALID, "worker options are required");
    if (opts->concurrency < 0) return error_set(err, PGAI_E_INVALID, "concurrency must be at least 1");
    if (opts->poll_interval < 0) return error_set(err, PGAI_E_INVALID, "poll_interval can't be negative");
    if (opts->n_vectorizer_ids && !opts->vectorizer_ids)
        return error_set(err, PGAI_E_INVALID, "vectorizer_ids is NULL but n_vectorizer_ids is not 0");
    /* now, not at every failed reconnection of a worker that would never connect */
    if (db_url_check(opts->db_url, err) != PGAI_OK) return err->code;
    pgai_worker *w = calloc(1, sizeof(*w));
    if (!w) return error_set(err, PGAI_E_NOMEM, "out of memory");
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    if ((opts->db_url && !(w->db_url = strdup(opts->db_url))) ||
        (opts->n_vectorizer_ids && !(w->ids = calloc(opts->n_vectorizer_ids, sizeof(int)))) ||
        cancel_token_new(&w->stop) != 0 || cancel_token_new(&w->abort) != 0) {
        pgai_worker_free(w);
        return error_set(err, PGAI_E_NOMEM, "out of resources creating the worker");
    }
    if (opts->n_vectorizer_ids) memcpy(w->ids, opts->vectorizer_ids, opts->n_vectorizer_ids * sizeof(int));
    w->nids = opts->n_vectorizer_ids;
    w->poll_interval = opts->poll_interval;
    w->once = opts->once;
    w->exit_on_error = opts->exit_on_error < 0 ? opts->once : opts->exit_on_error;
    w->concurrency = opts->concurrency;
    w->lg.fn = opts->log;
    w->lg.userdata = opts->log_userdata;
    w->lg.min = opts->log_level ? opts->log_level : PGAI_LOG_INFO;
    if (!(w->environment = env_snapshot_take())) {
        pgai_worker_free(w);
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    int bad = 0;
    w->max_document_bytes = (long long)env_number(w->environment, "PGAI_VECTORIZER_MAX_DOCUMENT_BYTES", (double)DEFAULT_MAX_DOCUMENT_BYTES, &bad);
    w->max_chunks_per_document =
        (size_t)env_number(w->environment, "PGAI_VECTORIZER_MAX_CHUNKS_PER_DOCUMENT", DEFAULT_MAX_CHUNKS_PER_DOCUMENT, &bad);
    w->max_response_bytes = (size_t)env_number(w->environment, "PGAI_VECTORIZER_MAX_RESPONSE_BYTES", (double)DEFAULT_MAX_RESPONSE_BYTES, &bad);
    w->retry_delay_s = PGAI_RETRY_DELAY_S * env_number(w->environment, "PGAI_VECTORIZER_RETRY_DELAY_SCALE", 1.0, &bad);
    if (bad) {
        pgai_worker_free(w);
        return error_set(err, PGAI_E_INVALID,
                         "PGAI_VECTORIZER_MAX_DOCUMENT_BYTES, _MAX_CHUNKS_PER_DOCUMENT, _MAX_RESPONSE_BYTES and"
                         " _RETRY_DELAY_SCALE must be non-negative numbers");
    }
    /* each executor's embedder reads it again; checked here so that a bad
     * value is a usage error at start-up, not an error in every batch */
    long timeout_ms;
    char msg[512];
    if (embed_http_timeout_env(w->environment, &timeout_ms, msg, sizeof(msg)) != 0) {
        pgai_worker_free(w);
        return error_set(err, PGAI_E_INVALID, "%s", msg);
    }
    *out = w;
    return PGAI_OK;
}

static backoff *find_backoff(pgai_worker *w, int id)
{
    for (size_t i = 0; i < w->nbackoffs; i++)
        if (w->backoffs[i].id == id) return &w->backoffs[i];
    return NULL;
}

/* After a failed batch the vectorizer rests, 5 s doubling up to 5 min; others go on. */
static void backoff_failed(pgai_worker *w, int id)
{
    backoff *b = find_backoff(w, id);
    if (!b) {
        backoff *p = realloc(w->backoffs, (w->nbackoffs + 1) * sizeof(*p));
        if (!p) return;
        w->backoffs = p;
        b = &p[w->nbackoffs++];
        *b = (backoff){.id = id};
    }
    b->delay = b->delay ? (b->delay * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : b->delay * 2) : BACKOFF_FIRST_S;
    b->until = clock_now_s() + b->delay;
    log_info(&w->lg, "vectorizer backing off after an error", "seconds=%.0f vectorizer_id=%d", b->delay, id);
}

static void backoff_succeeded(pgai_worker *w, int id)
{
    backoff *b = find_backoff(w, id);
    if (b) *b = w->backoffs[--w->nbackoffs];
}

void pgai_worker_free(pgai_worker *w)
{
    if (!w) return;
    if (w->thread_started) {
        pgai_worker_request_shutdown(w);
        pthread_join(w->thread, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->done_cv);
    if (w->tracker) tracker_stop(w->tracker, 0);
    PQfinish(w->listen_conn);
    cancel_token_free(w->stop);
    cancel_token_free(w->abort);
    free(w->db_url);
    free(w->ids);
    free(w->reported_unsupported);
    env_snapshot_free(w->environment);
    free(w->backoffs);
    free(w);
}

void pgai_worker_request_shutdown(pgai_worker *w) { cancel_fire(w->stop); }

void pgai_worker_request_abort(pgai_worker *w)
{
    /* abort first: whoever wakes for stop then sees the abort too */
    cancel_fire(w->abort);
    cancel_fire(w->stop);
}

static int is_stopping(void *ud) { return cancel_fired(((pgai_worker *)ud)->stop); }
static int is_aborting(void *ud) { return cancel_fired(((pgai_worker *)ud)->abort); }

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
    PGconn *conn = db_connect(w->db_url, app, &w->lg, &err);
    if (conn && tracker_progress(w->tracker, conn, vectorizer_id, 0, message, &err) != PGAI_OK)
        log_debug(&w->lg, "recording the error failed", "error='%s'", err.message);
    PQfinish(conn);
}

static void version_warnings(pgai_worker *w)
{
    int ours[3], theirs[3];
    const char *ours_s = PGAI_COMPAT_VERSION;
    if (w->info.lib_version[0] && semver_parse(ours_s, ours) == 0 && semver_parse(w->info.lib_version, theirs) == 0 &&
        semver_cmp(ours, theirs) > 0)
        log_warn(&w->lg, "The pgai installation in your database is outdated and can be upgraded.",
                 "installed_version=%s latest_version=%s", w->info.lib_version, PGAI_COMPAT_VERSION "+c" PGAI_C_VERSION);
}

/* The next wait of a back-off that doubles from DB_BACKOFF_FIRST_S to DB_BACKOFF_MAX_S. */
static double db_backoff_next(double d)
{
    return d ? (d * 2 > DB_BACKOFF_MAX_S ? DB_BACKOFF_MAX_S : d * 2) : DB_BACKOFF_FIRST_S;
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
    w->listen_backoff = db_backoff_next(w->listen_backoff);
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
    if (!is_stopping(w)) listen_failed(w, "cannot listen for wake-ups; polling only until it is back", err.message);
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
    if (v->embedding.kind == EMBEDDING_LITELLM) return "the LiteLLM embedding provider";
    buf sql;
    buf_init(&sql, 0);
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

typedef struct executor_slot {
    executor_args args;
    pthread_t thread;
    int started;
    int rc;
    long items;
    pgai_error err;
} executor_slot;

static void *executor_thread(void *arg)
{
    executor_slot *s = arg;
    s->rc = executor_run(&s->args, &s->items, &s->err);
    return NULL;
}

/* Runs the vectorizer's executors to completion; returns the first error, if any. */
static int run_vectorizer(pgai_worker *w, const vectorizer *v, const char *api_key, pgai_error *err)
{
    int n = w->concurrency ? w->concurrency : v->processing.concurrency;
    if (n < 1) n = 1;
    executor_slot *slots = calloc((size_t)n, sizeof(*slots));
    if (!slots) return error_set(err, PGAI_E_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        slots[i].args = (executor_args){.db_url = w->db_url, .v = v, .info = &w->info, .api_key = api_key,
                                        .tracker = w->tracker, .lg = &w->lg, .environment = w->environment, .stopping = is_stopping,
                                        .aborting = is_aborting, .userdata = w, .stop = w->stop, .abort = w->abort,
                                        .max_chunks_per_item = w->max_chunks_per_document,
                                        .max_document_bytes = w->max_document_bytes,
                                        .max_response_bytes = w->max_response_bytes,
                                        .retry_delay_s = w->retry_delay_s, .pool = w->pool};
        slots[i].started = pthread_create(&slots[i].thread, NULL, executor_thread, &slots[i]) == 0;
        if (!slots[i].started) executor_thread(&slots[i]); /* no thread to be had: run it here */
    }
    long items = 0;
    int rc = PGAI_OK;
    for (int i = 0; i < n; i++) {
        if (slots[i].started) pthread_join(slots[i].thread, NULL);
        items += slots[i].items;
        if (slots[i].rc != PGAI_OK) {
            if (rc == PGAI_OK) *err = slots[i].err, rc = slots[i].rc;
            if (!is_aborting(w)) report_error(w, slots[i].err.message, v->id);
        }
    }
    free(slots);
    log_info(&w->lg, "finished processing vectorizer", "items=%ld vectorizer_id=%d", items, v->id);
    /* a committed batch ends a back-off streak, even if a later batch failed */
    if (rc == PGAI_OK || items > 0) backoff_succeeded(w, v->id);
    if (rc != PGAI_OK && !is_aborting(w)) backoff_failed(w, v->id);
    return rc;
}

static int already_reported(pgai_worker *w, int id)
{
    for (size_t i = 0; i < w->nreported; i++)
        if (w->reported_unsupported[i] == id) return 1;
    int *p = realloc(w->reported_unsupported, (w->nreported + 1) * sizeof(int));
    if (p) w->reported_unsupported = p, p[w->nreported++] = id;
    return 0;
}

/* Loads and runs one vectorizer. Returns an error only when it should stop the worker. */
static int visit_vectorizer(pgai_worker *w, PGconn *conn, int id, int *had_error, pgai_error *err)
{
    backoff *b = find_backoff(w, id);
    if (b && clock_now_s() < b->until) {
        log_debug(&w->lg, "vectorizer resting after an error", "seconds_left=%.0f vectorizer_id=%d", b->until - clock_now_s(), id);
        return PGAI_OK;
    }
    vectorizer *v = NULL;
    char *key = NULL;
    int rc = catalog_load(conn, id, &v, err);
    if (rc == PGAI_E_NOT_FOUND) error_wrap(err, PGAI_E_NOT_FOUND, "error getting vectorizer: VectorizerNotFoundError: ");
    if (rc == PGAI_OK) rc = catalog_api_key(conn, &w->info, v, w->environment, &w->lg, &key, err);
    if (rc == PGAI_OK) {
        const char *missing = unsupported_reason(conn, v);
        if (missing) {
            /* the vectorizer could not be processed: an error for --exit-on-error and --once's exit status */
            *had_error = 1;
            error_set(err, PGAI_E_UNSUPPORTED,
                      "this vectorizer needs %s, which this version of pgai in C does not support yet;"
                      " its items stay queued",
                      missing);
            if (!already_reported(w, id)) {
                char *details;
                const char *msg = err->message;
                log_error(&w->lg, msg, "vectorizer_id=%d", id);
                json_t *o = json_pack("{s:s}", "error_reason", msg);
                details = o ? json_dumps(o, JSON_COMPACT) : NULL;
                json_decref(o);
                pgai_error rerr;
                if (!details || track_error_row(conn, &w->info, id, "vectorizer not supported", details, &rerr) != 0)
                    log_warn(&w->lg, "recording the error failed", "vectorizer_id=%d", id);
                free(details);
            }
            if (key) memset(key, 0, strlen(key));
            free(key);
            vectorizer_free(v);
            return w->exit_on_error ? PGAI_E_UNSUPPORTED : PGAI_OK;
        }
    }
    if (rc != PGAI_OK) {
        *had_error = 1;
        privilege_hint(w, err);
        report_error(w, err->message, id);
        vectorizer_free(v);
        return w->exit_on_error ? rc : PGAI_OK;
    }
    if (v->disabled) {
        log_info(&w->lg, "skipping disabled vectorizer", "vectorizer_id=%d", id);
    } else {
        log_info(&w->lg, "running vectorizer", "vectorizer_id=%d", id);
        rc = run_vectorizer(w, v, key, err);
        if (rc != PGAI_OK) *had_error = 1;
    }
    if (key) memset(key, 0, strlen(key));
    free(key);
    vectorizer_free(v);
    return (rc != PGAI_OK && w->exit_on_error) ? rc : PGAI_OK;
}

static void format_ids(char *out, size_t n, const int *ids, size_t count)
{
    size_t o = (size_t)snprintf(out, n, "[");
    for (size_t i = 0; i < count && o < n; i++) o += (size_t)snprintf(out + o, n - o, "%s%d", i ? ", " : "", ids[i]);
    if (o < n) snprintf(out + o, n - o, "]");
}

/* One pass over the vectorizers. */
static int run_pass(pgai_worker *w, pgai_error *err)
{
    PGconn *conn = db_pool_take(w->pool);
    if (!conn) conn = db_connect_cancellable(w->db_url, "pgai-worker", &w->lg, w->stop, err);
    if (!conn && is_stopping(w)) return PGAI_OK;
    if (!conn) {
        connect_error(err);
        report_error(w, err->message, 0);
        w->db_backoff = db_backoff_next(w->db_backoff);
        return w->exit_on_error ? PGAI_E_CONNECT : PGAI_OK;
    }
    w->db_backoff = 0;
    int *ids = NULL;
    size_t n = 0;
    int rc = catalog_list_ids(conn, w->nids ? w->ids : NULL, w->nids, &ids, &n, err);
    if (rc != PGAI_OK) {
        privilege_hint(w, err);
        report_error(w, err->message, 0);
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
    int had_error = 0;
    for (size_t i = 0; i < n && !is_stopping(w); i++)
        if ((rc = visit_vectorizer(w, conn, ids[i], &had_error, err)) != PGAI_OK) break;
out:
    free(ids);
    db_pool_give(w->pool, conn);
    return rc;
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

/* Sleeps until the poll interval passes, a NOTIFY arrives, or a shutdown is requested. */
static void wait_for_work(pgai_worker *w)
{
    /* the poll interval, unless the database must be retried or a resting vectorizer wakes sooner */
    double wait = w->poll_interval;
    if (w->db_backoff > 0 && w->db_backoff < wait) wait = w->db_backoff;
    double t = clock_now_s();
    for (size_t i = 0; i < w->nbackoffs; i++)
        if (w->backoffs[i].until - t < wait) wait = w->backoffs[i].until - t > 0 ? w->backoffs[i].until - t : 0;
    char td[64];
    format_timedelta(td, sizeof(td), wait);
    char event[128];
    snprintf(event, sizeof(event), "sleeping for %s before polling for new work", td);
    log_info(&w->lg, event, NULL);
    /* (re)open the wake-up connection when it is missing or broken, and due for a try */
    if (listen_due(w)) listen_connect(w);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (is_stopping(w)) {
            log_info(&w->lg, "got a graceful shutdown request", NULL);
            return;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double left = wait - ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9);
        if (left <= 0) return;
        if (!w->listen_conn && listen_due(w)) {
            /* notifications sent while it was gone were lost, so a pass runs now */
            listen_connect(w);
            if (w->listen_conn) return;
        }
        /* a fired stop token stays readable: the check above then returns */
        struct pollfd fds[2] = {{.fd = cancel_fd(w->stop), .events = POLLIN}, {.fd = -1, .events = POLLIN}};
        if (w->listen_conn) fds[1].fd = PQsocket(w->listen_conn);
        int ms = left > 3600 ? 3600000 : (int)(left * 1000) + 1;
        if (!w->listen_conn) { /* wake up for the next try */
            double retry_in = w->listen_retry_at - clock_now_s();
            if (retry_in * 1000 + 1 < ms) ms = retry_in > 0 ? (int)(retry_in * 1000) + 1 : 0;
        }
        double prune_in = db_pool_prune(w->pool); /* idle connections are not kept for long */
        if (prune_in >= 0 && prune_in * 1000 + 1 < ms) ms = (int)(prune_in * 1000) + 1;
        int r = poll(fds, 2, ms);
        if (r < 0 && errno != EINTR) return;
        if (r > 0 && fds[1].fd >= 0 && fds[1].revents) {
            int woke = 0;
            if (PQconsumeInput(w->listen_conn) == 0) {
                PQfinish(w->listen_conn);
                w->listen_conn = NULL;
                listen_failed(w, "lost the wake-up connection; polling only until it is back", NULL);
                /* the first try at once (only the connection may be gone), then 1 s, 2 s, ... */
                w->listen_backoff = 0;
                w->listen_retry_at = clock_now_s();
            } else {
                PGnotify *nt;
                while ((nt = PQnotifies(w->listen_conn)) != NULL) {
                    woke = 1;
                    log_debug(&w->lg, "woken by a notification", "payload='%s'", nt->extra);
                    PQfreemem(nt);
                }
            }
            if (woke) return;
        }
    }
}

int pgai_worker_run(pgai_worker *w, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    int expected = 0;
    if (!atomic_compare_exchange_strong(&w->in_run, &expected, 1))
        return error_set(err, PGAI_E_STATE, "the worker is already running");
    log_debug(&w->lg, "starting vectorizer worker", NULL);
    /* Without a pool (out of memory) every pass simply connects anew. */
    w->pool = db_pool_new(POOL_MAX_IDLE, POOL_IDLE_S);
    int rc = PGAI_OK;
    while (!is_stopping(w)) {
        if (!w->initialised && (rc = initialise(w, err)) != PGAI_OK) {
            if (is_stopping(w)) { /* the shutdown cut the connection attempt short: not an error */
                rc = PGAI_OK;
                break;
            }
            report_error(w, err->message, 0);
            if (rc == PGAI_E_CONNECT) w->db_backoff = db_backoff_next(w->db_backoff);
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
            log_info(&w->lg, "once mode, exiting...", NULL);
            break;
        }
        wait_for_work(w);
    }
    if (rc != PGAI_OK) log_info(&w->lg, "exiting processor due to error", NULL);
    if (w->tracker) {
        tracker_stop(w->tracker, !is_aborting(w));
        w->tracker = NULL;
    }
    w->initialised = 0;
    db_pool_free(w->pool);
    w->pool = NULL;
    log_info(&w->lg, "exiting processor.run()", NULL);
    if (rc == PGAI_OK) memset(err, 0, sizeof(*err)); /* errors it carried on from are not the result */
    atomic_store(&w->in_run, 0);
    return rc;
}

static void *worker_thread(void *arg)
{
    pgai_worker *w = arg;
    pgai_error err;
    int rc = pgai_worker_run(w, &err);
    pthread_mutex_lock(&w->mu);
    w->result = rc;
    w->result_err = err;
    w->done = 1;
    w->running = 0;
    pthread_cond_broadcast(&w->done_cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int pgai_worker_start(pgai_worker *w, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    pthread_mutex_lock(&w->mu);
    if (w->running || w->thread_started || atomic_load(&w->in_run)) {
        pthread_mutex_unlock(&w->mu);
        return error_set(err, PGAI_E_STATE, "the worker was already started");
    }
    w->running = 1;
    w->done = 0;
    pthread_mutex_unlock(&w->mu);
    if (pthread_create(&w->thread, NULL, worker_thread, w) != 0) {
        w->running = 0;
        return error_set(err, PGAI_E_NOMEM, "cannot start the worker thread");
    }
    w->thread_started = 1;
    return PGAI_OK;
}

int pgai_worker_wait(pgai_worker *w, long timeout_ms, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    if (!w->thread_started) return error_set(err, PGAI_E_STATE, "the worker was not started");
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout_ms >= 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->done) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&w->done_cv, &w->mu);
        } else if (pthread_cond_timedwait(&w->done_cv, &w->mu, &until) == ETIMEDOUT && !w->done) {
            pthread_mutex_unlock(&w->mu);
            return error_set(err, PGAI_E_TIMEOUT, "the worker is still running");
        }
    }
    int rc = w->result;
    *err = w->result_err;
    int join = !w->joined; /* two threads may wait; one of them joins */
    w->joined = 1;
    pthread_mutex_unlock(&w->mu);
    if (join) {
        pthread_join(w->thread, NULL);
        pthread_mutex_lock(&w->mu);
        w->thread_started = 0;
        w->joined = 0;
        pthread_mutex_unlock(&w->mu);
    }
    return rc;
}
