#!/usr/bin/env bash
# The demo: from a fresh Debian 12 machine, set everything up, start a
# throwaway PostgreSQL + pgvector, install the pgai schema with `pgai install`,
# create a sample table and a vectorizer, and show what pgai created.
# (The worker that embeds the queued rows arrives with the next milestone.)
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
[ $keep = 1 ] || trap pg_stop EXIT
pg_start
echo "demo: PostgreSQL with pgvector at $DATABASE_URL"

"$PGAI" install -d "$DATABASE_URL"

psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" <<'SQL'
CREATE TABLE blog (id SERIAL PRIMARY KEY, title TEXT, authors TEXT, contents TEXT, metadata JSONB);
INSERT INTO blog (title, authors, contents) VALUES
  ('Tides', 'Ana', 'The moon pulls the oceans, and twice a day the sea rises and falls along the shore.'),
  ('Sourdough', 'Ben', 'A starter of flour and water, fed daily, leavens bread with wild yeast and bacteria.'),
  ('Compilers', 'Chen', 'A compiler reads source code, builds a syntax tree and emits machine instructions.');
SELECT ai.create_vectorizer(
    'blog'::regclass,
    loading => ai.loading_column('contents'),
    embedding => ai.embedding_ollama('nomic-embed-text', 768),
    destination => ai.destination_table('blog_contents_embeddings')
) AS vectorizer_id \gset
\echo
\echo 'The vectorizer pgai created (ai.vectorizer_status):'
SELECT * FROM ai.vectorizer_status;
\echo 'Queued rows waiting for the worker:'
SELECT ai.vectorizer_queue_pending(:vectorizer_id, exact_count => true) AS pending;
\echo 'Objects generated for it:'
SELECT 'queue' AS kind, format('%I.%I', queue_schema, queue_table) AS object FROM ai.vectorizer
UNION ALL SELECT 'failed queue', format('%I.%I', queue_schema, queue_failed_table) FROM ai.vectorizer
UNION ALL SELECT 'embedding store', format('%I.%I', config->'destination'->>'target_schema', config->'destination'->>'target_table') FROM ai.vectorizer
UNION ALL SELECT 'view', format('%I.%I', config->'destination'->>'view_schema', config->'destination'->>'view_name') FROM ai.vectorizer;
SQL

if [ $keep = 1 ]; then
  echo "demo: the database keeps running at $DATABASE_URL (data in $PGTMP)"
  echo "demo: stop it with: . tests/lib/pgcluster.sh; PGTMP=$PGTMP pg_stop"
fi
