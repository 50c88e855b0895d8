#!/usr/bin/env bash
# The demo: from a fresh Debian 12 machine, set everything up, start a
# throwaway PostgreSQL + pgvector, install the pgai schema, load 100 short
# articles, create a vectorizer, run the worker until the queue is empty,
# then answer sample questions with a similarity search.
#
# Embeddings come from OpenAI when OPENAI_API_KEY is set, from Ollama when
# OLLAMA_HOST (or 127.0.0.1:11434) answers, and otherwise from the project's
# local test provider (deterministic bag-of-words vectors), as it says.
#
#   scripts/demo.sh          # run and clean up
#   scripts/demo.sh --keep   # leave the database running and print its URL
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0
[ "${1:-}" = "--keep" ] && keep=1

bash scripts/setup.sh
make -s -j"$(nproc)"
PGAI=$PWD/build/pgai

. tests/lib/pgcluster.sh
. tests/lib/provider.sh
cleanup() { provider_stop; [ $keep = 1 ] || pg_stop; }
trap cleanup EXIT
pg_start
echo "demo: PostgreSQL with pgvector at $DATABASE_URL"

ollama_answers() {
  python3 - "${OLLAMA_HOST:-http://127.0.0.1:11434}" <<'PY' 2>/dev/null
import sys, urllib.request
h = sys.argv[1]
if "://" not in h: h = "http://" + h
try:
    sys.exit(0 if b"Ollama" in urllib.request.urlopen(h, timeout=2).read() else 1)
except Exception:
    sys.exit(1)
PY
}

if [ -n "${OPENAI_API_KEY:-}" ]; then
  embedding="ai.embedding_openai('text-embedding-3-small', 768)"
  echo "demo: embedding with OpenAI (OPENAI_API_KEY is set)"
elif ollama_answers; then
  embedding="ai.embedding_ollama('nomic-embed-text', 768)"
  echo "demo: embedding with Ollama at ${OLLAMA_HOST:-http://127.0.0.1:11434}"
else
  provider_start
  embedding="ai.embedding_ollama('nomic-embed-text', 768)"
  echo "demo: no OPENAI_API_KEY and no Ollama answering: embedding with the local test provider"
  echo "      at $OLLAMA_HOST (it speaks Ollama's API; its vectors are a hashed bag of words)"
fi

"$PGAI" install -d "$DATABASE_URL"

psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c \
  "CREATE TABLE articles (id SERIAL PRIMARY KEY, title TEXT NOT NULL, author TEXT NOT NULL, topic TEXT NOT NULL, body TEXT NOT NULL)"
psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f demo/articles.sql
psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -At -c "
SELECT ai.create_vectorizer(
    'articles'::regclass,
    name        => 'articles',
    loading     => ai.loading_column('body'),
    embedding   => $embedding,
    chunking    => ai.chunking_recursive_character_text_splitter(1000, 100),
    formatting  => ai.formatting_python_template('\$title: \$chunk'),
    destination => ai.destination_table('articles_embedding')
)" >/dev/null
echo "demo: created the vectorizer 'articles'; $(psql -X -At -d "$DATABASE_URL" -c "select ai.vectorizer_queue_pending('articles', true)") rows queued"

echo "demo: running the worker until the queue is empty"
"$PGAI" vectorizer worker -d "$DATABASE_URL" --once
psql -X -d "$DATABASE_URL" -c "SELECT name, source_table, target_table, pending_items FROM ai.vectorizer_status"
echo "demo: $(psql -X -At -d "$DATABASE_URL" -c "select count(*) from articles_embedding_store") chunks embedded"

sed -n 's/^-- question: //p' demo/articles.sql | while IFS= read -r question; do
  echo
  echo "Q: $question"
  q=$("$PGAI" vectorizer embed -d "$DATABASE_URL" articles "$question")
  psql -X -q -d "$DATABASE_URL" -v q="$q" <<'SQL'
SELECT title, topic, round(min(embedding <=> :'q')::numeric, 3) AS distance
FROM articles_embedding
GROUP BY title, topic
ORDER BY distance
LIMIT 3;
SQL
done

if [ $keep = 1 ]; then
  echo "demo: the database keeps running at $DATABASE_URL (data in $PGTMP)"
  echo "demo: stop it with: . tests/lib/pgcluster.sh; PGTMP=$PGTMP pg_stop"
fi
