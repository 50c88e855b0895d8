# `pgai install` against a server that has no pgvector at all: a one-line
# error naming the missing extension, exit 1, nothing installed.
#
# pgvector is installed on this machine, so we make a server without it:
# PostgreSQL finds its share directory relative to its own executable, so a
# copy of the postgres binary in a private tree whose share/extension holds
# every control file except vector's is a real server that lacks pgvector.
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/pgcluster.sh

tree=$(mktemp -d /tmp/pgai-novec.XXXXXX)
data=$(mktemp -d /tmp/pgai-novec-data.XXXXXX)
port=$((PGPORT + 500))
while ss -Hltn "sport = :$port" | grep . >/dev/null; do port=$((port + 1)); done
cleanup() {
  _pg_as "$PGBIN/pg_ctl" -D "$data/d" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$tree" "$data"
}
trap cleanup EXIT

bindir=$("$PGBIN/pg_config" --bindir)
sharedir=$("$PGBIN/pg_config" --sharedir)
pkglibdir=$("$PGBIN/pg_config" --pkglibdir)
mkdir -p "$tree$bindir" "$tree$sharedir/extension" "$(dirname "$tree$pkglibdir")"
cp "$bindir/postgres" "$tree$bindir/postgres"
ln -s "$pkglibdir" "$tree$pkglibdir"
for f in "$sharedir"/*; do [ "$(basename "$f")" = extension ] || ln -s "$f" "$tree$sharedir/"; done
for f in "$sharedir"/extension/*; do
  case $(basename "$f") in vector.control|vector--*) ;; *) ln -s "$f" "$tree$sharedir/extension/" ;; esac
done
chmod -R a+rX "$tree" "$data"
[ "$(id -u)" = 0 ] && chown postgres "$data"
_pg_as "$PGBIN/initdb" -D "$data/d" -U postgres --auth=trust --no-sync >/dev/null
_pg_as "$PGBIN/pg_ctl" -D "$data/d" -p "$tree$bindir/postgres" -l "$data/log" -w \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1" start >/dev/null

url="postgres://postgres@127.0.0.1:$port/postgres"
check_eq "the server has no pgvector" "$(DB=$url sql "select count(*) from pg_available_extensions where name = 'vector'")" 0
set +e; out=$("$PGAI" install -d "$url" 2>&1); rc=$?; set -e
check_eq "exit 1" "$rc" 1
check_eq "one line" "$(printf '%s\n' "$out" | wc -l)" 1
check_contains "names the missing extension" "$out" "the pgvector extension is not available on the database server"
check_eq "nothing installed" "$(DB=$url sql "select count(*) from pg_namespace where nspname = 'ai'")" 0
