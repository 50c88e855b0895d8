# PGAI_VECTORIZER_HTTP_TIMEOUT: a provider that does not answer is given up
# after the timeout (each attempt, retries included), the rows stay queued;
# an invalid value is a usage error naming the variable.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table notes (id int primary key, body text);
insert into notes select g, 'note number ' || g from generate_series(1, 3) g;
select ai.create_vectorizer('notes'::regclass, name => 'notes_openai', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL
queued() { sql "select count(*) from ai._vectorizer_q_1"; }

# invalid values: refused at start-up with status 2, before any request
provider_reset >/dev/null
for bad in soon 0 -5s; do
  PGAI_VECTORIZER_HTTP_TIMEOUT=$bad run_worker --once
  check_eq "timeout '$bad': usage error (exit 2)" "$rc" 2
  check_contains "timeout '$bad': the variable is named" "$out" "Invalid value for PGAI_VECTORIZER_HTTP_TIMEOUT:"
done
set +e; wout=$(PGAI_VECTORIZER_HTTP_TIMEOUT=soon timeout 60 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once 2>&1); set -e
check_contains "a word is not a duration" "$wout" "'soon' is not a valid duration string or integer"
check_eq "invalid values: no request sent" "$(provider_stats openai.requests)" 0
check_eq "invalid values: rows still queued" "$(queued)" 3
# the embedder reads it too, so `pgai vectorizer embed` refuses it as well
set +e
eout=$(PGAI_VECTORIZER_HTTP_TIMEOUT=soon timeout 60 "$PGAI" vectorizer embed -d "$TEST_DB_URL" notes_openai "hello" 2>&1)
erc=$?
set -e
check "vectorizer embed: fails" [ "$erc" -ne 0 ]
check_contains "vectorizer embed: the variable is named" "$eout" "Invalid value for PGAI_VECTORIZER_HTTP_TIMEOUT:"

# a provider that takes 30 s to answer, with a 1 s timeout: four attempts of
# 1 s with the 0.5/1/2 s back-off between them, far less than one answer
provider_reset '{"latency_ms": 30000}' >/dev/null
start=$(date +%s%N)
PGAI_VECTORIZER_HTTP_TIMEOUT=1s run_worker --once
took=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "slow provider: exit 1" "$rc" 1
check "slow provider: given up within 20 s (took $took ms)" [ "$took" -lt 20000 ]
check "slow provider: not before the attempts timed out (took $took ms)" [ "$took" -ge 4000 ]
check_contains "slow provider: the worker says it timed out" "$out" \
  "Timeout was reached (request timeout 1s, set by PGAI_VECTORIZER_HTTP_TIMEOUT)"
check_eq "slow provider: every attempt was sent" "$(provider_stats openai.requests)" 4
check_eq "slow provider: rows still queued" "$(queued)" 3
check_eq "slow provider: nothing stored" "$(sql "select count(*) from notes_embedding_store")" 0
check_contains "slow provider: error row" "$(sql "select details->>'error_reason' from ai.vectorizer_errors")" \
  "Timeout was reached"

# integer seconds: 2 s of latency is within a timeout of "5" (not 5 ms)
provider_reset '{"latency_ms": 2000}' >/dev/null
PGAI_VECTORIZER_HTTP_TIMEOUT=5 run_worker --once
check_eq "timeout 5 (seconds): exit 0" "$rc" 0
check_eq "timeout 5 (seconds): all embedded" "$(sql "select count(*) from notes_embedding_store")" 3
check_eq "timeout 5 (seconds): queue empty" "$(queued)" 0

# a request body over 1 MB goes out at once: no "Expect: 100-continue" round
# trip (libcurl's default above 1 MB, a whole second with servers that ignore it)
psql_q >/dev/null <<'SQL'
create table big (id int primary key, body text);
insert into big values (1, repeat('lorem ipsum dolor sit amet ', 50000)); -- 1.35 MB, one chunk
select ai.create_vectorizer('big'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 768), chunking => ai.chunking_none());
SQL
provider_reset >/dev/null
run_worker --once
check_eq "large request: exit 0" "$rc" 0
check_eq "large request: embedded" "$(sql "select count(*) from big_embedding_store")" 1
check "large request: the body was over 1 MB" test "$(provider_stats ollama.last_headers.Content-Length)" -gt 1048576
check_eq "large request: no Expect header" "$(provider_stats ollama.last_headers.Expect)" null
