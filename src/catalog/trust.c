/* trust: the vectorizer owner's rights and code; see trust.h. */
#include "catalog/trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

/* The tables a batch touches, as quoted qualified names: source, queue, failed queue, store (NULL: column destination). */
typedef struct relnames {
    char *source, *queue, *failed, *store;
} relnames;

static char *qualified(const char *schema, const char *table)
{
    if (!schema || !table) return NULL;
    buf b;
    buf_init(&b, DB_MAX_MESSAGE);
    if (db_sqlf(&b, "%I.%I", schema, table) != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

static int relnames_get(const vectorizer *v, relnames *r, pgai_error *err)
{
    r->source = qualified(v->source_schema, v->source_table);
    r->queue = qualified(v->queue_schema, v->queue_table);
    r->failed = qualified(v->queue_schema, v->queue_failed_table);
    r->store = v->destination.kind == DESTINATION_TABLE
                   ? qualified(v->destination.target_schema, v->destination.target_table)
                   : NULL;
    if (!r->source || !r->queue || (v->queue_failed_table && !r->failed) ||
        (v->destination.kind == DESTINATION_TABLE && !r->store))
        return error_set(err, PGAI_E_NOMEM, "out of memory");
    return PGAI_OK;
}

static void relnames_free(relnames *r)
{
    free(r->source), free(r->queue), free(r->failed), free(r->store);
}

/*
 * One row: the owner, whether the login role may act as it, whether a
 * check is needed, a refusal (NULL when the configuration is sound), whether
 * the login role is a superuser, and whether the role the batches run as may
 * lock source rows (UPDATE on the source).
 * $1 source, $2 queue, $3 failed queue (NULL), $4 store (NULL: the column
 * destination, where the source is written).
 */
static const char RESOLVE_SQL[] =
    "with rel as (select pg_catalog.to_regclass($1) as src, pg_catalog.to_regclass($2) as q,"
    " pg_catalog.to_regclass($3) as f, pg_catalog.to_regclass($4) as t),"
    " own as (select (select relowner from pg_catalog.pg_class where oid = rel.src) as src,"
    " (select relowner from pg_catalog.pg_class where oid = rel.q) as q,"
    " (select relowner from pg_catalog.pg_class where oid = rel.f) as f,"
    " (select relowner from pg_catalog.pg_class where oid = rel.t) as t from rel),"
    " me as (select s.oid as login, s.rolsuper as super, c.oid as cur from pg_catalog.pg_roles s, pg_catalog.pg_roles c"
    "  where s.rolname = session_user and c.rolname = current_user),"
    " act as (select own.q <> me.cur and pg_catalog.pg_has_role(session_user, own.q, 'MEMBER') as switch from own, me)"
    " select (select rolname from pg_catalog.pg_roles where oid = own.q), act.switch,"
    " exists (select from (values (own.src), (own.q), (own.f), (own.t)) o(r)"
    "   where o.r is not null and o.r <> me.login"
    "   and not (select rolsuper from pg_catalog.pg_roles where oid = o.r)),"
    " case when own.src is null then pg_catalog.format('the source table %s does not exist', $1)"
    "  when own.q is null then pg_catalog.format('the queue table %s does not exist', $2)"
    "  when not pg_catalog.pg_has_role(own.q, own.src, 'MEMBER') then pg_catalog.format("
    "   'the vectorizer''s owner %s (owner of its queue table %s) does not own its source table %s',"
    "   own.q::pg_catalog.regrole, $2, $1)"
    "  when own.t is not null and not pg_catalog.pg_has_role(own.q, own.t, 'MEMBER') then pg_catalog.format("
    "   'the vectorizer''s owner %s does not own its store table %s', own.q::pg_catalog.regrole, $4)"
    "  when own.f is not null and not pg_catalog.pg_has_role(own.q, own.f, 'MEMBER') then pg_catalog.format("
    "   'the vectorizer''s owner %s does not own its failed-queue table %s', own.q::pg_catalog.regrole, $3)"
    " end,"
    " me.super,"
    " pg_catalog.has_table_privilege(case when act.switch then own.q else me.cur end, (select src from rel), 'UPDATE')"
    " from own, me, act";

/*
 * Code a batch could run, as one text per problem. $1 source, $2 queue,
 * $3 failed queue, $4 store (NULL: the source is written). A function is
 * harmless when it is built in (pg_catalog) and leakproof, one of the few
 * built-ins pgai's own tables use as defaults, or pgvector's (its typmod
 * coercion appears in embedding column defaults); anything else is the owner's
 * code (a tenant's function can be replaced at any moment, so being
 * SECURITY DEFINER now proves nothing).
 */
/* $5: the trigger states that fire: ordinary and ALWAYS, or in replica mode REPLICA and ALWAYS. */
static const char CHECK_SQL[] =
    "with rn(oid, name) as not materialized (select c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname)"
    "  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace),"
    " pn(oid, name) as not materialized (select p.oid, pg_catalog.format('%I.%I', n.nspname, p.proname)"
    "  from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace),"
    " w(oid) as (select x from pg_catalog.unnest(array[pg_catalog.to_regclass($2), pg_catalog.to_regclass($3),"
    "  coalesce(pg_catalog.to_regclass($4), pg_catalog.to_regclass($1))]) x where x is not null),"
    " r(oid) as (select oid from w union select pg_catalog.to_regclass($1)),"
    " harmless(oid) as not materialized (select p.oid from pg_catalog.pg_proc p where p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace"
    "  and (p.proleakproof or p.proname in ('gen_random_uuid', 'now', 'clock_timestamp', 'statement_timestamp',"
    "  'transaction_timestamp', 'nextval'))"
    "  union select dp.objid from pg_catalog.pg_depend dp join pg_catalog.pg_extension e on e.oid = dp.refobjid"
    "  where dp.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and dp.deptype = 'e' and e.extname = 'vector'"
    "  and (select rolsuper from pg_catalog.pg_roles where oid = e.extowner)),"
    " coltypes(oid) as (select a.atttypid from pg_catalog.pg_attribute a join w on a.attrelid = w.oid"
    "  where a.attnum > 0 and not a.attisdropped),"
    " exprs(classid, objid, what) as ("
    "  select 'pg_catalog.pg_attrdef'::pg_catalog.regclass, d.oid, pg_catalog.format('the default of %s.%I',"
    "   (select name from rn where oid = d.adrelid), a.attname) from pg_catalog.pg_attrdef d join w on d.adrelid = w.oid"
    "   join pg_catalog.pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum"
    "  union all select 'pg_catalog.pg_constraint'::pg_catalog.regclass, c.oid, pg_catalog.format('constraint %I', c.conname)"
    "   from pg_catalog.pg_constraint c where c.conrelid in (select oid from w) or c.contypid in (select oid from coltypes)"
    "  union all select 'pg_catalog.pg_class'::pg_catalog.regclass, i.indexrelid, pg_catalog.format('index %s',"
    "   (select name from rn where oid = i.indexrelid)) from pg_catalog.pg_index i join w on i.indrelid = w.oid),"
    " problems(p) as ("
    "  select pg_catalog.format('trigger %I on %s (function %s)', t.tgname, (select name from rn where oid = t.tgrelid),"
    "   (select name from pn where oid = t.tgfoid)) from pg_catalog.pg_trigger t join w on t.tgrelid = w.oid"
    "   where not t.tgisinternal and t.tgenabled = any ($5::pg_catalog.char[])"
    "  union all select pg_catalog.format('rule %I on %s', x.rulename, (select name from rn where oid = x.ev_class))"
    "   from pg_catalog.pg_rewrite x join w on x.ev_class = w.oid"
    "  union all select pg_catalog.format('row-level security on %s', (select name from rn where oid = c.oid))"
    "   from pg_catalog.pg_class c join r on c.oid = r.oid where c.relrowsecurity"
    "   and exists (select from pg_catalog.pg_policy p where p.polrelid = c.oid)"
    "  union all select pg_catalog.format('%s calls %s', e.what, (select name from pn where oid = dp.refobjid))"
    "   from exprs e join pg_catalog.pg_depend dp on dp.classid = e.classid and dp.objid = e.objid"
    "   where dp.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass and not exists (select from harmless h where h.oid = dp.refobjid)"
    "  union all select pg_catalog.format('%s uses operator %s', e.what, dp.refobjid::pg_catalog.regoperator)"
    "   from exprs e join pg_catalog.pg_depend dp on dp.classid = e.classid and dp.objid = e.objid"
    "   join pg_catalog.pg_operator o on o.oid = dp.refobjid"
    "   where dp.refclassid = 'pg_catalog.pg_operator'::pg_catalog.regclass"
    "   and not exists (select from harmless h where h.oid = o.oprcode::pg_catalog.oid)"
    "  union all select pg_catalog.format('the cast of %s.%I to text calls %s', (select name from rn where oid = a.attrelid),"
    "   a.attname, (select name from pn where oid = c.castfunc)) from pg_catalog.pg_attribute a"
    "   join pg_catalog.pg_type ty on ty.oid = a.atttypid"
    "   join pg_catalog.pg_cast c on c.castsource in (a.atttypid, ty.typbasetype)"
    "    and c.casttarget = 'pg_catalog.text'::pg_catalog.regtype and c.castmethod = 'f'"
    "   where a.attrelid = pg_catalog.to_regclass($1) and a.attnum > 0 and not a.attisdropped"
    "   and not exists (select from harmless h where h.oid = c.castfunc)"
    "  union all select pg_catalog.format('the key column %s.%I compares with %s', (select name from rn where oid = a.attrelid),"
    "   a.attname, o.oid::pg_catalog.regoperator) from pg_catalog.pg_index i"
    "   join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)"
    "   join pg_catalog.pg_type ty on ty.oid = a.atttypid"
    "   join pg_catalog.pg_operator o on o.oprname = '=' and o.oprleft in (a.atttypid, ty.typbasetype)"
    "    and o.oprright = o.oprleft"
    "   where i.indrelid = pg_catalog.to_regclass($1) and i.indisprimary"
    "   and not exists (select from harmless h where h.oid = o.oprcode::pg_catalog.oid))"
    " select pg_catalog.string_agg(p, '; ') from (select p from problems limit 5) x";

#define CHECK_STMT "pgai_trust_check"

/* The check runs once per batch: prepared once per connection, it is
 * planned once (its planning costs more than its execution). */
static int prepare_check(PGconn *conn, pgai_error *err)
{
    PGresult *res = PQprepare(conn, CHECK_STMT, CHECK_SQL, 5, NULL);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK || (state && strcmp(state, "42P05") == 0) /* a kept connection */
                 ? PGAI_OK
                 : db_error_from_result(err, conn, res);
    PQclear(res);
    return rc;
}

int trust_resolve(PGconn *conn, const vectorizer *v, trust_info *out, pgai_error *err)
{
    memset(out, 0, sizeof(*out));
    relnames r;
    int rc = relnames_get(v, &r, err);
    if (rc == PGAI_OK) {
        const char *params[4] = {r.source, r.queue, r.failed, r.store};
        PGresult *res = PQexecParams(conn, RESOLVE_SQL, 4, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
            rc = db_error_from_result(err, conn, res);
        } else if (!PQgetisnull(res, 0, 3)) {
            rc = error_set(err, PGAI_E_PRIVILEGE, "vectorizer %d refused: %s (docs/security.md)", v->id,
                           PQgetvalue(res, 0, 3));
        } else {
            snprintf(out->owner, sizeof(out->owner), "%s", PQgetvalue(res, 0, 0));
            out->act_as_owner = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
            out->checked = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
            out->replica = out->checked && v->destination.kind != DESTINATION_TABLE &&
                           strcmp(PQgetvalue(res, 0, 4), "t") == 0;
            out->may_lock_source = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
            if (out->checked) rc = prepare_check(conn, err);
        }
        PQclear(res);
    }
    relnames_free(&r);
    return rc;
}

int trust_begin_sql(const vectorizer *v, const trust_info *t, buf *sql)
{
    int rc = 0;
    if (t->checked) {
        /* Adding a trigger, rule, policy, default or constraint needs a lock
         * that conflicts with ROW EXCLUSIVE: the code checked below cannot
         * change before we commit. (The source first, as the claim always
         * locks it first.) */
        int column = v->destination.kind != DESTINATION_TABLE;
        if (column) rc |= db_sqlf(sql, "; LOCK TABLE %I.%I IN ROW EXCLUSIVE MODE", v->source_schema, v->source_table);
        rc |= db_sqlf(sql, "; LOCK TABLE %I.%I", v->queue_schema, v->queue_table);
        if (v->queue_failed_table) rc |= db_sqlf(sql, ", %I.%I", v->queue_schema, v->queue_failed_table);
        if (!column) rc |= db_sqlf(sql, ", %I.%I", v->destination.target_schema, v->destination.target_table);
        rc |= db_sqlf(sql, " IN ROW EXCLUSIVE MODE");
    }
    /* The column destination UPDATEs the source, whose triggers include the
     * vectorizer's own: a function its owner may replace at any moment. A
     * superuser can keep ordinary triggers from firing for the batch. */
    if (t->replica) rc |= db_sqlf(sql, "; SET LOCAL session_replication_role = replica");
    /* SET LOCAL ROLE takes an identifier; the owner's name comes from the catalog. */
    if (t->act_as_owner) rc |= db_sqlf(sql, "; SET LOCAL ROLE %I", t->owner);
    return rc;
}

int trust_check_batch(PGconn *conn, const vectorizer *v, const trust_info *t, pgai_error *err)
{
    relnames r;
    int rc = relnames_get(v, &r, err);
    if (rc == PGAI_OK) {
        const char *params[5] = {r.source, r.queue, r.failed, r.store, t->replica ? "{R,A}" : "{O,A}"};
        PGresult *res = PQexecPrepared(conn, CHECK_STMT, 5, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
            rc = db_error_from_result(err, conn, res);
        else if (!PQgetisnull(res, 0, 0))
            rc = error_set(err, PGAI_E_PRIVILEGE,
                           "vectorizer %d refused: %s would run with the worker's rights, and the tables belong "
                           "to a role that is not the worker's nor a superuser (docs/security.md)",
                           v->id, PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    relnames_free(&r);
    return rc;
}
