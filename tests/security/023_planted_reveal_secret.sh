# pgai's grant gives CREATE on schema ai: where the extension is absent a
# tenant can plant its own ai.reveal_secret. Before: the worker called it, as a
# superuser. Now it calls only one owned by a superuser or ai's owner.
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/tenant.sh
tenant_setup
# 4. A planted ai.reveal_secret (no extension here: the name is free).
tsql "create function ai.reveal_secret(name text) returns text language plpgsql as \$\$
begin alter role $TENANT superuser; return 'sk-planted'; end \$\$" >/dev/null
sql "update ai.vectorizer set config = jsonb_set(config, '{embedding,api_key_name}', '\"TENANT_API_KEY\"')" >/dev/null
tsql "update docs set body = body || ' four'" >/dev/null
run_worker --once
check_eq "planted reveal_secret: the tenant did not become superuser" "$(tenant_is_superuser)" f
check_contains "planted reveal_secret: not called" "$out" "ai.reveal_secret is not owned by a superuser"

