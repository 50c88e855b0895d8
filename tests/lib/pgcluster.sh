# Throwaway PostgreSQL cluster for tests and the demo. Source this file, then
#   pg_start            # initdb + start on a free loopback port; exports PG* and DATABASE_URL
#   pg_stop             # stop and remove everything (safe to call twice)
# Callers install a trap (trap pg_stop EXIT) so the cluster goes away even when
# a test fails. initdb refuses to run as root, so as root we run the server as
# the postgres user; otherwise as ourselves.

PGBIN=${PGBIN:-$(/usr/lib/postgresql/15/bin/pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}

_pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  PGTMP=$(mktemp -d /tmp/pgai-pg.XXXXXX)
  chmod 755 "$PGTMP"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGTMP"
  local port=${PGAI_TEST_PORT:-55432}
  while ss -Hltn "sport = :$port" | grep . >/dev/null; do port=$((port + 1)); done
  if ! _pg_as "$PGBIN/initdb" -D "$PGTMP/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PGTMP/initdb.log" 2>&1; then
    cat "$PGTMP/initdb.log" >&2; return 1
  fi
  if ! _pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
        -o "-p $port -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null; then
    cat "$PGTMP/server.log" >&2; return 1
  fi
  export PGTMP PGPORT=$port PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

pg_stop() {
  [ -n "${PGTMP:-}" ] || return 0
  _pg_as "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
  unset PGTMP
}
