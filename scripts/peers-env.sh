# Sourced by scripts/reports.sh and scripts/editorial.sh, from the repository root, with $OUT set:
# builds newstag and copies it to $OUT/newstag ($BIN), installs the peers when they are missing
# ($PEERS, $RUST_PEERS), keeps them offline, and names the machine ($machine, $today).
log() { echo "$(date -u +%H:%M:%S) $*" >&2; }

cargo build --release -p newstag-cli >/dev/null
# A private copy: the binary under target/ may be rebuilt by someone else during the run.
BIN=$OUT/newstag
cp target/release/newstag "$BIN"
PEERS=bench/peers
RUST_PEERS=$PEERS/rust-peers/target/release/newstag-rust-peers
if [[ ! -x $PEERS/.venv/bin/python || ! -x $RUST_PEERS || ! -s $PEERS/.venv/nltk_data/corpora/stopwords/english ]]; then
  log "installing the peers (bench/peers/setup.sh)"
  $PEERS/setup.sh >&2
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
machine="$(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
today=$(date -u +%Y-%m-%d)
