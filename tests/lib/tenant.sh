# Helpers for tests/security (sourced after testlib.sh): a tenant that got only
# pgai's documented grant, against a worker that connects as a superuser.
#   tenant_setup   worker_setup; a login role $TENANT (unique to the test
#                  database; roles are cluster-wide) with ai.grant_vectorizer_usage
#                  and CREATE on schema public; its table docs (5 rows) and
#                  vectorizer 1 (store docs_e_store), embedded once
#   tsql SQL       runs SQL as the tenant
#   tenant_is_superuser, last_error_reason
tenant_setup() {
  worker_setup
  TENANT=tenant_$(sql "select current_database()")
  psql_q >/dev/null <<SQL
set client_min_messages = warning;
drop role if exists $TENANT;
create role $TENANT login;
select ai.grant_vectorizer_usage('$TENANT');
grant create on schema public to $TENANT;
SQL
  T_URL=$(db_url "$(sql "select current_database()")" "$TENANT")
  tsql "create table docs (id int primary key, body text)" >/dev/null
  tsql "insert into docs select g, 'doc ' || g from generate_series(1, 5) g" >/dev/null
  tsql "select ai.create_vectorizer('docs'::regclass, loading => ai.loading_column('body'),
    embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
    destination => ai.destination_table('docs_e'))" >/dev/null
  run_worker --once
  check_eq "setup: the tenant's own vectorizer works" "$(sql "select count(*) from docs_e_store")" 5
  check_eq "setup: no error rows" "$(sql "select count(*) from ai._vectorizer_errors")" 0
}
tsql() { DB=$T_URL sql "$@"; }
tenant_is_superuser() { sql "select rolsuper from pg_roles where rolname = '$TENANT'"; }
last_error_reason() { sql "select details->>'error_reason' from ai._vectorizer_errors order by recorded desc limit 1"; }
