/*
 * ollama: the Ollama API. POST {host}/api/embed with every input of a
 * request in one call. Before the first batch, /api/show checks the model and
 * a missing one is pulled (blocking) as pgai does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/provider.h"

#define OLLAMA_DEFAULT_HOST "http://127.0.0.1:11434"
#define OLLAMA_CONNECT_ERROR                                                                                       \
    "Failed to connect to Ollama. Please check that Ollama is downloaded, running and accessible. "               \
    "https://ollama.com/download"

/*
 * The ollama-python client's host rules: no scheme means http:// and port
 * 11434; http:// or https:// without a port mean 80 or 443; a path is kept.
 */
static void ollama_normalise_host(const char *in, char *out, size_t n)
{
    while (isspace((unsigned char)*in)) in++;
    const char *scheme = "http";
    const char *rest = in;
    int explicit_scheme = 0;
    if (strncmp(in, "http://", 7) == 0) rest = in + 7, explicit_scheme = 1;
    else if (strncmp(in, "https://", 8) == 0) scheme = "https", rest = in + 8, explicit_scheme = 1;
    const char *path = strchr(rest, '/');
    size_t hostport_len = path ? (size_t)(path - rest) : strlen(rest);
    char hostport[512];
    snprintf(hostport, sizeof(hostport), "%.*s", (int)hostport_len, rest);
    const char *port_sep = hostport[0] == '[' ? strstr(hostport, "]:") : strrchr(hostport, ':');
    if (port_sep && hostport[0] == '[') port_sep++;
    char host[512];
    const char *port;
    const char *default_port = !explicit_scheme ? "11434" : strcmp(scheme, "https") == 0 ? "443" : "80";
    if (port_sep) {
        snprintf(host, sizeof(host), "%.*s", (int)(port_sep - hostport), hostport);
        port = port_sep + 1;
    } else {
        snprintf(host, sizeof(host), "%s", hostport);
        port = default_port;
    }
    if (!*host) snprintf(host, sizeof(host), "127.0.0.1");
    int bracket = strchr(host, ':') && host[0] != '[';
    snprintf(out, n, "%s://%s%s%s:%s%s", scheme, bracket ? "[" : "", host, bracket ? "]" : "", port,
             path ? path : "");
    embed_trim_url(out, n, out);
}

static int ollama_init(embedder *e, embed_error *err)
{
    const char *host = embed_base_url(e, "OLLAMA_HOST", OLLAMA_DEFAULT_HOST);
    while (isspace((unsigned char)*host)) host++;
    /* An explicit scheme other than http(s) is refused as given: the
     * normaliser would read "file:///x" as a host name. */
    if (embed_check_url(e, host, err) != 0) return -1;
    ollama_normalise_host(host, e->base, sizeof(e->base));
    snprintf(e->url, sizeof(e->url), "%s/api/embed", e->base);
    if (embed_check_url(e, e->url, err) != 0) return -1;
    e->max_inputs = 2048;
    const char *env = env_get(e->env.environment, "PGAI_VECTORIZER_OLLAMA_MAX_CHUNKS_PER_BATCH");
    if (env && *env) {
        char *end;
        long n = strtol(env, &end, 10);
        if (*end || n < 1)
            return embed_set_error(err, EMBED_ERR_CONFIG, 0,
                                   "PGAI_VECTORIZER_OLLAMA_MAX_CHUNKS_PER_BATCH must be a positive integer, not '%s'",
                                   env);
        e->max_inputs = (size_t)n;
    }
    e->max_tokens = 0; /* Ollama has no token budget per request */
    if (!e->dimensions) return embed_set_error(err, EMBED_ERR_CONFIG, 0, "embedding.dimensions is required");
    return 0;
}

static const vectors_shape ollama_vectors = {.path = {"embeddings"}};

/* Ollama errors are {"error": "..."}; pgai renders "<error> (status code: N)". */
static void ollama_status_message(const http_response *resp, embed_error *err)
{
    json_t *doc = resp->body.len ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
    const char *msg = doc ? json_string_value(json_object_get(doc, "error")) : NULL;
    char excerpt[320];
    embed_error_message(err, "%.900s (status code: %ld)", msg ? msg : embed_body_excerpt(resp, excerpt, sizeof(excerpt)),
                        resp->status);
    json_decref(doc);
}

static void ollama_error_message(embedder *e, const http_response *resp, embed_error *err)
{
    if (resp->failure == HTTP_OK)
        ollama_status_message(resp, err);
    else if (resp->failure == HTTP_CONNECT && err->kind == EMBED_ERR_UNAVAILABLE)
        embed_error_message(err, OLLAMA_CONNECT_ERROR); /* the ollama-python client's text, as pgai shows it */
}

/* POSTs e->request to base + path; the response is in e->resp. */
static int ollama_post(embedder *e, const char *path, embed_error *err)
{
    char url[1280];
    snprintf(url, sizeof(url), "%s%s", e->base, path);
    return embed_send(e, url, err);
}

static int ollama_setup(embedder *e, embed_error *err)
{
    const char *model = e->v->embedding.model;
    const http_response *resp = &e->resp;
    embed_request_begin(e);
    embed_request_key(e, "model");
    embed_request_string(e, model);
    if (embed_request_end(e, err) != 0) return -1;
    int rc = ollama_post(e, "/api/show", err);
    if (rc == 0 && resp->status / 100 != 2) {
        json_t *doc = json_loads(resp->body.data ? resp->body.data : "", 0, NULL);
        const char *msg = doc ? json_string_value(json_object_get(doc, "error")) : NULL;
        int missing = msg && strstr(msg, "not found");
        json_decref(doc);
        if (missing) {
            log_warn(e->env.lg, "pulling ollama model, this may take a while", "model=%s", model);
            embed_request_begin(e);
            embed_request_key(e, "model");
            embed_request_string(e, model);
            embed_request_key(e, "insecure");
            embed_request_raw(e, "false");
            embed_request_key(e, "stream");
            embed_request_raw(e, "false");
            if (embed_request_end(e, err) != 0) return -1;
            rc = ollama_post(e, "/api/pull", err);
            if (rc == 0 && resp->status / 100 != 2) {
                /* whatever the status: without the model nothing can be embedded */
                err->kind = EMBED_ERR_CONFIG;
                err->status = resp->status;
                ollama_status_message(resp, err);
                char detail[sizeof(err->message)];
                snprintf(detail, sizeof(detail), "%s", err->message);
                embed_error_message(err, "pulling the ollama model '%s' failed: %s", model, detail);
                rc = -1;
            }
        }
        /* other /api/show errors are ignored, as pgai does: the embed call will tell */
    }
    return rc;
}

static int ollama_build_request(embedder *e, const char *const *texts, const size_t *lens, size_t n,
                                embed_error *err)
{
    embed_request_begin(e);
    embed_request_key(e, "model");
    embed_request_string(e, e->v->embedding.model);
    embed_request_key(e, "input");
    if (embed_request_texts(e, texts, lens, n, err) != 0) return -1;
    if (e->v->embedding.options_json) {
        /* the configuration's text, re-encoded compactly; left out when it does not parse */
        json_t *options = json_loads(e->v->embedding.options_json, 0, NULL);
        char *text = options ? json_dumps(options, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (text) {
            embed_request_key(e, "options");
            embed_request_raw(e, text);
        }
        free(text);
        json_decref(options);
    }
    if (e->v->embedding.keep_alive) {
        embed_request_key(e, "keep_alive");
        embed_request_string(e, e->v->embedding.keep_alive);
    }
    return embed_request_end(e, err);
}

/* No auth hook: Ollama takes no key, and pgai sends none. */
const provider_ops ollama_provider = {
    .name = "ollama",
    .vectors = &ollama_vectors,
    .init = ollama_init,
    .setup = ollama_setup,
    .build_request = ollama_build_request,
    .error_message = ollama_error_message,
};
