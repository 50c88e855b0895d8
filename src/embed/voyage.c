/*
 * voyage: the Voyage AI embeddings API. Its tokenizers are not available
 * here, so request sizing estimates tokens from bytes (a quarter token per
 * byte, the estimate OpenAI's server uses) against Voyage's per-model limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/provider.h"

#define VOYAGE_DEFAULT_BASE "https://api.voyageai.com/v1"

typedef struct voyage_state {
    const char *input_type; /* the configuration's, or "query" for search texts; NULL: null */
} voyage_state;

static const vectors_shape voyage_vectors = {
    .path = {"data"}, .vector_key = "embedding", .index_key = "index", .base64 = 1};

static int voyage_init(embedder *e, embed_error *err)
{
    /* VOYAGE_BASE_URL is ours: lets tests and proxies redirect it */
    embed_trim_url(e->base, sizeof(e->base), embed_base_url(e, "VOYAGE_BASE_URL", VOYAGE_DEFAULT_BASE));
    snprintf(e->url, sizeof(e->url), "%s/embeddings", e->base);
    if (embed_check_url(e, e->url, err) != 0) return -1;
    const char *m = e->v->embedding.model;
    e->max_inputs = 128;
    e->max_tokens = (!strcmp(m, "voyage-3.5-lite") || !strcmp(m, "voyage-3-lite"))                  ? 1000000
                    : (!strcmp(m, "voyage-3.5") || !strcmp(m, "voyage-3") || !strcmp(m, "voyage-2")) ? 320000
                                                                                                      : 120000;
    e->tokens_per_byte = 0.25;
    if (e->v->embedding.output_dimension) e->dimensions = e->v->embedding.output_dimension;
    if (!e->dimensions) return embed_set_error(err, EMBED_ERR_CONFIG, 0, "embedding.dimensions is required");
    voyage_state *st = calloc(1, sizeof(*st));
    if (!st) return embed_set_error(err, EMBED_ERR_CONFIG, 0, "out of memory");
    st->input_type = e->v->embedding.input_type;
    e->priv = st;
    return 0;
}

/* Voyage embeds a search query differently from the documents it is matched against. */
static void voyage_as_query(embedder *e)
{
    voyage_state *st = e->priv;
    st->input_type = "query";
}

static int voyage_build_request(embedder *e, const char *const *texts, const size_t *lens, size_t n,
                                embed_error *err)
{
    const voyage_state *st = e->priv;
    embed_request_begin(e);
    embed_request_key(e, "input");
    if (embed_request_texts(e, texts, lens, n, err) != 0) return -1;
    embed_request_key(e, "model");
    embed_request_string(e, e->v->embedding.model);
    embed_request_key(e, "input_type");
    if (st->input_type)
        embed_request_string(e, st->input_type);
    else
        embed_request_raw(e, "null");
    embed_request_key(e, "truncation");
    embed_request_raw(e, "true");
    embed_request_key(e, "encoding_format");
    embed_request_string(e, "base64");
    if (e->v->embedding.output_dimension) {
        char dims[24];
        snprintf(dims, sizeof(dims), "%d", e->v->embedding.output_dimension);
        embed_request_key(e, "output_dimension");
        embed_request_raw(e, dims);
    }
    if (e->v->embedding.output_dtype) {
        embed_request_key(e, "output_dtype");
        embed_request_string(e, e->v->embedding.output_dtype);
    }
    return embed_request_end(e, err);
}

/* Voyage errors are {"detail": "..."}; 500 and 502-504 get the SDK's fixed texts. */
static void voyage_error_message(embedder *e, const http_response *resp, embed_error *err)
{
    if (resp->failure != HTTP_OK) return; /* curl's text says it */
    long st = resp->status;
    if (st == 500) {
        embed_error_message(err, "The server failed to process the request.");
        return;
    }
    if (st == 502 || st == 503 || st == 504) {
        embed_error_message(err, "The server is overloaded or not ready yet.");
        return;
    }
    json_t *doc = resp->body.len ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
    const char *detail = doc ? json_string_value(json_object_get(doc, "detail")) : NULL;
    char excerpt[320];
    if (detail)
        embed_error_message(err, "%.900s", detail);
    else
        embed_error_message(err, "HTTP code %ld from API (%s)", st, embed_body_excerpt(resp, excerpt, sizeof(excerpt)));
    json_decref(doc);
}

const provider_ops voyage_provider = {
    .name = "voyageai",
    .vectors = &voyage_vectors,
    .init = voyage_init,
    .as_query = voyage_as_query,
    .build_request = voyage_build_request,
    .auth = embed_auth_bearer,
    .error_message = voyage_error_message,
    .free_priv = free,
};
