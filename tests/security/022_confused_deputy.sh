# Confused deputy: pgai's grant lets every user UPDATE any row of ai.vectorizer.
# Before: the tenant pointed its vectorizer at a table it cannot read and the
# worker copied it into the tenant's store and sent it to the tenant's
# provider; it rewrote another role's vectorizer (its base_url). Now the row
# guard (sql/idempotent/016-vectorizer-guard.sql) refuses both, and the worker
# refuses a vectorizer whose owner does not own its tables on its own (for a
# database whose ai schema pgai's installer wrote: simulated by disabling the guard).
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/tenant.sh
tenant_setup
psql_q >/dev/null <<'SQL'
create schema secret;
create table secret.payroll (id int primary key, body text);
insert into secret.payroll values (1, 'the payroll secret');
SQL
# 3. Confused deputy: point the vectorizer at a table the tenant cannot read,
# or rewrite another role's vectorizer. The row guard on ai.vectorizer refuses
# both; the worker refuses the first on its own too (a database whose ai schema
# pgai's installer wrote has no guard: simulated by disabling it).
set +e
msg=$(tsql "update ai.vectorizer set source_schema = 'secret', source_table = 'payroll'" 2>&1)
set -e
check_contains "row guard: a table the tenant does not own" "$msg" "only a superuser or the owner of source table secret.payroll"
OTHER=other_$(sql "select current_database()")
sql "set client_min_messages = warning; drop role if exists $OTHER; create role $OTHER login; grant usage, create on schema public to $OTHER; select ai.grant_vectorizer_usage('$OTHER')" >/dev/null
O=$(db_url "$(sql "select current_database()")" "$OTHER")
DB=$O sql "create table odocs (id int primary key, body text)" >/dev/null
oid=$(DB=$O sql "select ai.create_vectorizer('odocs'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  destination => ai.destination_table('odocs_e'))")
set +e
msg=$(tsql "update ai.vectorizer set config = jsonb_set(config, '{embedding,base_url}', '\"http://127.0.0.1:9/v1\"') where id = $oid" 2>&1)
msg2=$(tsql "delete from ai.vectorizer where id = $oid" 2>&1)
set -e
check_contains "row guard: another role's vectorizer cannot be rewritten" "$msg" "only the owner of vectorizer $oid"
check_contains "row guard: nor deleted" "$msg2" "only the owner of vectorizer $oid"
tsql "select ai.disable_vectorizer_schedule($oid)" >/dev/null
check_eq "row guard: disabling another's vectorizer still works (pgai's read-only consumers may)" \
  "$(sql "select disabled from ai.vectorizer where id = $oid")" t
tsql "select ai.enable_vectorizer_schedule($oid)" >/dev/null
sql "select ai.drop_vectorizer($oid, drop_all => true)" >/dev/null

sql "alter table ai.vectorizer disable trigger _vectorizer_guard" >/dev/null
tsql "update ai.vectorizer set source_schema = 'secret', source_table = 'payroll'" >/dev/null
sql "alter table ai.vectorizer enable trigger _vectorizer_guard" >/dev/null
tsql "insert into ai._vectorizer_q_1 (id) values (1)" >/dev/null
before=$(provider_stats openai.requests)
run_worker --once
check_eq "confused deputy: no payroll text in the tenant's store" \
  "$(sql "select count(*) from docs_e_store where chunk like '%payroll%'")" 0
check_contains "confused deputy: refused" \
  "$(last_error_reason)" 'does not own its source table'
check_eq "confused deputy: no request reached the provider" "$(provider_stats openai.requests)" "$before"
sql "update ai.vectorizer set source_schema = 'public', source_table = 'docs'" >/dev/null

