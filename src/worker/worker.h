/*
 * worker (internal): the state behind pgai_worker (pgai.h), shared by
 * worker.c (the public lifecycle: new, run, start, wait, stop, free) and
 * loop.c (what one run does: passes over the vectorizers, their runtimes,
 * wake-ups, sleeping).
 */
#ifndef PGAI_WORKER_WORKER_H
#define PGAI_WORKER_WORKER_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>

#include "catalog/catalog.h"
#include "db/pool.h"
#include "pgai/pgai.h"
#include "track/track.h"
#include "util/cancel.h"
#include "util/envsnap.h"
#include "util/log.h"
#include "worker/runtime.h"

/*
 * The lifecycle, changed only under mu:
 *   READY       created, or stopped: pgai_worker_run or _start may be called
 *   RUNNING     pgai_worker_run is executing in the caller's thread
 *   BACKGROUND  pgai_worker_start's thread is running it
 *   FINISHED    that thread has ended: pgai_worker_wait takes the result
 *   JOINING     a waiter is joining the thread (others wait for READY)
 */
typedef enum worker_phase { WP_READY, WP_RUNNING, WP_BACKGROUND, WP_FINISHED, WP_JOINING } worker_phase;

struct pgai_worker {
    /* options, fixed at pgai_worker_new */
    char *db_url;
    int *ids;
    size_t nids;
    double poll_interval;
    int once;
    int exit_on_error;
    int concurrency;      /* executors per vectorizer; 0: its own setting */
    int max_parallel;     /* vectorizers running at the same time */
    logger lg;
    env_snapshot *environment; /* taken once in pgai_worker_new: nothing reads getenv() after that */
    long long max_document_bytes;
    size_t max_chunks_per_document;
    size_t max_response_bytes;
    long http_timeout_ms;
    double retry_delay_s;

    /* Fired by the requests (signal-safe), never re-armed: a shutdown is
     * permanent for the worker's life (docs/library.md), so a later
     * pgai_worker_run returns at once. stop ends the sleep between passes
     * and connection attempts; abort also HTTP requests and their back-offs. */
    cancel_token *stop;
    cancel_token *abort;
    atomic_int halting; /* the run stops itself (exit_on_error): executors stop as on shutdown */

    /* one run's state (loop.c) */
    int initialised;
    int ids_checked;    /* explicit ids: stop checking once they were all found */
    char role[64];      /* the database role we connect as, for messages */
    catalog_info info;
    tracker *tracker;
    PGconn *listen_conn;
    db_pool *pool;      /* connections kept between passes */
    vz_runtime **runtimes; /* one per vectorizer seen, kept between passes */
    size_t nruntimes;
    int done[2];        /* the last executor of a run writes here (runtime.h) */
    int pass_due;       /* a pass should run now: a run ended with work waiting */
    double db_backoff;  /* > 0 while the database cannot be reached */
    int listen_lost;        /* the wake-up connection is gone, and that was logged */
    double listen_backoff;  /* its reconnection back-off, as db_backoff */
    double listen_retry_at; /* monotonic seconds: the next try */

    /* the lifecycle */
    pthread_mutex_t mu;
    pthread_cond_t phase_cv;
    worker_phase phase;
    pthread_t thread;
    int result;
    pgai_error result_err;
};

/* The whole of one run (pgai_worker_run's body). */
int worker_loop(pgai_worker *w, pgai_error *err);

int worker_stopping(void *w); /* shutdown or halting: executors stop between batches */
int worker_aborting(void *w); /* the work in flight is abandoned */

#endif
