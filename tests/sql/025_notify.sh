#!/usr/bin/env bash
# Wake-ups (our addition to pgai): a trigger that queues a key also sends
# NOTIFY pgai_vectorizer '<vectorizer id>'; DELETE, TRUNCATE, no-op updates
# and embedding-column writes send nothing. create_vectorizer notifies when
# enqueue_existing queued rows. Notifications fold per transaction and are
# only delivered on commit.
# Runs with TEST_DB_URL pointing at a fresh, empty database and $PGAI.
set -euo pipefail

"$PGAI" install -d "$TEST_DB_URL" >/dev/null

fail() { echo "FAIL: $*" >&2; exit 1; }
sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" "$@"; }

# listen_run SQL: runs SQL in a session that listens first; prints psql's output
listen_run() { printf 'LISTEN pgai_vectorizer;\n%s\n' "$1" | sql 2>&1; }

# expect_notes SQL PAYLOAD COUNT WHAT: exactly COUNT notifications, all with PAYLOAD
expect_notes() {
  local out n any
  out=$(listen_run "$1")
  n=$(grep -c "Asynchronous notification \"pgai_vectorizer\" with payload \"$2\"" <<<"$out" || true)
  any=$(grep -c 'Asynchronous notification' <<<"$out" || true)
  [ "$n" = "$3" ] && [ "$any" = "$3" ] || { echo "$out" >&2; fail "$4: want $3 notification(s) with payload \"$2\", got $n (of $any)"; }
  echo "ok: $4"
}
expect_none() {
  local out
  out=$(listen_run "$1")
  if grep -q 'Asynchronous notification' <<<"$out"; then echo "$out" >&2; fail "$2: unexpected notification"; fi
  echo "ok: $2"
}

sql <<'SQL'
CREATE TABLE blog (id SERIAL PRIMARY KEY, title TEXT, authors TEXT, contents TEXT, metadata JSONB);
SELECT ai.create_vectorizer('blog'::regclass, loading => ai.loading_column('contents'), embedding => ai.embedding_ollama('nomic-embed-text', 768), destination => ai.destination_table('blog_contents_embeddings'));
create table doc (id int primary key, body text);
select ai.create_vectorizer('doc'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 3), chunking => ai.chunking_none(),
  destination => ai.destination_column('emb'));
SQL

# the exact line the brief asks for
out=$(listen_run "INSERT INTO blog (title, contents) VALUES ('one', 'first');")
grep -q 'Asynchronous notification "pgai_vectorizer" with payload "1"' <<<"$out" || { echo "$out" >&2; fail "insert notifies"; }
echo "ok: insert notifies with payload 1"

expect_notes "INSERT INTO blog (title, contents) VALUES ('a', 'x'), ('b', 'y'), ('c', 'z');" 1 1 "multi-row insert: one folded notification"
expect_notes "begin; insert into blog (title) values ('d'); update blog set contents = 'changed' where title = 'a'; commit;" 1 1 \
  "one transaction: one notification"
expect_notes "update blog set contents = 'again' where title = 'a';" 1 1 "relevant update notifies"
expect_notes "update blog set id = 100 where title = 'b';" 1 1 "primary-key change notifies"
expect_none "update blog set contents = contents;" "no-op update does not notify"
expect_none "delete from blog where title = 'c';" "delete does not notify"
expect_none "truncate blog;" "truncate does not notify"
expect_none "begin; insert into blog (title) values ('rolled back'); rollback;" "nothing is delivered for a rolled-back insert"

expect_notes "insert into doc values (1, 'one');" 2 1 "column destination insert notifies with its own id"
expect_none "update doc set emb = '[1,2,3]' where id = 1;" "embedding column write does not notify"
expect_notes "update doc set body = 'uno' where id = 1;" 2 1 "column destination relevant update notifies"
expect_none "delete from doc where id = 1;" "column destination delete does not notify"

# create_vectorizer's backfill wakes the worker for the new id
sql -c "create table post (id int primary key, body text); insert into post values (1, 'a'), (2, 'b');
        create table empty_post (id int primary key, body text);"
expect_notes "select ai.create_vectorizer('post'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 3), destination => ai.destination_table('post_e'));" 3 1 \
  "enqueue_existing with rows notifies the new id"
expect_none "select ai.create_vectorizer('post'::regclass, loading => ai.loading_column('body'), enqueue_existing => false,
  embedding => ai.embedding_ollama('nomic-embed-text', 3), destination => ai.destination_table('post_f'));" \
  "enqueue_existing false does not notify"
expect_none "select ai.create_vectorizer('empty_post'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 3));" "an empty source does not notify"
# two vectorizers on one table (3 and 4): one notification each
out=$(listen_run "insert into post values (3, 'c');")
[ "$(grep -c 'Asynchronous notification' <<<"$out")" = 2 ] && grep -q 'payload "3"' <<<"$out" && grep -q 'payload "4"' <<<"$out" ||
  { echo "$out" >&2; fail "two vectorizers on one table notify once each"; }
echo "ok: two vectorizers on one table notify once each"

# the trigger bodies carry the literal id (built after the row was inserted)
n=$(sql -At -c "select count(*) from ai.vectorizer v join pg_proc p on p.proname = v.trigger_name
                 where p.prosrc like '%pg_notify(''pgai_vectorizer'', ''' || v.id || ''')%'")
[ "$n" = 5 ] || fail "every trigger body notifies with its id (got $n of 5)"
echo "ok: every trigger body has its id"
