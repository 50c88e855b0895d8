# When the worker acts as the vectorizer's owner (SET LOCAL ROLE), a failed
# item is requeued with the owner's rights and its error row is written with
# the worker's own (pgai's grant lets the owner only read ai._vectorizer_errors):
# both in the batch's transaction, which then commits the other rows.
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/tenant.sh
tenant_setup
tsql "update docs set body = repeat('x', 100) where id = 1" >/dev/null
tsql "update docs set body = body || ' v2' where id > 1" >/dev/null
PGAI_VECTORIZER_MAX_DOCUMENT_BYTES=50 run_worker --once
check_eq "the other rows are embedded" "$(sql "select count(*) from docs_e_store where chunk like '%v2'")" 4
check_eq "the big one is queued again, charged one attempt" "$(sql "select loading_retries from ai._vectorizer_q_1")" 1
check_eq "its error row was written" "$(sql "select details->>'step' from ai._vectorizer_errors where message = 'loading failed'")" loading
check_eq "the tenant is still not allowed to write error rows" \
  "$(sql "select has_table_privilege('$TENANT', 'ai._vectorizer_errors', 'INSERT')")" f
