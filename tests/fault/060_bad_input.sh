# Bad input: a 100 MB text, invalid template placeholders, config JSON with
# missing or wrong-typed fields, a source column that is not text, and
# identifiers and values made to inject SQL. Each gets a clear error that
# names the problem; nothing is lost (the rows stay queued, uncharged, or only
# the bad row is failed with its reason); nothing is executed that should not
# be (a canary table survives every attempt); and the rest keeps working.
set -euo pipefail
. tests/lib/fault.sh
fault_setup

sql "create table canary (x int); insert into canary values (1)" >/dev/null
canary_alive() { check_eq "$1: the canary table is untouched" "$(sql "select count(*) from canary")" 1; }
last_error() { sql "select details->>'error_reason' from ai.vectorizer_errors order by recorded desc, id desc limit 1"; }
queued() { sql "select count(*) || ':' || coalesce(max(loading_retries), 0) from ai._vectorizer_q_$1"; }

# --- a 100 MB text ---------------------------------------------------------------------
FAULT_DIM=16 FAULT_BATCH=10 FAULT_RETRIES=0 make_source docs 20 # no retries: a bad row fails at once
V=$(vid docs)
# 8,100,000 pieces of 13 bytes: 105 MB (stored compressed; the claim reads only its length)
sql "insert into docs values (21, repeat('r0021v001p00|', 8100000) || 'r0021v001p00')" >/dev/null
check_eq "100 MB: the row is that big" "$(sql "select octet_length(body) > 100 * 1024 * 1024 from docs where id = 21")" t
start=$(ms_now)
run_worker --once
check_eq "100 MB: exit 0 (an item error, not a batch error)" "$rc" 0
check "100 MB: handled in seconds ($(($(ms_now) - start)) ms)" test $(($(ms_now) - start)) -lt 60000
check_end_state docs 21
check_eq "100 MB: failed at the loading step" "$(sql "select failure_step from ai._vectorizer_q_failed_$V")" loading
check_contains "100 MB: the reason names the size and the limit" "$(last_error)" \
  "more than the limit of 67108864 bytes (PGAI_VECTORIZER_MAX_DOCUMENT_BYTES)"
# with the size limit raised, the chunk limit stops it (8 million chunks)
sql "delete from ai._vectorizer_q_failed_$V; update docs set body = body || '|r0021v002p00' where id = 21" >/dev/null
start=$(ms_now)
PGAI_VECTORIZER_MAX_DOCUMENT_BYTES=200000000 run_worker --once
check_eq "100 MB, no size limit: exit 0" "$rc" 0
check "100 MB, no size limit: handled in seconds ($(($(ms_now) - start)) ms)" test $(($(ms_now) - start)) -lt 60000
check_eq "100 MB, no size limit: failed at the chunking step" "$(sql "select failure_step from ai._vectorizer_q_failed_$V")" chunking
echo "  ($(last_error))"; check_contains "100 MB, no size limit: the reason" "$(last_error)" "50000"
check_end_state docs 21
sql "delete from docs where id = 21; delete from ai._vectorizer_q_failed_$V" >/dev/null

echo "  [$(date +%T)] templates"
# --- invalid template placeholders ----------------------------------------------------------
# create_vectorizer only asks for $chunk; the rest fails when rendering, which
# is the vectorizer's fault, not the rows': a batch error, nothing charged
n=1
for template in '$chunk $no_such_column' '$chunk ${unclosed' '$chunk costs $5' '$chunk $' '$chunk ${}'; do
  n=$((n + 1))
  psql_q >/dev/null <<SQL
create table tpl$n (id int primary key, body text);
insert into tpl$n values (1, 'one'), (2, 'two');
select ai.create_vectorizer('tpl$n'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  formatting => ai.formatting_python_template(\$t\$$template\$t\$));
SQL
  tv=$(vid tpl$n)
  run_worker --once -i "$tv"
  check_eq "template [$template]: exit 1" "$rc" 1
  check_contains "template [$template]: a clear error" "$out" "formatting failed"
  check_eq "template [$template]: rows stay queued, uncharged" "$(queued "$tv")" "2:0"
done
check_contains "an unknown name is named" "$(sql "select string_agg(details->>'error_reason', ' / ') from ai.vectorizer_errors")" "no_such_column"
set +e
no_chunk=$(psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" -c "select ai.create_vectorizer('tpl2'::regclass,
  name => 'no_chunk', loading => ai.loading_column('body'), embedding => ai.embedding_openai('text-embedding-3-small', 16),
  chunking => ai.chunking_none(), formatting => ai.formatting_python_template('\${chunk} only'))" 2>&1)
set -e
check_contains "a template without \$chunk is refused by create_vectorizer" "$no_chunk" 'template must contain $chunk placeholder'
canary_alive "templates"

echo "  [$(date +%T)] configs"
# --- config JSON with missing or wrong-typed fields ------------------------------------------
# Edited behind the API's back: the worker checks every field it reads. The
# vectorizer fails with a message naming the field; its rows stay queued,
# uncharged; another vectorizer in the same pass still works.
FAULT_DIM=16 FAULT_BATCH=10 make_source other 10
OV=$(vid other)
sql "update ai.vectorizer set config = jsonb_set(config, '{processing,batch_size}', '10') where id = $V" >/dev/null
good=$(sql "select config::text from ai.vectorizer where id = $V")
bad_config() { # bad_config SQL-EXPR EXPECTED-TEXT
  psql_q >/dev/null <<SQL
update ai.vectorizer set config = \$c\$$good\$c\$::jsonb where id = $V;
update ai.vectorizer set config = $1 where id = $V;
update docs set body = body || '|r9999v999p99' where id in (select id from docs order by random() limit 5);
update other set body = body || '|r9999v999p99' where id in (select id from other order by random() limit 2);
SQL
  run_worker --once -i "$V" -i "$OV" --exit-on-error false
  check_contains "config $1: the error names it" "$out" "$2"
  check_eq "config $1: the other vectorizer ran; no row of this one charged" \
    "$(sql "select (select count(*) from ai._vectorizer_q_$OV) || ':' || (select coalesce(max(loading_retries), 0) from ai._vectorizer_q_$V)")" "0:0"
  check_consistent docs "config $1"
}
bad_config "config - 'embedding'" "embedding is required"
bad_config "config #- '{embedding,model}'" "embedding.model is required"
bad_config "jsonb_set(config, '{embedding,model}', '42')" "embedding.model must be a string"
bad_config "jsonb_set(config, '{embedding,dimensions}', '\"many\"')" "embedding.dimensions must be an integer"
bad_config "jsonb_set(config, '{embedding,dimensions}', '1536')" "expected 16 dimensions, not 1536" # the store's column is vector(16)
bad_config "jsonb_set(config, '{embedding,dimensions}', '-3')" "embedding.dimensions must be between"
bad_config "jsonb_set(config, '{processing,batch_size}', '\"ten\"')" "processing.batch_size must be an integer"
bad_config "jsonb_set(config, '{chunking,chunk_size}', '{}')" "chunking.chunk_size"
bad_config "jsonb_set(config, '{chunking,separator}', '[1, 2]')" "chunking.separator must be a string"
bad_config "jsonb_set(config, '{chunking,implementation}', '\"nope\"')" 'chunking.implementation "nope" is not supported'
bad_config "config #- '{loading,column_name}'" "loading.column_name is required"
bad_config "jsonb_set(config, '{loading,column_name}', '\"nope\"')" "the loading column nope does not exist"
bad_config "jsonb_set(config, '{loading,retries}', 'true')" "loading.retries must be an integer"
bad_config "jsonb_set(config, '{formatting,template}', 'null')" "formatting.template"
bad_config "'[]'::jsonb" "config must be a JSON object"
bad_config "config - 'version'" "config.version is required"
bad_config "jsonb_set(config, '{destination,target_table}', '\"x\\\"; drop table canary; --\"')" 'relation "public.x"; drop table canary; --" does not exist'
canary_alive "configs"
sql "update ai.vectorizer set config = \$c\$$good\$c\$::jsonb where id = $V" >/dev/null
run_worker --once -i "$V"
check_eq "config restored: exit 0" "$rc" 0
check_end_state docs

echo "  [$(date +%T)] non-text columns"
# --- a source column that is not text ---------------------------------------------------------
sql "create table nums (id int primary key, n int, body text)" >/dev/null
set +e
err=$(psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" -c "select ai.create_vectorizer('nums'::regclass,
  loading => ai.loading_column('n'), embedding => ai.embedding_openai('text-embedding-3-small', 16),
  chunking => ai.chunking_none())" 2>&1)
set -e
check_contains "an int loading column is refused with a clear error" "$err" \
  "column_name n in config is of invalid type int4. Supported types are: text, varchar, char, bpchar, bytea"
check_eq "and nothing is left behind" "$(sql "select count(*) from ai.vectorizer where source_table = 'nums'")" 0
# the loading column changes type afterwards (the view must go first): the
# worker embeds the value's text form (pgai in Python would embed what psycopg
# makes of it); nothing is lost, nothing fails
psql_q >/dev/null <<'SQL'
create table typed (id int primary key, body text);
insert into typed values (1, '{"a": 1}'), (2, '"a json string"'), (3, '[1, 2, 3]');
select ai.create_vectorizer('typed'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none());
drop view typed_embedding;
alter table typed alter column body type jsonb using body::jsonb;
SQL
TV=$(vid typed)
run_worker --once -i "$TV"
check_eq "a column turned jsonb: exit 0" "$rc" 0
check_eq "a column turned jsonb: each row embedded from its text form" \
  "$(sql "select count(*) from typed t join typed_embedding_store e using (id) where e.chunk = t.body::text")" 3
check_eq "a column turned jsonb: queue empty" "$(queued "$TV")" "0:0"
# the loading column is dropped: a clear error, rows stay queued; back: embedded
churn docs 5 0 0
sql "alter table docs rename column body to body_old" >/dev/null
run_worker --once -i "$V"
check_eq "the loading column is gone: exit 1" "$rc" 1
check_contains "the loading column is gone: a clear error" "$out" "the loading column body does not exist in public.docs"
check_eq "the loading column is gone: rows stay queued, uncharged" "$(queued "$V")" "5:0"
sql "alter table docs rename column body_old to body" >/dev/null
run_worker --once -i "$V"
check_eq "the loading column is back: exit 0" "$rc" 0
check_end_state docs

echo "  [$(date +%T)] hostile names"
# --- identifiers and values made to inject SQL -------------------------------------------------
# Hostile schema, table and column names, a hostile API key name,
# and text values that are SQL: embedded as text, never executed.
psql_q >/dev/null <<'SQL'
create schema "s""; drop table canary; --";
create table "s""; drop table canary; --"."t'); drop table canary; --"
  ("id""); drop table canary; --" int primary key, "body$chunk'; delete from canary; --" text);
insert into "s""; drop table canary; --"."t'); drop table canary; --" values
  (1, 'plain text'),
  (2, $$'); drop table canary; --$$),
  (3, $$"; delete from canary; select '$$),
  (4, '$chunk ${id} $$ %s %I \x00 \\'),
  (5, E'line one\nline two\ttab');
select ai.create_vectorizer('"s""; drop table canary; --"."t''); drop table canary; --"'::regclass,
  name => 'hostile',
  loading => ai.loading_column($$body$chunk'; delete from canary; --$$),
  embedding => ai.embedding_openai('text-embedding-3-small', 16, api_key_name => $$KEY'); drop table canary; --$$),
  chunking => ai.chunking_none(),
  formatting => ai.formatting_python_template('$chunk'));
SQL
HV=$(sql "select id from ai.vectorizer where name = 'hostile'")
set +e
err=$(psql -X -q -v ON_ERROR_STOP=1 -d "$TEST_DB_URL" -c "select ai.create_vectorizer('docs'::regclass,
  name => \$\$v'); drop table canary; --\$\$, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  destination => ai.destination_table('x'))" 2>&1)
set -e
check_contains "a hostile vectorizer name is refused" "$err" 'violates check constraint "vectorizer_name_check"'
run_worker --once -i "$HV"
check_eq "a hostile API key name that is not set: exit 1" "$rc" 1
check_contains "a hostile API key name: a clear error" "$out" "ApiKeyNotFoundError"
check_eq "a hostile API key name: rows stay queued" "$(queued "$HV")" "5:0"
set +e
# (a name without API_KEY in it is read only when the operator lists it: docs/security.md)
out=$(env "KEY'); drop table canary; --=$OPENAI_API_KEY" "PGAI_VECTORIZER_API_KEY_NAMES=KEY'); drop table canary; --" timeout 120 "$PGAI" vectorizer worker -d "$TEST_DB_URL" --once -i "$HV" 2>&1)
rc=$?
set -e
check_eq "hostile names: exit 0" "$rc" 0
check_eq "hostile names: queue empty" "$(queued "$HV")" "0:0"
check_eq "hostile names: every value embedded as its own text" \
  "$(sql "select count(*) from \"s\"\"; drop table canary; --\".\"t'); drop table canary; --\" s
          join \"s\"\"; drop table canary; --\".\"t'); drop table canary; --_embedding_store\" e
            on e.\"id\"\"); drop table canary; --\" = s.\"id\"\"); drop table canary; --\"
           and e.chunk = s.\"body\$chunk'; delete from canary; --\"")" 5
canary_alive "hostile names"
check_eq "no table but the expected ones" \
  "$(sql "select string_agg(c.relname, ',' order by c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema', 'ai', 'public')")" \
  "t'); drop table canary; --,t'); drop table canary; --_embedding_store"
