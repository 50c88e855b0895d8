/*
 * loopback: test servers on 127.0.0.1 for the unit tests of src/http and
 * src/embed (a header, not a test: tests/run.sh builds every test_*.c alone).
 *
 * - a canned server: answers each connection with the next canned response,
 *   then closes it;
 * - a listener that never accepts: a test asks it afterwards whether anything
 *   connected (a pending connection makes the listening socket readable).
 */
#ifndef PGAI_TEST_LOOPBACK_H
#define PGAI_TEST_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* A canned response; sizeof keeps the NUL bytes of binary bodies.
 * NULL data means: read the request and never answer. */
typedef struct canned {
    const char *data;
    size_t len;
} canned;
#define CANNED(literal) {literal, sizeof(literal) - 1}

typedef struct server {
    int fd;
    int port;
    char url[64]; /* http://127.0.0.1:<port>/ */
    const canned *responses;
    size_t nresponses;
    pthread_t thread;
} server;

/* Reads one request, its body too (by Content-Length): closing a socket with
 * unread data would reset the connection under the client's feet. */
static inline void loopback_read_request(int c)
{
    char req[16384];
    size_t len = 0;
    char *end = NULL;
    while (!end && len < sizeof(req) - 1) {
        ssize_t n = read(c, req + len, sizeof(req) - 1 - len);
        if (n <= 0) return;
        len += (size_t)n;
        req[len] = '\0';
        end = strstr(req, "\r\n\r\n");
    }
    if (!end) return;
    size_t body = 0;
    for (char *p = req; p < end; p++)
        if ((p == req || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0)
            body = (size_t)strtoul(p + 15, NULL, 10);
    size_t have = len - (size_t)(end + 4 - req);
    char sink[4096];
    while (have < body) {
        ssize_t n = read(c, sink, sizeof(sink));
        if (n <= 0) return;
        have += (size_t)n;
    }
}

static inline void *loopback_serve(void *arg)
{
    server *s = arg;
    for (size_t i = 0; i < s->nresponses; i++) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) return NULL;
        loopback_read_request(c);
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

/* A listening socket on a free loopback port; returns the fd, the port in *port. */
static inline int loopback_listen(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* 1 when a client connected to the (never accepting) listener fd within wait_ms. */
static inline int loopback_contacted(int fd, int wait_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, wait_ms) > 0;
}

/* A free port with nothing listening on it (bound, then closed). */
static inline int loopback_closed_port(void)
{
    int port = 0;
    int fd = loopback_listen(&port);
    if (fd >= 0) close(fd);
    return fd >= 0 ? port : -1;
}

/* Starts the canned server; returns 0, or -1 when the socket or thread could not be made. */
static inline int server_start(server *s, const canned *responses, size_t n)
{
    s->fd = loopback_listen(&s->port);
    if (s->fd < 0) return -1;
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/", s->port);
    s->responses = responses;
    s->nresponses = n;
    if (pthread_create(&s->thread, NULL, loopback_serve, s) != 0) {
        close(s->fd);
        return -1;
    }
    return 0;
}

/* Waits until every canned response was served. */
static inline void server_stop(server *s)
{
    pthread_join(s->thread, NULL);
    close(s->fd);
}

#endif
