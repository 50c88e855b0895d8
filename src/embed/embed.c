/* embed: the driver every provider shares (request, headers, retries, status
 * classification, response), request sizing; see embed.h and provider.h. */
#include "embed/embed.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embed/provider.h"
#include "util/secret.h"
#include "embed/vectors.h"
#include "util/jsonw.h"
#include "util/parse.h"
#include "util/utf8.h"

#define DEFAULT_MAX_RETRIES 3
#define DEFAULT_MAX_RATE_RETRIES 30
#define RETRY_AFTER_MAX_S 60.0
#define RATE_DELAY_MAX_S 120.0
#define DEFAULT_TIMEOUT_S 600.0 /* as the OpenAI SDK */
/* The request and response buffers are kept between requests up to this
 * size; a larger one (a rare huge batch) is freed once its request is done. */
#define KEEP_BUFFER_BYTES ((size_t)8 << 20)
#define BODY_EXCERPT_BYTES 300 /* of a non-JSON error body: enough for a proxy's or a server's one-line reason */
/* Request headers in all: room for a SigV4 signature with a session token. */
#define MAX_HEADER_BYTES ((size_t)64 << 10)
/* A request body: a batch's texts as JSON. The chunks come from documents
 * under PGAI_VECTORIZER_MAX_DOCUMENT_BYTES, and a request holds at most a
 * provider's inputs per request; 1 GiB is far past any provider's limit. */
#define MAX_REQUEST_BYTES ((size_t)1 << 30)
#define HEADER_RESERVE_BYTES 4096

int embed_set_error(embed_error *err, embed_error_kind kind, long status, const char *fmt, ...)
{
    va_list ap;
    err->kind = kind;
    err->status = status;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

void embed_error_message(embed_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

embed_error_kind embed_status_kind(long status)
{
    if (status / 100 == 2) return EMBED_ERR_NONE;
    if (status == 400 || status == 422) return EMBED_ERR_INPUT;
    if (status == 429) return EMBED_ERR_RATE;
    if (status == 408 || status == 409 || status >= 500) return EMBED_ERR_UNAVAILABLE;
    return EMBED_ERR_CONFIG;
}

void embed_trim_url(char *dst, size_t n, const char *base)
{
    if (dst != base) snprintf(dst, n, "%s", base);
    size_t len = strlen(dst);
    while (len > 0 && dst[len - 1] == '/') dst[--len] = '\0';
}

const char *embed_base_url(embedder *e, const char *env_name, const char *deflt)
{
    const char *base = e->v->embedding.base_url;
    if (base && *base) {
        snprintf(e->base_source, sizeof(e->base_source), "base URL from the vectorizer's embedding.base_url");
        return base;
    }
    base = env_get(e->env.environment, env_name);
    if (base && *base) {
        snprintf(e->base_source, sizeof(e->base_source), "base URL from %s", env_name);
        return base;
    }
    snprintf(e->base_source, sizeof(e->base_source), "default base URL");
    return deflt;
}

/*
 * Appends " (POST <url>; <where the base URL came from>)" to err->message,
 * shortening the text before it when both do not fit: "Couldn't connect to
 * server" alone says neither which server nor which setting to fix. The URL
 * is shown without credentials or query string.
 */
static void add_endpoint(const embedder *e, const char *url, embed_error *err)
{
    char shown[320], suffix[400];
    http_url_redact(url, shown, sizeof(shown));
    int sl = snprintf(suffix, sizeof(suffix), " (POST %s; %s)", shown, e->base_source);
    if (sl < 0 || (size_t)sl >= sizeof(suffix)) return; /* cannot happen: shown and base_source are bounded */
    size_t room = sizeof(err->message) - 1 - (size_t)sl;
    size_t len = strlen(err->message);
    if (len > room) {
        size_t keep = utf8_whole(err->message, room - 3);
        memcpy(err->message + keep, "...", 4);
        len = keep + 3;
    }
    memcpy(err->message + len, suffix, (size_t)sl + 1);
}

/* Error messages go into log lines and JSON error rows: one line of valid
 * UTF-8, whatever a provider's body held (a cut character becomes '?'). */
static void one_line(char *msg)
{
    size_t len = strlen(msg);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)msg[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) msg[i] = ' ';
            i++;
            continue;
        }
        size_t n = utf8_sequence((const unsigned char *)msg + i, len - i);
        if (n == 0) {
            msg[i++] = '?';
            continue;
        }
        i += n;
    }
}

int embed_check_url(embedder *e, const char *url, embed_error *err)
{
    char msg[200];
    if (http_url_check(url, msg, sizeof(msg)) == 0) return 0;
    embed_set_error(err, EMBED_ERR_CONFIG, 0, "%s", msg);
    add_endpoint(e, url, err);
    return -1;
}

const char *embed_body_excerpt(const http_response *resp, char *out, size_t n)
{
    out[0] = '\0';
    /* only what an HTTP server answered is shown, never bytes of another protocol */
    if (resp->failure != HTTP_OK || resp->status < 100 || !resp->body.data || n < 8) return out;
    const unsigned char *p = (const unsigned char *)resp->body.data;
    size_t len = resp->body.len, limit = len < BODY_EXCERPT_BYTES ? len : BODY_EXCERPT_BYTES, i = 0, o = 0;
    int space = 0; /* whitespace runs (newlines of an HTML page) become one space */
    while (i < limit) {
        size_t sl = p[i] < 0x80 ? 1 : utf8_sequence(p + i, len - i);
        if (sl == 0 || p[i] == 0 || p[i] == 0x7f || (p[i] < 0x20 && !strchr("\t\n\v\f\r", p[i]))) {
            snprintf(out, n, "(%zu bytes of binary data)", len);
            return out;
        }
        if (sl == 1 && (p[i] == ' ' || p[i] < 0x20)) {
            space = o > 0;
            i++;
            continue;
        }
        if (i + sl > limit || o + space + sl + 4 > n) break; /* room for "..." and the NUL */
        if (space) out[o++] = ' ', space = 0;
        memcpy(out + o, p + i, sl);
        o += sl, i += sl;
    }
    if (i < len) memcpy(out + o, "...", 3), o += 3;
    out[o] = '\0';
    return out;
}

int embed_http_timeout_env(const env_snapshot *environment, long *timeout_ms, char *err, size_t errlen)
{
    static const char name[] = "PGAI_VECTORIZER_HTTP_TIMEOUT";
    const char *v = env_get(environment, name);
    double seconds = DEFAULT_TIMEOUT_S;
    char msg[300];
    if (v && *v && parse_duration_msg(v, &seconds, msg, sizeof(msg)) != 0) {
        snprintf(err, errlen, "Invalid value for %s: %s", name, msg);
        return -1;
    }
    /* curl takes whole milliseconds; 0 would mean no timeout at all */
    if (!(seconds >= 0.001)) {
        snprintf(err, errlen, "Invalid value for %s: '%s' is not a positive time duration", name, v);
        return -1;
    }
    double ms = seconds * 1000;
    *timeout_ms = ms < (double)LONG_MAX ? (long)ms : LONG_MAX; /* past a long: as good as forever */
    return 0;
}

int embedder_new(const vectorizer *v, const char *api_key, const embed_env *env, embedder **out, embed_error *err)
{
    *out = NULL;
    memset(err, 0, sizeof(*err));
    embed_env settings = *env;
    if (!settings.timeout_ms && embed_http_timeout_env(settings.environment, &settings.timeout_ms, err->message, sizeof(err->message)) != 0) {
        err->kind = EMBED_ERR_CONFIG;
        return -1;
    }
    const provider_ops *ops = embed_provider_find(v->embedding.implementation);
    if (!ops)
        return embed_set_error(err, EMBED_ERR_CONFIG, 0,
                               "the %s embedding provider is not supported by this version of pgai in C",
                               v->embedding.implementation ? v->embedding.implementation : "(unnamed)");
    embedder *e = calloc(1, sizeof(*e));
    if (!e) return embed_set_error(err, EMBED_ERR_CONFIG, 0, "out of memory");
    e->ops = ops;
    e->v = v;
    e->env = settings;
    buf_init(&e->request, MAX_REQUEST_BYTES);
    buf_init(&e->headers.text, MAX_HEADER_BYTES);
    /* room for the usual headers at once: a buffer that grew would leave a
     * copy of the key behind in the memory it gave back */
    if (buf_reserve(&e->headers.text, HEADER_RESERVE_BYTES) != 0) { /* it will grow as needed */ }
    http_response_init(&e->resp);
    if (e->env.max_retries <= 0) e->env.max_retries = DEFAULT_MAX_RETRIES;
    if (e->env.max_rate_retries <= 0) e->env.max_rate_retries = DEFAULT_MAX_RATE_RETRIES;
    e->dimensions = v->embedding.dimensions;
    if (api_key && !(e->api_key = strdup(api_key))) {
        embedder_free(e);
        return embed_set_error(err, EMBED_ERR_CONFIG, 0, "out of memory");
    }
    if (http_client_new(&e->http, env->abort) != 0) {
        embedder_free(e);
        return embed_set_error(err, EMBED_ERR_CONFIG, 0, "cannot initialise the HTTP client");
    }
    if (ops->init(e, err) != 0) {
        embedder_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

void embedder_free(embedder *e)
{
    if (!e) return;
    secret_free(e->api_key); /* do not leave the key in freed memory */
    if (e->priv && e->ops->free_priv) e->ops->free_priv(e->priv);
    http_client_free(e->http);
    buf_free(&e->request);
    buf_free(&e->headers.text); /* wiped after every request already */
    http_response_free(&e->resp);
    free(e);
}

/* After each call into the provider: the buffers stay for the next request
 * unless one grew past KEEP_BUFFER_BYTES. */
static void release_large_buffers(embedder *e)
{
    buf_free_if_above(&e->request, KEEP_BUFFER_BYTES);
    buf_free_if_above(&e->resp.body, KEEP_BUFFER_BYTES);
}

/* Providers may echo the key back in an error body; it must never reach a log or an error row. */
static void scrub_key(const embedder *e, embed_error *err)
{
    /* a key of 1-3 characters would mask ordinary words: such a key is not a secret anyway */
    if (e->api_key && strlen(e->api_key) >= 4) secret_mask(err->message, e->api_key);
}

/* A failed call's error, ready for logs and error rows: no key, the endpoint
 * of a request that was sent (or tried), one line. The key goes first, so
 * that shortening the text cannot leave half of it behind. */
static void finish_error(const embedder *e, embed_error *err)
{
    scrub_key(e, err);
    if (e->sent_url[0] && err->kind != EMBED_ERR_CANCELLED) add_endpoint(e, e->sent_url, err);
    one_line(err->message);
}

int embedder_setup(embedder *e, embed_error *err)
{
    memset(err, 0, sizeof(*err));
    e->sent_url[0] = '\0';
    int rc = e->ops->setup ? e->ops->setup(e, err) : 0;
    release_large_buffers(e);
    if (rc != 0) finish_error(e, err);
    return rc;
}

void embedder_as_query(embedder *e)
{
    if (e->ops->as_query) e->ops->as_query(e);
}

int embedder_prepare_input(embedder *e, const char *text, size_t len, const char **sent, size_t *sent_len,
                           char **owned, embed_error *err)
{
    memset(err, 0, sizeof(*err));
    *sent = text;
    *sent_len = len;
    *owned = NULL;
    return e->ops->prepare_input ? e->ops->prepare_input(e, text, len, sent, sent_len, owned, err) : 0;
}

size_t embedder_max_inputs(const embedder *e) { return e->max_inputs; }
double embedder_max_tokens(const embedder *e) { return e->max_tokens; }
int embedder_dimensions(const embedder *e) { return e->dimensions; }

double embedder_token_estimate(const embedder *e, size_t len) { return e->tokens_per_byte * (double)len; }

/* The shared request cycle: build, send (headers, retries), classify, read. */
static int embed_request(embedder *e, const char *const *texts, const size_t *lens, size_t n, float *out,
                         embed_error *err)
{
    const provider_ops *ops = e->ops;
    if (ops->build_request(e, texts, lens, n, err) != 0 || embed_send(e, e->url, err) != 0) return -1;
    const http_response *resp = &e->resp;
    embed_error_kind kind = embed_status_kind(resp->status);
    if (kind != EMBED_ERR_NONE) {
        embed_set_error(err, kind, resp->status, "HTTP status %ld", resp->status);
        if (ops->error_message) ops->error_message(e, resp, err);
        return -1;
    }
    if (ops->read_response) return ops->read_response(e, resp, n, out, err);
    char msg[300];
    if (vectors_parse(resp->body.data ? resp->body.data : "", resp->body.len, ops->vectors, n, (size_t)e->dimensions,
                      out, msg, sizeof(msg)) != 0)
        return embed_set_error(err, EMBED_ERR_RESPONSE, resp->status, "%s", msg);
    return 0;
}

int embedder_embed(embedder *e, const char *const *texts, const size_t *lens, size_t n, float *out, embed_error *err)
{
    memset(err, 0, sizeof(*err));
    if (n == 0) return 0;
    e->sent_url[0] = '\0';
    int rc = embed_request(e, texts, lens, n, out, err);
    release_large_buffers(e);
    if (rc != 0) finish_error(e, err);
    return rc;
}

long embed_plan(const double *token_lens, size_t n, size_t max_inputs, double max_tokens, size_t *ends, char *err,
                size_t errlen)
{
    long groups = 0;
    size_t in_group = 0;
    double count = 0;
    for (size_t i = 0; i < n; i++) {
        double len = token_lens ? token_lens[i] : 0;
        if (max_tokens > 0 && len > max_tokens) {
            snprintf(err, errlen, "chunk length %g greater than max_tokens_per_batch %g", len, max_tokens);
            return -1;
        }
        /* pgai rounds half to even (Python round()); nearbyint does under the default rounding mode */
        if (in_group > 0 && ((max_tokens > 0 && nearbyint(count + len) > max_tokens) || in_group + 1 > max_inputs)) {
            ends[groups++] = i;
            in_group = 0;
            count = 0;
        }
        in_group++;
        count += len;
    }
    if (in_group > 0) ends[groups++] = n;
    return groups;
}

/* One request with its retries; see embed_send. */
static int embed_post(embedder *e, const char *url, const char *const *headers, embed_error *err)
{
    http_response *resp = &e->resp;
    http_request req = {.url = url, .headers = headers, .body = e->request.data ? e->request.data : "",
                        .body_len = e->request.len, .timeout_ms = e->env.timeout_ms,
                        .max_response = e->env.max_response};
    unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)e;
    int failures = 0, rate_limits = 0;
    snprintf(e->sent_url, sizeof(e->sent_url), "%s", url);
    for (;;) {
        int rc = http_send(e->http, &req, resp);
        int rate = rc == 0 && resp->status == 429;
        int retryable = rc != 0 ? resp->failure != HTTP_CANCELLED && resp->failure != HTTP_TOO_LARGE &&
                                      resp->failure != HTTP_BAD_URL && resp->failure != HTTP_NOMEM
                                : embed_status_kind(resp->status) == EMBED_ERR_UNAVAILABLE || rate;
        /* 429s have their own, larger budget: a rate limit means "slower", not "broken" */
        int budget_left = rate ? rate_limits < e->env.max_rate_retries : failures < e->env.max_retries;
        if (!retryable || !budget_left) {
            if (rc == 0) return 0;
            embed_error_kind kind = resp->failure == HTTP_CANCELLED  ? EMBED_ERR_CANCELLED
                                    : resp->failure == HTTP_TOO_LARGE ? EMBED_ERR_RESPONSE
                                    : resp->failure == HTTP_BAD_URL   ? EMBED_ERR_CONFIG
                                                                      : EMBED_ERR_UNAVAILABLE;
            /* say which limit was hit and how to change it */
            if (resp->failure == HTTP_TIMEOUT)
                return embed_set_error(err, kind, 0, "%s (request timeout %gs, set by PGAI_VECTORIZER_HTTP_TIMEOUT)",
                                       resp->error, (double)e->env.timeout_ms / 1000);
            return embed_set_error(err, kind, 0, "%s", resp->error);
        }
        int attempt = rate ? rate_limits++ : failures++;
        double delay = fmin(0.5 * pow(2, attempt), rate ? 30.0 : 8.0) * (1 - 0.25 * (rand_r(&seed) / (double)RAND_MAX));
        if (rc == 0 && resp->retry_after_s > 0 && resp->retry_after_s <= (rate ? RATE_DELAY_MAX_S : RETRY_AFTER_MAX_S))
            delay = resp->retry_after_s;
        char shown[320];
        http_url_redact(url, shown, sizeof(shown));
        if (rc == 0)
            log_debug(e->env.lg, rate ? "rate limited, waiting" : "retrying embedding request",
                      "status=%ld attempt=%d delay_s=%.2f url=%s", resp->status, attempt + 1, delay, shown);
        else
            log_debug(e->env.lg, "retrying embedding request", "error='%s' attempt=%d delay_s=%.2f url=%s",
                      resp->error, attempt + 1, delay, shown);
        if (cancel_sleep(e->env.abort, delay))
            return embed_set_error(err, EMBED_ERR_CANCELLED, 0, "cancelled while waiting to retry");
    }
}

void embed_header_add(embed_headers *h, const char *fmt, ...)
{
    if (h->failed) return;
    if (h->n == EMBED_MAX_HEADERS) {
        h->failed = 1;
        return;
    }
    size_t start = h->text.len;
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(&h->text, fmt, ap);
    va_end(ap);
    /* each header keeps its NUL: the list handed to curl points into text */
    if (rc != 0 || buf_append(&h->text, "", 1) != 0) {
        h->failed = 1;
        return;
    }
    h->start[h->n++] = start;
}

int embed_auth_bearer(embedder *e, const char *url, embed_headers *h, embed_error *err)
{
    if (e->api_key) embed_header_add(h, "Authorization: Bearer %s", e->api_key);
    return 0;
}

/* The headers hold credentials: nothing of them stays in memory between requests. */
static void headers_wipe(embed_headers *h)
{
    if (h->text.data) memset(h->text.data, 0, h->text.len);
    buf_reset(&h->text);
    h->n = 0;
    h->failed = 0;
}

int embed_send(embedder *e, const char *url, embed_error *err)
{
    embed_headers *h = &e->headers;
    headers_wipe(h);
    embed_header_add(h, "Content-Type: application/json");
    embed_header_add(h, "Accept: application/json");
    int rc = e->ops->auth ? e->ops->auth(e, url, h, err) : 0;
    if (rc == 0 && h->failed)
        rc = embed_set_error(err, EMBED_ERR_CONFIG, 0, "the request headers do not fit (more than %d or %zu bytes)",
                             EMBED_MAX_HEADERS, MAX_HEADER_BYTES);
    if (rc == 0) {
        const char *list[EMBED_MAX_HEADERS + 1];
        for (size_t i = 0; i < h->n; i++) list[i] = h->text.data + h->start[i];
        list[h->n] = NULL;
        rc = embed_post(e, url, list, err);
        /* a cancellation is ours to word: e->resp may still hold the response
         * whose retry it cut short */
        if (rc != 0 && err->kind != EMBED_ERR_CANCELLED && e->ops->error_message)
            e->ops->error_message(e, &e->resp, err);
    }
    headers_wipe(h);
    return rc;
}

const json_t *embed_config_get(const embedder *e, const char *key)
{
    const json_t *o = e->v->embedding.json;
    return json_is_object(o) ? json_object_get(o, key) : NULL;
}

/* The request helpers do not check each append: a failed one marks the buf
 * failed, later appends do nothing, and embed_request_end reports it once. */
static void request_append(embedder *e, const char *s, size_t n)
{
    if (buf_append(&e->request, s, n) != 0) { /* reported by embed_request_end */ }
}

void embed_request_begin(embedder *e)
{
    buf_reset(&e->request);
    e->request_bad = 0;
    request_append(e, "{", 1);
}

void embed_request_key(embedder *e, const char *key)
{
    const buf *b = &e->request;
    if (b->len && b->data[b->len - 1] != '{') request_append(e, ",", 1);
    embed_request_string(e, key);
    request_append(e, ":", 1);
}

void embed_request_string(embedder *e, const char *s)
{
    /* the configuration was parsed from JSON, so this is valid UTF-8; if not,
     * the request cannot be encoded and embed_request_end says so */
    if (jsonw_string(&e->request, s, strlen(s)) != 0 && !buf_error(&e->request)) e->request_bad = 1;
}

void embed_request_raw(embedder *e, const char *json) { request_append(e, json, strlen(json)); }

int embed_request_texts(embedder *e, const char *const *texts, const size_t *lens, size_t n, embed_error *err)
{
    request_append(e, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i) request_append(e, ",", 1);
        if (jsonw_string(&e->request, texts[i], lens[i]) != 0 && !buf_error(&e->request))
            return embed_set_error(err, EMBED_ERR_INPUT, 0, "input %zu is not valid UTF-8 text", i);
    }
    request_append(e, "]", 1);
    return 0;
}

int embed_request_end(embedder *e, embed_error *err)
{
    if (e->request_bad)
        return embed_set_error(err, EMBED_ERR_CONFIG, 0, "cannot encode the request: a setting is not valid UTF-8");
    if (buf_append(&e->request, "}", 1) == 0) return 0;
    /* too large: halving the group can help (an input error); out of memory: a batch error, retried later */
    if (buf_error(&e->request) == BUF_E_TOO_LARGE)
        return embed_set_error(err, EMBED_ERR_INPUT, 0, "the request body is larger than %zu bytes", e->request.max);
    return embed_set_error(err, EMBED_ERR_UNAVAILABLE, 0, "out of memory for the request body");
}
