# --log-format json: every line the worker writes, on stdout and stderr, is
# one JSON object, and numeric fields are JSON numbers. Three things used to
# break that: the stop-signal message was written raw from the signal handler
# (and could land inside another record), the server's NOTICEs and WARNINGs
# went raw to stderr (libpq's default), and numbers were strings.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table notes (id int primary key, body text);
insert into notes select g, 'note ' || g from generate_series(1, 5) g;
select ai.create_vectorizer('notes'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
  processing => ai.processing_default(batch_size => 1));
-- every registration and heartbeat of the worker makes the server talk back
create function chatty() returns trigger language plpgsql as $$
begin
  raise notice E'heartbeat seen\nby a trigger "with" quotes';
  raise warning 'and a warning, id %', 42;
  return null;
end $$;
create trigger chatty after insert or update on ai.vectorizer_worker_process for each row execute function chatty();
SQL

# a slow provider, so that the stop comes while a batch is in flight
provider_control '{"latency_ms": 700}' >/dev/null
log="$PGTMP/json.log"
"$PGAI" vectorizer worker -d "$TEST_DB_URL" --log-format json --poll-interval 1s >"$log" 2>&1 & wp=$!
trap 'kill $wp 2>/dev/null || true; provider_stop' EXIT
check "the worker has embedded a row" wait_for "select count(*) > 0 from notes_embedding_store" t
kill -TERM $wp
set +e; wait $wp; rc=$?; set -e
check_eq "SIGTERM: exit 0" "$rc" 0

problems=$(python3 - "$log" <<'PY'
import json, re, sys
number = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
out, records = [], []
for n, line in enumerate(lines, 1):
    try:
        r = json.loads(line)
    except ValueError:
        out.append("line %d is not JSON: %r" % (n, line[:200]))
        continue
    if not isinstance(r, dict):
        out.append("line %d is not an object: %r" % (n, line[:200]))
        continue
    records.append(r)
    for k, v in r.items():
        if k not in ("timestamp", "level", "event") and isinstance(v, str) and number.match(v):
            out.append("line %d: %s is the string %r, not a number" % (n, k, v))
def has(pred, what):
    if not any(pred(r) for r in records):
        out.append("no record " + what)
has(lambda r: r["event"].startswith("received a stop signal: finishing the batch in flight"), "of the stop signal")
has(lambda r: r["event"] == "received SIGTERM, exiting", "of the exit")
has(lambda r: r["event"] == "message from the database server" and r.get("severity") == "NOTICE"
    and r.get("message") == 'heartbeat seen by a trigger "with" quotes' and r["level"] == "info", "of the NOTICE")
has(lambda r: r["event"] == "message from the database server" and r.get("severity") == "WARNING"
    and r.get("message") == "and a warning, id 42" and r["level"] == "warning", "of the WARNING")
has(lambda r: r["event"] == "finished processing vectorizer" and type(r.get("items")) is int
    and type(r.get("vectorizer_id")) is int, "with numeric items and vectorizer_id")
print("\n".join(out))
PY
)
check_eq "every line is one JSON object with numbers as numbers, and all records are there" "$problems" ""
