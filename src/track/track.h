/*
 * track: what the worker tells the database about itself, in pgai's
 * tables: a process row (ai._worker_start) kept alive by heartbeats from a
 * thread of its own, per-vectorizer progress (ai._worker_progress), and
 * error rows in ai._vectorizer_errors for users to read.
 * When the database has no tracking tables every call is a no-op.
 */
#ifndef PGAI_TRACK_H
#define PGAI_TRACK_H

#include <libpq-fe.h>

#include "catalog/catalog.h"
#include "util/log.h"

typedef struct tracker tracker;

/* Registers the process and starts the heartbeat thread (every `interval_s`, at least 1 s). */
int tracker_start(const char *db_url, const catalog_info *info, double interval_s, const logger *lg,
                  tracker **out, pgai_error *err) __attribute__((warn_unused_result));
/* Stops the heartbeat thread; with final != 0 sends one last heartbeat first. Frees t. */
void tracker_stop(tracker *t, int final);

/* The first group of the process uuid ("" without tracking), for application_name. */
const char *tracker_short_id(const tracker *t);

/* Counts for the next heartbeat (thread-safe). */
void tracker_count_success(tracker *t, long n);
void tracker_count_error(tracker *t, const char *message);

/* ai._worker_progress on conn: successes after a committed batch, or an error. */
int tracker_progress(tracker *t, PGconn *conn, int vectorizer_id, long successes, const char *error_message,
                     pgai_error *err) __attribute__((warn_unused_result));

/* Inserts an error row (message plus details JSON text) for users to read. */
int track_error_row(PGconn *conn, const catalog_info *info, int vectorizer_id, const char *message,
                    const char *details_json, pgai_error *err) __attribute__((warn_unused_result));

#endif
