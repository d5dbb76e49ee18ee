#!/usr/bin/env bash
# Regenerates reports/accuracy.md and reports/speed.md: newstag and its peers side by side, on the
# same articles, with the same input (title + body) and the same scorer (`newstag score`, which is
# `newstag eval`'s). Takes long (an hour or more: KeyBERT tags about one article in 3 s); not part
# of the tests.
#
# Usage: scripts/reports.sh        (from anywhere; ../shared/data beside the repository)
#   DATA=../shared/data   the shared data folder
#   REUTERS_LIMIT=1000    the peers run on the first N Reuters train articles (newstag on all, and
#                         its figure on the same N is given beside theirs)
#   SPEED_SAMPLE=50       the speed runs use the first N DUC-2001 articles, for every tool
#   ROUNDS=3              speed rounds; each round runs every tool once, in turn; medians reported
#   PEERS_FRESH=1         recompute the peers' predictions (kept in bench/peers/out/ otherwise:
#                         they only change with bench/peers/requirements.txt or rust-peers/)
#   CV_FLAGS=--trees      how `eval --cv 5` trains its fold rankers: as the shipped ranker is
#                         (boosted trees); CV_FLAGS=--linear for logistic regression
#   SKIP_SCALING=1        leave out scripts/scaling.sh (the 100,000-article runs, if it exists);
#   SCALING_ARTICLES=100000 SCALING_ROUNDS=3   its size
# The peers are installed by bench/peers/setup.sh, which this script runs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DATA=$(realpath "${DATA:-../shared/data}")
REUTERS_LIMIT=${REUTERS_LIMIT:-1000}
SPEED_SAMPLE=${SPEED_SAMPLE:-50}
ROUNDS=${ROUNDS:-3}
CV_FLAGS=${CV_FLAGS---trees}
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=$(mktemp -d)
# Measurements stay in $OUT if the run fails; removed at the end of a good one.
source scripts/peers-env.sh

# The peers' predictions are accuracy runs, not timed: they run beside newstag's evaluation.
log "peers' predictions in the background (bench/peers/predict_all.sh; kept in bench/peers/out/)"
REUTERS_LIMIT=$REUTERS_LIMIT $PEERS/predict_all.sh "$DATA" 2> "$OUT/predict_all.log" &
peers_pid=$!

# ---- Accuracy: newstag ----------------------------------------------------------------------------
for set in keyphrase/duc2001 keyphrase/kpcrowd-train reuters/reuters-train; do
  name=$(basename "$set")
  log "newstag eval --cv 5 on $name"
  "$BIN" eval --gold "$DATA/$set.jsonl" --data "$DATA" --cv 5 $CV_FLAGS --json --dump "$OUT/$name.cv.dump.jsonl" > "$OUT/$name.cv.json"
  log "newstag eval --heuristic on $name"
  "$BIN" eval --gold "$DATA/$set.jsonl" --data "$DATA" --heuristic --json > "$OUT/$name.heuristic.json"
done
# newstag's cross-validated predictions on the Reuters articles the peers ran on: @k on its ranking,
# @M on the tags it chose, as in `newstag eval`.
python3 - "$OUT" "$REUTERS_LIMIT" <<'PY'
import json, sys
out, limit = sys.argv[1], int(sys.argv[2])
rows = [json.loads(l) for l in open(f"{out}/reuters-train.cv.dump.jsonl")][:limit]
with open(f"{out}/newstag-ranked.jsonl", "w") as r, open(f"{out}/newstag-chosen.jsonl", "w") as c:
    for d in rows:
        r.write(json.dumps({"id": d["id"], "tags": d["ranked"]}) + "\n")
        c.write(json.dumps({"id": d["id"], "tags": d["chosen"]}) + "\n")
PY
for kind in ranked chosen; do
  "$BIN" score --gold "$DATA/reuters/reuters-train.jsonl" --data "$DATA" --pred "$OUT/newstag-$kind.jsonl" \
    --system "newstag (5-fold CV)" --json > "$OUT/reuters-train.subset.newstag-$kind.json"
done
log "token-level models"
"$BIN" eval-tokens pos "$DATA/tokens/conll2000/test.txt" > "$OUT/pos.txt"
"$BIN" eval-tokens chunk "$DATA/tokens/conll2000/test.txt" > "$OUT/chunk.txt"
"$BIN" eval-tokens ner "$DATA/tokens/conll2003/eng.testb" > "$OUT/ner.txt"

# ---- Accuracy: the peers ------------------------------------------------------------------------
log "waiting for the peers' predictions"
wait "$peers_pid" || { cat "$OUT/predict_all.log" >&2; exit 1; }
grep FAILED "$OUT/predict_all.log" >&2 || true
for pred in $PEERS/out/*.jsonl; do
  base=$(basename "$pred" .jsonl)          # TOOL.SET
  tool=${base%%.*} set=${base#*.}
  case $set in reuters-train) gold=$DATA/reuters/reuters-train.jsonl ;; *) gold=$DATA/keyphrase/$set.jsonl ;; esac
  "$BIN" score --gold "$gold" --data "$DATA" --pred "$pred" --system "$tool" --json > "$OUT/peer.$base.json"
done
cp $PEERS/out/*.error "$OUT/" 2>/dev/null || true

# ---- Speed ----------------------------------------------------------------------------------------
# The same sample for every tool, each pinned to core 0, tools alternating within each round.
# Articles/s is extraction only (model loading excluded, reported apart): newstag's is the median
# pass of `newstag bench`, the peers' their own timing of the loop over the sample. Wall time and
# peak RSS are the whole process's (/usr/bin/time), loading included.
SAMPLE=$OUT/sample.jsonl
head -n "$SPEED_SAMPLE" "$DATA/keyphrase/duc2001.jsonl" > "$SAMPLE"
speed_tools=(newstag newstag-one-at-a-time newstag-no-chunker newstag-no-ner yake-rust ke-yake ke-textrank ke-rake yake spacy pke-positionrank pke-multipartiterank keybert)
for round in $(seq 1 "$ROUNDS"); do
  for tool in "${speed_tools[@]}"; do
    [[ $tool == newstag* || -s $PEERS/out/$tool.duc2001.jsonl ]] || continue   # a peer that could not run
    log "speed round $round: $tool"
    case $tool in
      newstag) cmd=("$BIN" bench "$SAMPLE" --threads 1 --passes 15 --json) ;;
      newstag-one-at-a-time) cmd=("$BIN" bench "$SAMPLE" --threads 1 --passes 15 --batch 1 --json) ;;
      newstag-no-chunker) cmd=("$BIN" bench "$SAMPLE" --threads 1 --passes 15 --no-chunker --json) ;;
      newstag-no-ner) cmd=("$BIN" bench "$SAMPLE" --threads 1 --passes 15 --no-ner --json) ;;
      yake-rust|ke-*) cmd=("$RUST_PEERS" predict "$tool" "$SAMPLE" "$OUT/speed.pred.jsonl") ;;
      *) cmd=("$PEERS/.venv/bin/python" "$PEERS/run_peers.py" --tool "$tool" --gold "$SAMPLE" --out "$OUT/speed.pred.jsonl") ;;
    esac
    /usr/bin/time -v -o "$OUT/speed.$tool.$round.time" taskset -c 0 "${cmd[@]}" 2>/dev/null \
      | tail -n 1 > "$OUT/speed.$tool.$round.json" || { log "$tool failed"; rm -f "$OUT/speed.$tool.$round.json"; }
  done
done
log "newstag on all cores"
for t in 1 2; do
  "$BIN" bench "$SAMPLE" --threads $t --passes 15 --json > "$OUT/bench.sample.$t.json"
  "$BIN" bench "$DATA/keyphrase/duc2001.jsonl" --threads $t --passes 7 --json > "$OUT/bench.$t.json"
  "$BIN" bench "$DATA/keyphrase/duc2001.jsonl" --threads $t --passes 7 --no-chunker --json > "$OUT/bench.$t.nochunker.json"
  "$BIN" bench "$DATA/keyphrase/duc2001.jsonl" --threads $t --passes 7 --no-ner --json > "$OUT/bench.$t.noner.json"
done
scaling=""
if [[ -x scripts/scaling.sh && ${SKIP_SCALING:-0} != 1 ]]; then
  log "scripts/scaling.sh"
  if BIN=$BIN DATA=$DATA ARTICLES=${SCALING_ARTICLES:-100000} ROUNDS=${SCALING_ROUNDS:-3} \
    scripts/scaling.sh > "$OUT/scaling.md" 2> "$OUT/scaling.log"; then
    scaling=$OUT/scaling.md
  else
    echo "scripts/scaling.sh failed: $(tail -3 "$OUT/scaling.log")" > "$OUT/scaling.md"
    scaling=$OUT/scaling.md
  fi
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- Versions ---------------------------------------------------------------------------------------
"$PEERS/.venv/bin/python" "$PEERS/run_peers.py" --versions > "$OUT/versions.json"
{
  echo "newstag=$("$BIN" --version | awk '{print $2}') ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ', uncommitted changes'))"
  echo "rustc=$(rustc --version | awk '{print $2}')"
  for c in keyword_extraction yake-rust stop-words; do
    echo "$c=$(awk -v n="$c" '$0=="name = \""n"\"" {getline; gsub(/[^0-9.]/,""); print; exit}' $PEERS/rust-peers/Cargo.lock)"
  done
} > "$OUT/versions.txt"

minutes=$(( ($(date +%s) - started + 59) / 60 ))
python3 scripts/reports_md.py "$OUT" "$today" "$machine" "$load_start" "$load_end" "$REUTERS_LIMIT" \
  "$SPEED_SAMPLE" "$ROUNDS" "$minutes" "$scaling"
log "wrote reports/accuracy.md reports/speed.md in about $minutes min"
rm -rf "$OUT"
