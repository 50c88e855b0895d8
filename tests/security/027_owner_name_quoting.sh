# The owner's role name reaches SET LOCAL ROLE and set_config('role', ...):
# a name that needs quoting (capitals, a space, a quote) must be taken as it
# is, neither quoted twice (regrole's text form) nor unquoted.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup
DBN=$(sql "select current_database()")
OWNER="Ten Ant's $DBN"
q=$(sql "select quote_ident(\$n\$$OWNER\$n\$)")
psql_q >/dev/null <<SQL
set client_min_messages = warning;
drop role if exists $q;
create role $q login;
select ai.grant_vectorizer_usage(\$n\$$OWNER\$n\$);
grant create on schema public to $q;
SQL
enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$OWNER")
O_URL="postgres://$enc@127.0.0.1:$PGPORT/$DBN"
DB=$O_URL sql "create table docs (id int primary key, body text)" >/dev/null
DB=$O_URL sql "insert into docs select g, 'doc ' || g from generate_series(1, 3) g" >/dev/null
DB=$O_URL sql "select ai.create_vectorizer('docs'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
  destination => ai.destination_table('docs_e'))" >/dev/null
check_eq "the owner needs quoting" "$(sql "select quote_ident(\$n\$$OWNER\$n\$) <> \$n\$$OWNER\$n\$")" t
run_worker --once
check_eq "exit 0" "$rc" 0
check_eq "every row embedded, acting as the owner" "$(sql "select count(*) from docs_e_store")" 3
check_eq "no error rows" "$(sql "select count(*) from ai._vectorizer_errors")" 0
