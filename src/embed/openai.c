/*
 * openai: the OpenAI embeddings API (and OpenAI-compatible servers through
 * base_url). POST {base}/embeddings; we ask for base64 vectors (a quarter of
 * the bytes of float text and no float parsing) and accept floats from
 * servers that ignore encoding_format.
 *
 * Inputs over the model's context are cut to it with our cl100k tokenizer
 * before requests are sized, as pgai does with tiktoken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/provider.h"
#include "embed/tokenizer.h"

#define OPENAI_DEFAULT_BASE "https://api.openai.com/v1"
#define OPENAI_MAX_INPUTS 2048
#define OPENAI_MAX_TOKENS 300000.0 /* per request, estimated as OpenAI's server does */
#define OPENAI_TOKENS_PER_BYTE 0.25

/* The models pgai knows: their default dimensions and their context, the
 * length inputs are truncated to. Other models are sent as they are, with
 * the dimensions the vectorizer gives. */
static const struct openai_model {
    const char *name;
    int dimensions;       /* the default, and for a model that cannot change it the only one */
    int fixed_dimensions; /* "dimensions" cannot be asked for (and is not sent) */
    size_t max_input_tokens;
} models[] = {
    {"text-embedding-ada-002", 1536, 1, 8191},
    {"text-embedding-3-small", 1536, 0, 8191},
    {"text-embedding-3-large", 3072, 0, 8191},
};

typedef struct openai_state {
    const struct openai_model *model; /* NULL: a model we know nothing of */
    const bpe_tokenizer *bpe;         /* loaded on the first text that may need it */
    char *organization, *project;     /* OPENAI_ORG_ID, OPENAI_PROJECT_ID; NULL when unset */
} openai_state;

static const vectors_shape openai_vectors = {
    .path = {"data"}, .vector_key = "embedding", .index_key = "index", .base64 = 1};

static void openai_free(void *priv)
{
    openai_state *st = priv;
    free(st->organization);
    free(st->project);
    free(st);
}

/* An environment setting, copied: "" counts as unset. */
static int env_copy(const embedder *e, const char *name, char **out, embed_error *err)
{
    const char *v = env_get(e->env.environment, name);
    if (!v || !*v) return 0;
    if (!(*out = strdup(v))) return embed_set_error(err, EMBED_ERR_CONFIG, 0, "out of memory");
    return 0;
}

static int openai_init(embedder *e, embed_error *err)
{
    embed_trim_url(e->base, sizeof(e->base), embed_base_url(e, "OPENAI_BASE_URL", OPENAI_DEFAULT_BASE));
    snprintf(e->url, sizeof(e->url), "%s/embeddings", e->base);
    if (embed_check_url(e, e->url, err) != 0) return -1;
    e->max_inputs = OPENAI_MAX_INPUTS;
    e->max_tokens = OPENAI_MAX_TOKENS;
    e->tokens_per_byte = OPENAI_TOKENS_PER_BYTE;
    openai_state *st = calloc(1, sizeof(*st));
    if (!st) return embed_set_error(err, EMBED_ERR_CONFIG, 0, "out of memory");
    e->priv = st;
    const char *model = e->v->embedding.model;
    for (size_t i = 0; i < sizeof(models) / sizeof(*models); i++)
        if (strcmp(model, models[i].name) == 0) st->model = &models[i];
    if (st->model && st->model->fixed_dimensions) {
        if (e->dimensions && e->dimensions != st->model->dimensions)
            return embed_set_error(err, EMBED_ERR_CONFIG, 0, "dimensions must be %d for %s", st->model->dimensions,
                                   model);
        e->dimensions = st->model->dimensions;
    } else if (!e->dimensions) {
        if (!st->model)
            return embed_set_error(err, EMBED_ERR_CONFIG, 0, "embedding.dimensions is required for the model %s",
                                   model);
        e->dimensions = st->model->dimensions;
    }
    /* read once: the environment is fixed for the embedder's life */
    if (env_copy(e, "OPENAI_ORG_ID", &st->organization, err) != 0 ||
        env_copy(e, "OPENAI_PROJECT_ID", &st->project, err) != 0)
        return -1;
    if (!st->model) log_warn(e->env.lg, "Tokenizer for the model not found.", "model=%s", model);
    return 0;
}

/*
 * Whether the tokenizer must look at a text: a cl100k token is at least one
 * byte, so a text of at most max_tokens bytes cannot be too long, and only a
 * text containing "<|" can hold a special token (which pgai's tiktoken
 * refuses). Skipping the rest saves most of the worker's CPU on ordinary
 * chunks.
 */
static int may_need_tokenizer(const char *text, size_t len, size_t max_tokens)
{
    if (len > max_tokens) return 1;
    for (const char *p = text, *end = text + len; (p = memchr(p, '<', (size_t)(end - p))) != NULL; p++)
        if (p + 1 < end && p[1] == '|') return 1;
    return 0;
}

static int openai_prepare_input(embedder *e, const char *text, size_t len, const char **sent, size_t *sent_len,
                                char **owned, embed_error *err)
{
    openai_state *st = e->priv;
    if (!st->model) return 0; /* no tokenizer for it: sent whole, as pgai does */
    size_t max_tokens = st->model->max_input_tokens;
    if (!may_need_tokenizer(text, len, max_tokens)) return 0;
    char msg[256];
    if (!st->bpe && !(st->bpe = bpe_cl100k(msg, sizeof(msg))))
        return embed_set_error(err, EMBED_ERR_CONFIG, 0, "%s", msg);
    char *cut = NULL;
    size_t cut_len = 0, orig = 0;
    /* pgai fails the request the same way (tiktoken refuses special tokens) */
    if (bpe_truncate(st->bpe, text, len, max_tokens, &cut, &cut_len, &orig, msg, sizeof(msg)) != 0)
        return embed_set_error(err, EMBED_ERR_INPUT, 0, "%s", msg);
    if (cut) {
        log_warn(e->env.lg, "chunk truncated", "from=%zu to=%zu vectorizer_id=%d", orig, max_tokens, e->v->id);
        *sent = *owned = cut;
        *sent_len = cut_len;
    }
    return 0;
}

static int openai_build_request(embedder *e, const char *const *texts, const size_t *lens, size_t n,
                                embed_error *err)
{
    const openai_state *st = e->priv;
    /* written straight into the reused buffer, members in the OpenAI SDK's order */
    embed_request_begin(e);
    embed_request_key(e, "input");
    if (embed_request_texts(e, texts, lens, n, err) != 0) return -1;
    embed_request_key(e, "model");
    embed_request_string(e, e->v->embedding.model);
    if (e->v->embedding.user) {
        embed_request_key(e, "user");
        embed_request_string(e, e->v->embedding.user);
    }
    if (!(st->model && st->model->fixed_dimensions) && e->v->embedding.dimensions) {
        char dims[24];
        snprintf(dims, sizeof(dims), "%d", e->v->embedding.dimensions);
        embed_request_key(e, "dimensions");
        embed_request_raw(e, dims);
    }
    embed_request_key(e, "encoding_format");
    embed_request_string(e, "base64");
    return embed_request_end(e, err);
}

/* The key, and the organization and project the usage is billed to. */
static int openai_auth(embedder *e, const char *url, embed_headers *h, embed_error *err)
{
    const openai_state *st = e->priv;
    embed_auth_bearer(e, url, h, err);
    if (st->organization) embed_header_add(h, "OpenAI-Organization: %s", st->organization);
    if (st->project) embed_header_add(h, "OpenAI-Project: %s", st->project);
    return 0;
}

/* OpenAI reports what went wrong in {"error": {"message", "type", "code"}};
 * pgai surfaces the SDK's "Error code: <status> - <body>": JSON compacted,
 * other text cut to one line. */
static void openai_error_message(embedder *e, const http_response *resp, embed_error *err)
{
    if (resp->failure != HTTP_OK) return; /* curl's text says it */
    long st = resp->status;
    json_t *doc = resp->body.len ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
    char *compact = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char excerpt[320];
    const char *body = compact ? compact : embed_body_excerpt(resp, excerpt, sizeof(excerpt));
    if (*body)
        embed_error_message(err, "Error code: %ld - %.900s", st, body);
    else
        embed_error_message(err, "Error code: %ld", st);
    free(compact);
    json_decref(doc);
}

const provider_ops openai_provider = {
    .name = "openai",
    .vectors = &openai_vectors,
    .init = openai_init,
    .prepare_input = openai_prepare_input,
    .build_request = openai_build_request,
    .auth = openai_auth,
    .error_message = openai_error_message,
    .free_priv = openai_free,
};
