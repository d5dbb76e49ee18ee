#!/usr/bin/env bash
# Instructions executed per article by newstag's pipeline, measured by callgrind: a
# deterministic speed figure on a shared, noisy machine (wall-clock rates move by 30% here).
# Runs `newstag bench FILE` with 1 and with 3 passes and divides the difference by 2 x articles,
# so model loading cancels out.
#
# Usage: scripts/icount.sh [FILE.jsonl] [extra bench flags, e.g. --no-chunker]
#   BIN=target/release/newstag   the binary to measure
#   default FILE: the first 40 articles of ../shared/data/keyphrase/duc2001.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/newstag}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ $# -gt 0 && $1 == *.jsonl ]]; then
  file=$1
  shift
else
  file=$tmp/sample.jsonl
  head -n 40 ../shared/data/keyphrase/duc2001.jsonl > "$file"
  label="the first 40 DUC-2001 articles"
fi
articles=$(grep -c . "$file")
count() {
  local passes=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$passes" "$BIN" bench "$file" --passes "$passes" "$@" \
    >/dev/null 2>"$tmp/err.$passes"
  grep -o "Collected : [0-9]*" "$tmp/err.$passes" | grep -o "[0-9]*$"
}
one=$(count 1 "$@")
three=$(count 3 "$@")
echo "$(( (three - one) / (2 * articles) )) instructions/article (${label:-$articles articles of $file}${*:+; $*})"
