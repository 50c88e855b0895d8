# Regression test for a bug the fault suite found (fixed): TRUNCATE of a source table while a batch is
# in flight deadlocks with the worker's next claim. "deadlock detected": one of
# the two is rolled back (the worker's batch, then a 5 s back-off and exit 1
# with --once; or the user's TRUNCATE fails). Nothing is lost, but a user's
# TRUNCATE can fail because a worker runs.
#
# Why: the TRUNCATE waits for the batch in flight (its claim read the source
# table), then holds the source ACCESS EXCLUSIVE and its trigger wants the
# queue table ACCESS EXCLUSIVE; meanwhile the worker's next claim statement
# (src/queue/queue.c, queue_claim_sql) has locked the queue table (its CTEs come
# first) and waits for the source table: opposite orders. Taking the source
# table's lock first in the batch transaction (e.g. LOCK TABLE source IN ACCESS
# SHARE MODE before the claim in run_batch, src/worker/executor.c) would make
# the claim simply wait for the TRUNCATE.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=16 FAULT_BATCH=10 make_source docs 40 # 4 batches: the next claim comes after the first commit
provider_reset '{"latency_ms": 1500}'
mon_start
worker_bg "$FAULT_TMP/w.log" --once
for i in $(seq 1 500); do mon_q "$PHASE_SQL"; [ "$MON_OUT" = http ] && break; sleep 0.02; done
check_eq "the batch is in the HTTP call" "$MON_OUT" http
set +e
truncate_out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" -c "truncate docs" 2>&1); truncate_rc=$?
set -e
sql "insert into docs select g, $(body_sql g 1 2) from generate_series(1, 5) g" >/dev/null
set +e; wait "$WPID"; rc=$?; set -e
log=$(cat "$FAULT_TMP/w.log")
check_eq "BUG: the user's TRUNCATE succeeds ($truncate_out)" "$truncate_rc" 0
check_not_contains "BUG: no deadlock in the worker" "$log" "deadlock detected"
check_eq "BUG: the worker exits 0" "$rc" 0
provider_reset
drain docs
check_end_state docs
check_eq "only the new rows' chunks" "$(sql "select count(*) from docs_embedding_store")" 10
