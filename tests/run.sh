#!/usr/bin/env bash
# Runs the whole test suite: unit tests (no server), then SQL behaviour tests
# and end-to-end tests against a throwaway PostgreSQL + pgvector cluster that
# is always removed, also on failure. Prints "N passed, N failed" last.
#
#   tests/run.sh                 # everything
#   tests/run.sh sql/010_x.sql   # only the named test files (paths under tests/)
#   tests/run.sh unit fault      # whole directories (unit sql integration fault security)
#   tests/run.sh 'integration/0*'  # a pattern (quoted, so the shell leaves it alone)
#
# Environment: BUILD (default build), SAN=1 for an ASan+UBSan build,
# PGAI_TEST_VERBOSE=1 to show the output of passing tests too.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
export BUILD

# The benchmark helpers link the library's internals: building them here keeps
# bench/ from falling behind an interface change (not under the sanitizers,
# whose runtime they do not link).
build_bench() { [ "${SAN:-0}" = 1 ] || make -s -C bench BUILD="$(cd "$BUILD" && pwd)"; }
if ! { make -s -j"$(nproc)" BUILD="$BUILD" all unit && build_bench; } >"/tmp/pgai-build.$$" 2>&1; then
  cat "/tmp/pgai-build.$$"; rm -f "/tmp/pgai-build.$$"
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
rm -f "/tmp/pgai-build.$$"
export PGAI="$ROOT/$BUILD/pgai"

passed=0 failed=0 failures=()
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "not ok - $1"; }

selected=("$@")
want() { # want PATH-UNDER-tests: named exactly, by its directory (unit), or by a quoted pattern ('integration/0*')
  [ ${#selected[@]} -eq 0 ] && return 0
  local s
  # shellcheck disable=SC2053 # $s unquoted on purpose: it may be a pattern
  for s in "${selected[@]}"; do [[ $1 == $s || $1 == ${s%/}/* ]] && return 0; done
  return 1
}

# --- unit tests (cmocka, TAP output: one line per test case) ---------------
for bin in "$BUILD"/tests/test_*; do
  [ -f "tests/unit/$(basename "$bin").c" ] || continue
  [ -x "$bin" ] || continue
  name=unit/$(basename "$bin").c
  want "$name" || continue
  out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1); rc=$?
  while IFS= read -r line; do
    case "$line" in
      "ok "*) pass "$name: ${line#ok * - }" ;;
      "not ok "*) fail "$name: ${line#not ok * - }" ;;
    esac
  done <<<"$out"
  if [ $rc -ne 0 ] || [ "${PGAI_TEST_VERBOSE:-0}" = 1 ]; then echo "$out" | sed 's/^/    /'; fi
  if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then fail "$name (exit $rc)"; fi
done

# --- tests against a real PostgreSQL -------------------------------------
db_tests=()
for f in tests/sql/*.sql tests/sql/*.sh tests/integration/*.sh tests/fault/*.sh tests/security/*.sh; do
  [ -f "$f" ] || continue
  want "${f#tests/}" && db_tests+=("$f")
done

if [ ${#db_tests[@]} -gt 0 ]; then
  . tests/lib/pgcluster.sh
  trap pg_stop EXIT
  if ! pg_start; then
    fail "start a throwaway PostgreSQL cluster"
  else
    n=0
    for f in "${db_tests[@]}"; do
      n=$((n + 1))
      db="t$n"
      export TEST_DB_URL="postgres://postgres@127.0.0.1:$PGPORT/$db"
      out=$( {
        createdb "$db" &&
        case "$f" in
          tests/sql/*.sql)
            "$PGAI" install -d "$TEST_DB_URL" >/dev/null &&
            psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" -f tests/sql/lib/asserts.sql &&
            psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" -f "$f" ;;
          *)
            bash "$f" ;;
        esac
      } 2>&1 ); rc=$?
      if [ $rc -eq 0 ]; then
        pass "${f#tests/}"
        [ "${PGAI_TEST_VERBOSE:-0}" = 1 ] && echo "$out" | sed 's/^/    /'
      else
        fail "${f#tests/}"; echo "$out" | tail -n 40 | sed 's/^/    /'
      fi
      dropdb --force "$db" >/dev/null 2>&1
    done
  fi
fi

if [ ${#failures[@]} -gt 0 ]; then
  echo; echo "failed:"; printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
