# A database owner sets standard_conforming_strings = off and names primary-key
# columns with backslashes and quotes. The claim writes key column names into
# SQL as string literals (pgai's advisory-lock key); with plain '...' quoting a
# name ending in a backslash broke every claim, and a crafted name ended the
# literal early and ran its own SQL as the worker. Literals are now written in
# a form whose meaning does not depend on the setting (E'...' with backslashes
# doubled), and the worker pins the setting on for its sessions.
set -euo pipefail
. tests/lib/testlib.sh
worker_setup

db=$(sql "select current_database()")
sql "alter database \"$db\" set standard_conforming_strings = off" >/dev/null
psql_q >/dev/null <<'SQL'
create table evil_log (what text);
create function public.evil() returns text language plpgsql as $$
begin insert into public.evil_log values (current_user); return 'x'; end $$;
-- a name that merely ends in a backslash
create table t1 ("k\" int primary key, body text);
insert into t1 select g, 'one ' || g from generate_series(1, 5) g;
-- a name that, quoted the old way, ends the literal and calls public.evil()
create table t2 ("x\'), public.evil()) --" int primary key, body text);
insert into t2 select g, 'two ' || g from generate_series(1, 5) g;
SQL
for t in t1 t2; do
  sql "select ai.create_vectorizer('$t'::regclass, loading => ai.loading_column('body'),
    embedding => ai.embedding_openai('text-embedding-3-small', 16), chunking => ai.chunking_none(),
    destination => ai.destination_table('${t}_e'))" >/dev/null
done
run_worker --once
echo "$out" | tail -n 5
check_eq "the worker exits 0" "$rc" 0
check_eq "a name ending in a backslash: every row embedded" "$(sql "select count(*) from t1_e_store")" 5
check_eq "a crafted name: every row embedded" "$(sql "select count(*) from t2_e_store")" 5
check_eq "nothing ran the planted function" "$(sql "select count(*) from evil_log")" 0
check_eq "no error rows" "$(sql "select count(*) from ai._vectorizer_errors")" 0

