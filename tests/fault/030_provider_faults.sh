# Provider faults, one after another: 429s with Retry-After (absorbed, and a
# storm longer than the rate-limit budget), 500 and 503 storms, slow answers and
# dropped connections, truncated and malformed bodies, the wrong number of
# vectors, the wrong dimension, and a poison text the provider always rejects.
#
# After every fault nothing is half-written (each row is embedded from its
# current text or still queued) and no item was charged a retry: only a
# rejected input is the item's fault. At the end, with the poison row still
# poisoned, the same end state as ever, with the poison row alone in the
# failed queue.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=64 FAULT_BATCH=10 make_source docs 60
V=$(vid docs)

uncharged() { # uncharged WHAT : no queued item carries a retry, the failed queue is empty, no item error row
  check_eq "$1: nothing charged" \
    "$(sql "select coalesce(max(loading_retries), 0) from ai._vectorizer_q_$V")|$(sql "select count(*) from ai._vectorizer_q_failed_$V")|$(sql "select count(*) from ai.vectorizer_errors where message like '% failed' and message <> 'embedding provider failed'")" \
    "0|0|0"
}
queued() { sql "select count(distinct id) from ai._vectorizer_q_$V"; }
elapsed_since() { echo $(($(ms_now) - $1)); }

# --- faults that must fail the batch, not the items --------------------------------
batch_fault() { # batch_fault NAME SWITCHES : the run fails, nothing is written, nothing charged
  local name=$1 before
  provider_reset "$2"
  before=$(queued)
  run_worker --once
  check_eq "$name: exit 1" "$rc" 1
  check_eq "$name: every row still queued" "$(queued)" "$before"
  check_consistent docs "$name"
  uncharged "$name"
}

# 429s outlasting the rate-limit budget (30 retries): a batch error, never an item error
batch_fault "429 storm" '{"rate_limit_next": 1000, "retry_after": 0.02}'
check "429 storm: the budget was used (30 retries)" test "$(provider_stats openai.status.429)" -ge 31
check_contains "429 storm: the error row says 429" \
  "$(sql "select details->>'error_reason' from ai.vectorizer_errors order by recorded desc limit 1")" "Error code: 429"

batch_fault "500 storm" '{"fail_next": 1000, "fail_status": 500}'
check_eq "500 storm: 1 try + 3 retries" "$(provider_stats openai.requests)" 4
batch_fault "503 storm" '{"fail_next": 1000, "fail_status": 503}'
batch_fault "malformed body" '{"malformed_next": 1}'
batch_fault "one vector too few" '{"wrong_count_next": 1}'
batch_fault "one element too many" '{"wrong_dim_next": 1}'
errors=$(sql "select string_agg(details->>'error_reason', ' / ') from ai.vectorizer_errors")
check_contains "the wrong dimension is named" "$errors" "expected 64 dimensions"

# --- faults that are absorbed by retries ---------------------------------------------
absorbed() { # absorbed NAME SWITCHES : the run succeeds, all embedded, nothing charged
  local name=$1
  churn docs 15 0 0
  provider_reset "$2"
  run_worker --once
  check_eq "$name: exit 0" "$rc" 0
  check_eq "$name: queue empty" "$(queued)" 0
  check_consistent docs "$name"
  uncharged "$name"
}

start=$(ms_now)
absorbed "429 with Retry-After: 1.5 s" '{"rate_limit_next": 2, "retry_after": 1.5}'
took=$(elapsed_since "$start")
check "429: Retry-After honoured, two waits of 1.5 s (took $took ms)" test "$took" -ge 3000
check_eq "429: two 429s answered" "$(provider_stats openai.status.429)" 2
absorbed "500/503 burst" '{"fail_next": 3, "fail_status": 503}'
absorbed "a slow answer (the provider hangs 3 s)" '{"timeout_next": 1, "hang_ms": 3000}'
absorbed "connections dropped without an answer" '{"disconnect_next": 2}'
absorbed "bodies cut short" '{"truncated_next": 2}'

# --- the poison row, among other faults ------------------------------------------------
# row 13's text always contains "r0013v": rejected with HTTP 400, every time
churn docs 20 0 0
sql "update docs set body = $(body_sql 13 500 3) where id = 13" >/dev/null
provider_reset '{"poison": "r0013v", "rate_limit_next": 2, "retry_after": 0.1, "fail_next": 1, "fail_status": 503, "truncated_next": 1}'
drain docs
check_eq "poison: exit 0 (an item error is not a batch error)" "$rc" 0
check_end_state docs 13
check_eq "poison: failed at the embedding step" "$(sql "select failure_step from ai._vectorizer_q_failed_$V")" embedding
check_eq "poison: charged once per attempt (1 + 2 retries)" \
  "$(sql "select count(*) from ai.vectorizer_errors where message = 'embedding failed' and details->'pk'->>'id' = '13'")" 3
check_eq "poison: no other row was charged" \
  "$(sql "select count(*) from ai.vectorizer_errors where message = 'embedding failed' and details->'pk'->>'id' <> '13'")" 0
