#!/usr/bin/env bash
# The documented valgrind run (docs/reliability.md): one worker pass with two
# executors over 200 rows, a poison row that is retried and then moved to the
# failed queue, chunking, formatting and the local provider, under memcheck
# with full leak checking. Exits non-zero on any memory error or leak.
#   tests/valgrind.sh
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -j"$(nproc)"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
. tests/lib/pgcluster.sh
. tests/lib/provider.sh
trap 'provider_stop; pg_stop' EXIT
pg_start >/dev/null
provider_start
build/pgai install -d "$DATABASE_URL" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" >/dev/null <<'SQL'
create table b (id int primary key, title text, body text);
insert into b select g, 'title ' || g, 'text ' || g || repeat(' more words', 50) from generate_series(1, 200) g;
update b set body = 'POISON' where id = 7;
select ai.create_vectorizer('b'::regclass, loading => ai.loading_column('body', retries => 1),
  embedding => ai.embedding_openai('text-embedding-3-small', 64),
  chunking => ai.chunking_recursive_character_text_splitter(100, 10),
  formatting => ai.formatting_python_template('$title: $chunk'));
SQL
provider_control '{"poison": "POISON"}' >/dev/null
log=$(mktemp)
set +e
OPENAI_API_KEY=sk-valgrind PGAI_VECTORIZER_RETRY_DELAY_SCALE=0 valgrind --leak-check=full \
  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
  build/pgai vectorizer worker -d "$DATABASE_URL" --once -c 2 >"$log" 2>&1
rc=$?
set -e
grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$log"
[ "$(psql -X -At -d "$DATABASE_URL" -c "select count(distinct id) from b_embedding_store")" = 199 ] || { echo "unexpected store contents"; rc=1; }
rm -f "$log"
[ $rc -eq 0 ] && echo "valgrind: clean" || echo "valgrind: FAILED (exit $rc)"
exit $rc
