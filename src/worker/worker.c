/*
 * worker: the public lifecycle of `pgai vectorizer worker` (pgai_worker_* in
 * pgai.h): options, creation, running in the caller's thread or a thread of
 * its own, stopping, waiting and freeing. What a run does is in loop.c.
 */
#include "worker/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/url.h"
#include "embed/embed.h"

/* Hard limits, each overridable by an option or an environment variable (docs/reliability.md). */
#define DEFAULT_MAX_DOCUMENT_BYTES (64LL << 20)
#define DEFAULT_MAX_CHUNKS_PER_DOCUMENT 50000
#define DEFAULT_MAX_RESPONSE_BYTES (256LL << 20) /* 2048 x 3072 floats as JSON text: ~130 MB */
#define DEFAULT_MAX_PARALLEL_VECTORIZERS 8
#define PGAI_RETRY_DELAY_S 180.0 /* pgai: 3 minutes x attempts */

void pgai_worker_options_init(pgai_worker_options *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof(*opts));
    opts->struct_size = sizeof(*opts);
    opts->poll_interval = 60;
    opts->exit_on_error = -1;
    opts->log_level = PGAI_LOG_INFO;
}

/*
 * The caller's options as this version knows them: a caller built against
 * an older header passes fewer bytes (the rest stays 0, the defaults); one
 * built against a newer header may pass more, as long as the fields we do
 * not know are unset.
 */
static int copy_options(const pgai_worker_options *in, pgai_worker_options *out, pgai_error *err)
{
    memset(out, 0, sizeof(*out));
    if (in->struct_size == 0)
        return error_set(err, PGAI_E_INVALID,
                         "pgai_worker_options.struct_size is 0: set it to sizeof(pgai_worker_options) or call "
                         "pgai_worker_options_init()");
    if (in->struct_size < offsetof(pgai_worker_options, log_level) + sizeof(in->log_level))
        return error_set(err, PGAI_E_INVALID, "pgai_worker_options.struct_size %zu is too small", in->struct_size);
    const unsigned char *bytes = (const unsigned char *)in;
    for (size_t i = sizeof(*out); i < in->struct_size; i++)
        if (bytes[i])
            return error_set(err, PGAI_E_INVALID,
                             "pgai_worker_options sets fields this libpgai (%s) does not know: upgrade the library",
                             PGAI_C_VERSION);
    memcpy(out, in, in->struct_size < sizeof(*out) ? in->struct_size : sizeof(*out));
    return PGAI_OK;
}

/* The option when set, else a non-negative number from the environment, else the default. */
static double limit(double option, const env_snapshot *environment, const char *name, double dflt, int *bad)
{
    if (option < 0) {
        *bad = 1;
        return dflt;
    }
    if (option > 0) return option;
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

static int set_limits(pgai_worker *w, const pgai_worker_options *o, pgai_error *err)
{
    int bad = 0;
    w->max_document_bytes = (long long)limit((double)o->max_document_bytes, w->environment,
                                             "PGAI_VECTORIZER_MAX_DOCUMENT_BYTES", (double)DEFAULT_MAX_DOCUMENT_BYTES, &bad);
    w->max_chunks_per_document = (size_t)limit((double)o->max_chunks_per_document, w->environment,
                                               "PGAI_VECTORIZER_MAX_CHUNKS_PER_DOCUMENT", DEFAULT_MAX_CHUNKS_PER_DOCUMENT,
                                               &bad);
    w->max_response_bytes = (size_t)limit((double)o->max_response_bytes, w->environment,
                                          "PGAI_VECTORIZER_MAX_RESPONSE_BYTES", (double)DEFAULT_MAX_RESPONSE_BYTES, &bad);
    w->retry_delay_s =
        PGAI_RETRY_DELAY_S * limit(0, w->environment, "PGAI_VECTORIZER_RETRY_DELAY_SCALE", 1.0, &bad);
    if (bad)
        return error_set(err, PGAI_E_INVALID,
                         "PGAI_VECTORIZER_MAX_DOCUMENT_BYTES, _MAX_CHUNKS_PER_DOCUMENT, _MAX_RESPONSE_BYTES and"
                         " _RETRY_DELAY_SCALE (and the options of the same names) must be non-negative numbers");
    if (o->http_timeout < 0) return error_set(err, PGAI_E_INVALID, "http_timeout can't be negative");
    if (o->http_timeout > 0) {
        double ms = o->http_timeout * 1000;
        w->http_timeout_ms = ms < 1 ? 1 : ms < 2e18 ? (long)ms : 2000000000000000000L;
    } else {
        /* a bad value is a usage error at start-up, not an error in every batch */
        char msg[512];
        if (embed_http_timeout_env(w->environment, &w->http_timeout_ms, msg, sizeof(msg)) != 0)
            return error_set(err, PGAI_E_INVALID, "%s", msg);
    }
    if (o->max_parallel_vectorizers < 0) return error_set(err, PGAI_E_INVALID, "max_parallel_vectorizers can't be negative");
    w->max_parallel = o->max_parallel_vectorizers ? o->max_parallel_vectorizers : DEFAULT_MAX_PARALLEL_VECTORIZERS;
    return PGAI_OK;
}

static int self_pipe(int fds[2])
{
    if (pipe(fds) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

int pgai_worker_new(const pgai_worker_options *opts_in, pgai_worker **out, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    if (!opts_in) return error_set(err, PGAI_E_INVALID, "worker options are required");
    pgai_worker_options opts_copy, *opts = &opts_copy;
    if (copy_options(opts_in, opts, err) != PGAI_OK) return err->code;
    if (opts->concurrency < 0) return error_set(err, PGAI_E_INVALID, "concurrency must be at least 1");
    if (opts->poll_interval < 0) return error_set(err, PGAI_E_INVALID, "poll_interval can't be negative");
    if (opts->n_vectorizer_ids && !opts->vectorizer_ids)
        return error_set(err, PGAI_E_INVALID, "vectorizer_ids is NULL but n_vectorizer_ids is not 0");
    /* now, not at every failed reconnection of a worker that would never connect */
    if (db_url_check(opts->db_url, err) != PGAI_OK) return err->code;
    pgai_worker *w = calloc(1, sizeof(*w));
    if (!w) return error_set(err, PGAI_E_NOMEM, "out of memory");
    w->done[0] = w->done[1] = -1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->phase_cv, NULL);
    if ((opts->db_url && !(w->db_url = strdup(opts->db_url))) ||
        (opts->n_vectorizer_ids && !(w->ids = calloc(opts->n_vectorizer_ids, sizeof(int)))) ||
        cancel_token_new(&w->stop) != 0 || cancel_token_new(&w->abort) != 0 || self_pipe(w->done) != 0 ||
        !(w->environment = env_snapshot_take())) {
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
    if (set_limits(w, opts, err) != PGAI_OK) {
        pgai_worker_free(w);
        return err->code;
    }
    *out = w;
    return PGAI_OK;
}

void pgai_worker_free(pgai_worker *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    int background = w->phase != WP_READY && w->phase != WP_RUNNING;
    pthread_mutex_unlock(&w->mu);
    if (background) {
        pgai_worker_request_shutdown(w);
        pgai_worker_wait(w, -1, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->phase_cv);
    for (int i = 0; i < 2; i++)
        if (w->done[i] >= 0) close(w->done[i]);
    cancel_token_free(w->stop);
    cancel_token_free(w->abort);
    env_snapshot_free(w->environment);
    free(w->db_url);
    free(w->ids);
    free(w);
}

void pgai_worker_request_shutdown(pgai_worker *w) { cancel_fire(w->stop); }

void pgai_worker_request_abort(pgai_worker *w)
{
    /* abort first: whoever wakes for stop then sees the abort too */
    cancel_fire(w->abort);
    cancel_fire(w->stop);
}

int worker_stopping(void *ud)
{
    pgai_worker *w = ud;
    return cancel_fired(w->stop) || atomic_load(&w->halting);
}

int worker_aborting(void *ud) { return cancel_fired(((pgai_worker *)ud)->abort); }

/* READY -> to, or PGAI_E_STATE. */
static int enter_phase(pgai_worker *w, worker_phase to, const char *busy, pgai_error *err)
{
    pthread_mutex_lock(&w->mu);
    int ok = w->phase == WP_READY;
    if (ok) w->phase = to;
    pthread_mutex_unlock(&w->mu);
    return ok ? PGAI_OK : error_set(err, PGAI_E_STATE, "%s", busy);
}

int pgai_worker_run(pgai_worker *w, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    if (enter_phase(w, WP_RUNNING, "the worker is already running", err) != PGAI_OK) return err->code;
    int rc = worker_loop(w, err);
    pthread_mutex_lock(&w->mu);
    w->phase = WP_READY;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static void *worker_thread(void *arg)
{
    pgai_worker *w = arg;
    pgai_error err;
    memset(&err, 0, sizeof(err));
    int rc = worker_loop(w, &err);
    pthread_mutex_lock(&w->mu);
    w->result = rc;
    w->result_err = err;
    w->phase = WP_FINISHED;
    pthread_cond_broadcast(&w->phase_cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int pgai_worker_start(pgai_worker *w, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    if (enter_phase(w, WP_BACKGROUND, "the worker was already started", err) != PGAI_OK) return err->code;
    if (pthread_create(&w->thread, NULL, worker_thread, w) != 0) {
        pthread_mutex_lock(&w->mu);
        w->phase = WP_READY;
        pthread_mutex_unlock(&w->mu);
        return error_set(err, PGAI_E_NOMEM, "cannot start the worker thread");
    }
    return PGAI_OK;
}

int pgai_worker_wait(pgai_worker *w, long timeout_ms, pgai_error *err)
{
    pgai_error local;
    if (!err) err = &local;
    memset(err, 0, sizeof(*err));
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout_ms >= 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    if (w->phase == WP_READY || w->phase == WP_RUNNING) {
        pthread_mutex_unlock(&w->mu);
        return error_set(err, PGAI_E_STATE, "the worker was not started");
    }
    while (w->phase == WP_BACKGROUND) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&w->phase_cv, &w->mu);
        } else if (pthread_cond_timedwait(&w->phase_cv, &w->mu, &until) == ETIMEDOUT && w->phase == WP_BACKGROUND) {
            pthread_mutex_unlock(&w->mu);
            return error_set(err, PGAI_E_TIMEOUT, "the worker is still running");
        }
    }
    int rc = w->result;
    *err = w->result_err;
    if (w->phase == WP_FINISHED) { /* two threads may wait; the first one joins */
        w->phase = WP_JOINING;
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        pthread_mutex_lock(&w->mu);
        w->phase = WP_READY;
        pthread_cond_broadcast(&w->phase_cv);
    } else {
        while (w->phase == WP_JOINING) pthread_cond_wait(&w->phase_cv, &w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}
