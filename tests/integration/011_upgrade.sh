# Upgrade: a database set up by an older pgai (0.9 era: migrations up to
# 021 applied, one vectorizer in the old shape with chunking.chunk_column,
# target columns in ai.vectorizer, an old queue table and trigger) is
# brought to the current shape by `pgai install`, and its vectorizer works.
set -euo pipefail
. tests/lib/testlib.sh

old_version=0.9.0
{
  echo "create extension vector; create schema ai;"
  echo "create table ai.pgai_lib_migration (name text not null primary key, applied_at_version text not null,"
  echo "  applied_at timestamptz not null default clock_timestamp(), body text not null);"
  echo "create table ai.pgai_lib_version (name text not null primary key, version text not null,"
  echo "  installed_at timestamptz not null default clock_timestamp());"
  echo "insert into ai.pgai_lib_version values ('ai', '$old_version', '2024-01-01');"
  # Apply our own copies of the early migrations, recorded as pgai would have.
  for f in sql/incremental/0{01,03,05,06,12}-*.sql; do
    echo "do \$m\$ begin"; sed "s/__version__/$old_version/g" "$f"; echo "end \$m\$;"
    echo "insert into ai.pgai_lib_migration (name, applied_at_version, body) values ('$(basename "$f")', '$old_version', 'old');"
  done
} | psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" >/dev/null

psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" >/dev/null <<'SQL'
create table public.blog (id int primary key, title text, body text);
insert into public.blog values (1, 'one', 'first post'), (2, 'two', 'second post');
insert into ai.vectorizer (id, source_schema, source_table, source_pk, target_schema, target_table,
  view_schema, view_name, trigger_name, queue_schema, queue_table, config)
values (1, 'public', 'blog', '[{"attnum":1,"pknum":1,"attname":"id","typname":"int4"}]',
  'public', 'blog_embedding_store', 'public', 'blog_embedding', '_vectorizer_src_trg_1', 'ai', '_vectorizer_q_1',
  '{"version": "0.9.0",
    "embedding": {"implementation": "openai", "config_type": "embedding", "model": "text-embedding-3-small",
                  "dimensions": 3, "api_key_name": "OPENAI_API_KEY"},
    "chunking": {"implementation": "recursive_character_text_splitter", "config_type": "chunking",
                 "chunk_column": "body", "chunk_size": 800, "chunk_overlap": 400,
                 "separators": ["\n\n", "\n", ".", "?", "!", " ", ""], "is_separator_regex": false},
    "indexing": {"implementation": "none", "config_type": "indexing"},
    "formatting": {"implementation": "python_template", "config_type": "formatting", "template": "$chunk"},
    "scheduling": {"implementation": "none", "config_type": "scheduling"},
    "processing": {"implementation": "default", "config_type": "processing"}}');
select setval('ai.vectorizer_id_seq', 1);
create table ai._vectorizer_q_1 (id int not null, queued_at timestamptz not null default now());
create index on ai._vectorizer_q_1 (id);
insert into ai._vectorizer_q_1 (id) values (1), (2);
create table public.blog_embedding_store (embedding_uuid uuid not null primary key default gen_random_uuid(),
  id int not null, chunk_seq int not null, chunk text not null, embedding vector(3) not null, unique (id, chunk_seq));
insert into public.blog_embedding_store (id, chunk_seq, chunk, embedding) values (1, 0, 'first post', '[1,0,0]');
create view public.blog_embedding as select t.embedding_uuid, t.chunk_seq, t.chunk, t.embedding, t.id, s.title, s.body
  from public.blog_embedding_store t left join public.blog s on t.id = s.id;
-- the old single trigger (no TRUNCATE trigger yet)
create function ai._vectorizer_src_trg_1() returns trigger language plpgsql as
  $$ begin insert into ai._vectorizer_q_1 (id) values (new.id); return null; end $$;
create trigger _vectorizer_src_trg_1 after insert or update on public.blog
  for each row execute function ai._vectorizer_src_trg_1();
SQL

# Migrations 017-021 ran after that vectorizer existed (017 fixes its key type names).
for f in sql/incremental/0{17,18,19,20,21}-*.sql; do
  echo "do \$m\$ begin"; sed "s/__version__/$old_version/g" "$f"; echo "end \$m\$;"
  echo "insert into ai.pgai_lib_migration (name, applied_at_version, body) values ('$(basename "$f")', '$old_version', 'old');"
done | psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" >/dev/null

"$PGAI" install -d "$TEST_DB_URL" >/dev/null

check_eq "version upgraded" "$(sql "select version from ai.pgai_lib_version")" "$("$PGAI" --version | awk '{print $3}')"
check_eq "installed_at kept from the first install" "$(sql "select installed_at::date from ai.pgai_lib_version")" 2024-01-01
check_eq "old migrations untouched" "$(sql "select count(*) from ai.pgai_lib_migration where applied_at_version = '$old_version'")" 10
check_eq "new migrations recorded" "$(sql "select count(*) from ai.pgai_lib_migration where applied_at_version <> '$old_version'")" 9
check_eq "loading config built from chunk_column" \
  "$(sql "select config->'loading' = '{\"implementation\":\"column\",\"config_type\":\"loading\",\"column_name\":\"body\",\"retries\":6}' from ai.vectorizer")" t
check_eq "parsing added" "$(sql "select config->'parsing'->>'implementation' from ai.vectorizer")" auto
check_eq "chunk_column removed" "$(sql "select config->'chunking' ? 'chunk_column' from ai.vectorizer")" f
check_eq "config.version bumped" "$(sql "select config->>'version' from ai.vectorizer")" "$(sql "select version from ai.pgai_lib_version")"
check_eq "destination moved into config" \
  "$(sql "select config->'destination' = '{\"implementation\":\"table\",\"config_type\":\"destination\",\"target_schema\":\"public\",\"target_table\":\"blog_embedding_store\",\"view_schema\":\"public\",\"view_name\":\"blog_embedding\"}' from ai.vectorizer")" t
check_eq "name backfilled" "$(sql "select name from ai.vectorizer")" public_blog_embedding_store
check_eq "source_pk type names recomputed" "$(sql "select source_pk->0->>'typname' from ai.vectorizer")" integer
check_eq "queue gained the retry columns" \
  "$(sql "select string_agg(attname, ',' order by attnum) from pg_attribute where attrelid = 'ai._vectorizer_q_1'::regclass and attnum > 0")" \
  id,queued_at,loading_retries,loading_retry_after
check_eq "queued items kept" "$(sql "select count(*) from ai._vectorizer_q_1")" 2
check_eq "failed queue created" "$(sql "select queue_failed_table from ai.vectorizer")" _vectorizer_q_failed_1
check "failed queue table exists" test "$(sql "select to_regclass('ai._vectorizer_q_failed_1') is not null")" = t
check_eq "row and truncate triggers" \
  "$(sql "select string_agg(tgname, ',' order by tgname) from pg_trigger where tgrelid = 'public.blog'::regclass")" \
  _vectorizer_src_trg_1,_vectorizer_src_trg_1_truncate
check_eq "errors table renamed, view added" "$(sql "select to_regclass('ai._vectorizer_errors') is not null and to_regclass('ai.vectorizer_errors') is not null")" t

# The regenerated trigger body follows the current rules.
sql "update public.blog set title = 'one!' where id = 1" >/dev/null
check_eq "a relevant update is queued" "$(sql "select count(*) from ai._vectorizer_q_1 where id = 1")" 2
sql "update public.blog set title = title where id = 2" >/dev/null
check_eq "a no-op update is not queued" "$(sql "select count(*) from ai._vectorizer_q_1 where id = 2")" 1
sql "delete from public.blog where id = 1" >/dev/null
check_eq "delete removes the old embeddings" "$(sql "select count(*) from public.blog_embedding_store")" 0
sql "truncate public.blog" >/dev/null
check_eq "truncate empties the queue" "$(sql "select count(*) from ai._vectorizer_q_1")" 0

# Upgrading again is a no-op.
out=$("$PGAI" install -d "$TEST_DB_URL")
check_contains "second install is a no-op" "$out" "already installed"
