/*
 * dblimit: the database's own limit for the vectorizer worker's work, with
 * no HTTP in the way. It drains one vectorizer's queue with N connections,
 * each running, batch after batch, exactly the statements the worker's
 * executor runs against the database:
 *
 *   BEGIN
 *   queue_claim()        the claim CTE of src/queue/queue.c (SKIP LOCKED,
 *                        advisory locks, DELETE from the queue, LATERAL join)
 *   store_delete_old()   DELETE the claimed keys' old chunks
 *   store_write()        one binary COPY per request group (embed_plan, as
 *                        the executor groups requests)
 *   COMMIT
 *
 * until a claim returns no rows. The statements come from the library itself
 * (build/libpgai.a), built from the vectorizer row catalog_load() parses, so
 * the SQL is byte for byte the worker's. Only the embedding step is replaced:
 * each chunk's text and vector are computed before the clock starts.
 *
 *   chunks   the source rows are read once and split and formatted with the
 *            library's chunker and template, as the executor does;
 *   vectors  --vectors TABLE takes each chunk's vector from a table with the
 *            store's layout (key columns, chunk_seq, embedding), normally a
 *            copy of what the worker wrote, so HNSW sees the same vectors;
 *            without it (or for a chunk missing there) a sparse unit vector
 *            is made from the chunk's words (hash buckets, +-1), the same
 *            kind the test provider returns.
 *
 * What the executor does and this does not: the per-batch
 * "select disabled from ai.vectorizer" and the ai._worker_progress update
 * after each commit (worker bookkeeping, not the work itself), and of course
 * the HTTP requests. The rows/s printed here is the figure the worker's rows/s
 * is divided by.
 *
 * Usage: dblimit -d URL [-i VECTORIZER_ID] [-c CONNECTIONS] [--vectors TABLE] [-q]
 * Output (stdout, one line, key=value):
 *   rows=N chunks=N batches=N seconds=S rows_per_s=R claim_s=.. delete_s=.. copy_s=.. commit_s=..
 * (the *_s figures are summed over the connections).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "chunk/chunk.h"
#include "db/db.h"
#include "embed/embed.h"
#include "format/format.h"
#include "queue/queue.h"
#include "store/store.h"
#include "util/buf.h"

/* ---- precomputed work: one entry per source row ------------------------ */

typedef struct item {
    char *key;       /* key columns' text, joined by \x1f */
    size_t nchunks;
    size_t *offsets; /* chunk i: arena + offsets[i], lens[i] bytes */
    size_t *lens;
    float *vectors;  /* nchunks * dim */
} item;

typedef struct workset {
    const vectorizer *v;
    const catalog_info *info;
    source_column *cols;
    size_t ncols;
    int *pk_col;     /* for each key column: its index in cols */
    int dim;
    item *items;
    size_t nitems;
    size_t *table;   /* open addressing: index + 1 into items, 0 = empty */
    size_t tablecap;
    buf arena;       /* every formatted chunk, back to back */
    size_t synthetic;
} workset;

/* The environment as the worker would see it (OPENAI_BASE_URL and the like), taken once. */
static const env_snapshot *bench_environment(void)
{
    static env_snapshot *snapshot;
    if (!snapshot) snapshot = env_snapshot_take();
    return snapshot;
}

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "dblimit: %s: %s\n", what, msg);
    exit(2);
}

static item *lookup(const workset *ws, const char *key, size_t keylen)
{
    size_t mask = ws->tablecap - 1;
    for (size_t h = fnv1a(key, keylen, 14695981039346656037ULL) & mask;; h = (h + 1) & mask) {
        size_t k = ws->table[h];
        if (k == 0) return NULL;
        item *it = &ws->items[k - 1];
        if (strlen(it->key) == keylen && memcmp(it->key, key, keylen) == 0) return it;
    }
}

static void insert(workset *ws, size_t index)
{
    const char *key = ws->items[index].key;
    size_t mask = ws->tablecap - 1;
    size_t h = fnv1a(key, strlen(key), 14695981039346656037ULL) & mask;
    while (ws->table[h]) h = (h + 1) & mask;
    ws->table[h] = index + 1;
}

/* Appends the key columns' text values of row r of res (first column `first`) to b. */
static void key_text(buf *b, const PGresult *res, int r, const int *cols, size_t n)
{
    buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        if ((i && buf_append(b, "\x1f", 1) != 0) ||
            buf_append(b, PQgetvalue(res, r, cols[i]), (size_t)PQgetlength(res, r, cols[i])) != 0)
            die("key", "out of memory");
    }
}

/* The same key text for a claimed item, from the claim's text columns. */
static void claim_key_text(buf *b, const queue_batch *batch, int r, const int *cols, size_t n)
{
    buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *text = queue_item_text(batch, r, (size_t)cols[i], &len);
        if ((i && buf_append(b, "\x1f", 1) != 0) || buf_append(b, text ? text : "", len) != 0) die("key", "out of memory");
    }
}

/* A sparse unit vector from the chunk's words: each word adds +-1 to bucket hash % dim. */
static void synthetic_vector(const char *s, size_t n, int dim, float *out)
{
    memset(out, 0, (size_t)dim * sizeof(float));
    size_t i = 0;
    while (i < n) {
        while (i < n && !((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
               !(s[i] & 0x80))
            i++;
        size_t start = i;
        uint64_t h = 14695981039346656037ULL;
        while (i < n && (((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') || (s[i] >= '0' && s[i] <= '9') || (s[i] & 0x80))) {
            char c = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] | 32) : s[i];
            h = fnv1a(&c, 1, h);
            i++;
        }
        if (i > start) out[h % (uint64_t)dim] += (h >> 63) ? -1.0f : 1.0f;
    }
    double norm = 0;
    for (int k = 0; k < dim; k++) norm += (double)out[k] * out[k];
    if (norm == 0) {
        out[0] = 1.0f;
        return;
    }
    float inv = (float)(1.0 / sqrt(norm));
    for (int k = 0; k < dim; k++) out[k] *= inv;
}

/* Reads every source row and chunks and formats it as the executor does (prepare_item). */
static void precompute_chunks(PGconn *conn, workset *ws)
{
    const vectorizer *v = ws->v;
    char msg[512];
    chunk_config cc = {
        .kind = v->chunking.kind,
        .chunk_size = v->chunking.chunk_size,
        .chunk_overlap = v->chunking.chunk_overlap,
        .separators = v->chunking.separators,
        .nseparators = v->chunking.nseparators,
        .is_separator_regex = v->chunking.is_separator_regex,
    };
    chunker *ch;
    if (chunker_new(&cc, &ch, msg, sizeof(msg)) != 0) die("chunker", msg);
    format_template *tmpl = NULL;
    if (v->formatting.kind == FORMATTING_PYTHON_TEMPLATE &&
        format_template_parse(v->formatting.template_text, &tmpl, msg, sizeof(msg)) != 0)
        die("template", msg);

    int load_col = -1;
    for (size_t i = 0; i < ws->ncols; i++)
        if (strcmp(ws->cols[i].name, v->loading.column_name) == 0) load_col = (int)i;
    if (load_col < 0) die("source", "the loading column is missing");

    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    int rc = db_sqlf(&sql, "SELECT ");
    for (size_t i = 0; i < ws->ncols; i++) rc |= db_sqlf(&sql, "%s%I::pg_catalog.text", i ? ", " : "", ws->cols[i].name);
    rc |= db_sqlf(&sql, " FROM %I.%I", v->source_schema, v->source_table);
    if (rc) die("source", "out of memory");
    PGresult *res = PQexec(conn, sql.data);
    buf_free(&sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) die("reading the source table", PQerrorMessage(conn));

    int n = PQntuples(res);
    ws->nitems = (size_t)n;
    ws->items = calloc((size_t)n + 1, sizeof(item));
    for (ws->tablecap = 16; ws->tablecap < 2 * (size_t)n + 2;) ws->tablecap *= 2;
    ws->table = calloc(ws->tablecap, sizeof(size_t));
    if (!ws->items || !ws->table) die("precompute", "out of memory");
    buf_init(&ws->arena, BUF_NO_LIMIT); /* the benchmark's whole data set, held by design */
    buf key;
    buf_init(&key, DB_MAX_MESSAGE); /* key columns as text */
    format_value values[1024];
    size_t nvalues = ws->ncols < 1023 ? ws->ncols : 1023;
    for (int r = 0; r < n; r++) {
        item *it = &ws->items[r];
        key_text(&key, res, r, ws->pk_col, v->npk);
        it->key = strdup(key.data);
        if (!it->key) die("precompute", "out of memory");
        insert(ws, (size_t)r);
        if (PQgetisnull(res, r, load_col) || PQgetlength(res, r, load_col) == 0) continue;
        chunk_list chunks = {0};
        if (chunker_split(ch, PQgetvalue(res, r, load_col), (size_t)PQgetlength(res, r, load_col), 100000, &chunks, msg,
                          sizeof(msg)) != 0)
            die("chunking", msg);
        for (size_t i = 0; i < nvalues; i++)
            values[i] = (format_value){ws->cols[i].name, ws->cols[i].type_oid, ws->cols[i].elem_oid,
                                       PQgetisnull(res, r, (int)i) ? NULL : PQgetvalue(res, r, (int)i)};
        size_t nv = nvalues;
        if (ws->info->has_loading_retries) values[nv++] = (format_value){"loading_retries", 23, 0, "0"};
        it->nchunks = chunks.count;
        it->offsets = calloc(chunks.count + 1, sizeof(size_t));
        it->lens = calloc(chunks.count + 1, sizeof(size_t));
        it->vectors = calloc(chunks.count * (size_t)ws->dim + 1, sizeof(float));
        if (!it->offsets || !it->lens || !it->vectors) die("precompute", "out of memory");
        for (size_t i = 0; i < chunks.count; i++) {
            size_t start = ws->arena.len;
            if (tmpl) {
                if (format_render(tmpl, chunks.items[i], chunks.lens[i], values, nv, &ws->arena, msg, sizeof(msg)) != 0)
                    die("formatting", msg);
            } else if (buf_append(&ws->arena, chunks.items[i], chunks.lens[i]) != 0) {
                die("precompute", "out of memory");
            }
            it->offsets[i] = start;
            it->lens[i] = ws->arena.len - start;
            it->vectors[i * (size_t)ws->dim] = NAN; /* not filled yet */
        }
        chunk_list_free(&chunks);
    }
    buf_free(&key);
    PQclear(res);
    chunker_free(ch);
    format_template_free(tmpl);
}

static float get_f32be(const char *p)
{
    uint32_t u;
    memcpy(&u, p, 4);
    u = ntohl(u);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Fills vectors from a table with the store's layout (key columns, chunk_seq, embedding). */
static void load_vectors(PGconn *conn, workset *ws, const char *table)
{
    const vectorizer *v = ws->v;
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    int rc = db_sqlf(&sql, "SELECT ");
    for (size_t i = 0; i < v->npk; i++) rc |= db_sqlf(&sql, "%I::pg_catalog.text, ", v->pk[i].name);
    rc |= db_sqlf(&sql, "\"chunk_seq\", \"embedding\" FROM %s", table); /* table: trusted, from the command line */
    if (rc) die("vectors", "out of memory");
    PGresult *res = PQexecParams(conn, sql.data, 0, NULL, NULL, NULL, NULL, 1);
    buf_free(&sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) die("reading the vectors", PQerrorMessage(conn));
    /* key columns come in v->pk order; the workset key uses the same order */
    int *cols = calloc(v->npk + 1, sizeof(int));
    if (!cols) die("vectors", "out of memory");
    for (size_t i = 0; i < v->npk; i++) cols[i] = (int)i;
    buf key;
    buf_init(&key, DB_MAX_MESSAGE); /* key columns as text */
    int n = PQntuples(res);
    for (int r = 0; r < n; r++) {
        key_text(&key, res, r, cols, v->npk);
        item *it = lookup(ws, key.data, key.len);
        if (!it || PQgetlength(res, r, (int)v->npk) != 4) continue;
        uint32_t seq;
        memcpy(&seq, PQgetvalue(res, r, (int)v->npk), 4);
        seq = ntohl(seq);
        const char *vec = PQgetvalue(res, r, (int)v->npk + 1);
        int len = PQgetlength(res, r, (int)v->npk + 1);
        if (seq >= it->nchunks || len != 4 + 4 * ws->dim) continue;
        float *out = it->vectors + seq * (size_t)ws->dim;
        for (int k = 0; k < ws->dim; k++) out[k] = get_f32be(vec + 4 + 4 * k);
    }
    buf_free(&key);
    free(cols);
    PQclear(res);
}

static void fill_missing_vectors(workset *ws)
{
    for (size_t i = 0; i < ws->nitems; i++) {
        item *it = &ws->items[i];
        for (size_t c = 0; c < it->nchunks; c++) {
            float *out = it->vectors + c * (size_t)ws->dim;
            if (!isnan(out[0])) continue; /* loaded */
            synthetic_vector(ws->arena.data + it->offsets[c], it->lens[c], ws->dim, out);
            ws->synthetic++;
        }
    }
}

/* ---- the timed part ---------------------------------------------------- */

typedef struct runner {
    const workset *ws;
    const char *db_url;
    pthread_t thread;
    long rows, chunks, batches;
    double t_claim, t_delete, t_copy, t_commit;
    int failed;
    char error[1100];
} runner;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(runner *r, const pgai_error *err)
{
    snprintf(r->error, sizeof(r->error), "%s", err->message);
    r->failed = 1;
    return -1;
}

/* One batch, as run_batch in src/worker/executor.c; returns the number of claimed keys or -1. */
static int one_batch(runner *r, PGconn *conn, const char *claim_sql, embedder *emb, buf *scratch)
{
    const workset *ws = r->ws;
    const vectorizer *v = ws->v;
    pgai_error err = {0};
    double t0 = now();
    if (db_exec(conn, "begin", &err) != PGAI_OK) return fail(r, &err);
    queue_batch *b;
    /* 64 MiB: the worker's default PGAI_VECTORIZER_MAX_DOCUMENT_BYTES */
    if (queue_claim(conn, claim_sql, v, ws->cols, ws->ncols, 64LL << 20, &b, &err) != PGAI_OK) return fail(r, &err);
    double t1 = now();
    r->t_claim += t1 - t0;
    int claimed = queue_batch_count(b);
    int *present = calloc((size_t)claimed + 1, sizeof(int));
    size_t npresent = 0;
    if (!present) die("batch", "out of memory");
    for (int i = 0; i < claimed; i++)
        if (queue_item_present(b, i)) present[npresent++] = i;
    if (v->destination.kind == DESTINATION_TABLE && store_delete_old(conn, v, b, present, npresent, NULL, &err) != PGAI_OK) {
        free(present);
        queue_batch_free(b);
        return fail(r, &err);
    }
    double t2 = now();
    r->t_delete += t2 - t1;

    /* the batch's chunks in claim order, with their precomputed texts and vectors */
    size_t nrows = 0, cap = 64;
    store_row *rows = malloc(cap * sizeof(*rows));
    const item **owners = malloc(cap * sizeof(*owners));
    buf key;
    buf_init(&key, DB_MAX_MESSAGE); /* key columns as text */
    if (!rows || !owners) die("batch", "out of memory");
    for (size_t k = 0; k < npresent; k++) {
        claim_key_text(&key, b, present[k], ws->pk_col, v->npk);
        const item *it = lookup(ws, key.data, key.len);
        if (!it) die("batch", "a claimed key is not in the source snapshot (rows added after the start?)");
        for (size_t c = 0; c < it->nchunks; c++) {
            if (nrows == cap) {
                cap *= 2;
                rows = realloc(rows, cap * sizeof(*rows));
                owners = realloc(owners, cap * sizeof(*owners));
                if (!rows || !owners) die("batch", "out of memory");
            }
            rows[nrows] = (store_row){.item = present[k], .seq = (int)c, .chunk = ws->arena.data + it->offsets[c],
                                      .chunk_len = it->lens[c]};
            owners[nrows++] = it;
        }
    }
    buf_free(&key);

    /* the executor's request groups: one COPY per group */
    int rc = 0;
    if (nrows > 0) {
        double *tokens = calloc(nrows, sizeof(double));
        size_t *ends = calloc(nrows, sizeof(size_t));
        float *vec = malloc(nrows * (size_t)ws->dim * sizeof(float));
        if (!tokens || !ends || !vec) die("batch", "out of memory");
        for (size_t i = 0; i < nrows; i++) {
            tokens[i] = embedder_token_estimate(emb, rows[i].chunk_len);
            memcpy(vec + i * (size_t)ws->dim, owners[i]->vectors + (size_t)rows[i].seq * (size_t)ws->dim,
                   (size_t)ws->dim * sizeof(float));
        }
        char msg[256];
        long ngroups = embed_plan(tokens, nrows, embedder_max_inputs(emb), embedder_max_tokens(emb), ends, msg,
                                  sizeof(msg));
        if (ngroups < 0) die("embed_plan", msg);
        size_t start = 0;
        for (long g = 0; g < ngroups && rc == 0; g++) {
            if (store_write(conn, v, b, rows + start, ends[g] - start, vec + start * (size_t)ws->dim, ws->dim, scratch,
                            &err) != PGAI_OK)
                rc = fail(r, &err);
            start = ends[g];
        }
        free(tokens);
        free(ends);
        free(vec);
    }
    double t3 = now();
    r->t_copy += t3 - t2;
    free(rows);
    free(owners);
    free(present);
    queue_batch_free(b);
    if (rc != 0) return -1;
    if (db_exec(conn, "commit", &err) != PGAI_OK) return fail(r, &err);
    r->t_commit += now() - t3;
    if (claimed > 0) {
        r->rows += (long)npresent;
        r->chunks += (long)nrows;
        r->batches++;
    }
    return claimed;
}

static void *runner_main(void *arg)
{
    runner *r = arg;
    const workset *ws = r->ws;
    logger quiet = {0};
    pgai_error err = {0};
    PGconn *conn = db_connect(r->db_url, "pgai-dblimit", &quiet, &err);
    if (!conn) {
        fail(r, &err);
        return NULL;
    }
    /* the executor's session settings */
    if (db_exec(conn,
                "set datestyle = 'ISO'; set intervalstyle = 'postgres'; set extra_float_digits = 1;"
                " set bytea_output = 'hex'",
                &err) != PGAI_OK) {
        fail(r, &err);
        PQfinish(conn);
        return NULL;
    }
    char *claim_sql = NULL;
    embedder *emb = NULL;
    embed_error eerr;
    embed_env env = {.lg = &quiet, .environment = bench_environment()};
    if (queue_claim_sql(conn, ws->v, ws->info, ws->cols, ws->ncols, 1, &claim_sql, &err) != PGAI_OK) {
        fail(r, &err);
    } else if (embedder_new(ws->v, "sk-unused", &env, &emb, &eerr) != 0) {
        snprintf(r->error, sizeof(r->error), "%s", eerr.message);
        r->failed = 1;
    } else {
        buf scratch;
        buf_init(&scratch, DB_MAX_MESSAGE); /* COPY data, as the executor's */
        while (one_batch(r, conn, claim_sql, emb, &scratch) > 0) {
        }
        buf_free(&scratch);
    }
    if (r->failed) {
        pgai_error ignored;
        if (db_exec(conn, "rollback", &ignored) != PGAI_OK) { /* the connection may be gone */ }
    }
    embedder_free(emb);
    free(claim_sql);
    PQfinish(conn);
    return NULL;
}

static void usage(void)
{
    fputs("usage: dblimit -d URL [-i VECTORIZER_ID] [-c CONNECTIONS] [--vectors TABLE] [-q]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db-url", required_argument, NULL, 'd'}, {"vectorizer-id", required_argument, NULL, 'i'},
        {"connections", required_argument, NULL, 'c'}, {"vectors", required_argument, NULL, 'V'},
        {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *vectors = NULL;
    int id = 1, nconn = 1, quiet = 0, c;
    while ((c = getopt_long(argc, argv, "d:i:c:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': url = optarg; break;
        case 'i': id = atoi(optarg); break;
        case 'c': nconn = atoi(optarg); break;
        case 'V': vectors = optarg; break;
        case 'q': quiet = 1; break;
        default: usage();
        }
    }
    if (!url || nconn < 1 || optind != argc) usage();

    logger lg = {0};
    pgai_error err = {0};
    PGconn *conn = db_connect(url, "pgai-dblimit-setup", &lg, &err);
    if (!conn) die("connect", err.message);
    catalog_info info;
    vectorizer *v = NULL;
    if (catalog_detect(conn, &info, &err) != PGAI_OK || catalog_load(conn, id, &v, NULL, &err) != PGAI_OK)
        die("vectorizer", err.message);
    if (db_exec(conn,
                "set datestyle = 'ISO'; set intervalstyle = 'postgres'; set extra_float_digits = 1;"
                " set bytea_output = 'hex'",
                &err) != PGAI_OK)
        die("session", err.message);
    workset ws = {.v = v, .info = &info};
    if (catalog_source_columns(conn, v, &ws.cols, &ws.ncols, &err) != PGAI_OK) die("source columns", err.message);
    ws.pk_col = calloc(v->npk + 1, sizeof(int));
    if (!ws.pk_col) die("setup", "out of memory");
    for (size_t i = 0; i < v->npk; i++) {
        ws.pk_col[i] = -1;
        for (size_t k = 0; k < ws.ncols; k++)
            if (strcmp(ws.cols[k].name, v->pk[i].name) == 0) ws.pk_col[i] = (int)k;
        if (ws.pk_col[i] < 0) die("setup", "a key column is missing from the source columns");
    }
    {
        embed_env env = {.lg = &lg, .environment = bench_environment()};
        embedder *emb;
        embed_error eerr;
        if (embedder_new(v, "sk-unused", &env, &emb, &eerr) != 0) die("embedder", eerr.message);
        ws.dim = embedder_dimensions(emb);
        embedder_free(emb);
    }
    if (ws.dim <= 0) die("setup", "unknown dimensions");

    double p0 = now();
    precompute_chunks(conn, &ws);
    if (vectors) load_vectors(conn, &ws, vectors);
    fill_missing_vectors(&ws);
    PQfinish(conn);
    if (!quiet)
        fprintf(stderr, "dblimit: %zu source rows, %zu bytes of chunks, %zu synthetic vectors, precomputed in %.2f s\n",
                ws.nitems, ws.arena.len, ws.synthetic, now() - p0);

    runner *rs = calloc((size_t)nconn, sizeof(runner));
    if (!rs) die("setup", "out of memory");
    double t0 = now();
    for (int i = 0; i < nconn; i++) {
        rs[i] = (runner){.ws = &ws, .db_url = url};
        if (pthread_create(&rs[i].thread, NULL, runner_main, &rs[i]) != 0) die("setup", "cannot create a thread");
    }
    long rows = 0, chunks = 0, batches = 0;
    double tc = 0, td = 0, tw = 0, tm = 0;
    int failed = 0;
    for (int i = 0; i < nconn; i++) {
        pthread_join(rs[i].thread, NULL);
        rows += rs[i].rows, chunks += rs[i].chunks, batches += rs[i].batches;
        tc += rs[i].t_claim, td += rs[i].t_delete, tw += rs[i].t_copy, tm += rs[i].t_commit;
        if (rs[i].failed) {
            fprintf(stderr, "dblimit: connection %d failed: %s\n", i + 1, rs[i].error);
            failed = 1;
        }
    }
    double secs = now() - t0;
    printf("rows=%ld chunks=%ld batches=%ld connections=%d seconds=%.3f rows_per_s=%.1f synthetic_vectors=%zu"
           " claim_s=%.3f delete_s=%.3f copy_s=%.3f commit_s=%.3f\n",
           rows, chunks, batches, nconn, secs, secs > 0 ? (double)rows / secs : 0.0, ws.synthetic, tc, td, tw, tm);

    for (size_t i = 0; i < ws.nitems; i++) {
        free(ws.items[i].key);
        free(ws.items[i].offsets);
        free(ws.items[i].lens);
        free(ws.items[i].vectors);
    }
    free(ws.items);
    free(ws.table);
    buf_free(&ws.arena);
    free(ws.pk_col);
    free(rs);
    catalog_source_columns_free(ws.cols, ws.ncols);
    vectorizer_free(v);
    return failed ? 1 : 0;
}
