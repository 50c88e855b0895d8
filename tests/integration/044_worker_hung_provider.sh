# One vectorizer whose provider hangs holds up only itself. Vectorizer 1's
# provider accepts connections and never answers (for the whole HTTP timeout,
# and its retries); vectorizer 2's rows, inserted while 1 hangs, are still
# embedded within its normal latency. When vectorizers ran one after
# another in a pass, vectorizer 2 waited minutes for vectorizer 1's retries.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

# a server that accepts and then says nothing: the hung provider
python3 - "$PGTMP/hang.port" "$PGTMP/hang.count" <<'PY' & hang=$!
import socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held, n = [], 0
while True:
    c, _ = s.accept()
    held.append(c)  # kept open, never answered
    n += 1
    open(sys.argv[2], "w").write(str(n))
PY
trap 'kill $wp $hang 2>/dev/null || true; provider_stop' EXIT
for _ in $(seq 1 100); do [ -s "$PGTMP/hang.port" ] && break; sleep 0.1; done
hport=$(cat "$PGTMP/hang.port")

psql_q >/dev/null <<SQL
create table stuck (id int primary key, body text);
create table quick (id int primary key, body text);
select ai.create_vectorizer('stuck'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8, base_url => 'http://127.0.0.1:$hport/v1'),
  chunking => ai.chunking_none());
select ai.create_vectorizer('quick'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL

PGAI_VECTORIZER_HTTP_TIMEOUT=60 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --poll-interval 1h \
  >"$PGTMP/hung.log" 2>&1 & wp=$!
check "the first pass ran" wait_for "select count(*) from ai.vectorizer_worker_process" 1
psql_q -c "insert into stuck values (1, 'never answered')" >/dev/null
for _ in $(seq 1 100); do [ -s "$PGTMP/hang.count" ] && break; sleep 0.1; done
check "vectorizer 1 is waiting on its hung provider" test -s "$PGTMP/hang.count"

start=$(date +%s.%N)
psql_q -c "insert into quick select g, 'row ' || g from generate_series(1, 20) g" >/dev/null
check "vectorizer 2's rows are embedded while vectorizer 1 hangs" wait_for \
  "select count(*) from quick_embedding_store" 20
took=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$(date +%s.%N)")
echo "  vectorizer 2 took ${took} s"
check "within its normal latency (under 10 s, not the 60 s timeout)" \
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 10 else 1)" "$took"
check_eq "vectorizer 1 is still hanging: nothing stored" "$(sql "select count(*) from stuck_embedding_store")" 0
check_eq "its row is still queued" "$(sql "select count(*) from ai._vectorizer_q_1")" 1

# a second signal abandons the hung request at once (exit 128 + SIGTERM); nothing is lost
kill -TERM $wp; sleep 0.5; kill -TERM $wp
set +e; wait $wp; rc=$?; set -e
check_eq "the worker exits at the second signal" "$rc" 143
check_eq "the abandoned row stays queued" "$(sql "select count(*) from ai._vectorizer_q_1")" 1
