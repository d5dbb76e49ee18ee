#!/usr/bin/env bash
# Writes every peer's predictions for the accuracy report into bench/peers/out/ (kept between runs:
# a file already there is not recomputed unless PEERS_FRESH=1; the peers are pinned, so their
# predictions only change with requirements.txt or rust-peers/).
#   bench/peers/out/TOOL.SET.jsonl        predictions ({"id", "tags"} per article, ranked, <= 20)
#   bench/peers/out/TOOL.SET.timing.json  the run's own timings (not the speed report's figures)
# Sets: duc2001 (all 307), kpcrowd-train (all 450), reuters-train (the first $REUTERS_LIMIT, 1000);
# KeyBERT on the first $KEYBERT_LIMIT (100; "all" for the whole sets, about 40 minutes more).
# Usage: bench/peers/predict_all.sh [DATA_DIR]    (after bench/peers/setup.sh)
set -euo pipefail
cd "$(dirname "$0")"
DATA=$(realpath "${1:-../../../shared/data}")
REUTERS_LIMIT=${REUTERS_LIMIT:-1000}
KEYBERT_LIMIT=${KEYBERT_LIMIT:-100}
mkdir -p out
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
RUST_PEERS=rust-peers/target/release/newstag-rust-peers
[ -x .venv/bin/python ] && [ -x "$RUST_PEERS" ] || { echo "run bench/peers/setup.sh first" >&2; exit 1; }

sets=("duc2001 $DATA/keyphrase/duc2001.jsonl" "kpcrowd-train $DATA/keyphrase/kpcrowd-train.jsonl"
      "reuters-train $DATA/reuters/reuters-train.jsonl")
# Fast ones first; KeyBERT (about 3 s an article on one core) last.
for tool in yake-rust ke-yake ke-textrank ke-rake yake pke-positionrank spacy pke-multipartiterank keybert; do
  for s in "${sets[@]}"; do
    read -r name path <<<"$s"
    limit=()
    [ "$name" = reuters-train ] && limit=(--limit "$REUTERS_LIMIT")
    # KeyBERT (2-3 s an article) on the first $KEYBERT_LIMIT articles of each set only.
    [ "$tool" = keybert ] && [ "$KEYBERT_LIMIT" != all ] && limit=(--limit "$KEYBERT_LIMIT")
    pred="out/$tool.$name.jsonl"
    if [ -s "$pred" ] && [ -s "out/$tool.$name.timing.json" ] && [ "${PEERS_FRESH:-0}" != 1 ]; then
      continue
    fi
    echo "$(date -u +%H:%M:%S) $tool on $name" >&2
    rm -f "out/$tool.$name.error"
    # A peer that fails leaves out/TOOL.SET.error (its last lines) and no predictions: the report
    # marks it as not run, with that reason.
    case $tool in
      yake-rust|ke-*) cmd=("$RUST_PEERS" predict "$tool" "$path" "$pred.tmp" "${limit[@]}") ;;
      *) cmd=(.venv/bin/python run_peers.py --tool "$tool" --gold "$path" --out "$pred.tmp" "${limit[@]}") ;;
    esac
    if "${cmd[@]}" > "out/$tool.$name.timing.json" 2> "out/$tool.$name.log"; then
      mv "$pred.tmp" "$pred"
    else
      rm -f "$pred" "$pred.tmp" "out/$tool.$name.timing.json"
      grep -v '^Loading\|it/s\]' "out/$tool.$name.log" | tail -3 > "out/$tool.$name.error"
      echo "$tool on $name FAILED: $(cat "out/$tool.$name.error")" >&2
    fi
  done
done
