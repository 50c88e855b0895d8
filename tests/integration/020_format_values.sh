# Value rendering against a real server: every pyrepr case of
# tests/unit/test_format.c that names a SQL expression is selected with the
# worker's session settings; the server must produce the text form the case
# assumes, and the rendering must be the Python str() the case expects.
set -euo pipefail
. tests/lib/testlib.sh

bin="${BUILD:-build}/tests/test_format"
check "unit test binary is built" test -x "$bin"
PGAI_FORMAT_PG_URL="$TEST_DB_URL" "$bin"
