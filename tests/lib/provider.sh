# Local embedding-provider stand-in (tests/provider/server.py) for shell tests
# and the demo. Source this file, then
#   provider_start [server options...]   # start on a free loopback port; exports
#                                        # PROVIDER_PORT PROVIDER_URL PROVIDER_PID
#                                        # OPENAI_BASE_URL OLLAMA_HOST VOYAGE_BASE_URL
#   provider_control '{"fail_next": 2}'  # merge switches (prints the new state)
#   provider_reset ['{"latency_ms": 5}'] # switches back to the defaults, counters to 0
#   provider_stats [openai.requests]     # all statistics as JSON, or one value
#   provider_stop                        # stop it (safe to call twice)
# Callers install a trap (trap provider_stop EXIT) so the server always goes.
# Needs only python3 (no curl). The server's output and request log go to
# $PROVIDER_LOG (default: a file in the server's temporary directory).

_PROVIDER_SERVER="$(cd "$(dirname "${BASH_SOURCE[0]}")/../provider" && pwd)/server.py"

provider_start() {
  if [ -n "${PROVIDER_PID:-}" ] && kill -0 "$PROVIDER_PID" 2>/dev/null; then
    echo "provider_start: already running (pid $PROVIDER_PID)" >&2; return 1
  fi
  # The real interpreter, not a wrapper script (pyenv shims), so that
  # PROVIDER_PID is the server itself.
  local py
  py=$(python3 -c 'import sys; print(sys.executable)') || return 1
  PROVIDER_TMP=$(mktemp -d /tmp/pgai-provider.XXXXXX)
  PROVIDER_LOG=${PROVIDER_LOG:-$PROVIDER_TMP/provider.log}
  "$py" "$_PROVIDER_SERVER" --host 127.0.0.1 --port 0 \
      --port-file "$PROVIDER_TMP/port" --log "$PROVIDER_LOG" "$@" \
      >>"$PROVIDER_LOG" 2>&1 </dev/null &
  PROVIDER_PID=$!
  local i
  for i in $(seq 1 300); do            # up to 30 s on a busy machine
    [ -s "$PROVIDER_TMP/port" ] && break
    if ! kill -0 "$PROVIDER_PID" 2>/dev/null; then
      echo "provider_start: the server exited:" >&2; cat "$PROVIDER_LOG" >&2
      rm -rf "$PROVIDER_TMP"; unset PROVIDER_PID PROVIDER_TMP; return 1
    fi
    sleep 0.1
  done
  if [ ! -s "$PROVIDER_TMP/port" ]; then
    echo "provider_start: no port after 30 s" >&2; provider_stop; return 1
  fi
  PROVIDER_PORT=$(cat "$PROVIDER_TMP/port")
  PROVIDER_URL=http://127.0.0.1:$PROVIDER_PORT
  export PROVIDER_PID PROVIDER_TMP PROVIDER_LOG PROVIDER_PORT PROVIDER_URL
  export OPENAI_BASE_URL=$PROVIDER_URL/v1
  export OLLAMA_HOST=$PROVIDER_URL
  export VOYAGE_BASE_URL=$PROVIDER_URL/voyage/v1
}

provider_stop() {
  if [ -n "${PROVIDER_PID:-}" ]; then
    kill -TERM "$PROVIDER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      kill -0 "$PROVIDER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$PROVIDER_PID" 2>/dev/null || true
    wait "$PROVIDER_PID" 2>/dev/null || true
  fi
  [ -n "${PROVIDER_TMP:-}" ] && rm -rf "$PROVIDER_TMP"
  unset PROVIDER_PID PROVIDER_TMP PROVIDER_PORT PROVIDER_URL
  unset OPENAI_BASE_URL OLLAMA_HOST VOYAGE_BASE_URL
  return 0
}

# _provider_http METHOD PATH [BODY] : prints the response body; fails on HTTP >= 400
_provider_http() {
  python3 - "$PROVIDER_URL$2" "$1" "${3-}" <<'EOF'
import sys, urllib.request, urllib.error
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, body.encode() if method == "POST" else None,
                             {"Content-Type": "application/json"}, method=method)
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        sys.stdout.write(r.read().decode() + "\n")
except urllib.error.HTTPError as e:
    sys.stderr.write("%s %s: HTTP %d %s\n" % (method, url, e.code, e.read().decode()))
    sys.exit(1)
EOF
}

provider_control() { # provider_control JSON
  [ -n "${PROVIDER_URL:-}" ] || { echo "provider_control: not started" >&2; return 1; }
  local body=${1:-}
  [ -n "$body" ] || body='{}'
  _provider_http POST /_control "$body"
}

provider_reset() { # provider_reset [JSON]
  [ -n "${PROVIDER_URL:-}" ] || { echo "provider_reset: not started" >&2; return 1; }
  local body=${1:-}
  [ -n "$body" ] || body='{}'
  _provider_http POST /_reset "$body" >/dev/null
}

provider_stats() { # provider_stats [dotted.path]  e.g. openai.requests, ollama.status.404
  [ -n "${PROVIDER_URL:-}" ] || { echo "provider_stats: not started" >&2; return 1; }
  local json
  json=$(_provider_http GET /_stats) || return 1
  if [ $# -eq 0 ]; then printf '%s\n' "$json"; return 0; fi
  python3 -c '
import json, sys
v = json.loads(sys.stdin.read())
for part in sys.argv[1].split("."):
    if isinstance(v, list):
        v = v[int(part)]
    elif isinstance(v, dict):
        v = v.get(part, 0 if part.isdigit() else None)
    else:
        v = None
print(v if isinstance(v, str) else json.dumps(v))
' "$1" <<<"$json"
}
