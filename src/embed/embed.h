/*
 * embed: the embedding providers behind one interface. An embedder belongs
 * to one executor thread (it owns that thread's HTTP connection, kept alive
 * between requests). The executor has it prepare each input (OpenAI's
 * truncation), asks it how to size requests (inputs and estimated tokens per
 * request, pgai's rules), then calls embedder_embed once per request group.
 * The providers themselves are behind provider.h.
 *
 * Errors are classified so the executor can decide who pays: the item (the
 * provider rejected that text), the batch (auth, unknown model, provider
 * down after retries), or nobody (rate limits).
 */
#ifndef PGAI_EMBED_H
#define PGAI_EMBED_H

#include <stddef.h>

#include "catalog/config.h"
#include "http/http.h"
#include "util/cancel.h"
#include "util/envsnap.h"
#include "util/log.h"

typedef enum embed_error_kind {
    EMBED_ERR_NONE = 0,
    EMBED_ERR_INPUT,       /* the provider rejected an input as invalid (HTTP 400) */
    EMBED_ERR_CONFIG,      /* auth, unknown model, bad dimensions: the vectorizer must be fixed */
    EMBED_ERR_RATE,        /* still rate limited after the retries */
    EMBED_ERR_UNAVAILABLE, /* connection failures, timeouts, 5xx after the retries */
    EMBED_ERR_RESPONSE,    /* malformed body, wrong number of vectors or dimensions */
    EMBED_ERR_CANCELLED,   /* shutdown while waiting */
} embed_error_kind;

typedef struct embed_error {
    embed_error_kind kind;
    long status;        /* HTTP status when one was received */
    char message[1024]; /* pgai's wording where it has one; never contains the API key */
} embed_error;

typedef struct embed_env {
    const logger *lg;
    const env_snapshot *environment; /* the environment the worker started with (NULL: empty) */
    const cancel_token *abort; /* fired: HTTP waits and retry back-offs end at once (NULL: never) */
    int max_retries;       /* per request, for 408/409/5xx and transport errors */
    int max_rate_retries;  /* per request, for 429: rate limits slow us down, they do not fail */
    size_t max_response;   /* response body cap; 0 = the http default */
    long timeout_ms;       /* per HTTP request; 0 = PGAI_VECTORIZER_HTTP_TIMEOUT, or 600 s when unset */
} embed_env;

/* PGAI_VECTORIZER_HTTP_TIMEOUT (a duration as --poll-interval takes it:
 * seconds, "30s", "5m", ...) in milliseconds, 600 s when unset or empty.
 * Returns -1 with a message naming the variable when it is not a positive
 * duration. */
int embed_http_timeout_env(const env_snapshot *environment, long *timeout_ms, char *err, size_t errlen) __attribute__((warn_unused_result));

typedef struct embedder embedder;

int embedder_new(const vectorizer *v, const char *api_key, const embed_env *env, embedder **out, embed_error *err)
    __attribute__((warn_unused_result));
void embedder_free(embedder *e);

/* NULL when this build has a provider for embedding.implementation; else
 * what the vectorizer needs that it lacks, for a message such as "this
 * vectorizer needs %s": "the LiteLLM embedding provider". */
const char *embed_provider_missing(const char *implementation);

/* One-time work before the first batch (Ollama: make sure the model is pulled). */
int embedder_setup(embedder *e, embed_error *err) __attribute__((warn_unused_result));

/* The texts this embedder will embed are search queries, not documents
 * (Voyage embeds the two differently). Call before the first request. */
void embedder_as_query(embedder *e);

/*
 * What the provider is sent for one input (the stored chunk keeps its full
 * text): *sent and *sent_len are text itself, or a shortened copy in *owned
 * (malloc'ed, for the caller to free; NULL when none). OpenAI cuts a text
 * over its model's context to that many tokens, logging "chunk truncated".
 * EMBED_ERR_INPUT: this input cannot be sent (OpenAI: text holding a special
 * token such as <|endoftext|>, which pgai's tokenizer refuses too); any
 * other kind fails the batch.
 */
int embedder_prepare_input(embedder *e, const char *text, size_t len, const char **sent, size_t *sent_len,
                           char **owned, embed_error *err) __attribute__((warn_unused_result));

/* Request sizing: inputs per request, and a token budget (0 = none) with the
 * estimate of an input of len bytes it is measured in. */
size_t embedder_max_inputs(const embedder *e);
double embedder_max_tokens(const embedder *e);
double embedder_token_estimate(const embedder *e, size_t len);

/* Embeds texts[0..n) in one request, writing n * dims floats to out. */
int embedder_embed(embedder *e, const char *const *texts, const size_t *lens, size_t n, float *out, embed_error *err)
    __attribute__((warn_unused_result));

/* The vector length the store expects. */
int embedder_dimensions(const embedder *e);

/*
 * pgai's request grouping (spec 10.1): contiguous groups, a new group when the
 * next input would exceed max_inputs or (max_tokens > 0) the rounded token sum.
 * ends[g] is the exclusive end of group g; returns the number of groups, or -1
 * when a single input exceeds max_tokens (message in err).
 */
long embed_plan(const double *token_lens, size_t n, size_t max_inputs, double max_tokens, size_t *ends, char *err,
                size_t errlen);

#endif
