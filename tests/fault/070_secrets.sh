# API keys and database passwords never appear in any log line or error row:
# keys from the environment and from ai.reveal_secret, a provider that echoes
# the key it rejects (as OpenAI does for short keys), retries, debug logging in
# text and JSON; database passwords in a URL and in a keyword connection
# string, right and wrong. Every log line of every run and every row of every
# table in the database are searched for each secret.
# (A password in a malformed URL: 093_BUG_password_in_url_error.sh.)
set -euo pipefail
. tests/lib/fault.sh
fault_setup

KEY_SHORT=sk-Zq81wX9pL                       # 12 characters: the provider's 401 body echoes it whole
KEY_LONG=sk-proj-LongSecret-0123456789abcdef # longer: echoed masked (first 8, last 4), as OpenAI does
KEY_DB=sk-DbSecr3t9                          # returned by ai.reveal_secret
ROLE=pgai_fault_pw_$$
PW=Pw-S3cret-7731
WRONG_PW=Wr0ng-Pw-4417
SECRETS=("$KEY_SHORT" "$KEY_LONG" "$KEY_DB" "$PW" "$WRONG_PW")
unset OPENAI_API_KEY

FAULT_DIM=16 FAULT_BATCH=10 make_source docs 20
V=$(vid docs)
n=0
worker() { # worker ARGS... : one --once run at DEBUG, its output kept in $out and in a log file
  n=$((n + 1))
  set +e
  out=$(timeout 120 "$PGAI" vectorizer worker --once --log-level DEBUG "$@" 2>&1)
  rc=$?
  set -e
  printf '%s\n' "$out" >"$FAULT_TMP/run$n.log"
}

# --- keys from the environment ------------------------------------------------------------
provider_reset "{\"require_api_key\": \"$KEY_LONG\"}"
OPENAI_API_KEY=$KEY_SHORT worker -d "$TEST_DB_URL"
check_eq "a rejected key: exit 1" "$rc" 1
check_contains "a rejected key: the provider's message is kept" "$out" "Incorrect API key provided: ***"
check_not_contains "a rejected key: not in the log" "$out" "$KEY_SHORT"
check_contains "a rejected key: an error row" "$(sql "select details->>'error_reason' from ai.vectorizer_errors")" "Error code: 401"
OPENAI_API_KEY=$KEY_SHORT worker -d "$TEST_DB_URL" --log-format json
check_eq "a rejected key, JSON log: exit 1" "$rc" 1
check_not_contains "a rejected key, JSON log: not in the log" "$out" "$KEY_SHORT"
OPENAI_API_KEY=${KEY_LONG}x worker -d "$TEST_DB_URL"
check_contains "a long rejected key: masked by the provider" "$out" "Incorrect API key provided: sk-proj-"
# the right key, through 429, 503 and a cut body, every retry logged at DEBUG
provider_reset "{\"require_api_key\": \"$KEY_LONG\", \"rate_limit_next\": 1, \"retry_after\": 0.1, \"fail_next\": 1, \"fail_status\": 503, \"truncated_next\": 1}"
OPENAI_API_KEY=$KEY_LONG worker -d "$TEST_DB_URL"
check_eq "the right key, with retries: exit 0" "$rc" 0
check_contains "the retries were logged" "$out" "retrying embedding request"
check_end_state docs

# --- a key from the database (ai.reveal_secret) ------------------------------------------------
psql_q >/dev/null <<SQL
create function ai.reveal_secret(secret_name text, use_cache boolean default true) returns text
  language sql as \$\$ select case when secret_name = 'FAULT_DB_KEY' then '$KEY_DB' end \$\$;
create table sec (id int primary key, body text);
insert into sec values (1, 'r0001v001p00');
select ai.create_vectorizer('sec'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 16, api_key_name => 'FAULT_DB_KEY'),
  chunking => ai.chunking_none());
SQL
SV=$(vid sec)
worker -d "$TEST_DB_URL" -i "$SV"
check_eq "a rejected key from the database: exit 1" "$rc" 1
check_contains "a rejected key from the database: the provider's message" "$out" "Incorrect API key provided: ***"
provider_reset "{\"require_api_key\": \"$KEY_DB\"}"
worker -d "$TEST_DB_URL" -i "$SV"
check_eq "the right key from the database: exit 0" "$rc" 0
check_eq "the right key from the database: embedded" "$(sql "select count(*) from sec_embedding_store")" 1

# --- database passwords -----------------------------------------------------------------------
# a role that must give its password (scram), for this test only
HBA=$PGTMP/data/pg_hba.conf
fault_on_exit() {
  sed -i "/ $ROLE /d" "$HBA" 2>/dev/null && sql "select pg_reload_conf()" >/dev/null 2>&1
  sql "drop role if exists $ROLE" >/dev/null 2>&1
}
sql "create role $ROLE login superuser password '$PW'" >/dev/null
sed -i "1i host all $ROLE 127.0.0.1/32 scram-sha-256" "$HBA"
sql "select pg_reload_conf()" >/dev/null
sleep 0.5
DBNAME=${TEST_DB_URL##*/}
provider_reset "{\"require_api_key\": \"$KEY_LONG\"}"
churn docs 5 0 0
OPENAI_API_KEY=$KEY_LONG worker -d "postgres://$ROLE:$PW@127.0.0.1:$PGPORT/$DBNAME" -i "$V"
check_eq "the right password in a URL: exit 0" "$rc" 0
check_contains "the right password in a URL: connected as the role" "$out" "user=$ROLE"
OPENAI_API_KEY=$KEY_LONG worker -d "postgres://$ROLE:$WRONG_PW@127.0.0.1:$PGPORT/$DBNAME" -i "$V"
check_eq "a wrong password in a URL: exit 1" "$rc" 1
check_contains "a wrong password in a URL: says so" "$out" "password authentication failed for user \"$ROLE\""
OPENAI_API_KEY=$KEY_LONG worker -d "host=127.0.0.1 port=$PGPORT dbname=$DBNAME user=$ROLE password=$WRONG_PW" -i "$V"
check_eq "a wrong password in a connection string: exit 1" "$rc" 1
OPENAI_API_KEY=$KEY_LONG worker -d "postgres://$ROLE:$PW@127.0.0.1:1/$DBNAME" -i "$V"
check_eq "a password in a URL of a server that is down: exit 1" "$rc" 1
check_contains "a server that is down: says so" "$out" "Connection refused"
# a failing provider while connected with a password: error rows are written
churn docs 5 0 0
provider_reset "{\"require_api_key\": \"$KEY_LONG\", \"fail_next\": 100}"
OPENAI_API_KEY=$KEY_LONG worker -d "postgres://$ROLE:$PW@127.0.0.1:$PGPORT/$DBNAME" -i "$V"
check_eq "provider down, connected with a password: exit 1" "$rc" 1

# --- nowhere ----------------------------------------------------------------------------------
check "error rows were written" test "$(sql "select count(*) from ai.vectorizer_errors")" -gt 3
for s in "${SECRETS[@]}"; do
  check_eq "[${s:0:4}...] in no log line of $n runs" "$(cat "$FAULT_TMP"/run*.log | grep -cF -- "$s" || true)" 0
  found=$(psql -X -q -t -A -d "$TEST_DB_URL" <<SQL
create function pg_temp.find(needle text) returns text language plpgsql as \$f\$
declare r record; n bigint; found text := '';
begin
  for r in select c.oid::regclass rel from pg_class c join pg_namespace s on s.oid = c.relnamespace
            where c.relkind = 'r' and s.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
              and s.nspname not like 'pg_temp%' loop
    execute format('select count(*) from %s t where t::text like %L', r.rel, '%' || needle || '%') into n;
    if n > 0 then found := found || r.rel::text || ' '; end if;
  end loop;
  return found;
end \$f\$;
select pg_temp.find('$s');
SQL
)
  check_eq "[${s:0:4}...] in no row of any table" "$found" ""
done
