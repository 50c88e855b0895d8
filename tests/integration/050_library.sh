# The embeddable C library (docs/library.md):
#  1. tests/library/test_library drives the public API (pgai.h) against this
#     database and the local provider: install, once and background runs,
#     graceful shutdown with a batch in flight, timeouts, two workers in one
#     process, the log callback, invalid options, pgai_embed_query.
#  2. examples/worker.c is built against an installed copy (make install +
#     pkg-config, shared and static), run against the database, and stopped
#     with SIGTERM.
# The programs are built by mk/library.mk's rules with the library's flags,
# so under SAN=1 they are sanitized too.
set -euo pipefail
. tests/lib/testlib.sh
. tests/lib/provider.sh

make -s BUILD="$BUILD" "$BUILD/examples/worker" "$BUILD/tests/library/test_library"

# worker_setup without its `pgai install`: the test program installs pgai itself
# (pgai_install must see an empty database first).
tmp=$(mktemp -d /tmp/pgai-library.XXXXXX)
cleanup() {
  [ -n "${ex_pid:-}" ] && kill -KILL "$ex_pid" 2>/dev/null
  provider_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
provider_start
export OPENAI_API_KEY=sk-test-key

# --- 1. the API, case by case ------------------------------------------------
set +e
timeout 600 "$BUILD/tests/library/test_library" >"$tmp/test.out" 2>&1
rc=$?
set -e
sed 's/^/    /' "$tmp/test.out"
check_eq "test_library: exit status" "$rc" 0
out=$(cat "$tmp/test.out")
check_contains "test_library: ran to the end" "$out" "# all cases passed"
check_not_contains "test_library: no sanitizer report" "$out" "Sanitizer"
check_not_contains "test_library: no runtime error" "$out" "runtime error"

# --- 2. the example, against an installed copy ---------------------------------
check_eq "example: bad arguments, exit 2" "$(set +e; "$BUILD/examples/worker" a b c 2>/dev/null; echo $?)" 2

prefix=$tmp/prefix
make -s BUILD="$BUILD" install PREFIX="$prefix" >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
check_eq "pkg-config: version" "$(pkg-config --modversion libpgai)" "$(sed -n 's/^VERSION *:= *//p' Makefile)"
cflags=$(pkg-config --cflags libpgai)
libs=$(pkg-config --libs libpgai)
check_contains "pkg-config: the installed headers" "$cflags" "-I$prefix/include"
check_contains "pkg-config: the installed library" "$libs" "-L$prefix/lib"
# A sanitized libpgai needs the sanitizer runtime in the program too.
san=
[ "${SAN:-}" = 1 ] && san="-fsanitize=address,undefined"
# From the repository root but without -Iinclude: only the installed header can be found.
cc -std=c17 -Wall -Wextra -Werror -pedantic $san -o "$tmp/worker" examples/worker.c $cflags $libs
check "example: built against the installed shared library" test -x "$tmp/worker"
check_contains "example: linked to the installed libpgai.so.0" \
  "$(LD_LIBRARY_PATH=$prefix/lib ldd "$tmp/worker")" "$prefix/lib/libpgai.so.0"
# Static: the archive, and the dependencies as shared libraries.
cc -std=c17 -Wall -Wextra -Werror -pedantic $san -o "$tmp/worker-static" examples/worker.c $cflags \
  "$(pkg-config --variable=libdir libpgai)/libpgai.a" $(pkg-config --libs libpq libcurl jansson libpcre2-8) -lpthread -lm
check_not_contains "example: static build needs no libpgai.so" "$(ldd "$tmp/worker-static")" "libpgai"
# The header from C++.
printf '#include <pgai/pgai.h>\nint main() { pgai_worker *w = nullptr; pgai_worker_free(w); return pgai_version() ? 0 : 1; }\n' \
  >"$tmp/cxx.cpp"
c++ -std=c++17 -Wall -Wextra -Werror $san -o "$tmp/cxx" "$tmp/cxx.cpp" $cflags $libs
check "the header compiles and links as C++" env LD_LIBRARY_PATH="$prefix/lib" "$tmp/cxx"

psql_q >/dev/null <<'SQL'
create table ex_docs (id int primary key, body text);
insert into ex_docs values (1, 'the first document');
select ai.create_vectorizer('ex_docs'::regclass, loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 8), chunking => ai.chunking_none());
SQL
wait_rows() { # wait_rows N : until ex_docs_embedding_store holds N rows (30 s at most)
  local i
  for i in $(seq 1 300); do
    [ "$(sql "select count(*) from ex_docs_embedding_store")" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
# an hour between passes: the second row can only be picked up through its NOTIFY
LD_LIBRARY_PATH=$prefix/lib "$tmp/worker" "$TEST_DB_URL" 3600 >"$tmp/example.log" 2>&1 & ex_pid=$!
check "example: embeds the row queued before it started" wait_rows 1
psql_q -c "insert into ex_docs values (2, 'a second document')" >/dev/null
check "example: embeds a row inserted while it runs" wait_rows 2
kill -TERM "$ex_pid"
set +e; wait "$ex_pid"; rc=$?; set -e
ex_pid=
log=$(cat "$tmp/example.log")
[ "$rc" = 0 ] || sed 's/^/    /' "$tmp/example.log"
check_eq "example: SIGTERM, exit 0" "$rc" 0
check_contains "example: its log callback printed the worker's records" "$log" "worker [info    ] running vectorizer"
check_contains "example: install reported" "$log" "install [info    ] pgai"
check_contains "example: graceful shutdown" "$log" "got a graceful shutdown request"
check_contains "example: result printed" "$log" "worker stopped cleanly"
check_eq "example: both rows embedded" "$(sql "select string_agg(chunk, '|' order by id) from ex_docs_embedding_store")" \
  "the first document|a second document"
check_eq "example: queue empty" "$(sql "select ai.vectorizer_queue_pending(id, true) from ai.vectorizer where source_table = 'ex_docs'")" 0
check_not_contains "example: no sanitizer report" "$log" "Sanitizer"

# the statically linked copy: a database that cannot be reached is reported, exit 1
set +e
"$tmp/worker-static" "postgresql://postgres@127.0.0.1:1/nothing" >"$tmp/static.log" 2>&1; rc=$?
set -e
check_eq "static example: unreachable database, exit 1" "$rc" 1
check_contains "static example: says why" "$(cat "$tmp/static.log")" "pgai_install failed (-2)"
