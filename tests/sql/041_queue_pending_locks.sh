#!/usr/bin/env bash
# ai.vectorizer_queue_pending counts queue rows that another session holds
# FOR UPDATE (the worker's claim): a test in pgai counts 2 while one of the
# two rows is locked. Session A holds the lock in the background; session B
# counts; then A is released.
set -euo pipefail
"$PGAI" install -d "$TEST_DB_URL" >/dev/null
# A statement that waits on a lock it should not wait on fails instead of hanging.
export PGOPTIONS="-c statement_timeout=30s"
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" "$@"; }

psql <<'SQL' >/dev/null
create schema website;
create table website.blog (id int primary key, body text not null);
insert into website.blog values (1, 'a'), (2, 'b');
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none());
SQL

out=$(mktemp)
fifo=$(mktemp -u); mkfifo "$fifo"
exec 3<>"$fifo"; rm -f "$fifo"
# Session A: lock one queue row, tell us, then wait until we say stop.
( psql -A -t <<'SQL'
begin;
select 'locked ' || count(*) from (select 1 from ai._vectorizer_q_1 where id = 1 for update) x;
\! read -r _ <&3
commit;
SQL
) >"$out" 2>&1 &
lock_pid=$!
cleanup() { echo stop >&3 || true; wait "$lock_pid" 2>/dev/null || true; rm -f "$out"; }
trap cleanup EXIT

# wait until A holds the row lock
for _ in $(seq 1 100); do
  held=$(psql -A -t -c "select count(*) from pg_locks l join pg_stat_activity a using (pid)
                         where l.locktype = 'transactionid' and a.state = 'idle in transaction'
                           and a.query like '%for update%' and a.pid <> pg_backend_pid()")
  [ "$held" -gt 0 ] && break
  sleep 0.1
done
[ "$held" -gt 0 ] || { echo "session A never took the lock"; exit 1; }

# the row really is locked: SKIP LOCKED sees only the other one
skipped=$(psql -A -t -c "select count(*) from (select 1 from ai._vectorizer_q_1 for update skip locked) x")
[ "$skipped" = 1 ] || { echo "expected 1 unlocked row, got $skipped"; exit 1; }

approx=$(psql -A -t -c "select ai.vectorizer_queue_pending(1)")
exact=$(psql -A -t -c "select ai.vectorizer_queue_pending(1, exact_count => true)")
status=$(psql -A -t -c "select pending_items from ai.vectorizer_status where id = 1")
[ "$approx" = 2 ] || { echo "approximate count with a locked row: got $approx, want 2"; exit 1; }
[ "$exact" = 2 ] || { echo "exact count with a locked row: got $exact, want 2"; exit 1; }
[ "$status" = 2 ] || { echo "vectorizer_status.pending_items with a locked row: got $status, want 2"; exit 1; }
echo "counted 2 while one row was locked"
