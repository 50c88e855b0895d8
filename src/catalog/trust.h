/*
 * trust: whose rights a vectorizer's batches run with, and the refusal to
 * run a vectorizer owner's code with more than the owner's rights
 * (docs/security.md).
 *
 * The vectorizer's owner is the owner of its queue table (its creator). The
 * worker does a batch's reads and writes as that owner (SET LOCAL ROLE)
 * when its login role may; otherwise as itself. Either way the owner must
 * own the source (and the destination) table, or the configuration is
 * refused: a row of ai.vectorizer cannot point the worker at tables its
 * owner may not use.
 *
 * SET ROLE is no barrier against code that runs inside the session: a
 * trigger can RESET ROLE and act as the login role. So when a table the
 * batch touches belongs to a role other than the worker's login role and
 * the superusers, every batch first locks the tables and checks that none of
 * that role's code can run: no triggers or rules on the tables it writes, no
 * row security, defaults, constraints and index expressions calling only
 * built-in functions, no user-defined casts or operators on the columns it
 * reads. The locks keep anyone from adding such code before the batch ends.
 * The column destination writes the source, whose triggers include the
 * vectorizer's own (the owner's function): a superuser worker runs those
 * batches with session_replication_role = replica, so ordinary triggers do
 * not fire; any other worker must connect as the owner for them.
 */
#ifndef PGAI_TRUST_H
#define PGAI_TRUST_H

#include <libpq-fe.h>

#include "catalog/config.h"
#include "pgai/pgai.h"
#include "util/buf.h"

typedef struct trust_info {
    char owner[256]; /* the queue table's owner, as a role name */
    int act_as_owner; /* SET LOCAL ROLE owner at the start of each batch */
    int checked;      /* some table is not ours nor a superuser's: check every batch */
    int replica;      /* checked, column destination, superuser: session_replication_role = replica */
    int may_lock_source; /* the role batches run as has UPDATE on the source: the claim locks its rows */
} trust_info;

/* Resolves the owner and what each batch must do; refuses (PGAI_E_PRIVILEGE) an inconsistent configuration. */
int trust_resolve(PGconn *conn, const vectorizer *v, trust_info *out, pgai_error *err)
    __attribute__((warn_unused_result));

/*
 * Appends to `sql` (the batch's BEGIN) what the batch needs before its first
 * read: the role switch and, when checked, the locks that keep the tables'
 * code from changing until commit.
 */
int trust_begin_sql(const vectorizer *v, const trust_info *t, buf *sql) __attribute__((warn_unused_result));

/* In the batch's transaction, after trust_begin_sql: PGAI_E_PRIVILEGE naming the first problems, if any. */
int trust_check_batch(PGconn *conn, const vectorizer *v, const trust_info *t, pgai_error *err) __attribute__((warn_unused_result));

#endif
