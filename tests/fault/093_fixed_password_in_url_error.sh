# Regression test for a bug the fault suite found (fixed): a database URL that libpq cannot parse is
# echoed whole, password included, in libpq's error message, and the worker
# logs that message: "unable to connect to database: could not connect to the
# database: unexpected character "x" at position 36 in URI (expected ":" or
# "/"): "postgresql://u:<password>@[::1]x/db"".
#
# Where: db_connect (src/db/db.c) copies PQerrorMessage() into the error
# ("libpq's messages name host and port but never the password" is not true of
# its URI parser: several messages quote the URI, and "invalid percent-encoded
# token" quotes the token, which may be the password). The worker logs it
# (report_error in src/worker/worker.c). A fix: mask the URL's password (and a
# password= value) in any connection error before it is stored or logged.
set -euo pipefail
. tests/lib/fault.sh

PW=Pw-S3cret-7731
leaks=()
for url in "postgresql://u:$PW@[::1" "postgresql://u:$PW@[::1]x/db" "postgresql://u:$PW@[]/db" \
           "postgresql://u:$PW%zz@127.0.0.1:$PGPORT/db" "postgresql://u:$PW@127.0.0.1:$PGPORT/db?bogus=1"; do
  set +e
  out=$(timeout 60 "$PGAI" vectorizer worker -d "$url" --once 2>&1); rc=$?
  set -e
  check_eq "[$url]: exit 1" "$rc" 1
  check_contains "[$url]: the error says what is wrong" "$out" "unable to connect to database: "
  case $out in *"$PW"*) leaks+=("$url") ;; esac
done
check_eq "BUG: no log line holds the password (leaking URLs listed)" "${leaks[*]}" ""
