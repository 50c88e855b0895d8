# Regression test for a bug the fault suite found (fixed): once the worker's LISTEN connection is lost
# (pg_terminate_backend, a server restart, a network cut) it is never opened
# again: the log says "lost the wake-up connection; polling only until it is
# back", but it never comes back, and new work waits for the poll interval
# (5 minutes by default) instead of starting at once.
#
# Where: wait_for_work in src/worker/worker.c reconnects only
# `if (w->listen_conn && PQstatus(w->listen_conn) != CONNECTION_OK)`, but the
# path that notices the loss sets w->listen_conn = NULL, so the condition is
# never true again. Reconnecting when listen_conn is NULL too fixes it.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=16 FAULT_BATCH=10 make_source docs 10
worker_bg "$FAULT_TMP/w.log" --poll-interval 1h
check "the backlog is embedded" wait_queue_empty docs 30
sql "insert into docs values (100, $(body_sql 100 1 2))" >/dev/null
check "a NOTIFY wakes the worker at once" wait_queue_empty docs 10
sql "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pgai-worker-listen'" >/dev/null
sleep 1
sql "insert into docs values (101, $(body_sql 101 1 2))" >/dev/null
sleep 2 # a pass that had already been woken could come first; then the worker sleeps again
sql "insert into docs values (102, $(body_sql 102 1 2))" >/dev/null
check "BUG: after the LISTEN connection was lost, a NOTIFY still wakes the worker" wait_queue_empty docs 10
worker_stop "$WPID"
check_eq "SIGTERM: exit 0" "$rc" 0
check_end_state docs
