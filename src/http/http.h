/*
 * http: the one place that talks HTTP (libcurl). A client is one easy handle
 * driven through its own multi handle, owned by one thread; the multi handle
 * holds the connection cache, so connections are kept alive across requests,
 * and its wait (curl_multi_poll) also watches the client's cancel token.
 * Every request has a timeout and every response body a size cap; going past
 * the cap is an error, never unbounded memory. Only http and https are
 * spoken, redirects included: URLs come from vectorizer configurations, which
 * tenants write, and libcurl would otherwise also read files (file://) or
 * send chosen bytes to any TCP service (gopher://, dict://).
 */
#ifndef PGAI_HTTP_H
#define PGAI_HTTP_H

#include <stddef.h>

#include "util/buf.h"
#include "util/cancel.h"

typedef struct http_client http_client;

typedef struct http_request {
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" list, may be NULL */
    const char *body;           /* POST body; NULL means GET */
    size_t body_len;
    long timeout_ms;         /* whole request; 0 = default (600 s, as the OpenAI SDK) */
    long connect_timeout_ms; /* 0 = default (10 s) */
    size_t max_response;     /* body cap in bytes; 0 = default (256 MiB) */
} http_request;

typedef enum http_failure {
    HTTP_OK = 0,       /* a response arrived (any status) */
    HTTP_CONNECT,      /* could not connect (refused, DNS, TLS) */
    HTTP_TIMEOUT,      /* connect or transfer timed out */
    HTTP_TOO_LARGE,    /* the body went past max_response */
    HTTP_TRANSPORT,    /* connection dropped, truncated body, protocol error */
    HTTP_CANCELLED,    /* the client's cancel token was fired */
    HTTP_BAD_URL,      /* not an http or https URL (or a redirect to one), or malformed: nothing was sent */
    HTTP_NOMEM,        /* out of memory here (headers, the body buffer): not worth retrying */
} http_failure;

typedef struct http_response {
    http_failure failure;
    long status;           /* HTTP status when failure == HTTP_OK */
    buf body;              /* response body (NUL-terminated); its memory is reused by the next http_send */
    double retry_after_s;  /* from retry-after-ms / retry-after, or -1 */
    char error[256];       /* transport error text when failure != HTTP_OK */
    /* filled from the headers while receiving, to size the body buffer once */
    long long content_length; /* -1 when the response has none */
    int content_encoded;      /* Content-Encoding other than identity: the length is not the body's */
    int body_started;
    char redirect_scheme[48]; /* the scheme of the last Location header, to say why a redirect was refused */
} http_response;

/* cancel (NULL: never), once fired, ends a transfer in progress at once
 * and refuses new ones (HTTP_CANCELLED); it must outlive the client. */
int http_client_new(http_client **out, const cancel_token *cancel) __attribute__((warn_unused_result));
void http_client_free(http_client *c);

/* One attempt. Returns 0 when a response arrived (check status), -1 otherwise
 * (resp->failure and resp->error say why). resp must have been initialised
 * with http_response_init; it is reset first, and its body buffer keeps the
 * memory of the previous response, so one http_response can serve every
 * request of a client. A known Content-Length is reserved up front, and one
 * above the cap fails (HTTP_TOO_LARGE) before any of the body is read. Free
 * resp with http_response_free. */
int http_send(http_client *c, const http_request *req, http_response *resp);
void http_response_init(http_response *resp);
void http_response_free(http_response *resp);

/* 0 when url is one http_send fetches: http:// or https://, or no scheme at
 * all (taken as http://, never guessed from the host name). -1 otherwise,
 * with "unsupported URL scheme '<scheme>': only http and https are allowed"
 * in err (the scheme only: the rest of the URL may hold credentials). */
int http_url_check(const char *url, char *err, size_t errlen);

/* url as messages may show it: scheme://host[:port]/path, without user and
 * password, query string (keys travel there: ?key=) or fragment, cut to fit
 * n bytes. A URL that does not parse is shown by its scheme only. */
void http_url_redact(const char *url, char *out, size_t n);

#endif
