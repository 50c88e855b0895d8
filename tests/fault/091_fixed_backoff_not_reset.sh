# Regression test for a bug the fault suite found (fixed): a vectorizer's back-off after a batch error is
# reset only when a whole pass over its queue ends without error
# (backoff_succeeded in src/worker/worker.c, called from run_vectorizer), not
# when a batch commits. With a queue that never runs dry, sporadic unrelated
# errors hours apart double the pause each time, up to 5 minutes, although
# every batch in between succeeded.
#
# Here: the executor's connection is terminated (a batch error: 5 s back-off),
# batches then commit again, and the connection is terminated a second time.
# The second pause must again be 5 s, not 10.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=16 FAULT_BATCH=10 make_source docs 400
provider_control '{"latency_ms": 300}' >/dev/null # 40 batches of 0.3 s: the queue stays busy
mon_start
stored() { mq "select count(*) from docs_embedding_store"; }
terminate_executor() {
  sql "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
        where application_name like 'pgai-worker[%') t" >/dev/null
}
until_more_stored() { # until_more_stored N : a batch committed after N chunks
  local i
  for i in $(seq 1 300); do [ "$(stored)" -gt "$1" ] && return 0; sleep 0.05; done
  return 1
}

worker_bg "$FAULT_TMP/worker.log" --poll-interval 1s
until_more_stored 0
terminate_executor
sleep 0.5
n=$(stored)
check "batches commit again after the first error" until_more_stored "$n"
n=$(stored)
check "and again" until_more_stored "$n"
terminate_executor
sleep 0.5
pauses=$(grep -o 'backing off after an error seconds=[0-9]*' "$FAULT_TMP/worker.log" | grep -o '[0-9]*$' | tr '\n' ' ')
check_eq "BUG: the pause after an error that follows successful batches starts again at 5 s" "$pauses" "5 5 "
worker_stop "$WPID"
