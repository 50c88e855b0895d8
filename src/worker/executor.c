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
#include "format/format.h"
#include "load/load.h"
#include "parse/parse.h"
#include "queue/queue.h"
#include "store/store.h"
#include "util/clock.h"

struct executor {
    executor_args a; /* a copy: the worker's runtime owns what it points to */
    const vectorizer *v;
    PGconn *conn;
    source_column *cols;
    size_t ncols;
    loader *loader;  /* the load stage: the loading column's text */
    parser *parser;  /* the parse stage: text passes through */
    char *claim_sql;
    trust_info trust; /* whose rights each batch runs with; whether it is checked */
    char *begin_sql; /* BEGIN and the source table's lock, in one round trip */
    chunker *chunker;
    format_template *tmpl;
    embedder *emb;
    buf scratch;
};

/*
 * One queue item's fate in this batch. It changes only in item_fail_at and
 * item_wrote:
 *   ITEM_PENDING -> ITEM_WRITTEN      a request with some of its chunks was written
 *   ITEM_PENDING -> ITEM_FAILED       a stage failed it before any of its chunks was written
 *   ITEM_WRITTEN -> ITEM_FAILED_UNDO  a later chunk failed: the written ones are deleted again
 * Before the commit, each failed item is charged an attempt (charge_item);
 * the others are done.
 */
typedef enum item_fate { ITEM_PENDING, ITEM_WRITTEN, ITEM_FAILED, ITEM_FAILED_UNDO } item_fate;

typedef struct item_state {
    item_fate fate;
    item_step step;    /* where it failed */
    char reason[1024]; /* why: the error row's error_reason */
} item_state;

static int item_failed(const item_state *it) { return it->fate == ITEM_FAILED || it->fate == ITEM_FAILED_UNDO; }

/* The first failure is the one charged; later stages skip a failed item. */
static void item_fail_at(item_state *it, item_step step, const char *reason)
{
    if (item_failed(it)) return;
    it->fate = it->fate == ITEM_WRITTEN ? ITEM_FAILED_UNDO : ITEM_FAILED;
    it->step = step;
    snprintf(it->reason, sizeof(it->reason), "%s", reason);
}

static void item_wrote(item_state *it)
{
    if (it->fate == ITEM_PENDING) it->fate = ITEM_WRITTEN;
}

/* The batch's DELETE of its items' old chunks (table destination). */
typedef enum old_delete {
    OLD_DELETE_DONE,     /* done, or nothing to delete (column destination) */
    OLD_DELETE_SENT,     /* sent after the claim and running meanwhile: collected before the connection's next use */
    OLD_DELETE_DEFERRED, /* not sent yet: runs just before the first write (see start_old_delete) */
} old_delete;

/* Every chunk of the batch: formatted texts and where they go. */
typedef struct batch_work {
    buf text;            /* every formatted chunk, back to back */
    store_row *rows;     /* one per chunk; chunk pointers fixed up once text stops growing */
    size_t *offsets;     /* rows[i].chunk = text.data + offsets[i] */
    size_t nrows, caprows;
    char **truncated;    /* per row: the text sent to the provider when it differs */
} batch_work;

/*
 * Everything one batch holds, from the claim to the commit. batch_free
 * releases all of it in one call, whichever stage stopped the batch.
 */
typedef struct batch {
    queue_batch *claim;     /* the claimed items and their source rows */
    item_state *items;      /* per claimed item */
    int *present;           /* the items whose source row exists, in claim order */
    size_t npresent;
    int *undo;              /* room for the failed items whose written chunks must go */
    old_delete old_chunks;
    batch_work work;        /* the chunks to embed */
    /* The embedding step's arrays, one entry per chunk (embed_and_store). */
    const char **texts;     /* what is sent: the chunk, or its truncated text */
    size_t *lens;
    double *tokens;         /* estimated tokens, for planning the requests */
    size_t *ends;           /* request g sends rows [ends[g - 1], ends[g]) */
    size_t *order;          /* row indexes; embed_rows compacts them in place */
    const char **sel_texts; /* one request's texts, lengths and rows */
    size_t *sel_lens;
    store_row *sel_rows;
    float *vec;             /* one request's vectors: room for the largest */
} batch;

static void batch_init(batch *bt)
{
    memset(bt, 0, sizeof(*bt));
    buf_init(&bt->work.text, EXECUTOR_MAX_BATCH_TEXT);
}

static void batch_free(batch *bt)
{
    batch_work *w = &bt->work;
    for (size_t i = 0; w->truncated && i < w->nrows; i++) free(w->truncated[i]);
    free(w->truncated);
    free(w->rows);
    free(w->offsets);
    buf_free(&w->text);
    free(bt->items), free(bt->present), free(bt->undo);
    free(bt->texts), free(bt->lens), free(bt->tokens), free(bt->ends), free(bt->order);
    free(bt->sel_texts), free(bt->sel_lens), free(bt->sel_rows), free(bt->vec);
    queue_batch_free(bt->claim);
    memset(bt, 0, sizeof(*bt));
}

/* The per-item arrays, once the claim says how many items there are. */
static int batch_alloc_items(batch *bt, pgai_error *err)
{
    size_t n = (size_t)queue_batch_count(bt->claim) + 1;
    bt->items = calloc(n, sizeof(*bt->items));
    bt->present = calloc(n, sizeof(*bt->present));
    bt->undo = calloc(n, sizeof(*bt->undo));
    if (!bt->items || !bt->present || !bt->undo) return error_set(err, PGAI_E_NOMEM, "out of memory");
    return PGAI_OK;
}

/* The embedding step's per-chunk arrays, once every chunk is made (n > 0). */
static int batch_alloc_rows(batch *bt, size_t n, pgai_error *err)
{
    bt->texts = calloc(n, sizeof(*bt->texts));
    bt->lens = calloc(n, sizeof(*bt->lens));
    bt->tokens = calloc(n, sizeof(*bt->tokens));
    bt->ends = calloc(n, sizeof(*bt->ends));
    bt->order = calloc(n, sizeof(*bt->order));
    bt->sel_texts = calloc(n, sizeof(*bt->sel_texts));
    bt->sel_lens = calloc(n, sizeof(*bt->sel_lens));
    bt->sel_rows = calloc(n, sizeof(*bt->sel_rows));
    bt->work.truncated = calloc(n, sizeof(*bt->work.truncated));
    if (!bt->texts || !bt->lens || !bt->tokens || !bt->ends || !bt->order || !bt->sel_texts || !bt->sel_lens ||
        !bt->sel_rows || !bt->work.truncated)
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    return PGAI_OK;
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
    if (!x->cols) { /* the columns, and the stages built from them, once per executor */
        if ((rc = catalog_source_columns(x->conn, v, &x->cols, &x->ncols, err)) != PGAI_OK) return rc;
        load_config lc = {.max_document_bytes = a->max_document_bytes};
        if ((rc = loader_new(v, x->cols, x->ncols, &lc, &x->loader, err)) != PGAI_OK) return rc;
        if ((rc = parser_new(v, &x->parser, err)) != PGAI_OK) return rc;
    }
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
    loader_free(x->loader);
    parser_free(x->parser);
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

/* ---- claim ---------------------------------------------------------------- */

/* BEGIN (with the source table's lock) and, for a tenant's tables, the check
 * that none of the owner's code can run; rolled back when either fails. */
static int begin_batch(executor *x, pgai_error *err)
{
    /* The source table is locked before the queue, in the order TRUNCATE's
     * trigger takes them: the claim alone would lock the queue first and deadlock. */
    int rc = db_exec(x->conn, x->begin_sql, err);
    if (rc == PGAI_OK && x->trust.checked) rc = trust_check_batch(x->conn, x->v, &x->trust, err);
    if (rc != PGAI_OK) {
        pgai_error ignored;
        if (db_exec(x->conn, "rollback", &ignored) != PGAI_OK) { /* closing rolls back */ }
    }
    return rc;
}

/* Claims the batch's items and notes which of them still have a source row. */
static int claim_batch(executor *x, batch *bt, pgai_error *err)
{
    int rc = queue_claim(x->conn, x->claim_sql, x->v, x->cols, x->ncols, x->a.max_document_bytes, &bt->claim, err);
    if (rc != PGAI_OK) return rc;
    int n = queue_batch_count(bt->claim);
    log_debug(x->a.lg, "Items pulled from queue", "count=%d vectorizer_id=%d", n, x->v->id);
    if ((rc = batch_alloc_items(bt, err)) != PGAI_OK) return rc;
    for (int i = 0; i < n; i++)
        if (queue_item_present(bt->claim, i)) bt->present[bt->npresent++] = i;
    return PGAI_OK;
}

/*
 * The old chunks' DELETE runs while we chunk and wait for the provider. Not
 * when the claim could not lock the source rows: a DELETE of a source row
 * would then wait, in its trigger, for our locks on those chunks and miss the
 * ones we write; deferred to just before the first write, the trigger does
 * not wait and its commit is seen by store_delete_gone.
 */
static int start_old_delete(executor *x, batch *bt, pgai_error *err)
{
    if (x->v->destination.kind != DESTINATION_TABLE) return PGAI_OK;
    if (!x->trust.may_lock_source) {
        bt->old_chunks = OLD_DELETE_DEFERRED;
        return PGAI_OK;
    }
    int sent = 0;
    int rc = store_delete_old(x->conn, x->v, bt->claim, bt->present, bt->npresent, &sent, err);
    if (sent) bt->old_chunks = OLD_DELETE_SENT;
    return rc;
}

/*
 * Finishes the batch's DELETE of old chunks: collects the one running since
 * the claim, or runs the deferred one. Called before anything else is sent
 * on the connection (the first write, or the end of the batch).
 */
static int finish_old_delete(executor *x, batch *bt, pgai_error *err)
{
    old_delete state = bt->old_chunks;
    bt->old_chunks = OLD_DELETE_DONE;
    if (state == OLD_DELETE_DEFERRED)
        return store_delete_old(x->conn, x->v, bt->claim, bt->present, bt->npresent, NULL, err);
    if (state == OLD_DELETE_SENT) return db_finish(x->conn, err);
    return PGAI_OK;
}

/* ---- load, parse, chunk, format --------------------------------------------- */

/* Renders each chunk of an item through the template (or takes it as it is)
 * into the batch's chunk texts. A template that cannot render (an unknown
 * $name) fails for every row alike: it is the vectorizer's config that is
 * wrong, so the batch fails and no item is charged. */
static int format_chunks(executor *x, batch *bt, int item, const chunk_list *chunks, pgai_error *err)
{
    const queue_batch *b = bt->claim;
    batch_work *w = &bt->work;
    format_value values[1024];
    size_t nvalues = x->ncols < 1023 ? x->ncols : 1023;
    char retries[16];
    for (size_t i = 0; i < nvalues; i++)
        values[i] = (format_value){x->cols[i].name, x->cols[i].type_oid, x->cols[i].elem_oid,
                                   queue_item_text(b, item, i, NULL)};
    if (x->a.info->has_loading_retries) {
        snprintf(retries, sizeof(retries), "%d", queue_item_retries(b, item));
        values[nvalues++] = (format_value){"loading_retries", 23, 0, retries};
    }
    char msg[512];
    for (size_t i = 0; i < chunks->count; i++) {
        size_t start = w->text.len;
        if (x->tmpl) {
            if (format_render(x->tmpl, chunks->items[i], chunks->lens[i], values, nvalues, &w->text, msg, sizeof(msg)) !=
                0)
                return error_set(err, PGAI_E_INVALID, "formatting failed: %s", msg);
        } else if (buf_append(&w->text, chunks->items[i], chunks->lens[i]) != 0) {
            return error_set_buf(err, &w->text, "the batch's chunk text");
        }
        if (work_add(w, item, (int)i, start, w->text.len - start) != 0)
            return error_set(err, PGAI_E_NOMEM, "out of memory");
    }
    return PGAI_OK;
}

/* Splits an item's text and formats its chunks; a text the splitter refuses fails only its item. */
static int chunk_and_format(executor *x, batch *bt, int item, const parse_text *text, pgai_error *err)
{
    char msg[512];
    chunk_list chunks = {0};
    if (chunker_split(x->chunker, text->data, text->len, x->a.max_chunks_per_item, &chunks, msg, sizeof(msg)) != 0) {
        item_fail_at(&bt->items[item], STEP_CHUNKING, msg);
        return PGAI_OK;
    }
    int rc = format_chunks(x, bt, item, &chunks, err);
    chunk_list_free(&chunks);
    return rc;
}

/* Load -> parse -> chunk -> format for one item, appending its chunks to the
 * batch. A bad document fails only its own item; a template that cannot
 * render or running out of memory fails the batch. */
static int prepare_item(executor *x, batch *bt, int item, pgai_error *err)
{
    item_state *it = &bt->items[item];
    char why[sizeof(it->reason)];
    load_document doc;
    int rc = loader_load(x->loader, bt->claim, item, &doc, why, sizeof(why), err);
    if (rc == LOAD_ITEM_FAILED) {
        item_fail_at(it, STEP_LOADING, why);
        rc = PGAI_OK;
    } else if (rc == PGAI_OK && doc.len > 0) { /* an empty document (NULL loads as "") has nothing to embed */
        parse_text text;
        rc = parser_parse(x->parser, &doc, &text, why, sizeof(why), err);
        if (rc == PARSE_ITEM_FAILED) {
            item_fail_at(it, STEP_PARSING, why);
            rc = PGAI_OK;
        } else if (rc == PGAI_OK && text.len > 0) {
            rc = chunk_and_format(x, bt, item, &text, err);
        }
        parse_text_free(&text);
    }
    load_document_free(&doc);
    return rc;
}

/* ---- embed and store ---------------------------------------------------------- */

typedef struct embed_job {
    executor *x;
    batch *bt;
    batch_work *w;
    item_state *items;
    const char **texts;
    size_t *lens;
    float *vec;     /* room for the largest group */
    int dim;
    embed_error *eerr;
    pgai_error *err;
    size_t ok_rows, bad_rows;
} embed_job;

/*
 * Embeds and writes rows[idx[0..n)]. When the provider rejects the request
 * as invalid input, the rows are halved and retried until the offending rows
 * are alone: only their items fail, the rest is written. Any other error
 * fails the batch. Costs O(bad * log n) extra requests, nothing when all is well.
 * idx is compacted in place (rows of failed items leave it), which touches
 * only idx[0..n): the halves of a split are disjoint.
 */
static int embed_rows(embed_job *j, size_t *idx, size_t n)
{
    executor *x = j->x;
    batch *bt = j->bt;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) /* rows of items that already failed are not sent */
        if (!item_failed(&j->items[j->w->rows[idx[k]].item])) idx[m++] = idx[k];
    if (m == 0) return PGAI_OK;
    for (size_t k = 0; k < m; k++) {
        bt->sel_texts[k] = j->texts[idx[k]];
        bt->sel_lens[k] = j->lens[idx[k]];
        bt->sel_rows[k] = j->w->rows[idx[k]];
    }
    log_debug(x->a.lg, "embedding request", "inputs=%zu vectorizer_id=%d", m, x->v->id);
    int rc = PGAI_OK;
    if (embedder_embed(x->emb, bt->sel_texts, bt->sel_lens, m, j->vec, j->eerr) == 0) {
        rc = finish_old_delete(x, bt, j->err);
        if (rc == PGAI_OK)
            rc = store_write(x->conn, x->v, bt->claim, bt->sel_rows, m, j->vec, j->dim, &x->scratch, j->err);
        for (size_t k = 0; k < m && rc == PGAI_OK; k++) item_wrote(&j->items[j->w->rows[idx[k]].item]);
        j->ok_rows += m;
    } else if (j->eerr->kind != EMBED_ERR_INPUT || !x->a.info->has_loading_retries) {
        rc = error_set(j->err, PGAI_E_PROVIDER, "%s", j->eerr->message);
    } else if (m == 1) {
        item_fail_at(&j->items[j->w->rows[idx[0]].item], STEP_EMBEDDING, j->eerr->message);
        j->bad_rows++;
    } else {
        rc = embed_rows(j, idx, m / 2);
        if (rc == PGAI_OK) rc = embed_rows(j, idx + m / 2, m - m / 2);
    }
    return rc;
}

/* Embeds the rows group by group, writing each group as soon as its vectors arrive. */
static int embed_and_store(executor *x, batch *bt, embed_error *eerr, pgai_error *err)
{
    batch_work *w = &bt->work;
    item_state *items = bt->items;
    size_t n = w->nrows;
    if (n == 0) return PGAI_OK;
    for (size_t i = 0; i < n; i++) w->rows[i].chunk = w->text.data + w->offsets[i];

    int rc = batch_alloc_rows(bt, n, err);
    if (rc != PGAI_OK) return rc;
    embed_job j = {.x = x, .bt = bt, .w = w, .items = items, .texts = bt->texts, .lens = bt->lens, .eerr = eerr,
                   .err = err, .dim = embedder_dimensions(x->emb)};
    double *tokens = bt->tokens;
    size_t *ends = bt->ends, *all = bt->order;
    for (size_t i = 0; i < n; i++) {
        all[i] = i;
        /* The stored chunk keeps its full text; only the request may be cut (OpenAI, as pgai). */
        if (embedder_prepare_input(x->emb, w->rows[i].chunk, w->rows[i].chunk_len, &j.texts[i], &j.lens[i],
                                   &w->truncated[i], eerr) != 0) {
            if (eerr->kind != EMBED_ERR_INPUT || !x->a.info->has_loading_retries)
                return error_set(err, PGAI_E_INVALID, "%s", eerr->message);
            item_fail_at(&items[w->rows[i].item], STEP_EMBEDDING, eerr->message);
            continue;
        }
        tokens[i] = embedder_token_estimate(x->emb, j.lens[i]);
    }

    char msg[256];
    long ngroups = embed_plan(tokens, n, embedder_max_inputs(x->emb), embedder_max_tokens(x->emb), ends, msg,
                              sizeof(msg));
    if (ngroups < 0) return error_set(err, PGAI_E_INVALID, "%s", msg);
    size_t largest = 0, start = 0;
    for (long g = 0; g < ngroups; g++) largest = ends[g] - start > largest ? ends[g] - start : largest, start = ends[g];
    j.vec = bt->vec = malloc(largest * (size_t)j.dim * sizeof(float));
    if (!j.vec) return error_set(err, PGAI_E_NOMEM, "out of memory");
    start = 0;
    for (long g = 0; g < ngroups && rc == PGAI_OK; g++) {
        size_t ok_before = j.ok_rows, bad_before = j.bad_rows;
        rc = embed_rows(&j, all + start, ends[g] - start);
        /* Every row of a request rejected one by one: the request itself is wrong
         * (a config problem such as unsupported dimensions), not the texts. */
        if (rc == PGAI_OK && j.ok_rows == ok_before && j.bad_rows - bad_before > 1)
            rc = error_set(err, PGAI_E_PROVIDER, "%s", eerr->message);
        start = ends[g];
    }
    return rc;
}

/* ---- track: charging failed items ---------------------------------------------- */

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
                const char *text = queue_item_text(b, item, c, NULL);
                json_object_set_new(pk, x->v->pk[p].name, text ? json_string(text) : json_null());
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
    const char *step = item_step_name(it->step);
    int r = queue_item_retries(b, item);
    int retryable = r < v->loading.retries;
    int rc;
    if (retryable)
        rc = queue_requeue(x->conn, v, b, item, r + 1, x->a.retry_delay_s * (r + 1), err);
    else
        rc = queue_move_to_failed(x->conn, v, b, item, it->step, err);
    if (rc != PGAI_OK) return rc;

    json_t *pk = item_pk_json(x, b, item);
    json_t *d = json_pack("{s:s, s:s, s:b, s:o}", "step", step, "error_reason", it->reason, "is_retryable",
                          retryable, "pk", pk);
    if (d && it->step == STEP_LOADING) json_object_set_new(d, "loader", json_string(loader_name(x->loader)));
    char *details = d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *pktext = pk ? json_dumps(pk, JSON_COMPACT) : NULL;
    char message[64];
    snprintf(message, sizeof(message), "%s failed", step);
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

/* Failed items: no half-written documents, then each one is charged an attempt. */
static int charge_failed_items(executor *x, batch *bt, pgai_error *err)
{
    size_t nundo = 0;
    for (size_t k = 0; k < bt->npresent; k++)
        if (bt->items[bt->present[k]].fate == ITEM_FAILED_UNDO) bt->undo[nundo++] = bt->present[k];
    int rc = PGAI_OK;
    if (nundo && x->v->destination.kind == DESTINATION_TABLE &&
        (rc = store_delete_old(x->conn, x->v, bt->claim, bt->undo, nundo, NULL, err)) != PGAI_OK)
        return rc;
    for (size_t k = 0; k < bt->npresent; k++) {
        const item_state *it = &bt->items[bt->present[k]];
        if (!item_failed(it)) continue;
        /* an old install: no retry columns, fail the batch as pgai */
        if (!x->a.info->has_loading_retries) return error_set(err, PGAI_E_INVALID, "%s", it->reason);
        if ((rc = charge_item(x, bt->claim, bt->present[k], it, err)) != PGAI_OK) return rc;
    }
    return PGAI_OK;
}

/* ---- one batch ----------------------------------------------------------------------- */

/*
 * One batch, in one transaction: claim -> load -> parse -> chunk -> format ->
 * embed -> store -> track (charge failed items) -> commit. Returns PGAI_OK
 * with *claimed = number of queue keys claimed (0: queue empty); on an error
 * the transaction is rolled back and *provider_failed says whether the
 * provider was the cause.
 */
static int run_batch(executor *x, long *processed, int *claimed, int *provider_failed, pgai_error *err)
{
    *claimed = 0;
    *provider_failed = 0;
    int rc = begin_batch(x, err);
    if (rc != PGAI_OK) return rc;
    batch bt;
    batch_init(&bt);
    embed_error eerr = {0};
    rc = claim_batch(x, &bt, err);
    if (rc == PGAI_OK) {
        *claimed = queue_batch_count(bt.claim);
        rc = start_old_delete(x, &bt, err);
    }
    for (size_t k = 0; k < bt.npresent && rc == PGAI_OK; k++) rc = prepare_item(x, &bt, bt.present[k], err);
    if (rc == PGAI_OK) {
        log_debug(x->a.lg, "Chunks produced", "count=%zu vectorizer_id=%d", bt.work.nrows, x->v->id);
        rc = embed_and_store(x, &bt, &eerr, err);
        *provider_failed = rc != PGAI_OK && eerr.kind != EMBED_ERR_NONE;
    }
    if (rc == PGAI_OK) rc = finish_old_delete(x, &bt, err); /* when no row was written */
    if (rc == PGAI_OK) rc = charge_failed_items(x, &bt, err);
    /* Without row locks a DELETE could have committed meanwhile; its trigger
     * missed the chunks we wrote. (One still open now is the window that only
     * the lock closes: docs/design.md.) */
    if (rc == PGAI_OK && !x->trust.may_lock_source && x->v->destination.kind == DESTINATION_TABLE)
        rc = store_delete_gone(x->conn, x->v, bt.claim, bt.present, bt.npresent, err);
    if (rc == PGAI_OK) rc = db_exec(x->conn, "commit", err);
    if (rc == PGAI_OK) {
        *processed = (long)bt.npresent;
    } else {
        /* the rollback also discards the result of a DELETE still in flight */
        pgai_error ignored;
        if (db_exec(x->conn, "rollback", &ignored) != PGAI_OK) { /* a broken connection rolls back by itself */ }
    }
    batch_free(&bt);
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
