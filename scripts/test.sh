#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a fresh Debian 12 machine:
# installs what is missing (scripts/setup.sh), then runs every test twice,
# once with the normal build and once with AddressSanitizer +
# UndefinedBehaviorSanitizer (unit and end-to-end tests; the SQL behaviour
# tests exercise PostgreSQL, not our C, so they run once). Last line:
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

total_pass=0 total_fail=0
run() { # run LABEL ENV... -- ARGS...
  local label=$1; shift
  echo "=== $label"
  local log; log=$(mktemp)
  env "$@" tests/run.sh "${TEST_ARGS[@]}" 2>&1 | tee "$log"
  local summary; summary=$(tail -n 1 "$log"); rm -f "$log"
  local p f
  p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$summary")
  f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$summary")
  [ -n "$p" ] || { p=0; f=1; }
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
}

TEST_ARGS=()
run "tests (normal build)" BUILD=build

# Under the sanitizers: unit tests and the tests that run our binaries.
TEST_ARGS=()
# (not the Python binding or packaging tests: they run other programs, which
# cannot load a sanitized library)
for f in tests/unit/test_*.c tests/integration/*.sh tests/security/*.sh; do
  case "$f" in */060_python.sh|*/070_packaging.sh) continue ;; esac
  [ -f "$f" ] && TEST_ARGS+=("${f#tests/}")
done
run "tests (ASan+UBSan build)" BUILD=build-asan SAN=1 \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The fuzz targets, about 30 s each (two at a time), from the checked-in corpora.
echo "=== fuzzing (libFuzzer, ASan+UBSan)"
log=$(mktemp)
bash fuzz/run.sh 2>&1 | tee "$log"
summary=$(tail -n 1 "$log"); rm -f "$log"
p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$summary")
f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$summary")
[ -n "$p" ] || { p=0; f=1; }
total_pass=$((total_pass + p)); total_fail=$((total_fail + f))

echo
echo "all suites:"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
