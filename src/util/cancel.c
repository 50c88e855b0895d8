/* cancel: one-shot cancellation tokens on an eventfd; see cancel.h. */
#include "util/cancel.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

/* A signal handler may only touch lock-free atomics. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "cancel_fire needs a lock-free atomic int");

/* poll() takes an int of milliseconds: a longer sleep is taken a day at a time. */
#define MAX_POLL_MS 86400000

struct cancel_token {
    /* The flag answers cancel_fired without a system call and makes firing
     * idempotent; the eventfd wakes those who wait. Its counter is written
     * once and never read, so it stays readable. */
    atomic_int fired;
    int fd;
};

int cancel_token_new(cancel_token **out)
{
    *out = NULL;
    cancel_token *t = malloc(sizeof(*t));
    if (!t) return -1;
    /* non-blocking: the signal handler must never block on it */
    t->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (t->fd < 0) {
        free(t);
        return -1;
    }
    atomic_init(&t->fired, 0);
    *out = t;
    return 0;
}

void cancel_token_free(cancel_token *t)
{
    if (!t) return;
    close(t->fd);
    free(t);
}

void cancel_fire(cancel_token *t)
{
    if (!t || atomic_exchange(&t->fired, 1)) return;
    int saved = errno; /* a signal handler must leave errno as it found it */
    uint64_t one = 1;
    ssize_t r = write(t->fd, &one, sizeof(one));
    (void)r; /* it cannot fail: the counter goes from 0 to 1, once */
    errno = saved;
}

int cancel_fired(const cancel_token *t) { return t && atomic_load(&t->fired); }

int cancel_fd(const cancel_token *t) { return t ? t->fd : -1; }

int cancel_sleep(const cancel_token *t, double seconds)
{
    double end = clock_now_s() + seconds;
    for (;;) {
        if (cancel_fired(t)) return 1;
        double left = end - clock_now_s();
        if (left <= 0) return 0;
        /* rounded up, so the last round does not wake early and spin at 0 ms */
        double ms = ceil(left * 1000);
        /* a NULL token is fd -1, which poll() ignores: then this is a plain sleep */
        struct pollfd p = {.fd = cancel_fd(t), .events = POLLIN};
        if (poll(&p, 1, ms > MAX_POLL_MS ? MAX_POLL_MS : (int)ms) < 0 && errno != EINTR) {
            /* ENOMEM, in theory: do not spin while the kernel is short */
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
}
