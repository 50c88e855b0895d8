/* executor: one connection draining one vectorizer's queue; see executor.h. */
#include "worker/executor.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/trust.h"
#include "chunk/chunk.h"
#include "db/db.h"
#include "embed/embed.h"
#include "embed/tokenizer.h"
#include "format/format.h"
#include "queue/queue.h"
#include "store/store.h"
#include "util/clock.h"

#define OPENAI_MAX_INPUT_TOKENS 8191

struct executor {
    executor_args a; /* a copy: the worker's runtime owns what it points to */
    const vectorizer *v;
    PGconn *conn;
    source_column *cols;
    size_t ncols;
    int load_col; /* index of the loading column in cols */
    char *claim_sql;
    trust_info trust; /* whose rights each batch runs with; whether it is checked */
    char *begin_sql; /* BEGIN and the source table's lock, in one round trip */
    chunker *chunker;
    format_template *tmpl;
    embedder *emb;
    int truncates;            /* OpenAI models with a known 8191-token context */
    const bpe_tokenizer *bpe; /* loaded on the first text that may need it */
    int delete_pending;       /* the batch's DELETE of old chunks is still running */
    /* Without row locks on the source, the DELETE of old chunks waits until
     * just before the first write (see run_batch): these are its keys. */
    const queue_batch *deferred_b;
    const int *deferred_items;
    size_t deferred_n;
    buf scratch;
};

/* Everything one batch produces before it is written: chunk texts and where they go. */
typedef struct batch_work {
    buf text;            /* every formatted chunk, back to back */
    store_row *rows;     /* one per chunk; chunk pointers fixed up once text stops growing */
    size_t *offsets;     /* rows[i].chunk = text.data + offsets[i] */
    size_t nrows, caprows;
    char **truncated;    /* per row: the text sent to the provider when it differs */
} batch_work;

static void work_free(batch_work *w)
{
    for (size_t i = 0; w->truncated && i < w->nrows; i++) free(w->truncated[i]);
    free(w->truncated);
    free(w->rows);
    free(w->offsets);
    buf_free(&w->text);
    memset(w, 0, sizeof(*w));
}

static int work_add(batch_work *w, int item, int seq, size_t offset, size_t len)
{
    if (w->nrows == w->caprows) {
        size_t cap = w->caprows ? w->caprows * 2 : 64;
        store_row *r = realloc(w->rows, cap * sizeof(*r));
        if (!r) return -1;
        w->rows = r;
        size_t *o = realloc(w->offsets, cap * sizeof(*o));
        if (!o) return -1;
        w->offsets = o;
        w->caprows = cap;
    }
    w->rows[w->nrows] = (store_row){.item = item, .seq = seq, .chunk_len = len};
    w->offsets[w->nrows] = offset;
    w->nrows++;
    return 0;
}

/*
 * A connection for the executor: the one it kept since its last drain when
 * that still works, else one from the pool or a new one. Each connection
 * gets the session settings and its own trust resolution (the check it
 * prepares lives in that session); with a kept connection this costs no
 * round trip at all.
 */
static int connect_session(executor *x, pgai_error *err)
{
    const vectorizer *v = x->v;
    const executor_args *a = &x->a;
    if (x->conn && db_conn_usable(x->conn)) return PGAI_OK;
    PQfinish(x->conn); /* a broken one (terminated, the database restarted): start over */
    x->conn = NULL;
    char app[64];
    snprintf(app, sizeof(app), "pgai-worker[%d]: %s", v->id, tracker_short_id(a->tracker));
    x->conn = db_pool_take(a->pool);
    if (!x->conn) x->conn = db_connect_cancellable(a->db_url, app, a->lg, a->stop, err);
    if (!x->conn) return err->code;
    /* The text forms the formatter renders (as pgai's psycopg does) depend on
     * these; the name says which vectorizer a (possibly reused) connection serves. */
    buf session;
    buf_init(&session, DB_MAX_MESSAGE);
    int rc = db_sqlf(&session,
                     "set datestyle = 'ISO'; set intervalstyle = 'postgres'; set extra_float_digits = 1;"
                     " set bytea_output = 'hex'; set application_name = %L",
                     app);
    rc = rc != 0 ? error_set(err, PGAI_E_NOMEM, "out of memory") : db_exec(x->conn, session.data, err);
    buf_free(&session);
    if (rc != PGAI_OK) return rc;
    if (!x->cols && (rc = catalog_source_columns(x->conn, v, &x->cols, &x->ncols, err)) != PGAI_OK) return rc;
    x->load_col = -1;
    for (size_t i = 0; i < x->ncols; i++)
        if (strcmp(x->cols[i].name, v->loading.column_name) == 0) x->load_col = (int)i;
    if (x->load_col < 0)
        return error_set(err, PGAI_E_INVALID, "the loading column %s does not exist in %s.%s",
                         v->loading.column_name, v->source_schema, v->source_table);
    if ((rc = trust_resolve(x->conn, v, &x->trust, err)) != PGAI_OK) return rc;
    /* what the claim may lock depends on the rights just resolved */
    free(x->claim_sql);
    free(x->begin_sql);
    x->claim_sql = x->begin_sql = NULL;
    rc = queue_claim_sql(x->conn, v, a->info, x->cols, x->ncols, x->trust.may_lock_source, &x->claim_sql, err);
    if (rc != PGAI_OK) return rc;
    buf begin;
    buf_init(&begin, DB_MAX_MESSAGE);
    if (db_sqlf(&begin, "BEGIN; LOCK TABLE %I.%I IN ACCESS SHARE MODE", v->source_schema, v->source_table) != 0 ||
        trust_begin_sql(v, &x->trust, &begin) != 0) {
        buf_free(&begin);
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    x->begin_sql = buf_take(&begin);
    return PGAI_OK;
}

/*
 * What does not depend on the connection, built at the first drain and kept
 * for the executor's life: the chunker's compiled separators, the template,
 * and the embedder with its HTTP connection (kept alive between requests and
 * wake-ups) and its one-time setup (Ollama's model check).
 */
static int prepare_stages(executor *x, pgai_error *err)
{
    const vectorizer *v = x->v;
    const executor_args *a = &x->a;
    if (x->emb) return PGAI_OK;
    char msg[512];
    chunk_config cc = {
        .kind = v->chunking.kind,
        .chunk_size = v->chunking.chunk_size,
        .chunk_overlap = v->chunking.chunk_overlap,
        .separators = v->chunking.separators,
        .nseparators = v->chunking.nseparators,
        .is_separator_regex = v->chunking.is_separator_regex,
    };
    if (!x->chunker && chunker_new(&cc, &x->chunker, msg, sizeof(msg)) != 0)
        return error_set(err, PGAI_E_INVALID, "%s", msg);
    if (v->formatting.kind == FORMATTING_PYTHON_TEMPLATE && !x->tmpl &&
        format_template_parse(v->formatting.template_text, &x->tmpl, msg, sizeof(msg)) != 0)
        return error_set(err, PGAI_E_INVALID, "%s", msg);

    embed_env env = {.lg = a->lg, .environment = a->environment, .abort = a->abort,
                     .max_response = a->max_response_bytes, .timeout_ms = a->http_timeout_ms};
    embed_error eerr;
    embedder *emb = NULL;
    if (embedder_new(v, a->api_key, &env, &emb, &eerr) != 0 || embedder_setup(emb, &eerr) != 0) {
        embedder_free(emb);
        return error_set(err, PGAI_E_INVALID, "%s", eerr.message);
    }
    x->emb = emb;
    if (v->embedding.kind == EMBEDDING_OPENAI &&
        (!strcmp(v->embedding.model, "text-embedding-ada-002") || !strcmp(v->embedding.model, "text-embedding-3-small") ||
         !strcmp(v->embedding.model, "text-embedding-3-large"))) {
        x->truncates = 1;
    } else if (v->embedding.kind == EMBEDDING_OPENAI) {
        log_warn(a->lg, "Tokenizer for the model not found.", "model=%s", v->embedding.model);
    }
    return PGAI_OK;
}

int executor_new(const executor_args *a, executor **out)
{
    executor *x = calloc(1, sizeof(*x));
    if (!x) return -1;
    x->a = *a;
    x->v = a->v;
    buf_init(&x->scratch, DB_MAX_MESSAGE); /* COPY data: flushed often, one row at most a message */
    *out = x;
    return 0;
}

void executor_park(executor *x)
{
    if (!x || !x->conn) return;
    db_pool_give(x->a.pool, x->conn); /* kept only if healthy and outside a transaction */
    x->conn = NULL;
}

void executor_free(executor *x)
{
    if (!x) return;
    executor_park(x);
    catalog_source_columns_free(x->cols, x->ncols);
    free(x->claim_sql);
    free(x->begin_sql);
    chunker_free(x->chunker);
    format_template_free(x->tmpl);
    embedder_free(x->emb);
    buf_free(&x->scratch);
    free(x);
}

/* SELECT disabled: a disabled vectorizer stops between batches. */
static int is_disabled(executor *x, int *disabled, pgai_error *err)
{
    *disabled = 0;
    if (!x->a.info->has_disabled_column) return PGAI_OK;
    char id[16];
    snprintf(id, sizeof(id), "%d", x->v->id);
    const char *params[1] = {id};
    char *value; /* the column is NOT NULL: NULL means no row */
    int rc = db_query_value(x->conn, "select disabled from ai.vectorizer where id = $1", 1, params, &value, err);
    if (rc == PGAI_OK && !value) rc = error_set(err, PGAI_E_NOT_FOUND, "vectorizer row not found");
    *disabled = value && strcmp(value, "t") == 0;
    free(value);
    return rc;
}

/* One queue item's fate in this batch. */
typedef struct item_state {
    int failed;
    const char *step; /* loading, chunking, formatting, embedding */
    char reason[1024];
    int wrote;        /* some of its chunks were written before it failed */
} item_state;

static void item_fail(executor *x, item_state *it, const char *step, const char *reason)
{
    if (it->failed) return;
    it->failed = 1;
    it->step = step;
    snprintf(it->reason, sizeof(it->reason), "%s", reason);
    (void)x;
}

/* Loads, chunks and formats one item, appending its chunks to w. A bad
 * document fails only its own item; a template that cannot render or running
 * out of memory fails the batch. */
static int prepare_item(executor *x, const queue_batch *b, int item, item_state *it, batch_work *w, pgai_error *err)
{
    const vectorizer *v = x->v;
    int col = b->col_text0 + x->load_col;
    char msg[512];
    if (PQgetisnull(b->res, item, col)) {
        long size = queue_item_load_size(b, item);
        if (size > x->a.max_document_bytes) {
            snprintf(msg, sizeof(msg),
                     "the document is %ld bytes, more than the limit of %lld bytes (PGAI_VECTORIZER_MAX_DOCUMENT_BYTES)",
                     size, x->a.max_document_bytes);
            item_fail(x, it, "loading", msg);
        }
        return PGAI_OK; /* NULL loads as "": nothing to embed */
    }
    const char *text = PQgetvalue(b->res, item, col);
    size_t len = (size_t)PQgetlength(b->res, item, col);
    if (len == 0) return PGAI_OK;

    chunk_list chunks = {0};
    if (chunker_split(x->chunker, text, len, x->a.max_chunks_per_item, &chunks, msg, sizeof(msg)) != 0) {
        item_fail(x, it, "chunking", msg);
        return PGAI_OK;
    }

    format_value values[1024];
    size_t nvalues = x->ncols < 1023 ? x->ncols : 1023;
    char retries[16];
    for (size_t i = 0; i < nvalues; i++) {
        int c = b->col_text0 + (int)i;
        values[i] = (format_value){x->cols[i].name, x->cols[i].type_oid, x->cols[i].elem_oid,
                                   PQgetisnull(b->res, item, c) ? NULL : PQgetvalue(b->res, item, c)};
    }
    if (x->a.info->has_loading_retries) {
        snprintf(retries, sizeof(retries), "%d", queue_item_retries(b, item));
        values[nvalues++] = (format_value){"loading_retries", 23, 0, retries};
    }
    size_t first_row = w->nrows, text_mark = w->text.len;
    int rc = PGAI_OK;
    for (size_t i = 0; i < chunks.count && rc == PGAI_OK && !it->failed; i++) {
        size_t start = w->text.len;
        if (x->tmpl) {
            /* A template that cannot render (an unknown $name) fails for every row
             * alike: it is the vectorizer's config that is wrong, so the batch
             * fails and no item is charged. */
            if (format_render(x->tmpl, chunks.items[i], chunks.lens[i], values, nvalues, &w->text, msg, sizeof(msg)) != 0)
                rc = error_set(err, PGAI_E_INVALID, "formatting failed: %s", msg);
        } else if (buf_append(&w->text, chunks.items[i], chunks.lens[i]) != 0) {
            rc = error_set_buf(err, &w->text, "the batch's chunk text");
        }
        if (rc == PGAI_OK && !it->failed && work_add(w, item, (int)i, start, w->text.len - start) != 0)
            rc = error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    if (it->failed) { /* drop what this item added */
        w->nrows = first_row;
        buf_truncate(&w->text, text_mark);
    }
    chunk_list_free(&chunks);
    (void)v;
    return rc;
}

typedef struct embed_job {
    executor *x;
    const queue_batch *b;
    batch_work *w;
    item_state *items;
    const char **texts;
    size_t *lens;
    float *vec;     /* room for the largest group */
    int dim;
    size_t *sel;    /* scratch: row indexes of the current request */
    const char **sel_texts;
    size_t *sel_lens;
    store_row *sel_rows;
    embed_error *eerr;
    pgai_error *err;
    size_t ok_rows, bad_rows;
} embed_job;

/*
 * Waits for the batch's DELETE of old chunks, sent before chunking and the
 * provider's round trip so that the database works while we do. Called
 * before anything else is sent on the connection.
 */
static int settle(executor *x, pgai_error *err)
{
    if (x->deferred_b) {
        const queue_batch *b = x->deferred_b;
        x->deferred_b = NULL;
        return store_delete_old(x->conn, x->v, b, x->deferred_items, x->deferred_n, NULL, err);
    }
    if (!x->delete_pending) return PGAI_OK;
    x->delete_pending = 0;
    return db_finish(x->conn, err);
}

/*
 * Embeds and writes rows[idx[0..n)]. When the provider rejects the request
 * as invalid input, the rows are halved and retried until the offending rows
 * are alone: only their items fail, the rest is written. Any other error
 * fails the batch. Costs O(bad * log n) extra requests, nothing when all is well.
 */
static int embed_rows(embed_job *j, const size_t *idx, size_t n)
{
    executor *x = j->x;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) /* rows of items that already failed are not sent */
        if (!j->items[j->w->rows[idx[k]].item].failed) j->sel[m++] = idx[k];
    if (m == 0) return PGAI_OK;
    size_t *mine = malloc(m * sizeof(size_t));
    if (!mine) return error_set(j->err, PGAI_E_NOMEM, "out of memory");
    memcpy(mine, j->sel, m * sizeof(size_t));
    for (size_t k = 0; k < m; k++) {
        j->sel_texts[k] = j->texts[mine[k]];
        j->sel_lens[k] = j->lens[mine[k]];
        j->sel_rows[k] = j->w->rows[mine[k]];
    }
    log_debug(x->a.lg, "embedding request", "inputs=%zu vectorizer_id=%d", m, x->v->id);
    int rc = PGAI_OK;
    if (embedder_embed(x->emb, j->sel_texts, j->sel_lens, m, j->vec, j->eerr) == 0) {
        rc = settle(x, j->err);
        if (rc == PGAI_OK) rc = store_write(x->conn, x->v, j->b, j->sel_rows, m, j->vec, j->dim, &x->scratch, j->err);
        for (size_t k = 0; k < m && rc == PGAI_OK; k++) j->items[j->w->rows[mine[k]].item].wrote = 1;
        j->ok_rows += m;
    } else if (j->eerr->kind != EMBED_ERR_INPUT || !x->a.info->has_loading_retries) {
        rc = error_set(j->err, PGAI_E_PROVIDER, "%s", j->eerr->message);
    } else if (m == 1) {
        item_fail(x, &j->items[j->w->rows[mine[0]].item], "embedding", j->eerr->message);
        j->bad_rows++;
    } else {
        rc = embed_rows(j, mine, m / 2);
        if (rc == PGAI_OK) rc = embed_rows(j, mine + m / 2, m - m / 2);
    }
    free(mine);
    return rc;
}

/*
 * Whether the tokenizer must look at a text: a cl100k token is at least one
 * byte, so a text of at most 8191 bytes cannot be too long, and only a text
 * containing "<|" can hold a special token (which pgai's tiktoken refuses).
 * Skipping the rest saves most of the worker's CPU on ordinary chunks.
 */
static int may_need_tokenizer(const char *text, size_t len)
{
    if (len > OPENAI_MAX_INPUT_TOKENS) return 1;
    for (const char *p = text, *end = text + len; (p = memchr(p, '<', (size_t)(end - p))) != NULL; p++)
        if (p + 1 < end && p[1] == '|') return 1;
    return 0;
}

/* Embeds the rows group by group, writing each group as soon as its vectors arrive. */
static int embed_and_store(executor *x, const queue_batch *b, batch_work *w, item_state *items, embed_error *eerr,
                           pgai_error *err)
{
    size_t n = w->nrows;
    if (n == 0) return PGAI_OK;
    for (size_t i = 0; i < n; i++) w->rows[i].chunk = w->text.data + w->offsets[i];

    embed_job j = {.x = x, .b = b, .w = w, .items = items, .eerr = eerr, .err = err,
                   .dim = embedder_dimensions(x->emb)};
    double *tokens = calloc(n, sizeof(double));
    size_t *ends = calloc(n, sizeof(size_t)), *all = calloc(n, sizeof(size_t));
    j.texts = calloc(n, sizeof(char *));
    j.lens = calloc(n, sizeof(size_t));
    j.sel = calloc(n, sizeof(size_t));
    j.sel_texts = calloc(n, sizeof(char *));
    j.sel_lens = calloc(n, sizeof(size_t));
    j.sel_rows = calloc(n, sizeof(store_row));
    w->truncated = calloc(n, sizeof(char *));
    int rc = PGAI_OK;
    if (!tokens || !ends || !all || !j.texts || !j.lens || !j.sel || !j.sel_texts || !j.sel_lens || !j.sel_rows ||
        !w->truncated) {
        rc = error_set(err, PGAI_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        all[i] = i;
        j.texts[i] = w->rows[i].chunk;
        j.lens[i] = w->rows[i].chunk_len;
        if (x->truncates && may_need_tokenizer(j.texts[i], j.lens[i])) {
            /* The stored chunk keeps its full text; only the request is cut (as pgai). */
            char msg[256];
            size_t outlen = 0, orig = 0;
            if (!x->bpe && !(x->bpe = bpe_cl100k(msg, sizeof(msg)))) {
                rc = error_set(err, PGAI_E_INVALID, "%s", msg);
                goto out;
            }
            if (bpe_truncate(x->bpe, j.texts[i], j.lens[i], OPENAI_MAX_INPUT_TOKENS, &w->truncated[i], &outlen, &orig,
                             msg, sizeof(msg)) != 0) {
                /* pgai fails the request the same way (tiktoken refuses special tokens) */
                if (!x->a.info->has_loading_retries) {
                    rc = error_set(err, PGAI_E_INVALID, "%s", msg);
                    goto out;
                }
                item_fail(x, &items[w->rows[i].item], "embedding", msg);
                continue;
            }
            if (w->truncated[i]) {
                log_warn(x->a.lg, "chunk truncated", "from=%zu to=%d vectorizer_id=%d", orig, OPENAI_MAX_INPUT_TOKENS,
                         x->v->id);
                j.texts[i] = w->truncated[i];
                j.lens[i] = outlen;
            }
        }
        tokens[i] = embedder_token_estimate(x->emb, j.texts[i], j.lens[i]);
    }

    char msg[256];
    long ngroups = embed_plan(tokens, n, embedder_max_inputs(x->emb), embedder_max_tokens(x->emb), ends, msg,
                              sizeof(msg));
    if (ngroups < 0) {
        rc = error_set(err, PGAI_E_INVALID, "%s", msg);
        goto out;
    }
    size_t largest = 0, start = 0;
    for (long g = 0; g < ngroups; g++) largest = ends[g] - start > largest ? ends[g] - start : largest, start = ends[g];
    j.vec = malloc(largest * (size_t)j.dim * sizeof(float));
    if (!j.vec) {
        rc = error_set(err, PGAI_E_NOMEM, "out of memory");
        goto out;
    }
    start = 0;
    for (long g = 0; g < ngroups && rc == PGAI_OK; g++) {
        size_t ok_before = j.ok_rows, bad_before = j.bad_rows;
        rc = embed_rows(&j, all + start, ends[g] - start);
        /* Every row of a request rejected one by one: the request itself is wrong
         * (a config problem such as unsupported dimensions), not the texts. */
        if (rc == PGAI_OK && j.ok_rows == ok_before && j.bad_rows - bad_before > 1) {
            rc = error_set(err, PGAI_E_PROVIDER, "%s", eerr->message);
            for (size_t i = start; i < ends[g]; i++) items[w->rows[i].item].failed = 0;
        }
        start = ends[g];
    }
out:
    free(j.vec);
    free(tokens), free(ends), free(all);
    free(j.texts), free(j.lens), free(j.sel), free(j.sel_texts), free(j.sel_lens), free(j.sel_rows);
    return rc;
}

/* The JSON details of an error row, with the reason escaped properly. */
static char *error_details(const char *provider, const char *reason)
{
    json_t *o = provider ? json_pack("{s:s, s:s}", "provider", provider, "error_reason", reason)
                         : json_pack("{s:s}", "error_reason", reason);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

/* {"col": "value", ...} of an item's primary key, as text. */
static json_t *item_pk_json(executor *x, const queue_batch *b, int item)
{
    json_t *pk = json_object();
    for (size_t p = 0; p < x->v->npk; p++)
        for (size_t c = 0; c < x->ncols; c++)
            if (strcmp(x->cols[c].name, x->v->pk[p].name) == 0) {
                int col = b->col_text0 + (int)c;
                json_object_set_new(pk, x->v->pk[p].name,
                                    PQgetisnull(b->res, item, col) ? json_null() : json_string(PQgetvalue(b->res, item, col)));
            }
    return pk;
}

/* Inside a batch: the worker's own rights, and back to the owner's (no-ops when not acting as the owner). */
static int as_worker(executor *x, pgai_error *err)
{
    return x->trust.act_as_owner ? db_exec(x->conn, "SET LOCAL ROLE NONE", err) : PGAI_OK;
}

static int as_owner(executor *x, pgai_error *err)
{
    if (!x->trust.act_as_owner) return PGAI_OK;
    buf sql;
    buf_init(&sql, DB_MAX_MESSAGE);
    int rc = db_sqlf(&sql, "SET LOCAL ROLE %I", x->trust.owner) != 0 ? error_set(err, PGAI_E_NOMEM, "out of memory")
                                                                       : db_exec(x->conn, sql.data, err);
    buf_free(&sql);
    return rc;
}

/*
 * Charges a failed item an attempt, with pgai's retry columns: back into the
 * queue with loading_retries + 1 after a growing delay, or into the failed
 * queue once config.loading.retries is spent; plus an error row for users.
 */
static int charge_item(executor *x, const queue_batch *b, int item, const item_state *it, pgai_error *err)
{
    const vectorizer *v = x->v;
    int r = queue_item_retries(b, item);
    int retryable = r < v->loading.retries;
    int rc;
    if (retryable)
        rc = queue_requeue(x->conn, v, b, item, r + 1, x->a.retry_delay_s * (r + 1), err);
    else
        rc = queue_move_to_failed(x->conn, v, b, item, it->step, err);
    if (rc != PGAI_OK) return rc;

    json_t *pk = item_pk_json(x, b, item);
    json_t *d = json_pack("{s:s, s:s, s:b, s:o}", "step", it->step, "error_reason", it->reason, "is_retryable",
                          retryable, "pk", pk);
    if (d && strcmp(it->step, "loading") == 0)
        json_object_set_new(d, "loader", json_string(v->loading.kind == LOADING_URI ? "uri" : "column"));
    char *details = d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *pktext = pk ? json_dumps(pk, JSON_COMPACT) : NULL;
    char message[64];
    snprintf(message, sizeof(message), "%s failed", it->step);
    log_warn(x->a.lg, message, "vectorizer_id=%d pk='%s' retries=%d will_retry=%s error='%.300s'", v->id,
             pktext ? pktext : "?", r, retryable ? "true" : "false", it->reason);
    /* Error rows are the worker's bookkeeping: written with its own rights
     * (the owner may only read them), then back to the owner's. */
    rc = details ? as_worker(x, err) : error_set(err, PGAI_E_NOMEM, "out of memory");
    if (rc == PGAI_OK) rc = track_error_row(x->conn, x->a.info, v->id, message, details, err);
    if (rc == PGAI_OK) rc = as_owner(x, err);
    free(details);
    free(pktext);
    json_decref(d);
    return rc;
}

/* One batch. Returns PGAI_OK with *claimed = number of queue keys claimed (0: queue empty). */
static int run_batch(executor *x, long *processed, int *claimed, int *provider_failed, pgai_error *err)
{
    *claimed = 0;
    *provider_failed = 0;
    /* The source table is locked before the queue, in the order TRUNCATE's
     * trigger takes them: the claim alone would lock the queue first and deadlock. */
    int rc = db_exec(x->conn, x->begin_sql, err);
    if (rc != PGAI_OK) {
        pgai_error ignored;
        if (db_exec(x->conn, "rollback", &ignored) != PGAI_OK) { /* closing rolls back */ }
        return rc;
    }
    if (x->trust.checked && (rc = trust_check_batch(x->conn, x->v, &x->trust, err)) != PGAI_OK) {
        pgai_error ignored;
        if (db_exec(x->conn, "rollback", &ignored) != PGAI_OK) { /* closing rolls back */ }
        return rc;
    }
    queue_batch b;
    batch_work w = {0};
    buf_init(&w.text, EXECUTOR_MAX_BATCH_TEXT);
    int *present = NULL, *undo = NULL;
    item_state *items = NULL;
    size_t npresent = 0;
    embed_error eerr = {0};
    if ((rc = queue_claim(x->conn, x->claim_sql, x->v, x->cols, x->ncols, x->a.max_document_bytes, &b, err)) !=
        PGAI_OK)
        goto fail;
    *claimed = b.nitems;
    log_debug(x->a.lg, "Items pulled from queue", "count=%d vectorizer_id=%d", b.nitems, x->v->id);
    present = calloc((size_t)b.nitems + 1, sizeof(int));
    undo = calloc((size_t)b.nitems + 1, sizeof(int));
    items = calloc((size_t)b.nitems + 1, sizeof(item_state));
    if (!present || !undo || !items) {
        rc = error_set(err, PGAI_E_NOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < b.nitems; i++)
        if (queue_item_present(&b, i)) present[npresent++] = i;
    /* The old chunks' DELETE runs while we chunk and wait for the provider.
     * Not when the claim could not lock the source rows: a DELETE of a source
     * row would then wait, in its trigger, for our locks on those chunks and
     * miss the ones we write; deferred to just before the first write, the
     * trigger does not wait and its commit is seen by store_delete_gone. */
    if (x->v->destination.kind == DESTINATION_TABLE && !x->trust.may_lock_source) {
        x->deferred_b = &b;
        x->deferred_items = present;
        x->deferred_n = npresent;
    } else if (x->v->destination.kind == DESTINATION_TABLE &&
               (rc = store_delete_old(x->conn, x->v, &b, present, npresent, &x->delete_pending, err)) != PGAI_OK) {
        goto fail;
    }
    for (size_t k = 0; k < npresent; k++)
        if ((rc = prepare_item(x, &b, present[k], &items[present[k]], &w, err)) != PGAI_OK) goto fail;
    log_debug(x->a.lg, "Chunks produced", "count=%zu vectorizer_id=%d", w.nrows, x->v->id);
    rc = embed_and_store(x, &b, &w, items, &eerr, err);
    if (rc != PGAI_OK) {
        *provider_failed = eerr.kind != EMBED_ERR_NONE;
        goto fail;
    }
    if ((rc = settle(x, err)) != PGAI_OK) goto fail; /* when no row was written */
    /* Failed items: no half-written documents, then charge each one attempt. */
    size_t nundo = 0;
    for (size_t k = 0; k < npresent; k++)
        if (items[present[k]].failed && items[present[k]].wrote) undo[nundo++] = present[k];
    if (nundo && x->v->destination.kind == DESTINATION_TABLE &&
        (rc = store_delete_old(x->conn, x->v, &b, undo, nundo, NULL, err)) != PGAI_OK)
        goto fail;
    for (size_t k = 0; k < npresent; k++) {
        if (!items[present[k]].failed) continue;
        if (!x->a.info->has_loading_retries) { /* an old install: no retry columns, fail the batch as pgai */
            rc = error_set(err, PGAI_E_INVALID, "%s", items[present[k]].reason);
            goto fail;
        }
        if ((rc = charge_item(x, &b, present[k], &items[present[k]], err)) != PGAI_OK) goto fail;
    }
    /* Without row locks a DELETE could have committed meanwhile; its trigger
     * missed the chunks we wrote. (One still open now is the window that only
     * the lock closes: docs/design.md.) */
    if (!x->trust.may_lock_source && x->v->destination.kind == DESTINATION_TABLE &&
        (rc = store_delete_gone(x->conn, x->v, &b, present, npresent, err)) != PGAI_OK)
        goto fail;
    if ((rc = db_exec(x->conn, "commit", err)) != PGAI_OK) goto fail;
    *processed = (long)npresent;
    free(present), free(undo), free(items);
    work_free(&w);
    queue_batch_free(&b);
    return PGAI_OK;
fail:
    free(present), free(undo), free(items);
    work_free(&w);
    if (b.res) queue_batch_free(&b);
    x->delete_pending = 0; /* ROLLBACK below discards its result */
    x->deferred_b = NULL;
    pgai_error ignored;
    if (db_exec(x->conn, "rollback", &ignored) != PGAI_OK) { /* a broken connection rolls back by itself */ }
    return rc;
}

/* Adds committed items to the vectorizer's progress row (ai._worker_progress). */
static void report_progress(executor *x, long n)
{
    pgai_error perr;
    if (tracker_progress(x->a.tracker, x->conn, x->v->id, n, NULL, &perr) != PGAI_OK)
        log_warn(x->a.lg, "recording progress failed", "error='%s' vectorizer_id=%d", perr.message, x->v->id);
}

int executor_drain(executor *x, long *items, pgai_error *err)
{
    const executor_args *a = &x->a;
    *items = 0;
    memset(err, 0, sizeof(*err));
    int rc = connect_session(x, err);
    if (rc != PGAI_OK && !x->conn && a->stopping && a->stopping(a->userdata)) {
        /* a shutdown cut the connection attempt short: nothing was started, nothing failed */
        memset(err, 0, sizeof(*err));
        return PGAI_OK;
    }
    if (rc == PGAI_OK) rc = prepare_stages(x, err);
    /* Bookkeeping at most once a second, not per batch: with small batches
     * and many executors these round trips cost as much as the work. The
     * pass that started this drain has just read the disabled flag. */
    double checked_at = clock_now_s(), reported_at = clock_now_s();
    long unreported = 0;
    int provider_failed = 0;
    while (rc == PGAI_OK) {
        if (clock_now_s() - checked_at >= 1.0) {
            int disabled;
            if ((rc = is_disabled(x, &disabled, err)) != PGAI_OK || disabled) break;
            checked_at = clock_now_s();
        }
        if (a->stopping && a->stopping(a->userdata)) break;
        long n = 0;
        int claimed = 0;
        rc = run_batch(x, &n, &claimed, &provider_failed, err);
        if (rc != PGAI_OK || claimed == 0) break;
        *items += n;
        tracker_count_success(a->tracker, n);
        unreported += n;
        if (unreported > 0 && clock_now_s() - reported_at >= 1.0) {
            report_progress(x, unreported);
            unreported = 0;
            reported_at = clock_now_s();
        }
    }
    if (unreported > 0 && x->conn && PQstatus(x->conn) == CONNECTION_OK) report_progress(x, unreported);
    if (rc != PGAI_OK && x->conn && PQstatus(x->conn) == CONNECTION_OK && !(a->aborting && a->aborting(a->userdata))) {
        char *details = error_details(provider_failed ? a->v->embedding.implementation : NULL, err->message);
        pgai_error rerr;
        if (!details || track_error_row(x->conn, a->info, a->v->id,
                                        provider_failed ? "embedding provider failed"
                                                        : "vectorizer failed with unexpected error",
                                        details, &rerr) != PGAI_OK)
            log_warn(a->lg, "recording the error failed", "vectorizer_id=%d", a->v->id);
        free(details);
    }
    return rc;
}
