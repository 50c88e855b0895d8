# Connections are kept between passes: wake-ups do not open new connections
# for the pass and its executors each time. A kept connection whose backend was
# terminated (or whose server restarted) is noticed before use and replaced,
# without an error. Kept connections are closed after 30 s unused (not
# asserted: it would make the test wait).
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table feed (id int primary key, body text);
select ai.create_vectorizer('feed'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
  processing => ai.processing_default(concurrency => 2));
SQL
# the backends of the worker's pass and executors (not its heartbeat and LISTEN ones)
worker_pids() {
  sql "select coalesce(string_agg(pid::text, ',' order by pid), '') from pg_stat_activity
       where application_name = 'pgai-worker' or application_name like 'pgai-worker[%'"
}
wake() { # wake ID : inserts a row, waits until it is embedded and the pass is over
  psql_q -c "insert into feed values ($1, 'row $1')" >/dev/null
  wait_for "select count(*) from feed_embedding_store" "$1" && sleep 0.5
}

"$PGAI" vectorizer worker -d "$TEST_DB_URL" --poll-interval 1h >"$PGTMP/reuse.log" 2>&1 & wp=$!
trap 'kill $wp 2>/dev/null || true; provider_stop' EXIT
check "the first pass ran" wait_for "select count(*) from ai.vectorizer_worker_process" 1
sleep 0.5
check "wake-up 1: embedded" wake 1
first=$(worker_pids)
echo "  backends kept after the first wake-up: $first"
check "connections are kept while the worker sleeps" test -n "$first"
for i in $(seq 2 10); do check "wake-up $i: embedded" wake "$i"; done
check_eq "10 wake-ups: the same backends served every pass" "$(worker_pids)" "$first"

# the kept connections are terminated while idle: the next pass replaces them
killed=$(sql "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
               where application_name like 'pgai-worker[%' or application_name = 'pgai-worker') t")
echo "  terminated $killed idle worker connections"
check "there were kept connections to terminate" test "$killed" -ge 1
psql_q -c "insert into feed values (11, 'after the terminations')" >/dev/null
check "a terminated kept connection is replaced" wait_for "select count(*) from feed_embedding_store" 11
check_eq "no error row" "$(sql "select count(*) from ai.vectorizer_errors")" 0
kill -TERM $wp; set +e; wait $wp; rc=$?; set -e
check_eq "SIGTERM: exit 0" "$rc" 0
check_not_contains "no batch failed" "$(cat "$PGTMP/reuse.log")" "backing off"
