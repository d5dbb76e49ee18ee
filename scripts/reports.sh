#!/usr/bin/env bash
# Regenerates reports/accuracy.md and reports/speed.md (takes several minutes; not part of the tests).
# Usage: scripts/reports.sh   (from the repository root, with ../shared/data beside it)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
cargo build --release -p newstag-cli >/dev/null
BIN=target/release/newstag
OUT=$(mktemp -d)
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
today=$(date -u +%Y-%m-%d)

# The untrained pipeline: the embedded models but the transparent heuristic scorer.
mkdir -p "$OUT/heuristic"
for set in keyphrase/duc2001 keyphrase/kpcrowd-train reuters/reuters-train; do
  name=$(basename "$set")
  $BIN eval --gold "$DATA/$set.jsonl" --cv 5 --json > "$OUT/$name.cv.json"
  $BIN eval --gold "$DATA/$set.jsonl" --heuristic --json > "$OUT/$name.heuristic.json"
done
$BIN eval-tokens pos "$DATA/tokens/conll2000/test.txt" > "$OUT/pos.txt"
$BIN eval-tokens chunk "$DATA/tokens/conll2000/test.txt" > "$OUT/chunk.txt"
$BIN eval-tokens ner "$DATA/tokens/conll2003/eng.testb" > "$OUT/ner.txt"
for t in 1 2; do
  $BIN bench "$DATA/keyphrase/duc2001.jsonl" --threads $t --passes 7 --json > "$OUT/bench.$t.json"
  $BIN bench "$DATA/keyphrase/duc2001.jsonl" --threads $t --passes 7 --no-ner --json > "$OUT/bench.$t.noner.json"
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$OUT" "$today" "$machine" "$load" <<'PY'
import json, sys, os
out, today, machine, loadavg = sys.argv[1:5]
def load(p): return json.load(open(os.path.join(out, p)))
def row(label, r):
    cells = []
    for s in r["at_k"] + [r["at_m"]]:
        cells += [f"{100*s['precision']:.1f}", f"{100*s['recall']:.1f}", f"**{100*s['f1']:.1f}**"]
    return f"| {label} | " + " | ".join(cells) + f" | {r['predicted_per_doc']:.1f} |"
lines = [f"# Accuracy", "", f"Measured {today} on {machine}, by `scripts/reports.sh`.", "",
 "Lower-case, Porter-stem each token (NLTK's PorterStemmer), exact match; P/R/F1 in percent at 5, 10",
 "and M (the tags the engine chose itself), averaged over documents. The ranker learns from these",
 "sets, so the learned figures are 5-fold cross-validated (`newstag eval --gold FILE --cv 5`: trained",
 "on the other four folds only). \"untrained\" is the transparent heuristic scorer on the same",
 "candidates (`newstag eval --gold FILE --heuristic`). Reuters tags are place, people and",
 "organisation codes scored as names.", "",
 "| system | P@5 | R@5 | F1@5 | P@10 | R@10 | F1@10 | P@M | R@M | F1@M | tags/doc |",
 "|---|---|---|---|---|---|---|---|---|---|---|"]
for name, title in [("duc2001", "DUC-2001 (307)"), ("kpcrowd-train", "KPCrowd train (450)"), ("reuters-train", "Reuters train (13,025)")]:
    lines.append(f"| **{title}** | | | | | | | | | | |")
    lines.append(row("newstag, learned ranker (5-fold CV)", load(f"{name}.cv.json")))
    lines.append(row("newstag, untrained heuristic", load(f"{name}.heuristic.json")))
lines += ["", "Published figures for reference (quoted from the literature as cited in this project's issues, not",
 "measured here): DUC-2001 F1@10 FirstPhrases 24.6, supervised Kea 26.5, EmbedRank 29.5 (best unsupervised);",
 "KPCrowd (test split) F1@10 best 18.2, MultipartiteRank.", "",
 "## Token-level models", "", "```", open(os.path.join(out, "pos.txt")).read().strip(), "",
 open(os.path.join(out, "chunk.txt")).read().strip(), "", open(os.path.join(out, "ner.txt")).read().strip(), "```", ""]
open("reports/accuracy.md", "w").write("\n".join(lines))
b1, b2 = load("bench.1.json"), load("bench.2.json")
n1, n2 = load("bench.1.noner.json"), load("bench.2.noner.json")
speed = [f"# Speed", "", f"Measured {today} on {machine}, by `scripts/reports.sh`",
 "(`newstag bench ../shared/data/keyphrase/duc2001.jsonl --threads N --passes 7`: the median of",
 "seven passes over the 307 DUC-2001 articles, whole pipeline, models already loaded).", "",
 f"Load average when measured: {loadavg} (other jobs shared this 2-core machine; figures are noisy).", "",
 "| pipeline | threads | articles/s | MB/s | median pass (s) | peak RSS (MiB) | start-up (s) |", "|---|---|---|---|---|---|---|"]
for label, b in (("full (POS + NER)", b1), ("full (POS + NER)", b2), ("--no-ner", n1), ("--no-ner", n2)):
    speed.append(f"| {label} | {b['threads']} | {b['articles_per_second']:.0f} | {b['mb_per_second']:.1f} | {b['median_seconds']:.3f} | {b['peak_rss_kib']//1024} | {b['load_seconds']:.3f} |")
speed += ["", f"Two threads / one thread: {b2['articles_per_second']/b1['articles_per_second']:.2f}x (full), {n2['articles_per_second']/n1['articles_per_second']:.2f}x (--no-ner).",
 "Peers (YAKE, KeyBERT, spaCy, pke) are not yet measured side by side: see the open issue.", ""]
open("reports/speed.md", "w").write("\n".join(speed))
PY
echo "wrote reports/accuracy.md reports/speed.md"
