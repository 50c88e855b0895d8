#!/usr/bin/env bash
# 1. The regeneration block of 011 (spec 1.5): every install re-creates each
#    vectorizer's trigger function body, keeping owner and ACL, re-creating a
#    missing function with EXECUTE revoked, and skipping a vectorizer whose
#    queue schema is gone instead of failing the install.
# 2. The non-fatal messages of create_vectorizer (NOTICE/WARNING texts),
#    which SQL cannot capture.
# Runs with TEST_DB_URL pointing at a fresh, empty database and $PGAI.
set -euo pipefail

"$PGAI" install -d "$TEST_DB_URL" >/dev/null

fail() { echo "FAIL: $*" >&2; exit 1; }
sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" "$@"; }
val() { sql -At -c "$1"; }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; echo "ok: $1"; }

sql <<'SQL'
drop role if exists b_cv_regen;
create role b_cv_regen;
create table blog (id int primary key, body text);
insert into blog values (1, 'one');
select ai.create_vectorizer('blog'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3));                                                    -- 1
create table doc (id int primary key, body text);
select ai.create_vectorizer('doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), chunking => ai.chunking_none(),
  destination => ai.destination_column('emb'));                                                 -- 2
create schema qx;
create table gone (id int primary key, body text);
select ai.create_vectorizer('gone'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), queue_schema => 'qx');                               -- 3
create table owned (id int primary key, body text);
alter table owned owner to b_cv_regen;
select ai.create_vectorizer('owned'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3));                                                    -- 4
alter function ai._vectorizer_src_trg_4() owner to b_cv_regen;
grant execute on function ai._vectorizer_src_trg_4() to postgres;

-- an old-style body (no notify) and a broken one; a dropped function
create or replace function ai._vectorizer_src_trg_1() returns trigger language plpgsql
  as $$ begin raise exception 'stale trigger body'; end $$;
drop function ai._vectorizer_src_trg_2() cascade;
drop schema qx cascade;
SQL

expect "setup: stale body in place" \
  "$(val "select prosrc like '%stale trigger body%' from pg_proc where oid = 'ai._vectorizer_src_trg_1()'::regprocedure")" t
expect "setup: the stale function lost security definer" \
  "$(val "select prosecdef from pg_proc where oid = 'ai._vectorizer_src_trg_1()'::regprocedure")" f

acl4=$(val "select proowner::regrole::text || ' ' || proacl::text from pg_proc where oid = 'ai._vectorizer_src_trg_4()'::regprocedure")
case "$acl4" in "b_cv_regen {"*postgres=X/b_cv_regen*) ;; *) fail "setup: function 4 owner/acl: $acl4";; esac

# force the idempotent part to run again, as an upgrade does
sql -c "update ai.pgai_lib_version set version = '0.0.1' where name = 'ai'"
"$PGAI" install -d "$TEST_DB_URL" >/dev/null || fail "re-install with a missing queue schema must succeed"
echo "ok: re-install succeeded"

expect "body regenerated" \
  "$(val "select prosrc like '%pg_notify(''pgai_vectorizer'', ''1'')%' and prosrc not like '%stale%' from pg_proc where oid = 'ai._vectorizer_src_trg_1()'::regprocedure")" t
expect "attributes restored" \
  "$(val "select row(prosecdef, proparallel, provolatile, proconfig::text) from pg_proc where oid = 'ai._vectorizer_src_trg_1()'::regprocedure")" \
  '(t,s,v,"{""search_path=pg_catalog, pg_temp""}")'
expect "ACL kept (EXECUTE still revoked from PUBLIC)" \
  "$(val "select proacl::text from pg_proc where oid = 'ai._vectorizer_src_trg_1()'::regprocedure")" "{postgres=X/postgres}"
expect "a working trigger again" \
  "$(val "insert into blog values (2, 'two'); select count(*) from ai._vectorizer_q_1 where id = 2")" 1

expect "missing function re-created (column variant)" \
  "$(val "select prosrc like '%pg_notify(''pgai_vectorizer'', ''2'')%' and prosrc not like '%truncate table%' from pg_proc where oid = 'ai._vectorizer_src_trg_2()'::regprocedure")" t
expect "re-created function has EXECUTE revoked from PUBLIC" \
  "$(val "select proacl::text from pg_proc where oid = 'ai._vectorizer_src_trg_2()'::regprocedure")" "{postgres=X/postgres}"
expect "vectorizer with a missing queue schema skipped" \
  "$(val "select count(*) from pg_proc where proname = '_vectorizer_src_trg_3'")" 0
expect "owner of a regenerated function kept" \
  "$(val "select proowner::regrole::text || ' ' || proacl::text from pg_proc where oid = 'ai._vectorizer_src_trg_4()'::regprocedure")" \
  "$acl4"
expect "table-destination body has the truncate branch" \
  "$(val "select prosrc like '%truncate table public.owned_embedding_store, ai._vectorizer_q_4;%' from pg_proc where oid = 'ai._vectorizer_src_trg_4()'::regprocedure")" t

# --- messages ------------------------------------------------------------------
msgs=$(sql 2>&1 <<'SQL'
select ai.create_vectorizer('blog'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), if_not_exists => true);
select ai.create_vectorizer('blog'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), destination => ai.destination_table('blog_g'),
  grant_to => array['b_cv_regen', 'b_cv_nobody', 'public', 'b_cv_nobody2']::name[]);
create table doc2 (id int primary key, body text, emb text);
select ai.create_vectorizer('doc2'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('m', 3), chunking => ai.chunking_none(),
  destination => ai.destination_column('emb'));
SQL
)
grep -q 'NOTICE:  a vectorizer named public_blog_embedding_store already exists, skipping' <<<"$msgs" ||
  { echo "$msgs" >&2; fail "if_not_exists NOTICE"; }
echo "ok: if_not_exists NOTICE"
grep -q 'WARNING:  one or more grant_to roles do not exist: {b_cv_nobody,b_cv_nobody2}' <<<"$msgs" ||
  { echo "$msgs" >&2; fail "grant_to WARNING"; }
echo "ok: grant_to WARNING lists the missing roles"
grep -q 'NOTICE:  embedding column emb already exists in public.doc2, skipping creation' <<<"$msgs" ||
  { echo "$msgs" >&2; fail "existing embedding column NOTICE"; }
echo "ok: existing embedding column NOTICE"
expect "the remaining grantees were granted" \
  "$(val "select has_table_privilege('b_cv_regen', 'blog_g_store', 'insert') and has_table_privilege('public', 'blog_g_store', 'select')")" t
