# Helpers for shell tests (sourced). Tests run with set -euo pipefail; each
# check prints what it checked and exits non-zero on the first failure.
#   TEST_DB_URL   a fresh, empty database (created by tests/run.sh)
#   PGAI          the pgai binary under test

check() { # check DESCRIPTION COMMAND... : the command must succeed
  local what=$1; shift
  if "$@"; then echo "  ok: $what"; else echo "  FAILED: $what"; exit 1; fi
}
check_eq() { # check_eq DESCRIPTION GOT WANT
  if [ "$2" = "$3" ]; then echo "  ok: $1"; else echo "  FAILED: $1: got [$2], want [$3]"; exit 1; fi
}
check_contains() { # check_contains DESCRIPTION HAYSTACK NEEDLE
  case "$2" in *"$3"*) echo "  ok: $1" ;; *) echo "  FAILED: $1: [$3] not in [$2]"; exit 1 ;; esac
}
check_not_contains() {
  case "$2" in *"$3"*) echo "  FAILED: $1: [$3] found in [$2]"; exit 1 ;; *) echo "  ok: $1" ;; esac
}
sql() { # sql [psql args...] QUERY : one value, unaligned
  psql -X -q -t -A -v ON_ERROR_STOP=1 -d "${DB:-$TEST_DB_URL}" -c "${@: -1}" "${@:1:$#-1}"
}
# A URL for the same server and another database or user.
db_url() { # db_url DBNAME [USER]
  echo "postgres://${2:-postgres}@127.0.0.1:$PGPORT/$1"
}
