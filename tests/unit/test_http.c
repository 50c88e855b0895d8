/* Unit tests for src/http against a canned one-shot server on loopback:
 * the response buffer is reused, a Content-Length is reserved up front and
 * checked against the cap, the request timeout is honoured, and only http
 * and https URLs are fetched (redirects included); URLs in messages lose
 * their credentials and query strings. A client keeps its connection
 * between requests, and its cancel token ends a request in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http/http.h"
#include "loopback.h"
#include "util/cancel.h"

static void test_body_buffer_reused(void **state)
{
    static const canned responses[] = {
        CANNED("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"),
        CANNED("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nworld"),
        /* no Content-Length: the buffer grows as the body arrives */
        CANNED("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
    };
    server s;
    assert_int_equal(server_start(&s, responses, 3), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url};

    assert_int_equal(http_send(c, &req, &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body.data, "hello");
    /* made larger than any body here needs: a fresh buffer would be smaller */
    assert_int_equal(buf_reserve(&resp.body, 4000), 0);
    char *mem = resp.body.data;
    size_t cap = resp.body.cap;

    assert_int_equal(http_send(c, &req, &resp), 0);
    assert_string_equal(resp.body.data, "world");
    assert_ptr_equal(resp.body.data, mem); /* the same memory, not a new buffer */
    assert_int_equal(resp.body.cap, cap);

    assert_int_equal(http_send(c, &req, &resp), 0);
    assert_string_equal(resp.body.data, "abc");
    assert_int_equal(resp.body.len, 3);
    assert_ptr_equal(resp.body.data, mem);

    http_response_free(&resp);
    http_client_free(c);
    server_stop(&s);
}

static void test_content_length_reserved(void **state)
{
    /* 10 bytes of a declared 100000, then the connection closes */
    static const canned responses[] = {
        CANNED("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n0123456789"),
    };
    server s;
    assert_int_equal(server_start(&s, responses, 1), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url};
    assert_int_equal(http_send(c, &req, &resp), -1);
    assert_int_equal(resp.failure, HTTP_TRANSPORT); /* the body was cut short */
    assert_int_equal(resp.body.len, 10);
    assert_true(resp.body.cap > 100000); /* reserved for the whole body on the first bytes */
    http_response_free(&resp);
    http_client_free(c);
    server_stop(&s);
}

static void test_content_length_over_cap(void **state)
{
    static const canned responses[] = {
        CANNED("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n0123456789"),
        CANNED("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n0123456789"),
    };
    server s;
    assert_int_equal(server_start(&s, responses, 2), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url, .max_response = 100};

    assert_int_equal(http_send(c, &req, &resp), -1);
    assert_int_equal(resp.failure, HTTP_TOO_LARGE);
    assert_string_equal(resp.error, "response body larger than 100 bytes");
    assert_int_equal(resp.body.len, 0); /* refused before any of the body was kept */
    assert_true(resp.body.cap < 1000);

    /* exactly the cap is allowed (and cut short here: a transport error, not too large) */
    assert_int_equal(http_send(c, &req, &resp), -1);
    assert_int_equal(resp.failure, HTTP_TRANSPORT);
    assert_int_equal(resp.body.len, 10);

    http_response_free(&resp);
    http_client_free(c);
    server_stop(&s);
}

/* A compressed body's Content-Length is not the body's size: it must not be
 * held against the cap (22 gzip bytes for a 2-byte body under a 10-byte cap). */
static void test_compressed_length_not_the_size(void **state)
{
    if (!(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_LIBZ)) skip();
    static const canned responses[] = {
        CANNED("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 22\r\nConnection: close\r\n\r\n"
               "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\xc8\x04\x00\xac\x2a\x93\xd8\x02\x00\x00\x00"),
    };
    server s;
    assert_int_equal(server_start(&s, responses, 1), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url, .max_response = 10};
    assert_int_equal(http_send(c, &req, &resp), 0);
    assert_string_equal(resp.body.data, "hi");
    http_response_free(&resp);
    http_client_free(c);
    server_stop(&s);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_timeout(void **state)
{
    static const canned responses[] = {{NULL, 0}};
    server s;
    assert_int_equal(server_start(&s, responses, 1), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url, .timeout_ms = 300};
    double t0 = now_s();
    assert_int_equal(http_send(c, &req, &resp), -1);
    double took = now_s() - t0;
    assert_int_equal(resp.failure, HTTP_TIMEOUT);
    assert_true(took >= 0.25 && took < 5);
    http_response_free(&resp);
    http_client_free(c);
    server_stop(&s);
}

/* --- keep-alive and cancellation --------------------------------------- */

/* Accepts one connection and answers two requests on it: a second request
 * that opened a new connection would wait in the backlog, unanswered. */
typedef struct keepalive_server {
    int fd;
    char url[64];
    pthread_t thread;
} keepalive_server;

static void *serve_keepalive(void *arg)
{
    keepalive_server *s = arg;
    static const char *const answers[] = {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none",
                                          "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntwo"};
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) return NULL;
    for (int i = 0; i < 2; i++) {
        loopback_read_request(c);
        /* MSG_NOSIGNAL: a client that closed the connection must fail the test, not kill it */
        if (send(c, answers[i], strlen(answers[i]), MSG_NOSIGNAL) < 0) break;
    }
    close(c);
    return NULL;
}

/* The multi handle keeps the connection between requests of one client. */
static void test_keepalive_reused(void **state)
{
    keepalive_server s;
    int port = 0;
    s.fd = loopback_listen(&port);
    assert_true(s.fd >= 0);
    snprintf(s.url, sizeof(s.url), "http://127.0.0.1:%d/", port);
    assert_int_equal(pthread_create(&s.thread, NULL, serve_keepalive, &s), 0);
    cancel_token *t; /* unfired: its descriptor is in every wait, and changes nothing */
    assert_int_equal(cancel_token_new(&t), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, t), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url, .timeout_ms = 5000};
    assert_int_equal(http_send(c, &req, &resp), 0);
    assert_string_equal(resp.body.data, "one");
    assert_int_equal(http_send(c, &req, &resp), 0);
    assert_string_equal(resp.body.data, "two");
    pthread_join(s.thread, NULL);
    assert_false(loopback_contacted(s.fd, 0)); /* no second connection waits in the backlog */
    http_response_free(&resp);
    http_client_free(c);
    cancel_token_free(t);
    close(s.fd);
}

typedef struct firer {
    cancel_token *t;
    double fired_at;
} firer;

static void *fire_soon(void *arg)
{
    firer *f = arg;
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    f->fired_at = now_s();
    cancel_fire(f->t);
    return NULL;
}

/* A token fired while the server holds the request ends it at once, and the
 * client then refuses to send anything. */
static void test_cancel_in_flight(void **state)
{
    static const canned responses[] = {{NULL, 0}};
    server s;
    assert_int_equal(server_start(&s, responses, 1), 0);
    cancel_token *t;
    assert_int_equal(cancel_token_new(&t), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, t), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url, .timeout_ms = 20000};
    firer f = {.t = t};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, fire_soon, &f), 0);
    assert_int_equal(http_send(c, &req, &resp), -1);
    double late = now_s() - f.fired_at;
    pthread_join(th, NULL);
    assert_int_equal(resp.failure, HTTP_CANCELLED);
    assert_string_equal(resp.error, "the request was cancelled");
    /* at once: no polling interval; the bound leaves room for a loaded machine */
    if (late >= 0.05) fprintf(stderr, "cancelled %.1f ms after the fire\n", late * 1000);
    assert_true(late < 1);
    server_stop(&s); /* the server saw the connection close */

    int port = 0;
    int fd = loopback_listen(&port);
    assert_true(fd >= 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    req.url = url;
    assert_int_equal(http_send(c, &req, &resp), -1);
    assert_int_equal(resp.failure, HTTP_CANCELLED);
    assert_false(loopback_contacted(fd, 50));
    close(fd);
    http_response_free(&resp);
    http_client_free(c);
    cancel_token_free(t);
}

/* --- only http and https ------------------------------------------------ */

/* A file holding a secret, as a file:// URL could name one the worker can read. */
static const char secret_text[] = "s3cr3t-file-contents-4711";

static void make_secret_file(char *path, size_t n)
{
    snprintf(path, n, "/tmp/pgai-test-http-secret.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, secret_text, sizeof(secret_text) - 1), (ssize_t)(sizeof(secret_text) - 1));
    close(fd);
}

static void expect_refused(http_client *c, http_response *resp, const char *url, const char *scheme)
{
    http_request req = {.url = url, .timeout_ms = 2000};
    int rc = http_send(c, &req, resp);
    if (rc != -1 || resp->failure != HTTP_BAD_URL || !strstr(resp->error, scheme))
        fprintf(stderr, "[%s]: rc %d, failure %d, error [%s]\n", url, rc, (int)resp->failure, resp->error);
    assert_int_equal(rc, -1);
    assert_int_equal(resp->failure, HTTP_BAD_URL);
    assert_non_null(strstr(resp->error, scheme)); /* names the scheme */
    assert_null(strstr(resp->error, secret_text));
    assert_null(strstr(resp->error, "127.0.0.1")); /* not the URL itself, which may hold credentials */
    assert_int_equal(resp->body.len, 0);
}

/* file:// would read a local file with the worker's rights (and the body
 * reached an error row the tenant can read). */
static void test_file_url_refused(void **state)
{
    char path[64], url[128];
    make_secret_file(path, sizeof(path));
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    snprintf(url, sizeof(url), "file://%s", path);
    expect_refused(c, &resp, url, "'file'");
    snprintf(url, sizeof(url), "FILE://localhost%s", path);
    expect_refused(c, &resp, url, "'FILE'");
    snprintf(url, sizeof(url), "file:%s", path); /* curl takes "x:/" as a scheme too */
    expect_refused(c, &resp, url, "'file'");
    http_response_free(&resp);
    http_client_free(c);
    unlink(path);
}

/* gopher:// and dict:// (and the rest of what libcurl speaks) would send
 * bytes chosen by the URL's author to any TCP service: nothing may connect. */
static void test_other_schemes_send_nothing(void **state)
{
    static const char *const schemes[] = {"gopher", "dict", "ftp", "telnet", "smtp", "ldap", "tftp", "mqtt"};
    int port = 0;
    int fd = loopback_listen(&port);
    assert_true(fd >= 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
        char url[128], quoted[32];
        snprintf(url, sizeof(url), "%s://127.0.0.1:%d/_SET%%20key%%20value", schemes[i], port);
        snprintf(quoted, sizeof(quoted), "'%s'", schemes[i]);
        expect_refused(c, &resp, url, quoted);
        if (loopback_contacted(fd, 50)) fprintf(stderr, "%s connected\n", schemes[i]);
        assert_false(loopback_contacted(fd, 0));
    }
    http_response_free(&resp);
    http_client_free(c);
    close(fd);
}

/* The same for a redirect: libcurl follows one to ftp:// by default, and the
 * server (or whoever answers for it) chooses the target. */
static void test_redirect_to_other_scheme_refused(void **state)
{
    char path[64];
    make_secret_file(path, sizeof(path));
    int port = 0;
    int fd = loopback_listen(&port);
    assert_true(fd >= 0);
    char to_file[256], to_ftp[256], to_gopher[256];
    snprintf(to_file, sizeof(to_file), "HTTP/1.1 302 Found\r\nLocation: file://%s\r\nContent-Length: 0\r\n\r\n", path);
    snprintf(to_ftp, sizeof(to_ftp),
             "HTTP/1.1 301 Moved\r\nLocation: ftp://127.0.0.1:%d/x\r\nContent-Length: 0\r\n\r\n", port);
    snprintf(to_gopher, sizeof(to_gopher),
             "HTTP/1.1 307 Temporary Redirect\r\nLocation: gopher://127.0.0.1:%d/_x\r\nContent-Length: 0\r\n\r\n",
             port);
    const canned responses[] = {{to_file, strlen(to_file)}, {to_ftp, strlen(to_ftp)}, {to_gopher, strlen(to_gopher)}};
    server s;
    assert_int_equal(server_start(&s, responses, 3), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url, .timeout_ms = 2000};
    static const char *const schemes[] = {"'file'", "'ftp'", "'gopher'"};
    for (int i = 0; i < 3; i++) {
        int rc = http_send(c, &req, &resp);
        if (rc != -1 || resp.failure != HTTP_BAD_URL)
            fprintf(stderr, "redirect %d: rc %d, failure %d, status %ld, error [%s]\n", i, rc, (int)resp.failure,
                    resp.status, resp.error);
        assert_int_equal(rc, -1);
        assert_int_equal(resp.failure, HTTP_BAD_URL);
        assert_non_null(strstr(resp.error, "redirect"));
        assert_non_null(strstr(resp.error, schemes[i]));
        assert_null(strstr(resp.error, secret_text));
        assert_null(strstr(resp.body.data ? resp.body.data : "", secret_text));
    }
    assert_false(loopback_contacted(fd, 100));
    http_response_free(&resp);
    http_client_free(c);
    server_stop(&s);
    close(fd);
    unlink(path);
}

/* Redirects between http URLs still work. */
static void test_http_redirect_followed(void **state)
{
    static const canned responses[] = {
        CANNED("HTTP/1.1 308 Permanent Redirect\r\nLocation: /there\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        CANNED("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nhere"),
    };
    server s;
    assert_int_equal(server_start(&s, responses, 2), 0);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL), 0);
    http_response resp;
    http_response_init(&resp);
    http_request req = {.url = s.url};
    assert_int_equal(http_send(c, &req, &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body.data, "here");
    http_response_free(&resp);
    http_client_free(c);
    server_stop(&s);
}

static void expect_url_check(const char *url, int want, const char *want_err)
{
    char err[256] = "";
    int rc = http_url_check(url, err, sizeof(err));
    if (rc != want || (want_err && strcmp(err, want_err) != 0)) fprintf(stderr, "[%s]: %d [%s]\n", url, rc, err);
    assert_int_equal(rc, want);
    if (want_err) assert_string_equal(err, want_err);
}

static void test_url_check(void **state)
{
    expect_url_check("http://127.0.0.1:1/v1", 0, NULL);
    expect_url_check("HTTPS://api.openai.com/v1", 0, NULL);
    expect_url_check("localhost:8080/v1", 0, NULL); /* no scheme: http */
    expect_url_check("ftp.example.com/v1", 0, NULL); /* no guessing from the host name: http too */
    expect_url_check("file:///etc/passwd", -1, "unsupported URL scheme 'file': only http and https are allowed");
    expect_url_check("file:/etc/passwd", -1, "unsupported URL scheme 'file': only http and https are allowed");
    expect_url_check("gopher://127.0.0.1:70/_x", -1, "unsupported URL scheme 'gopher': only http and https are allowed");
    expect_url_check("dict://x", -1, "unsupported URL scheme 'dict': only http and https are allowed");
    expect_url_check("httpx://x", -1, "unsupported URL scheme 'httpx': only http and https are allowed");
}

static void expect_redacted(const char *url, const char *want)
{
    char out[128];
    http_url_redact(url, out, sizeof(out));
    if (strcmp(out, want) != 0) fprintf(stderr, "[%s] -> [%s], want [%s]\n", url, out, want);
    assert_string_equal(out, want);
}

/* What errors show of a URL: scheme://host:port/path, no credentials, no query. */
static void test_url_redact(void **state)
{
    expect_redacted("http://127.0.0.1:1/v1/embeddings", "http://127.0.0.1:1/v1/embeddings");
    expect_redacted("https://user:pa55@api.example.com:8443/v1/embeddings?key=SECRET#f",
                    "https://api.example.com:8443/v1/embeddings");
    expect_redacted("https://generativelanguage.googleapis.com/v1beta/models/m:embed?key=AIzaSECRET",
                    "https://generativelanguage.googleapis.com/v1beta/models/m:embed");
    expect_redacted("http://[::1]:11434/api/embed", "http://[::1]:11434/api/embed");
    expect_redacted("localhost:8080/v1?x=1", "http://localhost:8080/v1");
    expect_redacted("http://u:p@w@host/", "http://(a URL that does not parse)");
    expect_redacted("file:///tmp/x", "file:///tmp/x");
    /* what does not parse is not shown: it may be a password cut in two */
    expect_redacted("https://u:p/w@host/", "https://(a URL that does not parse)");
    expect_redacted("", "(no URL)");
    /* a long path is cut, and the result always fits */
    char lng[400];
    snprintf(lng, sizeof(lng), "http://h/%0300d", 0);
    char out[64];
    http_url_redact(lng, out, sizeof(out));
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_memory_equal(out, "http://h/000", 12);
    assert_string_equal(out + strlen(out) - 3, "...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_buffer_reused),      cmocka_unit_test(test_content_length_reserved),
        cmocka_unit_test(test_content_length_over_cap), cmocka_unit_test(test_compressed_length_not_the_size),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_keepalive_reused),        cmocka_unit_test(test_cancel_in_flight),
        cmocka_unit_test(test_file_url_refused),        cmocka_unit_test(test_other_schemes_send_nothing),
        cmocka_unit_test(test_redirect_to_other_scheme_refused), cmocka_unit_test(test_http_redirect_followed),
        cmocka_unit_test(test_url_check),               cmocka_unit_test(test_url_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
