# Helpers for the fault tests, sourced by tests/fault/NNN_*.sh. tests/run.sh
# runs every tests/fault/*.sh, this file too: run directly, it does nothing.
#
# The fault tests share one data model so that the end state can be checked
# exactly, whatever happened on the way:
#
#   source table  (id int primary key, body text)
#   body          pieces of exactly 12 characters joined by '|', e.g.
#                 r0007v003p00|r0007v003p01  (row 7, version 3, pieces 0 and 1)
#   vectorizer    chunking_character_text_splitter(12, 0, '|'): every piece is
#                 one chunk (two pieces plus the separator are 25 > 12), so the
#                 chunks of a row, joined by '|' in chunk_seq order, are its
#                 body; the version inside each piece says which text it came from.
#
# Environment (from tests/run.sh): TEST_DB_URL, PGAI, PGTMP, PGPORT.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0 # run directly (tests/run.sh): nothing to test here

. tests/lib/testlib.sh
. tests/lib/pgcluster.sh # PGBIN and _pg_as only; the cluster belongs to tests/run.sh

FAULT_TMP=$(mktemp -d /tmp/pgai-fault.XXXXXX)
# The real interpreter once, not a wrapper script (a pyenv shim costs a second
# or more per call, and provider.sh calls python3 for every control request).
FAULT_PY=$(python3 -c 'import sys; print(sys.executable)')
python3() { "$FAULT_PY" "$@"; }
FAULT_PIDS=() # worker processes started by this test: killed (by pid) on exit

fault_on_exit() { :; } # a test may redefine it: runs first on exit
fault_cleanup() {
  local p
  fault_on_exit || true
  for p in "${FAULT_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done
  mon_stop
  # a test that stopped the server must not leave it down for the next test
  if ! pg_isready -q -h 127.0.0.1 -p "$PGPORT" -t 1 2>/dev/null; then pg_restart_server >/dev/null 2>&1 || true; fi
  provider_stop
  if [ -n "${FAULT_KEEP:-}" ]; then cp -r "$FAULT_TMP/." "$FAULT_KEEP/"; fi # for debugging: keep the logs
  rm -rf "$FAULT_TMP"
}

# fault_setup: pgai installed, provider started, everything cleaned up on exit.
fault_setup() {
  worker_setup
  trap fault_cleanup EXIT
  export PGAI_VECTORIZER_RETRY_DELAY_SCALE=0 # item retries at once instead of after 3 minutes x attempts
}

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# --- the source text ---------------------------------------------------------
# body_sql ID_EXPR VERSION_EXPR NPIECES_EXPR : an SQL expression for the body
body_sql() {
  echo "(select string_agg(format('r%sv%sp%s', lpad(($1)::text, 4, '0'), lpad(($2)::text, 3, '0'), lpad(p::text, 2, '0')),
                         '|' order by p) from generate_series(0, ($3) - 1) p)"
}

# make_source TABLE NROWS : the table, NROWS rows of 1-4 pieces, and a
# vectorizer (1536 dimensions by default: FAULT_DIM, FAULT_BATCH).
make_source() {
  local t=$1 n=$2
  psql_q >/dev/null <<SQL
create table $t (id int primary key, body text);
insert into $t select g, $(body_sql g 1 "1 + g % 4") from generate_series(1, $n) g;
select ai.create_vectorizer('$t'::regclass, loading => ai.loading_column('body', retries => ${FAULT_RETRIES:-2}),
  embedding => ai.embedding_openai('text-embedding-3-small', ${FAULT_DIM:-1536}),
  chunking => ai.chunking_character_text_splitter(12, 0, '|'),
  processing => ai.processing_default(batch_size => ${FAULT_BATCH:-50}));
SQL
}

# vid TABLE : the vectorizer id of the table
vid() { sql "select id from ai.vectorizer where source_table = '$1'"; }

# churn TABLE NUPDATE NINSERT NDELETE : random changes, each row getting a new version
churn() {
  local t=$1
  psql_q >/dev/null <<SQL
update $t set body = $(body_sql id "coalesce(substring(body from 'v([0-9]{3})')::int, 0) + 1" "1 + (random() * 3.99)::int")
 where id in (select id from $t order by random() limit $2);
insert into $t select m + g, $(body_sql "m + g" 1 "1 + (random() * 3.99)::int")
  from (select coalesce(max(id), 0) m from $t) x, generate_series(1, $3) g;
delete from $t where id in (select id from $t order by random() limit $4);
SQL
}

# --- end-state checks -----------------------------------------------------------
# What is wrong with TABLE's embeddings, one line per problem (nothing: all is well).
#   MODE end:        every row (but EXCEPT, an SQL list of ids) is embedded from its current text
#   MODE consistent: every row is embedded from its current text, or still
#                    queued, or in the failed queue
# and in both modes: no chunks of rows that are gone, no (id, chunk_seq) twice,
# chunk_seq 0..n-1 without gaps.
store_problems() {
  local t=$1 mode=$2 except=${3:-0} v
  v=$(vid "$t")
  sql "
with cur as (select id, body from $t where id not in ($except) and body is not null and body <> ''),
st as (select id, count(*) n, count(distinct chunk_seq) nd, min(chunk_seq) mn, max(chunk_seq) mx,
              string_agg(chunk, '|' order by chunk_seq) joined
         from ${t}_embedding_store group by id),
q as (select id from ai._vectorizer_q_$v union select id from ai._vectorizer_q_failed_$v),
problems as (
  select format('row %s: stored [%s], current [%s]', c.id, left(st.joined, 80), left(c.body, 80)) p
    from cur c left join st using (id)
   where st.joined is distinct from c.body
     and ('$mode' = 'end' or c.id not in (select id from q))
  union all
  select format('row %s: chunks of a row that is gone (%s chunks)', st.id, st.n)
    from st where st.id not in (select id from $t)
  union all
  select format('row %s: %s chunks, %s distinct chunk_seq, from %s to %s', id, n, nd, mn, mx)
    from st where n <> nd or mn <> 0 or mx <> n - 1
  union all
  select format('row %s: no text, yet %s chunks', st.id, st.n)
    from st join $t s using (id)
   where (s.body is null or s.body = '') and ('$mode' = 'end' or s.id not in (select id from q))
  union all
  select format('row %s: excepted but stored', id) from st where id in ($except)
)
select coalesce(string_agg(p, E'\n'), '') from problems"
}

# check_end_state TABLE [FAILED_IDS] : the end state every fault test asks for.
# FAILED_IDS (comma separated) are the rows that must be, alone, in the failed queue.
check_end_state() {
  local t=$1 failed=${2:-} v problems
  v=$(vid "$t")
  problems=$(store_problems "$t" end "${failed:-0}")
  check_eq "$t: every row holds exactly one set of chunks, from its current text" "$problems" ""
  check_eq "$t: queue empty" "$(sql "select count(*) from ai._vectorizer_q_$v")" 0
  check_eq "$t: failed queue holds [${failed}]" \
    "$(sql "select coalesce(string_agg(id::text, ',' order by id), '') from ai._vectorizer_q_failed_$v")" "$failed"
  check_vectors "$t"
}

# check_consistent TABLE : between faults: nothing half-written, nothing lost.
check_consistent() {
  check_eq "$1: $2: every row embedded from its current text or queued" "$(store_problems "$1" consistent)" ""
}

# check_vectors TABLE : every stored embedding is the provider's vector of its chunk
# (no vector written to the wrong chunk after retries, bisection or kills). The
# expected vectors come from the provider's Voyage dialect (the same vectors for
# any dialect, and base64 is fast), so the OpenAI statistics stay the worker's own.
check_vectors() {
  local t=$1 bad
  psql -X -q -t -A -F $'\t' -d "$TEST_DB_URL" \
    -c "select chunk, embedding::text from ${t}_embedding_store" >"$FAULT_TMP/vectors.tsv"
  bad=$(python3 - "$PROVIDER_URL" "$FAULT_TMP/vectors.tsv" <<'EOF'
import base64, json, struct, sys, urllib.error, urllib.request
url, path = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
texts, want = sorted({r[0] for r in rows}), {}
dim = len(json.loads(rows[0][1])) if rows else 0
def post(path, body, headers={}):
    req = urllib.request.Request(url + path, json.dumps(body).encode(), {"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())
with urllib.request.urlopen(url + "/_control", timeout=60) as r:
    key = json.loads(r.read()).get("require_api_key") or "check"
for i in range(0, len(texts), 128):
    part = texts[i:i + 128]
    try:
        data = post("/voyage/v1/embeddings", {"input": part, "model": "fault-check", "output_dimension": dim,
                                              "encoding_format": "base64"}, {"Authorization": "Bearer " + key})["data"]
        for text, d in zip(part, data):
            raw = base64.b64decode(d["embedding"])
            want[text] = struct.unpack("<%df" % (len(raw) // 4), raw)
    except urllib.error.HTTPError: # a fault switch is on: the admin endpoint has none
        want.update(zip(part, post("/_embed", {"input": part, "dim": dim})["embeddings"]))
bad = 0
for chunk, vec in rows:
    got = json.loads(vec)
    if len(got) != len(want[chunk]) or max(abs(a - b) for a, b in zip(got, want[chunk])) > 1e-6:
        bad += 1
print(bad)
EOF
)
  check_eq "$t: every stored vector is its chunk's vector" "$bad" 0
}

# --- the worker ------------------------------------------------------------------
# worker_bg LOG ARGS... : starts a worker in the background; sets WPID.
worker_bg() {
  local log=$1; shift
  "$PGAI" vectorizer worker -d "${DB:-$TEST_DB_URL}" "$@" >"$log" 2>&1 &
  WPID=$!
  FAULT_PIDS+=("$WPID")
}

# worker_stop PID : SIGTERM, then the exit status in $rc (124 after 60 s: a hang).
worker_stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; rc=124; return; fi
  set +e; wait "$pid"; rc=$?; set -e
}

# worker_backends : how many of our worker's connections the server still has
worker_backends() { mq "select count(*) from pg_stat_activity where application_name like 'pgai-worker%'"; }

# wait_no_backends [SECONDS] : until the server has finished with every worker connection
wait_no_backends() {
  local i
  for i in $(seq 1 $((${1:-15} * 10))); do [ "$(worker_backends)" = 0 ] && return 0; sleep 0.1; done
  echo "  (worker connections still open after ${1:-15} s)"; return 1
}

# drain TABLE : --once runs until the queue is empty (at most 5); $rc of the last
drain() {
  local v i
  v=$(vid "$1")
  for i in 1 2 3 4 5; do
    run_worker --once
    [ "$(sql "select count(*) from ai._vectorizer_q_$v")" = 0 ] && return 0
    sleep 0.5
  done
}

# wait_queue_empty TABLE SECONDS : while a worker runs in the background
wait_queue_empty() {
  local v i
  v=$(vid "$1")
  for i in $(seq 1 $(($2 * 5))); do
    [ "$(sql "select count(*) from ai._vectorizer_q_$v")" = 0 ] && return 0
    sleep 0.2
  done
  return 1
}

# --- a fast monitor connection (one psql for many small queries) -------------------
# mon_start; mon_q "select ...one value..."; echo "$MON_OUT"; mon_stop
mon_start() {
  mon_stop
  coproc MON { exec stdbuf -oL psql -X -q -t -A -d "$TEST_DB_URL" 2>&1; }
  MON_PID=$MON_PID
}
mon_q() {
  MON_OUT=
  printf '%s;\n' "$1" >&"${MON[1]}"
  IFS= read -r -t 10 MON_OUT <&"${MON[0]}" || MON_OUT='?'
}
# mq QUERY : one value through the monitor when it runs (fast), else through psql.
# The query must return exactly one row of one value.
mq() {
  if [ -n "${MON_PID:-}" ]; then mon_q "$1"; echo "$MON_OUT"; else sql "$1"; fi
}
mon_stop() {
  if [ -n "${MON_PID:-}" ]; then
    kill "$MON_PID" 2>/dev/null || true
    wait "$MON_PID" 2>/dev/null || true
    MON_PID=
  fi
}

# The phase of a batch the worker's executor connection is in, as the server sees it.
PHASE_SQL="select coalesce(string_agg(case
    when state = 'idle in transaction' then 'http'
    when state = 'active' and query like 'WITH selected_rows%' then 'claim'
    when state = 'active' and query like 'DELETE FROM%' then 'after-claim'
    when state = 'active' and query like 'COPY%' then 'copy'
    when state = 'active' and lower(query) = 'commit' then 'commit'
    when state = 'idle' then 'idle'
    else 'other' end, ',' order by pid), 'none')
  from pg_stat_activity where application_name like 'pgai-worker[%'"

# --- stalls: slow spots in the server that widen a phase ---------------------------
# install_stalls TABLE : triggers that sleep in the worker's own statements (only
# for connections named pgai-worker[...]): 'claim' in the claim's DELETE of queue
# rows, 'after-claim' in the DELETE of old chunks that follows it, 'copy' per
# row COPYed, 'commit' once at COMMIT (a deferred constraint trigger).
# set_stall NAME MS changes one; set_stall all 0 turns them off.
install_stalls() {
  local t=$1 v
  v=$(vid "$t")
  psql_q >/dev/null <<SQL
create table if not exists fault_stall (name text primary key, ms int not null);
insert into fault_stall values ('claim', 0), ('after-claim', 0), ('copy', 0), ('commit', 0) on conflict do nothing;
create or replace function fault_stall_fn() returns trigger language plpgsql as \$\$
declare ms int;
begin
  if current_setting('application_name') not like 'pgai-worker[%' then return null; end if;
  select s.ms into ms from fault_stall s where s.name = tg_argv[0];
  if tg_argv[0] = 'commit' then
    if current_setting('fault.committing', true) = 'y' then return null; end if;
    perform set_config('fault.committing', 'y', true);
  end if;
  if ms > 0 then perform pg_sleep(ms / 1000.0); end if;
  if tg_level = 'ROW' and tg_op = 'INSERT' and tg_when = 'BEFORE' then return new; end if;
  return null;
end \$\$;
create trigger fault_claim after delete on ai._vectorizer_q_$v for each statement execute function fault_stall_fn('claim');
create trigger fault_after_claim before delete on ${t}_embedding_store for each statement execute function fault_stall_fn('after-claim');
create trigger fault_copy before insert on ${t}_embedding_store for each row execute function fault_stall_fn('copy');
create constraint trigger fault_commit after insert on ${t}_embedding_store deferrable initially deferred
  for each row execute function fault_stall_fn('commit');
SQL
}
set_stall() {
  # (a statement that returns a row: the monitor reads one line per query)
  mq "with u as (update fault_stall set ms = $2 where '$1' in ('all', name) returning 1) select count(*) from u" >/dev/null
}

# --- the server --------------------------------------------------------------------
pg_restart_server() { # starts it again, as tests/lib/pgcluster.sh's pg_start does
  _pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
    -o "-p $PGPORT -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
}
pg_crash_server() { _pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null; }
