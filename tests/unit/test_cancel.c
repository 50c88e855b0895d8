/* Unit tests for src/util/cancel: a token fired from another thread (or a
 * signal handler) wakes every sleeper at once, a fired token stays fired for
 * every later wait, and a NULL token is never fired. And its first user:
 * db_connect_cancellable gives up at once when its token is fired, while
 * keeping its connect_timeout. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "loopback.h"
#include "util/cancel.h"
#include "util/clock.h"

/* "At once": a wake-up that waited for a polling interval would take 100 ms. */
#define PROMPT_S 0.05

typedef struct firer {
    cancel_token *t;
    double delay_s;
    double fired_at;
} firer;

static void *fire_later(void *arg)
{
    firer *f = arg;
    struct timespec ts = {0, (long)(f->delay_s * 1e9)};
    nanosleep(&ts, NULL);
    f->fired_at = clock_now_s();
    cancel_fire(f->t);
    return NULL;
}

typedef struct sleeper {
    const cancel_token *t;
    int result;
    double woke_at;
} sleeper;

static void *sleep_long(void *arg)
{
    sleeper *s = arg;
    s->result = cancel_sleep(s->t, 30);
    s->woke_at = clock_now_s();
    return NULL;
}

static void test_fire_wakes_sleepers(void **state)
{
    cancel_token *t;
    assert_int_equal(cancel_token_new(&t), 0);
    assert_false(cancel_fired(t));
    /* two threads sleeping on the same token: nobody drains it, both wake */
    sleeper s[2] = {{.t = t}, {.t = t}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, sleep_long, &s[i]), 0);
    firer f = {.t = t, .delay_s = 0.1};
    pthread_t ft;
    assert_int_equal(pthread_create(&ft, NULL, fire_later, &f), 0);
    /* and this thread, waiting on the descriptor as the poll loops do */
    struct pollfd p = {.fd = cancel_fd(t), .events = POLLIN};
    assert_int_equal(poll(&p, 1, 30000), 1);
    double polled_at = clock_now_s();
    pthread_join(ft, NULL);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    printf("# woke %.1f ms, %.1f ms and %.1f ms after the fire\n", (polled_at - f.fired_at) * 1000,
           (s[0].woke_at - f.fired_at) * 1000, (s[1].woke_at - f.fired_at) * 1000);
    assert_true(polled_at - f.fired_at < PROMPT_S);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(s[i].result, 1);
        assert_true(s[i].woke_at - f.fired_at < PROMPT_S);
    }
    cancel_token_free(t);
}

static void test_fired_stays_fired(void **state)
{
    cancel_token *t;
    assert_int_equal(cancel_token_new(&t), 0);
    cancel_fire(t);
    cancel_fire(t); /* idempotent */
    for (int i = 0; i < 3; i++) {
        assert_true(cancel_fired(t));
        double t0 = clock_now_s();
        assert_int_equal(cancel_sleep(t, 10), 1);
        assert_true(clock_now_s() - t0 < PROMPT_S);
        struct pollfd p = {.fd = cancel_fd(t), .events = POLLIN};
        assert_int_equal(poll(&p, 1, 0), 1); /* still readable: waiting did not drain it */
        assert_true(p.revents & POLLIN);
    }
    cancel_token_free(t);
}

static void test_unfired_sleeps(void **state)
{
    cancel_token *t;
    assert_int_equal(cancel_token_new(&t), 0);
    double t0 = clock_now_s();
    assert_int_equal(cancel_sleep(t, 0.08), 0);
    double took = clock_now_s() - t0;
    assert_true(took >= 0.08 && took < 2);
    assert_int_equal(cancel_sleep(t, 0), 0);
    assert_int_equal(cancel_sleep(t, -1), 0);
    struct pollfd p = {.fd = cancel_fd(t), .events = POLLIN};
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_false(cancel_fired(t));
    cancel_token_free(t);
}

static void test_null_token(void **state)
{
    cancel_fire(NULL);
    assert_false(cancel_fired(NULL));
    assert_int_equal(cancel_fd(NULL), -1);
    double t0 = clock_now_s();
    assert_int_equal(cancel_sleep(NULL, 0.05), 0);
    double took = clock_now_s() - t0;
    assert_true(took >= 0.05 && took < 2);
    cancel_token_free(NULL);
}

static cancel_token *signal_token;

static void on_signal(int sig)
{
    errno = EINTR;
    cancel_fire(signal_token);
    /* cancel_fire must leave errno as it found it */
    if (errno != EINTR) signal_token = NULL;
}

static void test_fire_from_signal_handler(void **state)
{
    assert_int_equal(cancel_token_new(&signal_token), 0);
    cancel_token *t = signal_token;
    struct sigaction sa = {.sa_handler = on_signal}, old;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    assert_int_equal(raise(SIGUSR1), 0);
    sigaction(SIGUSR1, &old, NULL);
    assert_ptr_equal(signal_token, t); /* errno was kept */
    assert_true(cancel_fired(t));
    assert_int_equal(cancel_sleep(t, 10), 1);
    cancel_token_free(t);
}

/* A listener that never accepts: the kernel completes the TCP handshake, and
 * libpq then waits for an answer to its startup packet that never comes. */
static int silent_db(char *url, size_t n, int connect_timeout_s)
{
    int port = 0;
    int fd = loopback_listen(&port);
    assert_true(fd >= 0);
    snprintf(url, n, "postgresql://u@127.0.0.1:%d/db?connect_timeout=%d&sslmode=disable", port, connect_timeout_s);
    return fd;
}

static void test_db_connect_cancelled(void **state)
{
    char url[128];
    int fd = silent_db(url, sizeof(url), 60);
    cancel_token *t;
    assert_int_equal(cancel_token_new(&t), 0);
    firer f = {.t = t, .delay_s = 0.2};
    pthread_t ft;
    assert_int_equal(pthread_create(&ft, NULL, fire_later, &f), 0);
    pgai_error err;
    PGconn *conn = db_connect_cancellable(url, "test", NULL, t, &err);
    double late = clock_now_s() - f.fired_at;
    pthread_join(ft, NULL);
    assert_null(conn);
    assert_int_equal(err.code, PGAI_E_CONNECT);
    assert_string_equal(err.message, "connecting to the database was cancelled");
    printf("# the connection attempt ended %.1f ms after the fire\n", late * 1000);
    assert_true(late < PROMPT_S);
    assert_true(loopback_contacted(fd, 0)); /* it was connecting, not refused */

    /* already fired: not even an attempt */
    double t0 = clock_now_s();
    assert_null(db_connect_cancellable(url, "test", NULL, t, &err));
    assert_string_equal(err.message, "connecting to the database was cancelled");
    assert_true(clock_now_s() - t0 < PROMPT_S);
    cancel_token_free(t);
    close(fd);
}

static void test_db_connect_timeout_kept(void **state)
{
    char url[128];
    int fd = silent_db(url, sizeof(url), 1);
    cancel_token *t; /* unfired: in the poll set, changes nothing */
    assert_int_equal(cancel_token_new(&t), 0);
    pgai_error err;
    double t0 = clock_now_s();
    assert_null(db_connect_cancellable(url, "test", NULL, t, &err));
    double took = clock_now_s() - t0;
    assert_int_equal(err.code, PGAI_E_CONNECT);
    assert_non_null(strstr(err.message, "timeout expired"));
    assert_true(took >= 0.95 && took < 5);
    cancel_token_free(t);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fire_wakes_sleepers),
        cmocka_unit_test(test_fired_stays_fired),
        cmocka_unit_test(test_unfired_sleeps),
        cmocka_unit_test(test_null_token),
        cmocka_unit_test(test_fire_from_signal_handler),
        cmocka_unit_test(test_db_connect_cancelled),
        cmocka_unit_test(test_db_connect_timeout_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
