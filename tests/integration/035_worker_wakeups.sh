# Wake-ups: with a poll interval of an hour, a NOTIFY from the trigger (or
# from ai.execute_vectorizer) starts the work; a database whose trigger
# functions send no NOTIFY (as after pgai's own installer) still works by
# polling. Waits are bounded; nothing here asserts how fast it is.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table feed (id int primary key, body text);
select ai.create_vectorizer('feed'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL

"$PGAI" vectorizer worker -d "$TEST_DB_URL" --poll-interval 1h >"$PGTMP/wake.log" 2>&1 & wp=$!
trap 'kill $wp 2>/dev/null || true; provider_stop' EXIT
check "the first pass ran" wait_for "select count(*) from ai.vectorizer_worker_process" 1
sleep 0.5
psql_q -c "insert into feed values (1, 'first')" >/dev/null
check "an insert wakes the sleeping worker" wait_for "select count(*) from feed_embedding_store" 1
psql_q -c "insert into ai._vectorizer_q_1 (id) values (1); select ai.execute_vectorizer(1)" >/dev/null
check "ai.execute_vectorizer wakes it too" wait_for "select count(*) from ai._vectorizer_q_1" 0
kill -TERM $wp; wait $wp || true
check_contains "it slept for the hour in between" "$(cat "$PGTMP/wake.log")" "sleeping for 1:00:00 before polling for new work"

# trigger functions without the NOTIFY, as pgai's installer would leave them: polling still works
psql_q >/dev/null <<'SQL'
create or replace function ai._vectorizer_src_trg_1() returns trigger language plpgsql security definer
set search_path = pg_catalog, pg_temp as $$
begin
  if tg_op = 'INSERT' then insert into ai._vectorizer_q_1 (id) values (new.id); end if;
  return null;
end $$;
SQL
"$PGAI" vectorizer worker -d "$TEST_DB_URL" --poll-interval 1s >"$PGTMP/poll.log" 2>&1 & wp=$!
psql_q -c "insert into feed values (2, 'second')" >/dev/null
check "without NOTIFY the poll picks it up" wait_for "select count(*) from feed_embedding_store" 2
kill -TERM $wp; wait $wp || true
