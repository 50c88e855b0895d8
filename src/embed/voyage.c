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
    return 0;
}

/* Voyage errors are {"detail": "..."}; 5xx get the SDK's fixed texts. */
static int voyage_http_error(const http_response *resp, embed_error *err)
{
    long st = resp->status;
    if (st == 500) return embed_set_error(err, EMBED_ERR_UNAVAILABLE, st, "The server failed to process the request.");
    if (st == 502 || st == 503 || st == 504)
        return embed_set_error(err, EMBED_ERR_UNAVAILABLE, st, "The server is overloaded or not ready yet.");
    embed_error_kind kind = st == 400 ? EMBED_ERR_INPUT : st == 429 ? EMBED_ERR_RATE : st >= 500 ? EMBED_ERR_UNAVAILABLE
                                                                                                : EMBED_ERR_CONFIG;
    json_t *doc = resp->body.len ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
    const char *detail = doc ? json_string_value(json_object_get(doc, "detail")) : NULL;
    char excerpt[320];
    if (detail)
        embed_set_error(err, kind, st, "%.900s", detail);
    else
        embed_set_error(err, kind, st, "HTTP code %ld from API (%s)", st, embed_body_excerpt(resp, excerpt, sizeof(excerpt)));
    json_decref(doc);
    return -1;
}

static int voyage_embed(embedder *e, const char *const *texts, const size_t *lens, size_t n, float *out,
                        embed_error *err)
{
    const char *input_type = e->v->embedding.input_type;
    embed_request_begin(e);
    embed_request_key(e, "input");
    if (embed_request_texts(e, texts, lens, n, err) != 0) return -1;
    embed_request_key(e, "model");
    embed_request_string(e, e->v->embedding.model);
    embed_request_key(e, "input_type");
    if (input_type)
        embed_request_string(e, input_type);
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
    if (embed_request_end(e, err) != 0) return -1;
    char auth[1200] = "";
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    if (e->api_key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", e->api_key);
        headers[1] = auth;
    }
    int rc = embed_post(e, e->url, headers, err);
    memset(auth, 0, sizeof(auth));
    if (rc == 0)
        rc = e->resp.status / 100 != 2 ? voyage_http_error(&e->resp, err) : embed_parse_vectors(e, &e->resp, 0, n, out, err);
    return rc;
}

const provider_ops voyage_provider = {"voyageai", voyage_init, NULL, voyage_embed};
