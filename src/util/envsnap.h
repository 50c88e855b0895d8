/*
 * envsnap: a private copy of the process environment, taken once when a
 * worker (or a one-shot library call) starts. The library never calls
 * getenv() after that: executor and provider threads read the snapshot, so
 * a host program's setenv() (Python's os.environ[...] = ...) cannot race with
 * them, and what a worker uses is fixed for its lifetime.
 */
#ifndef PGAI_UTIL_ENVSNAP_H
#define PGAI_UTIL_ENVSNAP_H

typedef struct env_snapshot env_snapshot;

/* Copies environ. NULL when out of memory. */
env_snapshot *env_snapshot_take(void) __attribute__((warn_unused_result));

/* A snapshot of exactly the given "NAME=VALUE" strings (NULL-terminated):
 * for tests and for callers that build an environment of their own. */
env_snapshot *env_snapshot_of(const char *const *entries) __attribute__((warn_unused_result));

/* The variable's value, or NULL when it is not set. A NULL snapshot is an
 * empty environment. The string lives as long as the snapshot. */
const char *env_get(const env_snapshot *s, const char *name);

/* Wipes the values (they hold API keys) and frees the snapshot; NULL is a no-op. */
void env_snapshot_free(env_snapshot *s);

#endif
