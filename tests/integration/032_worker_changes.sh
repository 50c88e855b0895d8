# The worker follows the source table: inserts, updates, deletes and
# truncates; composite keys of unusual types; hostile identifiers; several
# vectorizers on one table.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table docs (id int primary key, body text);
insert into docs select g, 'document number ' || g from generate_series(1, 30) g;
select ai.create_vectorizer('docs'::regclass, name => 'docs_a', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  destination => ai.destination_table('docs_a'));
select ai.create_vectorizer('docs'::regclass, name => 'docs_b', loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('nomic-embed-text', 768), chunking => ai.chunking_none(),
  formatting => ai.formatting_python_template('#$id $chunk'),
  destination => ai.destination_table('docs_b'));
SQL
run_worker --once
check_eq "initial: exit 0" "$rc" 0
check_eq "initial: both stores full" "$(sql "select (select count(*) from docs_a_store) || ':' || (select count(*) from docs_b_store)")" "30:30"
check_eq "template with the id column" "$(sql "select chunk from docs_b_store where id = 7")" "#7 document number 7"

psql_q >/dev/null <<'SQL'
update docs set body = 'rewritten ' || id where id <= 5;
delete from docs where id between 6 and 10;
update docs set id = id + 100 where id = 11;
insert into docs values (31, 'a new one');
SQL
run_worker --once
check_eq "changes: exit 0" "$rc" 0
check_eq "updates re-embedded" "$(sql "select count(*) from docs_a_store where chunk like 'rewritten%'")" 5
check_eq "deletes removed chunks" "$(sql "select count(*) from docs_a_store where id between 6 and 10")" 0
check_eq "key change moved the chunk" "$(sql "select string_agg(id::text, ',') from docs_a_store where id in (11, 111)")" 111
check_eq "insert embedded" "$(sql "select chunk from docs_a_store where id = 31")" "a new one"
check_eq "store matches source exactly (a)" \
  "$(sql "select count(*) from docs d full join docs_a_store s using (id) where s.id is null or d.id is null or s.chunk <> d.body")" 0
check_eq "store matches source exactly (b)" \
  "$(sql "select count(*) from docs d full join docs_b_store s using (id) where s.id is null or d.id is null")" 0

psql_q -c "truncate docs" >/dev/null
check_eq "truncate empties the stores" "$(sql "select (select count(*) from docs_a_store) + (select count(*) from docs_b_store)")" 0
run_worker --once
check_eq "after truncate: exit 0" "$rc" 0

# --- composite key of unusual types, declared out of column order ------------------
psql_q >/dev/null <<'SQL'
create domain code as varchar(3);
create table tricky (a text[], b code, c timestamptz, d tstzrange, body text, primary key (c, a, d, b));
insert into tricky values
  ('{x,y}', 'aaa', '2025-01-01 00:00+00', '[2025-01-01,2025-02-01)', 'one'),
  ('{x}', 'bbb', '2025-01-02 10:00+02', '[2025-01-01,2025-03-01)', 'two'),
  ('{}', 'ccc', '2025-01-03 00:00+00', 'empty', 'three'),
  ('{"with space"}', 'ddd', '2025-01-04 00:00+00', '[2025-01-01,)', 'four'),
  ('{a,b,c}', 'eee', '2025-01-05 00:00+00', '(,2025-01-01]', 'five'),
  ('{NULL}', 'fff', '2025-01-06 00:00+00', '[2025-05-01,2025-06-01]', 'six'),
  ('{"quote\"d"}', 'ggg', '2025-01-07 00:00+00', '[2025-01-01,2025-01-02)', 'seven');
select ai.create_vectorizer('tricky'::regclass, name => 'tricky', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL
run_worker --once
check_eq "composite key: exit 0" "$rc" 0
check_eq "composite key: 7 rows embedded" "$(sql "select count(*) from tricky_embedding_store")" 7
check_eq "composite key: the view joins back" "$(sql "select count(*) from tricky_embedding where body is not null")" 7
psql_q -c "update tricky set body = 'TWO' where b = 'bbb'" >/dev/null
run_worker --once
check_eq "composite key: update re-embedded the right row" "$(sql "select chunk from tricky_embedding_store where b = 'bbb'")" TWO
check_eq "composite key: queue empty" "$(sql "select count(*) from ai._vectorizer_q_3")" 0

# --- hostile identifiers -------------------------------------------------------------
psql_q >/dev/null <<'SQL'
create schema "My ""Sch'ema";
create table "My ""Sch'ema"."Tab; le" ("Id Col" int primary key, "select" text, "Body ""Text""" text);
insert into "My ""Sch'ema"."Tab; le" values (1, 'kw', 'hostile one'), (2, 'kw', 'hostile two');
select ai.create_vectorizer('"My ""Sch''ema"."Tab; le"'::regclass, name => 'hostile',
  loading => ai.loading_column('Body "Text"'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
  formatting => ai.formatting_python_template('$chunk'),
  destination => ai.destination_table(target_schema => 'My "Sch''ema', target_table => 'Store"; drop table docs; --'));
SQL
run_worker --once
check_eq "hostile names: exit 0" "$rc" 0
check_eq "hostile names: embedded" "$(sql "select count(*) from \"My \"\"Sch'ema\".\"Store\"\"; drop table docs; --\"")" 2
check_eq "nothing injected" "$(sql "select to_regclass('public.docs') is not null")" t
