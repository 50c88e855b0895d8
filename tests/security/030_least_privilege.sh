# The least-privilege recipe of docs/running.md, end to end: a worker role
# with only what ai.grant_vectorizer_worker grants (no UPDATE on the source,
# no membership in the owner's role, not a superuser) embeds a vectorizer of
# another role. Before: the claim locked source rows FOR KEY SHARE, which needs
# UPDATE ("permission denied for table docs"), and nothing granted the worker
# tracking tables. A row deleted while its batch is in flight leaves no chunks
# even without the row lock (store_delete_gone).
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

DBN=$(sql "select current_database()")
APP=app_$DBN WK=wk_$DBN
psql_q >/dev/null <<SQL
set client_min_messages = warning;
drop role if exists $WK;
drop role if exists $APP;
create role $APP login;
create role $WK login;
select ai.grant_vectorizer_usage('$APP');
grant create on schema public to $APP;
SQL
APP_URL=$(db_url "$DBN" "$APP") WK_URL=$(db_url "$DBN" "$WK")
DB=$APP_URL sql "create table docs (id int primary key, body text)" >/dev/null
DB=$APP_URL sql "insert into docs select g, 'doc ' || g from generate_series(1, 20) g" >/dev/null
DB=$APP_URL sql "select ai.create_vectorizer('docs'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  destination => ai.destination_table('docs_e'))" >/dev/null
sql "select ai.grant_vectorizer_worker('$WK')" >/dev/null
check_eq "the worker role may not update the source" "$(sql "select has_table_privilege('$WK', 'docs', 'UPDATE')")" f
check_eq "the worker role is no superuser nor a member of the owner" \
  "$(sql "select rolsuper or pg_has_role('$WK', '$APP', 'MEMBER') from pg_roles where rolname = '$WK'")" f

DB=$WK_URL run_worker --once
echo "$out" | tail -n 3
check_eq "exit 0" "$rc" 0
check_eq "every row embedded" "$(sql "select count(*) from docs_e_store")" 20
check_eq "no error rows" "$(sql "select count(*) from ai._vectorizer_errors")" 0
check_eq "the worker registered itself" "$(sql "select count(*) from ai.vectorizer_worker_process")" 1
check_eq "and recorded its progress" "$(sql "select success_count from ai.vectorizer_worker_progress where vectorizer_id = 1")" 20

# a row deleted while its batch waits for the provider
DB=$APP_URL sql "update docs set body = body || ' v2'" >/dev/null
provider_control '{"latency_ms": 1500}' >/dev/null
set +e
DB=$WK_URL timeout 120 "$PGAI" vectorizer worker -d "$WK_URL" --once >"$PROVIDER_TMP/w.log" 2>&1 &
wpid=$!
set -e
check "the batch reaches the provider call" wait_for \
  "select count(*) from pg_stat_activity where usename = '$WK' and state = 'idle in transaction'" 1
DB=$APP_URL sql "delete from docs where id in (3, 4)" >/dev/null
set +e; wait "$wpid"; rc=$?; set -e
provider_reset
check_eq "in flight: exit 0" "$rc" 0
check_eq "in flight: no chunks of the deleted rows" "$(sql "select count(*) from docs_e_store where id in (3, 4)")" 0
check_eq "in flight: the others re-embedded" "$(sql "select count(*) from docs_e_store where chunk like '%v2'")" 18
