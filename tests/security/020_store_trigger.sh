# A trigger the tenant puts on its own store table runs during the worker's
# COPY. Before: with the worker's rights (a superuser), so it made the tenant a
# superuser, even after SET ROLE (a trigger can RESET ROLE). Now the worker
# refuses to run a vectorizer owner's code with more than the owner's rights
# (src/catalog/trust.c): an error row names the trigger, nothing is written.
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/tenant.sh
tenant_setup
# 1. A trigger on the tenant's store table, which runs during the COPY.
tsql "create function public.grab() returns trigger language plpgsql as \$\$
begin reset role; alter role $TENANT superuser; return new; end \$\$" >/dev/null
tsql "create trigger grab before insert on docs_e_store for each row execute function public.grab()" >/dev/null
tsql "update docs set body = body || ' again'" >/dev/null
run_worker --once
check_eq "store trigger: the tenant did not become superuser" "$(tenant_is_superuser)" f
check_contains "store trigger: the error row names the trigger" \
  "$(last_error_reason)" 'trigger grab on public.docs_e_store'
check_eq "store trigger: nothing was re-embedded" "$(sql "select count(*) from docs_e_store where chunk like '%again'")" 0
tsql "drop trigger grab on docs_e_store" >/dev/null
run_worker --once
check_eq "without the trigger the rows are embedded" "$(sql "select count(*) from docs_e_store where chunk like '%again'")" 5

