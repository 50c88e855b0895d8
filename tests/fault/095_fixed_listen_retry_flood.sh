# Regression test for a bug (fixed): while the database is down, a worker
# waiting for wake-ups logs "cannot listen for wake-ups; polling only" once a
# second, without back-off (about 3,600 lines an hour of outage), and never
# says when it listens again.
#
# Where: wait_for_work in src/worker/worker.c retried the LISTEN connection
# at every second boundary, and listen_connect warned at every failure. Now
# the retries follow the reconnection back-off (1 s doubling to 30 s) and
# only the changes are logged: the loss once, then "listening for wake-ups
# again". (The retries back off, so after a 7 s outage the next try may come
# up to 8 s after the restart: the wait for the "again" line allows 35 s.)
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=16 FAULT_BATCH=10 make_source docs 10
sql "checkpoint" >/dev/null
worker_bg "$FAULT_TMP/w.log" --poll-interval 1h
check "the backlog is embedded" wait_queue_empty docs 30
sleep 0.5 # the worker is asleep, listening

pg_crash_server
sleep 7
pg_restart_server
again() {
  local i
  for i in $(seq 1 350); do grep -q "listening for wake-ups again" "$FAULT_TMP/w.log" && return 0; sleep 0.1; done
  return 1
}
back=0; again || back=1
log=$(cat "$FAULT_TMP/w.log")
n=$(grep -c "wake-up" <<<"$log" || true)
echo "  $n lines about wake-ups during a 7 s outage:"; grep "wake-up" <<<"$log" | sed 's/^/    /'
check "BUG: the outage is logged a few times, not once a second ($n lines)" test "$n" -le 3
check "after the restart, the worker says it listens again" test "$back" = 0
check_contains "the loss is logged" "$log" "lost the wake-up connection; polling only until it is back"
sql "insert into docs values (100, $(body_sql 100 1 2))" >/dev/null
check "a NOTIFY wakes the worker again" wait_queue_empty docs 10
worker_stop "$WPID"
check_eq "SIGTERM: exit 0" "$rc" 0
check_end_state docs
