/*
 * runtime: what the worker keeps about one vectorizer between passes, in
 * the manner of PgBouncer's server states: one record per vectorizer id,
 * whose state changes only through runtime_set_state(), and which status,
 * back-off and (later) metrics read.
 *
 *   IDLE         known, not running: the next pass (or a wake-up) may start it
 *   RUNNING      its executors are draining the queue, each in its own thread;
 *                the worker's loop does not wait for them, so one vectorizer
 *                whose provider hangs delays no other
 *   RESTING      its last run failed: not started before rest_until
 *   DISABLED     ai.vectorizer.disabled is set: skipped until it is cleared
 *   UNSUPPORTED  it needs something this build cannot do: its items stay queued
 *
 * The record owns the parsed config, the API key and the executors built
 * for them. The executors (connection, claim SQL, chunker, template,
 * embedder with its HTTP connection) survive passes; they are rebuilt only
 * when the config, the key or the tables' catalog signature changed, or
 * after a failed run (whatever went wrong may be state they hold).
 */
#ifndef PGAI_WORKER_RUNTIME_H
#define PGAI_WORKER_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>

#include "catalog/config.h"
#include "pgai/pgai.h"
#include "worker/executor.h"

typedef enum vz_state { VZ_IDLE, VZ_RUNNING, VZ_RESTING, VZ_DISABLED, VZ_UNSUPPORTED } vz_state;

/* One executor thread of a run, and what it returned. */
typedef struct vz_slot {
    struct vz_runtime *rt;
    executor *x;
    pthread_t thread;
    int started; /* a thread of its own (else it ran in the caller's) */
    int rc;
    long items;
    pgai_error err;
} vz_slot;

typedef struct vz_runtime {
    int id;
    vz_state state;
    vectorizer *v;        /* the config the executors were built for (owned) */
    char *api_key;        /* owned; wiped when freed */
    char signature[33];   /* catalog_load's signature of the source and queue tables */
    const char *unsupported; /* what this build lacks for it (with state UNSUPPORTED) */
    int reported;         /* the unsupported error row was written */

    vz_slot *slots;       /* the warm executors, one per unit of concurrency */
    int nslots;
    atomic_int running_slots; /* executors of the run in flight still working */
    int done_fd;          /* written once when the last one ends (the worker's wake-up) */

    double rest_until;    /* monotonic seconds, while RESTING */
    double rest_delay;    /* the last rest: 5 s doubling up to 5 min */
    double idle_since;    /* when the last run ended: executors are parked after a while */
    int rerun;            /* work arrived while it ran: a pass is due when it ends */
    int listed;           /* seen by the current pass */
    int ran;              /* ran in this pgai_worker_run (once mode runs each once) */

    /* counters that outlive passes */
    long items_total;
    long runs, failed_runs;
} vz_runtime;

vz_runtime *runtime_new(int id);
/* Frees the executors, config and key. Not while RUNNING. */
void runtime_free(vz_runtime *rt);

/* The only place a state changes (logged at debug level). */
void runtime_set_state(vz_runtime *rt, vz_state state, const logger *lg);
const char *runtime_state_name(vz_state state);

/*
 * Adopts a freshly loaded config and key (ownership moves to rt). When they
 * are the same as the ones the executors were built for (and the signature
 * too), the new copies are freed and the executors stay warm; otherwise the
 * executors are dropped. Returns 1 when something changed.
 */
int runtime_refresh(vz_runtime *rt, vectorizer *v, char *api_key, const char *signature);

/* Drops the executors (closing their connections and HTTP clients). */
void runtime_drop_executors(vz_runtime *rt);

/*
 * Starts a run: n executors (created on the first run, kept after), each
 * draining the queue in a thread of its own; `args` is their template
 * (v and api_key are filled in here). Returns at once; when the last
 * executor ends, a byte is written to done_fd. -1 when out of memory.
 */
int runtime_start(vz_runtime *rt, int n, const executor_args *args, int done_fd, const logger *lg);

/* Whether the run in flight has ended (every executor returned). */
int runtime_run_ended(vz_runtime *rt);

/* Joins the run's threads; the results are in rt->slots. */
void runtime_join(vz_runtime *rt);

/* Parks the executors' connections once the runtime was idle for idle_s.
 * Returns the seconds until that is due, or -1 when nothing is to park. */
double runtime_park_idle(vz_runtime *rt, double now, double idle_s);

#endif
