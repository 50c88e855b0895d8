/* http: libcurl wrapper; see http.h. */
#include "http/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/utf8.h"

#define DEFAULT_TIMEOUT_MS 600000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_MAX_RESPONSE ((size_t)256 << 20) /* 2048 x 3072 floats as JSON text is ~130 MB */
/* libcurl speaks file, ftp, gopher, dict, smtp, ... too: with a URL the
 * tenant chose (embedding.base_url) or a redirect the server chose, those
 * would read local files or send chosen bytes to any TCP service. */
#define ALLOWED_PROTOCOLS "http,https"
#define MAX_SCHEME_LEN 40 /* libcurl's */

struct http_client {
    CURL *curl;
    /* The transfer runs in here rather than in curl_easy_perform's hidden
     * one, so that its wait can include the cancel token. It owns the
     * connection and DNS caches: kept for the client's life, so are they. */
    CURLM *multi;
    const cancel_token *cancel;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

/* libcurl's global init must run once per process before any handle exists. */
static void curl_init_once(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

int http_client_new(http_client **out, const cancel_token *cancel)
{
    pthread_once(&curl_once, curl_init_once);
    *out = NULL;
    if (curl_init_rc != CURLE_OK) return -1;
    http_client *c = calloc(1, sizeof(*c));
    if (!c) return -1;
    c->curl = curl_easy_init();
    c->multi = curl_multi_init();
    if (!c->curl || !c->multi) {
        http_client_free(c);
        return -1;
    }
    c->cancel = cancel;
    *out = c;
    return 0;
}

void http_client_free(http_client *c)
{
    if (!c) return;
    /* the easy handle is in the multi handle only during http_send */
    if (c->curl) curl_easy_cleanup(c->curl);
    if (c->multi) curl_multi_cleanup(c->multi);
    free(c);
}

/*
 * The length of url's scheme as libcurl reads it (ALPHA *(ALNUM / "+" / "-" /
 * ".") followed by ":/"), or 0 when it has none: then libcurl takes the
 * CURLOPT_DEFAULT_PROTOCOL we give it. "file:/etc/x" has a scheme for
 * libcurl, "localhost:8080/v1" has none.
 */
static size_t url_scheme_len(const char *url)
{
    if (!isalpha((unsigned char)url[0])) return 0;
    size_t i = 1;
    while (i < MAX_SCHEME_LEN && (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.'))
        i++;
    return url[i] == ':' && url[i + 1] == '/' ? i : 0;
}

static int scheme_allowed(const char *scheme, size_t len)
{
    return (len == 4 && strncasecmp(scheme, "http", 4) == 0) || (len == 5 && strncasecmp(scheme, "https", 5) == 0);
}

int http_url_check(const char *url, char *err, size_t errlen)
{
    size_t len = url_scheme_len(url);
    if (len == 0 || scheme_allowed(url, len)) return 0;
    /* a scheme is letters, digits and "+-.": safe to show */
    snprintf(err, errlen, "unsupported URL scheme '%.*s': only http and https are allowed", (int)len, url);
    return -1;
}

/* Copies src into out (n bytes), cut with "..." when too long, never inside a UTF-8 sequence. */
static void copy_cut(char *out, size_t n, const char *src)
{
    if (n == 0) return;
    size_t len = strlen(src);
    if (len < n) {
        memcpy(out, src, len + 1);
        return;
    }
    if (n < 4) {
        out[0] = '\0';
        return;
    }
    size_t keep = utf8_whole(src, n - 4);
    memcpy(out, src, keep);
    memcpy(out + keep, "...", 4);
}

void http_url_redact(const char *url, char *out, size_t n)
{
    if (!url || !*url) {
        copy_cut(out, n, "(no URL)");
        return;
    }
    size_t slen = url_scheme_len(url);
    char given[1024];
    /* without a scheme, as libcurl will fetch it */
    if (!slen) snprintf(given, sizeof(given), "http://%s", url);
    /* libcurl's own parser: what is shown is what it would connect to */
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int ok = u && curl_url_set(u, CURLUPART_URL, slen ? url : given, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK;
    char shown[2048];
    if (ok) {
        /* a file: URL has no host, most URLs no explicit port: those parts are left out */
        if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) host = NULL;
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK) port = NULL;
        if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) path = NULL;
        snprintf(shown, sizeof(shown), "%s://%s%s%s%s", scheme, host ? host : "", port ? ":" : "", port ? port : "",
                 path ? path : "");
    } else {
        /* it may be a password cut in two by a stray "/": only the scheme is safe to show */
        snprintf(shown, sizeof(shown), "%.*s://(a URL that does not parse)", slen ? (int)slen : 4,
                 slen ? url : "http");
    }
    curl_free(scheme), curl_free(host), curl_free(port), curl_free(path);
    curl_url_cleanup(u);
    copy_cut(out, n, shown);
}

void http_response_init(http_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    buf_init(&resp->body, DEFAULT_MAX_RESPONSE);
    resp->retry_after_s = -1;
    resp->content_length = -1;
}

/* Clears the previous response but keeps the body's memory for this one. */
static void response_reset(http_response *resp, size_t max_body)
{
    buf body = resp->body;
    buf_reset_max(&body, max_body);
    http_response_init(resp);
    resp->body = body;
}

void http_response_free(http_response *resp) { buf_free(&resp->body); }

static size_t too_large(http_response *resp)
{
    resp->failure = HTTP_TOO_LARGE;
    snprintf(resp->error, sizeof(resp->error), "response body larger than %zu bytes", resp->body.max);
    return 0; /* makes curl stop with CURLE_WRITE_ERROR */
}

/* The body buffer refused: over its cap, or no memory for it (not the
 * server's fault, and no reason to send the request again). */
static size_t body_refused(http_response *resp, size_t wanted)
{
    if (buf_error(&resp->body) == BUF_E_TOO_LARGE) return too_large(resp);
    resp->failure = HTTP_NOMEM;
    snprintf(resp->error, sizeof(resp->error), "out of memory for a response body of %zu bytes", wanted);
    return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    http_response *resp = userdata;
    /* By the first piece of the body every header has arrived. A declared
     * length is the body's size unless curl is decoding a compressed body:
     * then it is only the compressed size, neither a bound nor the size. */
    if (!resp->body_started) {
        resp->body_started = 1;
        if (resp->content_length >= 0 && !resp->content_encoded) {
            if ((unsigned long long)resp->content_length > resp->body.max) return too_large(resp);
            if (buf_reserve(&resp->body, (size_t)resp->content_length) != 0)
                return body_refused(resp, (size_t)resp->content_length);
        }
    }
    if (buf_append(&resp->body, data, size * n) != 0) return body_refused(resp, resp->body.len + size * n);
    return size * n;
}

/* Parses Retry-After (seconds or an HTTP date) and OpenAI's retry-after-ms. */
static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    http_response *resp = userdata;
    size_t len = size * n;
    /* a redirect's target, however long: only its scheme is kept, to say why a redirect was refused */
    if (len > 9 && strncasecmp(data, "location:", 9) == 0) {
        const char *v = data + 9, *end = data + len;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        char head[MAX_SCHEME_LEN + 2];
        size_t hl = (size_t)(end - v) < sizeof(head) - 1 ? (size_t)(end - v) : sizeof(head) - 1;
        memcpy(head, v, hl);
        head[hl] = '\0';
        size_t sl = url_scheme_len(head);
        snprintf(resp->redirect_scheme, sizeof(resp->redirect_scheme), "%.*s", (int)sl, head);
        return len;
    }
    char line[256];
    if (len >= sizeof(line)) return len;
    memcpy(line, data, len);
    line[len] = '\0';
    char *colon = strchr(line, ':');
    if (!colon) {
        if (strncmp(line, "HTTP/", 5) == 0) { /* a new response (redirect, 100 Continue) */
            resp->retry_after_s = -1;
            resp->content_length = -1;
            resp->content_encoded = 0;
        }
        return len;
    }
    *colon = '\0';
    char *val = colon + 1;
    while (*val == ' ' || *val == '\t') val++;
    val[strcspn(val, "\r\n")] = '\0';
    if (strcasecmp(line, "retry-after-ms") == 0) {
        char *end;
        double ms = strtod(val, &end);
        if (end != val && ms >= 0) resp->retry_after_s = ms / 1000.0;
    } else if (strcasecmp(line, "content-length") == 0) {
        char *end;
        long long cl = strtoll(val, &end, 10);
        if (end != val && *end == '\0' && cl >= 0) resp->content_length = cl;
    } else if (strcasecmp(line, "content-encoding") == 0) {
        resp->content_encoded = *val && strcasecmp(val, "identity") != 0;
    } else if (strcasecmp(line, "retry-after") == 0 && resp->retry_after_s < 0) {
        char *end;
        double s = strtod(val, &end);
        if (end != val && s >= 0) {
            resp->retry_after_s = s;
        } else {
            time_t when = curl_getdate(val, NULL);
            if (when > 0) {
                double d = difftime(when, time(NULL));
                resp->retry_after_s = d > 0 ? d : 0;
            }
        }
    }
    return len;
}

/*
 * Runs the transfer set up on c->curl to its end. It sleeps in
 * curl_multi_poll on the transfer's sockets and the cancel token's
 * descriptor, so a fired token ends the wait at once. Returns the
 * transfer's result; when the token or the multi interface ended it,
 * resp->failure and resp->error say so instead.
 */
static CURLcode run_transfer(http_client *c, http_response *resp, long timeout_ms)
{
    if (cancel_fired(c->cancel)) {
        resp->failure = HTTP_CANCELLED;
        snprintf(resp->error, sizeof(resp->error), "the request was cancelled");
        return CURLE_ABORTED_BY_CALLBACK;
    }
    CURLMcode mc = curl_multi_add_handle(c->multi, c->curl);
    struct curl_waitfd token = {.fd = cancel_fd(c->cancel), .events = CURL_WAIT_POLLIN};
    unsigned int ntoken = token.fd >= 0 ? 1 : 0;
    /* libcurl shortens each wait to its own next timer, and the transfer
     * always has one (CURLOPT_TIMEOUT_MS): this bound is never what ends it */
    int wait_ms = timeout_ms < INT_MAX ? (int)timeout_ms : INT_MAX;
    CURLcode rc = CURLE_OK;
    int done = 0;
    while (mc == CURLM_OK && !done) {
        int running = 0;
        if ((mc = curl_multi_perform(c->multi, &running)) != CURLM_OK) break;
        CURLMsg *msg;
        int queued;
        while ((msg = curl_multi_info_read(c->multi, &queued)) != NULL)
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == c->curl) rc = msg->data.result, done = 1;
        if (done) break;
        if (!running) {
            mc = CURLM_INTERNAL_ERROR; /* nothing left to run, yet no result: cannot happen */
            break;
        }
        if (cancel_fired(c->cancel)) {
            resp->failure = HTTP_CANCELLED;
            snprintf(resp->error, sizeof(resp->error), "the request was cancelled");
            rc = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        mc = curl_multi_poll(c->multi, &token, ntoken, wait_ms, NULL);
    }
    /* a transfer cut short closes its connection; a finished one stays in
     * the multi handle's cache for the next request */
    curl_multi_remove_handle(c->multi, c->curl);
    if (mc != CURLM_OK && resp->failure == HTTP_OK) {
        resp->failure = HTTP_TRANSPORT;
        snprintf(resp->error, sizeof(resp->error), "%s", curl_multi_strerror(mc));
        rc = CURLE_FAILED_INIT;
    }
    return rc;
}

/* After a transfer that went through: its status, once it is sure it was HTTP. */
static int check_response(CURL *h, http_response *resp)
{
    char *scheme = NULL;
    /* cannot happen with the protocols restricted; if it did, a body read
     * from a file or another service must not reach an error message */
    if (curl_easy_getinfo(h, CURLINFO_SCHEME, &scheme) != CURLE_OK || !scheme ||
        !scheme_allowed(scheme, strlen(scheme))) {
        buf_reset(&resp->body);
        resp->failure = HTTP_BAD_URL;
        snprintf(resp->error, sizeof(resp->error), "the response did not come over http or https");
        return -1;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->failure = HTTP_OK;
    return 0;
}

int http_send(http_client *c, const http_request *req, http_response *resp)
{
    response_reset(resp, req->max_response ? req->max_response : DEFAULT_MAX_RESPONSE);

    CURL *h = c->curl;
    curl_easy_reset(h); /* options only: the connections are the multi handle's, keep-alive survives */
    /* "Expect:" with no value: libcurl would otherwise hold back a body over
     * 1 MB for a "100 Continue" round trip, or a whole second from a server
     * that never sends one; a rejected request is simply retried. */
    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
    for (const char *const *p = req->headers; hdrs && p && *p; p++) {
        struct curl_slist *n = curl_slist_append(hdrs, *p);
        if (!n) curl_slist_free_all(hdrs);
        hdrs = n;
    }
    if (!hdrs) {
        snprintf(resp->error, sizeof(resp->error), "out of memory");
        resp->failure = HTTP_NOMEM;
        return -1;
    }
    if (http_url_check(req->url, resp->error, sizeof(resp->error)) != 0) {
        curl_slist_free_all(hdrs);
        resp->failure = HTTP_BAD_URL;
        return -1;
    }
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    /* the check above names the scheme; these make sure, redirects included */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, ALLOWED_PROTOCOLS);
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, ALLOWED_PROTOCOLS);
    curl_easy_setopt(h, CURLOPT_DEFAULT_PROTOCOL, "http"); /* no scheme: http, not a guess from the host name */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    long timeout_ms = req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms ? req->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    /* Embedding responses are hundreds of KB: read them in 256 KiB pieces, not
     * libcurl's default 16 KiB (a tenth of the syscalls and callbacks). */
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* whatever curl supports (gzip, br, zstd) */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "pgai-c/" PGAI_C_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);

    CURLcode rc = run_transfer(c, resp, timeout_ms);
    curl_slist_free_all(hdrs);
    if (rc == CURLE_OK) return check_response(h, resp);
    if (resp->failure != HTTP_OK) return -1; /* on_body, the token or the multi handle stopped it and said why */
    if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
        /* the URL was checked, so a refused protocol is a redirect's */
        resp->failure = HTTP_BAD_URL;
        if (rc == CURLE_UNSUPPORTED_PROTOCOL && resp->redirect_scheme[0])
            snprintf(resp->error, sizeof(resp->error),
                     "refused a redirect to a URL of scheme '%s': only http and https are allowed", resp->redirect_scheme);
        else if (rc == CURLE_UNSUPPORTED_PROTOCOL)
            snprintf(resp->error, sizeof(resp->error), "refused a redirect: only http and https are allowed");
        else
            snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(rc));
        buf_reset(&resp->body);
        return -1;
    }
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
        resp->failure = HTTP_CONNECT;
        break;
    case CURLE_OPERATION_TIMEDOUT: resp->failure = HTTP_TIMEOUT; break;
    default: resp->failure = HTTP_TRANSPORT; break;
    }
    snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(rc));
    return -1;
}
