/*
 * provider: what embed.c shares with the provider files (openai.c,
 * ollama.c, voyage.c). Not part of the embed interface.
 */
#ifndef PGAI_PROVIDER_H
#define PGAI_PROVIDER_H

#include <jansson.h>

#include "embed/embed.h"

typedef struct provider_ops {
    const char *name;
    int (*init)(embedder *e, embed_error *err);
    int (*setup)(embedder *e, embed_error *err); /* may be NULL */
    int (*embed)(embedder *e, const char *const *texts, const size_t *lens, size_t n, float *out,
                 embed_error *err);
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
    /* One request body and one response per embedder, reused by every
     * request: after the first few requests no allocation is needed. */
    buf request;
    http_response resp;
};

extern const provider_ops openai_provider, ollama_provider, voyage_provider;

int embed_set_error(embed_error *err, embed_error_kind kind, long status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * POSTs e->request to url with headers, retrying transport failures and
 * 408/409/429/5xx with exponential backoff (0.5 s doubling, capped at 8 s,
 * with jitter), or the server's Retry-After when it is at most 60 s. The
 * response is in e->resp. Returns 0 when a response arrived (any status; the
 * last one after retries), -1 on a transport failure after the retries or
 * cancellation (err filled).
 */
int embed_post(embedder *e, const char *url, const char *const *headers, embed_error *err);

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

/* Parses vectors out of a 2xx body into out; EMBED_ERR_RESPONSE on mismatch. */
int embed_parse_vectors(embedder *e, const http_response *resp, int ollama_shape, size_t n, float *out,
                        embed_error *err);

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
