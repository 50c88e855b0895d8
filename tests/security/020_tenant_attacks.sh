# A tenant with only pgai's documented grant (ai.grant_vectorizer_usage) tries
# to turn a superuser worker against its operator. Each attack worked before
# the worker checked whose tables and code a vectorizer uses
# (src/catalog/trust.c, docs/security.md); each must fail now, with an error
# row that says why, and the tenant's ordinary vectorizer must still work.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

psql_q >/dev/null <<'SQL'
create role tenant login;
select ai.grant_vectorizer_usage('tenant');
grant create on schema public to tenant;
create schema secret;
create table secret.payroll (id int primary key, body text);
insert into secret.payroll values (1, 'the payroll secret');
SQL
T=$(db_url "$(sql "select current_database()")" tenant)
tsql() { DB=$T sql "$@"; }

tsql "create table docs (id int primary key, body text)" >/dev/null
tsql "insert into docs select g, 'doc ' || g from generate_series(1, 5) g" >/dev/null
tsql "select ai.create_vectorizer('docs'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  destination => ai.destination_table('docs_e'))" >/dev/null
run_worker --once
check_eq "the tenant's own vectorizer works" "$(sql "select count(*) from docs_e_store")" 5
check_eq "no error rows" \
  "$(sql "select count(*) from ai._vectorizer_errors")" 0

# 1. A trigger on the tenant's store table, which runs during the COPY.
tsql "create function public.grab() returns trigger language plpgsql as \$\$
begin reset role; alter role tenant superuser; return new; end \$\$" >/dev/null
tsql "create trigger grab before insert on docs_e_store for each row execute function public.grab()" >/dev/null
tsql "update docs set body = body || ' again'" >/dev/null
run_worker --once
check_eq "store trigger: the tenant did not become superuser" "$(sql "select rolsuper from pg_roles where rolname = 'tenant'")" f
check_contains "store trigger: the error row names the trigger" \
  "$(sql "select details->>'error_reason' from ai._vectorizer_errors order by recorded desc limit 1")" 'trigger grab on public.docs_e_store'
check_eq "store trigger: nothing was re-embedded" "$(sql "select count(*) from docs_e_store where chunk like '%again'")" 0
tsql "drop trigger grab on docs_e_store" >/dev/null
run_worker --once
check_eq "without the trigger the rows are embedded" "$(sql "select count(*) from docs_e_store where chunk like '%again'")" 5

# 2. A default on the store table calling the tenant's function.
tsql "create function public.grab2() returns text language plpgsql as \$\$
begin if session_user <> 'tenant' then reset role; alter role tenant superuser; end if; return 'x'; end \$\$" >/dev/null
tsql "alter table docs_e_store add column x text default public.grab2()" >/dev/null
tsql "update docs set body = body || ' thrice'" >/dev/null
run_worker --once
check_eq "store default: the tenant did not become superuser" "$(sql "select rolsuper from pg_roles where rolname = 'tenant'")" f
check_contains "store default: refused" \
  "$(sql "select details->>'error_reason' from ai._vectorizer_errors order by recorded desc limit 1")" 'grab2'
tsql "alter table docs_e_store drop column x" >/dev/null

# 3. Confused deputy: point the vectorizer at a table the tenant cannot read.
tsql "update ai.vectorizer set source_schema = 'secret', source_table = 'payroll'" >/dev/null
tsql "insert into ai._vectorizer_q_1 (id) values (1)" >/dev/null
before=$(provider_stats openai.requests)
run_worker --once
check_eq "confused deputy: no payroll text in the tenant's store" \
  "$(sql "select count(*) from docs_e_store where chunk like '%payroll%'")" 0
check_contains "confused deputy: refused" \
  "$(sql "select details->>'error_reason' from ai._vectorizer_errors order by recorded desc limit 1")" 'does not own its source table'
check_eq "confused deputy: no request reached the provider" "$(provider_stats openai.requests)" "$before"
sql "update ai.vectorizer set source_schema = 'public', source_table = 'docs'" >/dev/null

# 4. A planted ai.reveal_secret (no extension here: the name is free).
tsql "create function ai.reveal_secret(name text) returns text language plpgsql as \$\$
begin alter role tenant superuser; return 'sk-planted'; end \$\$" >/dev/null
sql "update ai.vectorizer set config = jsonb_set(config, '{embedding,api_key_name}', '\"TENANT_API_KEY\"')" >/dev/null
tsql "update docs set body = body || ' four'" >/dev/null
run_worker --once
check_eq "planted reveal_secret: the tenant did not become superuser" "$(sql "select rolsuper from pg_roles where rolname = 'tenant'")" f
check_contains "planted reveal_secret: not called" "$out" "ai.reveal_secret is not owned by a superuser"

# 5. Key exfiltration: the worker's own secrets are no API keys.
tsql "drop function ai.reveal_secret(text)" >/dev/null
sql "update ai.vectorizer set config = jsonb_set(config, '{embedding,api_key_name}', '\"AWS_SECRET_ACCESS_KEY\"')" >/dev/null
tsql "update docs set body = body || ' five'" >/dev/null
before=$(provider_stats openai.requests)
AWS_SECRET_ACCESS_KEY=aws-secret-7781 PGAI_VECTORIZER_WORKER_API_KEY_NAMES=AWS_SECRET_ACCESS_KEY run_worker --once
check_eq "AWS_SECRET_ACCESS_KEY was not sent: no request reached the provider" "$(provider_stats openai.requests)" "$before"
check_contains "the error says which names are allowed" "$out" "not a variable the worker may use as an API key"
