/*
 * pgai.h - the public C API of libpgai (pgai in C).
 *
 * libpgai keeps pgvector embeddings in PostgreSQL in sync with the rows they
 * describe. This header is everything a host program needs; nothing else in
 * the library is public. Link with `pkg-config --libs libpgai`.
 *
 * Conventions: functions return 0 (PGAI_OK) on success, a positive value for
 * a successful outcome worth telling apart, and a negative PGAI_E_* code on
 * failure, in which case the caller's pgai_error holds a one-line message.
 * The library keeps no global state, never calls exit() and installs no
 * signal handlers.
 */
#ifndef PGAI_PGAI_H
#define PGAI_PGAI_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

/* Status codes. */
/* What libpgai exports: the functions marked PGAI_EXPORT and nothing else
 * (the library is built with -fvisibility=hidden, and
 * tests/integration/051_library_abi.sh compares its dynamic symbols with
 * this header). */
#if defined(__GNUC__)
#define PGAI_EXPORT __attribute__((visibility("default")))
#else
#define PGAI_EXPORT
#endif

#define PGAI_OK 0
#define PGAI_NOTHING_TO_DO 1         /* e.g. this version is already installed */
#define PGAI_E_INVALID (-1)          /* invalid argument or option */
#define PGAI_E_CONNECT (-2)          /* the database refused or could not be reached */
#define PGAI_E_UNSUPPORTED (-3)      /* server too old, or a required extension missing */
#define PGAI_E_PRIVILEGE (-4)        /* the role lacks a privilege the operation needs */
#define PGAI_E_ALREADY_INSTALLED (-5) /* strict install of an already installed version */
#define PGAI_E_SQL (-6)              /* any other error reported by the database */
#define PGAI_E_NOMEM (-7)
#define PGAI_E_TIMEOUT (-8)          /* pgai_worker_wait: the worker is still running */
#define PGAI_E_STATE (-9)            /* e.g. starting a worker that is already running */
#define PGAI_E_NOT_FOUND (-10)       /* a vectorizer (by id or name) does not exist */
#define PGAI_E_PROVIDER (-11)        /* the embedding provider failed or refused */

typedef struct pgai_error {
    int code;           /* the PGAI_E_* code, 0 when no error */
    char sqlstate[6];   /* SQLSTATE when the database reported the error, else "" */
    char message[1024]; /* one line, never contains a password or API key */
} pgai_error;

/* Log levels, numerically equal to Python's logging levels (pgai's worker uses them). */
typedef enum pgai_log_level {
    PGAI_LOG_DEBUG = 10,
    PGAI_LOG_INFO = 20,
    PGAI_LOG_WARNING = 30,
    PGAI_LOG_ERROR = 40,
    PGAI_LOG_CRITICAL = 50
} pgai_log_level;

/*
 * A log sink. `event` is the human-readable event text (pgai's wording where
 * users grep for it); `fields` is "key=value key=value" on one line, possibly
 * empty; values that may contain spaces are single-quoted, with ' and \
 * inside them escaped by a backslash. Called from the thread doing the work;
 * must not call back into the library.
 */
typedef void (*pgai_log_fn)(void *userdata, pgai_log_level level, const char *event,
                            const char *fields);

/* Our version ("0.1.0"), and the pgai version whose contract we implement ("0.12.1"). */
PGAI_EXPORT const char *pgai_version(void);
PGAI_EXPORT const char *pgai_compatible_version(void);
/* The version recorded in the database: "<compatible>+c<ours>", e.g. "0.12.1+c0.1.0". */
PGAI_EXPORT const char *pgai_library_version(void);

typedef struct pgai_install_options {
    int strict;            /* non-zero: installing the installed version again is an error */
    pgai_log_fn log;       /* optional */
    void *log_userdata;
    pgai_log_level log_level; /* minimum level passed to `log`; 0 means INFO */
} pgai_install_options;

/*
 * Installs or upgrades the `ai` schema in the database at `db_url` (a libpq
 * URI or conninfo string; NULL means libpq's defaults and PG* variables), in
 * one transaction: either everything is installed or nothing is.
 * Returns PGAI_OK, PGAI_NOTHING_TO_DO when this version is already installed
 * (PGAI_E_ALREADY_INSTALLED instead with opts->strict), or a PGAI_E_* code.
 * `opts` may be NULL.
 */
PGAI_EXPORT int pgai_install(const char *db_url, const pgai_install_options *opts, pgai_error *err);

/*
 * The complete install script for a vector extension living in schema
 * `vector_schema` (as `pgai install` would run it), for users who apply
 * migrations with their own tools. Returns a malloc'ed string or NULL.
 */
PGAI_EXPORT char *pgai_install_script(const char *vector_schema);

/*
 * Embeds `text` with the provider, model and dimensions of a vectorizer, as
 * a query (Voyage's input_type "query"), so the result can be compared with
 * the vectorizer's stored embeddings. `vectorizer` is its name or its id.
 * *vector is malloc'ed (free it), *dimensions its length.
 */
PGAI_EXPORT int pgai_embed_query(const char *db_url, const char *vectorizer, const char *text, float **vector,
                                 int *dimensions, pgai_error *err);

/* ---- the vectorizer worker ------------------------------------------------ */

/*
 * Worker options. The struct carries its own size so that later versions can
 * add fields without breaking programs built against this one: set
 * struct_size = sizeof(pgai_worker_options), or call
 * pgai_worker_options_init(), which also sets pgai's defaults. The library
 * reads only the first struct_size bytes and treats fields past them as 0.
 * Otherwise a zeroed field means what it says: poll interval 0 (no pause
 * between passes) and exit_on_error 0 (false); pgai's defaults are
 * poll_interval 60 (its CLI: 300) and exit_on_error = -1.
 */
typedef struct pgai_worker_options {
    size_t struct_size;          /* sizeof(pgai_worker_options) as the caller was built; 0 is refused */
    const char *db_url;          /* libpq URI or conninfo; NULL = libpq defaults */
    const int *vectorizer_ids;   /* NULL/0: every vectorizer, re-listed each pass */
    size_t n_vectorizer_ids;
    double poll_interval;        /* seconds between passes (whole seconds are used) */
    int once;                    /* one pass, then return */
    int exit_on_error;           /* 1/0, or -1 for pgai's default: true with once, else false */
    int concurrency;             /* executors per vectorizer; 0: the vectorizer's own setting */
    pgai_log_fn log;             /* optional; called from the worker's threads, possibly several at once */
    void *log_userdata;
    pgai_log_level log_level;    /* 0 means INFO */
    /* Limits: 0 takes the environment variable named (read once, by
     * pgai_worker_new), else the default. docs/reliability.md */
    double http_timeout;         /* seconds per provider request; PGAI_VECTORIZER_HTTP_TIMEOUT, 600 */
    long long max_document_bytes;      /* PGAI_VECTORIZER_MAX_DOCUMENT_BYTES, 64 MiB */
    long long max_chunks_per_document; /* PGAI_VECTORIZER_MAX_CHUNKS_PER_DOCUMENT, 50,000 */
    long long max_response_bytes;      /* PGAI_VECTORIZER_MAX_RESPONSE_BYTES, 256 MiB */
    int max_parallel_vectorizers;      /* vectorizers served at the same time; 0: 8 */
} pgai_worker_options;

/* Zeroes opts, sets struct_size and pgai's library defaults: poll_interval
 * 60, exit_on_error -1 (true with once, else false), log_level INFO. */
PGAI_EXPORT void pgai_worker_options_init(pgai_worker_options *opts);

typedef struct pgai_worker pgai_worker;

/* Validates the options and creates a worker; nothing connects yet. */
PGAI_EXPORT int pgai_worker_new(const pgai_worker_options *opts, pgai_worker **out, pgai_error *err);

/*
 * Runs the worker in the calling thread until it is done (once), a graceful
 * shutdown is requested, or an error stops it (exit_on_error). Returns PGAI_OK
 * or the error that stopped it.
 */
PGAI_EXPORT int pgai_worker_run(pgai_worker *w, pgai_error *err);

/*
 * Asks the worker to stop: the batch in flight finishes and commits, then
 * pgai_worker_run returns. Safe from any thread and from a signal handler.
 */
PGAI_EXPORT void pgai_worker_request_shutdown(pgai_worker *w);

/*
 * Asks the worker to stop at once: work in flight is abandoned (its
 * transaction rolls back, nothing is lost). Safe from any thread and from a
 * signal handler.
 */
PGAI_EXPORT void pgai_worker_request_abort(pgai_worker *w);

/*
 * Runs the worker in a background thread of its own; returns at once.
 * Collect the result with pgai_worker_wait.
 */
PGAI_EXPORT int pgai_worker_start(pgai_worker *w, pgai_error *err);

/*
 * Waits up to timeout_ms (negative: forever) for a worker started with
 * pgai_worker_start. Returns the worker's result (PGAI_OK or its error, in
 * err) once it has stopped, or PGAI_E_TIMEOUT while it is still running.
 */
PGAI_EXPORT int pgai_worker_wait(pgai_worker *w, long timeout_ms, pgai_error *err);

/* Frees the worker. A worker still running in the background is asked to
 * stop gracefully and waited for first. */
PGAI_EXPORT void pgai_worker_free(pgai_worker *w);

#ifdef __cplusplus
}
#endif
#endif /* PGAI_PGAI_H */
