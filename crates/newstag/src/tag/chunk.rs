//! Noun-phrase chunking: [`Chunker`] marks base phrases with IOB2 tags ([`ChunkTag`]).
//!
//! Trained on CoNLL-2000 (WSJ, all eleven chunk types, so that a noun phrase also learns where
//! the verb and preposition chunks around it are). Input is the words and their part-of-speech
//! tags, from [`super::PosTagger`] in the pipeline. Decoding is greedy, left to right, over a
//! window of two words and tags on each side and the two previous chunk tags. An `I-X` tag is
//! only allowed after `B-X` or `I-X`, so the output is always well-formed IOB2.

use super::perceptron::{self, feature, feature2, feature3, hash_str, Weights};
use super::pos::{normalize_token, PosTag};
use crate::error::{Error, Result};
use crate::model::{self, ModelKind};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::ops::Range;

/// The model file kind of a [`Chunker`].
pub const CHUNK_MODEL: ModelKind = ModelKind { tag: *b"CHNK", version: 1 };

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

/// Tags each class may follow: `I-X` only after `B-X` or `I-X`; anything else after anything.
fn allowed_after(prev: u8) -> u64 {
    let mut mask = 0u64;
    for c in 0..ChunkTag::COUNT as u8 {
        let tag = ChunkTag(c);
        if !tag.is_inside() || (prev != START && ChunkTag(prev).kind() == tag.kind()) {
            mask |= 1 << c;
        }
    }
    mask
}

const START: u8 = 250;

#[derive(Debug, Clone, Copy, Default)]
struct CTok {
    lower: u64,
    pos: u64,
    suf: u64,
    cap: u64,
}

const PAD_BEFORE: CTok = CTok { lower: 0x5354_4152_545F_5F31, pos: 200, suf: 0x5354_4152_545F_5F31, cap: 2 };
const PAD_AFTER: CTok = CTok { lower: 0x454E_445F_5F5F_5F31, pos: 201, suf: 0x454E_445F_5F5F_5F31, cap: 3 };

fn prepare(words: &[&str], pos: &[PosTag], out: &mut Vec<CTok>) {
    out.clear();
    for (w, p) in words.iter().zip(pos) {
        let form = normalize_token(w);
        let cap = u64::from(form.chars().next().is_some_and(char::is_uppercase));
        let lower = if form.chars().any(char::is_uppercase) {
            hash_str(&form.to_lowercase())
        } else {
            hash_str(&form)
        };
        let suf_start = form.char_indices().rev().nth(2).map_or(0, |(i, _)| i);
        out.push(CTok { lower, pos: u64::from(p.id()), suf: hash_str(&form[suf_start..]), cap });
    }
}

fn ctok_at(toks: &[CTok], i: isize) -> &CTok {
    if i < 0 {
        &PAD_BEFORE
    } else {
        toks.get(i as usize).unwrap_or(&PAD_AFTER)
    }
}

/// Number of observation features per token.
const N_OBS: usize = 27;
/// Number of transition features per (token, previous tag).
const N_EDGE: usize = 5;

/// The observation features of token `i` (independent of the chunk tags), appended to `out`.
fn obs_features(toks: &[CTok], i: usize, out: &mut Vec<u64>) {
    let ii = i as isize;
    let w = |d: isize| ctok_at(toks, ii + d).lower;
    let t = |d: isize| ctok_at(toks, ii + d).pos;
    let here = ctok_at(toks, ii);
    let feats: [u64; N_OBS] = [
        feature(0, 0),
        feature(1, w(0)),
        feature(2, w(-1)),
        feature(3, w(1)),
        feature(4, w(-2)),
        feature(5, w(2)),
        feature2(6, w(-1), w(0)),
        feature2(7, w(0), w(1)),
        feature(8, t(0)),
        feature(9, t(-1)),
        feature(10, t(1)),
        feature(11, t(-2)),
        feature(12, t(2)),
        feature2(13, t(-1), t(0)),
        feature2(14, t(0), t(1)),
        feature2(15, t(-2), t(-1)),
        feature2(16, t(1), t(2)),
        feature3(17, t(-1), t(0), t(1)),
        feature3(18, t(-2), t(-1), t(0)),
        feature3(19, t(0), t(1), t(2)),
        feature2(20, w(0), t(0)),
        feature2(21, w(-1), t(0)),
        feature2(22, w(0), t(1)),
        feature2(23, t(0), w(1)),
        feature2(24, here.cap, t(0)),
        feature2(25, here.suf, t(0)),
        feature3(26, t(-1), w(0), t(0)),
    ];
    out.extend_from_slice(&feats);
}

/// The transition features of token `i` after chunk tag `prev`.
fn edge_features(toks: &[CTok], i: usize, prev: u8, out: &mut [u64; N_EDGE]) {
    let ii = i as isize;
    let t = |d: isize| ctok_at(toks, ii + d).pos;
    let p = u64::from(prev);
    *out = [
        feature(40, p),
        feature2(41, p, t(0)),
        feature3(42, p, t(0), t(1)),
        feature3(43, p, t(-1), t(0)),
        feature2(44, p, ctok_at(toks, ii).lower),
    ];
}

/// Viterbi decoding of one prepared sentence with any scorer (the trained weights, or the
/// trainer's current weights during training). `obs` receives the observation features.
fn decode(
    toks: &[CTok],
    score: &dyn Fn(&[u64], &mut [i32]),
    allowed: &[u64],
    obs: &mut Vec<u64>,
    out: &mut Vec<usize>,
) {
    obs.clear();
    for i in 0..toks.len() {
        obs_features(toks, i, obs);
    }
    let mut edges = [0u64; N_EDGE];
    let obs: &[u64] = obs;
    perceptron::viterbi(
        toks.len(),
        ChunkTag::COUNT,
        &mut |i, s| score(&obs[i * N_OBS..(i + 1) * N_OBS], s),
        &mut |i, prev, s| {
            edge_features(toks, i, prev.map_or(START, |p| p as u8), &mut edges);
            score(&edges, s);
        },
        &|prev, k| allowed_mask(allowed, prev) & (1 << k) != 0,
        out,
    );
}

fn allowed_mask(allowed: &[u64], prev: Option<usize>) -> u64 {
    allowed.get(prev.unwrap_or(ChunkTag::COUNT)).copied().unwrap_or(u64::MAX)
}

#[derive(Debug, Serialize, Deserialize)]
struct ChunkModelData {
    weights: perceptron::StoredWeights,
}

#[derive(Default)]
struct Scratch {
    toks: Vec<CTok>,
    feats: Vec<u64>,
    path: Vec<usize>,
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
    weights: Weights,
    /// allowed[c1] = classes allowed after class c1 (index COUNT: sentence start).
    allowed: Vec<u64>,
}

impl std::fmt::Debug for Chunker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (features, weights) = self.stats();
        f.debug_struct("Chunker").field("features", &features).field("weights", &weights).finish()
    }
}

fn transition_masks() -> Vec<u64> {
    let mut v: Vec<u64> = (0..ChunkTag::COUNT as u8).map(allowed_after).collect();
    v.push(allowed_after(START));
    v
}

impl Chunker {
    fn with_weights(weights: Weights) -> Chunker {
        Chunker { weights, allowed: transition_masks() }
    }

    /// Loads a chunker from a model file's bytes (kind `CHNK`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Chunker> {
        let data: ChunkModelData = model::decode(CHUNK_MODEL, bytes)?;
        let weights = Weights::from_stored(data.weights)
            .map_err(|e| Error::model(CHUNK_MODEL.name(), format!("weights: {e}")))?;
        if weights.n_classes() != ChunkTag::COUNT {
            return Err(Error::model(
                CHUNK_MODEL.name(),
                format!("{} classes, expected {}", weights.n_classes(), ChunkTag::COUNT),
            ));
        }
        Ok(Chunker::with_weights(weights))
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
        model::encode(CHUNK_MODEL, &ChunkModelData { weights: self.weights.stored().clone() })
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
        let run = |s: &mut Scratch, out: &mut Vec<ChunkTag>| {
            prepare(words, pos, &mut s.toks);
            decode(&s.toks, &|f, sc| self.weights.score(f, sc), &self.allowed, &mut s.feats, &mut s.path);
            out.extend(s.path.iter().map(|&c| ChunkTag(c as u8)));
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
        (self.weights.n_features(), self.weights.n_weights())
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
            ChunkTrainOptions { epochs: 10, seed: 1, prune: 0.005, np_only: false }
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
                        Ok(if opts.np_only && !tag.is_np() { ChunkTag::O } else { tag })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let words: Vec<&str> = s.words.iter().map(String::as_str).collect();
                let mut toks = Vec::new();
                prepare(&words, &pos, &mut toks);
                prepared.push((toks, gold));
            }
            let allowed = transition_masks();
            let mut trainer = Trainer::new(ChunkTag::COUNT)?;
            let mut order: Vec<usize> = (0..prepared.len()).collect();
            let mut rng = SplitMix64::new(opts.seed);
            let (mut obs, mut path) = (Vec::new(), Vec::new());
            let (mut gold_edges, mut guess_edges) = ([0u64; N_EDGE], [0u64; N_EDGE]);
            for epoch in 1..=opts.epochs {
                rng.shuffle(&mut order);
                let mut acc = Accuracy::default();
                for &s in &order {
                    let (toks, gold) = &prepared[s];
                    decode(toks, &|f, sc| trainer.score(f, sc), &allowed, &mut obs, &mut path);
                    // Structured update: where the best path differs from the gold one, move the
                    // weights of the gold path's features up and those of the best path down.
                    for (i, &guess) in path.iter().enumerate() {
                        let truth = usize::from(gold[i].0);
                        trainer.tick();
                        acc.add(guess == truth);
                        let feats = &obs[i * N_OBS..(i + 1) * N_OBS];
                        if guess != truth {
                            trainer.adjust(feats, truth, 1);
                            trainer.adjust(feats, guess, -1);
                        }
                        let gold_prev = if i == 0 { START } else { gold[i - 1].0 };
                        let guess_prev = if i == 0 { START } else { path[i - 1] as u8 };
                        if (gold_prev, truth) != (guess_prev, guess) {
                            edge_features(toks, i, gold_prev, &mut gold_edges);
                            edge_features(toks, i, guess_prev, &mut guess_edges);
                            trainer.adjust(&gold_edges, truth, 1);
                            trainer.adjust(&guess_edges, guess, -1);
                        }
                    }
                }
                progress(epoch, acc);
            }
            Ok(Chunker::with_weights(Weights::from_stored(trainer.finish(opts.prune))?))
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
        let start = allowed_after(START);
        assert!(start & (1 << ChunkTag::I_NP.0) == 0 && start & (1 << ChunkTag::B_NP.0) != 0);
        let after_np = allowed_after(ChunkTag::B_NP.0);
        assert!(after_np & (1 << ChunkTag::I_NP.0) != 0);
        assert!(after_np & (1 << ChunkTag::parse("I-VP").unwrap().0) == 0);
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
