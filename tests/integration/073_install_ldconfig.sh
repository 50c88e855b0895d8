# `make install` into the live system, as docs/python.md and docs/library.md
# describe it: after `make install PREFIX=/usr/local` as root, libpgai.so.0 is
# found by the dynamic linker without LD_LIBRARY_PATH (the install refreshes
# ld.so's cache), so the Python binding loads it from anywhere; after
# `make uninstall` nothing is left and the cache no longer names it.
#
# This installs into /usr/local of the machine the tests run on (they run as
# root on a throwaway machine). Files of an earlier install there are moved
# aside first and put back afterwards.
set -euo pipefail
. tests/lib/testlib.sh

[ "$(id -u)" = 0 ] || { echo "  FAILED: this test installs into /usr/local and must run as root"; exit 1; }

PREFIX=/usr/local
ROOT=$PWD
tmp=$(mktemp -d /tmp/pgai-ldconfig.XXXXXX)
# Everything `make install` (with install-packaging) puts under PREFIX.
files=(bin/pgai lib/libpgai.a lib/libpgai.so.0 lib/libpgai.so lib/pkgconfig/libpgai.pc include/pgai
       share/man/man1/pgai.1 lib/systemd/system/pgai-vectorizer-worker.service
       lib/systemd/system/pgai-vectorizer-worker@.service share/doc/pgai)

moved=()
restore() {
  local f
  make -s BUILD="$BUILD" PREFIX=$PREFIX uninstall >/dev/null 2>&1 || true
  for f in "${moved[@]}"; do
    mkdir -p "$(dirname "$PREFIX/$f")"
    mv "$tmp/saved/$f" "$PREFIX/$f"
  done
  ldconfig
  rm -rf "$tmp"
}
trap restore EXIT
for f in "${files[@]}"; do
  if [ -e "$PREFIX/$f" ] || [ -L "$PREFIX/$f" ]; then
    mkdir -p "$(dirname "$tmp/saved/$f")"
    mv "$PREFIX/$f" "$tmp/saved/$f"
    moved+=("$f")
  fi
done
ldconfig

# The binding as a user would have it: copied out of the source tree, so the
# only library it can find is the system's (no PGAI_LIBRARY, no build/).
cp -r python/pgai "$tmp/pgai"
unset PGAI_LIBRARY LD_LIBRARY_PATH
export PYTHONDONTWRITEBYTECODE=1
# A sanitized libpgai (SAN=1) needs the sanitizer runtime loaded first in python.
pyenv=()
if [ "${SAN:-}" = 1 ]; then
  pyenv=(LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)"
         ASAN_OPTIONS=detect_leaks=0)
fi
load() { # load: 0 when python's ctypes loads libpgai.so.0 by its soname
  env "${pyenv[@]}" python3 -c 'import ctypes; ctypes.CDLL("libpgai.so.0")' 2>/dev/null
}
not_loadable() { ! load; }
# cached TEXT: ld.so's cache lists TEXT (grep reads it all: with -q it would stop
# at the first match, and ldconfig's SIGPIPE would fail the pipeline under pipefail)
cached() { ldconfig -p | grep -F "$1" >/dev/null; }
not_cached() { ! cached "$1"; }

check "before: libpgai.so.0 is not loadable (the test proves something)" not_loadable

out=$(make -s BUILD="$BUILD" PREFIX=$PREFIX install 2>&1) || { echo "$out"; echo "  FAILED: make install PREFIX=$PREFIX"; exit 1; }
check "make install: $PREFIX/lib/libpgai.so.0 is there" test -f $PREFIX/lib/libpgai.so.0
check "make install: ld.so's cache names it" cached "=> $PREFIX/lib/libpgai.so.0"
check "python3: ctypes.CDLL(\"libpgai.so.0\") loads without LD_LIBRARY_PATH" load
# pgai.__version__ loads the library; /proc/self/maps then says which file it mapped.
got=$(cd "$tmp" && env "${pyenv[@]}" python3 -c 'import pgai; v = pgai.__version__
print(v, *sorted({l.split()[-1] for l in open("/proc/self/maps") if "libpgai" in l}))' 2>&1) ||
  { echo "$got"; echo "  FAILED: the binding outside the source tree loads the installed library"; exit 1; }
v=$($PREFIX/bin/pgai --version | awk '{print $3}')
check_eq "the binding outside the source tree loads $PREFIX/lib/libpgai.so.0" "$got" "${v%%+*} $PREFIX/lib/libpgai.so.0"
out=$(cd "$tmp" && env "${pyenv[@]}" python3 -c 'import sys, pgai; pgai.install(sys.argv[1]); print("installed")' "$TEST_DB_URL" 2>&1) ||
  { echo "$out"; echo "  FAILED: pgai.install() through the installed library"; exit 1; }
check_contains "pgai.install() through the installed library" "$out" "installed"
check_eq "the database has the ai schema" "$(sql "select count(*) from pg_namespace where nspname = 'ai'")" 1

# A staged install (DESTDIR) leaves the cache alone: the package's own scripts run ldconfig.
before=$(sha256sum /etc/ld.so.cache)
make -s BUILD="$BUILD" PREFIX=$PREFIX DESTDIR="$tmp/stage" install >/dev/null
check "DESTDIR install: the staged tree has libpgai.so.0" test -f "$tmp/stage$PREFIX/lib/libpgai.so.0"
check_eq "DESTDIR install: ld.so's cache unchanged" "$(sha256sum /etc/ld.so.cache)" "$before"
check "DESTDIR install: the cache does not name the staged copy" not_cached "$tmp/stage"

out=$(make -s BUILD="$BUILD" PREFIX=$PREFIX uninstall 2>&1) || { echo "$out"; echo "  FAILED: make uninstall"; exit 1; }
left=()
for f in "${files[@]}"; do
  if [ -e "$PREFIX/$f" ] || [ -L "$PREFIX/$f" ]; then left+=("$f"); fi
done
check_eq "make uninstall: nothing of ours left under $PREFIX" "${left[*]}" ""
check "make uninstall: ld.so's cache no longer names libpgai" not_cached libpgai.so.0
check "after uninstall: libpgai.so.0 is not loadable" not_loadable
