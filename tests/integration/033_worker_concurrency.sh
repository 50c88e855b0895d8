# Concurrency: -c 4 in one process, and two worker processes on the same
# vectorizer, with a provider that answers slowly: every row embedded exactly
# once, no duplicate chunks, no deadlock.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table items (id int primary key, body text);
insert into items select g, 'item ' || g || ' ' || repeat('text ', 30) from generate_series(1, 600) g;
select ai.create_vectorizer('items'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16),
  chunking => ai.chunking_recursive_character_text_splitter(60, 10),
  processing => ai.processing_default(batch_size => 10));
SQL
provider_control '{"latency_ms": 20}' >/dev/null

run_worker --once -c 4
check_eq "-c 4: exit 0" "$rc" 0
check_eq "-c 4: every row embedded" "$(sql "select count(distinct id) from items_embedding_store")" 600
check_eq "-c 4: no duplicate chunks" "$(sql "select count(*) from (select id, chunk_seq from items_embedding_store group by 1, 2 having count(*) > 1) d")" 0
check_eq "-c 4: queue empty" "$(sql "select count(*) from ai._vectorizer_q_1")" 0
check_eq "-c 4: one request per batch of 10 rows" "$(provider_stats openai.requests)" 60
chunks_per_run=$(sql "select count(*) from items_embedding_store")

# two processes, four executors each, on the same queue
psql_q -c "update items set body = body || ' again'" >/dev/null
set +e
timeout 120 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once -c 4 >"$PGTMP/w1.log" 2>&1 & p1=$!
timeout 120 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once -c 4 >"$PGTMP/w2.log" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
set -e
check_eq "two processes: both exit 0" "$r1:$r2" "0:0"
n1=$(grep -o 'finished processing vectorizer items=[0-9]*' "$PGTMP/w1.log" | grep -o '[0-9]*$')
n2=$(grep -o 'finished processing vectorizer items=[0-9]*' "$PGTMP/w2.log" | grep -o '[0-9]*$')
check_eq "two processes: each row handled once" "$((n1 + n2))" 600
check "two processes: both did work" test "$n1" -gt 0 -a "$n2" -gt 0
check_eq "two processes: every row re-embedded" "$(sql "select count(*) from items_embedding_store where chunk like '%again'")" 600
check_eq "two processes: no duplicate chunks" \
  "$(sql "select count(*) from (select id, chunk_seq from items_embedding_store group by 1, 2 having count(*) > 1) d")" 0
check "two processes: every row has its chunks" test "$(sql "select count(*) from items_embedding_store")" -ge "$chunks_per_run"
check_eq "two processes: queue empty" "$(sql "select count(*) from ai._vectorizer_q_1")" 0
