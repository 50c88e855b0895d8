/* pool: idle database connections between passes; see pool.h. */
#include "db/pool.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>

#include "util/clock.h"

typedef struct idle_conn {
    PGconn *conn;
    double since; /* when it was given back */
} idle_conn;

struct db_pool {
    pthread_mutex_t mu;
    idle_conn *idle;
    size_t n, max;
    double max_idle_s;
};

db_pool *db_pool_new(size_t max_idle, double max_idle_s)
{
    db_pool *p = calloc(1, sizeof(*p));
    if (!p || !(p->idle = calloc(max_idle ? max_idle : 1, sizeof(idle_conn)))) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    p->max = max_idle;
    p->max_idle_s = max_idle_s;
    return p;
}

void db_pool_free(db_pool *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) PQfinish(p->idle[i].conn);
    pthread_mutex_destroy(&p->mu);
    free(p->idle);
    free(p);
}

/*
 * Whether a connection can serve the next caller. An idle connection should
 * hear nothing from the server: anything readable is, in practice, the
 * message of a backend that was terminated or a server that went away, so
 * such a connection is not trusted, whatever it says.
 */
int db_conn_usable(PGconn *conn)
{
    if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) return 0;
    struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
    return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

PGconn *db_pool_take(db_pool *p)
{
    if (!p) return NULL;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        PGconn *conn = p->n ? p->idle[--p->n].conn : NULL; /* the most recently used: likeliest to be warm */
        pthread_mutex_unlock(&p->mu);
        if (!conn || db_conn_usable(conn)) return conn;
        PQfinish(conn);
    }
}

void db_pool_give(db_pool *p, PGconn *conn)
{
    if (!conn) return;
    if (p && db_conn_usable(conn)) {
        pthread_mutex_lock(&p->mu);
        if (p->n < p->max) {
            p->idle[p->n++] = (idle_conn){conn, clock_now_s()};
            conn = NULL;
        }
        pthread_mutex_unlock(&p->mu);
    }
    PQfinish(conn);
}

double db_pool_prune(db_pool *p)
{
    if (!p) return -1;
    double now = clock_now_s(), next = -1;
    PGconn *expired[64];
    size_t nexpired = 0;
    pthread_mutex_lock(&p->mu);
    size_t kept = 0;
    for (size_t i = 0; i < p->n; i++) {
        double left = p->idle[i].since + p->max_idle_s - now;
        if (left <= 0 && nexpired < sizeof(expired) / sizeof(expired[0])) {
            expired[nexpired++] = p->idle[i].conn;
        } else {
            p->idle[kept++] = p->idle[i];
            if (next < 0 || left < next) next = left > 0 ? left : 0;
        }
    }
    p->n = kept;
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < nexpired; i++) PQfinish(expired[i]); /* outside the lock: closing waits on the network */
    return next;
}
