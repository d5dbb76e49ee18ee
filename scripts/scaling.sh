#!/usr/bin/env bash
# Archive-scale scaling of `newstag tag --jsonl`: throughput on 1 and 2 threads and peak memory
# on DUC-2001 repeated to 100,000 articles. Prints a markdown fragment on stdout.
#
# Usage: scripts/scaling.sh            (from the repository root, ../shared/data beside it)
#   ARTICLES=100000  articles in the generated file (written to /tmp, never committed)
#   ROUNDS=3         rounds; each round runs 1 thread then 2 threads; medians are reported
#   FLAGS=""         extra flags for `newstag tag`, e.g. FLAGS=--no-ner
#   BIN=...          a newstag binary (default: build target/release/newstag and copy it to /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
ARTICLES=${ARTICLES:-100000}
ROUNDS=${ROUNDS:-3}
FLAGS=${FLAGS:-}
if [[ -z "${BIN:-}" ]]; then
  cargo build --release -p newstag-cli >/dev/null 2>&1
  BIN=/tmp/newstag-scaling-bin.$$
  cp target/release/newstag "$BIN"
fi
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (GNU time)" >&2; exit 2; }
INPUT=/tmp/newstag-scaling-$ARTICLES.jsonl
if [[ ! -s "$INPUT" ]] || [[ $(wc -l < "$INPUT") -ne $ARTICLES ]]; then
  awk -v n="$ARTICLES" 'NF { a[++k] = $0 } END { for (i = 0; i < n; i++) print a[i % k + 1] }' \
    "$DATA/keyphrase/duc2001.jsonl" > "$INPUT"
fi
size_mb=$(( $(stat -c %s "$INPUT") / 1000000 ))
OUT=$(mktemp -d)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# One run: prints "seconds max_rss_kib cpu_seconds".
run() {
  local threads=$1 log="$OUT/time.$1.$2"
  # shellcheck disable=SC2086
  /usr/bin/time -v "$BIN" tag --jsonl --quiet --threads "$threads" $FLAGS "$INPUT" -o "$OUT/out.jsonl" 2> "$log" || {
    local rc=$?
    if [[ $rc -ne 1 ]]; then echo "newstag failed (exit $rc): $(tail -3 "$log")" >&2; exit 2; fi
  }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$log")
  cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{print s}' "$log")
  [[ $(wc -l < "$OUT/out.jsonl") -eq $ARTICLES ]] || { echo "output lines != input lines" >&2; exit 2; }
  echo "$wall $rss $cpu"
}

declare -a t1 t2 r1 r2 c1 c2
for round in $(seq "$ROUNDS"); do
  read -r w r c <<< "$(run 1 "$round")"; [[ -n "${c:-}" ]] || exit 2; t1+=("$w"); r1+=("$r"); c1+=("$c")
  read -r w r c <<< "$(run 2 "$round")"; [[ -n "${c:-}" ]] || exit 2; t2+=("$w"); r2+=("$r"); c2+=("$c")
  echo "round $round: 1 thread ${t1[-1]} s, 2 threads ${t2[-1]} s" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
m1=$(median "${t1[@]}"); m2=$(median "${t2[@]}")
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
pipeline=${FLAGS:-"full (POS + chunker + NER)"}
awk -v m1="$m1" -v m2="$m2" -v cpu1="$(median "${c1[@]}")" -v cpu2="$(median "${c2[@]}")" -v rss1="$(max "${r1[@]}")" -v rss2="$(max "${r2[@]}")" -v n="$ARTICLES" \
    -v rounds="$ROUNDS" -v mb="$size_mb" -v machine="$machine" -v today="$(date -u +%Y-%m-%d)" \
    -v lb="$load_before" -v la="$load_after" -v pipeline="$pipeline" -v all1="${t1[*]}" -v all2="${t2[*]}" 'BEGIN {
  print "## Scaling: `newstag tag --jsonl` on " n " articles"
  print ""
  print "Measured " today " on " machine ", by `scripts/scaling.sh`: DUC-2001 repeated to " n
  print "articles (" mb " MB), pipeline " pipeline ", output to a file; wall time and peak RSS from"
  print "`/usr/bin/time -v`, whole process (model loading included), median of " rounds " alternating rounds."
  print "Load average before " lb ", after " la " (the machine is shared: other jobs add noise)."
  print ""
  print "| threads | wall (s), median | runs (s) | articles/s | CPU (s), median | cores used | peak RSS (MiB) |"
  print "|---|---|---|---|---|---|---|"
  printf "| 1 | %.1f | %s | %.0f | %.1f | %.2f | %.0f |\n", m1, all1, n / m1, cpu1, cpu1 / m1, rss1 / 1024
  printf "| 2 | %.1f | %s | %.0f | %.1f | %.2f | %.0f |\n", m2, all2, n / m2, cpu2, cpu2 / m2, rss2 / 1024
  print ""
  printf "Two threads / one thread: **%.2fx** throughput (wall clock). CPU per article on 2 threads / on 1\n", m1 / m2
  printf "thread: %.2f (1.00 would mean no parallel overhead; \"cores used\" below 2 means other jobs took the rest).\n", cpu2 / cpu1
}'
rm -rf "$OUT"
if [[ "$BIN" == /tmp/newstag-scaling-bin.* ]]; then rm -f "$BIN"; fi
