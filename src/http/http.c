/* http: libcurl wrapper; see http.h. */
#include "http/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_TIMEOUT_MS 600000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_MAX_RESPONSE ((size_t)256 << 20) /* 2048 x 3072 floats as JSON text is ~130 MB */

struct http_client {
    CURL *curl;
    http_cancel_fn cancel;
    void *cancel_userdata;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

/* libcurl's global init must run once per process before any handle exists. */
static void curl_init_once(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

int http_client_new(http_client **out, http_cancel_fn cancel, void *cancel_userdata)
{
    pthread_once(&curl_once, curl_init_once);
    *out = NULL;
    if (curl_init_rc != CURLE_OK) return -1;
    http_client *c = calloc(1, sizeof(*c));
    if (!c) return -1;
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(c);
        return -1;
    }
    c->cancel = cancel;
    c->cancel_userdata = cancel_userdata;
    *out = c;
    return 0;
}

void http_client_free(http_client *c)
{
    if (!c) return;
    curl_easy_cleanup(c->curl);
    free(c);
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
    buf_reset(&body);
    body.max = max_body;
    http_response_init(resp);
    resp->body = body;
}

void http_response_free(http_response *resp) { buf_free(&resp->body); }

int http_status_retryable(long status)
{
    return status == 408 || status == 409 || status == 429 || status >= 500;
}

static size_t too_large(http_response *resp)
{
    resp->failure = HTTP_TOO_LARGE;
    snprintf(resp->error, sizeof(resp->error), "response body larger than %zu bytes", resp->body.max);
    return 0; /* makes curl stop with CURLE_WRITE_ERROR */
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
            if (buf_reserve(&resp->body, (size_t)resp->content_length) != 0) {
                resp->failure = HTTP_TRANSPORT;
                snprintf(resp->error, sizeof(resp->error), "out of memory for a response body of %lld bytes",
                         resp->content_length);
                return 0;
            }
        }
    }
    if (buf_append(&resp->body, data, size * n) != 0) return too_large(resp);
    return size * n;
}

/* Parses Retry-After (seconds or an HTTP date) and OpenAI's retry-after-ms. */
static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    http_response *resp = userdata;
    size_t len = size * n;
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

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    http_client *c = userdata;
    return (c->cancel && c->cancel(c->cancel_userdata)) ? 1 : 0;
}

int http_send(http_client *c, const http_request *req, http_response *resp)
{
    response_reset(resp, req->max_response ? req->max_response : DEFAULT_MAX_RESPONSE);

    CURL *h = c->curl;
    curl_easy_reset(h); /* keeps the connection cache: keep-alive survives */
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
        resp->failure = HTTP_TRANSPORT;
        return -1;
    }
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
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
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);

    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->failure = HTTP_OK;
        return 0;
    }
    if (resp->failure != HTTP_OK) return -1; /* on_body stopped the transfer and said why */
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
        resp->failure = HTTP_CONNECT;
        break;
    case CURLE_OPERATION_TIMEDOUT: resp->failure = HTTP_TIMEOUT; break;
    case CURLE_ABORTED_BY_CALLBACK: resp->failure = HTTP_CANCELLED; break;
    default: resp->failure = HTTP_TRANSPORT; break;
    }
    snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(rc));
    return -1;
}
