# The worker keeps each vectorizer's executors warm between wake-ups: across
# 20 NOTIFY wake-ups the test provider sees no new TCP connection after the
# first (HTTP keep-alive survives passes), Ollama's model check (/api/show)
# runs once, not once per pass, and the database connections serving the
# passes stay the same. Before the runtime record existed every pass rebuilt
# its executors: 20 wake-ups meant 20+ provider connections and 20 model checks.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup
. tests/lib/provider.sh

psql_q >/dev/null <<'SQL'
create table docs_o (id int primary key, body text);
create table docs_a (id int primary key, body text);
select ai.create_vectorizer('docs_o'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 768), chunking => ai.chunking_none());
select ai.create_vectorizer('docs_a'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL

"$PGAI" vectorizer worker -d "$TEST_DB_URL" --poll-interval 1h >"$PGTMP/warm.log" 2>&1 & wp=$!
trap 'kill $wp 2>/dev/null || true; provider_stop' EXIT
check "the first pass ran" wait_for "select count(*) from ai.vectorizer_worker_process" 1
psql_q -c "insert into docs_o values (0, 'zero'); insert into docs_a values (0, 'zero')" >/dev/null
check "wake-up 1: both embedded" wait_for \
  "select (select count(*) from docs_o_embedding_store) + (select count(*) from docs_a_embedding_store)" 2
# (each provider_stats call is a connection of its own, counted too)
read -r after_first shows_first < <(provider_stats | python3 -c \
  'import json, sys; s = json.load(sys.stdin); print(s["connections"], s["ollama"]["endpoints"].get("/api/show", 0))')
echo "  after the first wake-up: $after_first connections, $shows_first model checks"
check "the first wake-up connected to the provider" test "$after_first" -ge 1
for i in $(seq 1 20); do
  psql_q -c "insert into docs_o values ($i, 'o $i'); insert into docs_a values ($i, 'a $i')" >/dev/null
  want=$((2 * (i + 1)))
  check "wake-up $((i + 1)): both embedded" wait_for \
    "select (select count(*) from docs_o_embedding_store) + (select count(*) from docs_a_embedding_store)" "$want"
done
read -r after_all shows_all < <(provider_stats | python3 -c \
  'import json, sys; s = json.load(sys.stdin); print(s["connections"], s["ollama"]["endpoints"].get("/api/show", 0))')
check_eq "20 more wake-ups opened no new provider connection (the one more is this statistics call)" \
  "$after_all" "$((after_first + 1))"
check_eq "Ollama's model check ran once, not once per pass" "$shows_all" "$shows_first"
check "every wake-up was a pass of its own" \
  test "$(grep -c 'running vectorizer .*vectorizer_id=1' "$PGTMP/warm.log")" -ge 21
kill -TERM $wp; set +e; wait $wp; rc=$?; set -e
check_eq "SIGTERM: exit 0" "$rc" 0
check_not_contains "no batch failed" "$(cat "$PGTMP/warm.log")" "backing off"
