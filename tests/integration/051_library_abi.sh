# libpgai.so exports exactly the functions pgai.h declares with PGAI_EXPORT:
# internal modules (buf_*, http_*, dotenv_*, ...) stay out of the ABI, so they
# can change without breaking programs linked against libpgai.so.0. Before,
# 153 symbols were exported, 13 of them the API.
set -euo pipefail
. tests/lib/testlib.sh
so=$(dirname "$PGAI")/libpgai.so
command -v nm >/dev/null || { echo "nm (binutils) is missing"; exit 1; }
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRV]$/ {print $3}' | sort)
declared=$(sed -n 's/^PGAI_EXPORT .*\b\(pgai_[a-z_0-9]*\)(.*/\1/p' include/pgai/pgai.h | sort)
check "pgai.h declares some API" test -n "$declared"
check_eq "exported = declared" "$exported" "$declared"
check_eq "every function of the header is marked" \
  "$(grep -cE '^(PGAI_EXPORT )?(const char \*|int |char \*|void )pgai_' include/pgai/pgai.h)" "$(echo "$declared" | wc -l)"
