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
# a usage error points at the command's own --help, and a typo at the option meant
set +e; out=$("$PGAI" vectorizer worker --poll-intervall 5 2>&1); rc=$?; set -e
check_eq "a misspelt option: exit 2" "$rc" 2
check_contains "a misspelt option: the nearest option" "$out" "No such option: --poll-intervall (did you mean --poll-interval?)"
check_contains "usage errors point at the command's --help" "$out" "Try 'pgai vectorizer worker --help' for help."
set +e; out=$("$PGAI" vectorizer worker --db_url=postgres://u:hunter22@h/db 2>&1); set -e
check_contains "--db_url: did you mean --db-url" "$out" "(did you mean --db-url?)"
check_not_contains "the value of an unknown option is not repeated" "$out" "hunter22"
set +e; out=$("$PGAI" vectorizer worker --log debug 2>&1); set -e
check_contains "an ambiguous abbreviation lists what it could be" "$out" "(did you mean --log-level or --log-format?)"
set +e; out=$("$PGAI" vectorizer worker --once=yes 2>&1); set -e
check_contains "a flag given a value" "$out" "Option '--once' does not take a value."
set +e; out=$("$PGAI" vectorizer worker --bogus 2>&1); set -e
check_contains "nothing near: said plainly" "$out" "Error: No such option: --bogus"
check_not_contains "nothing near: no guess" "$out" "did you mean"
set +e; out=$("$PGAI" install --strikt 2>&1); set -e
check_contains "install: its own --help and the nearest option" "$out" \
  "Try 'pgai install --help' for help."$'\n\n'"Error: No such option: --strikt (did you mean --strict?)"
set +e; out=$("$PGAI" vectorizer embed --db-ulr x 2>&1); set -e
check_contains "embed: its own --help" "$out" "Try 'pgai vectorizer embed --help' for help."

# --- database URLs libpq would misread: refused before connecting, saying which forms work
for cmd in "vectorizer worker --once" "install" "vectorizer embed"; do
  extra=(); [ "$cmd" = "vectorizer embed" ] && extra=(1 text)
  for url in "mysql://u:hunter22@127.0.0.1/db" "127.0.0.1:5432" "host=127.0.0.1 password='hunter22"; do
    set +e; out=$(timeout 60 "$PGAI" $cmd -d "$url" "${extra[@]}" 2>&1); rc=$?; set -e
    check_eq "pgai $cmd -d '$url': a usage error" "$rc" 2
    check_contains "pgai $cmd -d '$url': not understood" "$out" "the database URL was not understood"
    check_contains "pgai $cmd -d '$url': the accepted forms" "$out" "postgres://user@host:5432/dbname"
    check_not_contains "pgai $cmd -d '$url': no password" "$out" "hunter22"
    check_not_contains "pgai $cmd -d '$url': no socket talk" "$out" "socket"
  done
done
set +e; out=$("$PGAI" vectorizer worker -d "mysql://u@h/db" 2>&1); set -e
check_contains "the wrong scheme is named" "$out" "'mysql://' is not a PostgreSQL URL scheme"
set +e; out=$(PGAI_VECTORIZER_WORKER_DB_URL=127.0.0.1:5432 timeout 60 "$PGAI" vectorizer worker 2>&1); rc=$?; set -e
check_eq "a URL from the environment is checked too (and the worker does not retry it forever)" "$rc" 2
check_contains "... saying what is missing" "$out" "it has no postgres:// scheme"

# --- --poll-interval: fractions are accepted (whole seconds are used, at least 1) -------
set +e; out=$("$PGAI" vectorizer worker -d "postgres://x@127.0.0.1:1/x" --once --poll-interval 0.5 2>&1); rc=$?; set -e
check_eq "--poll-interval 0.5 is not a usage error" "$rc" 1
check_contains "... it is raised to the minimum, which is said" "$out" "poll interval raised to its minimum, 1 s"
set +e; out=$(PGAI_VECTORIZER_WORKER_POLL_INTERVAL=2.5 "$PGAI" vectorizer worker -d "postgres://x@127.0.0.1:1/x" --once 2>&1); rc=$?; set -e
check_eq "PGAI_VECTORIZER_WORKER_POLL_INTERVAL=2.5 is accepted" "$rc" 1
check_not_contains "... and above the minimum" "$out" "minimum"
set +e; out=$("$PGAI" vectorizer worker --poll-interval -0.5 2>&1); rc=$?; set -e
check_eq "a negative fraction is refused" "$rc" 2
check_contains "... as a negative integer is" "$out" "time duration can't be negative"
out=$("$PGAI" vectorizer worker --help)
check_contains "--help lists the options" "$out" "--poll-interval"
check_contains "--version" "$("$PGAI" vectorizer worker --version)" "0.12.1+c"

# --- no pgai in the database --------------------------------------------------
run_worker --once
check_eq "no pgai: exit 1" "$rc" 1
check_contains "no pgai: message" "$out" "pgai is not installed in the database"
check_contains "no pgai: what to do" "$out" "run \`pgai install -d URL\`"
run_worker --once --exit-on-error=false
check_eq "no pgai, --exit-on-error=false: exit 0" "$rc" 0
check_contains "no pgai, --exit-on-error false: message" "$out" "pgai is not installed in the database"

# --- unreachable database --------------------------------------------------------
set +e; out=$(timeout 60 "$PGAI" vectorizer worker -d "postgres://postgres:hunter22@127.0.0.1:1/x" --once 2>&1); rc=$?; set -e
check_eq "unreachable database: exit 1" "$rc" 1
check_contains "unreachable database: message" "$out" "unable to connect to database: connection to server at"
check_not_contains "unreachable database: said once" "$out" "could not connect to the database"
check_not_contains "the password never appears" "$out" "hunter22"

worker_setup

# --- a role without the grants: the error says which grant is needed -------------------
psql_q -c "create role pgai_lowpriv login" >/dev/null
set +e; out=$(timeout 60 "$PGAI" vectorizer worker -d "$(db_url "${TEST_DB_URL##*/}" pgai_lowpriv)" --once 2>&1); rc=$?; set -e
check_eq "no grants: exit 1" "$rc" 1
check_contains "no grants: the server's reason" "$out" "permission denied"
check_contains "no grants: the grant that helps" "$out" "run select ai.grant_vectorizer_worker('pgai_lowpriv')"
check_contains "no grants: where the rest is" "$out" "Least privilege"
psql_q -c "select ai.grant_vectorizer_worker('pgai_lowpriv')" >/dev/null
set +e; out=$(timeout 60 "$PGAI" vectorizer worker -d "$(db_url "${TEST_DB_URL##*/}" pgai_lowpriv)" --once 2>&1); rc=$?; set -e
check_eq "after the grant it names: exit 0" "$rc" 0
psql_q -c "drop owned by pgai_lowpriv; drop role pgai_lowpriv" >/dev/null

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
check_contains "json log lines, numbers as numbers" "$out" '"event":"running vectorizer","vectorizer_id":1}'

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

# --- a vectorizer this build cannot process: --once fails, as the man page says ----------
psql_q -c "create table later (id int primary key, body text); insert into later values (1, 'x');
  select ai.create_vectorizer('later'::regclass, loading => ai.loading_column('body'),
    embedding => ai.embedding_litellm('openai/text-embedding-3-small', 64), chunking => ai.chunking_none())" >/dev/null
run_worker --once -i 2
check_eq "an unsupported vectorizer: --once exits 1" "$rc" 1
check_contains "... saying why" "$out" "this vectorizer needs the LiteLLM embedding provider"
run_worker -i 2 --exit-on-error true --poll-interval 1h
check_eq "... and --exit-on-error ends the worker with 1" "$rc" 1
run_worker --once -i 2 --exit-on-error false
check_eq "... while --exit-on-error false logs it and exits 0" "$rc" 0
run_worker --once -i 1
check_eq "a healthy vectorizer: --once exits 0" "$rc" 0
psql_q -c "select ai.drop_vectorizer(2, drop_all => true); drop table later" >/dev/null

# --- the poll interval recorded for the heartbeat: whole seconds, at least 1 -----------------
hb() { sql "select extract(epoch from expected_heartbeat_interval)::int from ai.vectorizer_worker_process order by started desc limit 1"; }
run_worker --once -i 1 --poll-interval 0.5s
check_eq "--poll-interval 0.5s: a 1 s heartbeat (pgai: 0, a loop without pause)" "$(hb)" 1
run_worker --once -i 1 --poll-interval 2.9
check_eq "--poll-interval 2.9: 2 s, fractions dropped as the man page says" "$(hb)" 2

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

# pgai's commands we do not have say so (pgai's own would run)
for c in "vectorizer download-models" "semantic-catalog"; do
  set +e
  # shellcheck disable=SC2086 # two words on purpose
  msg=$("$PGAI" $c 2>&1); rc=$?
  set -e
  check_eq "pgai $c: a usage error" "$rc" 2
  check_contains "pgai $c: not implemented, said plainly" "$msg" "not implemented in pgai in C"
done
