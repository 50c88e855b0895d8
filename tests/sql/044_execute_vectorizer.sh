#!/usr/bin/env bash
# ai.execute_vectorizer (spec 5.5). Without the `ai` extension we define
# ai.execute_vectorizer(int4) ourselves: it checks the vectorizer exists and
# sends NOTIFY pgai_vectorizer '<id>' so a listening worker starts at once.
# The name form resolves the id strictly (unknown name -> P0002).
# ai._vectorizer_job (spec 5.6) wakes the worker the same way when the queue
# has work. Untested here: the `ai` extension's HTTP executor (the extension
# needs plpython3u and is not installable in this environment).
set -euo pipefail
"$PGAI" install -d "$TEST_DB_URL" >/dev/null
# A statement that waits on a lock it should not wait on fails instead of hanging.
export PGOPTIONS="-c statement_timeout=30s"
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

psql >/dev/null <<'SQL'
create schema website;
create table website.blog (id int primary key, body text not null);
insert into website.blog values (1, 'a'), (2, 'b');
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none());
select ai.create_vectorizer('website.blog'::regclass, name => 'second'
  , destination => ai.destination_table('second')
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none());
SQL

# our int4 form exists (no `ai` extension here) and is the NOTIFY wake-up
n=$(psql -A -t -c "select count(*) from pg_proc where oid = 'ai.execute_vectorizer(int4)'::regprocedure
                   and prosrc like '%pg_notify%' and prosecdef = false")
[ "$n" = 1 ] || fail "ai.execute_vectorizer(int4) missing or not ours"
n=$(psql -A -t -c "select count(*) from pg_proc where oid = 'ai.execute_vectorizer(text)'::regprocedure")
[ "$n" = 1 ] || fail "ai.execute_vectorizer(text) missing"

# name form -> one notification with the id as payload
out=$(psql 2>&1 <<'SQL'
listen pgai_vectorizer;
select ai.execute_vectorizer('website_blog_embedding_store');
SQL
)
grep -q 'Asynchronous notification "pgai_vectorizer" with payload "1" received' <<<"$out" \
  || fail "name form: no notification for id 1: $out"
[ "$(grep -c 'Asynchronous notification' <<<"$out")" = 1 ] || fail "name form: expected one notification: $out"

# id form
out=$(psql 2>&1 <<'SQL'
listen pgai_vectorizer;
select ai.execute_vectorizer(2);
SQL
)
grep -q 'Asynchronous notification "pgai_vectorizer" with payload "2" received' <<<"$out" \
  || fail "id form: no notification for id 2: $out"

# second name
out=$(psql 2>&1 <<'SQL'
listen pgai_vectorizer;
select ai.execute_vectorizer('second');
SQL
)
grep -q 'with payload "2" received' <<<"$out" || fail "name 'second' did not notify id 2: $out"

# a rolled-back call notifies nobody
out=$(psql 2>&1 <<'SQL'
listen pgai_vectorizer;
begin;
select ai.execute_vectorizer(1);
rollback;
select 1;
SQL
)
if grep -q 'Asynchronous notification' <<<"$out"; then fail "rolled-back call notified: $out"; fi

# a second session listening receives it too (the worker's situation)
listener_out=$(mktemp)
( psql 2>&1 <<'SQL'
listen pgai_vectorizer;
select pg_sleep(1.5);
select 1;
SQL
) >"$listener_out" &
lpid=$!
sleep 0.5
psql -c "select ai.execute_vectorizer(1)" >/dev/null
wait "$lpid"
grep -q 'Asynchronous notification "pgai_vectorizer" with payload "1" received' "$listener_out" \
  || { cat "$listener_out"; rm -f "$listener_out"; fail "other session did not receive the wake-up"; }
rm -f "$listener_out"

# unknown name and unknown id: P0002 'query returned no rows'
for call in "ai.execute_vectorizer('nope')" "ai.execute_vectorizer('website.blog_embedding_store')" \
            "ai.execute_vectorizer(999)"; do
  out=$(psql -c "\\set VERBOSITY verbose" -c "select $call" 2>&1) && fail "$call succeeded"
  grep -q 'ERROR:  P0002: query returned no rows' <<<"$out" || fail "$call: wrong error: $out"
done

# ai._vectorizer_job: a non-empty queue wakes the worker ...
out=$(psql 2>&1 <<'SQL'
listen pgai_vectorizer;
call ai._vectorizer_job(null, '{"vectorizer_id": 1}');
select 1;
SQL
)
grep -q 'with payload "1" received' <<<"$out" || fail "_vectorizer_job with queued work did not notify: $out"

# ... an empty one does not
out=$(psql 2>&1 <<'SQL'
delete from ai._vectorizer_q_1;
listen pgai_vectorizer;
call ai._vectorizer_job(null, '{"vectorizer_id": 1}');
select 1;
SQL
)
if grep -q 'Asynchronous notification' <<<"$out"; then fail "_vectorizer_job with an empty queue notified: $out"; fi

# ... and rows held FOR UPDATE by a worker do not count as waiting work
out_lock=$(mktemp); fifo=$(mktemp -u); mkfifo "$fifo"; exec 3<>"$fifo"; rm -f "$fifo"
psql -c "insert into website.blog values (3, 'c')" >/dev/null
( psql -A -t <<'SQL'
begin;
select count(*) from (select 1 from ai._vectorizer_q_1 for update) x;
\! read -r _ <&3
commit;
SQL
) >"$out_lock" 2>&1 &
lpid=$!
trap 'echo stop >&3 || true; wait "$lpid" 2>/dev/null || true; rm -f "$out_lock"' EXIT
for _ in $(seq 1 100); do
  held=$(psql -A -t -c "select count(*) from (select 1 from ai._vectorizer_q_1 for update skip locked) x")
  [ "$held" = 0 ] && break
  sleep 0.1
done
[ "$held" = 0 ] || fail "the queue row never got locked"
out=$(psql 2>&1 <<'SQL'
listen pgai_vectorizer;
call ai._vectorizer_job(null, '{"vectorizer_id": 1}');
select 1;
SQL
)
if grep -q 'Asynchronous notification' <<<"$out"; then fail "_vectorizer_job counted locked rows as work: $out"; fi
echo stop >&3; wait "$lpid" || true; trap - EXIT; rm -f "$out_lock"

# Re-install over existing vectorizers with an `ai` extension present (faked
# by a catalog row; the real one needs plpython3u): our int4 form is left
# out, so the extension's function would stay. Without the row it comes back.
psql >/dev/null <<'SQL'
insert into pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
values (4000000001, 'ai', 10, 'ai'::regnamespace, false, '0.11.0');
drop function ai.execute_vectorizer(int4);
update ai.pgai_lib_version set version = '0.0.1';
SQL
"$PGAI" install -d "$TEST_DB_URL" >/dev/null 2>&1 || fail "re-install with the ai extension present"
n=$(psql -A -t -c "select count(*) from pg_proc where proname = 'execute_vectorizer' and pronargs = 1
                   and proargtypes[0] = 'int4'::regtype")
[ "$n" = 0 ] || fail "install defined execute_vectorizer(int4) although the ai extension is present"
psql >/dev/null <<'SQL'
delete from pg_extension where oid = 4000000001;
update ai.pgai_lib_version set version = '0.0.1';
SQL
"$PGAI" install -d "$TEST_DB_URL" >/dev/null 2>&1 || fail "re-install without the ai extension"
out=$(psql 2>&1 <<'SQL'
listen pgai_vectorizer;
select ai.execute_vectorizer('second');
SQL
)
grep -q 'with payload "2" received' <<<"$out" || fail "wake-up missing after re-install: $out"
n=$(psql -A -t -c "select count(*) from ai.vectorizer")
[ "$n" = 2 ] || fail "re-install lost vectorizers"
echo "all execute_vectorizer checks passed"
