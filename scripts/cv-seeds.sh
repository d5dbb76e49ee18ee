#!/usr/bin/env bash
# Cross-validated F1 over several fold splits: `newstag eval --cv K` once per seed (`--cv-seed`),
# then the mean and standard deviation of each F1 column. One split's figure moves by half a
# point or more when anything perturbs the fold rankers' training (boosted trees amplify a small
# change in one training article), so two versions are compared by their means over the same
# seeds, the difference against the spread.
#
# Usage: scripts/cv-seeds.sh SEEDS EVAL-ARGS...
#   e.g. scripts/cv-seeds.sh 8 --gold data/editor/editor-train.jsonl --cv 5 \
#          --train-extra ../shared/data/keyphrase/duc2001.jsonl \
#          --train-extra ../shared/data/reuters/reuters-train.jsonl --extra-weight 0.25,0.25
#   BIN=target/release/newstag   the binary to run
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/newstag}
seeds=${1:?usage: scripts/cv-seeds.sh SEEDS EVAL-ARGS...}
shift
for seed in $(seq 1 "$seeds"); do
  "$BIN" eval "$@" --cv-seed "$seed" --json 2>/dev/null || { echo "cv-seeds: eval failed (seed $seed)" >&2; exit 1; }
done | python3 -c '
import json, statistics, sys
text, dec, runs, at = sys.stdin.read(), json.JSONDecoder(), [], 0
while text[at:].strip():
    at += len(text[at:]) - len(text[at:].lstrip())
    run, at = dec.raw_decode(text, at)
    runs.append(run)
if not runs:
    sys.exit("cv-seeds: no results")
cols = {}
for r in runs:
    for s in r["at_k"] + [r["at_m"]]:
        cols.setdefault("M" if s["k"] is None else str(s["k"]), []).append(100 * s["f1"])
for k, v in cols.items():
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    print(f"F1@{k}: mean {statistics.mean(v):.2f}  sd {sd:.2f}  over {len(v)} seeds: " + " ".join(f"{x:.2f}" for x in v))
'
