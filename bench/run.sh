#!/usr/bin/env bash
# The performance benchmarks of docs/performance.md, in one command:
#
#   bench/run.sh                     # the full run (10,000 rows; 5-8 minutes on 2 cores)
#   BENCH_ROWS=2000 bench/run.sh     # a quick run (about 2 minutes)
#
# It builds the project and the helpers in bench/, starts a throwaway
# PostgreSQL cluster, the local embedding provider (tests/provider/server.py)
# and a native stub provider (bench/stubprovider.c), all removed on exit, runs
# each benchmark and prints a table of measured values against their targets.
# It exits 0 whenever the benchmarks ran: the figures are measurements, not a
# test (they depend on the machine and on whatever else runs on it).
#
# Settings (environment):
#   BENCH_ROWS=10000            source rows of about 1 KB
#   BENCH_DIM=768               dimensions for throughput and latency
#   BENCH_CONCURRENCY=1         worker -c = dblimit connections for the headline ratio
#   BENCH_REPEAT=4              measurement rounds without an index (medians are reported;
#                               odd rounds run worker, stub, dblimit; even rounds the reverse)
#   BENCH_EXTRA_CONCURRENCY=2   one more round per value, without an index ("" for none)
#   BENCH_STUB=1                also run the worker against the native stub provider
#   BENCH_HNSW_ROWS=3000        rows for the HNSW runs (the cost per row grows with the index)
#   BENCH_HNSW_CONCURRENCY=1    worker -c = dblimit connections with the index (a list)
#   BENCH_HNSW_REPEAT=2         rounds per value (forward, then reverse order)
#   BENCH_MEM_DIM=1536 BENCH_MEM_CONCURRENCY=4
#   BENCH_LAT_INSERTS=200 BENCH_LAT_GAP_MS=50 BENCH_LAT_PROVIDER_MS=20
#   BENCH_WAKEUPS=100           wake-ups (one-row inserts, each waited for) for "wakeup"
#   BENCH_BASELINE=REV          also run "wakeup" with the pgai of git revision REV (built once
#                               into build/bench-baseline-REV), for before/after in one run
#   BENCH_ONLY="throughput hnsw memory latency wakeup"   run a subset; "sweep" (not in the default)
#                               runs batch sizes BENCH_SWEEP_BATCH="10 50 200" x BENCH_SWEEP_CONC="1 2 4"
#                               with the stub provider against dblimit
#   BENCH_PROFILE=1             also record one worker run with perf (BENCH_PROFILE_ROWS=3000 rows)
#   BENCH_OUT=build/bench       logs, results.txt (every figure, key=value) and summary.txt
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

ROWS=${BENCH_ROWS:-10000}
DIM=${BENCH_DIM:-768}
CONC=${BENCH_CONCURRENCY:-1}
REPEAT=${BENCH_REPEAT:-4}
EXTRA_CONC=${BENCH_EXTRA_CONCURRENCY-2}
STUB=${BENCH_STUB:-1}
HNSW_ROWS=${BENCH_HNSW_ROWS:-3000}
[ "$HNSW_ROWS" -gt "$ROWS" ] && HNSW_ROWS=$ROWS
HNSW_CONC=${BENCH_HNSW_CONCURRENCY-1}
HNSW_REPEAT=${BENCH_HNSW_REPEAT:-2}
MEM_DIM=${BENCH_MEM_DIM:-1536}
MEM_CONC=${BENCH_MEM_CONCURRENCY:-4}
LAT_N=${BENCH_LAT_INSERTS:-200}
LAT_GAP=${BENCH_LAT_GAP_MS:-50}
LAT_PROVIDER=${BENCH_LAT_PROVIDER_MS:-20}
WAKEUPS=${BENCH_WAKEUPS:-100}
BASELINE=${BENCH_BASELINE:-}
ONLY=${BENCH_ONLY:-throughput hnsw memory latency wakeup}
OUT=${BENCH_OUT:-$ROOT/build/bench}
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: >"$RESULTS"

want() { case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
say() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
record() { printf '%s=%s\n' "$1" "$2" >>"$RESULTS"; }   # record KEY VALUE
get() { grep "^$1=" "$RESULTS" | tail -1 | cut -d= -f2-; }
field() { tr ' ' '\n' <<<"$2" | grep "^$1=" | head -1 | cut -d= -f2; }   # field NAME "k=v k=v"
calc() { python3 -c "print($1)"; }
median() { python3 -c 'import statistics, sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 3))' "$@"; }
range() { python3 -c 'import sys; v = [float(x) for x in sys.argv[1:]]; print("%g-%g" % (min(v), max(v)))' "$@"; }

say "building"
make -s -j2 >/dev/null
make -s -C bench >/dev/null
PGAI=$ROOT/build/pgai
DBLIMIT=$ROOT/build/bench/dblimit
RUSAGE=$ROOT/build/bench/rusage
BASE_PGAI=
if [ -n "$BASELINE" ] && want wakeup; then
  BASE_PGAI=$ROOT/build/bench-baseline-$BASELINE.pgai # the binary links libpgai statically
  if [ ! -x "$BASE_PGAI" ]; then
    say "building the baseline $BASELINE"
    base_dir=$(mktemp -d /tmp/pgai-baseline.XXXXXX)
    git worktree add --detach "$base_dir/src" "$BASELINE" >/dev/null 2>&1 || { echo "cannot check out $BASELINE" >&2; exit 1; }
    make -s -j2 -C "$base_dir/src" >/dev/null
    cp "$base_dir/src/build/pgai" "$BASE_PGAI"
    git worktree remove --force "$base_dir/src"
    rm -rf "$base_dir"
  fi
fi

. tests/lib/pgcluster.sh
. tests/lib/provider.sh
LIVE_PID= STUB_PID=
cleanup() {
  if [ -n "$LIVE_PID" ]; then kill -TERM "$LIVE_PID" 2>/dev/null; wait "$LIVE_PID" 2>/dev/null; fi
  if [ -n "$STUB_PID" ]; then kill -TERM "$STUB_PID" 2>/dev/null; wait "$STUB_PID" 2>/dev/null; fi
  provider_stop
  pg_stop
}
trap cleanup EXIT
PGAI_TEST_PORT=${PGAI_TEST_PORT:-63000} pg_start
provider_start
export OPENAI_API_KEY=sk-bench
unset PGAI_VECTORIZER_WORKER_POLL_INTERVAL PGAI_VECTORIZER_WORKER_CONCURRENCY PGAI_VECTORIZER_WORKER_ONCE
PY_URL=$OPENAI_BASE_URL PY_LOG=$PROVIDER_LOG
if [ "$STUB" = 1 ]; then
  rm -f "$OUT/stub.port" "$OUT/stub.log"
  "$ROOT/build/bench/stubprovider" "$OUT/stub.port" "$OUT/stub.log" &
  STUB_PID=$!
  for _ in $(seq 1 50); do [ -s "$OUT/stub.port" ] && break; sleep 0.1; done
  STUB_URL=http://127.0.0.1:$(cat "$OUT/stub.port")/v1 STUB_LOG=$OUT/stub.log
fi
KINDS=worker
[ "$STUB" = 1 ] && KINDS="worker stub"
URL=$DATABASE_URL
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$URL" -c "$1"; }
qf() { psql -X -q -v ON_ERROR_STOP=1 -d "$URL" "$@"; }

"$PGAI" install -d "$URL" >/dev/null
record date "$(date -u +%Y-%m-%dT%H:%MZ)"
record machine "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GB"
record postgres "$(q 'show server_version') pgvector $(q "select extversion from pg_extension where extname = 'vector'")"
record rows "$ROWS"
record commit "$(git rev-parse --short HEAD)"
record load_before "$(cut -d' ' -f1-3 /proc/loadavg)"

say "generating $ROWS rows of about 1 KB"
qf -v tbl=bench_docs -v rows="$ROWS" -f bench/gen_docs.sql
record avg_bytes "$(q 'select round(avg(octet_length(body))) from bench_docs')"

# ---------------------------------------------------------------------------
# helpers

# reset VID STORE [N]: empty store and queue, queue the first N keys (all by
# default), vacuum and checkpoint: every run starts from the same state.
reset() {
  local vid=$1 store=$2 n=${3:-}
  local limit=""
  [ -n "$n" ] && limit="where id <= $n"
  qf >/dev/null <<SQL
truncate $store;
truncate ai._vectorizer_q_$vid;
insert into ai._vectorizer_q_$vid (id) select id from bench_docs $limit;
SQL
  q "vacuum analyze ai._vectorizer_q_$vid" >/dev/null
  q "vacuum analyze $store" >/dev/null
  q "checkpoint" >/dev/null
}

# provider_ms LOG FROM_LINE: the time the provider spent answering embedding
# requests logged after line FROM_LINE (server side: from reading the request
# to having sent the answer), its CPU time, and the number of requests.
provider_ms() {
  sleep 0.3 # a request is logged just after its answer went out
  tail -n +"$(($2 + 1))" "$1" | awk '
    / POST .*embeddings / { n++; for (i = 1; i <= NF; i++) { if ($i ~ /^ms=/) { sub("ms=", "", $i); s += $i }
                                                            if ($i ~ /^cpu_ms=/) { sub("cpu_ms=", "", $i); c += $i } } }
    END { printf "provider_ms=%.1f provider_cpu_ms=%.1f requests=%d\n", s, c, n }'
}

# run_worker TAG [--stub] ARGS...: `pgai vectorizer worker --once ARGS` under
# rusage, against the test provider (or the stub); prints one key=value line:
# items, wall/user/sys seconds, peak RSS, provider time.
run_worker() {
  local tag=$1; shift
  local purl=$PY_URL plog=$PY_LOG
  if [ "${1:-}" = --stub ]; then purl=$STUB_URL plog=$STUB_LOG; shift; fi
  local before; before=$(wc -l <"$plog")
  if ! OPENAI_BASE_URL=$purl "$RUSAGE" "$OUT/$tag.rusage" "$PGAI" vectorizer worker -d "$URL" --once "$@" \
      >"$OUT/$tag.log" 2>&1; then
    echo "worker run $tag failed:" >&2; tail -20 "$OUT/$tag.log" >&2; exit 1
  fi
  local items
  items=$(grep -o 'finished processing vectorizer items=[0-9]*' "$OUT/$tag.log" | grep -o '[0-9]*$' |
          awk '{ s += $1 } END { print s + 0 }')
  echo "items=$items $(cat "$OUT/$tag.rusage") $(provider_ms "$plog" "$before")"
}

# run_dblimit TAG VID CONNECTIONS: the database's limit for the same work.
run_dblimit() { # run_dblimit TAG VID CONC [VECTORS-TABLE]
  "$DBLIMIT" -d "$URL" -i "$2" -c "$3" --vectors "${4:-bench_vectors}" 2>"$OUT/$1.err" | tee "$OUT/$1.out"
}

# check_same TAG WHAT ROWS CHUNKS DROWS DCHUNKS: the runs did the same work
check_same() {
  if [ "$3" != "$5" ] || [ "$4" != "$6" ]; then
    echo "MISMATCH in $1: $2 wrote $4 chunks for $3 rows, dblimit $6 for $5" >&2
    record "$1.mismatch" "$2 $4/$3 dblimit $6/$5"
  fi
}

# round TAG VID STORE CONC N KINDS ORDER: for each of KINDS ("worker": the
# worker against the test provider; "stub": against the stub provider), one
# worker run, and one dblimit run with as many connections writing that
# run's own vectors (the stub's are dense and random, the test provider's
# sparse: the database's cost differs), each from the same starting state. ORDER fwd runs them in that order, rev in reverse, so
# that alternating rounds cancel a drift in the machine's load. Records the
# figures and ratios under TAG.
round() {
  local tag=$1 vid=$2 store=$3 conc=$4 n=$5 kinds=$6 order=${7:-fwd}
  local w="" s="" d="" ds="" wchunks="" schunks="" dchunks dschunks step steps="worker stub dblimit dblimit_stub"
  [ "$order" = rev ] && steps="dblimit_stub dblimit stub worker"
  local wanted=" $kinds dblimit "
  case "$wanted" in *" stub "*) wanted="$wanted dblimit_stub " ;; esac
  for step in $steps; do
    case "$wanted" in *" $step "*) ;; *) continue ;; esac
    reset "$vid" "$store" "$n"
    case $step in
      worker)  w=$(run_worker "$tag.worker" -i "$vid" -c "$conc"); wchunks=$(q "select count(*) from $store") ;;
      stub)    s=$(run_worker "$tag.stub" --stub -i "$vid" -c "$conc"); schunks=$(q "select count(*) from $store") ;;
      dblimit) d=$(run_dblimit "$tag.dblimit" "$vid" "$conc"); dchunks=$(q "select count(*) from $store") ;;
      dblimit_stub) ds=$(run_dblimit "$tag.dblimit_stub" "$vid" "$conc" bench_vectors_stub); dschunks=$(q "select count(*) from $store") ;;
    esac
  done
  local drps dsec line
  drps=$(field rows_per_s "$d"); dsec=$(field seconds "$d")
  record "$tag.dblimit" "$d"
  line="$tag: db limit $drps rows/s"
  if [ -n "$w" ]; then
    local items wall pms rps adj
    items=$(field items "$w"); wall=$(field wall_s "$w"); pms=$(field provider_ms "$w")
    rps=$(calc "round($items / $wall, 1)")
    check_same "$tag" worker "$items" "$wchunks" "$(field rows "$d")" "$dchunks"
    record "$tag.worker" "$w chunks=$wchunks rows_per_s=$rps"
    record "$tag.ratio" "$(calc "round($rps / $drps, 3)")"
    # Provider time excluded: an executor waits for its own requests one
    # after the other, so its wall time without them is wall - provider_ms /
    # conc (exact for -c 1 up to the HTTP transfer, an approximation above).
    adj=$(calc "max($wall - $pms / 1000.0 / $conc, 1e-3)")
    record "$tag.ratio_excl_provider" "$(calc "round(($items / $adj) / $drps, 3)")"
    # Where the worker's wall time went: the provider, the database work
    # (dblimit's time for it), and the rest (worker CPU, bookkeeping
    # statements, HTTP transfer, start-up, waiting for a CPU).
    record "$tag.breakdown" "wall_s=$wall provider_s=$(calc "round($pms / 1000.0 / $conc, 3)") db_limit_s=$dsec other_s=$(calc "round($wall - $pms / 1000.0 / $conc - $dsec, 3)") worker_cpu_s=$(calc "round($(field user_s "$w") + $(field sys_s "$w"), 3)")"
    line="$line; worker $rps rows/s (provider ${pms} ms of ${wall} s): ratio $(get "$tag.ratio"), provider excluded $(get "$tag.ratio_excl_provider")"
  fi
  if [ -n "$s" ]; then
    local sitems swall srps
    sitems=$(field items "$s"); swall=$(field wall_s "$s")
    srps=$(calc "round($sitems / $swall, 1)")
    check_same "$tag" "stub worker" "$sitems" "$schunks" "$(field rows "$ds")" "$dschunks"
    record "$tag.stub" "$s chunks=$schunks rows_per_s=$srps"
    record "$tag.dblimit_stub" "$ds"
    record "$tag.ratio_stub" "$(calc "round($srps / $(field rows_per_s "$ds"), 3)")"
    line="$line; stub provider: worker $srps rows/s, db limit with its vectors $(field rows_per_s "$ds") rows/s, ratio $(get "$tag.ratio_stub")"
  fi
  say "$line"
}

q "select ai.create_vectorizer('bench_docs'::regclass, loading => ai.loading_column('body'),
     embedding => ai.embedding_openai('text-embedding-3-small', $DIM),
     destination => ai.destination_table(target_table => 'bench_store', view_name => 'bench_view'),
     enqueue_existing => false)" >/dev/null
# The vectors the worker writes, kept for dblimit (same text and dimensions:
# the same vectors), so that HNSW gets exactly the worker's inserts.
prepare_vectors() {
  reset 1 bench_store
  run_worker warmup -i 1 >/dev/null
  q "drop table if exists bench_vectors" >/dev/null
  q "create unlogged table bench_vectors as select id, chunk_seq, embedding from bench_store" >/dev/null
  if [ "$STUB" = 1 ]; then
    reset 1 bench_store
    run_worker warmup.stub --stub -i 1 >/dev/null
    q "drop table if exists bench_vectors_stub" >/dev/null
    q "create unlogged table bench_vectors_stub as select id, chunk_seq, embedding from bench_store" >/dev/null
  fi
}
want throughput || want hnsw || want sweep && prepare_vectors

# ---------------------------------------------------------------------------
if want throughput; then
  say "throughput: $ROWS rows, $DIM dimensions, -c $CONC, no index, $REPEAT rounds"
  rs=() xs=() ss=()
  for r in $(seq 1 "$REPEAT"); do
    round "plain.$r" 1 bench_store "$CONC" "" "$KINDS" "$( ((r % 2)) && echo fwd || echo rev)"
    rs+=("$(get "plain.$r.ratio")"); xs+=("$(get "plain.$r.ratio_excl_provider")")
    [ "$STUB" = 1 ] && ss+=("$(get "plain.$r.ratio_stub")")
  done
  record plain.ratio "$(median "${rs[@]}")"; record plain.ratio_range "$(range "${rs[@]}")"
  record plain.ratio_excl_provider "$(median "${xs[@]}")"; record plain.ratio_excl_range "$(range "${xs[@]}")"
  if [ "$STUB" = 1 ]; then record plain.ratio_stub "$(median "${ss[@]}")"; record plain.ratio_stub_range "$(range "${ss[@]}")"; fi
  for c in $EXTRA_CONC; do
    say "throughput: $ROWS rows, $DIM dimensions, -c $c, no index, one round"
    round "plain.c$c" 1 bench_store "$c" "" "$KINDS"
  done
  if [ "${BENCH_PROFILE:-0}" = 1 ]; then
    say "profiling one worker run with perf (${BENCH_PROFILE_ROWS:-3000} rows)"
    reset 1 bench_store "${BENCH_PROFILE_ROWS:-3000}"
    perf record -F 1000 --call-graph dwarf,16384 -o "$OUT/perf.data" -- \
      "$PGAI" vectorizer worker -d "$URL" --once -i 1 -c "$CONC" >"$OUT/perf.worker.log" 2>"$OUT/perf.record.err" || true
    perf report -i "$OUT/perf.data" --no-children --stdio --sort symbol -g none 2>/dev/null |
      grep -E '^ +[0-9]' | head -30 >"$OUT/perf.self.txt" || true
    perf report -i "$OUT/perf.data" --children --stdio --sort symbol -g none 2>/dev/null |
      grep -E '^ +[0-9]' | head -60 >"$OUT/perf.children.txt" || true
  fi
fi

# ---------------------------------------------------------------------------
if want hnsw; then
  q "create index bench_store_hnsw on bench_store using hnsw (embedding vector_cosine_ops)" >/dev/null
  for c in $HNSW_CONC; do
    hs=() hx=()
    for r in $(seq 1 "$HNSW_REPEAT"); do
      say "HNSW: $HNSW_ROWS rows, $DIM dimensions, -c $c, round $r"
      round "hnsw.c$c.$r" 1 bench_store "$c" "$HNSW_ROWS" worker "$( ((r % 2)) && echo fwd || echo rev)"
      hs+=("$(get "hnsw.c$c.$r.ratio")"); hx+=("$(get "hnsw.c$c.$r.ratio_excl_provider")")
    done
    record "hnsw.c$c.ratio" "$(median "${hs[@]}")"; record "hnsw.c$c.ratio_range" "$(range "${hs[@]}")"
    record "hnsw.c$c.ratio_excl_provider" "$(median "${hx[@]}")"
  done
  q "drop index bench_store_hnsw" >/dev/null
  # the same backfill without the index, then one CREATE INDEX (the advice in the docs)
  say "HNSW: the same backfill without the index, then CREATE INDEX"
  reset 1 bench_store "$HNSW_ROWS"
  w=$(run_worker hnsw.after -i 1 -c 1)
  record hnsw.after.worker "$w"
  t0=$(date +%s.%N)
  q "set maintenance_work_mem = '512MB'; create index bench_store_hnsw on bench_store using hnsw (embedding vector_cosine_ops)" >/dev/null
  t1=$(date +%s.%N)
  record hnsw.after.build_s "$(calc "round($t1 - $t0, 2)")"
  record hnsw.after.total_rows_per_s "$(calc "round($(field items "$w") / ($(field wall_s "$w") + $t1 - $t0), 1)")"
  q "drop index bench_store_hnsw" >/dev/null
fi

# ---------------------------------------------------------------------------
# Optional (BENCH_ONLY=sweep): batch size and -c against the stub provider.
if want sweep; then
  for b in ${BENCH_SWEEP_BATCH:-10 50 200}; do
    q "update ai.vectorizer set config = jsonb_set(config, '{processing,batch_size}', to_jsonb($b)) where id = 1" >/dev/null
    for c in ${BENCH_SWEEP_CONC:-1 2 4}; do
      say "sweep: batch size $b, -c $c"
      round "sweep.b$b.c$c" 1 bench_store "$c" "" stub
    done
  done
  q "update ai.vectorizer set config = config #- '{processing,batch_size}' where id = 1" >/dev/null
fi

# ---------------------------------------------------------------------------
if want memory; then
  say "memory: $ROWS rows, $MEM_DIM dimensions, -c $MEM_CONC"
  q "select ai.create_vectorizer('bench_docs'::regclass, loading => ai.loading_column('body'),
       embedding => ai.embedding_openai('text-embedding-3-small', $MEM_DIM),
       destination => ai.destination_table(target_table => 'bench_store_mem', view_name => 'bench_view_mem'),
       enqueue_existing => false)" >/dev/null
  vid=$(q "select id from ai.vectorizer where config->'destination'->>'target_table' = 'bench_store_mem'")
  reset "$vid" bench_store_mem
  w=$(run_worker memory -i "$vid" -c "$MEM_CONC")
  record memory.worker "$w"
  record memory.maxrss_kb "$(field maxrss_kb "$w")"
  # and with one executor, to see what each executor costs
  reset "$vid" bench_store_mem
  w=$(run_worker memory.c1 -i "$vid" -c 1)
  record memory.c1.maxrss_kb "$(field maxrss_kb "$w")"
  # the process without any work: `pgai --version`
  "$RUSAGE" "$OUT/memory.idle.rusage" "$PGAI" --version >/dev/null
  record memory.version.maxrss_kb "$(field maxrss_kb "$(cat "$OUT/memory.idle.rusage")")"
fi

# ---------------------------------------------------------------------------
if want latency; then
  say "latency: $LAT_N single-row inserts every $LAT_GAP ms, provider latency $LAT_PROVIDER ms, default poll interval"
  # Commit timestamps give the exact commit time of each insert and of the
  # worker's batch, on the server's clock: nothing polls the store.
  q "alter system set track_commit_timestamp = on" >/dev/null
  _pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -w -t 60 restart >/dev/null
  qf -v tbl=bench_live -v rows=0 -f bench/gen_docs.sql
  qf -v tbl=bench_live_src -v rows="$LAT_N" -f bench/gen_docs.sql
  q "select ai.create_vectorizer('bench_live'::regclass, loading => ai.loading_column('body'),
       embedding => ai.embedding_openai('text-embedding-3-small', $DIM),
       destination => ai.destination_table(target_table => 'bench_live_store', view_name => 'bench_live_view'))" >/dev/null
  vid=$(q "select id from ai.vectorizer where config->'destination'->>'target_table' = 'bench_live_store'")
  provider_control "{\"latency_ms\": $LAT_PROVIDER}" >/dev/null
  OPENAI_BASE_URL=$PY_URL "$PGAI" vectorizer worker -d "$URL" -i "$vid" >"$OUT/latency.worker.log" 2>&1 &
  LIVE_PID=$!
  for _ in $(seq 1 100); do grep -q 'sleeping for' "$OUT/latency.worker.log" && break; sleep 0.1; done
  grep -q 'sleeping for 0:05:00' "$OUT/latency.worker.log" || { echo "the worker did not start sleeping" >&2; exit 1; }
  # one transaction per insert (psql autocommit), a pause between them
  for i in $(seq 1 "$LAT_N"); do
    echo "insert into bench_live select * from bench_live_src where id = $i;"
    echo "select pg_sleep($LAT_GAP / 1000.0);"
  done >"$OUT/latency.sql"
  qf -o /dev/null -f "$OUT/latency.sql"
  for _ in $(seq 1 600); do
    [ "$(q 'select count(distinct id) from bench_live_store')" = "$LAT_N" ] && break
    sleep 0.1
  done
  kill -TERM "$LIVE_PID"; wait "$LIVE_PID" || true; LIVE_PID=
  provider_control '{"latency_ms": 0}' >/dev/null
  per_row="select s.id, extract(epoch from min(pg_xact_commit_timestamp(st.xmin)) - pg_xact_commit_timestamp(s.xmin)) * 1000 as ms
           from bench_live s join bench_live_store st using (id) group by s.id, s.xmin"
  record latency "$(q "select format('n=%s p50=%s p95=%s p99=%s max=%s', count(*),
                         round(percentile_cont(0.5) within group (order by ms)::numeric, 1),
                         round(percentile_cont(0.95) within group (order by ms)::numeric, 1),
                         round(percentile_cont(0.99) within group (order by ms)::numeric, 1),
                         round(max(ms)::numeric, 1)) from ($per_row) e")"
  record latency.missing "$(q "select count(*) from bench_live where id not in (select id from bench_live_store)")"
  record latency.passes "$(grep -c 'running vectorizer' "$OUT/latency.worker.log")"
  q "$per_row order by 1" >"$OUT/latency.ms.txt"
fi

# ---------------------------------------------------------------------------
# wakeup BINARY TAG: WAKEUPS one-row inserts into a table of its own, each
# waited for before the next, with a worker sleeping for an hour between
# NOTIFY wake-ups. Measures the time from the insert's commit to the
# provider receiving the request (both on this machine's clock), and the
# TCP connections the provider saw.
wakeup() {
  local bin=$1 tag=$2 tbl=bench_wake_$2
  q "alter system set track_commit_timestamp = on" >/dev/null
  [ "$(q 'show track_commit_timestamp')" = on ] || _pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -w -t 60 restart >/dev/null
  qf -v tbl="$tbl" -v rows=0 -f bench/gen_docs.sql
  q "select ai.create_vectorizer('$tbl'::regclass, loading => ai.loading_column('body'),
       embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
       destination => ai.destination_table(target_table => '${tbl}_store'))" >/dev/null
  local vid
  vid=$(q "select id from ai.vectorizer where config->'destination'->>'target_table' = '${tbl}_store'")
  OPENAI_BASE_URL=$PY_URL "$bin" vectorizer worker -d "$URL" -i "$vid" --poll-interval 1h >"$OUT/wakeup.$tag.log" 2>&1 &
  LIVE_PID=$!
  for _ in $(seq 1 100); do grep -q 'sleeping for' "$OUT/wakeup.$tag.log" && break; sleep 0.1; done
  provider_reset >/dev/null # statistics from here on
  local i
  for i in $(seq 1 "$WAKEUPS"); do
    q "insert into $tbl (id, body) values ($i, 'wake-up $i')" >/dev/null
    for _ in $(seq 1 1000); do
      [ "$(q "select count(*) from ${tbl}_store where id = $i")" = 1 ] && break
      kill -0 "$LIVE_PID" 2>/dev/null || { echo "the $tag worker exited:" >&2; tail -5 "$OUT/wakeup.$tag.log" >&2; exit 1; }
      sleep 0.01
    done
  done
  kill -TERM "$LIVE_PID"; wait "$LIVE_PID" || true; LIVE_PID=
  q "select id, extract(epoch from pg_xact_commit_timestamp(xmin)) from $tbl order by id" >"$OUT/wakeup.$tag.commits"
  provider_stats >"$OUT/wakeup.$tag.stats.json"
  record "wakeup.$tag" "$(python3 - "$OUT/wakeup.$tag.commits" "$OUT/wakeup.$tag.stats.json" "$WAKEUPS" <<'PY'
import json, statistics, sys
commits = [float(line.split("|")[1]) for line in open(sys.argv[1]) if line.strip()]
stats = json.load(open(sys.argv[2]))
reqs = [r["at"] for r in stats["openai"]["recent"] if r["path"].endswith("/embeddings")]
n = int(sys.argv[3])
# one request per wake-up, in order (the last 200 are kept)
waits = sorted((a - c) * 1000 for a, c in zip(reqs[-n:], commits[-n:]))
q = lambda p: waits[min(len(waits) - 1, int(p * len(waits)))]
# the statistics call itself is one connection
print("n=%d p50=%.1f p95=%.1f max=%.1f connections=%d" % (len(waits), q(0.5), q(0.95), waits[-1],
      stats["connections"] - 1))
PY
)"
}
if want wakeup; then
  say "wakeup: $WAKEUPS NOTIFY wake-ups, one row each"
  wakeup "$PGAI" now
  [ -n "$BASE_PGAI" ] && wakeup "$BASE_PGAI" base
fi

# ---------------------------------------------------------------------------
# summary
verdict() { python3 -c "print('PASS' if $1 else 'MISS')"; }
row() { printf '%-56s %-14s %-10s %s\n' "$@"; }
note() { printf '%-56s %s\n' "$@"; }
{
  echo
  echo "pgai in C benchmarks: $(get date), $(get machine)"
  echo "PostgreSQL $(get postgres); $(get rows) rows of ~$(get avg_bytes) bytes; commit $(get commit)"
  echo
  row "benchmark" "measured" "target" "result"
  row "---------" "--------" "------" "------"
  if [ -n "$(get plain.ratio)" ]; then
    r=$(get plain.ratio) x=$(get plain.ratio_excl_provider) s=$(get plain.ratio_stub)
    # The requirement's zero-latency provider is the native stub: the Python
    # test provider spends ~20 ms of CPU per request at "zero" latency, more
    # than the database needs for the batch, so its figures are context.
    if [ -n "$s" ]; then
      row "throughput ratio, no index, -c $CONC (median of $REPEAT)" "$s" ">= 0.8" "$(verdict "$s >= 0.8")"
      row "  with the Python test provider (context)" "$r" "-" "-"
      row "  the same, its time excluded (context)" "$x" "-" "-"
    else
      row "throughput ratio, no index, -c $CONC, Python provider" "$r" ">= 0.8" "$(verdict "$r >= 0.8")"
      row "  test provider's time excluded" "$x" ">= 0.8" "$(verdict "$x >= 0.8")"
    fi
    note "  ranges over the rounds" "$(get plain.ratio_range); excluded $(get plain.ratio_excl_range)${s:+; stub $(get plain.ratio_stub_range)}"
    for i in $(seq 1 "$REPEAT"); do
      note "  round $i rows/s: worker / db limit; stub / db limit" \
        "$(field rows_per_s "$(get "plain.$i.worker")") / $(field rows_per_s "$(get "plain.$i.dblimit")"); $(field rows_per_s "$(get "plain.$i.stub")") / $(field rows_per_s "$(get "plain.$i.dblimit_stub")")"
      note "    worker's wall time (s)" "$(get "plain.$i.breakdown")"
    done
  fi
  for c in $EXTRA_CONC; do
    [ -n "$(get "plain.c$c.ratio")" ] || continue
    row "throughput ratio, no index, -c $c (one round)" "$(get "plain.c$c.ratio")" ">= 0.8" "$(verdict "$(get "plain.c$c.ratio") >= 0.8")"
    row "  test provider's time excluded (approximate)" "$(get "plain.c$c.ratio_excl_provider")" ">= 0.8" "$(verdict "$(get "plain.c$c.ratio_excl_provider") >= 0.8")"
    [ -n "$(get "plain.c$c.ratio_stub")" ] &&
      row "  native stub provider instead" "$(get "plain.c$c.ratio_stub")" ">= 0.8" "$(verdict "$(get "plain.c$c.ratio_stub") >= 0.8")"
    note "  rows/s: worker / db limit; stub / db limit" \
      "$(field rows_per_s "$(get "plain.c$c.worker")") / $(field rows_per_s "$(get "plain.c$c.dblimit")"); $(field rows_per_s "$(get "plain.c$c.stub")") / $(field rows_per_s "$(get "plain.c$c.dblimit_stub")")"
  done
  for c in $HNSW_CONC; do
    [ -n "$(get "hnsw.c$c.ratio")" ] || continue
    r=$(get "hnsw.c$c.ratio") x=$(get "hnsw.c$c.ratio_excl_provider")
    row "throughput ratio, HNSW index, -c $c ($HNSW_ROWS rows, median of $HNSW_REPEAT)" "$r" ">= 0.8" "$(verdict "$r >= 0.8")"
    row "  test provider's time excluded" "$x" ">= 0.8" "$(verdict "$x >= 0.8")"
    for i in $(seq 1 "$HNSW_REPEAT"); do
      note "  round $i rows/s: worker / db limit" "$(field rows_per_s "$(get "hnsw.c$c.$i.worker")") / $(field rows_per_s "$(get "hnsw.c$c.$i.dblimit")")"
    done
  done
  if [ -n "$(get hnsw.after.build_s)" ]; then
    note "  backfill without the index, then CREATE INDEX" \
      "$(field wall_s "$(get hnsw.after.worker)") s + $(get hnsw.after.build_s) s = $(get hnsw.after.total_rows_per_s) rows/s"
  fi
  if want sweep; then
    for b in ${BENCH_SWEEP_BATCH:-10 50 200}; do
      for c in ${BENCH_SWEEP_CONC:-1 2 4}; do
        note "sweep: batch $b, -c $c: stub worker / db limit rows/s" \
          "$(field rows_per_s "$(get "sweep.b$b.c$c.stub")") / $(field rows_per_s "$(get "sweep.b$b.c$c.dblimit")") = $(get "sweep.b$b.c$c.ratio_stub")"
      done
    done
  fi
  if [ -n "$(get memory.maxrss_kb)" ]; then
    m=$(get memory.maxrss_kb)
    row "peak RSS, -c $MEM_CONC, $MEM_DIM dimensions" "$(calc "round($m / 1024, 1)") MB" "< 30 MB" "$(verdict "$m < 30 * 1024")"
    note "  with -c 1; pgai --version" "$(calc "round($(get memory.c1.maxrss_kb) / 1024, 1)") MB; $(calc "round($(get memory.version.maxrss_kb) / 1024, 1)") MB"
  fi
  if [ -n "$(get latency)" ]; then
    l=$(get latency) p99=$(field p99 "$(get latency)")
    row "insert-to-embedded p99, provider ${LAT_PROVIDER} ms" "$p99 ms" "< 1000 ms" "$(verdict "$p99 < 1000 and $(get latency.missing) == 0")"
    note "  distribution (ms)" "$l; not embedded: $(get latency.missing)"
  fi
  if [ -n "$(get wakeup.now)" ]; then
    for t in now base; do
      [ -n "$(get "wakeup.$t")" ] || continue
      label="this build"; [ "$t" = base ] && label="baseline $BASELINE"
      row "wake-up to first request p50, $label" "$(field p50 "$(get "wakeup.$t")") ms" "-" "-"
      row "  provider connections per $WAKEUPS wake-ups" "$(field connections "$(get "wakeup.$t")")" "-" "-"
      note "  distribution (ms)" "$(get "wakeup.$t")"
    done
  fi
  echo
  echo "load average before / after: $(get load_before) / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes the figures noisy)"
  for k in $(grep -o '^[^=]*\.mismatch' "$RESULTS" || true); do echo "WARNING $k: $(get "$k")"; done
  echo "every figure: $RESULTS; logs: $OUT"
} | tee "$OUT/summary.txt"
exit 0
