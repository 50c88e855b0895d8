/* runtime: one vectorizer's state, config and warm executors; see runtime.h. */
#include "worker/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/secret.h"

const char *runtime_state_name(vz_state state)
{
    switch (state) {
    case VZ_IDLE: return "idle";
    case VZ_RUNNING: return "running";
    case VZ_RESTING: return "resting";
    case VZ_DISABLED: return "disabled";
    case VZ_UNSUPPORTED: return "unsupported";
    }
    return "?";
}

vz_runtime *runtime_new(int id)
{
    vz_runtime *rt = calloc(1, sizeof(*rt));
    if (!rt) return NULL;
    rt->id = id;
    rt->state = VZ_IDLE;
    rt->done_fd = -1;
    return rt;
}

void runtime_set_state(vz_runtime *rt, vz_state state, const logger *lg)
{
    if (rt->state == state) return;
    log_debug(lg, "vectorizer state", "from=%s to=%s vectorizer_id=%d", runtime_state_name(rt->state),
              runtime_state_name(state), rt->id);
    rt->state = state;
}

void runtime_drop_executors(vz_runtime *rt)
{
    for (int i = 0; i < rt->nslots; i++) executor_free(rt->slots[i].x);
    free(rt->slots);
    rt->slots = NULL;
    rt->nslots = 0;
}

void runtime_free(vz_runtime *rt)
{
    if (!rt) return;
    runtime_drop_executors(rt);
    vectorizer_free(rt->v);
    secret_free(rt->api_key);
    free(rt);
}

static int same_key(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int runtime_refresh(vz_runtime *rt, vectorizer *v, char *api_key, const char *signature)
{
    if (rt->v && vectorizer_same(rt->v, v) && same_key(rt->api_key, api_key) &&
        strcmp(rt->signature, signature ? signature : "") == 0) {
        /* unchanged: the executors keep pointing at the copies they were built for */
        vectorizer_free(v);
        secret_free(api_key);
        return 0;
    }
    runtime_drop_executors(rt);
    vectorizer_free(rt->v);
    secret_free(rt->api_key);
    rt->v = v;
    rt->api_key = api_key;
    snprintf(rt->signature, sizeof(rt->signature), "%s", signature ? signature : "");
    rt->unsupported = NULL;
    rt->reported = 0;
    return 1;
}

static void *slot_thread(void *arg)
{
    vz_slot *s = arg;
    s->rc = executor_drain(s->x, &s->items, &s->err);
    /* the last executor out says so: the worker's loop polls this fd */
    if (atomic_fetch_sub(&s->rt->running_slots, 1) == 1 && s->rt->done_fd >= 0) {
        ssize_t r = write(s->rt->done_fd, "d", 1);
        (void)r; /* a full pipe already means "look" */
    }
    return NULL;
}

int runtime_start(vz_runtime *rt, int n, const executor_args *args, int done_fd, const logger *lg)
{
    if (n < 1) n = 1;
    if (rt->nslots != n) runtime_drop_executors(rt);
    if (!rt->slots) {
        if (!(rt->slots = calloc((size_t)n, sizeof(*rt->slots)))) return -1;
        rt->nslots = n;
        executor_args a = *args;
        a.v = rt->v;
        a.api_key = rt->api_key;
        for (int i = 0; i < n; i++) {
            rt->slots[i].rt = rt;
            if (executor_new(&a, &rt->slots[i].x) != 0) {
                runtime_drop_executors(rt);
                return -1;
            }
        }
    }
    rt->done_fd = done_fd;
    rt->runs++;
    rt->ran = 1;
    rt->rerun = 0;
    runtime_set_state(rt, VZ_RUNNING, lg);
    atomic_store(&rt->running_slots, n);
    for (int i = 0; i < n; i++) {
        vz_slot *s = &rt->slots[i];
        s->rc = PGAI_OK;
        s->items = 0;
        memset(&s->err, 0, sizeof(s->err));
        s->started = pthread_create(&s->thread, NULL, slot_thread, s) == 0;
        if (!s->started) slot_thread(s); /* no thread to be had: run it here */
    }
    return 0;
}

int runtime_run_ended(vz_runtime *rt) { return rt->state == VZ_RUNNING && atomic_load(&rt->running_slots) == 0; }

void runtime_join(vz_runtime *rt)
{
    for (int i = 0; i < rt->nslots; i++)
        if (rt->slots[i].started) {
            pthread_join(rt->slots[i].thread, NULL);
            rt->slots[i].started = 0;
        }
}

double runtime_park_idle(vz_runtime *rt, double now, double idle_s)
{
    if (rt->state == VZ_RUNNING || !rt->slots || rt->idle_since <= 0) return -1;
    double due = rt->idle_since + idle_s - now;
    if (due > 0) return due;
    for (int i = 0; i < rt->nslots; i++) executor_park(rt->slots[i].x);
    rt->idle_since = 0; /* parked: nothing more to do until the next run */
    return -1;
}
