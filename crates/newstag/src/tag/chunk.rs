//! Noun-phrase chunking: [`Chunker`] marks base noun phrases with IOB2 tags ([`ChunkTag`]).
//!
//! Input is the words and their part-of-speech tags, from [`super::PosTagger`] in the pipeline.
//! The model is a first-order structured perceptron (Collins 2002) trained on CoNLL-2000, by
//! default on its noun phrases alone (`O`, `B-NP`, `I-NP`; the loader also takes a model of all
//! eleven chunk types). Decoding is exact Viterbi and costs little per token:
//!
//! * the **observation** features (words and POS tags two to each side, their pairs and
//!   triples, capitalisation, suffix, Brown clusters from [`WordClusters`]) are scored once per
//!   token into a vector of label scores, with one memory access per feature (`RowTable`);
//! * the **transition** features see only the previous label and the current POS tag, so their
//!   scores are a dense table of (POS tag, previous label, label) built when the model loads,
//!   with the forbidden steps (`I-X` not after `B-X`/`I-X`) folded in. The output is always
//!   well-formed IOB2.

use super::perceptron::{self, feature, feature2, hash_bytes, hash_str, Weights};
use super::pos::{normalize_token, PosTag};
use crate::error::{Error, Result};
use crate::kb::clusters::WordClusters;
use crate::model::{self, ModelKind};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The model file kind of a [`Chunker`].
pub const CHUNK_MODEL: ModelKind = ModelKind { tag: *b"CHNK", version: 3 };

/// The CoNLL-2000 chunk types.
pub const CHUNK_TYPES: [&str; 11] =
    ["NP", "VP", "PP", "ADJP", "ADVP", "SBAR", "PRT", "CONJP", "INTJ", "LST", "UCP"];

const CHUNK_NAMES: [&str; 23] = [
    "O", "B-NP", "I-NP", "B-VP", "I-VP", "B-PP", "I-PP", "B-ADJP", "I-ADJP", "B-ADVP", "I-ADVP", "B-SBAR",
    "I-SBAR", "B-PRT", "I-PRT", "B-CONJP", "I-CONJP", "B-INTJ", "I-INTJ", "B-LST", "I-LST", "B-UCP", "I-UCP",
];

/// An IOB2 chunk tag (`O`, `B-NP`, `I-NP`, `B-VP`, ...), stored as a one-byte id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkTag(u8);

impl ChunkTag {
    /// Outside any chunk.
    pub const O: ChunkTag = ChunkTag(0);
    /// First word of a noun phrase.
    pub const B_NP: ChunkTag = ChunkTag(1);
    /// Later word of a noun phrase.
    pub const I_NP: ChunkTag = ChunkTag(2);
    /// Number of tags.
    pub const COUNT: usize = CHUNK_NAMES.len();

    /// The tag with this name, e.g. `"B-NP"`.
    pub fn parse(name: &str) -> Option<ChunkTag> {
        CHUNK_NAMES.iter().position(|&n| n == name).map(|i| ChunkTag(i as u8))
    }

    /// The tag with this id, if it exists.
    pub fn from_id(id: u8) -> Option<ChunkTag> {
        (usize::from(id) < Self::COUNT).then_some(ChunkTag(id))
    }

    /// The one-byte id.
    pub fn id(self) -> u8 {
        self.0
    }

    /// The IOB2 name.
    pub fn as_str(self) -> &'static str {
        CHUNK_NAMES.get(usize::from(self.0)).copied().unwrap_or("O")
    }

    /// The chunk type (`"NP"`), or `None` for `O`.
    pub fn kind(self) -> Option<&'static str> {
        if self.0 == 0 {
            None
        } else {
            CHUNK_TYPES.get(usize::from((self.0 - 1) / 2)).copied()
        }
    }

    /// True for `B-*`.
    pub fn is_begin(self) -> bool {
        self.0 & 1 == 1
    }

    /// True for `I-*`.
    pub fn is_inside(self) -> bool {
        self.0 != 0 && self.0 & 1 == 0
    }

    /// True for `B-NP` and `I-NP`.
    pub fn is_np(self) -> bool {
        self == Self::B_NP || self == Self::I_NP
    }
}

impl std::fmt::Display for ChunkTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The chunks of a tag sequence as (type, token range), read the way conlleval reads them: a
/// chunk starts at `B-X`, or at `I-X` not preceded by a tag of type X.
pub fn chunk_spans(tags: &[ChunkTag]) -> Vec<(&'static str, Range<usize>)> {
    let mut out: Vec<(&'static str, Range<usize>)> = Vec::new();
    let mut open: Option<(&'static str, usize)> = None;
    for (i, t) in tags.iter().enumerate() {
        let continues = t.is_inside() && open.is_some_and(|(k, _)| Some(k) == t.kind());
        if !continues {
            if let Some((k, s)) = open.take() {
                out.push((k, s..i));
            }
            if let Some(k) = t.kind() {
                open = Some((k, i));
            }
        }
    }
    if let Some((k, s)) = open {
        out.push((k, s..tags.len()));
    }
    out
}

/// The noun phrases of a tag sequence, as token index ranges.
pub fn np_spans(tags: &[ChunkTag]) -> Vec<Range<usize>> {
    chunk_spans(tags).into_iter().filter(|(k, _)| *k == "NP").map(|(_, r)| r).collect()
}

/// Whether chunk tag `cur` may follow `prev` (`None`: sentence start): `I-X` only after `B-X`
/// or `I-X`, anything else after anything.
fn allowed(prev: Option<ChunkTag>, cur: ChunkTag) -> bool {
    !cur.is_inside() || prev.is_some_and(|p| p.kind() == cur.kind())
}

/// The previous-tag part of a transition feature at the sentence start.
const START: u64 = 250;

/// The transition score of a forbidden step (`O` -> `I-NP`): low enough that no path using it
/// can beat one that does not (a token's score moves by at most a few million).
const FORBIDDEN: i32 = -1_000_000_000;

#[derive(Debug, Clone, Copy, Default)]
struct CTok {
    lower: u64,
    pos: u64,
    suf: u64,
    cap: u64,
    /// Brown-cluster path prefixes of the word (4 and 8 steps, whole path), or 1 if unclustered.
    cl: [u64; 3],
}

const PAD_BEFORE: CTok =
    CTok { lower: 0x5354_4152_545F_5F31, pos: 200, suf: 0x5354_4152_545F_5F31, cap: 2, cl: [2; 3] };
const PAD_AFTER: CTok =
    CTok { lower: 0x454E_445F_5F5F_5F31, pos: 201, suf: 0x454E_445F_5F5F_5F31, cap: 3, cl: [3; 3] };

/// The word-level parts of a token's features: (capitalised, hash of the lower-cased form, hash
/// of the last three characters). ASCII words (nearly all) are lower-cased on the stack; the
/// hashes equal `hash_str(&form.to_lowercase())` and `hash_str(suffix)` either way.
#[inline]
fn word_parts(form: &str) -> (bool, u64, u64) {
    let b = form.as_bytes();
    if b.is_ascii() {
        let cap = b.first().is_some_and(u8::is_ascii_uppercase);
        let suf = hash_bytes(&b[b.len().saturating_sub(3)..]);
        let mut buf = [0u8; 32];
        let lower = if !b.iter().any(u8::is_ascii_uppercase) {
            hash_bytes(b)
        } else if let Some(dst) = buf.get_mut(..b.len()) {
            for (d, s) in dst.iter_mut().zip(b) {
                *d = s.to_ascii_lowercase();
            }
            hash_bytes(dst)
        } else {
            hash_bytes(form.to_ascii_lowercase().as_bytes())
        };
        return (cap, lower, suf);
    }
    let cap = form.chars().next().is_some_and(char::is_uppercase);
    let lower =
        if form.chars().any(char::is_uppercase) { hash_str(&form.to_lowercase()) } else { hash_str(form) };
    let suf_start = form.char_indices().rev().nth(2).map_or(0, |(i, _)| i);
    (cap, lower, hash_str(&form[suf_start..]))
}

fn prepare(words: &[&str], pos: &[PosTag], clusters: &WordClusters, out: &mut Vec<CTok>) {
    out.clear();
    for (w, p) in words.iter().zip(pos) {
        let form = normalize_token(w);
        let (cap, lower, suf) = word_parts(&form);
        let cl = clusters.path(&form).map_or([1; 3], |p| [p.prefix(4), p.prefix(8), p.prefix(64)]);
        out.push(CTok { lower, pos: u64::from(p.id()), suf, cap: u64::from(cap), cl });
    }
}

/// The word clusters the chunker's features read (`clusters.bin`).
#[cfg(feature = "embedded")]
fn word_clusters() -> Result<&'static WordClusters> {
    WordClusters::embedded()
}

#[cfg(not(feature = "embedded"))]
fn word_clusters() -> Result<&'static WordClusters> {
    Err(Error::model(CHUNK_MODEL.name(), "the chunker needs the embedded word clusters (feature `embedded`)"))
}

fn ctok_at(toks: &[CTok], i: isize) -> &CTok {
    if i < 0 {
        &PAD_BEFORE
    } else {
        toks.get(i as usize).unwrap_or(&PAD_AFTER)
    }
}

/// The observation feature keys: a multiply-rotate hash with one multiplication per part,
/// cheaper than the shared [`perceptron::feature`] mixers. `key1(t, a)`, `key2(t, a, b)`,
/// `key3(t, a, b, c)` are the keys of template `t` with its parts in order; they are odd, so
/// never 0. A key's parts can be started ahead of time with [`part`] (the POS tag parts of the
/// three-label decoder's tables).
const M1: u64 = 0x9E37_79B9_7F4A_7C15;
const M2: u64 = 0xD6E8_FEB8_6659_FD93;

#[inline]
fn seed(t: u32) -> u64 {
    (u64::from(t) + 1).wrapping_mul(0xA076_1D64_78BD_642F)
}

#[inline]
fn fin(x: u64) -> u64 {
    (x ^ (x >> 32)) | 1
}

/// The first part of a key of two or more parts.
#[inline]
fn part(t: u32, a: u64) -> u64 {
    (a ^ seed(t)).wrapping_mul(M1).rotate_left(32)
}

/// The first two parts of a key of three parts.
#[inline]
fn part2(t: u32, a: u64, b: u64) -> u64 {
    (part(t, a) ^ b).wrapping_mul(M2).rotate_left(32)
}

#[inline]
fn key1(t: u32, a: u64) -> u64 {
    fin((a ^ seed(t)).wrapping_mul(M1))
}

/// [`key2`] from `part(t, a)`.
#[inline]
fn key2p(part: u64, b: u64) -> u64 {
    fin((part ^ b).wrapping_mul(M2))
}

#[inline]
fn key2(t: u32, a: u64, b: u64) -> u64 {
    key2p(part(t, a), b)
}

/// [`key3`] from `part2(t, a, b)`.
#[inline]
fn key3p(part2: u64, c: u64) -> u64 {
    fin((part2 ^ c).wrapping_mul(M1))
}

#[inline]
fn key3(t: u32, a: u64, b: u64, c: u64) -> u64 {
    key3p(part2(t, a, b), c)
}

/// Number of observation features per token.
const N_OBS: usize = 32;

/// The observation features of token `i` (independent of the chunk tags), appended to `out`.
fn obs_features(toks: &[CTok], i: usize, out: &mut Vec<u64>) {
    let ii = i as isize;
    let w = |d: isize| ctok_at(toks, ii + d).lower;
    let t = |d: isize| ctok_at(toks, ii + d).pos;
    let cl = |d: isize, k: usize| ctok_at(toks, ii + d).cl[k];
    let here = ctok_at(toks, ii);
    let feats: [u64; N_OBS] = [
        key1(0, 0),
        key1(1, w(0)),
        key1(2, w(-1)),
        key1(3, w(1)),
        key1(4, w(-2)),
        key1(5, w(2)),
        key2(6, w(-1), w(0)),
        key2(7, w(0), w(1)),
        key1(8, t(0)),
        key1(9, t(-1)),
        key1(10, t(1)),
        key1(11, t(-2)),
        key1(12, t(2)),
        key2(13, t(-1), t(0)),
        key2(14, t(0), t(1)),
        key2(15, t(-2), t(-1)),
        key2(16, t(1), t(2)),
        key3(17, t(-1), t(0), t(1)),
        key3(18, t(-2), t(-1), t(0)),
        key3(19, t(0), t(1), t(2)),
        key2(20, t(0), w(0)),
        key2(21, t(0), w(-1)),
        key2(22, t(1), w(0)),
        key2(23, t(0), w(1)),
        key2(24, t(0), here.cap),
        key2(25, t(0), here.suf),
        key3(26, t(-1), t(0), w(0)),
        key1(32, cl(0, 1)),
        key1(33, cl(0, 2)),
        key1(34, cl(1, 2)),
        key1(35, cl(-1, 2)),
        key2(36, t(0), cl(0, 0)),
    ];
    #[cfg(test)]
    let feats = ablation::drop_templates(feats);
    out.extend_from_slice(&feats);
}

/// Feature ablation for [`training`]'s cross-validation test: `CHUNK_DROP=4,5` trains without
/// templates 4 and 5 (their keys become 0, which is no feature).
#[cfg(test)]
mod ablation {
    use super::N_OBS;
    use std::sync::OnceLock;

    /// The template of each observation feature, in [`super::obs_features`] order.
    const TEMPLATES: [u32; N_OBS] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 32,
        33, 34, 35, 36,
    ];

    fn dropped() -> u64 {
        static MASK: OnceLock<u64> = OnceLock::new();
        *MASK.get_or_init(|| {
            std::env::var("CHUNK_DROP").map_or(0, |v| {
                v.split(',').filter_map(|t| t.trim().parse::<u32>().ok()).fold(0, |m, t| m | (1 << t))
            })
        })
    }

    pub(super) fn drop_templates(mut feats: [u64; N_OBS]) -> [u64; N_OBS] {
        let mask = dropped();
        if mask != 0 {
            for (f, &t) in feats.iter_mut().zip(&TEMPLATES) {
                if mask & (1 << t) != 0 {
                    *f = 0;
                }
            }
        }
        feats
    }
}

/// Number of transition features per (previous tag, POS tag).
const N_EDGE: usize = 2;

/// The transition features of a step from chunk tag `prev` (its id, or [`START`]) to a token
/// with POS tag `pos`. They see nothing else, so a model's transition scores fit in a dense
/// table of (POS tag, previous tag, tag) built once at load time; decoding does no lookups for
/// them.
fn edge_features(prev: u64, pos: u64) -> [u64; N_EDGE] {
    [feature(40, prev), feature2(41, prev, pos)]
}

/// The transition block of POS tag `pos`: `(n + 1) x n` scores, row `p` for previous label `p`
/// (row `n`: sentence start), forbidden steps set to [`FORBIDDEN`].
fn transition_block(labels: &[ChunkTag], pos: u64, score: &dyn Fn(&[u64], &mut [i32]), out: &mut [i32]) {
    let n = labels.len();
    for p in 0..=n {
        let prev = labels.get(p).copied();
        let row = &mut out[p * n..(p + 1) * n];
        score(&edge_features(prev.map_or(START, |t| u64::from(t.id())), pos), row);
        for (r, &cur) in row.iter_mut().zip(labels) {
            if !allowed(prev, cur) {
                *r = FORBIDDEN;
            }
        }
    }
}

/// The most labels a model can have (all the IOB2 tags).
const MAX_LABELS: usize = ChunkTag::COUNT;

/// Exact first-order Viterbi decoding. `emit` holds `n` scores per token; `block(i)` is the
/// transition block of token `i` (see [`transition_block`]). Writes label indices to `out`.
/// Ties go to the lower label index, so the result is deterministic.
fn viterbi<'a>(
    n: usize,
    emit: &[i32],
    block: impl Fn(usize) -> &'a [i32],
    back: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    out.clear();
    let n_tok = emit.len().checked_div(n).unwrap_or(0);
    if n_tok == 0 || n > MAX_LABELS {
        return;
    }
    back.clear();
    back.resize(n_tok * n, 0);
    let mut delta = [0i64; MAX_LABELS];
    let mut next = [0i64; MAX_LABELS];
    {
        let b = block(0);
        let start = &b[n * n..(n + 1) * n];
        for c in 0..n {
            delta[c] = i64::from(emit[c]) + i64::from(start[c]);
        }
    }
    for i in 1..n_tok {
        let b = &block(i)[..n * n];
        let e = &emit[i * n..(i + 1) * n];
        let bk = &mut back[i * n..(i + 1) * n];
        for c in 0..n {
            let mut best = delta[0] + i64::from(b[c]);
            let mut arg = 0u8;
            for p in 1..n {
                let s = delta[p] + i64::from(b[p * n + c]);
                if s > best {
                    best = s;
                    arg = p as u8;
                }
            }
            next[c] = best + i64::from(e[c]);
            bk[c] = arg;
        }
        delta[..n].copy_from_slice(&next[..n]);
    }
    let mut best = perceptron::argmax(&delta[..n]) as u8;
    out.resize(n_tok, 0);
    for i in (0..n_tok).rev() {
        out[i] = best;
        if i > 0 {
            best = back[i * n + usize::from(best)];
        }
    }
}

/// POS slots of the dense tables: the tags, then one padding slot (the sentence start before
/// the token, the sentence end after it).
const NPOS: usize = PosTag::COUNT + 1;
/// The padding slot.
const PAD: u8 = PosTag::COUNT as u8;

/// The feature part of a POS slot before the token (padding: [`PAD_BEFORE`]).
fn pos_before(slot: usize) -> u64 {
    if slot == usize::from(PAD) {
        PAD_BEFORE.pos
    } else {
        slot as u64
    }
}

/// The feature part of a POS slot after the token (padding: [`PAD_AFTER`]).
fn pos_after(slot: usize) -> u64 {
    if slot == usize::from(PAD) {
        PAD_AFTER.pos
    } else {
        slot as u64
    }
}

/// A token as the three-label decoder sees it.
#[derive(Debug, Clone, Copy)]
struct FTok {
    lower: u64,
    suf: u64,
    /// The POS slot (tag id, or [`PAD`]).
    pos: u8,
    /// Index into [`Fast::base`] without the POS tag: (cluster prefix of 4 steps, capitalised).
    base: u16,
    /// Row of [`Fast::clusters`]: the cluster index, or one of the three rows after them.
    cl: u32,
    /// The weights of the word's own form as the token (template 1), the token before (2),
    /// after (3), two before (4) and two after (5) another.
    words: [[i32; 3]; 5],
}

/// What the three-label decoder reads of a word form whatever its context, worked out once per
/// thread and form ([`WordMemo`]).
#[derive(Debug, Clone, Copy)]
struct WordInfo {
    lower: u64,
    suf: u64,
    /// [`FTok::base`].
    base: u16,
    /// [`FTok::cl`].
    cl: u32,
    /// [`FTok::words`].
    words: [[i32; 3]; 5],
}

/// The [`WordInfo`] of the forms a thread has met, for the [`Fast`] tables it was worked out
/// with (`owner`: their id). News repeats its words, so most tokens cost one lookup here instead
/// of their hashes, a cluster lookup and five weight lookups.
#[derive(Default)]
struct WordMemo {
    owner: u64,
    map: rustc_hash::FxHashMap<Box<str>, WordInfo>,
}

/// Forms a [`WordMemo`] keeps before it starts again (a few MB at most).
const MEMO_MAX: usize = 1 << 16;

/// Ids of [`Fast`] instances, for [`WordMemo::owner`] (0: none).
static NEXT_FAST_ID: AtomicU64 = AtomicU64::new(1);

/// One row of a POS-window table, allocated on first use: the summed weights of the POS-only
/// templates for each tag in the window's last slot, each filled on first use ([`pack`]ed; 0
/// until then).
type PosBlock = Box<[AtomicU64; NPOS]>;

/// Bias of a packed score: the sums of at most six `i16` weights fit in 21 bits.
const PACK_BIAS: i64 = 1 << 20;

/// Three scores in one word, with bit 63 set (so never 0).
fn pack(scores: [i32; 3]) -> u64 {
    scores.iter().enumerate().fold(1 << 63, |acc, (k, &v)| {
        acc | (((i64::from(v).clamp(-PACK_BIAS, PACK_BIAS - 1) + PACK_BIAS) as u64) << (21 * k))
    })
}

/// The scores of [`pack`].
#[inline]
fn unpack(packed: u64) -> [i32; 3] {
    let field = |k: u32| (((packed >> (21 * k)) & ((1 << 21) - 1)) as i64 - PACK_BIAS) as i32;
    [field(0), field(1), field(2)]
}

/// The parts of the emission scores of a three-label model that need no hashing, as dense
/// tables: everything that depends on POS tags alone (12 templates, three window lookups per
/// token), on the word's Brown cluster alone (4 templates, one row per cluster) and on
/// (cluster prefix, capitalisation, POS tag) with the bias. The sums are those of the same
/// features looked up one by one, so decoding gives the same output.
struct Fast {
    /// Templates 0, 24 and 36, by ((4-step cluster prefix id, capitalised), POS tag).
    base: Vec<[i32; 3]>,
    /// Per cluster (then unclustered, sentence start, sentence end): the weights it gives the
    /// token itself (templates 32, 33), the token before it (34) and the token after it (35).
    clusters: Vec<[[i32; 3]; 3]>,
    /// Per cluster (then unclustered): its 4-step prefix id (below 32).
    prefix4: Vec<u8>,
    /// (t-1, t0) -> t+1: templates 8, 9, 10, 13, 14, 17.
    around: Vec<OnceLock<PosBlock>>,
    /// (t-2, t-1) -> t0: templates 11, 15, 18.
    before: Vec<OnceLock<PosBlock>>,
    /// (t0, t+1) -> t+2: templates 12, 16, 19.
    after: Vec<OnceLock<PosBlock>>,
    /// Per POS slot, the key parts of templates 20, 21, 23, 25 (the tag as t0) and 22 (as t+1).
    tag_parts: Vec<[u64; 5]>,
    /// Per (t-1, t0) slots, the key part of template 26.
    after_tag: Vec<u64>,
    /// [`FTok::words`] of the sentence start and end padding.
    pad_words: [[[i32; 3]; 5]; 2],
    /// This instance's [`WordMemo::owner`] id.
    id: u64,
}

/// Hashed word-pair features per token in [`Fast::emissions`].
const PAIR_KEYS: usize = 8;

/// The 4-step prefix ids are below this (a marker bit above at most 4 path bits).
const PREFIX4_IDS: usize = 32;

impl Fast {
    fn new(table: &RowTable, clusters: &WordClusters) -> Fast {
        let score = |features: &[u64]| {
            let mut s = [0i32; 3];
            table.score(features, &mut s);
            s
        };
        let mut base = vec![[0i32; 3]; PREFIX4_IDS * 2 * PosTag::COUNT];
        for (i, b) in base.iter_mut().enumerate() {
            let (p4, cap, t) =
                ((i / PosTag::COUNT / 2) as u64, (i / PosTag::COUNT % 2) as u64, (i % PosTag::COUNT) as u64);
            *b = score(&[key1(0, 0), key2(24, t, cap), key2(36, t, p4)]);
        }
        let n = clusters.num_clusters();
        let mut paths: Vec<[u64; 3]> = (0..n as u32)
            .map(|c| clusters.cluster_path(c).map_or([1; 3], |p| [p.prefix(4), p.prefix(8), p.prefix(64)]))
            .collect();
        paths.extend([[1; 3], PAD_BEFORE.cl, PAD_AFTER.cl]);
        let rows = paths
            .iter()
            .map(|cl| {
                [
                    score(&[key1(32, cl[1]), key1(33, cl[2])]),
                    score(&[key1(34, cl[2])]),
                    score(&[key1(35, cl[2])]),
                ]
            })
            .collect();
        let prefix4 = paths[..=n].iter().map(|cl| cl[0].min(PREFIX4_IDS as u64 - 1) as u8).collect();
        let lazy = || (0..NPOS * NPOS).map(|_| OnceLock::new()).collect::<Vec<_>>();
        let tag_parts = (0..NPOS)
            .map(|slot| {
                let t0 = slot as u64;
                [part(20, t0), part(21, t0), part(23, t0), part(25, t0), part(22, pos_after(slot))]
            })
            .collect();
        let after_tag =
            (0..NPOS * NPOS).map(|i| part2(26, pos_before(i / NPOS), (i % NPOS) as u64)).collect();
        let pad_words = [word_rows(table, PAD_BEFORE.lower), word_rows(table, PAD_AFTER.lower)];
        Fast {
            base,
            clusters: rows,
            prefix4,
            around: lazy(),
            before: lazy(),
            after: lazy(),
            tag_parts,
            after_tag,
            pad_words,
            id: NEXT_FAST_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The context-free part of a token of form `form`.
    fn word_info(&self, form: &str, table: &RowTable, clusters: &WordClusters) -> WordInfo {
        let n = self.clusters.len() - 3;
        let (cap, lower, suf) = word_parts(form);
        let cl = clusters.cluster(form).map_or(n, |c| (c as usize).min(n));
        let p4 = self.prefix4.get(cl).copied().unwrap_or(1);
        let base = ((usize::from(p4) * 2 + usize::from(cap)) * PosTag::COUNT) as u16;
        WordInfo { lower, suf, base, cl: cl as u32, words: word_rows(table, lower) }
    }

    /// The summed weights of POS window table `which` (0: around, 1: before, 2: after) for
    /// slots `a`, `b`, `c`: looked up once, then read from the table.
    #[inline]
    fn window(&self, table: &RowTable, which: usize, a: u8, b: u8, c: u8) -> [i32; 3] {
        let cells = match which {
            0 => &self.around,
            1 => &self.before,
            _ => &self.after,
        };
        let Some(block) = cells.get(usize::from(a) * NPOS + usize::from(b)) else { return [0; 3] };
        let block = block.get_or_init(|| Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
        let Some(cell) = block.get(usize::from(c)) else { return [0; 3] };
        match cell.load(Ordering::Relaxed) {
            0 => {
                let scores = Self::fill(table, which, usize::from(a), usize::from(b), usize::from(c));
                cell.store(pack(scores), Ordering::Relaxed);
                scores
            }
            packed => unpack(packed),
        }
    }

    /// The summed weights of one POS window, looked up feature by feature.
    #[cold]
    #[inline(never)]
    fn fill(table: &RowTable, which: usize, a: usize, b: usize, c: usize) -> [i32; 3] {
        let features = match which {
            0 => {
                let (tm1, t0, tp1) = (pos_before(a), b as u64, pos_after(c));
                [
                    key1(8, t0),
                    key1(9, tm1),
                    key1(10, tp1),
                    key2(13, tm1, t0),
                    key2(14, t0, tp1),
                    key3(17, tm1, t0, tp1),
                ]
            }
            1 => {
                let (tm2, tm1, t0) = (pos_before(a), pos_before(b), c as u64);
                [key1(11, tm2), key2(15, tm2, tm1), key3(18, tm2, tm1, t0), 0, 0, 0]
            }
            _ => {
                let (t0, tp1, tp2) = (a as u64, pos_after(b), pos_after(c));
                [key1(12, tp2), key2(16, tp1, tp2), key3(19, t0, tp1, tp2), 0, 0, 0]
            }
        };
        let mut scores = [0i32; 3];
        // Key 0 is never a feature: the padding finds nothing.
        for f in features {
            table.add3(f, &mut scores);
        }
        scores
    }

    /// Fills `toks` with the sentence, two padding tokens on each side.
    fn prepare(
        &self,
        words: &[&str],
        pos: &[PosTag],
        clusters: &WordClusters,
        table: &RowTable,
        memo: &mut WordMemo,
        toks: &mut Vec<FTok>,
    ) {
        let n = self.clusters.len() - 3;
        let pad = |t: &CTok, cl: usize, words| FTok {
            lower: t.lower,
            suf: t.suf,
            pos: PAD,
            base: 0,
            cl: cl as u32,
            words,
        };
        if memo.owner != self.id || memo.map.len() >= MEMO_MAX {
            memo.map.clear();
            memo.owner = self.id;
        }
        toks.clear();
        let before = pad(&PAD_BEFORE, n + 1, self.pad_words[0]);
        toks.extend([before, before]);
        for (w, p) in words.iter().zip(pos) {
            let form = normalize_token(w);
            let info = match memo.map.get(&*form) {
                Some(info) => *info,
                None => {
                    let info = self.word_info(&form, table, clusters);
                    memo.map.insert(Box::from(&*form), info);
                    info
                }
            };
            let WordInfo { lower, suf, base, cl, words } = info;
            toks.push(FTok { lower, suf, pos: p.id(), base, cl, words });
        }
        let after = pad(&PAD_AFTER, n + 2, self.pad_words[1]);
        toks.extend([after, after]);
    }

    /// The emission scores of a prepared sentence, one triple per token. The hashed word-pair
    /// features (`keys`: [`PAIR_KEYS`] per token) are looked up last, for the whole sentence in
    /// batches ([`RowTable::add_tokens`]), so that their cache misses overlap.
    #[inline]
    fn emissions(&self, table: &RowTable, toks: &[FTok], emit: &mut Vec<[i32; 3]>, keys: &mut Vec<u64>) {
        fast_emissions(self, table, toks, emit, keys);
    }
}

/// [`Fast::emissions`], compiled for plain x86-64 and for AVX2, chosen at run time. The same
/// integer sums.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn fast_emissions(
    fast: &Fast,
    table: &RowTable,
    toks: &[FTok],
    emit: &mut Vec<[i32; 3]>,
    keys: &mut Vec<u64>,
) {
    emit.clear();
    keys.clear();
    for win in toks.windows(5) {
        let [m2, m1, t, p1, p2] = [&win[0], &win[1], &win[2], &win[3], &win[4]];
        let mut s = fast.base.get(usize::from(t.base) + usize::from(t.pos)).copied().unwrap_or_default();
        let mut add = |v: &[i32; 3]| {
            s[0] += v[0];
            s[1] += v[1];
            s[2] += v[2];
        };
        let row = |c: &FTok, k: usize| fast.clusters.get(c.cl as usize).map_or([0; 3], |r| r[k]);
        add(&row(t, 0));
        add(&row(p1, 1));
        add(&row(m1, 2));
        add(&t.words[0]);
        add(&m1.words[1]);
        add(&p1.words[2]);
        add(&m2.words[3]);
        add(&p2.words[4]);
        add(&fast.window(table, 0, m1.pos, t.pos, p1.pos));
        add(&fast.window(table, 1, m2.pos, m1.pos, t.pos));
        add(&fast.window(table, 2, t.pos, p1.pos, p2.pos));
        let tp = fast.tag_parts.get(usize::from(t.pos)).copied().unwrap_or_default();
        let p22 = fast.tag_parts.get(usize::from(p1.pos)).map_or(0, |p| p[4]);
        let p26 = fast.after_tag.get(usize::from(m1.pos) * NPOS + usize::from(t.pos)).copied().unwrap_or(0);
        let pair_keys: [u64; PAIR_KEYS] = [
            key2(6, m1.lower, t.lower),
            key2(7, t.lower, p1.lower),
            key2p(tp[0], t.lower),
            key2p(tp[1], m1.lower),
            key2p(p22, t.lower),
            key2p(tp[2], p1.lower),
            key2p(tp[3], t.suf),
            key3p(p26, t.lower),
        ];
        keys.extend(pair_keys);
        emit.push(s);
    }
    table.add_tokens(keys, PAIR_KEYS, 3, emit.as_flattened_mut());
}

/// The weights of a lower-cased form `lower` under the word templates 1 to 5 ([`FTok::words`]).
fn word_rows(table: &RowTable, lower: u64) -> [[i32; 3]; 5] {
    std::array::from_fn(|k| {
        let mut s = [0i32; 3];
        table.add3(key1(k as u32 + 1, lower), &mut s);
        s
    })
}

/// [`viterbi`] for three labels: `emit` one triple per token, `block(i)` token `i`'s
/// transition block (12 scores).
fn viterbi3<'a>(
    emit: &[[i32; 3]],
    block: impl Fn(usize) -> &'a [i32],
    back: &mut Vec<[u8; 3]>,
    out: &mut Vec<u8>,
) {
    out.clear();
    let Some(first) = emit.first() else { return };
    back.clear();
    back.resize(emit.len(), [0; 3]);
    let start = block(0);
    let mut delta = [0i64; 3];
    for c in 0..3 {
        delta[c] = i64::from(first[c]) + i64::from(start.get(9 + c).copied().unwrap_or(0));
    }
    for (i, (e, bk)) in emit.iter().zip(back.iter_mut()).enumerate().skip(1) {
        let Some(b) = block(i).get(..9) else { return };
        let mut next = [0i64; 3];
        for c in 0..3 {
            let mut best = delta[0] + i64::from(b[c]);
            let mut arg = 0u8;
            let s1 = delta[1] + i64::from(b[3 + c]);
            if s1 > best {
                best = s1;
                arg = 1;
            }
            let s2 = delta[2] + i64::from(b[6 + c]);
            if s2 > best {
                best = s2;
                arg = 2;
            }
            next[c] = best + i64::from(e[c]);
            bk[c] = arg;
        }
        delta = next;
    }
    let mut best = perceptron::argmax(&delta) as u8;
    out.resize(emit.len(), 0);
    for i in (0..emit.len()).rev() {
        out[i] = best;
        best = back[i][usize::from(best)];
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct ChunkModelData {
    /// The IOB2 tag ids the model predicts (all 23, or `O`, `B-NP`, `I-NP`).
    labels: Vec<u8>,
    weights: perceptron::StoredWeights,
}

#[derive(Default)]
struct Scratch {
    toks: Vec<CTok>,
    feats: Vec<u64>,
    emit: Vec<i32>,
    back: Vec<u8>,
    path: Vec<u8>,
    ftoks: Vec<FTok>,
    emit3: Vec<[i32; 3]>,
    back3: Vec<[u8; 3]>,
    memo: WordMemo,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A trained noun-phrase chunker. Immutable, `Send + Sync`.
///
/// ```
/// # fn main() -> newstag::Result<()> {
/// use newstag::tag::{Chunker, PosTagger, np_spans};
/// let words = ["The", "central", "bank", "raised", "interest", "rates", "."];
/// let pos = PosTagger::embedded()?.tag(&words);
/// let chunks = Chunker::embedded()?.chunk(&words, &pos);
/// assert_eq!(np_spans(&chunks), vec![0..3, 4..6]);
/// # Ok(()) }
/// ```
pub struct Chunker {
    labels: Vec<ChunkTag>,
    table: RowTable,
    stored: perceptron::StoredWeights,
    /// The transition blocks of every POS tag, one after the other (see [`transition_block`]).
    transitions: Vec<i32>,
    clusters: &'static WordClusters,
    /// The dense tables of a three-label model (`O`, `B-NP`, `I-NP`), which decodes through
    /// them; `None` for other label sets.
    fast: Option<Fast>,
}

impl std::fmt::Debug for Chunker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (features, weights) = self.stats();
        f.debug_struct("Chunker")
            .field("labels", &self.labels.len())
            .field("features", &features)
            .field("weights", &weights)
            .finish()
    }
}

/// The perceptron weights laid out for one memory access per feature: an open-addressed table
/// whose slot holds the key's fingerprint (its low 32 bits; keys are odd, so never 0, and 0 marks
/// an empty slot) followed by the weights of all the labels. With three labels a slot is 10 bytes,
/// where [`Weights`] reads a slot and then its entries elsewhere; the table is larger than the
/// fast caches, so the second access was half the time of a sentence.
#[derive(Debug, Clone)]
struct RowTable {
    stride: usize,
    shift: u32,
    mask: usize,
    cells: Vec<u16>,
}

impl RowTable {
    /// Builds the table from weights already checked by [`Weights::from_stored`].
    fn new(stored: &perceptron::StoredWeights) -> RowTable {
        let n = usize::from(stored.n_classes);
        let stride = 2 + n;
        // Load factor at most 0.7: short probe sequences, and an empty slot always exists. A
        // fuller table than usual, so that it fits in the second-level cache more often.
        let bits = (stored.keys.len().max(1) * 10 / 7 + 1).next_power_of_two().trailing_zeros().max(1);
        let (size, shift) = (1usize << bits, 64 - bits);
        let mask = size - 1;
        let mut cells = vec![0u16; size * stride];
        let mut start = 0usize;
        for (&key, &len) in stored.keys.iter().zip(&stored.lens) {
            let mut i = (key >> shift) as usize;
            while cells[i * stride] != 0 || cells[i * stride + 1] != 0 {
                i = (i + 1) & mask;
            }
            cells[i * stride] = key as u16;
            cells[i * stride + 1] = (key >> 16) as u16;
            let end = start + usize::from(len);
            for (&c, &v) in stored.classes[start..end].iter().zip(&stored.values[start..end]) {
                cells[i * stride + 2 + usize::from(c)] = v as u16;
            }
            start = end;
        }
        RowTable { stride, shift, mask, cells }
    }

    /// Adds the weights of feature `key` to `scores` (one per label).
    #[inline]
    fn add(&self, key: u64, scores: &mut [i32]) {
        let fingerprint = key as u32;
        let mut i = (key >> self.shift) as usize;
        loop {
            let Some(cell) = self.cells.get(i * self.stride..(i + 1) * self.stride) else { return };
            let f = u32::from(cell[0]) | (u32::from(cell[1]) << 16);
            if f == fingerprint {
                for (s, &w) in scores.iter_mut().zip(&cell[2..]) {
                    *s += i32::from(w as i16);
                }
                return;
            }
            if f == 0 {
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// [`add`](Self::add) for a table of three labels.
    #[inline]
    fn add3(&self, key: u64, scores: &mut [i32; 3]) {
        let fingerprint = key as u32;
        let mut i = (key >> self.shift) as usize;
        loop {
            let Some(cell) = self.cells.get(i * 5..i * 5 + 5) else { return };
            let f = u32::from(cell[0]) | (u32::from(cell[1]) << 16);
            if f == fingerprint {
                scores[0] += i32::from(cell[2] as i16);
                scores[1] += i32::from(cell[3] as i16);
                scores[2] += i32::from(cell[4] as i16);
                return;
            }
            if f == 0 {
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Sets `scores` to the sum of the weights of `features`.
    #[inline]
    fn score(&self, features: &[u64], scores: &mut [i32]) {
        scores.iter_mut().for_each(|s| *s = 0);
        for &f in features {
            self.add(f, scores);
        }
    }

    /// The emission scores of a sentence: `emit` gets `n` scores per group of `per_token`
    /// features.
    fn score_tokens(&self, features: &[u64], per_token: usize, n: usize, emit: &mut [i32]) {
        emit.iter_mut().for_each(|s| *s = 0);
        self.add_tokens(features, per_token, n, emit);
    }

    /// Adds to `emit`, `n` scores per token, the weights of each group of `per_token` features.
    /// The home slots of a batch of features are read first, in a loop without branches, so
    /// that the processor overlaps those cache misses instead of waiting for each.
    #[inline(always)]
    fn add_tokens(&self, features: &[u64], per_token: usize, n: usize, emit: &mut [i32]) {
        const BATCH: usize = 32;
        let mut home = [0u16; BATCH];
        for (b, chunk) in features.chunks(BATCH).enumerate() {
            for (h, &f) in home.iter_mut().zip(chunk) {
                *h = self.cells.get((f >> self.shift) as usize * self.stride).copied().unwrap_or(0);
            }
            for (j, (&h, &f)) in home.iter().zip(chunk).enumerate() {
                // An empty home slot (the common case for an unseen feature) ends the search: keys
                // are odd, so an occupied slot's low fingerprint half is never 0.
                if h == 0 {
                    continue;
                }
                let token = (b * BATCH + j) / per_token.max(1);
                match emit.get_mut(token * n..(token + 1) * n) {
                    Some(scores) if n == 3 => {
                        if let Ok(scores) = <&mut [i32; 3]>::try_from(scores) {
                            self.add3(f, scores);
                        }
                    }
                    Some(scores) => self.add(f, scores),
                    None => {}
                }
            }
        }
    }
}

impl Chunker {
    fn with_weights(labels: Vec<ChunkTag>, weights: Weights) -> Result<Chunker> {
        let n = labels.len();
        let block = (n + 1) * n;
        let stored = weights.stored().clone();
        let table = RowTable::new(&stored);
        let mut transitions = vec![0i32; PosTag::COUNT * block];
        for (t, out) in transitions.chunks_exact_mut(block).enumerate() {
            transition_block(&labels, t as u64, &|f, s| table.score(f, s), out);
        }
        let clusters = word_clusters()?;
        let fast = (n == 3).then(|| Fast::new(&table, clusters));
        Ok(Chunker { labels, table, stored, transitions, clusters, fast })
    }

    /// Loads a chunker from a model file's bytes (kind `CHNK`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Chunker> {
        let data: ChunkModelData = model::decode(CHUNK_MODEL, bytes)?;
        let bad = |reason: String| Error::model(CHUNK_MODEL.name(), reason);
        let labels = data
            .labels
            .iter()
            .map(|&id| ChunkTag::from_id(id).ok_or_else(|| bad(format!("unknown chunk tag id {id}"))))
            .collect::<Result<Vec<_>>>()?;
        if labels.is_empty() || labels.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad("labels are not a non-empty ascending list".into()));
        }
        let weights = Weights::from_stored(data.weights).map_err(|e| bad(format!("weights: {e}")))?;
        if weights.n_classes() != labels.len() {
            return Err(bad(format!("{} classes for {} labels", weights.n_classes(), labels.len())));
        }
        Chunker::with_weights(labels, weights)
    }

    /// Loads a chunker from a model file.
    pub fn load(path: &std::path::Path) -> Result<Chunker> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::io(format!("reading model {}", path.display()), e))?;
        Self::from_bytes(&bytes)
    }

    /// The chunker built into the binary (`chunk.bin` of `newstag-models`), loaded on first use.
    #[cfg(feature = "embedded")]
    pub fn embedded() -> Result<&'static Chunker> {
        static CELL: std::sync::OnceLock<std::result::Result<Chunker, String>> = std::sync::OnceLock::new();
        model::embedded(&CELL, "chunk.bin", &CHUNK_MODEL.name(), Chunker::from_bytes)
    }

    /// The model file bytes of this chunker.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        model::encode(
            CHUNK_MODEL,
            &ChunkModelData {
                labels: self.labels.iter().map(|t| t.id()).collect(),
                weights: self.stored.clone(),
            },
        )
    }

    /// The tags this model can output (all IOB2 tags, or `O`, `B-NP` and `I-NP`).
    pub fn labels(&self) -> &[ChunkTag] {
        &self.labels
    }

    /// Chunk tags for one sentence: `words` and their part-of-speech tags (one per word; extra
    /// words without a tag are left out).
    pub fn chunk(&self, words: &[&str], pos: &[PosTag]) -> Vec<ChunkTag> {
        let mut out = Vec::with_capacity(words.len());
        self.chunk_into(words, pos, &mut out);
        out
    }

    /// Like [`chunk`](Self::chunk), into `out` (cleared first).
    pub fn chunk_into(&self, words: &[&str], pos: &[PosTag], out: &mut Vec<ChunkTag>) {
        out.clear();
        let n = self.labels.len();
        let block = (n + 1) * n;
        let run = |s: &mut Scratch, out: &mut Vec<ChunkTag>| {
            if let Some(fast) = &self.fast {
                fast.prepare(words, pos, self.clusters, &self.table, &mut s.memo, &mut s.ftoks);
                fast.emissions(&self.table, &s.ftoks, &mut s.emit3, &mut s.feats);
                let (toks, transitions) = (&s.ftoks[2..], &self.transitions);
                viterbi3(
                    &s.emit3,
                    |i| {
                        let t = toks.get(i).map_or(0, |t| usize::from(t.pos));
                        transitions.get(t * 12..(t + 1) * 12).unwrap_or(&[])
                    },
                    &mut s.back3,
                    &mut s.path,
                );
                out.extend(
                    s.path.iter().map(|&c| self.labels.get(usize::from(c)).copied().unwrap_or(ChunkTag::O)),
                );
                return;
            }
            prepare(words, pos, self.clusters, &mut s.toks);
            s.feats.clear();
            for i in 0..s.toks.len() {
                obs_features(&s.toks, i, &mut s.feats);
            }
            s.emit.clear();
            s.emit.resize(s.toks.len() * n, 0);
            self.table.score_tokens(&s.feats, N_OBS, n, &mut s.emit);
            let toks = &s.toks;
            let transitions = &self.transitions;
            viterbi(
                n,
                &s.emit,
                |i| {
                    let t = toks.get(i).map_or(0, |t| t.pos as usize);
                    transitions.get(t * block..(t + 1) * block).unwrap_or(&[])
                },
                &mut s.back,
                &mut s.path,
            );
            out.extend(
                s.path.iter().map(|&c| self.labels.get(usize::from(c)).copied().unwrap_or(ChunkTag::O)),
            );
        };
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut s) => run(&mut s, out),
            Err(_) => run(&mut Scratch::default(), out),
        });
    }

    /// The noun phrases of a sentence as token index ranges.
    pub fn noun_phrases(&self, words: &[&str], pos: &[PosTag]) -> Vec<Range<usize>> {
        np_spans(&self.chunk(words, pos))
    }

    /// Model statistics: (features, weights).
    pub fn stats(&self) -> (usize, usize) {
        (self.stored.keys.len(), self.stored.values.len())
    }
}

#[cfg(feature = "train")]
pub use training::{ChunkSentence, ChunkTrainOptions};

#[cfg(feature = "train")]
mod training {
    use super::*;
    use crate::tag::conll::Accuracy;
    use crate::tag::perceptron::{SplitMix64, Trainer};

    /// Settings of [`Chunker::train`].
    #[derive(Debug, Clone)]
    pub struct ChunkTrainOptions {
        /// Passes over the training data.
        pub epochs: u32,
        /// Seed of the shuffle before each pass.
        pub seed: u64,
        /// Averaged weights smaller than this are dropped.
        pub prune: f32,
        /// Learn noun phrases only (other chunk tags read as `O`).
        pub np_only: bool,
    }

    impl Default for ChunkTrainOptions {
        fn default() -> Self {
            ChunkTrainOptions { epochs: 10, seed: 1, prune: 1.0, np_only: false }
        }
    }

    /// One training sentence: words, part-of-speech tags and chunk tags, as text.
    #[derive(Debug, Clone)]
    pub struct ChunkSentence {
        /// Words.
        pub words: Vec<String>,
        /// Part-of-speech tags.
        pub pos: Vec<String>,
        /// IOB2 chunk tags.
        pub chunks: Vec<String>,
    }

    impl ChunkSentence {
        /// A sentence of a CoNLL-2000 file: word, POS and chunk columns.
        pub fn from_conll(s: &crate::tag::conll::ConllSentence) -> ChunkSentence {
            let column = |i| s.column(i).into_iter().map(str::to_owned).collect();
            ChunkSentence { words: column(0), pos: column(1), chunks: column(2) }
        }
    }

    /// Emission scores of a prepared sentence: `n` per token, one pass over the observation features.
    fn emissions(
        toks: &[CTok],
        n: usize,
        score: &dyn Fn(&[u64], &mut [i32]),
        obs: &mut Vec<u64>,
        emit: &mut Vec<i32>,
    ) {
        obs.clear();
        for i in 0..toks.len() {
            obs_features(toks, i, obs);
        }
        emit.clear();
        emit.resize(toks.len() * n, 0);
        for (f, e) in obs.chunks_exact(N_OBS).zip(emit.chunks_exact_mut(n)) {
            score(f, e);
        }
    }

    fn data_error(reason: String) -> Error {
        Error::Data { path: "training data".into(), line: 0, reason }
    }

    impl Chunker {
        /// Trains a chunker. Deterministic like [`crate::tag::PosTagger::train`].
        pub fn train(
            data: &[ChunkSentence],
            opts: &ChunkTrainOptions,
            mut progress: impl FnMut(u32, Accuracy),
        ) -> Result<Chunker> {
            let labels: Vec<ChunkTag> = if opts.np_only {
                vec![ChunkTag::O, ChunkTag::B_NP, ChunkTag::I_NP]
            } else {
                (0..ChunkTag::COUNT as u8).map(ChunkTag).collect()
            };
            let clusters = word_clusters()?;
            let mut prepared = Vec::with_capacity(data.len());
            for (n, s) in data.iter().enumerate() {
                if s.words.len() != s.pos.len() || s.words.len() != s.chunks.len() {
                    return Err(data_error(format!("sentence {n}: columns of different lengths")));
                }
                let pos = s
                    .pos
                    .iter()
                    .map(|t| {
                        PosTag::parse(t)
                            .ok_or_else(|| data_error(format!("sentence {n}: unknown POS tag {t:?}")))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let gold = s
                    .chunks
                    .iter()
                    .map(|t| {
                        let tag = ChunkTag::parse(t)
                            .ok_or_else(|| data_error(format!("sentence {n}: unknown chunk tag {t:?}")))?;
                        let tag = if opts.np_only && !tag.is_np() { ChunkTag::O } else { tag };
                        Ok(labels.iter().position(|&l| l == tag).unwrap_or(0) as u8)
                    })
                    .collect::<Result<Vec<_>>>()?;
                let words: Vec<&str> = s.words.iter().map(String::as_str).collect();
                let mut toks = Vec::new();
                prepare(&words, &pos, clusters, &mut toks);
                prepared.push((toks, gold));
            }
            let n = labels.len();
            let block = (n + 1) * n;
            let mut trainer = Trainer::new(n)?;
            let mut order: Vec<usize> = (0..prepared.len()).collect();
            let mut rng = SplitMix64::new(opts.seed);
            let (mut obs, mut emit, mut back, mut path) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            // Transition blocks of the POS tags of the current sentence, from the current weights.
            let mut blocks = vec![0i32; PosTag::COUNT * block];
            let mut fresh = [false; PosTag::COUNT];
            let label_key = |l: usize| labels.get(l).map_or(START, |t| u64::from(t.id()));
            for epoch in 1..=opts.epochs {
                rng.shuffle(&mut order);
                let mut acc = Accuracy::default();
                for &s in &order {
                    let (toks, gold) = &prepared[s];
                    emissions(toks, n, &|f, sc| trainer.score(f, sc), &mut obs, &mut emit);
                    fresh.iter_mut().for_each(|f| *f = false);
                    for t in toks {
                        let t = t.pos as usize;
                        if !fresh[t] {
                            let out = &mut blocks[t * block..(t + 1) * block];
                            transition_block(&labels, t as u64, &|f, sc| trainer.score(f, sc), out);
                            fresh[t] = true;
                        }
                    }
                    let blocks_ref = &blocks;
                    viterbi(
                        n,
                        &emit,
                        |i| {
                            let t = toks[i].pos as usize;
                            &blocks_ref[t * block..(t + 1) * block]
                        },
                        &mut back,
                        &mut path,
                    );
                    // Structured update: where the best path differs from the gold one, move the
                    // weights of the gold path's features up and those of the best path down.
                    for (i, &guess) in path.iter().enumerate() {
                        let (truth, guess) = (usize::from(gold[i]), usize::from(guess));
                        trainer.tick();
                        acc.add(guess == truth);
                        let feats = &obs[i * N_OBS..(i + 1) * N_OBS];
                        if guess != truth {
                            trainer.adjust(feats, truth, 1);
                            trainer.adjust(feats, guess, -1);
                        }
                        let gold_prev = if i == 0 { n } else { usize::from(gold[i - 1]) };
                        let guess_prev = if i == 0 { n } else { usize::from(path[i - 1]) };
                        if (gold_prev, truth) != (guess_prev, guess) {
                            let pos = toks[i].pos;
                            trainer.adjust(&edge_features(label_key(gold_prev), pos), truth, 1);
                            trainer.adjust(&edge_features(label_key(guess_prev), pos), guess, -1);
                        }
                    }
                }
                progress(epoch, acc);
            }
            Chunker::with_weights(labels, Weights::from_stored(trainer.finish(opts.prune))?)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn corpus() -> Vec<ChunkSentence> {
            let raw = [
                "The/DT/B-NP cat/NN/I-NP sat/VBD/B-VP on/IN/B-PP the/DT/B-NP mat/NN/I-NP ././O",
                "John/NNP/B-NP likes/VBZ/B-VP big/JJ/B-NP dogs/NNS/I-NP ././O",
                "A/DT/B-NP dog/NN/I-NP barked/VBD/B-VP at/IN/B-PP Mary/NNP/B-NP ././O",
            ];
            raw.iter()
                .map(|s| {
                    let mut out = ChunkSentence { words: vec![], pos: vec![], chunks: vec![] };
                    for p in s.split(' ') {
                        let mut it = p.split('/');
                        out.words.push(it.next().unwrap().to_owned());
                        out.pos.push(it.next().unwrap().to_owned());
                        out.chunks.push(it.next().unwrap().to_owned());
                    }
                    out
                })
                .collect()
        }

        #[test]
        fn training_is_deterministic_and_learns() {
            let opts = ChunkTrainOptions { epochs: 8, ..Default::default() };
            let a = Chunker::train(&corpus(), &opts, |_, _| {}).unwrap().to_bytes().unwrap();
            let b = Chunker::train(&corpus(), &opts, |_, _| {}).unwrap().to_bytes().unwrap();
            assert_eq!(a, b);
            let chunker = Chunker::from_bytes(&a).unwrap();
            let words = ["The", "dog", "sat", "on", "the", "cat", "."];
            let pos: Vec<PosTag> = ["DT", "NN", "VBD", "IN", "DT", "NN", "."]
                .iter()
                .map(|t| PosTag::parse(t).unwrap())
                .collect();
            assert_eq!(chunker.noun_phrases(&words, &pos), vec![0..2, 4..6]);
            assert_eq!(chunker.to_bytes().unwrap(), a);
        }

        /// Same data and seed, same bytes, on a slice of CoNLL-2000 (skipped when the shared
        /// data is not next to the workspace).
        #[test]
        fn deterministic_on_a_slice_of_the_real_data() {
            use crate::tag::conll::{read_conll, ChunkEval};
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/tokens/conll2000/train.txt");
            let Ok(conll) = read_conll(&path) else {
                eprintln!("{} not found: skipped", path.display());
                return;
            };
            let data: Vec<ChunkSentence> = conll[..300].iter().map(ChunkSentence::from_conll).collect();
            let opts = ChunkTrainOptions { epochs: 3, ..Default::default() };
            let a = Chunker::train(&data, &opts, |_, _| {}).unwrap().to_bytes().unwrap();
            let b = Chunker::train(&data, &opts, |_, _| {}).unwrap().to_bytes().unwrap();
            assert_eq!(a, b);
            let chunker = Chunker::from_bytes(&a).unwrap();
            let mut eval = ChunkEval::new();
            for s in &conll[300..400] {
                let pos: Vec<PosTag> = s.column(1).iter().filter_map(|t| PosTag::parse(t)).collect();
                let tags: Vec<&str> = chunker.chunk(&s.column(0), &pos).iter().map(|t| t.as_str()).collect();
                eval.add_sentence(&s.column(2), &tags);
            }
            let np = eval.scores().of("NP");
            assert!(np.f1() > 80.0, "NP F1 {:.2} after 300 sentences", np.f1());
        }

        /// How the chunker's settings were chosen: 5-fold cross-validation on CoNLL-2000 train
        /// (five blocks of 1,000 sentences held out in turn, the file's POS tags), never on test.
        /// `CHUNK_PRUNE`, `CHUNK_EPOCHS` and `CHUNK_ALL_TYPES` override the settings, `CHUNK_DROP`
        /// (e.g. `4,5`) leaves feature templates out. Run with
        /// `cargo test --release -p newstag --features train --lib cross_validation -- --ignored
        /// --nocapture`.
        #[test]
        #[ignore]
        fn cross_validation_on_train() {
            use crate::tag::conll::{read_conll, ChunkEval};
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/tokens/conll2000/train.txt");
            let conll = read_conll(&path).expect("CoNLL-2000 train next to the workspace");
            let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f32>().ok());
            let mut opts = ChunkTrainOptions {
                np_only: std::env::var("CHUNK_ALL_TYPES").is_err(),
                ..Default::default()
            };
            opts.prune = var("CHUNK_PRUNE").unwrap_or(opts.prune);
            opts.epochs = var("CHUNK_EPOCHS").map_or(opts.epochs, |e| e as u32);
            let mut f1 = Vec::new();
            for fold in 0..5 {
                let (lo, hi) = (conll.len() - 1000 * (fold + 1), conll.len() - 1000 * fold);
                let data: Vec<ChunkSentence> =
                    conll[..lo].iter().chain(&conll[hi..]).map(ChunkSentence::from_conll).collect();
                let chunker = Chunker::train(&data, &opts, |_, _| {}).unwrap();
                let mut eval = ChunkEval::new();
                for s in &conll[lo..hi] {
                    let pos: Vec<PosTag> = s.column(1).iter().filter_map(|t| PosTag::parse(t)).collect();
                    let tags: Vec<&str> =
                        chunker.chunk(&s.column(0), &pos).iter().map(|t| t.as_str()).collect();
                    eval.add_sentence(&s.column(2), &tags);
                }
                let (features, _) = chunker.stats();
                println!("fold {fold}: NP F1 {:.2}, {features} features", eval.scores().of("NP").f1());
                f1.push(eval.scores().of("NP").f1());
            }
            let drop = std::env::var("CHUNK_DROP").unwrap_or_default();
            println!("{opts:?} drop [{drop}]: mean NP F1 {:.3}", f1.iter().sum::<f64>() / 5.0);
        }

        #[test]
        fn np_only_training_emits_only_np_tags() {
            let opts = ChunkTrainOptions { epochs: 8, np_only: true, ..Default::default() };
            let chunker = Chunker::train(&corpus(), &opts, |_, _| {}).unwrap();
            let words = ["John", "likes", "the", "cat", "."];
            let pos: Vec<PosTag> =
                ["NNP", "VBZ", "DT", "NN", "."].iter().map(|t| PosTag::parse(t).unwrap()).collect();
            let tags = chunker.chunk(&words, &pos);
            assert!(tags.iter().all(|t| t.is_np() || *t == ChunkTag::O), "{tags:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(s: &str) -> Vec<ChunkTag> {
        s.split_whitespace().map(|t| ChunkTag::parse(t).unwrap()).collect()
    }

    #[test]
    fn tag_names() {
        for i in 0..ChunkTag::COUNT as u8 {
            let t = ChunkTag(i);
            assert_eq!(ChunkTag::parse(t.as_str()), Some(t));
        }
        assert_eq!(ChunkTag::parse("B-NP").and_then(ChunkTag::kind), Some("NP"));
        assert_eq!(ChunkTag::parse("I-UCP").and_then(ChunkTag::kind), Some("UCP"));
        assert_eq!(ChunkTag::O.kind(), None);
        assert!(ChunkTag::B_NP.is_begin() && ChunkTag::I_NP.is_inside() && !ChunkTag::O.is_inside());
        assert_eq!(ChunkTag::parse("B-XX"), None);
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // lists of one span, not ranges to collect
    fn spans_follow_conlleval() {
        let cases: &[(&str, &[Range<usize>])] = &[
            ("B-NP I-NP O B-NP", &[0..2, 3..4]),
            ("I-NP I-NP B-VP I-NP", &[0..2, 3..4]),
            ("B-NP B-NP I-NP", &[0..1, 1..3]),
            ("O O", &[]),
            ("B-PP B-NP I-NP", &[1..3]),
        ];
        for &(s, want) in cases {
            assert_eq!(np_spans(&tags(s)), want, "{s}");
        }
        assert_eq!(chunk_spans(&tags("B-VP I-VP B-NP")), vec![("VP", 0..2), ("NP", 2..3)]);
    }

    #[test]
    fn inside_tags_need_a_matching_chunk() {
        let t = |s: &str| ChunkTag::parse(s).unwrap();
        let cases: &[(Option<&str>, &str, bool)] = &[
            (None, "I-NP", false),
            (None, "B-NP", true),
            (None, "O", true),
            (Some("O"), "I-NP", false),
            (Some("B-NP"), "I-NP", true),
            (Some("I-NP"), "I-NP", true),
            (Some("B-NP"), "I-VP", false),
            (Some("I-VP"), "B-NP", true),
        ];
        for &(prev, cur, want) in cases {
            assert_eq!(allowed(prev.map(t), t(cur)), want, "{prev:?} -> {cur}");
        }
    }

    #[test]
    fn row_table_scores_like_the_sparse_weights() {
        let mut rows: Vec<(u64, Vec<(u8, i16)>)> = vec![
            (feature(1, 1), vec![(2, 7)]),
            (feature(1, 2), vec![(0, -3), (1, 4), (2, 5)]),
            (feature(1, 3), vec![(0, -100), (2, 2)]),
        ];
        rows.sort_by_key(|r| r.0);
        let stored = perceptron::StoredWeights {
            n_classes: 3,
            keys: rows.iter().map(|r| r.0).collect(),
            lens: rows.iter().map(|r| r.1.len() as u8).collect(),
            classes: rows.iter().flat_map(|r| r.1.iter().map(|e| e.0)).collect(),
            scale: 0.5,
            values: rows.iter().flat_map(|r| r.1.iter().map(|e| e.1)).collect(),
        };
        let weights = Weights::from_stored(stored.clone()).unwrap();
        let table = RowTable::new(&stored);
        let cases: &[&[u64]] = &[
            &[],
            &[feature(1, 1)],
            &[feature(1, 2), feature(1, 3)],
            &[feature(1, 3), feature(1, 9), feature(2, 1), feature(1, 1)],
        ];
        for features in cases {
            let (mut want, mut got, mut batch) = ([0i32; 3], [0i32; 3], [9i32; 3]);
            weights.score(features, &mut want);
            table.score(features, &mut got);
            assert_eq!(got, want, "{features:?}");
            // One token of all the features, through the batched path.
            table.score_tokens(features, features.len().max(1), 3, &mut batch);
            assert_eq!(batch, want, "batched {features:?}");
        }
    }

    #[test]
    fn viterbi_takes_the_best_allowed_path() {
        // Labels O, B-NP, I-NP. Emissions prefer I-NP at the first token, which is forbidden at
        // the start, and O then I-NP, which is forbidden too.
        let labels = [ChunkTag::O, ChunkTag::B_NP, ChunkTag::I_NP];
        let mut block = vec![0i32; 4 * 3];
        transition_block(&labels, 0, &|_, s: &mut [i32]| s.iter_mut().for_each(|x| *x = 0), &mut block);
        let emit = [0, 5, 9, /* */ 4, 0, 6, /* */ 3, 0, 0];
        let (mut back, mut out) = (Vec::new(), Vec::new());
        viterbi(3, &emit, |_| &block, &mut back, &mut out);
        // B-NP I-NP O = 5 + 6 + 3 = 14, the best well-formed path.
        assert_eq!(out, vec![1, 2, 0]);
        viterbi(3, &[], |_| &block, &mut back, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn model_labels_must_match_the_weights() {
        let stored = perceptron::StoredWeights {
            n_classes: 3,
            keys: vec![feature(0, 0)],
            lens: vec![1],
            classes: vec![1],
            scale: 1.0,
            values: vec![1],
        };
        let encode = |labels: Vec<u8>| {
            model::encode(CHUNK_MODEL, &ChunkModelData { labels, weights: stored.clone() }).unwrap()
        };
        assert!(Chunker::from_bytes(&encode(vec![0, 1, 2])).is_ok());
        for bad in [vec![0, 1], vec![0, 2, 1], vec![0, 1, 99], vec![]] {
            assert!(Chunker::from_bytes(&encode(bad.clone())).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn garbage_model_bytes_are_an_error() {
        assert!(Chunker::from_bytes(b"nonsense").is_err());
    }

    #[test]
    fn taggers_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Chunker>();
        check::<crate::tag::PosTagger>();
    }

    #[test]
    fn packed_scores_round_trip() {
        for v in [[0, 0, 0], [1, -1, 7], [-196_602, 196_602, 0], [32_767, -32_768, 12]] {
            assert_ne!(pack(v), 0);
            assert_eq!(unpack(pack(v)), v);
        }
    }

    #[test]
    fn word_parts_match_the_plain_definition() {
        for w in [
            "the",
            "The",
            "NASA",
            "x",
            "",
            "Zürich",
            "ÉTÉ",
            "naïve",
            "a-very-long-hyphenated-word-of-many-letters",
        ] {
            let lower = w.to_lowercase();
            let suf_start = w.char_indices().rev().nth(2).map_or(0, |(i, _)| i);
            let cap = w.chars().next().is_some_and(char::is_uppercase);
            assert_eq!(word_parts(w), (cap, hash_str(&lower), hash_str(&w[suf_start..])), "{w}");
        }
    }

    /// The dense tables and precomputed key parts of the three-label decoder give exactly the
    /// emission scores of the features looked up one by one, and the same tags.
    #[cfg(feature = "embedded")]
    #[test]
    fn fast_decoder_matches_the_feature_by_feature_scores() {
        use crate::tag::PosTagger;
        let chunker = Chunker::embedded().unwrap();
        let fast = chunker.fast.as_ref().expect("the embedded model has three labels");
        let tagger = PosTagger::embedded().unwrap();
        let sentences = [
            "The central bank raised interest rates .",
            "BAHIA COCOA REVIEW",
            "He said the deal with Japan was done ( finally ) -- at last …",
            "Zürich's naïve ÉTÉ café “quoted” 3.5 % of $ 20 million",
            "x",
            "Go !",
            "An extraordinarily-long-hyphenated-compound-word-that-exceeds-thirty-two-bytes appeared",
        ];
        let mut memo = WordMemo::default();
        for sentence in sentences {
            let words: Vec<&str> = sentence.split(' ').collect();
            let pos = tagger.tag(&words);
            let (mut toks, mut feats) = (Vec::new(), Vec::new());
            prepare(&words, &pos, chunker.clusters, &mut toks);
            for i in 0..toks.len() {
                obs_features(&toks, i, &mut feats);
            }
            let mut want = vec![0i32; toks.len() * 3];
            for (f, e) in feats.chunks_exact(N_OBS).zip(want.chunks_exact_mut(3)) {
                chunker.table.score(f, e);
            }
            let (mut ftoks, mut got) = (Vec::new(), Vec::new());
            // Once with the forms new to the memo, once with all of them in it.
            for _ in 0..2 {
                fast.prepare(&words, &pos, chunker.clusters, &chunker.table, &mut memo, &mut ftoks);
                fast.emissions(&chunker.table, &ftoks, &mut got, &mut Vec::new());
                assert_eq!(got.concat(), want, "{sentence}");
            }
            let (mut back, mut path, mut back3, mut path3) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let block = |i: usize| {
                let t = usize::from(pos[i].id());
                &chunker.transitions[t * 12..(t + 1) * 12]
            };
            viterbi(3, &want, block, &mut back, &mut path);
            viterbi3(&got, block, &mut back3, &mut path3);
            assert_eq!(path3, path, "{sentence}");
        }
    }

    #[cfg(feature = "embedded")]
    #[test]
    #[allow(clippy::single_range_in_vec_init)] // lists of one span, not ranges to collect
    fn embedded_chunker_finds_noun_phrases() {
        use crate::tag::PosTagger;
        let cases: &[(&str, &[Range<usize>])] = &[
            ("The central bank raised interest rates .", &[0..3, 4..6]),
            ("He said the deal with Japan was done .", &[0..1, 2..4, 5..6]),
            ("BAHIA COCOA REVIEW", &[0..3]),
        ];
        let (tagger, chunker) = (PosTagger::embedded().unwrap(), Chunker::embedded().unwrap());
        for &(sentence, want) in cases {
            let words: Vec<&str> = sentence.split(' ').collect();
            let pos = tagger.tag(&words);
            assert_eq!(chunker.noun_phrases(&words, &pos), want, "{sentence}");
        }
        assert!(chunker.chunk(&[], &[]).is_empty());
    }
}
