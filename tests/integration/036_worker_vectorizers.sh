# How the worker treats each vectorizer: a disabled one is left alone, a
# broken one does not stop the others, one needing a feature this build lacks
# keeps its items queued with one clear error row, keys can come from
# ai.reveal_secret, and a failed Ollama pull is a clear error.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create table t (id int primary key, body text, doc text);
insert into t select g, 'row ' || g, '/tmp/nonexistent-' || g from generate_series(1, 4) g;
select ai.create_vectorizer('t'::regclass, name => 'good', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
  destination => ai.destination_table('t_good'));
select ai.create_vectorizer('t'::regclass, name => 'nokey', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8, api_key_name => 'NO_SUCH_KEY'),
  chunking => ai.chunking_none(), destination => ai.destination_table('t_nokey'));
select ai.create_vectorizer('t'::regclass, name => 'uri', loading => ai.loading_uri('doc'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), destination => ai.destination_table('t_uri'));
select ai.create_vectorizer('t'::regclass, name => 'off', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none(),
  destination => ai.destination_table('t_off'));
select ai.disable_vectorizer_schedule('off');
SQL

run_worker --once --exit-on-error=false
check_eq "exit 0 with --exit-on-error=false" "$rc" 0
check_eq "the good one ran despite the broken one" "$(sql "select count(*) from t_good_store")" 4
check_contains "the missing key is reported" "$out" "ApiKeyNotFoundError: api_key_name=NO_SUCH_KEY vectorizer_id=2"
check_eq "disabled: nothing processed" "$(sql "select count(*) from t_off_store")" 0
check_eq "disabled: items still pending" "$(sql "select pending_items from ai.vectorizer_status where name = 'off'")" 4
check_eq "unsupported: items stay queued" "$(sql "select ai.vectorizer_queue_pending('uri', true)")" 4
check_eq "unsupported: one error row naming the feature" \
  "$(sql "select count(*) from ai.vectorizer_errors where name = 'uri' and details->>'error_reason' like '%URI loading%'")" 1
run_worker --once --exit-on-error=false
check_eq "unsupported: reported once per worker process (a new process adds one row)" \
  "$(sql "select count(*) from ai.vectorizer_errors where name = 'uri'")" 2

# the key from ai.reveal_secret when the environment has none (a stand-in for the ai extension's function)
psql_q >/dev/null <<'SQL'
create function ai.reveal_secret(secret_name text) returns text language sql
  as $$ select case when secret_name = 'NO_SUCH_KEY' then 'sk-from-the-database' end $$;
SQL
run_worker --once -i 2
check_eq "reveal_secret: exit 0" "$rc" 0
check_eq "reveal_secret: embedded" "$(sql "select count(*) from t_nokey_store")" 4
check_eq "reveal_secret: the key reached the provider" "$(provider_stats openai.last_headers.Authorization)" "Bearer sk-...se"

# a failed Ollama pull is a clear error and leaves the items queued
psql_q -c "select ai.create_vectorizer('t'::regclass, name => 'pullfail', loading => ai.loading_column('body'),
  embedding => ai.embedding_ollama('missing-model', 8), chunking => ai.chunking_none(),
  destination => ai.destination_table('t_pull'))" >/dev/null
provider_control '{"pull_fails": true}' >/dev/null
run_worker --once -i 5
check_eq "failed pull: exit 1" "$rc" 1
check_contains "failed pull: says so" "$out" "pulling the ollama model 'missing-model' failed"
check_eq "failed pull: items stay queued" "$(sql "select ai.vectorizer_queue_pending('pullfail', true)")" 4
