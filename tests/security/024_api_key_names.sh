# api_key_name could name any variable of the worker's environment: before,
# AWS_SECRET_ACCESS_KEY (or the database URL with its password) went to the
# tenant's base_url as the bearer token. Now only API key variables are read
# (catalog_api_key_name_allowed, docs/security.md), whatever the operator lists.
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/tenant.sh
tenant_setup
# 5. Key exfiltration: the worker's own secrets are no API keys.
sql "update ai.vectorizer set config = jsonb_set(config, '{embedding,api_key_name}', '\"AWS_SECRET_ACCESS_KEY\"')" >/dev/null
tsql "update docs set body = body || ' five'" >/dev/null
before=$(provider_stats openai.requests)
AWS_SECRET_ACCESS_KEY=aws-secret-7781 PGAI_VECTORIZER_API_KEY_NAMES=AWS_SECRET_ACCESS_KEY run_worker --once
check_eq "AWS_SECRET_ACCESS_KEY was not sent: no request reached the provider" "$(provider_stats openai.requests)" "$before"
check_contains "the error says which names are allowed" "$out" "not a variable the worker may use as an API key"
