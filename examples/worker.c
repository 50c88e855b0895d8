/*
 * worker.c - the pgai vectorizer worker inside your own program.
 *
 * Installs (or upgrades) the `ai` schema, then keeps the embeddings of every
 * vectorizer in the database up to date until the program receives SIGINT or
 * SIGTERM, like `pgai vectorizer worker`, using only the public API of libpgai
 * (<pgai/pgai.h>). Copy it and adapt it.
 *
 * Build against an installed libpgai:
 *
 *     cc worker.c $(pkg-config --cflags --libs libpgai) -o worker
 *
 * Run (the API keys of the vectorizers' providers come from the environment,
 * e.g. OPENAI_API_KEY, or from the database's ai.reveal_secret; unlike the
 * pgai command, the library reads no .env file):
 *
 *     ./worker [DATABASE_URL [POLL_SECONDS]]
 *
 * DATABASE_URL defaults to the environment variable of that name, and without
 * it to libpq's defaults (PGHOST, PGDATABASE, ...). POLL_SECONDS (default 60)
 * is the time between passes; new rows are picked up at once anyway, because
 * the worker listens for the notifications the queue triggers send.
 *
 * Stopping: the first SIGINT or SIGTERM asks for a graceful shutdown (the
 * batch in flight finishes and commits, then the worker stops). A second
 * signal, or GRACE_SECONDS without the worker stopping, abandons the batch in
 * flight instead: its transaction rolls back and its rows stay queued, so
 * nothing is lost. Exit status: 0 when the worker stopped cleanly, 1 when an
 * error stopped it, 2 for bad arguments.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pgai/pgai.h>

#define GRACE_SECONDS 60

/* Set before the signal handlers are installed, cleared after they are removed. */
static pgai_worker *the_worker;
static volatile sig_atomic_t stop_signals;

/*
 * libpgai installs no signal handlers: stopping on a signal is the host
 * program's decision. pgai_worker_request_shutdown and _request_abort are
 * async-signal-safe (they set a flag and write a byte to a pipe), so calling
 * them from a handler is allowed.
 */
static void on_stop_signal(int sig)
{
    (void)sig;
    if (stop_signals < 2) stop_signals++;
    if (stop_signals == 1)
        pgai_worker_request_shutdown(the_worker);
    else
        pgai_worker_request_abort(the_worker);
}

static const char *level_name(pgai_log_level level)
{
    if (level >= PGAI_LOG_CRITICAL) return "critical";
    if (level >= PGAI_LOG_ERROR) return "error";
    if (level >= PGAI_LOG_WARNING) return "warning";
    if (level >= PGAI_LOG_INFO) return "info";
    return "debug";
}

/*
 * The log callback. It is called from the threads doing the work, and with
 * concurrency > 1 from several threads at once, so it must be thread-safe:
 * here one fprintf per record is enough, because stdio locks the stream for
 * the whole call. It must not call back into libpgai, and it should be quick
 * (the worker waits for it). `event` is the fixed text users grep for
 * ("running vectorizer"); `fields` is "key=value ..." and may be empty.
 */
static void print_record(void *userdata, pgai_log_level level, const char *event, const char *fields)
{
    const char *who = userdata; /* whatever we passed as log_userdata */
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
    fprintf(stderr, "%s %s [%-8s] %s%s%s\n", when, who, level_name(level), event, fields[0] ? "  " : "", fields);
}

static int usage(void)
{
    fprintf(stderr, "usage: worker [DATABASE_URL [POLL_SECONDS]]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *db_url = argc > 1 ? argv[1] : getenv("DATABASE_URL"); /* NULL: libpq's defaults */
    double poll_interval = 60;
    if (argc > 3) return usage();
    if (argc > 2) {
        char *end;
        poll_interval = strtod(argv[2], &end);
        if (end == argv[2] || *end || poll_interval < 0) return usage();
    }
    printf("libpgai %s (pgai %s compatible)\n", pgai_version(), pgai_compatible_version());

    /* 1. Install or upgrade the ai schema. Already current: PGAI_NOTHING_TO_DO, which is fine. */
    pgai_error err;
    pgai_install_options install_opts = {.log = print_record, .log_userdata = "install"};
    int rc = pgai_install(db_url, &install_opts, &err);
    if (rc < 0) {
        fprintf(stderr, "pgai_install failed (%d): %s\n", rc, err.message);
        return 1;
    }

    /* 2. Create the worker. Zeroed fields take their defaults; the options are copied, so
     *    they (and the URL string) need not outlive this call. */
    pgai_worker_options opts = {
        .struct_size = sizeof(pgai_worker_options), /* lets later versions add options */
        .db_url = db_url,
        .vectorizer_ids = NULL, /* every vectorizer; or an array of ids and its length */
        .n_vectorizer_ids = 0,
        .poll_interval = poll_interval,
        .once = 0,           /* keep running until asked to stop */
        .exit_on_error = -1, /* default: with once=0, log errors and carry on */
        .concurrency = 0,    /* each vectorizer's own setting */
        .log = print_record,
        .log_userdata = "worker",
        .log_level = PGAI_LOG_INFO,
    };
    pgai_worker *w;
    rc = pgai_worker_new(&opts, &w, &err);
    if (rc != PGAI_OK) {
        fprintf(stderr, "invalid worker options (%d): %s\n", rc, err.message);
        return 2;
    }

    /* 3. Our signal handlers, installed before the worker starts so no signal is missed. */
    the_worker = w;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* As the pgai command does: a connection closed by the peer must be an error
     * returned by libpq or libcurl, not a signal that kills the process. */
    signal(SIGPIPE, SIG_IGN);

    /* 4. Run the worker in a background thread of its own; this thread stays ours.
     *    (pgai_worker_run(w, &err) would run it in this thread instead.) */
    rc = pgai_worker_start(w, &err);
    if (rc != PGAI_OK) {
        fprintf(stderr, "cannot start the worker (%d): %s\n", rc, err.message);
        pgai_worker_free(w);
        return 1;
    }

    /* 5. Wait for it to stop. A program with other work would do it here, between waits. */
    time_t stop_asked = 0;
    int aborted = 0;
    for (;;) {
        rc = pgai_worker_wait(w, 1000, &err);
        if (rc != PGAI_E_TIMEOUT) break; /* it stopped: rc and err hold its result */
        if (stop_signals && !stop_asked) {
            stop_asked = time(NULL);
            printf("stopping: finishing the batch in flight (signal again to abandon it)\n");
        }
        if (stop_asked && !aborted && time(NULL) - stop_asked > GRACE_SECONDS) {
            printf("still busy after %d s: abandoning the batch in flight\n", GRACE_SECONDS);
            pgai_worker_request_abort(w);
            aborted = 1;
        }
    }

    /* 6. The handlers must not touch the worker once it is freed. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    the_worker = NULL;

    if (rc == PGAI_OK)
        printf("worker stopped cleanly\n");
    else
        fprintf(stderr, "worker stopped by an error (%d): %s\n", rc, err.message);
    pgai_worker_free(w);
    return rc == PGAI_OK ? 0 : 1;
}
