/*
 * stubprovider: an OpenAI-compatible embeddings endpoint that costs (almost)
 * nothing, for measuring the worker with a provider that is truly "zero
 * latency". The test provider (tests/provider/server.py) is pure Python and
 * on a small machine spends more time per request than the database does per
 * batch, so it hides the worker's own costs; this one answers from
 * precomputed vectors.
 *
 * It understands just enough of HTTP/1.1 for libcurl: keep-alive, a
 * Content-Length body, "Expect: 100-continue". Every POST whose path ends in
 * /embeddings is answered with one base64 vector per input: the inputs are
 * counted in the request's "input" array of strings, the size comes from
 * "dimensions" (default 1536). Vectors are dense unit vectors drawn from a
 * pool of 256 (pseudo-random, fixed), so no two neighbouring chunks are
 * identical. Anything else gets a 404.
 *
 * Usage: stubprovider PORT_FILE [LOG_FILE]
 *   listens on 127.0.0.1 on a free port, writes the port to PORT_FILE, and
 *   appends one line per request to LOG_FILE in the test provider's format
 *   ("POST /v1/embeddings ... inputs=N status=200 ... ms=M"), so the same
 *   scripts can sum its time. Runs until SIGTERM/SIGINT.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POOL 256
#define MAX_DIM 4096
#define MAX_HEADER 65536
#define MAX_BODY (64u << 20)

static FILE *log_file;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static char *pool_b64[MAX_DIM + 1]; /* per dimension: POOL base64 strings, back to back */
static size_t pool_len[MAX_DIM + 1]; /* length of one string */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void b64(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tbl[v >> 18], out[o++] = tbl[(v >> 12) & 63], out[o++] = tbl[(v >> 6) & 63], out[o++] = tbl[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = tbl[v >> 18], out[o++] = tbl[(v >> 12) & 63], out[o++] = '=', out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = tbl[v >> 18], out[o++] = tbl[(v >> 12) & 63], out[o++] = tbl[(v >> 6) & 63], out[o++] = '=';
    }
    out[o] = '\0';
}

/* The pool of base64 vectors for one dimension, built on first use. */
static const char *pool_for(int dim, size_t *len)
{
    pthread_mutex_lock(&pool_mu);
    if (!pool_b64[dim]) {
        size_t one = ((size_t)dim * 4 + 2) / 3 * 4;
        char *all = malloc(one * POOL + 1);
        float *v = malloc((size_t)dim * sizeof(float));
        unsigned char *bytes = malloc((size_t)dim * 4);
        if (!all || !v || !bytes) abort();
        uint64_t x = 88172645463325252ULL;
        for (int k = 0; k < POOL; k++) {
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                v[i] = (float)((double)(x >> 11) / 9007199254740992.0 - 0.5);
                norm += (double)v[i] * v[i];
            }
            for (int i = 0; i < dim; i++) {
                float f = (float)(v[i] / sqrt(norm));
                uint32_t u;
                memcpy(&u, &f, 4);
                bytes[4 * i] = (unsigned char)u, bytes[4 * i + 1] = (unsigned char)(u >> 8);
                bytes[4 * i + 2] = (unsigned char)(u >> 16), bytes[4 * i + 3] = (unsigned char)(u >> 24);
            }
            b64(bytes, (size_t)dim * 4, all + one * (size_t)k);
        }
        free(v);
        free(bytes);
        pool_len[dim] = one;
        pool_b64[dim] = all;
    }
    *len = pool_len[dim];
    const char *p = pool_b64[dim];
    pthread_mutex_unlock(&pool_mu);
    return p;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* The number of strings in the request's "input" array (0 if there is none). */
static long count_inputs(const char *body, size_t n)
{
    const char *end = body + n;
    const char *p = memmem(body, n, "\"input\"", 7);
    if (!p) return 0;
    p += 7;
    while (p < end && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t' || *p == '\r')) p++;
    if (p < end && *p == '"') return 1; /* a single string */
    if (p >= end || *p != '[') return 0;
    p++;
    long count = 0;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '\n' || *p == '\t' || *p == '\r')) p++;
        if (p >= end || *p == ']') break;
        if (*p != '"') return count; /* token arrays: not used by the worker */
        p++;
        while (p < end && *p != '"') p += (*p == '\\') ? 2 : 1;
        p++;
        count++;
    }
    return count;
}

static int json_int(const char *body, size_t n, const char *key, int dflt)
{
    const char *p = memmem(body, n, key, strlen(key));
    if (!p) return dflt;
    p += strlen(key);
    while (p < body + n && (*p == ' ' || *p == ':')) p++;
    return p < body + n && isdigit((unsigned char)*p) ? atoi(p) : dflt;
}

static int reply(int fd, int status, const char *body, size_t n)
{
    char head[256];
    int h = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", status,
                     status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request", n);
    return send_all(fd, head, (size_t)h) || send_all(fd, body, n) ? -1 : 0;
}

/* Answers one embeddings request; the response is built in *out (reused). */
static int embeddings(int fd, const char *body, size_t n, char **out, size_t *cap, long *inputs)
{
    long count = count_inputs(body, n);
    int dim = json_int(body, n, "\"dimensions\"", 1536);
    *inputs = count;
    if (count <= 0 || dim < 1 || dim > MAX_DIM) {
        static const char bad[] = "{\"error\":{\"message\":\"stubprovider: bad request\",\"type\":\"invalid_request_error\"}}";
        return reply(fd, 400, bad, sizeof(bad) - 1);
    }
    size_t one;
    const char *pool = pool_for(dim, &one);
    size_t need = 200 + (size_t)count * (one + 64);
    if (need > *cap) {
        free(*out);
        *out = malloc(need);
        *cap = need;
        if (!*out) abort();
    }
    char *o = *out;
    size_t len = (size_t)sprintf(o, "{\"object\":\"list\",\"data\":[");
    for (long i = 0; i < count; i++) {
        len += (size_t)sprintf(o + len, "%s{\"object\":\"embedding\",\"index\":%ld,\"embedding\":\"", i ? "," : "", i);
        memcpy(o + len, pool + one * (size_t)(i % POOL), one);
        len += one;
        o[len++] = '"';
        o[len++] = '}';
    }
    len += (size_t)sprintf(o + len, "],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":%ld,"
                                    "\"total_tokens\":%ld}}", count, count);
    return reply(fd, 200, o, len);
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char *buf = malloc(MAX_HEADER);
    char *body = NULL, *out = NULL;
    size_t bodycap = 0, outcap = 0, have = 0;
    if (!buf) abort();
    for (;;) {
        /* headers */
        char *eoh = NULL;
        while (!(eoh = memmem(buf, have, "\r\n\r\n", 4))) {
            if (have == MAX_HEADER) goto done;
            ssize_t r = recv(fd, buf + have, MAX_HEADER - have, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) goto done;
            have += (size_t)r;
        }
        double t0 = now_ms();
        size_t hlen = (size_t)(eoh - buf) + 4;
        char method[16] = "", path[1024] = "";
        if (sscanf(buf, "%15s %1023s", method, path) != 2) goto done;
        size_t clen = 0;
        int expect = 0;
        for (char *line = strstr(buf, "\r\n"); line && line < eoh; line = strstr(line + 2, "\r\n")) {
            if (!strncasecmp(line + 2, "Content-Length:", 15)) clen = strtoul(line + 17, NULL, 10);
            if (!strncasecmp(line + 2, "Expect: 100-continue", 20)) expect = 1;
        }
        if (clen > MAX_BODY) goto done;
        if (expect && send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25)) goto done;
        if (clen + 1 > bodycap) {
            free(body);
            bodycap = clen + 1;
            body = malloc(bodycap);
            if (!body) abort();
        }
        size_t got = have - hlen < clen ? have - hlen : clen;
        memcpy(body, buf + hlen, got);
        size_t rest = have - hlen - got; /* pipelined bytes after the body */
        memmove(buf, buf + hlen + got, rest);
        have = rest;
        while (got < clen) {
            ssize_t r = recv(fd, body + got, clen - got, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) goto done;
            got += (size_t)r;
        }
        body[clen] = '\0';
        long inputs = 0;
        int status, rc;
        size_t plen = strlen(path);
        if (!strcmp(method, "POST") && plen >= 11 && !strcmp(path + plen - 11, "/embeddings")) {
            status = 200;
            rc = embeddings(fd, body, clen, &out, &outcap, &inputs);
        } else {
            static const char nf[] = "{\"error\":{\"message\":\"stubprovider: not found\"}}";
            status = 404;
            rc = reply(fd, 404, nf, sizeof(nf) - 1);
        }
        if (log_file) {
            pthread_mutex_lock(&log_mu);
            fprintf(log_file, "stub %s %s dialect=openai inputs=%ld status=%d in=%zu ms=%.3f\n", method, path, inputs,
                    status, clen, now_ms() - t0);
            fflush(log_file);
            pthread_mutex_unlock(&log_mu);
        }
        if (rc) goto done;
    }
done:
    free(buf);
    free(body);
    free(out);
    close(fd);
    return NULL;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fputs("usage: stubprovider PORT_FILE [LOG_FILE]\n", stderr);
        return 2;
    }
    if (argc == 3 && !(log_file = fopen(argv[2], "a"))) {
        perror("stubprovider: log file");
        return 2;
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 64) ||
        getsockname(ls, (struct sockaddr *)&a, &alen)) {
        perror("stubprovider: listen");
        return 2;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%d\n", ntohs(a.sin_port)) < 0 || fclose(pf) || rename(tmp, argv[1])) {
        perror("stubprovider: port file");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: accept() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    while (!stop) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) continue;
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, serve, (void *)(intptr_t)fd) != 0) close(fd);
        pthread_attr_destroy(&at);
    }
    close(ls);
    return 0;
}
