#!/usr/bin/env bash
# ai.vectorizer_requeue_failed wakes the worker: NOTIFY pgai_vectorizer
# '<vectorizer id>' when at least one failed item moved back into the queue,
# delivered at commit, nothing when nothing moved or on rollback.
# Runs with TEST_DB_URL pointing at a fresh, empty database and $PGAI.
set -euo pipefail

"$PGAI" install -d "$TEST_DB_URL" >/dev/null

fail() { echo "FAIL: $*" >&2; exit 1; }
sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" "$@"; }

# notes SQL: the notifications a listening session receives while running SQL
notes() { printf 'LISTEN pgai_vectorizer;\n%s\n' "$1" | sql 2>&1 | grep 'Asynchronous notification' || true; }
expect() { # expect SQL WANT WHAT (WANT: the payloads, one per line, or empty)
  local got; got=$(notes "$1" | sed -n 's/.*with payload "\([^"]*\)".*/\1/p')
  [ "$got" = "$2" ] || fail "$3: want notifications [${2//$'\n'/,}], got [${got//$'\n'/,}]"
  echo "ok: $3"
}

sql <<'SQL'
create table doc (id int primary key, body text);
create table other (id int primary key, body text);
select ai.create_vectorizer('doc'::regclass, name => 'doc_vec', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
select ai.create_vectorizer('other'::regclass, name => 'other_vec', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL

fill="insert into ai._vectorizer_q_failed_2 (id, failure_step) values (1, 'embedding'), (2, 'loading');"

expect "select ai.vectorizer_requeue_failed(2);" "" "nothing to move: no notification"
sql -c "$fill"
expect "select ai.vectorizer_requeue_failed(2, 'parsing');" "" "no row of that step: no notification"
expect "select ai.vectorizer_requeue_failed(2);" "2" "rows moved: one notification with the vectorizer id"
sql -c "$fill"
expect "begin; select ai.vectorizer_requeue_failed(2); rollback;" "" "rolled back: nothing delivered"
expect "select ai.vectorizer_requeue_failed('other_vec', 'loading');" "2" "name and step form notifies"
expect "begin; select ai.vectorizer_requeue_failed(2); select ai.vectorizer_requeue_failed(1); commit;" "2" \
  "only the vectorizer whose items moved"
[ "$(sql -Atc 'select count(*) from ai._vectorizer_q_2')" = 4 ] || fail "queue of vectorizer 2 holds the four moved rows"
echo "ok: queue holds every moved row"
