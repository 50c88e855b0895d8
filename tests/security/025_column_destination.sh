# The column destination UPDATEs the tenant's source table, so the tenant's
# triggers on it (its own updated_at trigger, the vectorizer's trigger, which
# the tenant owns and may replace at any moment) run in the worker's session.
# Before: with the worker's rights, so a trigger could RESET ROLE and make the
# tenant a superuser. Now a superuser worker runs those batches with
# session_replication_role = replica: ordinary triggers do not fire, and an
# ALWAYS or REPLICA trigger makes the batch refused (src/catalog/trust.c).
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/tenant.sh
tenant_setup
tsql "create table notes (id int primary key, body text)" >/dev/null
tsql "insert into notes select g, 'note ' || g from generate_series(1, 4) g" >/dev/null
tsql "select ai.create_vectorizer('notes'::regclass, name => 'notes_col', loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  destination => ai.destination_column('embedding'))" >/dev/null
tsql "create function public.grab() returns trigger language plpgsql as \$\$
begin if session_user <> '$TENANT' then reset role; alter role $TENANT superuser; end if; return new; end \$\$" >/dev/null
tsql "create trigger grab before update on notes for each row execute function public.grab()" >/dev/null
run_worker --once
check_eq "ordinary trigger: the tenant did not become superuser" "$(tenant_is_superuser)" f

check_eq "ordinary trigger: the embeddings were written" "$(sql "select count(*) from notes where embedding is not null")" 4

tsql "alter table notes enable always trigger grab" >/dev/null
tsql "update notes set body = body || ' again'" >/dev/null
run_worker --once
check_eq "ALWAYS trigger: the tenant did not become superuser" "$(tenant_is_superuser)" f
check_contains "ALWAYS trigger: refused, naming it" "$(last_error_reason)" "trigger grab on public.notes"
