#!/usr/bin/env bash
# Feature-group ablation of the learned ranker: writes reports/ablation.md.
# For each data set and each feature group (crates/newstag/src/rank/mod.rs, FEATURE_GROUPS), the
# 5-fold cross-validated F1 with the group left out of the ranker, beside the full model's.
# Usage: scripts/ablation.sh   (from the repository root, with ../shared/data beside it; a few minutes)
#   CV_FLAGS=--trees   how the fold rankers are trained: as the shipped ranker is (boosted trees);
#                      CV_FLAGS=--linear for logistic regression
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
if [[ -z ${BIN:-} ]]; then
  cargo build --release -p newstag-cli >/dev/null
  BIN=target/release/newstag
fi
CV_FLAGS=${CV_FLAGS---trees}
OUT=$(mktemp -d)
groups="frequency position title entity_type gazetteer form news_frequency"
sets="keyphrase/duc2001 keyphrase/kpcrowd-train reuters/reuters-train"
for set in $sets; do
  name=$(basename "$set")
  limit=()
  # Reuters: the first 3,000 articles, as in the default ranker's training set.
  [[ $name == reuters-train ]] && limit=(--limit 3000)
  $BIN eval --gold "$DATA/$set.jsonl" --cv 5 $CV_FLAGS --json "${limit[@]}" > "$OUT/$name.all.json"
  for g in $groups; do
    $BIN eval --gold "$DATA/$set.jsonl" --cv 5 $CV_FLAGS --drop "$g" --json "${limit[@]}" > "$OUT/$name.$g.json"
  done
done
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
python3 - "$OUT" "$(date -u +%Y-%m-%d)" "$machine" "$groups" "$CV_FLAGS" <<'PY'
import json, os, re, sys
out, today, machine, groups, flags = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5]
kind = "boosted trees, as the shipped ranker" if "--trees" in flags else "logistic regression"
how = "never split on" if "--trees" in flags else "fixed at weight 0"
src = open("crates/newstag/src/rank/mod.rs").read()
members = dict(re.findall(r'\("(\w+)", &\[([^\]]*)\]\)', src))
sets = [("duc2001", "DUC-2001", "F1@10", lambda r: r["at_k"][1]["f1"]),
        ("kpcrowd-train", "KPCrowd train", "F1@10", lambda r: r["at_k"][1]["f1"]),
        ("reuters-train", "Reuters train (first 3,000)", "F1@M", lambda r: r["at_m"]["f1"])]
def load(n, g): return json.load(open(os.path.join(out, f"{n}.{g}.json")))
lines = ["# Ranker ablation", "",
 f"Measured {today} on {machine} by `scripts/ablation.sh`. Each cell is 5-fold cross-validated",
 f"(`newstag eval --gold FILE --cv 5 {flags} --drop GROUP`, {kind}): the ranker is trained on four",
 f"folds with the group's features {how}, and scored on the fifth. The candidate generation and the",
 "headline-anchor selection rules are unchanged; only the learned scores lose the group.",
 "Change = F1 without the group minus F1 of the full model, in points (negative: the group helps).",
 "Each cell is one fold split (seed 42): another split, or any small change to what the fold",
 "rankers learn from, moves a figure by a few tenths, so smaller changes here may be noise",
 "(`scripts/cv-seeds.sh` gives means and spreads over several splits).", "",
 "| left out | features | " + " | ".join(f"{t} {m}" for _, t, m, _ in sets) + " |",
 "|---|---|" + "---|" * len(sets)]
full = {n: f(load(n, "all")) for n, _, _, f in sets}
lines.append("| nothing (full model) | | " + " | ".join(f"**{100*full[n]:.1f}**" for n, *_ in sets) + " |")
for g in groups:
    cells = []
    for n, _, _, f in sets:
        v = f(load(n, g))
        cells.append(f"{100*v:.1f} ({100*(v-full[n]):+.1f})")
    feats = ", ".join(x.strip().strip('"') for x in members.get(g, "").split(",") if x.strip())
    lines.append(f"| {g} | {feats} | " + " | ".join(cells) + " |")
open("reports/ablation.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
