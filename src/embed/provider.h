/*
 * provider: what a provider file (openai.c, ollama.c, voyage.c) implements
 * and what embed.c lends it. Not part of the embed interface.
 *
 * A provider is one file defining a provider_ops row, plus one line in the
 * table of providers.c. embed.c's driver does the rest, the same way for
 * every provider: for each request it calls build_request (the body into
 * e->request), sends it with the common headers and the auth hook's
 * (embed_send: retries and back-off included), classifies a failed status
 * once for all providers (embed_status_kind), has error_message word it, and
 * reads the vectors with the row's vectors_shape (or read_response).
 * docs/design.md, "Adding a provider", walks through it.
 */
#ifndef PGAI_PROVIDER_H
#define PGAI_PROVIDER_H

#include <jansson.h>

#include "embed/embed.h"
#include "embed/vectors.h"

/* Request headers, "Name: value" each, added with embed_header_add. Their
 * text holds the credentials, so it is wiped once the request is done. */
#define EMBED_MAX_HEADERS 16
typedef struct embed_headers {
    buf text;                        /* the headers back to back, each NUL-terminated */
    size_t start[EMBED_MAX_HEADERS]; /* where each begins in text */
    size_t n;
    int failed; /* too many, or out of memory: reported once, before sending */
} embed_headers;

typedef struct provider_ops {
    const char *name; /* the embedding.implementation it serves: "openai" */

    /* Where a 2xx response holds the vectors (see vectors.h). */
    const vectors_shape *vectors;

    /* Once per embedder, no network: the endpoint (e->url, e->base through
     * embed_base_url and embed_check_url), the request limits (e->max_inputs,
     * e->max_tokens, e->tokens_per_byte), e->dimensions when the model fixes
     * it, settings read from the environment (env_get on e->env.environment,
     * never getenv), and e->priv. Fails with EMBED_ERR_CONFIG. */
    int (*init)(embedder *e, embed_error *err);

    /* Optional: once before the first batch, may use the network (Ollama
     * checks the model and pulls a missing one). */
    int (*setup)(embedder *e, embed_error *err);

    /* Optional: the texts to come are search queries, not documents
     * (pgai_embed_query). Called after init. */
    void (*as_query)(embedder *e);

    /* Optional: what is sent for one input, before requests are sized. Sets
     * *sent and *sent_len (the text itself, or *owned: a malloc'ed replacement
     * the caller frees). EMBED_ERR_INPUT refuses that input alone; any other
     * kind fails the batch. NULL: every text is sent as it is. */
    int (*prepare_input)(embedder *e, const char *text, size_t len, const char **sent, size_t *sent_len,
                         char **owned, embed_error *err);

    /* Writes the request body for texts[0..n) into e->request, with the
     * embed_request_* helpers. */
    int (*build_request)(embedder *e, const char *const *texts, const size_t *lens, size_t n, embed_error *err);

    /* Optional: adds the headers that carry the credentials (and account
     * scoping) for a request to url, whose body is e->request: a bearer
     * token (embed_auth_bearer), an api-key header, or a signature over the
     * body (SigV4); a hook that needs a token first may fetch one, keeping
     * it in e->priv. NULL: the provider takes no credentials. */
    int (*auth)(embedder *e, const char *url, embed_headers *h, embed_error *err);

    /* Words a failed request's message in the provider's own terms, as its
     * SDK would. err->kind and err->status are set already (for an HTTP
     * status by embed_status_kind, the one classification every provider
     * shares) and must stay; for a transport failure (resp->failure !=
     * HTTP_OK) err->message holds curl's text, which the hook may keep.
     * Not called for a cancellation. */
    void (*error_message)(embedder *e, const http_response *resp, embed_error *err);

    /* Optional: reads n vectors from a 2xx response the vectors_shape cannot
     * describe. NULL: the streaming scanner with vectors. */
    int (*read_response)(embedder *e, const http_response *resp, size_t n, float *out, embed_error *err);

    /* Optional: frees e->priv (called once, when the embedder is freed,
     * also after a failed init). */
    void (*free_priv)(void *priv);
} provider_ops;

struct embedder {
    const provider_ops *ops;
    const vectorizer *v;
    char *api_key;
    embed_env env;
    http_client *http;
    int dimensions;
    size_t max_inputs;
    double max_tokens;
    double tokens_per_byte; /* estimate used for request sizing; 0 = no token budget */
    char url[1280];         /* the embeddings endpoint */
    char base[1024];        /* provider base URL (Ollama: host) */
    char base_source[64];   /* where base came from, for messages: "base URL from OLLAMA_HOST" */
    char sent_url[1280];    /* the last request's URL in this call, "" before one: errors name it */
    void *priv;             /* the provider's own state (ops->free_priv frees it) */
    /* One request body, one header list and one response per embedder,
     * reused by every request: after the first few no allocation is needed. */
    buf request;
    int request_bad; /* a string of the request was not UTF-8: embed_request_end says so */
    embed_headers headers;
    http_response resp;
};

/* The provider serving an embedding.implementation, NULL when this build
 * has none (providers.c). */
const provider_ops *embed_provider_find(const char *implementation);

/* How a final HTTP status is charged, the same for every provider (and what
 * embed_send retries: RATE and UNAVAILABLE): 2xx NONE; 400 and 422 INPUT
 * (that text); 429 RATE; 408, 409 and 5xx UNAVAILABLE; any other CONFIG
 * (401/403 authentication, 404 unknown model or endpoint). */
embed_error_kind embed_status_kind(long status);

int embed_set_error(embed_error *err, embed_error_kind kind, long status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Rewrites err->message, keeping its kind and status (for error_message hooks). */
void embed_error_message(embed_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * POSTs e->request to url with the common headers (JSON in and out) and the
 * auth hook's, retrying transport failures and 408/409/429/5xx with
 * exponential backoff (0.5 s doubling, capped at 8 s, with jitter), or the
 * server's Retry-After when it is at most 60 s. The response is in e->resp.
 * Returns 0 when a response arrived (any status; the last one after
 * retries), -1 on a transport failure after the retries or cancellation
 * (err filled, worded by error_message).
 */
int embed_send(embedder *e, const char *url, embed_error *err);

/* Appends one "Name: value" header; a failure is reported by embed_send. */
void embed_header_add(embed_headers *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The usual auth hook: "Authorization: Bearer <key>" when there is a key. */
int embed_auth_bearer(embedder *e, const char *url, embed_headers *h, embed_error *err);

/* A provider-specific key of the vectorizer's embedding object (borrowed;
 * NULL when absent), for settings config.c does not parse. */
const json_t *embed_config_get(const embedder *e, const char *key);

/* Empties e->request and starts a JSON object in it: `{`. */
void embed_request_begin(embedder *e);
/* Appends `"key":` (after a comma unless it is the object's first member). */
void embed_request_key(embedder *e, const char *key);
/* Appends a JSON string (a C string from the configuration). */
void embed_request_string(embedder *e, const char *s);
/* Appends JSON text as it is: a number, true, false, null, an encoded value. */
void embed_request_raw(embedder *e, const char *json);
/* Appends the texts as a JSON array of strings. Returns -1 with EMBED_ERR_INPUT
 * naming the first text that is not valid UTF-8. */
int embed_request_texts(embedder *e, const char *const *texts, const size_t *lens, size_t n, embed_error *err);
/* Closes the object; -1 with err filled when any append failed (out of memory). */
int embed_request_end(embedder *e, embed_error *err);

/* Copies base into dst without trailing slashes. */
void embed_trim_url(char *dst, size_t n, const char *base);

/*
 * The provider's base URL: the vectorizer's embedding.base_url, else the
 * environment variable env_name, else deflt. Records which in e->base_source,
 * so that an error can say where a wrong URL came from.
 */
const char *embed_base_url(embedder *e, const char *env_name, const char *deflt);

/* 0 when url is http or https; else -1 with EMBED_ERR_CONFIG naming the
 * scheme and where the base URL came from, before any connection. */
int embed_check_url(embedder *e, const char *url, embed_error *err);

/*
 * The first part of an HTTP error body, for a message: up to 300 bytes on
 * one line, "" for none (and for anything but an HTTP response), or
 * "(N bytes of binary data)" for a body that is not UTF-8 text. Returns out.
 */
const char *embed_body_excerpt(const http_response *resp, char *out, size_t n);

#endif
