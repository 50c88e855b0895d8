# One bad row does not block its batch: the provider rejects one text (HTTP
# 400) or one document is too large; the rest of the batch is embedded and
# committed, the bad item alone is charged pgai's retry columns and, after
# config.loading.retries, lands in the failed queue with its step. The bad
# item is found by bisecting the rejected request, not by re-embedding the
# batch one by one.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup
export PGAI_VECTORIZER_RETRY_DELAY_SCALE=0 # retry at once instead of after 3 minutes x attempts

psql_q >/dev/null <<'SQL'
create table rows_ (id int primary key, body text);
insert into rows_ select g, 'fine text ' || g from generate_series(1, 32) g;
update rows_ set body = 'this one is POISON for the provider' where id = 13;
select ai.create_vectorizer('rows_'::regclass, loading => ai.loading_column('body', retries => 2),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
  processing => ai.processing_default(batch_size => 32));
SQL
provider_control '{"poison": "POISON"}' >/dev/null
run_worker --once
check_eq "exit 0: an item error is not a batch error" "$rc" 0
check_eq "the other 31 rows are embedded" "$(sql "select count(*) from rows__embedding_store")" 31
check_eq "the poison row is not" "$(sql "select count(*) from rows__embedding_store where id = 13")" 0
check_eq "queue empty" "$(sql "select count(*) from ai._vectorizer_q_1")" 0
check_eq "the poison row alone is in the failed queue, step embedding" \
  "$(sql "select string_agg(id || ':' || failure_step, ',') from ai._vectorizer_q_failed_1")" "13:embedding"
check_eq "one error row per attempt (1 + 2 retries)" "$(sql "select count(*) from ai.vectorizer_errors where message = 'embedding failed'")" 3
check_eq "the last attempt is marked final" \
  "$(sql "select details->>'is_retryable' from ai.vectorizer_errors order by recorded desc limit 1")" false
check_eq "error rows name the key" "$(sql "select distinct details->'pk'->>'id' from ai.vectorizer_errors")" 13
check_contains "error rows carry the provider's text" "$(sql "select details->>'error_reason' from ai.vectorizer_errors limit 1")" "Error code: 400"
# bisecting: first attempt 1 + 2 + 2 + 2 + 2 + 2 = 11 requests at most (log2 32 = 5 levels), then 1 per retry
requests=$(provider_stats openai.requests)
check "bisection, not one request per row (got $requests)" test "$requests" -le 15

# an oversized document: an item error at the loading step, no memory blow-up
psql_q -c "insert into rows_ values (100, repeat('x', 3000000))" >/dev/null
PGAI_VECTORIZER_MAX_DOCUMENT_BYTES=1000000 run_worker --once
check_eq "oversized: exit 0" "$rc" 0
check_eq "oversized: in the failed queue at the loading step" \
  "$(sql "select failure_step from ai._vectorizer_q_failed_1 where id = 100")" loading
check_contains "oversized: a clear reason" \
  "$(sql "select details->>'error_reason' from ai.vectorizer_errors where details->'pk'->>'id' = '100' limit 1")" \
  "more than the limit of 1000000 bytes"
check_eq "oversized: pgai's loading error shape" \
  "$(sql "select message || ' ' || (details->>'loader') from ai.vectorizer_errors where details->'pk'->>'id' = '100' limit 1")" "loading failed column"

# fixing the row and re-queueing it (as a user would) embeds it
psql_q -c "update rows_ set body = 'cured' where id = 13" >/dev/null
run_worker --once
check_eq "a fixed row is embedded" "$(sql "select chunk from rows__embedding_store where id = 13")" cured

# a template that cannot render is the vectorizer's fault: batch error, nothing charged
psql_q >/dev/null <<'SQL'
create table t2 (id int primary key, body text);
insert into t2 values (1, 'a'), (2, 'b');
select ai.create_vectorizer('t2'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
  formatting => ai.formatting_python_template('$chunk $no_such_column'));
SQL
run_worker --once -i 2
check_eq "bad template: exit 1" "$rc" 1
check_contains "bad template: says which name" "$out" "no_such_column"
check_eq "bad template: rows stay queued, uncharged" "$(sql "select count(*) || ':' || max(loading_retries) from ai._vectorizer_q_2")" "2:0"
