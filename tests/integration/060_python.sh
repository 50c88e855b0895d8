# The Python binding (python/pgai, ctypes on libpgai): pgai's library API as
# pgai documents it. Runs with the system's /usr/bin/python3 and, when it is
# another interpreter, the python3 found on PATH. Prints one "ok - ..." line
# per check and stops at the first failure.
set -euo pipefail
. tests/lib/testlib.sh

ROOT=$PWD
case "${BUILD:-build}" in /*) libdir=${BUILD} ;; *) libdir=$ROOT/${BUILD:-build} ;; esac
export PGAI_LIBRARY=$libdir/libpgai.so
export PYTHONPATH=$ROOT/python
export PYTHONDONTWRITEBYTECODE=1

ok() { echo "ok - $1"; }
t_eq() { # t_eq DESCRIPTION GOT WANT
  if [ "$2" = "$3" ]; then ok "$1"; else echo "not ok - $1: got [$2], want [$3]"; exit 1; fi
}
t_has() { # t_has DESCRIPTION HAYSTACK NEEDLE
  case "$2" in *"$3"*) ok "$1" ;; *) echo "not ok - $1: [$3] not in:"; echo "$2" | sed 's/^/    /'; exit 1 ;; esac
}
# py PYTHON [ARGS...] < SCRIPT : runs a script; its output is in $out, its status in $rc
py() {
  set +e
  out=$(timeout 120 "$@" 2>&1)
  rc=$?
  set -e
}

pythons=(/usr/bin/python3)
other=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
if [ -n "$other" ] && [ "$(readlink -f "$other")" != "$(readlink -f /usr/bin/python3)" ]; then
  pythons+=("$other")
fi

WORK=$(mktemp -d /tmp/pgai-python.XXXXXX)
BARE_DB="$(basename "$TEST_DB_URL")_bare"
cleanup() {
  [ "$(type -t provider_stop)" = function ] && provider_stop
  dropdb --if-exists --force "$BARE_DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
createdb "$BARE_DB"
BARE_URL=$(db_url "$BARE_DB")
DEAD_URL="postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=5"
lib_version=$("$PGAI" --version | awk '{print $3}')

# --- importing needs no library; a missing one is reported where it is used ---
for PY in "${pythons[@]}"; do
  echo "# $PY ($("$PY" --version 2>&1))"
  py env PGAI_LIBRARY=/nonexistent/libpgai.so "$PY" - <<'EOF'
import pgai
from pgai import Worker
from pgai.vectorizer import Worker as W2
assert Worker is W2
print("imported")
try:
    Worker(db_url="postgres://user:password@host:5432/database")
except OSError as e:
    print("OSError:", e)
print("has __version__:", hasattr(pgai, "__version__"))
EOF
  t_eq "$PY: import pgai without libpgai" "$rc" 0
  t_has "$PY: Worker() names the library it tried" "$out" "OSError: cannot load libpgai from PGAI_LIBRARY=/nonexistent/libpgai.so"
  py "$PY" -c 'import pgai; print(pgai.__version__)'
  t_eq "$PY: pgai.__version__ is the compatible pgai version" "$out" "${lib_version%%+*}"
done

# --- (1) pgai.install: installs, again is a no-op, strict raises --------------
first=1
for PY in "${pythons[@]}"; do
  py "$PY" - "$TEST_DB_URL" <<'EOF'
import asyncio, logging, sys
import pgai
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(name)s: %(message)s")
url = sys.argv[1]
pgai.install(url)
pgai.install(url)                      # already installed: nothing to do
asyncio.run(pgai.ainstall(url))
for fn in (lambda: pgai.install(url, strict=True), lambda: asyncio.run(pgai.ainstall(url, strict=True))):
    try:
        fn()
        print("strict install did not raise")
    except pgai.PgaiError as e:
        print("raised", type(e).__name__, e.code, e.sqlstate, "|", e)
try:
    pgai.install("postgres://postgres@127.0.0.1:1/nowhere")
except pgai.PgaiError as e:
    print("unreachable:", e)
EOF
  t_eq "$PY: install, install again, ainstall" "$rc" 0
  if [ $first = 1 ]; then
    t_has "$PY: the first install logs pgai's line" "$out" "INFO pgai: pgai $lib_version installed"
    first=0
  fi
  t_has "$PY: installing again is a no-op" "$out" "INFO pgai: pgai $lib_version is already installed"
  t_has "$PY: strict install raises" "$out" "raised AlreadyInstalledError -5 42710 |"
  t_has "$PY: strict error says so" "$out" "already been installed"
  t_eq "$PY: strict raises in ainstall too" "$(grep -c '^raised AlreadyInstalledError' <<<"$out")" 2
  t_has "$PY: an unreachable database raises" "$out" "unreachable: "
done
t_eq "the library version is recorded" "$(sql "select version from ai.pgai_lib_version where name = 'ai'")" "$lib_version"

worker_setup # the local provider (pgai is installed already: the CLI install is a no-op)
cleanup_and_provider() { provider_stop; cleanup; }
trap cleanup_and_provider EXIT

n=0
for PY in "${pythons[@]}"; do
  n=$((n + 1))
  # --- (2) pgai's documented snippet, end to end -----------------------------
  psql_q >/dev/null <<SQL
create table docs_$n (id int primary key, body text);
insert into docs_$n select i, 'document number ' || i from generate_series(1, 7) i;
select ai.create_vectorizer('docs_$n'::regclass, name => 'py_docs_$n', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL
  cat >"$WORK/snippet.py" <<'EOF'
# pgai's documented snippet (the vectorizer worker page, "Add the vectorizer
# worker to run in the background of your application"), as written: only the
# placeholder database URL and a short poll interval are filled in. Between
# the two halves "the application runs": it waits for the rows to be
# embedded, then inserts one more row and waits for that one too.
import asyncio
import subprocess
import sys
from datetime import timedelta

DB_URL, TABLE, WANT = sys.argv[1], sys.argv[2], int(sys.argv[3])


def psql(query):
    r = subprocess.run(["psql", "-X", "-qtA", "-d", DB_URL, "-c", query], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else r.stderr.strip()


async def embedded(want):
    for _ in range(600):
        if await asyncio.to_thread(psql, f"select count(*) from {TABLE}_embedding_store") == str(want):
            return True
        await asyncio.sleep(0.1)
    print("rows not embedded in time:", want)
    return False


async def application():
    if await embedded(WANT):
        print("embedded", WANT)
        await asyncio.to_thread(psql, f"insert into {TABLE} values ({WANT + 1}, 'a late document')")
        if await embedded(WANT + 1):
            print("embedded", WANT + 1)


async def main():
    from pgai import Worker

    worker = Worker(db_url=DB_URL, poll_interval=timedelta(seconds=1))
    task = asyncio.create_task(worker.run())

    await application()

    await worker.request_graceful_shutdown()
    try:
        result = await asyncio.wait_for(task, timeout=20)
        if result is not None:
            print("Worker shutdown with exception:", result)
        else:
            print("Worker shutdown successfully")
    except asyncio.TimeoutError:
        print("Worker did not shutdown in time, it was killed")


asyncio.run(main())
EOF
  py "$PY" "$WORK/snippet.py" "$TEST_DB_URL" "docs_$n" 7
  t_eq "$PY: snippet: exit 0" "$rc" 0
  t_has "$PY: snippet: the rows were embedded while it ran" "$out" "embedded 7"
  t_has "$PY: snippet: a row inserted later was embedded too" "$out" "embedded 8"
  t_has "$PY: snippet: wait_for(task) returned None" "$out" "Worker shutdown successfully"
  t_eq "$PY: snippet: the store holds every row" \
    "$(sql "select count(*) from docs_$n d join docs_${n}_embedding_store s using (id)")" 8
  t_eq "$PY: snippet: queue empty" "$(sql "select ai.vectorizer_queue_pending('py_docs_$n', true)")" 0

  # --- (3) once=True (and run() again on the same object) -------------------------
  psql_q >/dev/null <<SQL
create table once_$n (id int primary key, body text);
insert into once_$n select i, 'once ' || i from generate_series(1, 5) i;
select ai.create_vectorizer('once_$n'::regclass, name => 'py_once_$n', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL
  vid=$(sql "select id from ai.vectorizer where name = 'py_once_$n'")
  py "$PY" - "$TEST_DB_URL" "$vid" "once_$n" <<'EOF'
import asyncio, subprocess, sys
from pgai import Worker
url, vid, table = sys.argv[1], int(sys.argv[2]), sys.argv[3]
worker = Worker(db_url=url, once=True, vectorizer_ids=[vid], concurrency=2)
print("exit_on_error:", worker.exit_on_error)
print("first run:", asyncio.run(worker.run()))
subprocess.run(["psql", "-X", "-q", "-d", url, "-c", f"insert into {table} values (6, 'six')"], check=True)
print("second run:", asyncio.run(worker.run()))
EOF
  t_eq "$PY: once: exit 0" "$rc" 0
  t_has "$PY: once implies exit_on_error" "$out" "exit_on_error: True"
  t_has "$PY: once: run() returns None" "$out" "first run: None"
  t_has "$PY: once: run() again on the same Worker returns None" "$out" "second run: None"
  t_eq "$PY: once: every row embedded" "$(sql "select count(*) from once_${n}_embedding_store")" 6

  # --- (4) exit_on_error: the error is returned, not raised -----------------------
  py "$PY" - "$DEAD_URL" "$BARE_URL" <<'EOF'
import asyncio, sys
from datetime import timedelta
from pgai import Worker
dead, bare = sys.argv[1], sys.argv[2]
async def main():
    for label, w in [("dead", Worker(dead, exit_on_error=True, poll_interval=timedelta(seconds=1))),
                     ("dead-once", Worker(dead, once=True)),
                     ("bare-once", Worker(bare, once=True))]:
        r = await asyncio.wait_for(w.run(), timeout=60)
        print(label, type(r).__name__, isinstance(r, Exception), "|", r)
    r = await Worker(bare, once=True, exit_on_error=False).run()
    print("bare-no-exit", r)
asyncio.run(main())
EOF
  t_eq "$PY: exit_on_error: exit 0" "$rc" 0
  t_has "$PY: exit_on_error: unreachable database returns an Exception" "$out" "dead PgaiError True | unable to connect to database"
  t_has "$PY: once: unreachable database returns an Exception" "$out" "dead-once PgaiError True | unable to connect to database"
  t_has "$PY: once: database without pgai returns the error" "$out" "bare-once PgaiError True | pgai is not installed in the database"
  t_has "$PY: exit_on_error=False: run() returns None" "$out" "bare-no-exit None"

  # --- (5) shutdown requested before run(): None at once, the database untouched ---
  py "$PY" - "$DEAD_URL" <<'EOF'
import asyncio, sys, time
from pgai import Worker
async def main():
    for once in (False, True):
        w = Worker(sys.argv[1], once=once, exit_on_error=True)
        await w.request_graceful_shutdown()
        t = time.monotonic()
        r = await w.run()
        print(f"once={once}", r, time.monotonic() - t < 1, w.shutdown_requested.is_set())
        print(f"again once={once}", await w.run())
asyncio.run(main())
EOF
  t_eq "$PY: early shutdown: exit 0" "$rc" 0
  t_has "$PY: early shutdown: run() returns None at once" "$out" "once=False None True True"
  t_has "$PY: early shutdown with once: run() returns None at once" "$out" "once=True None True True"
  t_has "$PY: a shut down Worker stays shut down" "$out" "again once=False None"

  # --- (6) log records arrive in Python's logging (logger "pgai") -----------------
  psql_q -c "insert into once_$n values (7, 'seven')" >/dev/null
  py "$PY" - "$TEST_DB_URL" "$vid" <<'EOF'
import asyncio, logging, sys, threading
import pgai
url, vid = sys.argv[1], int(sys.argv[2])
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record)
log = logging.getLogger("pgai")
log.addHandler(Keep())
log.setLevel(logging.DEBUG)
print("result", asyncio.run(pgai.Worker(url, once=True, vectorizer_ids=[vid]).run()))
for r in records:
    print(f"{r.levelname}|{r.getMessage()}|{r.pgai_event}|{r.pgai_fields}|{r.threadName != threading.main_thread().name}")
log.setLevel(logging.WARNING)
records.clear()
print("result", asyncio.run(pgai.Worker(url, once=True, vectorizer_ids=[vid]).run()))
print("below WARNING:", sum(r.levelno < logging.WARNING for r in records))
EOF
  t_eq "$PY: logging: exit 0" "$rc" 0
  t_has "$PY: logging: a debug record" "$out" "DEBUG|starting vectorizer worker|starting vectorizer worker||True"
  t_has "$PY: logging: event and fields" "$out" "INFO|running vectorizer vectorizer_id=$vid|running vectorizer|vectorizer_id=$vid|True"
  t_has "$PY: logging: the batch's item count" "$out" "INFO|finished processing vectorizer items=1 vectorizer_id=$vid|"
  t_has "$PY: logging: once mode" "$out" "INFO|once mode, exiting...|"
  t_has "$PY: logging: the logger's level filters" "$out" "below WARNING: 0"

  # --- graceful shutdown lets the batch in flight commit; cancelling aborts it ----
  psql_q >/dev/null <<SQL
create table slow_$n (id int primary key, body text);
insert into slow_$n select i, 'slow ' || i from generate_series(1, 3) i;
select ai.create_vectorizer('slow_$n'::regclass, name => 'py_slow_$n', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL
  vid=$(sql "select id from ai.vectorizer where name = 'py_slow_$n'")
  provider_control '{"latency_ms": 2500}' >/dev/null
  py "$PY" - "$TEST_DB_URL" "$vid" "$PROVIDER_URL" "slow_$n" <<'EOF'
import asyncio, json, subprocess, sys, time, urllib.request
from pgai import Worker
url, vid, provider, table = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def inputs():
    with urllib.request.urlopen(provider + "/_stats", timeout=10) as r:
        return json.loads(r.read())["openai"]["inputs"]
async def request_in_flight(before):
    for _ in range(300):
        if await asyncio.to_thread(inputs) > before:
            return
        await asyncio.sleep(0.05)
    raise SystemExit("no request reached the provider")
async def main():
    # cancelling the task: the batch in flight is abandoned and rolls back
    w = Worker(url, vectorizer_ids=[vid])
    before = await asyncio.to_thread(inputs)
    task = asyncio.create_task(w.run())
    await request_in_flight(before)
    task.cancel()
    try:
        await task
        print("cancel: run() returned")
    except asyncio.CancelledError:
        print("cancel: CancelledError")
    t = time.monotonic()
    while w._thread is not None and time.monotonic() - t < 10:
        await asyncio.sleep(0.05)
    print("cancel: worker stopped", w._thread is None, time.monotonic() - t < 2)
    stored = subprocess.run(["psql", "-X", "-qtA", "-d", url, "-c", f"select count(*) from {table}_embedding_store"],
                            capture_output=True, text=True, check=True).stdout.strip()
    print("cancel: rows stored", stored)
    # the documented shutdown: the batch in flight finishes and commits
    w = Worker(url, vectorizer_ids=[vid])
    before = await asyncio.to_thread(inputs)
    task = asyncio.create_task(w.run())
    await request_in_flight(before)
    await w.request_graceful_shutdown()
    print("graceful:", await asyncio.wait_for(task, timeout=20))
asyncio.run(main())
EOF
  provider_control '{"latency_ms": 0}' >/dev/null
  t_eq "$PY: in-flight: exit 0" "$rc" 0
  t_has "$PY: cancelling run() raises CancelledError" "$out" "cancel: CancelledError"
  t_has "$PY: cancelling aborts the worker promptly" "$out" "cancel: worker stopped True True"
  t_has "$PY: the aborted batch rolled back" "$out" "cancel: rows stored 0"
  t_has "$PY: graceful shutdown mid-batch returns None" "$out" "graceful: None"
  t_eq "$PY: the batch in flight was committed" "$(sql "select count(*) from slow_${n}_embedding_store")" 3
  t_eq "$PY: nothing left queued" "$(sql "select ai.vectorizer_queue_pending($vid, true)")" 0

  # --- leaving the interpreter with a worker still running stops it ---------------
  py "$PY" - "$TEST_DB_URL" "$vid" <<'EOF'
import asyncio, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
from pgai import Worker
loop = asyncio.new_event_loop()
loop.create_task(Worker(sys.argv[1], vectorizer_ids=[int(sys.argv[2])]).run())
loop.run_until_complete(asyncio.sleep(1))
print("leaving")
EOF
  t_eq "$PY: exit with a running worker: exit 0" "$rc" 0
  t_has "$PY: exit with a running worker: it was stopped first" "$out" "exiting processor.run()"
done
