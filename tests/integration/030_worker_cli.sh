# `pgai vectorizer worker`: options, environment variables, exit codes, and
# pgai's messages for the cases its own CLI tests check.
set -euo pipefail
. tests/lib/testlib.sh

# --- usage errors: exit 2, naming the option ---------------------------------
for args in "--poll-interval abc" "--poll-interval -5" "-c 0" "-c x" "--exit-on-error maybe" "--log-level WARNING" \
            "-i one" "--bogus" "--log-format xml"; do
  set +e; out=$("$PGAI" vectorizer worker $args 2>&1); rc=$?; set -e
  check_eq "usage error: $args" "$rc" 2
done
set +e; out=$("$PGAI" vectorizer worker --poll-interval abc 2>&1); set -e
check_contains "poll interval message" "$out" "'abc' is not a valid duration string or integer"
set +e; out=$("$PGAI" vectorizer worker --poll-interval -5 2>&1); set -e
check_contains "negative poll interval message" "$out" "time duration can't be negative"
set +e; out=$("$PGAI" vectorizer worker -c 0 2>&1); set -e
check_contains "concurrency range message" "$out" "0 is not in the range x>=1"
set +e; out=$(PGAI_VECTORIZER_WORKER_CONCURRENCY=0 "$PGAI" vectorizer worker 2>&1); rc=$?; set -e
check_eq "environment values are validated like options" "$rc" 2
out=$("$PGAI" vectorizer worker --help)
check_contains "--help lists the options" "$out" "--poll-interval"
check_contains "--version" "$("$PGAI" vectorizer worker --version)" "0.12.1+c"

# --- no pgai in the database --------------------------------------------------
run_worker --once
check_eq "no pgai: exit 1" "$rc" 1
check_contains "no pgai: message" "$out" "pgai is not installed in the database"
run_worker --once --exit-on-error=false
check_eq "no pgai, --exit-on-error=false: exit 0" "$rc" 0
check_contains "no pgai, --exit-on-error false: message" "$out" "pgai is not installed in the database"

# --- unreachable database --------------------------------------------------------
set +e; out=$(timeout 60 "$PGAI" vectorizer worker -d "postgres://postgres:hunter22@127.0.0.1:1/x" --once 2>&1); rc=$?; set -e
check_eq "unreachable database: exit 1" "$rc" 1
check_contains "unreachable database: message" "$out" "unable to connect to database"
check_not_contains "the password never appears" "$out" "hunter22"

worker_setup

# --- no vectorizers, unknown ids -------------------------------------------------
run_worker --once
check_eq "no vectorizers: exit 0" "$rc" 0
check_contains "no vectorizers: message" "$out" "no vectorizers found"
run_worker --once -i 0
check "unknown id: exit non-zero" test "$rc" -ne 0
check_contains "unknown id: message" "$out" "invalid vectorizers, wanted: [0], got: []"
run_worker --once -i 0 --exit-on-error=false
check_eq "unknown id, --exit-on-error=false: exit 0" "$rc" 0
check_contains "unknown id, --exit-on-error=false: message" "$out" "invalid vectorizers, wanted: [0], got: []"

# --- a vectorizer, run through the environment variables only ------------------
psql_q -c "create table notes (id int primary key, body text);
  insert into notes select g, 'note number ' || g from generate_series(1, 7) g;
  select ai.create_vectorizer('notes'::regclass, loading => ai.loading_column('body'),
    embedding => ai.embedding_openai('text-embedding-3-small', 64), chunking => ai.chunking_none())" >/dev/null
set +e
out=$(PGAI_VECTORIZER_WORKER_DB_URL="$TEST_DB_URL" PGAI_VECTORIZER_WORKER_ONCE=true \
      PGAI_VECTORIZER_WORKER_VECTORIZER_IDS="1" PGAI_VECTORIZER_WORKER_CONCURRENCY=2 \
      PGAI_VECTORIZER_WORKER_POLL_INTERVAL=5s PGAI_VECTORIZER_WORKER_LOG_LEVEL=debug \
      timeout 60 "$PGAI" vectorizer worker 2>&1); rc=$?
set -e
check_eq "environment-only run: exit 0" "$rc" 0
check_contains "environment-only run: log level debug applied" "$out" "[debug    ]"
check_contains "pgai's event text" "$out" "running vectorizer             vectorizer_id=1"
check_contains "finished line" "$out" "finished processing vectorizer items=7 vectorizer_id=1"
check_eq "all rows embedded" "$(sql "select count(*) from notes_embedding_store")" 7
check_eq "tracking: the process row counts the run" \
  "$(sql "select heartbeat_count >= 1, success_count, error_count, last_error_message is null from ai.vectorizer_worker_process order by started desc limit 1")" "t|7|0|t"
check_eq "tracking: progress row" "$(sql "select success_count || ':' || error_count from ai.vectorizer_worker_progress")" "7:0"

# the command line wins over the environment
run_worker --once -i 1 --log-level error
check_not_contains "--log-level error hides info lines" "$out" "running vectorizer"
PGAI_VECTORIZER_WORKER_LOG_FORMAT=json run_worker --once
check_contains "json log lines" "$out" '"event":"running vectorizer","vectorizer_id":"1"'

# --- missing API key -----------------------------------------------------------
psql_q -c "insert into notes values (8, 'another note')" >/dev/null
set +e; out=$(env -u OPENAI_API_KEY timeout 60 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once 2>&1); rc=$?; set -e
check_eq "missing key: exit 1" "$rc" 1
check_contains "missing key: pgai's error name" "$out" "ApiKeyNotFoundError"
check_contains "missing key: names the variable" "$out" "api_key_name=OPENAI_API_KEY"
check_eq "missing key: the row stays queued" "$(sql "select count(*) from ai._vectorizer_q_1")" 1
check_eq "missing key: tracking counts the error" \
  "$(sql "select error_count from ai.vectorizer_worker_process order by started desc limit 1")" 1
check_eq "missing key: progress has the error" \
  "$(sql "select last_error_message like '%ApiKeyNotFoundError%' from ai.vectorizer_worker_progress")" t

# a key in a .env file in the working directory (or a parent) is used
dir=$(mktemp -d); mkdir -p "$dir/sub"
echo "OPENAI_API_KEY=sk-from-dotenv" > "$dir/.env"
set +e; out=$(cd "$dir/sub" && env -u OPENAI_API_KEY timeout 60 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once 2>&1); rc=$?; set -e
rm -rf "$dir"
check_eq ".env key: exit 0" "$rc" 0
check_eq ".env key: the row got embedded" "$(sql "select count(*) from ai._vectorizer_q_1")" 0
check_eq "the key reached the provider" "$(provider_stats openai.last_headers.Authorization)" "Bearer sk-...nv"

# --- the worker's tracking row is lost (a crash with synchronous_commit off, a
# failover to a lagging replica): the next heartbeat registers it again ------
psql_q -c "delete from ai.vectorizer_worker_process" >/dev/null
"$PGAI" vectorizer worker -d "$TEST_DB_URL" --poll-interval 1s >"$PGTMP/rereg.log" 2>&1 & wp=$!
trap 'kill $wp 2>/dev/null || true; provider_stop' EXIT
row_back() { wait_for "select count(*) from ai.vectorizer_worker_process where id::text like '${1:-%}'" 1; }
check "registered at start" row_back
wid=$(sql "select id from ai.vectorizer_worker_process")
psql_q -c "delete from ai.vectorizer_worker_process" >/dev/null
check "the lost row is registered again" row_back "$wid"
check_eq "under the same id, counting heartbeats again" \
  "$(sql "select heartbeat_count >= 1 from ai.vectorizer_worker_process where id = '$wid'")" t
kill -TERM $wp; set +e; wait $wp; rc=$?; set -e
check_eq "SIGTERM: exit 0" "$rc" 0
check_contains "the re-registration is logged" "$(cat "$PGTMP/rereg.log")" "worker registration lost"
