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
};

extern const provider_ops openai_provider, ollama_provider, voyage_provider;

int embed_set_error(embed_error *err, embed_error_kind kind, long status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * POSTs body to url with headers, retrying transport failures and 408/409/429/5xx
 * with exponential backoff (0.5 s doubling, capped at 8 s, with jitter), or the
 * server's Retry-After when it is at most 60 s. Returns 0 when a response
 * arrived (any status; the last one after retries), -1 on a transport failure
 * after the retries or cancellation (err filled).
 */
int embed_post(embedder *e, const char *url, const char *const *headers, const char *body, size_t body_len,
               http_response *resp, embed_error *err);

/* A JSON array of the texts; NULL when a text is not valid UTF-8 (err says which). */
json_t *embed_texts_json(const char *const *texts, const size_t *lens, size_t n, embed_error *err);

/* Parses vectors out of a 2xx body into out; EMBED_ERR_RESPONSE on mismatch. */
int embed_parse_vectors(embedder *e, const http_response *resp, int ollama_shape, size_t n, float *out,
                        embed_error *err);

/* Copies base into dst without trailing slashes. */
void embed_trim_url(char *dst, size_t n, const char *base);

#endif
