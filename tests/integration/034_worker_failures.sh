# Provider failures leave every queued row in place (the batch rolls back and
# an error row says why); transient failures are retried; SIGTERM during a
# batch lets it commit and exits 0.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table msgs (id int primary key, body text);
insert into msgs select g, 'message ' || g from generate_series(1, 20) g;
select ai.create_vectorizer('msgs'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
  processing => ai.processing_default(batch_size => 5));
SQL

# a 500 storm longer than the retries: nothing lost, one error row with the provider's text
provider_control '{"fail_next": 100, "fail_status": 500}' >/dev/null
run_worker --once
check_eq "500 storm: exit 1" "$rc" 1
check_eq "500 storm: every row still queued" "$(sql "select count(*) from ai._vectorizer_q_1")" 20
check_eq "500 storm: nothing stored" "$(sql "select count(*) from msgs_embedding_store")" 0
check_eq "500 storm: error row" "$(sql "select message || '|' || (details->>'provider') from ai.vectorizer_errors")" "embedding provider failed|openai"
check_contains "500 storm: the provider's text" "$(sql "select details->>'error_reason' from ai.vectorizer_errors")" "Error code: 500"
check_eq "500 storm: retried before giving up" "$(provider_stats openai.requests)" 4

# a short burst of 503s and a 429 with Retry-After are absorbed by the retries
provider_reset '{"fail_next": 2, "fail_status": 503, "rate_limit_next": 1, "retry_after": 1}' >/dev/null
run_worker --once
check_eq "transient faults: exit 0" "$rc" 0
check_eq "transient faults: all embedded" "$(sql "select count(*) from msgs_embedding_store")" 20

# wrong key: a configuration error, rows stay queued
provider_reset '{"require_api_key": "sk-the-right-one"}' >/dev/null
psql_q -c "update msgs set body = body || '!'" >/dev/null
run_worker --once
check_eq "wrong key: exit 1" "$rc" 1
check_contains "wrong key: 401 recorded" "$(sql "select details->>'error_reason' from ai.vectorizer_errors order by recorded desc limit 1")" "Error code: 401"
check_not_contains "the key is not in the error row" "$(sql "select details::text from ai.vectorizer_errors")" "sk-test-key"
check_not_contains "the key is not in the log" "$out" "sk-test-key"
check_eq "wrong key: rows stay queued" "$(sql "select count(*) from ai._vectorizer_q_1")" 20

# malformed bodies, wrong vector count, wrong dimension: the batch fails cleanly
for fault in malformed_next wrong_count_next wrong_dim_next; do
  provider_reset "{\"$fault\": 1}" >/dev/null
  run_worker --once
  check_eq "$fault: exit 1" "$rc" 1
  check_eq "$fault: rows stay queued" "$(sql "select count(*) from ai._vectorizer_q_1")" 20
done
check_contains "wrong dimension named" "$(sql "select string_agg(details->>'error_reason', ' / ') from ai.vectorizer_errors")" "expected 8 dimensions"

# provider unreachable: rows stay queued
provider_reset >/dev/null
saved=$OPENAI_BASE_URL
OPENAI_BASE_URL=http://127.0.0.1:1/v1 run_worker --once
check_eq "provider down: exit 1" "$rc" 1
check_eq "provider down: rows stay queued" "$(sql "select count(*) from ai._vectorizer_q_1")" 20
export OPENAI_BASE_URL=$saved

# a body cut short (connection closed) is a transport error: retried, then fine
provider_reset '{"truncated_next": 1}' >/dev/null
run_worker --once
check_eq "truncated body: retried, exit 0" "$rc" 0
check_eq "truncated body: all embedded" "$(sql "select count(*) from ai._vectorizer_q_1")" 0
psql_q -c "update msgs set body = body || '?'" >/dev/null

# SIGTERM while a batch is in flight: it commits, the worker exits 0.
# "In flight" = the executor's transaction is open, waiting on the slow provider.
provider_reset '{"latency_ms": 4000}' >/dev/null
"$PGAI" vectorizer worker -d "$TEST_DB_URL" --poll-interval 1h >"$PGTMP/term.log" 2>&1 & wp=$!
for i in $(seq 1 300); do
  [ "$(sql "select count(*) from pg_stat_activity where application_name like 'pgai-worker[%' and state = 'idle in transaction'")" = 1 ] && break
  sleep 0.1
done
kill -TERM $wp
set +e; wait $wp; rc=$?; set -e
check_eq "SIGTERM: exit 0" "$rc" 0
check_eq "SIGTERM: the batch in flight committed, no other started" "$(sql "select count(*) from ai._vectorizer_q_1")" 15
check_eq "SIGTERM: its rows hold the new text" "$(sql "select count(*) from msgs_embedding_store where chunk like '%?'")" 5
check_contains "SIGTERM: logged" "$(cat "$PGTMP/term.log")" "received SIGTERM"
check_eq "SIGTERM: final heartbeat recorded" \
  "$(sql "select heartbeat_count >= 2 from ai.vectorizer_worker_process order by started desc limit 1")" t
