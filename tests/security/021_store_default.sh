# A column default on the tenant's store table calls the tenant's function
# during the COPY: the same escalation as a trigger, refused the same way.
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/tenant.sh
tenant_setup
# 2. A default on the store table calling the tenant's function.
tsql "create function public.grab2() returns text language plpgsql as \$\$
begin if session_user <> '$TENANT' then reset role; alter role $TENANT superuser; end if; return 'x'; end \$\$" >/dev/null
tsql "alter table docs_e_store add column x text default public.grab2()" >/dev/null
tsql "update docs set body = body || ' thrice'" >/dev/null
run_worker --once
check_eq "store default: the tenant did not become superuser" "$(tenant_is_superuser)" f
check_contains "store default: refused" \
  "$(last_error_reason)" 'grab2'
tsql "alter table docs_e_store drop column x" >/dev/null

