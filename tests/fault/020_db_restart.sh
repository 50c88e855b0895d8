# The database goes away under a running worker: PostgreSQL stopped with
# -m immediate (a crash: every backend killed, recovery at start) and started
# again on the same port, twice, each time with a batch in flight; then the
# worker's connections killed with pg_terminate_backend, four times. Rows keep
# changing after each fault. The worker must reconnect by itself, end with the
# same state as if nothing had happened, and still stop cleanly on SIGTERM,
# also while the server is down. A worker started while the server is down
# waits for it. (NOTIFY wake-ups after a lost connection:
# 094_BUG_listen_not_restored.sh.)
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=64 FAULT_BATCH=20 make_source docs 300
# The cluster runs with synchronous_commit off, so a crash loses the last
# commits (that is part of the test: the worker must cope); the setup itself
# must survive, or there is no vectorizer left to check.
sql "checkpoint" >/dev/null
V=$(vid docs)
provider_control '{"latency_ms": 150}' >/dev/null
mon_start

wait_phase() { # wait_phase PHASE : until the worker's executor is in it (10 s at most)
  local i
  for i in $(seq 1 500); do
    mon_q "$PHASE_SQL"
    [ "$MON_OUT" = "$1" ] && return 0
    sleep 0.02
  done
  echo "  (the worker did not reach $1; it is in $MON_OUT)"
  return 1
}

worker_bg "$FAULT_TMP/worker.log" --poll-interval 1s
W=$WPID

# --- PostgreSQL crashes and comes back -------------------------------------------
for n in 1 2; do
  wait_phase http
  before=$(mq "select count(*) from docs_embedding_store")
  mon_stop
  pg_crash_server
  sleep 1
  pg_restart_server
  restarted=$(date -u '+%Y-%m-%d %H:%M:%S+00')
  mon_start
  check "restart $n: the worker is still running" kill -0 "$W"
  echo "  [$(date +%T)] restart $n: $before chunks stored before the crash, $(sql "select count(*) from docs_embedding_store") after recovery"
  churn docs 40 10 0 # no deletes while a batch may be in flight: see 090_BUG_delete_in_flight.sh
  check_consistent docs "restart $n"
  check "restart $n: the worker catches up" wait_queue_empty docs 60
  churn docs 100 0 0 # work for the next fault
done
check_eq "after the restarts: heartbeats again" \
  "$(sql "select count(*) from ai.vectorizer_worker_process where last_heartbeat > '$restarted'")" 1

# --- its connections are terminated --------------------------------------------------
# (each time until the queue is empty again: the vectorizer's back-off is reset
# only by a pass that ends without error, see 091_BUG_backoff_not_reset.sh)
for n in 1 2 3 4; do
  wait_phase http
  killed=$(sql "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
                 where application_name like 'pgai-worker%') t")
  echo "  [$(date +%T)] terminate $n: $killed worker connections terminated"
  churn docs 20 5 0
  check_consistent docs "terminate $n"
  check "terminate $n: the worker catches up" wait_queue_empty docs 60
  churn docs 100 0 0
done
check "the worker is still running" kill -0 "$W"

churn docs 0 1 0
check "a new row is embedded" wait_queue_empty docs 20

# --- a worker started while the server is down; SIGTERM while it is down -------------
mon_stop
pg_crash_server
worker_bg "$FAULT_TMP/worker2.log" --poll-interval 1s
W2=$WPID
sleep 2
start=$(ms_now)
worker_stop "$W"
check_eq "SIGTERM while the server is down: exit 0" "$rc" 0
check "SIGTERM while the server is down: at once ($(($(ms_now) - start)) ms)" test $(($(ms_now) - start)) -lt 5000
pg_restart_server
churn docs 30 5 0
check "a worker started while the server was down works once it is up" wait_queue_empty docs 60
worker_stop "$W2"
check_eq "SIGTERM: exit 0" "$rc" 0
check_contains "it said why it waited" "$(cat "$FAULT_TMP/worker2.log")" "unable to connect to database"
log=$(cat "$FAULT_TMP/worker.log")
check_contains "the lost connections were logged" "$log" "server closed the connection unexpectedly"
check_contains "the batch errors backed the vectorizer off" "$log" "vectorizer backing off after an error"
check_end_state docs
echo "  the provider returned $(provider_stats openai.embedded) vectors; the store holds" \
     "$(sql "select count(*) from docs_embedding_store") chunks"
