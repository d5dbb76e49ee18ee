#!/usr/bin/env bash
# The engine's innermost loops are compiled twice, for plain x86-64 and for AVX2, and the
# processor's best is chosen at run time (ARCHITECTURE.md, "Compiled twice"). On a machine with
# AVX2 the tests only ever run the AVX2 versions; this check runs the plain ones too, under
# qemu's user-mode emulation of a Nehalem (a processor without AVX2), and requires tags and
# scores byte-identical to the native run's on DUC-2001.
#
# Usage: scripts/plain-x86-64.sh [FILE.jsonl]     (needs qemu-x86_64, Debian package qemu-user)
#   BIN=target/release/newstag   the binary to check
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/newstag}
file=${1:-../shared/data/keyphrase/duc2001.jsonl}
case "$(uname -m)" in
  x86_64) ;;
  *) echo "plain-x86-64: not an x86-64 machine, nothing to compare"; exit 0 ;;
esac
if ! command -v qemu-x86_64 >/dev/null; then
  echo "plain-x86-64: qemu-x86_64 is missing (apt-get install qemu-user)" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The emulated processor must really lack AVX2, or the check would compare AVX2 with itself.
# (Asked the way the engine asks: std's run-time feature detection.)
echo 'fn main() { print!("{}", std::arch::is_x86_feature_detected!("avx2")); }' > "$tmp/detect.rs"
rustc -O -o "$tmp/detect" "$tmp/detect.rs"
if [[ $(qemu-x86_64 -cpu Nehalem "$tmp/detect") != false ]]; then
  echo "plain-x86-64: the emulated Nehalem reports AVX2" >&2
  exit 2
fi
"$BIN" tag --jsonl --format json "$file" > "$tmp/native" 2>/dev/null
qemu-x86_64 -cpu Nehalem "$BIN" tag --jsonl --format json "$file" > "$tmp/plain" 2>/dev/null
if ! cmp -s "$tmp/native" "$tmp/plain"; then
  echo "plain-x86-64: the plain x86-64 build tags $file differently from the AVX2 one" >&2
  diff <(head -c 2000 "$tmp/native") <(head -c 2000 "$tmp/plain") >&2 || true
  exit 1
fi
echo "plain-x86-64: $(wc -l < "$tmp/native") records byte-identical with and without AVX2 ($file)"
