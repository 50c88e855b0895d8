/*
 * openai: the OpenAI embeddings API (and OpenAI-compatible servers through
 * base_url). POST {base}/embeddings; we ask for base64 vectors (a quarter of
 * the bytes of float text and no float parsing) and accept floats from
 * servers that ignore encoding_format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/provider.h"

#define OPENAI_DEFAULT_BASE "https://api.openai.com/v1"
#define OPENAI_MAX_INPUTS 2048
#define OPENAI_MAX_TOKENS 300000.0 /* per request, estimated as OpenAI's server does */
#define OPENAI_TOKENS_PER_BYTE 0.25

static int openai_init(embedder *e, embed_error *err)
{
    embed_trim_url(e->base, sizeof(e->base), embed_base_url(e, "OPENAI_BASE_URL", OPENAI_DEFAULT_BASE));
    snprintf(e->url, sizeof(e->url), "%s/embeddings", e->base);
    if (embed_check_url(e, e->url, err) != 0) return -1;
    e->max_inputs = OPENAI_MAX_INPUTS;
    e->max_tokens = OPENAI_MAX_TOKENS;
    e->tokens_per_byte = OPENAI_TOKENS_PER_BYTE;
    const char *model = e->v->embedding.model;
    if (strcmp(model, "text-embedding-ada-002") == 0) {
        if (e->dimensions && e->dimensions != 1536)
            return embed_set_error(err, EMBED_ERR_CONFIG, 0, "dimensions must be 1536 for text-embedding-ada-002");
        e->dimensions = 1536;
    } else if (!e->dimensions) {
        if (strcmp(model, "text-embedding-3-small") == 0) e->dimensions = 1536;
        else if (strcmp(model, "text-embedding-3-large") == 0) e->dimensions = 3072;
        else
            return embed_set_error(err, EMBED_ERR_CONFIG, 0,
                                   "embedding.dimensions is required for the model %s", model);
    }
    return 0;
}

/* OpenAI reports what went wrong in {"error": {"message", "type", "code"}}. */
static int openai_http_error(const http_response *resp, embed_error *err)
{
    long st = resp->status;
    embed_error_kind kind = st == 400 || st == 422 ? EMBED_ERR_INPUT
                            : st == 429            ? EMBED_ERR_RATE
                            : st >= 500 || st == 408 || st == 409 ? EMBED_ERR_UNAVAILABLE
                                                                   : EMBED_ERR_CONFIG;
    /* pgai surfaces the SDK's "Error code: <status> - <body>": JSON compacted, other text cut to one line */
    json_t *doc = resp->body.len ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
    char *compact = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char excerpt[320];
    const char *body = compact ? compact : embed_body_excerpt(resp, excerpt, sizeof(excerpt));
    if (*body)
        embed_set_error(err, kind, st, "Error code: %ld - %.900s", st, body);
    else
        embed_set_error(err, kind, st, "Error code: %ld", st);
    free(compact);
    json_decref(doc);
    return -1;
}

static int openai_embed(embedder *e, const char *const *texts, const size_t *lens, size_t n, float *out,
                        embed_error *err)
{
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
    if (strcmp(e->v->embedding.model, "text-embedding-ada-002") != 0 && e->v->embedding.dimensions) {
        char dims[24];
        snprintf(dims, sizeof(dims), "%d", e->v->embedding.dimensions);
        embed_request_key(e, "dimensions");
        embed_request_raw(e, dims);
    }
    embed_request_key(e, "encoding_format");
    embed_request_string(e, "base64");
    if (embed_request_end(e, err) != 0) return -1;

    char auth[1200] = "", org[300] = "", proj[300] = "";
    const char *headers[6];
    int h = 0;
    headers[h++] = "Content-Type: application/json";
    headers[h++] = "Accept: application/json";
    if (e->api_key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", e->api_key);
        headers[h++] = auth;
    }
    const char *v;
    if ((v = env_get(e->env.environment, "OPENAI_ORG_ID")) && *v) {
        snprintf(org, sizeof(org), "OpenAI-Organization: %s", v);
        headers[h++] = org;
    }
    if ((v = env_get(e->env.environment, "OPENAI_PROJECT_ID")) && *v) {
        snprintf(proj, sizeof(proj), "OpenAI-Project: %s", v);
        headers[h++] = proj;
    }
    headers[h] = NULL;

    int rc = embed_post(e, e->url, headers, err);
    memset(auth, 0, sizeof(auth));
    if (rc == 0) {
        if (e->resp.status / 100 != 2)
            rc = openai_http_error(&e->resp, err);
        else
            rc = embed_parse_vectors(e, &e->resp, 0, n, out, err);
    }
    return rc;
}

const provider_ops openai_provider = {"openai", openai_init, NULL, openai_embed};
