# Regression test for a bug the fault suite found (fixed): a row deleted, or whose primary key changes,
# while its embedding is in flight keeps the chunks the batch writes, forever:
# chunks of a row that no longer exists (an orphan set; pgai's view shows them
# with no source row, a search on the store finds the deleted text).
#
# Why: the claim reads the source rows without locking them
# (src/queue/queue.c, queue_claim_sql: LEFT JOIN LATERAL (SELECT * FROM source
# ... LIMIT 1) without FOR KEY SHARE). The DELETE's trigger removes the chunks it
# can see: none for a row never embedded; for a row embedded before, it waits
# for the worker's row locks on the old chunks, which the worker deletes, and
# its statement snapshot cannot see the chunks the batch then COPYs. Locking the
# source rows FOR KEY SHARE in the claim would make the DELETE (and a key
# change) wait for the batch and then remove its chunks; plain UPDATEs would not
# wait.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

FAULT_DIM=16 FAULT_BATCH=50 make_source docs 40
drain docs
check_end_state docs
sql "update docs set body = $(body_sql id 2 2) where id <= 20" >/dev/null # embedded before, queued again
sql "insert into docs select g, $(body_sql g 1 2) from generate_series(41, 50) g" >/dev/null # never embedded
provider_reset '{"latency_ms": 1500}'
mon_start
worker_bg "$FAULT_TMP/w.log" --once
for i in $(seq 1 500); do mon_q "$PHASE_SQL"; [ "$MON_OUT" = http ] && break; sleep 0.02; done
check_eq "the batch is in the HTTP call" "$MON_OUT" http
# one session per change, all at once: each may wait for the batch
pids=()
for stmt in "delete from docs where id = 1" "delete from docs where id = 41" \
            "update docs set id = 1003 where id = 3" "update docs set id = 1043 where id = 43"; do
  psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" -c "$stmt" >/dev/null & pids+=($!)
done
set +e; wait "$WPID"; rc=$?; for p in "${pids[@]}"; do wait "$p"; done; set -e
check_eq "exit 0" "$rc" 0
provider_reset
drain docs
# (rows 1 and 3 were embedded before: their DELETE waits for the batch, yet
# misses its chunks; rows 41 and 43 were not: their DELETE does not wait)
check_eq "BUG: no chunks of deleted rows or of old keys" \
  "$(sql "select coalesce(string_agg(distinct id::text, ',' order by id::text), '') from docs_embedding_store where id not in (select id from docs)")" ""
check_end_state docs
