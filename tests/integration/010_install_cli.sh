# `pgai install`: options, environment variables, idempotence, --strict,
# concurrency, and the clear one-line errors for each way it can fail,
# leaving nothing half-installed.
set -euo pipefail
. tests/lib/testlib.sh

out=$("$PGAI" --version)
check_contains "--version names our version" "$out" "0.12.1+c"
check_contains "--version names the compatible pgai" "$out" "compatible with pgai 0.12.1"

set +e; out=$("$PGAI" install --bogus 2>&1); rc=$?; set -e
check_eq "unknown option is a usage error" "$rc" 2
check_contains "usage error names the option" "$out" "No such option: --bogus"

out=$("$PGAI" install -d "$TEST_DB_URL")
check_contains "first install says installed" "$out" "installed"
check_eq "version row" "$(sql "select version from ai.pgai_lib_version where name = 'ai'")" "$("$PGAI" --version | awk '{print $3}')"
installed_at=$(sql "select installed_at from ai.pgai_lib_version")

out=$("$PGAI" install --db-url "$TEST_DB_URL")
check_contains "second install is a no-op" "$out" "already installed"
check_eq "installed_at kept" "$(sql "select installed_at from ai.pgai_lib_version")" "$installed_at"

set +e; out=$("$PGAI" install -d "$TEST_DB_URL" --strict 2>&1); rc=$?; set -e
check_eq "--strict on an installed version fails" "$rc" 1
check_contains "--strict says why" "$out" "already been installed"

set +e; out=$(PGAI_INSTALL_DB_URL="$TEST_DB_URL" PGAI_INSTALL_STRICT=yes "$PGAI" install 2>&1); rc=$?; set -e
check_eq "PGAI_INSTALL_DB_URL and PGAI_INSTALL_STRICT are honoured" "$rc" 1
out=$(PGAI_INSTALL_DB_URL="$TEST_DB_URL" PGAI_INSTALL_STRICT=false "$PGAI" install -d "$TEST_DB_URL" 2>&1)
check_contains "PGAI_INSTALL_STRICT=false" "$out" "already installed"
set +e; out=$(PGAI_INSTALL_STRICT=perhaps "$PGAI" install -d "$TEST_DB_URL" 2>&1); rc=$?; set -e
check_eq "bad boolean in the environment is a usage error" "$rc" 2
check_contains "bad boolean message" "$out" "'perhaps' is not a valid boolean"

# --- a refused connection: one line, no password ---------------------------
set +e; out=$("$PGAI" install -d "postgres://postgres:s3cr3tpw@127.0.0.1:1/nodb" 2>&1); rc=$?; set -e
check_eq "refused connection exits 1" "$rc" 1
check_eq "refused connection is one line" "$(printf '%s\n' "$out" | wc -l)" 1
check_contains "refused connection says so" "$out" "could not connect to the database"
check_not_contains "the password is not printed" "$out" "s3cr3tpw"

# --- concurrent installs on a fresh database are serialised --------------
createdb conc
pids=()
for i in 1 2 3 4; do "$PGAI" install -d "$(db_url conc)" >"$PGTMP/conc.$i" 2>&1 & pids+=($!); done
for p in "${pids[@]}"; do check "concurrent install $p exits 0" wait "$p"; done
check_eq "exactly one install did the work" "$(cat "$PGTMP"/conc.* | grep -v already | grep -c ' installed$')" 1
check_eq "migrations recorded once" "$(DB=$(db_url conc) sql "select count(*) from ai.pgai_lib_migration")" 19

# --- privileges ---------------------------------------------------------------
psql -X -q -d "$TEST_DB_URL" -c "drop role if exists i_plain; create role i_plain login"
createdb noext
set +e; out=$("$PGAI" install -d "$(db_url noext i_plain)" 2>&1); rc=$?; set -e
check_eq "no right to create pgvector: exit 1" "$rc" 1
check_contains "no right to create pgvector: clear message" "$out" 'permission denied to create the extension "vector"'
check_eq "nothing half-installed" "$(DB=$(db_url noext) sql "select count(*) from pg_namespace where nspname = 'ai'")" 0

DB=$(db_url noext) sql "create extension vector" >/dev/null
set +e; out=$("$PGAI" install -d "$(db_url noext i_plain)" 2>&1); rc=$?; set -e
check_eq "no CREATE on the database: exit 1" "$rc" 1
check_contains "no CREATE on the database: clear message" "$out" "insufficient privileges to install pgai"
check_eq "one line" "$(printf '%s\n' "$out" | wc -l)" 1
check_eq "still nothing half-installed" "$(DB=$(db_url noext) sql "select count(*) from pg_namespace where nspname = 'ai'")" 0

# Only the owner of the migration table may upgrade.
DB=$(db_url noext) sql "grant create on database noext to i_plain" >/dev/null
set +e; out=$("$PGAI" install -d "$(db_url noext)" && "$PGAI" install -d "$(db_url noext i_plain)" 2>&1); rc=$?; set -e
check_eq "a non-owner cannot upgrade" "$rc" 1
check_contains "non-owner message" "$out" "only the owner of the ai.pgai_lib_migration table can run database migrations"

# A database owner (not superuser) can install once pgvector exists, as in pgai's tests.
psql -X -q -d "$TEST_DB_URL" -c "drop role if exists i_owner; create role i_owner login"
createdb -O i_owner owned
DB=$(db_url owned) sql "create extension vector" >/dev/null
check "database owner installs" "$PGAI" install -d "$(db_url owned i_owner)"
check_eq "objects owned by the installer" "$(DB=$(db_url owned) sql "select relowner::regrole from pg_class where oid = 'ai.vectorizer'::regclass")" i_owner
for d in conc noext owned; do dropdb --force "$d"; done
psql -X -q -d "$TEST_DB_URL" -c "drop role i_plain; drop role i_owner"
