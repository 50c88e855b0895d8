#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (AddressSanitizer +
# UndefinedBehaviorSanitizer) and runs each one for FUZZ_SECONDS, starting
# from a scratch copy of its seed corpus (fuzz/corpus/<target>/) plus its
# saved reproducers (fuzz/crashes/<target>/, which must no longer fail).
# Prints one line per target and "N passed, N failed" last; exits non-zero
# when a target failed to build or found something.
#
#   fuzz/run.sh                      # every target, 30 s each
#   FUZZ_SECONDS=300 fuzz/run.sh     # the longer manual run
#   fuzz/run.sh config splitter      # only the named targets
#
# Environment:
#   FUZZ_SECONDS  seconds per target (default 30)
#   FUZZ_JOBS     targets fuzzed at the same time (default: number of CPUs, at most 4)
#   FUZZ_CC       the compiler (default clang)
#   FUZZ_BUILD    output directory (default build-fuzz)
#   FUZZ_KEEP     a directory to keep the grown working corpora in (default: discarded)
#   FUZZ_ARGS     extra libFuzzer flags for every target
#   FUZZ_CFLAGS   extra compiler flags (e.g. -fno-sanitize=... to look past a known finding)
# Findings: the input is saved under $FUZZ_BUILD/artifacts/<target>/ and the
# whole fuzzer output under $FUZZ_BUILD/log/<target>.log.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_CC=${FUZZ_CC:-clang}
B=${FUZZ_BUILD:-build-fuzz}
FUZZ_ARGS=${FUZZ_ARGS:-}
# shellcheck disable=SC2206
extra_cflags=(${FUZZ_CFLAGS:-})
ncpu=$(nproc 2>/dev/null || echo 1)
FUZZ_JOBS=${FUZZ_JOBS:-$((ncpu < 4 ? ncpu : 4))}
[ "$FUZZ_JOBS" -ge 1 ] 2>/dev/null || FUZZ_JOBS=1

# Largest input per target: big enough for real documents of each kind,
# small enough that every execution stays fast.
max_len() {
  case "$1" in
    duration) echo 256 ;;
    url|log) echo 2048 ;;
    config) echo 8192 ;;
    vectors) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

targets=()
if [ $# -gt 0 ]; then
  for t in "$@"; do
    t=${t#fuzz/}; t=${t#fuzz_}; t=${t%.c}
    [ -f "fuzz/fuzz_$t.c" ] || { echo "fuzz/run.sh: no target fuzz/fuzz_$t.c" >&2; exit 2; }
    targets+=("$t")
  done
else
  for f in fuzz/fuzz_*.c; do t=${f#fuzz/fuzz_}; targets+=("${t%.c}"); done
fi

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# --- build -----------------------------------------------------------------
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
compat=$(sed -n 's/^PGAI_COMPAT *:= *//p' Makefile)
pg_include=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
# shellcheck disable=SC2207
deps_cflags=($(pkg-config --cflags libcurl jansson libpcre2-8 2>/dev/null))
# shellcheck disable=SC2207
deps_libs=(-lpq $(pkg-config --libs libcurl jansson libpcre2-8 2>/dev/null) -lpthread -lm)
# The Makefile's warnings, as errors: clang sees some that gcc does not.
warn=(-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
      -Wno-unused-parameter)
# FUZZ_CFLAGS come last so they can switch off part of the sanitizers.
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer "${extra_cflags[@]}")
cflags=(-std=c17 -D_GNU_SOURCE -g -O1 "${warn[@]}" -Iinclude -Isrc -I"$B/gen"
        "-DPGAI_C_VERSION=\"$version\"" "-DPGAI_COMPAT_VERSION=\"$compat\"" -I"$pg_include" "${deps_cflags[@]}")

mkdir -p "$B/obj" "$B/gen" "$B/log" "$B/artifacts"
buildlog=$B/log/build.log
: >"$buildlog"

build_failed() { # build_failed WHAT
  fail "fuzz/$1: build failed (see $buildlog)"
  tail -n 20 "$buildlog" | sed 's/^/    /'
}

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
  fail "fuzz: $FUZZ_CC not found (scripts/setup.sh installs clang)"
  finish
fi
if ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
     "$FUZZ_CC" -x c - -fsanitize=fuzzer,address,undefined -o "$B/probe" >>"$buildlog" 2>&1; then
  build_failed "libFuzzer ($FUZZ_CC -fsanitize=fuzzer does not link)"
  finish
fi

# Flags changed since the last build: start over.
stamp=$(printf '%s\n' "$FUZZ_CC" "${cflags[@]}" "${san[@]}" | sha256sum | cut -c1-16)
if [ "$(cat "$B/obj/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$B/obj" "$B/libpgai-fuzz.a"
  mkdir -p "$B/obj"
  echo "$stamp" >"$B/obj/stamp"
fi

# The tokenizer's rank table, linked in as mk/tokenizer.mk does.
if ! scripts/fetch-tokenizer.sh >>"$buildlog" 2>&1; then
  build_failed "tokenizer data (scripts/fetch-tokenizer.sh)"
  finish
fi
ranks=$ROOT/data/cl100k_base.tiktoken
if [ ! -f "$B/gen/cl100k.o" ] || [ "$ranks" -nt "$B/gen/cl100k.o" ] || [ fuzz/run.sh -nt "$B/gen/cl100k.o" ]; then
  printf '%s\n' \
    '	.section .rodata.pgai_cl100k,"a",@progbits' \
    '	.balign 16' \
    '	.globl cl100k_tiktoken_data' \
    '	.hidden cl100k_tiktoken_data' \
    '	.type cl100k_tiktoken_data, @object' \
    'cl100k_tiktoken_data:' \
    "	.incbin \"$ranks\"" \
    '	.size cl100k_tiktoken_data, . - cl100k_tiktoken_data' \
    '	.globl cl100k_tiktoken_data_end' \
    '	.hidden cl100k_tiktoken_data_end' \
    'cl100k_tiktoken_data_end:' \
    '	.byte 0' \
    '	.section .note.GNU-stack,"",@progbits' >"$B/gen/cl100k.S"
  if ! "$FUZZ_CC" -c "$B/gen/cl100k.S" -o "$B/gen/cl100k.o" >>"$buildlog" 2>&1; then
    build_failed "cl100k.o"
    finish
  fi
  rm -f "$B/libpgai-fuzz.a" # it holds the old one
fi

# Library sources as the Makefile has them (src/ less the command line),
# plus the command's own modules that targets test (src/cli/ less main.c and
# the sub-commands), instrumented for coverage; an object is rebuilt when its
# source or any header is newer. The archive lets each target link only what
# it uses.
newest_header=$(find src include fuzz -name '*.h' -o -name '*.inc' | xargs ls -t 2>/dev/null | head -n1)
lib_src=$(find src -name '*.c' ! -path 'src/cli/*' | sort;
          find src/cli -name '*.c' ! -name main.c ! -name 'cmd_*.c' | sort)
stale=()
for src in $lib_src; do
  obj=$B/obj/${src%.c}.o
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || { [ -n "$newest_header" ] && [ "$newest_header" -nt "$obj" ]; }; then
    stale+=("$src")
  fi
done
if [ ${#stale[@]} -gt 0 ]; then
  export B FUZZ_CC
  if ! printf '%s\n' "${stale[@]}" |
       xargs -P "$ncpu" -I{} sh -c 'src=$1; shift; o="$B/obj/${src%.c}.o"; mkdir -p "$(dirname "$o")" &&
         "$FUZZ_CC" "$@" -c "$src" -o "$o" || { rm -f "$o"; exit 255; }' sh {} \
         "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer-no-link >>"$buildlog" 2>&1; then
    build_failed "library"
    finish
  fi
  rm -f "$B/libpgai-fuzz.a"
fi
if [ ! -f "$B/libpgai-fuzz.a" ]; then
  # shellcheck disable=SC2046
  ar rcs "$B/libpgai-fuzz.a" $(for src in $lib_src; do echo "$B/obj/${src%.c}.o"; done) "$B/gen/cl100k.o"
fi

built=()
for t in "${targets[@]}"; do
  bin=$B/fuzz_$t
  if [ ! -f "$bin" ] || [ "fuzz/fuzz_$t.c" -nt "$bin" ] || [ "$B/libpgai-fuzz.a" -nt "$bin" ] ||
     [ fuzz/fuzz_common.h -nt "$bin" ]; then
    if ! "$FUZZ_CC" "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer -Ifuzz "fuzz/fuzz_$t.c" "$B/libpgai-fuzz.a" \
         "${deps_libs[@]}" -o "$bin" >>"$buildlog" 2>&1; then
      rm -f "$bin"
      build_failed "$t"
      continue
    fi
  fi
  built+=("$t")
done

# --- run -----------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/pgai-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

run_one() { # run_one TARGET: fuzzes, leaves the exit code in $work/TARGET.rc
  local t=$1 corpus=$work/$t
  mkdir -p "$corpus" "$B/artifacts/$t"
  rm -f "$B/artifacts/$t"/*
  cp fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
  cp fuzz/crashes/"$t"/* "$corpus"/ 2>/dev/null
  local extra=()
  [ -f "fuzz/dict/$t.dict" ] && extra+=("-dict=fuzz/dict/$t.dict")
  # shellcheck disable=SC2086
  timeout -k 10 $((FUZZ_SECONDS + 300)) "$B/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$t")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$B/artifacts/$t/" \
    "${extra[@]}" $FUZZ_ARGS "$corpus" >"$B/log/$t.log" 2>&1
  echo $? >"$work/$t.rc"
  if [ -n "${FUZZ_KEEP:-}" ]; then mkdir -p "$FUZZ_KEEP/$t" && cp "$corpus"/* "$FUZZ_KEEP/$t"/ 2>/dev/null; fi
}

# Up to FUZZ_JOBS targets at once; results are printed in target order.
running=0
for t in "${built[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$FUZZ_JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

# One line saying what was found, and where the input was saved.
reason() { # reason LOG RC TARGET
  local why
  why=$(grep -m1 -E 'fuzz check failed|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|ERROR: libFuzzer' "$1" |
        sed -E 's/^==[0-9]+==//; s/^ +//')
  [ -n "$why" ] || why="exit code $2"
  local unit
  unit=$(grep -m1 -oE 'Test unit written to [^ ]+' "$1" | sed 's/Test unit written to //')
  [ -n "$unit" ] && why="$why; input saved as $unit"
  local known
  for known in fuzz/crashes/"$3"/*; do
    [ -f "$known" ] && [ -n "$unit" ] && cmp -s "$known" "$unit" && why="$why (the known reproducer $known)"
  done
  echo "$why"
}

for t in "${built[@]}"; do
  rc=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
  log=$B/log/$t.log
  runs=$(grep -oE '^Done [0-9]+ runs' "$log" | grep -oE '[0-9]+')
  if [ "$rc" = 0 ] && [ -n "$runs" ]; then
    pass "fuzz/$t ($runs runs)"
  else
    fail "fuzz/$t: $(reason "$log" "$rc" "$t") (log: $log)"
  fi
done
finish
