#!/usr/bin/env bash
# The NOTICE and WARNING texts of the vector-index helpers (spec 5.7), and
# two sessions building the same index at once: the advisory lock lets only
# one build it; the other warns and returns.
set -euo pipefail
"$PGAI" install -d "$TEST_DB_URL" >/dev/null
# A statement that waits on a lock it should not wait on fails instead of hanging.
export PGOPTIONS="-c statement_timeout=30s"
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

psql >/dev/null <<'SQL'
create schema website;
create table website.blog (id int primary key, body text not null);
insert into website.blog values (1, 'a');
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3)
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none());
update ai.vectorizer set config = jsonb_set(config, '{indexing}', ai.indexing_hnsw(min_rows => 1));
insert into website.blog_embedding_store (id, chunk_seq, chunk, embedding) values (1, 0, 'c', '[1,2,3]');
SQL
count_indexes() {
  psql -A -t -c "select count(*) from pg_index i join pg_class c on c.oid = i.indexrelid
                 join pg_am a on a.oid = c.relam
                 where i.indrelid = 'website.blog_embedding_store'::regclass and a.amname = 'hnsw'"
}

# queue not empty
out=$(psql -A -t -c "select ai._vectorizer_should_create_vector_index(v) from ai.vectorizer v where id = 1" 2>&1)
grep -qx 'NOTICE:  queue for website.blog_embedding_store is not empty. skipping vector index creation' <<<"$out" \
  || fail "queue notice: $out"
grep -qx 'f' <<<"$out" || fail "should_create with a queued item: $out"
psql -c "delete from ai._vectorizer_q_1"
out=$(psql -A -t -c "select ai._vectorizer_should_create_vector_index(v) from ai.vectorizer v where id = 1" 2>&1)
[ "$out" = t ] || fail "should_create with an empty queue: $out"

# two sessions: A builds and keeps its transaction (and the lock) open ...
fifo=$(mktemp -u); mkfifo "$fifo"; exec 3<>"$fifo"; rm -f "$fifo"
a_out=$(mktemp)
( psql <<'SQL'
begin;
select ai._vectorizer_create_vector_index('website', 'blog_embedding_store', ai.indexing_hnsw());
\! read -r _ <&3
commit;
SQL
) >"$a_out" 2>&1 &
a_pid=$!
trap 'echo stop >&3 || true; wait "$a_pid" 2>/dev/null || true; rm -f "$a_out"' EXIT
for _ in $(seq 1 100); do
  held=$(psql -A -t -c "select count(*) from pg_locks where locktype = 'advisory' and classid = 1982010642
                        and objid = 'website.blog_embedding_store'::regclass::oid and granted")
  [ "$held" = 1 ] && break
  sleep 0.1
done
[ "$held" = 1 ] || fail "session A never took the advisory lock"

# ... B is told someone else is building, and builds nothing
out=$(psql -c "select ai._vectorizer_create_vector_index('website', 'blog_embedding_store', ai.indexing_hnsw())" 2>&1)
grep -qx 'WARNING:  another process is already building a vector index on website.blog_embedding_store' <<<"$out" \
  || fail "lock warning: $out"
echo stop >&3
wait "$a_pid" || { cat "$a_out"; fail "session A failed"; }
trap - EXIT; rm -f "$a_out"
[ "$(count_indexes)" = 1 ] || fail "expected exactly one index after two concurrent calls, got $(count_indexes)"

# already there
out=$(psql -c "select ai._vectorizer_create_vector_index('website', 'blog_embedding_store', ai.indexing_hnsw())" 2>&1)
grep -qx 'NOTICE:  the vector index on website.blog_embedding_store already exists' <<<"$out" \
  || fail "exists notice: $out"
[ "$(count_indexes)" = 1 ] || fail "second call built another index"

# the job is quiet once the index exists
out=$(psql -c "call ai._vectorizer_job(null, '{\"vectorizer_id\": 1}')" 2>&1)
[ -z "$out" ] || fail "job printed something with nothing to do: $out"
echo "index messages ok"
