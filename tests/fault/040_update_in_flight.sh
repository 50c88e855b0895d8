# Rows updated while their embedding is in flight end embedded from their
# latest text, by the same --once run (the update queues the key again; the
# executor claims it once the batch in flight has committed). The updates land
# during the HTTP call, during the COPY and during the COMMIT, change the
# number of chunks both ways, and some rows are updated twice. (Deletes, key
# changes and TRUNCATE in flight: 090_BUG_delete_in_flight.sh and
# 092_BUG_truncate_deadlock.sh.)
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=64 FAULT_BATCH=50 make_source docs 40
install_stalls docs
mon_start
ver=1

wait_phase() {
  local i
  for i in $(seq 1 500); do
    mon_q "$PHASE_SQL"
    [ "$MON_OUT" = "$1" ] && return 0
    sleep 0.02
  done
  return 1
}

for phase in http copy commit; do
  set_stall all 0
  provider_reset
  case $phase in
    http) provider_control '{"latency_ms": 1000}' >/dev/null ;;
    copy) set_stall copy 15 ;; # ~100 rows: 1.5 s
    commit) set_stall commit 1000 ;;
  esac
  ver=$((ver + 1))
  sql "update docs set body = $(body_sql id $ver "1 + id % 4")" >/dev/null # every row queued: one batch of 40
  worker_bg "$FAULT_TMP/w.log" --once
  check "$phase: the batch is in the $phase phase" wait_phase "$phase"
  # the new texts: 4 pieces become 1, 1 becomes 4, the rest 2 or 3; half of the rows twice
  sql "update docs set body = $(body_sql id $((ver + 1)) "4 - id % 4")" >/dev/null
  sql "update docs set body = $(body_sql id $((ver + 2)) "1 + (id + 1) % 4") where id % 2 = 0" >/dev/null
  check "$phase: the updates did not wait for the batch" wait_phase "$phase"
  set +e; wait "$WPID"; rc=$?; set -e
  check_eq "$phase: exit 0" "$rc" 0
  check_end_state docs
  check_eq "$phase: the second version of odd rows, the third of even rows" \
    "$(sql "select count(*) from docs_embedding_store where chunk_seq = 0 and chunk like format('%%v%sp%%', lpad(($((ver + 1)) + 1 - id % 2)::text, 3, '0'))")" 40
  ver=$((ver + 2))
done
