/*
 * test_library: the public C API (include/pgai/pgai.h) against a real
 * PostgreSQL and the local embedding provider (tests/provider). Run by
 * tests/integration/050_library.sh, which provides:
 *
 *   TEST_DB_URL     a fresh database in which pgai is NOT installed yet
 *   PROVIDER_URL    the provider's address (its admin API is POST /_control ...)
 *   OPENAI_BASE_URL, OPENAI_API_KEY   so that OpenAI vectorizers reach it
 *
 * Output is TAP-like: "ok - <case>" per case. The first failed check prints
 * "not ok - <case>", where and why, and the program exits 1.

 *
 * Only pgai/pgai.h is used from the library; libpq prepares and inspects the
 * database, libcurl and jansson talk to the provider's admin API.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "pgai/pgai.h"

#define DIMS 8 /* every vectorizer here: text-embedding-3-small with 8 dimensions */

/* ---- the harness ----------------------------------------------------------- */

typedef struct record {
    pgai_log_level level;
    char *event;
    char *fields;
    double t; /* monotonic seconds */
} record;

/* A log sink that keeps every record; the worker calls it from several threads. */
typedef struct sink {
    const char *name;
    pthread_mutex_t mu;
    record *recs;
    size_t n, cap;
} sink;

static const char *db_url;
static PGconn *db;
static const char *current_case = "setup";
static sink *current_sink; /* dumped when a check fails */
static int verbose;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void sink_dump(sink *s, size_t last)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    size_t from = s->n > last ? s->n - last : 0;
    printf("#   last %zu log records of worker '%s':\n", s->n - from, s->name);
    for (size_t i = from; i < s->n; i++)
        printf("#     [%d] %s %s\n", s->recs[i].level, s->recs[i].event, s->recs[i].fields);
    pthread_mutex_unlock(&s->mu);
}

static void fail_check(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));
static void fail_check(const char *file, int line, const char *expr, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    printf("not ok - %s\n#   %s:%d: check failed: %s\n#   %s\n", current_case, file, line, expr, msg);
    sink_dump(current_sink, 30);
    fflush(stdout);
    exit(1);
}

/* A check that must hold: on failure, report and exit 1. */
#define CHECK(cond, ...)                                                                                             \
    do {                                                                                                             \
        if (!(cond)) fail_check(__FILE__, __LINE__, #cond, __VA_ARGS__);                                             \
    } while (0)

static void run_case(const char *name, void (*fn)(void))
{
    current_case = name;
    current_sink = NULL;
    double t = now_s();
    fn();
    printf("ok - %s\n", name);
    printf("#   (%.1f s)\n", now_s() - t);
    fflush(stdout);
    current_sink = NULL;
}

/* ---- the log sink ------------------------------------------------------------ */

static void sink_init(sink *s, const char *name)
{
    memset(s, 0, sizeof(*s));
    s->name = name;
    pthread_mutex_init(&s->mu, NULL);
}

static void sink_free(sink *s)
{
    if (current_sink == s) current_sink = NULL;
    for (size_t i = 0; i < s->n; i++) {
        free(s->recs[i].event);
        free(s->recs[i].fields);
    }
    free(s->recs);
    pthread_mutex_destroy(&s->mu);
}

/* The pgai_log_fn: keeps a copy of the record (the strings are only lent to us). */
static void sink_fn(void *userdata, pgai_log_level level, const char *event, const char *fields)
{
    sink *s = userdata;
    char *e = strdup(event ? event : ""), *f = strdup(fields ? fields : "");
    if (!e || !f) abort();
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        record *r = realloc(s->recs, cap * sizeof(*r));
        if (!r) abort();
        s->recs = r;
        s->cap = cap;
    }
    s->recs[s->n++] = (record){.level = level, .event = e, .fields = f, .t = now_s()};
    if (verbose) printf("#     %s: [%d] %s %s\n", s->name, level, e, f);
    pthread_mutex_unlock(&s->mu);
}

/* Records whose event contains `event` (and whose fields contain `field`, if given). */
static int sink_count(sink *s, const char *event, const char *field)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->recs[i].event, event) && (!field || strstr(s->recs[i].fields, field))) n++;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* The time of the first (last) record whose event contains `event`; 0 when none. */
static double sink_time(sink *s, const char *event, int last)
{
    double t = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->recs[i].event, event)) {
            t = s->recs[i].t;
            if (!last) break;
        }
    pthread_mutex_unlock(&s->mu);
    return t;
}

/* Waits up to timeout_ms for a record; returns whether it came. */
static int sink_wait_for(sink *s, const char *event, long timeout_ms)
{
    for (double until = now_s() + timeout_ms / 1000.0; now_s() < until; sleep_ms(20))
        if (sink_count(s, event, NULL) > 0) return 1;
    return sink_count(s, event, NULL) > 0;
}

/* ---- the database ------------------------------------------------------------- */

static char *vsql(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vsql(const char *fmt, va_list ap)
{
    char q[8192];
    vsnprintf(q, sizeof(q), fmt, ap);
    PGresult *res = PQexec(db, q);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db));
        PQclear(res);
        fail_check(__FILE__, __LINE__, "SQL", "%s: %s", q, msg);
    }
    char *v = NULL;
    if (st == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) v = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

/* Runs a statement; fails the case on an error. */
static void sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sql(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(vsql(fmt, ap));
    va_end(ap);
}

/* The first value of a query as a number (NULL: -1). */
static long sql_long(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long sql_long(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = vsql(fmt, ap);
    va_end(ap);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

/* The first value of a query as a string (caller frees; NULL for SQL NULL). */
static char *sql_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sql_text(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = vsql(fmt, ap);
    va_end(ap);
    return v;
}

/* Creates table `t` with `rows` rows ("<t> row <i>") and a vectorizer named `t` on it; returns its id. */
static int make_vectorizer(const char *t, int rows, int batch_size)
{
    sql("create table %s (id int primary key, body text)", t);
    sql("insert into %s select g, '%s row ' || g from generate_series(1, %d) g", t, t, rows);
    long id = sql_long("select ai.create_vectorizer('%s'::regclass, name => '%s', loading => ai.loading_column('body'),"
                       " embedding => ai.embedding_openai('text-embedding-3-small', %d), chunking => ai.chunking_none(),"
                       " processing => ai.processing_default(batch_size => %d))",
                       t, t, DIMS, batch_size);
    CHECK(id > 0, "create_vectorizer returned %ld", id);
    return (int)id;
}

static long queued(int id) { return sql_long("select ai.vectorizer_queue_pending(%d, exact_count => true)", id); }
static long stored(const char *t) { return sql_long("select count(*) from %s_embedding_store", t); }

/* Waits up to timeout_ms for the store of `t` to hold `n` rows. */
static long wait_stored(const char *t, long n, long timeout_ms)
{
    long have = 0;
    for (double until = now_s() + timeout_ms / 1000.0; now_s() < until; sleep_ms(50))
        if ((have = stored(t)) >= n) break;
    return have;
}

/* ---- the provider's admin API (tests/provider/README.md) ----------------------- */

typedef struct body {
    char *data;
    size_t len;
} body;

static size_t body_write(char *p, size_t size, size_t n, void *userdata)
{
    body *b = userdata;
    char *d = realloc(b->data, b->len + size * n + 1);
    if (!d) return 0;
    memcpy(d + b->len, p, size * n);
    b->len += size * n;
    d[b->len] = '\0';
    b->data = d;
    return size * n;
}

/* GET (json NULL) or POST json to the provider; returns the body (caller frees). */
static char *provider_http(const char *path, const char *json)
{
    const char *base = getenv("PROVIDER_URL");
    CHECK(base && *base, "PROVIDER_URL is not set: run this program from tests/integration/050_library.sh");
    char url[512];
    snprintf(url, sizeof(url), "%s%s", base, path);
    CURL *h = curl_easy_init();
    CHECK(h != NULL, "curl_easy_init failed");
    body b = {0};
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (json) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    }
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    CHECK(rc == CURLE_OK && status == 200, "%s %s: %s, HTTP %ld: %s", json ? "POST" : "GET", url,
          curl_easy_strerror(rc), status, b.data ? b.data : "");
    return b.data;
}

/* Switches back to the defaults, statistics to zero, then applies `json`. */
static void provider_reset(const char *json) { free(provider_http("/_reset", json ? json : "{}")); }

/* OpenAI embedding requests received since the last reset. */
static long provider_requests(void)
{
    char *s = provider_http("/_stats", NULL);
    json_error_t jerr;
    json_t *root = json_loads(s, 0, &jerr);
    CHECK(root != NULL, "/_stats is not JSON: %s", jerr.text);
    long n = (long)json_integer_value(json_object_get(json_object_get(root, "openai"), "requests"));
    json_decref(root);
    free(s);
    return n;
}

/* Waits up to timeout_ms until the provider has received `n` embedding requests. */
static int wait_requests(long n, long timeout_ms)
{
    for (double until = now_s() + timeout_ms / 1000.0; now_s() < until; sleep_ms(20))
        if (provider_requests() >= n) return 1;
    return 0;
}

/* ---- a database that never answers ---------------------------------------------- */

/*
 * A listening socket that never accepts: the kernel completes TCP handshakes
 * into its backlog, so libpq connects and then waits for an answer that never
 * comes. A connection attempt shows as the socket turning readable; closing the
 * socket resets pending connections, which ends a blocked attempt.
 */
typedef struct black_hole {
    int fd;
    char url[128];
} black_hole;

static void black_hole_open(black_hole *bh)
{
    bh->fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bh->fd >= 0, "socket failed");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    CHECK(bind(bh->fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(bh->fd, 8) == 0 &&
              getsockname(bh->fd, (struct sockaddr *)&a, &len) == 0,
          "cannot listen on the loopback interface");
    snprintf(bh->url, sizeof(bh->url), "postgresql://postgres@127.0.0.1:%d/nowhere", ntohs(a.sin_port));
}

/* Whether somebody tried to connect (a connection is waiting in the backlog). */
static int black_hole_touched(const black_hole *bh)
{
    struct pollfd p = {.fd = bh->fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}

static void black_hole_close(black_hole *bh)
{
    if (bh->fd >= 0) close(bh->fd);
    bh->fd = -1;
}

/* ---- workers ------------------------------------------------------------------- */

/* Worker options for the vectorizer `id` (0: none), logging into `s` (may be NULL). */
static pgai_worker_options worker_opts(const int *id, int once, double poll, sink *s)
{
    return (pgai_worker_options){
        .struct_size = sizeof(pgai_worker_options),
        .db_url = db_url,
        .vectorizer_ids = id,
        .n_vectorizer_ids = id ? 1 : 0,
        .poll_interval = poll,
        .once = once,
        .exit_on_error = -1,
        .concurrency = 1,
        .log = s ? sink_fn : NULL,
        .log_userdata = s,
        .log_level = PGAI_LOG_INFO,
    };
}

static pgai_worker *new_worker(const pgai_worker_options *o)
{
    pgai_worker *w = NULL;
    pgai_error err;
    int rc = pgai_worker_new(o, &w, &err);
    CHECK(rc == PGAI_OK && w != NULL, "pgai_worker_new: %d %s", rc, err.message);
    CHECK(err.code == 0 && err.message[0] == '\0', "pgai_worker_new succeeded but left an error: %s", err.message);
    return w;
}

/* ---- the cases -------------------------------------------------------------------- */

static void expect_invalid(const pgai_worker_options *o, const char *what, const char *mention)
{
    static long sentinel; /* *out must be reset to NULL on failure, whatever it held */
    pgai_worker *w = (pgai_worker *)(void *)&sentinel;
    pgai_error err;
    memset(&err, 0, sizeof(err));
    int rc = pgai_worker_new(o, &w, &err);
    CHECK(rc == PGAI_E_INVALID, "%s: pgai_worker_new returned %d, want PGAI_E_INVALID (%d)", what, rc, PGAI_E_INVALID);
    CHECK(err.code == PGAI_E_INVALID, "%s: err.code is %d", what, err.code);
    CHECK(w == NULL, "%s: *out was not set to NULL", what);
    CHECK(strstr(err.message, mention) != NULL, "%s: the message [%s] does not mention %s", what, err.message, mention);
    printf("#   %s: \"%s\"\n", what, err.message);
}

static void case_invalid_options(void)
{
    int ids[2] = {1, 2};
    pgai_worker_options o = worker_opts(NULL, 1, 1, NULL);

    static long sentinel;
    pgai_worker *w = (pgai_worker *)(void *)&sentinel;
    pgai_error err;
    CHECK(pgai_worker_new(NULL, &w, &err) == PGAI_E_INVALID && w == NULL && err.message[0],
          "NULL options must be rejected with a message");

    o.concurrency = -1;
    expect_invalid(&o, "negative concurrency", "concurrency");
    o = worker_opts(NULL, 1, 1, NULL);
    o.poll_interval = -5;
    expect_invalid(&o, "negative poll interval", "poll_interval");
    o = worker_opts(NULL, 1, 1, NULL);
    o.vectorizer_ids = NULL;
    o.n_vectorizer_ids = 2;
    expect_invalid(&o, "vectorizer_ids NULL with a count", "vectorizer_ids");

    /* the options carry their size: 0 is refused; a caller built against an
     * older header (fewer bytes) gets the defaults for the rest; one built
     * against a newer header may not set fields this library lacks */
    o = worker_opts(NULL, 1, 1, NULL);
    o.struct_size = 0;
    expect_invalid(&o, "struct_size 0", "pgai_worker_options_init");
    o = worker_opts(NULL, 1, 1, NULL);
    o.struct_size = offsetof(pgai_worker_options, http_timeout); /* the 0.1 layout */
    o.http_timeout = -1; /* beyond struct_size: never read */
    w = new_worker(&o);
    pgai_worker_free(w);
    struct {
        pgai_worker_options o;
        long long future_option;
    } newer;
    memset(&newer, 0, sizeof(newer)); /* padding included: the library checks every byte it does not know */
    newer.o = worker_opts(NULL, 1, 1, NULL);
    newer.future_option = 1;
    newer.o.struct_size = sizeof(newer);
    expect_invalid(&newer.o, "an option from a newer header", "does not know");
    newer.future_option = 0; /* unset: fine */
    w = new_worker(&newer.o);
    pgai_worker_free(w);
    pgai_worker_options defaults;
    pgai_worker_options_init(&defaults);
    CHECK(defaults.struct_size == sizeof(defaults) && defaults.poll_interval == 60 && defaults.exit_on_error == -1,
          "pgai_worker_options_init sets the size and pgai's defaults");
    o = worker_opts(NULL, 1, 1, NULL);
    o.max_parallel_vectorizers = -1;
    expect_invalid(&o, "negative max_parallel_vectorizers", "max_parallel_vectorizers");

    /* err may be NULL: the code alone is returned */
    o = worker_opts(NULL, 1, 1, NULL);
    o.vectorizer_ids = NULL;
    o.n_vectorizer_ids = 2;
    w = NULL;
    CHECK(pgai_worker_new(&o, &w, NULL) == PGAI_E_INVALID && w == NULL, "with err NULL: still rejected");

    /* valid options: nothing connects yet, so an unreachable database is fine here */
    o = worker_opts(ids, 0, 0, NULL);
    o.n_vectorizer_ids = 2;
    o.db_url = "postgresql://nobody@127.0.0.1:1/nothing";
    w = new_worker(&o);
    /* waiting for a worker that was never started is a state error, not a hang */
    int rc = pgai_worker_wait(w, 10, &err);
    CHECK(rc == PGAI_E_STATE && err.code == PGAI_E_STATE && err.message[0],
          "pgai_worker_wait on a worker never started: %d (%s), want PGAI_E_STATE", rc, err.message);
    pgai_worker_free(w);
    pgai_worker_free(NULL); /* allowed, like free(NULL) */

    /* pgai_embed_query's arguments */
    float *vec = (float *)(void *)&sentinel;
    int dims = -1;
    rc = pgai_embed_query(db_url, NULL, "text", &vec, &dims, &err);
    CHECK(rc == PGAI_E_INVALID && vec == NULL && dims == 0 && err.message[0],
          "pgai_embed_query without a vectorizer: %d (%s)", rc, err.message);
}

static void case_install(void)
{
    sink s;
    sink_init(&s, "install");
    current_sink = &s;
    pgai_install_options io = {.log = sink_fn, .log_userdata = &s};
    pgai_error err;

    int rc = pgai_install(db_url, &io, &err);
    CHECK(rc == PGAI_OK, "first pgai_install: %d (%s), want PGAI_OK", rc, err.message);
    CHECK(err.code == 0, "err.code %d after success", err.code);
    char *v = sql_text("select version from ai.pgai_lib_version where name = 'ai'");
    CHECK(v && strcmp(v, pgai_library_version()) == 0, "installed version [%s], want [%s]", v ? v : "(none)",
          pgai_library_version());
    free(v);
    CHECK(sink_count(&s, "installed", NULL) == 1, "the log callback was told about the install");

    rc = pgai_install(db_url, &io, &err);
    CHECK(rc == PGAI_NOTHING_TO_DO, "second pgai_install: %d (%s), want PGAI_NOTHING_TO_DO", rc, err.message);
    CHECK(err.code == 0 && err.message[0] == '\0', "PGAI_NOTHING_TO_DO is not an error: [%s]", err.message);
    CHECK(sink_count(&s, "already installed", NULL) == 1, "the log callback was told nothing was done");

    pgai_install_options strict = {.strict = 1};
    rc = pgai_install(db_url, &strict, &err);
    CHECK(rc == PGAI_E_ALREADY_INSTALLED && err.code == PGAI_E_ALREADY_INSTALLED && err.message[0],
          "strict install of the installed version: %d (%s), want PGAI_E_ALREADY_INSTALLED", rc, err.message);

    rc = pgai_install("postgresql://postgres@127.0.0.1:1/nothing", NULL, &err);
    CHECK(rc == PGAI_E_CONNECT && err.code == PGAI_E_CONNECT && strstr(err.message, "connect"),
          "install into an unreachable database: %d (%s), want PGAI_E_CONNECT", rc, err.message);
    sink_free(&s);
}

static int once_id; /* lib_once: made by case_run_once, reused by later cases */

static void case_run_once(void)
{
    sink s;
    sink_init(&s, "once");
    current_sink = &s;
    once_id = make_vectorizer("lib_once", 12, 5);
    provider_reset(NULL);
    pgai_worker_options o = worker_opts(&once_id, 1, 0, &s);
    pgai_worker *w = new_worker(&o);
    pgai_error err;
    int rc = pgai_worker_run(w, &err);
    CHECK(rc == PGAI_OK && err.code == 0, "run: %d (%s)", rc, err.message);
    CHECK(queued(once_id) == 0, "queue empty after a once run (%ld left)", queued(once_id));
    CHECK(stored("lib_once") == 12, "12 rows embedded, got %ld", stored("lib_once"));
    CHECK(provider_requests() == 3, "one request per batch of 5: %ld", provider_requests());
    long dims = sql_long("select vector_dims(embedding) from lib_once_embedding_store limit 1");
    CHECK(dims == DIMS, "stored vectors have %ld dimensions", dims);

    /* a once worker can run again: one more pass each time */
    sql("insert into lib_once values (13, 'lib_once row 13')");
    rc = pgai_worker_run(w, &err);
    CHECK(rc == PGAI_OK && stored("lib_once") == 13, "a second run: %d (%s), %ld stored", rc, err.message,
          stored("lib_once"));
    pgai_worker_free(w);
    sink_free(&s);
}

static void case_log_callback(void)
{
    char id_field[64];
    snprintf(id_field, sizeof(id_field), "vectorizer_id=%d", once_id);
    sql("update lib_once set body = body || '!' where id <= 4");

    sink s;
    sink_init(&s, "log");
    current_sink = &s;
    pgai_worker_options o = worker_opts(&once_id, 1, 0, &s);
    pgai_worker *w = new_worker(&o);
    CHECK(pgai_worker_run(w, NULL) == PGAI_OK, "run with err NULL");
    pgai_worker_free(w);
    CHECK(sink_count(&s, "running vectorizer", id_field) == 1, "one 'running vectorizer' record with %s", id_field);
    CHECK(sink_count(&s, "finished processing vectorizer", "items=4") == 1,
          "'finished processing vectorizer' says items=4");
    CHECK(sink_count(&s, "once mode, exiting", NULL) == 1, "'once mode, exiting...' record");
    CHECK(sink_count(&s, "exiting processor.run()", NULL) == 1, "'exiting processor.run()' record");
    for (size_t i = 0; i < s.n; i++)
        CHECK(s.recs[i].level >= PGAI_LOG_INFO, "log_level 0 means INFO, got a record at %d: %s", s.recs[i].level,
              s.recs[i].event);
    CHECK(stored("lib_once") == 13 && sql_long("select count(*) from lib_once_embedding_store where chunk like '%%!'") == 4,
          "the 4 updated rows were re-embedded");
    sink_free(&s);

    /* a higher minimum: only warnings and worse reach the callback */
    sink_init(&s, "log-warning");
    current_sink = &s;
    o = worker_opts(&once_id, 1, 0, &s);
    o.log_level = PGAI_LOG_WARNING;
    w = new_worker(&o);
    CHECK(pgai_worker_run(w, NULL) == PGAI_OK, "run at WARNING");
    pgai_worker_free(w);
    for (size_t i = 0; i < s.n; i++)
        CHECK(s.recs[i].level >= PGAI_LOG_WARNING, "record below the minimum: [%d] %s", s.recs[i].level,
              s.recs[i].event);
    sink_free(&s);

    /* DEBUG: the debug records arrive too */
    sink_init(&s, "log-debug");
    current_sink = &s;
    o.log = sink_fn;
    o.log_userdata = &s;
    o.log_level = PGAI_LOG_DEBUG;
    w = new_worker(&o);
    CHECK(pgai_worker_run(w, NULL) == PGAI_OK, "run at DEBUG");
    pgai_worker_free(w);
    CHECK(sink_count(&s, "starting vectorizer worker", NULL) == 1, "the DEBUG record 'starting vectorizer worker'");
    sink_free(&s);

    /* no callback at all */
    o = worker_opts(&once_id, 1, 0, NULL);
    w = new_worker(&o);
    CHECK(pgai_worker_run(w, NULL) == PGAI_OK, "run without a log callback");
    pgai_worker_free(w);
}

static void case_embed_query(void)
{
    float *vec = NULL;
    int dims = 0;
    pgai_error err;
    int rc = pgai_embed_query(db_url, "lib_once", "lib_once row 7", &vec, &dims, &err);
    CHECK(rc == PGAI_OK && vec && dims == DIMS, "embed by name: %d (%s), %d dimensions", rc, err.message, dims);

    /* the provider's vectors depend only on the text: the query equals the stored chunk's embedding */
    char *text = sql_text("select embedding::text from lib_once_embedding_store where chunk = 'lib_once row 7'");
    CHECK(text != NULL, "the chunk 'lib_once row 7' is stored");
    const char *p = text + 1; /* "[a,b,...]" */
    for (int i = 0; i < DIMS; i++) {
        char *end;
        double x = strtod(p, &end);
        CHECK(end != p, "parse the stored vector [%s]", text);
        CHECK(x - vec[i] < 1e-6 && vec[i] - x < 1e-6, "component %d: query %g, stored %g", i, vec[i], x);
        p = end + 1;
    }
    free(text);
    free(vec);

    char id[16];
    snprintf(id, sizeof(id), "%d", once_id);
    rc = pgai_embed_query(db_url, id, "anything at all", &vec, &dims, &err);
    CHECK(rc == PGAI_OK && dims == DIMS, "embed by id: %d (%s)", rc, err.message);
    free(vec);

    rc = pgai_embed_query(db_url, "no_such_vectorizer", "x", &vec, &dims, &err);
    CHECK(rc == PGAI_E_NOT_FOUND && vec == NULL && strstr(err.message, "no_such_vectorizer"),
          "an unknown vectorizer: %d (%s), want PGAI_E_NOT_FOUND naming it", rc, err.message);
}

static void case_background_and_timeout(void)
{
    sink s;
    sink_init(&s, "background");
    current_sink = &s;
    int id = make_vectorizer("lib_bg", 0, 5);
    /* an hour between passes: only the NOTIFY of new rows can wake it */
    pgai_worker_options o = worker_opts(&id, 0, 3600, &s);
    pgai_worker *w = new_worker(&o);
    pgai_error err;
    int rc = pgai_worker_start(w, &err);
    CHECK(rc == PGAI_OK, "start: %d (%s)", rc, err.message);
    rc = pgai_worker_start(w, &err);
    CHECK(rc == PGAI_E_STATE && err.code == PGAI_E_STATE, "starting twice: %d (%s), want PGAI_E_STATE", rc, err.message);

    double t = now_s();
    rc = pgai_worker_wait(w, 150, &err);
    double waited = now_s() - t;
    CHECK(rc == PGAI_E_TIMEOUT && err.code == PGAI_E_TIMEOUT, "wait(150 ms) on a running worker: %d (%s)", rc,
          err.message);
    CHECK(waited >= 0.14 && waited < 5, "wait(150 ms) took %.3f s", waited);
    CHECK(pgai_worker_wait(w, 0, &err) == PGAI_E_TIMEOUT, "wait(0) polls");

    CHECK(sink_wait_for(&s, "sleeping for", 30000), "the first pass ends and the worker sleeps");
    sql("insert into lib_bg select g, 'lib_bg row ' || g from generate_series(1, 7) g");
    CHECK(wait_stored("lib_bg", 7, 30000) == 7, "rows inserted while it sleeps are embedded: %ld of 7", stored("lib_bg"));
    CHECK(pgai_worker_wait(w, 0, &err) == PGAI_E_TIMEOUT, "still running after the work");

    t = now_s();
    pgai_worker_request_shutdown(w);
    rc = pgai_worker_wait(w, 30000, &err);
    CHECK(rc == PGAI_OK && err.code == 0, "graceful shutdown: %d (%s)", rc, err.message);
    CHECK(now_s() - t < 10, "a sleeping worker stops promptly (%.1f s)", now_s() - t);
    CHECK(sink_count(&s, "got a graceful shutdown request", NULL) == 1, "the shutdown is logged");
    CHECK(queued(id) == 0, "queue empty");

    /* the result is handed out once */
    rc = pgai_worker_wait(w, 0, &err);
    CHECK(rc == PGAI_E_STATE, "a second wait: %d (%s), want PGAI_E_STATE", rc, err.message);
    /* a shutdown request is permanent: started again, the worker stops at once */
    CHECK(pgai_worker_start(w, &err) == PGAI_OK, "start again after wait: %s", err.message);
    rc = pgai_worker_wait(w, 5000, &err);
    CHECK(rc == PGAI_OK, "a worker asked to stop stays stopped: %d (%s)", rc, err.message);
    pgai_worker_free(w);
    sink_free(&s);
}

static void *shutdown_thread(void *w)
{
    pgai_worker_request_shutdown(w);
    return NULL;
}

static void case_shutdown_in_flight(void)
{
    sink s;
    sink_init(&s, "in-flight");
    current_sink = &s;
    int id = make_vectorizer("lib_flight", 20, 5);
    provider_reset("{\"latency_ms\": 2500}");
    pgai_worker_options o = worker_opts(&id, 0, 3600, &s);
    pgai_worker *w = new_worker(&o);
    pgai_error err;
    CHECK(pgai_worker_start(w, &err) == PGAI_OK, "start: %s", err.message);
    CHECK(wait_requests(1, 30000), "the first batch reaches the provider");

    /* from threads that are neither the worker's nor the one that waits, several at once */
    pthread_t th[4];
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&th[i], NULL, shutdown_thread, w) == 0, "pthread_create");
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    int rc = pgai_worker_wait(w, 300, &err);
    CHECK(rc == PGAI_E_TIMEOUT, "the batch in flight is not cut short: wait(300 ms) gave %d", rc);
    rc = pgai_worker_wait(w, 60000, &err);
    CHECK(rc == PGAI_OK && err.code == 0, "run returns PGAI_OK after a graceful shutdown: %d (%s)", rc, err.message);
    CHECK(stored("lib_flight") == 5, "exactly the batch in flight committed: %ld rows stored, want 5",
          stored("lib_flight"));
    CHECK(queued(id) == 15, "the other rows stay queued: %ld, want 15", queued(id));
    CHECK(provider_requests() == 1, "no other batch was started: %ld requests", provider_requests());
    pgai_worker_free(w);
    provider_reset(NULL);
    sink_free(&s);
}

static void case_abort_in_flight(void)
{
    sink s;
    sink_init(&s, "abort");
    current_sink = &s;
    int id = make_vectorizer("lib_abort", 20, 5);
    provider_reset("{\"latency_ms\": 6000}");
    pgai_worker_options o = worker_opts(&id, 0, 3600, &s);
    pgai_worker *w = new_worker(&o);
    pgai_error err;
    CHECK(pgai_worker_start(w, &err) == PGAI_OK, "start: %s", err.message);
    CHECK(wait_requests(1, 30000), "the first batch reaches the provider");
    double t = now_s();
    pgai_worker_request_abort(w);
    int rc = pgai_worker_wait(w, 4500, &err);
    CHECK(rc != PGAI_E_TIMEOUT, "abort does not wait for the provider's answer (still running after %.1f s)",
          now_s() - t);
    printf("#   stopped %.2f s after the abort (the provider would have answered after 6 s)\n", now_s() - t);
    CHECK(rc == PGAI_OK, "an aborted worker (exit_on_error unset, not once) returns PGAI_OK: %d (%s)", rc, err.message);
    CHECK(stored("lib_abort") == 0, "the abandoned batch rolled back: %ld rows stored", stored("lib_abort"));
    CHECK(queued(id) == 20, "nothing lost: %ld of 20 rows queued", queued(id));
    pgai_worker_free(w);
    provider_reset(NULL);

    /* the rows are processed by the next worker */
    o = worker_opts(&id, 1, 0, &s);
    w = new_worker(&o);
    rc = pgai_worker_run(w, &err);
    CHECK(rc == PGAI_OK && stored("lib_abort") == 20 && queued(id) == 0, "a later run embeds them all: %d (%s)", rc,
          err.message);
    pgai_worker_free(w);
    sink_free(&s);
}

static void case_two_workers(void)
{
    sink sa, sb;
    sink_init(&sa, "worker-a");
    sink_init(&sb, "worker-b");
    current_sink = &sa;
    int a = make_vectorizer("lib_two_a", 30, 5), b = make_vectorizer("lib_two_b", 30, 5);
    provider_reset("{\"latency_ms\": 150}");
    pgai_worker_options oa = worker_opts(&a, 1, 0, &sa), ob = worker_opts(&b, 1, 0, &sb);
    pgai_worker *wa = new_worker(&oa), *wb = new_worker(&ob);
    pgai_error ea, eb;
    CHECK(pgai_worker_start(wa, &ea) == PGAI_OK && pgai_worker_start(wb, &eb) == PGAI_OK, "start both");
    int ra = pgai_worker_wait(wa, 120000, &ea);
    int rb = pgai_worker_wait(wb, 120000, &eb);
    CHECK(ra == PGAI_OK, "worker a: %d (%s)", ra, ea.message);
    current_sink = &sb;
    CHECK(rb == PGAI_OK, "worker b: %d (%s)", rb, eb.message);
    CHECK(stored("lib_two_a") == 30 && queued(a) == 0, "vectorizer a done: %ld stored", stored("lib_two_a"));
    CHECK(stored("lib_two_b") == 30 && queued(b) == 0, "vectorizer b done: %ld stored", stored("lib_two_b"));

    /* each worker saw its own vectorizer only, and logged into its own sink */
    char fa[64], fb[64];
    snprintf(fa, sizeof(fa), "vectorizer_id=%d", a);
    snprintf(fb, sizeof(fb), "vectorizer_id=%d", b);
    CHECK(sink_count(&sa, "running vectorizer", fa) == 1 && sink_count(&sa, "running vectorizer", fb) == 0,
          "worker a ran vectorizer a only");
    CHECK(sink_count(&sb, "running vectorizer", fb) == 1 && sink_count(&sb, "running vectorizer", fa) == 0,
          "worker b ran vectorizer b only");
    CHECK(sink_count(&sa, "finished processing vectorizer", "items=30") == 1 &&
              sink_count(&sb, "finished processing vectorizer", "items=30") == 1,
          "each worker processed its 30 items");

    /* and they ran at the same time: each started before the other finished */
    double a0 = sink_time(&sa, "running vectorizer", 0), a1 = sink_time(&sa, "finished processing vectorizer", 1);
    double b0 = sink_time(&sb, "running vectorizer", 0), b1 = sink_time(&sb, "finished processing vectorizer", 1);
    CHECK(a0 < b1 && b0 < a1, "the two workers overlapped: a %.2f..%.2f, b %.2f..%.2f", a0, a1, b0, b1);
    printf("#   a ran %.2f s, b ran %.2f s, together %.2f s\n", a1 - a0, b1 - b0,
           (a1 > b1 ? a1 : b1) - (a0 < b0 ? a0 : b0));
    pgai_worker_free(wa);
    pgai_worker_free(wb);
    provider_reset(NULL);
    sink_free(&sa);
    sink_free(&sb);
}

static void case_free_running(void)
{
    sink s;
    sink_init(&s, "free-running");
    current_sink = &s;
    pgai_worker_options o = worker_opts(&once_id, 0, 3600, &s);
    pgai_worker *w = new_worker(&o);
    CHECK(pgai_worker_start(w, NULL) == PGAI_OK, "start");
    CHECK(sink_wait_for(&s, "sleeping for", 30000), "the worker sleeps");
    double t = now_s();
    pgai_worker_free(w); /* asks for a graceful shutdown and waits */
    CHECK(now_s() - t < 10, "pgai_worker_free of a running worker took %.1f s", now_s() - t);
    CHECK(sink_count(&s, "exiting processor.run()", NULL) == 1, "the worker's run ended before free returned");
    sink_free(&s);
}

static void case_shutdown_before_start(void)
{
    sink s;
    sink_init(&s, "shutdown-first");
    current_sink = &s;
    black_hole bh;
    black_hole_open(&bh);
    pgai_worker_options o = worker_opts(NULL, 0, 3600, &s);
    o.db_url = bh.url; /* connecting there would block forever */

    pgai_worker *w = new_worker(&o);
    pgai_worker_request_shutdown(w);
    double t = now_s();
    pgai_error err;
    int rc = pgai_worker_run(w, &err);
    CHECK(rc == PGAI_OK, "run after request_shutdown: %d (%s)", rc, err.message);
    CHECK(now_s() - t < 2, "run returned at once (%.1f s)", now_s() - t);
    pgai_worker_free(w);

    w = new_worker(&o);
    pgai_worker_request_shutdown(w);
    CHECK(pgai_worker_start(w, &err) == PGAI_OK, "start: %s", err.message);
    rc = pgai_worker_wait(w, 5000, &err);
    CHECK(rc == PGAI_OK, "start + wait after request_shutdown: %d (%s)", rc, err.message);
    pgai_worker_free(w);

    CHECK(!black_hole_touched(&bh), "no connection was attempted");
    CHECK(sink_count(&s, "connect", NULL) == 0, "nothing about connecting was logged");
    black_hole_close(&bh);
    sink_free(&s);
}

static void case_connect_error(void)
{
    sink s;
    sink_init(&s, "connect-error");
    current_sink = &s;
    pgai_worker_options o = worker_opts(NULL, 1, 0, &s);
    o.db_url = "postgresql://postgres@127.0.0.1:1/nothing"; /* connection refused */
    pgai_worker *w = new_worker(&o);
    pgai_error err;
    int rc = pgai_worker_run(w, &err);
    CHECK(rc == PGAI_E_CONNECT && err.code == PGAI_E_CONNECT && strstr(err.message, "connect"),
          "once (exit_on_error defaults to true): %d (%s), want PGAI_E_CONNECT", rc, err.message);
    printf("#   \"%s\"\n", err.message);
    CHECK(sink_count(&s, "unable to connect", NULL) >= 1, "the error was logged");
    pgai_worker_free(w);

    /* exit_on_error = 0: the error is logged, the pass ends, run succeeds */
    o.exit_on_error = 0;
    w = new_worker(&o);
    rc = pgai_worker_run(w, &err);
    CHECK(rc == PGAI_OK, "once with exit_on_error 0: %d (%s)", rc, err.message);
    CHECK(sink_count(&s, "unable to connect", NULL) >= 2, "the error was logged again");
    pgai_worker_free(w);
    sink_free(&s);
}

static void case_success_leaves_no_error(void)
{
    pgai_worker_options o = worker_opts(NULL, 1, 0, NULL);
    o.db_url = "postgresql://postgres@127.0.0.1:1/nothing";
    o.exit_on_error = 0;
    pgai_worker *w = new_worker(&o);
    pgai_error err;
    int rc = pgai_worker_run(w, &err);
    CHECK(rc == PGAI_OK, "once with exit_on_error 0: %d (%s)", rc, err.message);
    CHECK(err.code == 0 && err.message[0] == '\0',
               "pgai_worker_run returned PGAI_OK but left err.code %d and the message of an error it logged and"
               " carried on from: [%.120s]",
               err.code, err.message);
    pgai_worker_free(w);
}

/* ---- problems found by this test, since fixed -------------------------------------- */

static void case_unknown_vectorizer_code(void)
{
    sink s;
    sink_init(&s, "unknown-vectorizer");
    current_sink = &s;
    int missing = 987654;
    pgai_worker_options o = worker_opts(&missing, 1, 0, &s);
    pgai_worker *w = new_worker(&o);
    pgai_error err;
    int rc = pgai_worker_run(w, &err);
    CHECK(rc < 0 && err.code == rc && strstr(err.message, "invalid vectorizers"),
          "a missing vectorizer stops a once worker: %d (%s)", rc, err.message);
    printf("#   returned %d: \"%s\"\n", rc, err.message);
    CHECK(rc == PGAI_E_NOT_FOUND, "pgai_worker_run returned %d, want PGAI_E_NOT_FOUND", rc);
    pgai_worker_free(w);
    sink_free(&s);
}

static void case_shutdown_while_connecting(void)
{
    sink s;
    sink_init(&s, "shutdown-connecting");
    current_sink = &s;
    black_hole bh;
    black_hole_open(&bh);
    pgai_worker_options o = worker_opts(NULL, 0, 3600, &s);
    o.db_url = bh.url;
    pgai_worker *w = new_worker(&o);
    pgai_error err;
    CHECK(pgai_worker_start(w, &err) == PGAI_OK, "start");
    for (int i = 0; i < 250 && !black_hole_touched(&bh); i++) sleep_ms(20);
    CHECK(black_hole_touched(&bh), "the worker is connecting to a database that does not answer");
    pgai_worker_request_shutdown(w);
    int rc = pgai_worker_wait(w, 3000, &err);
    CHECK(rc != PGAI_E_TIMEOUT,
          "run returns within 3 s of request_shutdown while connecting to a database that does not answer");
    black_hole_close(&bh); /* resets the pending connection: the attempt fails */
    if (rc == PGAI_E_TIMEOUT) rc = pgai_worker_wait(w, 30000, &err);
    CHECK(rc == PGAI_OK, "once the connection attempt failed, run returned: %d (%s)", rc, err.message);
    pgai_worker_free(w);
    sink_free(&s);
}

static void case_embed_query_provider_error(void)
{
    provider_reset("{\"require_api_key\": \"sk-not-the-one-we-have\"}");
    float *vec = NULL;
    int dims = 0;
    pgai_error err;
    int rc = pgai_embed_query(db_url, "lib_once", "some text", &vec, &dims, &err);
    provider_reset(NULL);
    CHECK(rc < 0 && vec == NULL && strstr(err.message, "401"), "a provider error: %d (%s)", rc, err.message);
    const char *key = getenv("OPENAI_API_KEY");
    CHECK(!key || !*key || !strstr(err.message, key), "the API key is not in the message");
    printf("#   returned %d: \"%s\"\n", rc, err.message);
    CHECK(rc == PGAI_E_PROVIDER, "a provider failure is PGAI_E_PROVIDER: %d", rc);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    db_url = getenv("TEST_DB_URL");
    if (!db_url || !*db_url) {
        fprintf(stderr, "TEST_DB_URL is not set: run tests/integration/050_library.sh\n");
        return 2;
    }
    verbose = getenv("PGAI_TEST_VERBOSE") && strcmp(getenv("PGAI_TEST_VERBOSE"), "1") == 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    db = PQconnectdb(db_url);
    CHECK(PQstatus(db) == CONNECTION_OK, "connect to TEST_DB_URL: %s", PQerrorMessage(db));
    sql("set client_min_messages = warning");
    printf("# libpgai %s (pgai %s), recorded as %s\n", pgai_version(), pgai_compatible_version(),
           pgai_library_version());

    run_case("invalid options are rejected with a clear error", case_invalid_options);
    run_case("pgai_install: OK, then PGAI_NOTHING_TO_DO", case_install);
    run_case("once mode in the caller's thread processes every queued row", case_run_once);
    run_case("the log callback receives records, filtered by log_level", case_log_callback);
    run_case("pgai_embed_query returns the vectorizer's dimensions", case_embed_query);
    run_case("background worker: processes new rows; wait times out while it runs", case_background_and_timeout);
    run_case("graceful shutdown while a batch is in flight: the batch commits", case_shutdown_in_flight);
    run_case("abort while a batch is in flight: the batch rolls back", case_abort_in_flight);
    run_case("two workers in one process on different vectorizers", case_two_workers);
    run_case("pgai_worker_free of a running worker stops it", case_free_running);
    run_case("request_shutdown before start: run returns at once, no connection", case_shutdown_before_start);
    run_case("an unreachable database: PGAI_E_CONNECT, or logged with exit_on_error 0", case_connect_error);
    run_case("an unknown vectorizer id stops a once worker with a documented code", case_unknown_vectorizer_code);
    run_case("request_shutdown while connecting to a database that does not answer", case_shutdown_while_connecting);
    run_case("pgai_embed_query: a provider error has its own code", case_embed_query_provider_error);
    run_case("PGAI_OK from pgai_worker_run leaves err clear", case_success_leaves_no_error);

    PQfinish(db);
    curl_global_cleanup();
    printf("# all cases passed\n");
    return 0;
}
