#!/usr/bin/env bash
# Installs the peers that scripts/reports.sh measures against newstag; nothing downloads at run time.
#   bench/peers/.venv               Python 3 venv from PyPI (requirements.txt, pinned), ~6 GB with torch
#   bench/peers/.venv/nltk_data     NLTK's English stop word list, which pke needs
#   bench/peers/rust-peers/target   the Rust peers (crates keyword_extraction, yake-rust)
# Usage: bench/peers/setup.sh        (idempotent; re-run after changing requirements.txt)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
# pke-tool 1.8.1 (Boudin's pke, the last release on PyPI) lists "sklearn" among its dependencies,
# a withdrawn package whose install fails on purpose; its real dependencies are in requirements.txt.
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps pke-tool==1.8.1

cargo build --release --quiet --manifest-path rust-peers/Cargo.toml

# pke reads NLTK's English stop words (nltk.corpus.stopwords), which NLTK would download. The
# `stop-words` crate (crates.io, feature "nltk") ships NLTK's corpus files verbatim; the Rust peers
# binary prints the English one, and it goes where NLTK looks first inside a venv
# (sys.prefix/nltk_data).
mkdir -p .venv/nltk_data/corpora/stopwords
rust-peers/target/release/newstag-rust-peers stopwords > .venv/nltk_data/corpora/stopwords/english
.venv/bin/python - <<'PY'
from nltk.corpus import stopwords
words = stopwords.words("english")
assert len(words) >= 179 and "the" in words and "mightn't" in words, len(words)
print(f"nltk stopwords: {len(words)} English words")
PY
.venv/bin/pip freeze > .venv/freeze.txt
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python run_peers.py --check
echo "peers ready: bench/peers/.venv, bench/peers/rust-peers/target/release/newstag-rust-peers"
