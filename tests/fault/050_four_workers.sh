# Four worker processes with -c 4 each (16 executors) on one vectorizer: no
# deadlock, no duplicate, every row embedded. First a backlog drained by four
# --once runs (each key is claimed by exactly one executor); then four
# long-running workers while rows keep changing under them, stopped with
# SIGTERM at the end.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=64 FAULT_BATCH=10 make_source docs 800
V=$(vid docs)
provider_control '{"latency_ms": 30}' >/dev/null
deadlocks() { grep -c 'deadlock detected' "$PGTMP/server.log" || true; }
deadlocks_before=$(deadlocks)

# --- a backlog, four --once runs --------------------------------------------------
pids=()
for n in 1 2 3 4; do
  timeout 120 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once -c 4 >"$FAULT_TMP/once$n.log" 2>&1 & pids+=($!)
done
codes=""
for p in "${pids[@]}"; do set +e; wait "$p"; codes="$codes$?"; set -e; done
check_eq "--once x4: all four exit 0 (124 would be a hang)" "$codes" 0000
items=0
for n in 1 2 3 4; do
  i=$(grep -o 'finished processing vectorizer items=[0-9]*' "$FAULT_TMP/once$n.log" | awk -F= '{s += $2} END {print s + 0}')
  items=$((items + ${i:-0}))
  check_not_contains "--once worker $n: no error logged" "$(cat "$FAULT_TMP/once$n.log")" "[error"
done
check_eq "--once x4: each of the 800 rows handled exactly once" "$items" 800
check_end_state docs
check_eq "--once x4: one request per batch, none repeated" "$(provider_stats openai.requests)" 80

# --- four long-running workers, rows changing under them ------------------------------
wpids=()
for n in 1 2 3 4; do
  worker_bg "$FAULT_TMP/run$n.log" --poll-interval 1s -c 4
  wpids+=("$WPID")
done
for round in $(seq 1 8); do
  churn docs 100 10 0 # no deletes while batches are in flight: see 090_BUG_delete_in_flight.sh
  sleep 0.5
done
check "the workers catch up" wait_queue_empty docs 60
codes=""
for p in "${wpids[@]}"; do worker_stop "$p"; codes="$codes$rc"; done
check_eq "SIGTERM: all four exit 0" "$codes" 0000
for n in 1 2 3 4; do
  check_not_contains "worker $n: no error logged" "$(cat "$FAULT_TMP/run$n.log")" "[error"
done
check_end_state docs
check_eq "no deadlock detected by the server" "$(deadlocks)" "$deadlocks_before"
echo "  rows: $(sql "select count(*) from docs"), chunks: $(sql "select count(*) from docs_embedding_store")," \
     "vectors returned by the provider: $(provider_stats openai.embedded)"
