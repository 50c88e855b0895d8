/*
 * cmd_worker: `pgai vectorizer worker`. Options come from the command line,
 * then from PGAI_VECTORIZER_WORKER_* variables (pgai honours those only under
 * `python -m pgai`; we always do), then pgai's defaults.
 *
 * Signals: the first SIGINT/SIGTERM asks for a graceful shutdown (the batch in
 * flight commits, a final heartbeat is sent, exit 0); a second one exits at
 * once, which rolls the open batch back (pgai exits at once on the first).
 * The worker runs in a thread of its own so that the main thread, which
 * alone receives the signals, can log the first one at once through the
 * log (a signal handler may not: its line could land inside another one).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/log_render.h"
#include "db/url.h"
#include "util/log.h"
#include "util/parse.h"

#define MAX_IDS 1024
/* pgai keeps the poll interval in whole seconds, so 0.5s is 0 and its worker
 * polls and heartbeats without pause: ours waits at least this long. */
#define MIN_POLL_INTERVAL_S 1

static const char worker_usage[] = "Usage: pgai vectorizer worker [OPTIONS]\n";
static const char worker_help[] =
    "Usage: pgai vectorizer worker [OPTIONS]\n"
    "\n"
    "  Run the vectorizer worker: embed queued rows until stopped.\n"
    "\n"
    "Options:\n"
    "  -d, --db-url TEXT               The database URL to connect to\n"
    "                                  [env: PGAI_VECTORIZER_WORKER_DB_URL; default:\n"
    "                                  " DEFAULT_DB_URL "]\n"
    "  -i, --vectorizer-id INTEGER     Only these vectorizers (repeatable)\n"
    "                                  [env: PGAI_VECTORIZER_WORKER_VECTORIZER_IDS, space separated]\n"
    "  --log-level [DEBUG|INFO|WARN|ERROR|FATAL|CRITICAL]\n"
    "                                  [env: PGAI_VECTORIZER_WORKER_LOG_LEVEL; default: INFO]\n"
    "  --log-format [text|json]        [env: PGAI_VECTORIZER_WORKER_LOG_FORMAT; default: text]\n"
    "  --poll-interval DURATION        Time between passes: 900, 45m, 1h, 5s (whole\n"
    "                                  seconds, at least 1)\n"
    "                                  [env: PGAI_VECTORIZER_WORKER_POLL_INTERVAL; default: 5m]\n"
    "  --once                          Run one pass and exit\n"
    "                                  [env: PGAI_VECTORIZER_WORKER_ONCE]\n"
    "  -c, --concurrency INTEGER RANGE Executors per vectorizer  [x>=1]\n"
    "                                  [env: PGAI_VECTORIZER_WORKER_CONCURRENCY]\n"
    "  --exit-on-error BOOLEAN         Exit (status 1) at the first error; default true with --once\n"
    "                                  [env: PGAI_VECTORIZER_WORKER_EXIT_ON_ERROR]\n"
    "  --version                       Show the version and exit.\n"
    "  --help                          Show this message and exit.\n";

static pgai_worker *running_worker;
static volatile sig_atomic_t signals_seen;
static volatile sig_atomic_t last_signal;
/* The signal handler and the worker thread tell the main thread here:
 * 's' a first stop signal, 'd' the worker is done. */
static int events[2] = {-1, -1};

static void on_signal(int sig)
{
    last_signal = sig;
    if (signals_seen++ == 0) {
        if (running_worker) pgai_worker_request_shutdown(running_worker);
        ssize_t r = write(events[1], "s", 1);
        (void)r; /* a full pipe is already waking the main thread */
    } else {
        /* exiting closes our connections: the server rolls the open batch back */
        _exit(128 + sig);
    }
}

typedef struct worker_run {
    pgai_worker *w;
    int rc;
    pgai_error err;
} worker_run;

static void *worker_thread(void *arg)
{
    worker_run *r = arg;
    r->rc = pgai_worker_run(r->w, &r->err);
    ssize_t n = write(events[1], "d", 1);
    (void)n;
    return NULL;
}

/*
 * Runs the worker in a thread and waits for it, logging a first stop
 * signal as soon as it comes. The stop signals are blocked in the worker's
 * threads (they inherit the mask), so they reach this thread only.
 */
static int run_worker(pgai_worker *w, cli_log *log, pgai_error *err)
{
    worker_run r = {.w = w, .rc = PGAI_OK};
    sigset_t stops, old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stops, &old);
    pthread_t t;
    int started = pthread_create(&t, NULL, worker_thread, &r) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!started) { /* no thread to be had: run here, the stop is then logged by the worker only */
        r.rc = pgai_worker_run(w, &r.err);
        *err = r.err;
        return r.rc;
    }
    for (;;) {
        char c;
        ssize_t n = read(events[0], &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == 'd') break;
        cli_log_sink(log, PGAI_LOG_INFO, "received a stop signal: finishing the batch in flight (send again to abort)",
                     "");
    }
    pthread_join(t, NULL);
    *err = r.err;
    return r.rc;
}

static int bad_value(const char *opt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad_value(const char *opt, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cli_usage_error(worker_usage, "Invalid value for '%s': %s", opt, msg);
}

int cmd_worker(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db-url", required_argument, NULL, 'd'},      {"vectorizer-id", required_argument, NULL, 'i'},
        {"log-level", required_argument, NULL, 'L'},   {"log-format", required_argument, NULL, 'F'},
        {"poll-interval", required_argument, NULL, 'P'}, {"once", no_argument, NULL, 'O'},
        {"concurrency", required_argument, NULL, 'c'}, {"exit-on-error", required_argument, NULL, 'E'},
        {"version", no_argument, NULL, 'V'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_url = NULL, *log_level = NULL, *log_format = NULL, *poll = NULL, *conc = NULL, *exit_err = NULL;
    const char *ids_text[MAX_IDS];
    size_t nids_text = 0;
    int once = -1;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:i:c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_url = optarg; break;
        case 'i':
            if (nids_text == MAX_IDS) return cli_usage_error(worker_usage, "too many --vectorizer-id options");
            ids_text[nids_text++] = optarg;
            break;
        case 'L': log_level = optarg; break;
        case 'F': log_format = optarg; break;
        case 'P': poll = optarg; break;
        case 'O': once = 1; break;
        case 'c': conc = optarg; break;
        case 'E': exit_err = optarg; break;
        case 'V':
            printf("pgai, version %s\n", pgai_library_version());
            return 0;
        case 'h': fputs(worker_help, stdout); return 0;
        case ':': return cli_usage_error(worker_usage, "Option '%s' requires an argument.", argv[optind - 1]);
        default: return cli_unknown_option(worker_usage, longopts, argv[optind - 1], optopt);
        }
    }
    if (optind < argc) return cli_usage_error(worker_usage, "Got unexpected extra argument (%s)", argv[optind]);

    /* environment variables fill what the command line left unset */
    if (!db_url) db_url = cli_env("PGAI_VECTORIZER_WORKER_DB_URL");
    if (!db_url) db_url = DEFAULT_DB_URL;
    if (!log_level) log_level = cli_env("PGAI_VECTORIZER_WORKER_LOG_LEVEL");
    if (!log_format) log_format = cli_env("PGAI_VECTORIZER_WORKER_LOG_FORMAT");
    if (!poll) poll = cli_env("PGAI_VECTORIZER_WORKER_POLL_INTERVAL");
    if (!conc) conc = cli_env("PGAI_VECTORIZER_WORKER_CONCURRENCY");
    if (!exit_err) exit_err = cli_env("PGAI_VECTORIZER_WORKER_EXIT_ON_ERROR");
    if (once < 0 && cli_env("PGAI_VECTORIZER_WORKER_ONCE")) {
        if (parse_bool(cli_env("PGAI_VECTORIZER_WORKER_ONCE"), &once) != 0)
            return bad_value("--once", "'%s' is not a valid boolean.", cli_env("PGAI_VECTORIZER_WORKER_ONCE"));
    }
    if (once < 0) once = 0;

    static int ids[MAX_IDS];
    size_t nids = 0;
    char *env_ids = NULL;
    if (nids_text == 0 && cli_env("PGAI_VECTORIZER_WORKER_VECTORIZER_IDS")) {
        env_ids = strdup(cli_env("PGAI_VECTORIZER_WORKER_VECTORIZER_IDS"));
        for (char *save = NULL, *tok = strtok_r(env_ids, " \t\n", &save); tok && nids_text < MAX_IDS;
             tok = strtok_r(NULL, " \t\n", &save))
            ids_text[nids_text++] = tok;
    }
    for (size_t i = 0; i < nids_text; i++) {
        long long v;
        if (parse_int(ids_text[i], &v) != 0 || v < -2147483648LL || v > 2147483647LL) {
            int rc = bad_value("-i' / '--vectorizer-id", "'%s' is not a valid integer.", ids_text[i]);
            free(env_ids);
            return rc;
        }
        ids[nids++] = (int)v;
    }
    free(env_ids);

    cli_log log = {.level = PGAI_LOG_INFO};
    if (log_level && log_level_parse(log_level, &log.level) != 0)
        return bad_value("--log-level", "'%s' is not one of 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'CRITICAL'.",
                         log_level);
    if (log_format && strcmp(log_format, "text") != 0) {
        if (strcmp(log_format, "json") != 0) return bad_value("--log-format", "'%s' is not one of 'text', 'json'.", log_format);
        log.json = 1;
    }
    double interval = 300;
    char msg[300];
    if (poll && parse_duration_msg(poll, &interval, msg, sizeof(msg)) != 0)
        return bad_value("--poll-interval", "%s", msg);
    interval = trunc(interval); /* whole seconds, as pgai */
    long long concurrency = 0;
    if (conc && (parse_int(conc, &concurrency) != 0 || concurrency < 1 || concurrency > 1000)) {
        if (parse_int(conc, &concurrency) != 0) return bad_value("-c' / '--concurrency", "'%s' is not a valid integer.", conc);
        return bad_value("-c' / '--concurrency", "%s is not in the range x>=1.", conc);
    }
    int exit_on_error = -1;
    if (exit_err && parse_bool(exit_err, &exit_on_error) != 0)
        return bad_value("--exit-on-error", "'%s' is not a valid boolean.", exit_err);
    pgai_error err;
    if (db_url_check(db_url, &err) != PGAI_OK) return bad_value("-d' / '--db-url", "%s", err.message);

    cli_dotenv_report(&log);
    if (interval < MIN_POLL_INTERVAL_S) {
        char ev[128];
        snprintf(ev, sizeof(ev), "poll interval raised to its minimum, %d s (less would poll without pause)",
                 MIN_POLL_INTERVAL_S);
        cli_log_sink(&log, PGAI_LOG_WARNING, ev, "");
        interval = MIN_POLL_INTERVAL_S;
    }

    pgai_worker_options opts = {
        .struct_size = sizeof(pgai_worker_options),
        .db_url = db_url,
        .vectorizer_ids = nids ? ids : NULL,
        .n_vectorizer_ids = nids,
        .poll_interval = interval,
        .once = once,
        .exit_on_error = exit_on_error,
        .concurrency = (int)concurrency,
        .log = cli_log_sink,
        .log_userdata = &log,
        .log_level = log.level,
    };
    pgai_worker *w;
    if (pgai_worker_new(&opts, &w, &err) != PGAI_OK) {
        fprintf(stderr, "Error: %s\n", err.message);
        return EXIT_USAGE;
    }
    if (pipe2(events, O_CLOEXEC) != 0) {
        fprintf(stderr, "Error: cannot create a pipe: %s\n", strerror(errno));
        pgai_worker_free(w);
        return 1;
    }
    fcntl(events[1], F_SETFL, O_NONBLOCK); /* the signal handler must never block */
    running_worker = w;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = run_worker(w, &log, &err);
    if (signals_seen) {
        char ev[64];
        snprintf(ev, sizeof(ev), "received %s, exiting", last_signal == SIGINT ? "SIGINT" : "SIGTERM");
        cli_log_sink(&log, PGAI_LOG_INFO, ev, "");
    }
    running_worker = NULL;
    pgai_worker_free(w);
    return rc == PGAI_OK ? 0 : 1;
}
