/* Unit tests for src/http against a canned one-shot server on loopback:
 * the response buffer is reused, a Content-Length is reserved up front and
 * checked against the cap, and the request timeout is honoured. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http/http.h"

/* A canned response; sizeof keeps the NUL bytes of binary bodies.
 * NULL data means: read the request and never answer. */
typedef struct canned {
    const char *data;
    size_t len;
} canned;
#define CANNED(literal) {literal, sizeof(literal) - 1}

/* Answers each connection with the next canned response, then closes it. */
typedef struct server {
    int fd;
    char url[64];
    const canned *responses;
    size_t nresponses;
    pthread_t thread;
} server;

static void read_request(int c)
{
    char req[4096];
    size_t len = 0;
    while (len < sizeof(req) - 1) {
        ssize_t n = read(c, req + len, sizeof(req) - 1 - len);
        if (n <= 0) return;
        len += (size_t)n;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n")) return; /* the tests send GETs: no body */
    }
}

static void *serve(void *arg)
{
    server *s = arg;
    for (size_t i = 0; i < s->nresponses; i++) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) return NULL;
        read_request(c);
        const canned *r = &s->responses[i];
        if (r->data) {
            size_t off = 0;
            while (off < r->len) {
                ssize_t n = write(c, r->data + off, r->len - off);
                if (n <= 0) break;
                off += (size_t)n;
            }
        } else {
            char sink[256];
            while (read(c, sink, sizeof(sink)) > 0) { /* until the client gives up */ }
        }
        close(c);
    }
    return NULL;
}

static void server_start(server *s, const canned *responses, size_t n)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 8), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
    s->responses = responses;
    s->nresponses = n;
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(server *s)
{
    pthread_join(s->thread, NULL);
    close(s->fd);
}

static void test_body_buffer_reused(void **state)
{
    static const canned responses[] = {
        CANNED("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"),
        CANNED("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nworld"),
        /* no Content-Length: the buffer grows as the body arrives */
        CANNED("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
    };
    server s;
    server_start(&s, responses, 3);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL, NULL), 0);
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
    server_start(&s, responses, 1);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL, NULL), 0);
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
    server_start(&s, responses, 2);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL, NULL), 0);
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
    server_start(&s, responses, 1);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL, NULL), 0);
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
    server_start(&s, responses, 1);
    http_client *c;
    assert_int_equal(http_client_new(&c, NULL, NULL), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_buffer_reused),      cmocka_unit_test(test_content_length_reserved),
        cmocka_unit_test(test_content_length_over_cap), cmocka_unit_test(test_compressed_length_not_the_size),
        cmocka_unit_test(test_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
