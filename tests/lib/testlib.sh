# Helpers for shell tests (sourced). Tests run with set -euo pipefail; each
# check prints what it checked and exits non-zero on the first failure.
#   TEST_DB_URL   a fresh, empty database (created by tests/run.sh)
#   PGAI          the pgai binary under test

check() { # check DESCRIPTION COMMAND... : the command must succeed
  local what=$1; shift
  if "$@"; then echo "  ok: $what"; else echo "  FAILED: $what"; exit 1; fi
}
check_eq() { # check_eq DESCRIPTION GOT WANT
  if [ "$2" = "$3" ]; then echo "  ok: $1"; else echo "  FAILED: $1: got [$2], want [$3]"; exit 1; fi
}
check_contains() { # check_contains DESCRIPTION HAYSTACK NEEDLE
  case "$2" in *"$3"*) echo "  ok: $1" ;; *) echo "  FAILED: $1: [$3] not in [$2]"; exit 1 ;; esac
}
check_not_contains() {
  case "$2" in *"$3"*) echo "  FAILED: $1: [$3] found in [$2]"; exit 1 ;; *) echo "  ok: $1" ;; esac
}
sql() { # sql [psql args...] QUERY : one value, unaligned
  psql -X -q -t -A -v ON_ERROR_STOP=1 -d "${DB:-$TEST_DB_URL}" -c "${@: -1}" "${@:1:$#-1}"
}
# A URL for the same server and another database or user.
db_url() { # db_url DBNAME [USER]
  echo "postgres://${2:-postgres}@127.0.0.1:$PGPORT/$1"
}

# --- worker tests ------------------------------------------------------------
# worker_setup: installs pgai into TEST_DB_URL and starts the local provider
# (stopped on exit). Exports OPENAI_API_KEY for the provider.
worker_setup() {
  . tests/lib/provider.sh
  provider_start
  trap provider_stop EXIT
  "$PGAI" install -d "$TEST_DB_URL" >/dev/null
  export OPENAI_API_KEY=sk-test-key VOYAGE_API_KEY=voyage-test-key
}
# run_worker ARGS... : runs the worker with a timeout; sets $out and $rc.
run_worker() {
  set +e
  out=$(timeout 120 "$PGAI" vectorizer worker -d "${DB:-$TEST_DB_URL}" "$@" 2>&1)
  rc=$?
  set -e
}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -d "${DB:-$TEST_DB_URL}" "$@"; }
# wait_for SQL WANT : until the query's result is WANT, 60 s at most (status 1 then).
wait_for() {
  local i
  for i in $(seq 1 600); do [ "$(sql "$1")" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
