/*
 * pool: database connections kept between the worker's passes, so a wake-up
 * does not open a connection for the pass and one per executor each time
 * (a busy table can wake the worker many times a second). Only idle,
 * healthy connections are kept, for at most a given time unused. A pool is
 * shared by the worker's threads.
 */
#ifndef PGAI_DB_POOL_H
#define PGAI_DB_POOL_H

#include <libpq-fe.h>
#include <stddef.h>

typedef struct db_pool db_pool;

/* Keeps at most max_idle connections, each at most max_idle_s unused. NULL when out of memory. */
db_pool *db_pool_new(size_t max_idle, double max_idle_s);
/* Closes every kept connection. */
void db_pool_free(db_pool *p);

/* A kept connection that still works, or NULL: the caller then connects. */
PGconn *db_pool_take(db_pool *p);
/* Gives a connection back: kept if it is healthy, outside a transaction and
 * there is room, closed otherwise. NULL is ignored. */
void db_pool_give(db_pool *p, PGconn *conn);
/* Whether an idle connection can serve its next statement: healthy, outside
 * a transaction, and nothing unread from the server (a terminated backend
 * says so only by sending a message). Also for connections kept elsewhere. */
int db_conn_usable(PGconn *conn);
/* Closes the connections unused for longer than max_idle_s; returns the
 * seconds until the next one is due (or a negative number if none is kept). */
double db_pool_prune(db_pool *p);

#endif
