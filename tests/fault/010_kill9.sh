# kill -9 of the worker in every phase of a batch, 26 times: afterwards the
# store holds exactly one set of chunks per source row, built from its current
# text, the vectors are the chunks' own, and the queue is empty.
#
# A batch is one transaction: claim (queue rows locked and deleted, advisory
# locks), DELETE of the old chunks, HTTP call, COPY, COMMIT. The worker cannot
# be paused, so the server is made slow at the spot we aim at (triggers that
# sleep in the worker's own statements, see install_stalls in lib.sh; the
# provider's latency_ms for the HTTP call) and the kill lands at a random
# moment inside that window. The phase is read from pg_stat_activity just
# before each kill and counted. Six more kills follow at random delays with
# no stall at all. Between kills the rows change (updates that change the
# number of chunks, inserts, deletes), so every kill leaves work behind.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=1536 FAULT_BATCH=50 make_source docs 300
install_stalls docs
mon_start
T0=$(ms_now)

declare -A landed=()
kills=0
committed_after_kill=0
STALL_MS=300

kill_worker() { # the phase just before the kill is what we count
  mon_q "$PHASE_SQL"
  local phase=$MON_OUT
  kill -KILL "$WPID"
  wait "$WPID" 2>/dev/null || true
  kills=$((kills + 1))
  landed[$phase]=$((${landed[$phase]:-0} + 1))
  echo "  kill $kills: aimed at $1, landed in $phase ($(( $(ms_now) - T0 )) ms)"
}

keep_queue_busy() { # keep_queue_busy N : at least N keys queued before each start
  local q
  q=$(mq "select count(distinct id) from ai._vectorizer_q_$V")
  [ "$q" -ge "$1" ] || churn docs $(($1 - q)) 0 0
}
V=$(vid docs)
latency=0
set_latency() { [ "$1" = "$latency" ] || provider_control "{\"latency_ms\": $1}" >/dev/null; latency=$1; }

for round in 1 2 3 4; do
  for target in claim after-claim http copy commit; do
    keep_queue_busy 100
    set_stall all 0
    case $target in
      http) set_latency $STALL_MS ;;
      copy) set_latency 0; set_stall copy $((STALL_MS / 100)) ;; # per row: ~125 rows a batch
      *) set_latency 0; set_stall "$target" $STALL_MS ;;
    esac
    q_before=$(mq "select count(*) from ai._vectorizer_q_$V")
    worker_bg "$FAULT_TMP/kill.log" --poll-interval 1s
    for i in $(seq 1 300); do
      mon_q "$PHASE_SQL"
      [ "$MON_OUT" = "$target" ] && break
      sleep 0.02
    done
    sleep "0.$(printf '%03d' $((RANDOM % (STALL_MS / 2))))" # somewhere inside the window
    kill_worker "$target"
    # the killed worker's server process finishes the statement it is in (a
    # COMMIT it was in goes through), then notices the client is gone
    wait_no_backends 15
    if [ "$target" = commit ] && [ "$(mq "select count(*) from ai._vectorizer_q_$V")" -lt "$q_before" ]; then
      committed_after_kill=$((committed_after_kill + 1))
    fi
    churn docs 10 2 2
  done
done
echo "  $committed_after_kill of the kills during COMMIT left a committed batch (the server finished the COMMIT)"

# no stall, a little latency: kills at random moments in the first few batches
set_stall all 0
set_latency 30
for i in 1 2 3 4 5 6; do
  keep_queue_busy 250
  worker_bg "$FAULT_TMP/kill.log" --poll-interval 1s
  for j in $(seq 1 300); do # until its executor is connected
    mon_q "$PHASE_SQL"
    [ "$MON_OUT" != none ] && break
    sleep 0.02
  done
  sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  kill_worker random
  wait_no_backends 15
  churn docs 10 2 2
done

echo "  kills by phase: $(for p in "${!landed[@]}"; do printf '%s=%s ' "$p" "${landed[$p]}"; done)"
check "at least 20 kills ($kills)" test "$kills" -ge 20
for p in claim after-claim http copy commit; do
  check "at least 2 kills in the $p phase (${landed[$p]:-0})" test "${landed[$p]:-0}" -ge 2
done

embedded_before=$(provider_stats openai.embedded)
drain docs
check_eq "the last worker exits 0" "$rc" 0
check_end_state docs
chunks=$(sql "select count(*) from docs_embedding_store")
echo "  the provider returned $(provider_stats openai.embedded) vectors ($embedded_before during the kills);" \
     "the store holds $chunks chunks of $(sql "select count(*) from docs") rows: the rest was re-embedded after kills or churn"
