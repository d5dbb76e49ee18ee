//! A learned ranker: logistic regression over the candidate [`Features`], with every feature
//! also crossed with "is a topic phrase" so that names and topics weigh evidence differently.
//!
//! Trained by `newstag train ranker` from articles with tags chosen by people; the score is the
//! model's probability that an editor would choose the candidate, and the tag count per article
//! comes from a score threshold calibrated on the training articles.
//!
//! Trained with `TrainOptions::trees` (feature `train`), the ranker scores with boosted trees over the same
//! features instead ([`super::trees`]); everything else (lexicon, thresholds, candidate policy)
//! is the same.

use super::trees::Forest;
#[cfg(feature = "train")]
use super::trees::{self, ForestOptions};
use super::{Features, Scorer, Selection, FEATURE_NAMES};
use crate::candidates::CandidatePolicy;
use crate::error::{Error, Result};
use crate::model::{self, ModelKind};
use serde::{Deserialize, Serialize};

/// Model kind of a ranker file. Version 2 added the candidate policy, the tag limit and the
/// single-word features; version 3 the boosted trees; version 4 the lead the training articles
/// were read with ([`LinearRanker::lead`]). Files of versions 1 to 3 still load (read whole).
pub const KIND: ModelKind = ModelKind { tag: *b"RANK", version: 4 };

/// The version-3 ranker file: [`LinearRanker`] without `lead`.
const V3_KIND: ModelKind = ModelKind { tag: *b"RANK", version: 3 };

/// The version-2 ranker file: a linear ranker, without trees.
const V2_KIND: ModelKind = ModelKind { tag: *b"RANK", version: 2 };

/// The most tags an article gets unless a ranker was trained with another limit.
pub const DEFAULT_MAX_TAGS: usize = 8;

/// Number of model inputs: every feature, then every feature times `is_topic`.
pub fn input_len() -> usize {
    FEATURE_NAMES.len() * 2
}

/// The ranker's inputs of one candidate: its features, then each times `is_topic` (so that
/// topics and names weigh the features apart). [`LinearRanker::logit`] reads them in this order.
#[cfg(feature = "train")]
fn expand(f: &Features, out: &mut Vec<f32>) {
    let v = f.to_array();
    out.clear();
    out.extend_from_slice(&v);
    out.extend(v.iter().map(|x| x * f.is_topic));
}

/// A trained linear ranker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearRanker {
    /// Feature names, as trained (checked against this build's features when loading).
    pub features: Vec<String>,
    /// Per input: mean subtracted before weighting.
    pub mean: Vec<f32>,
    /// Per input: the standard deviation divided by.
    pub scale: Vec<f32>,
    /// Per input weight.
    pub weights: Vec<f32>,
    /// Bias.
    pub bias: f32,
    /// Calibrated selection: how many tags an article gets.
    pub min_score: f32,
    /// Relative threshold (to the best tag's score).
    pub relative: f32,
    /// The most tags an article gets.
    pub max_tags: usize,
    /// The candidates the ranker was trained to rank: tagging offers it the same.
    pub candidates: CandidatePolicy,
    /// How often each candidate (by stem key, sorted) was offered and chosen in the training
    /// articles; empty unless trained with `TrainOptions::lexicon`.
    pub lexicon: Vec<LexiconEntry>,
    /// What the model was trained on, for `model info`.
    pub trained_on: String,
    /// Boosted trees that score in place of the weights (which are then 0); `None` for a linear
    /// ranker.
    pub forest: Option<Forest>,
    /// How many body tokens the models read in the training articles
    /// ([`crate::TaggerBuilder::lead`]; `None`: all of them): tagging reads the same unless told
    /// otherwise, so the features it scores are computed as they were in training.
    pub lead: Option<usize>,
}

/// The payload of a version-3 ranker file: [`LinearRanker`] without `lead` (read whole). The
/// version-2 fields come first, as one struct: bincode writes a nested struct's fields in place,
/// so the bytes are those of the flat list.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct V3Ranker {
    base: V2Ranker,
    forest: Option<Forest>,
}

/// The payload of a version-2 ranker file: [`LinearRanker`] without `forest` and `lead`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct V2Ranker {
    features: Vec<String>,
    mean: Vec<f32>,
    scale: Vec<f32>,
    weights: Vec<f32>,
    bias: f32,
    min_score: f32,
    relative: f32,
    max_tags: usize,
    candidates: CandidatePolicy,
    lexicon: Vec<LexiconEntry>,
    trained_on: String,
}

impl V3Ranker {
    /// A version-3 file read whole (it predates the lead).
    fn upgrade(self) -> LinearRanker {
        let V2Ranker {
            features,
            mean,
            scale,
            weights,
            bias,
            min_score,
            relative,
            max_tags,
            candidates,
            lexicon,
            trained_on,
        } = self.base;
        LinearRanker {
            features,
            mean,
            scale,
            weights,
            bias,
            min_score,
            relative,
            max_tags,
            candidates,
            lexicon,
            trained_on,
            forest: self.forest,
            lead: None,
        }
    }
}

impl V2Ranker {
    /// A version-2 file is a version-3 one without trees.
    fn upgrade(self) -> LinearRanker {
        V3Ranker { base: self, forest: None }.upgrade()
    }
}

/// One candidate key of a ranker's lexicon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LexiconEntry {
    /// The candidate's stem key ([`crate::candidates::Candidate::key`]).
    pub key: String,
    /// Training articles that offered it.
    pub offered: u32,
    /// Training articles whose tags included it.
    pub chosen: u32,
}

/// The lexicon features (`lexicon_rate`, `lexicon_seen`) of a key offered and chosen so often.
fn lexicon_features(offered: u32, chosen: u32) -> (f32, f32) {
    let rate = ((chosen as f32 + 0.2) / (offered as f32 + 1.0)).ln() + 1.6;
    (rate, (1.0 + offered as f32).ln() / 5.0)
}

impl LinearRanker {
    /// Decodes a ranker model file. A version-1 file (before single-word candidates) still loads
    /// and ranks exactly as before: the default candidates, at most 8 tags, and weight 0 on the
    /// features it did not know (they are 0 for default candidates anyway). A version-2 file is
    /// a linear ranker (no trees).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let r: LinearRanker = match model::read_header(bytes) {
            Ok(h) if h.kind == KIND.tag && h.version == V1_KIND.version => {
                let old: V1Ranker = model::decode(V1_KIND, bytes)?;
                old.upgrade()?
            }
            Ok(h) if h.kind == KIND.tag && h.version == V2_KIND.version => {
                model::decode::<V2Ranker>(V2_KIND, bytes)?.upgrade()
            }
            Ok(h) if h.kind == KIND.tag && h.version == V3_KIND.version => {
                model::decode::<V3Ranker>(V3_KIND, bytes)?.upgrade()
            }
            _ => model::decode(KIND, bytes)?,
        };
        if r.forest.as_ref().is_some_and(|f| !f.is_valid()) {
            return Err(Error::model("RANK", "malformed trees"));
        }
        let names: Vec<&str> = FEATURE_NAMES.to_vec();
        if r.features != names {
            return Err(Error::model(
                "RANK",
                "the ranker was trained on other features than this build computes; retrain it with `newstag train ranker`",
            ));
        }
        let n = input_len();
        if r.mean.len() != n || r.scale.len() != n || r.weights.len() != n {
            return Err(Error::model("RANK", "weight vectors have the wrong length"));
        }
        Ok(r)
    }

    /// Encodes the ranker as a model file (the current version, [`KIND`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        model::encode(KIND, self)
    }

    /// The selection rule the ranker was calibrated with.
    pub fn selection(&self) -> Selection {
        Selection {
            min_score: self.min_score,
            relative: self.relative,
            min_tags: 1,
            max_tags: self.max_tags.max(1),
        }
    }

    /// `f` with the lexicon features of the candidate `key` filled in (unchanged without a lexicon).
    pub fn with_lexicon(&self, f: &Features, key: &str) -> Features {
        let mut f = *f;
        if !self.lexicon.is_empty() {
            let (offered, chosen) = match self.lexicon.binary_search_by(|e| e.key.as_str().cmp(key)) {
                Ok(i) => (self.lexicon[i].offered, self.lexicon[i].chosen),
                Err(_) => (0, 0),
            };
            (f.lexicon_rate, f.lexicon_seen) = lexicon_features(offered, chosen);
        }
        f
    }

    /// The bias plus each input's weight times its standardised value, over the inputs of
    /// `expand` in their order, without building them (this runs once per candidate).
    fn logit(&self, f: &Features) -> f32 {
        let v = f.to_array();
        let params = || self.weights.iter().zip(&self.mean).zip(&self.scale);
        let mut z = self.bias;
        for (&x, ((w, m), s)) in v.iter().zip(params()) {
            z += w * (x - m) / s;
        }
        for (&x, ((w, m), s)) in v.iter().zip(params().skip(v.len())) {
            z += w * (x * f.is_topic - m) / s;
        }
        z
    }

    /// The embedded default ranker, decoded once; `None` when none is built in.
    #[cfg(feature = "embedded")]
    pub fn embedded() -> Result<Option<&'static LinearRanker>> {
        static CELL: std::sync::OnceLock<std::result::Result<Option<LinearRanker>, String>> =
            std::sync::OnceLock::new();
        CELL.get_or_init(|| match newstag_models::get("ranker.bin") {
            None => Ok(None),
            Some(bytes) => LinearRanker::from_bytes(bytes).map(Some).map_err(|e| match e {
                Error::Model { reason, .. } => reason,
                other => other.to_string(),
            }),
        })
        .as_ref()
        .map(Option::as_ref)
        .map_err(|e| Error::model("RANK", e))
    }
}

/// The version-1 ranker file: no candidate policy, no tag limit (8), fewer features.
const V1_KIND: ModelKind = ModelKind { tag: *b"RANK", version: 1 };

/// The payload of a version-1 ranker file.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct V1Ranker {
    features: Vec<String>,
    mean: Vec<f32>,
    scale: Vec<f32>,
    weights: Vec<f32>,
    bias: f32,
    min_score: f32,
    relative: f32,
    trained_on: String,
}

impl V1Ranker {
    /// The same ranker in this build's inputs: each known feature (and its topic cross) keeps
    /// its weight; a feature the old file lacks gets weight 0. A feature the old file has and
    /// this build does not compute is an error.
    fn upgrade(self) -> Result<LinearRanker> {
        let old_n = self.features.len();
        if self.mean.len() != 2 * old_n || self.scale.len() != 2 * old_n || self.weights.len() != 2 * old_n {
            return Err(Error::model("RANK", "weight vectors have the wrong length"));
        }
        let n = FEATURE_NAMES.len();
        let (mut mean, mut scale, mut weights) =
            (vec![0.0f32; 2 * n], vec![1.0f32; 2 * n], vec![0.0f32; 2 * n]);
        for (k, name) in self.features.iter().enumerate() {
            let Some(j) = FEATURE_NAMES.iter().position(|f| f == name) else {
                return Err(Error::model(
                    "RANK",
                    format!("the ranker uses feature {name:?}, which this build does not compute; retrain it with `newstag train ranker`"),
                ));
            };
            for (from, to) in [(k, j), (old_n + k, n + j)] {
                mean[to] = self.mean[from];
                scale[to] = self.scale[from];
                weights[to] = self.weights[from];
            }
        }
        Ok(LinearRanker {
            features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
            mean,
            scale,
            weights,
            bias: self.bias,
            min_score: self.min_score,
            relative: self.relative,
            max_tags: DEFAULT_MAX_TAGS,
            candidates: CandidatePolicy::default(),
            lexicon: Vec::new(),
            trained_on: self.trained_on,
            forest: None,
            lead: None,
        })
    }
}

impl Scorer for LinearRanker {
    fn score(&self, f: &Features) -> f32 {
        let z = match &self.forest {
            Some(forest) => forest.logit(f),
            None => self.logit(f),
        };
        sigmoid(z)
    }

    fn score_candidate(&self, f: &Features, candidate: &crate::candidates::Candidate) -> f32 {
        if self.lexicon.is_empty() {
            return self.score(f);
        }
        self.score(&self.with_lexicon(f, &candidate.key))
    }

    fn score_all(&self, features: &[Features], candidates: &[crate::candidates::Candidate]) -> Vec<f32> {
        let Some(forest) = &self.forest else {
            return super::score_each(self, features, candidates);
        };
        let xs: Vec<[f32; super::FEATURE_COUNT]> =
            features.iter().zip(candidates).map(|(f, c)| self.with_lexicon(f, &c.key).to_array()).collect();
        forest.logits(&xs).into_iter().map(sigmoid).collect()
    }
}

/// The probability of a logit.
fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// One training article: its candidates' features and whether each was an editor's tag.
#[cfg(feature = "train")]
#[derive(Debug, Clone, Default)]
pub struct TrainingDoc {
    /// Features of each candidate.
    pub features: Vec<Features>,
    /// Whether each candidate matches a gold tag.
    pub labels: Vec<bool>,
    /// Each candidate's stem key (for the lexicon; may be empty without one).
    pub keys: Vec<String>,
    /// Number of gold tags of the article (for calibrating the tag count).
    pub gold: usize,
    /// The article's weight in training (1 by default). Several gold files are balanced by
    /// giving each file the same total weight, so a large one does not drown a small one.
    pub weight: f32,
}

/// Training settings.
#[cfg(feature = "train")]
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// L2 penalty (logistic regression only).
    pub l2: f32,
    /// At most this many Newton iterations (logistic regression only).
    pub epochs: usize,
    /// Description stored in the model.
    pub trained_on: String,
    /// Features (indices into [`FEATURE_NAMES`]) left out: they get weight 0 (ablation studies).
    pub drop: Vec<usize>,
    /// The candidates the training articles were analysed with; stored in the model so that
    /// tagging offers the same.
    pub candidates: CandidatePolicy,
    /// The most tags an article gets (the calibrated thresholds choose up to this many).
    pub max_tags: usize,
    /// Learn a lexicon: how often each candidate key was chosen where offered, a feature of
    /// its own (within the training articles each sees the counts of the others only).
    pub lexicon: bool,
    /// Score with boosted trees trained so ([`super::trees`]); `None`: a logistic regression
    /// (linear weights). Default: the forest of the shipped ranker ([`ForestOptions::default`]),
    /// as `newstag train ranker` trains without `--linear`.
    pub trees: Option<ForestOptions>,
    /// The lead the training articles were read with; stored in the model
    /// ([`LinearRanker::lead`]), and tagging with the model reads articles so. Default
    /// [`DEFAULT_LEAD_TOKENS`](crate::DEFAULT_LEAD_TOKENS), the lead of a [`crate::Tagger`] built
    /// with a scorer of its own; set it to the analysing tagger's [`crate::Tagger::lead`].
    pub lead: Option<usize>,
}

#[cfg(feature = "train")]
impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            l2: 1e-6,
            epochs: 50,
            trained_on: String::new(),
            drop: Vec::new(),
            candidates: CandidatePolicy::default(),
            max_tags: DEFAULT_MAX_TAGS,
            lexicon: false,
            trees: Some(ForestOptions::default()),
            lead: Some(crate::DEFAULT_LEAD_TOKENS),
        }
    }
}

/// Gives `docs` (the articles of one gold file) a total weight of `total`, shared equally, so
/// that each file weighs `total` in training however many articles it has.
#[cfg(feature = "train")]
pub fn weigh_equally(docs: &mut [TrainingDoc], total: f32) {
    let w = 1.0 / docs.len().max(1) as f32;
    docs.iter_mut().for_each(|d| d.weight = w * total);
}

/// Trains a ranker: standardised inputs, logistic loss with documents weighted equally, Newton's
/// method (deterministic), then a threshold calibrated for F1 per article.
#[cfg(feature = "train")]
pub fn train(docs: &[TrainingDoc], opts: &TrainOptions) -> Result<LinearRanker> {
    let (lexicon, with_lexicon);
    let docs = if opts.lexicon {
        (lexicon, with_lexicon) = learn_lexicon(docs);
        &with_lexicon[..]
    } else {
        lexicon = Vec::new();
        docs
    };
    if let Some(forest_opts) = &opts.trees {
        let mut ranker = train_forest(docs, opts, forest_opts)?;
        ranker.lexicon = lexicon;
        calibrate(&mut ranker, docs);
        return Ok(ranker);
    }
    let n_in = input_len();
    let mut xs: Vec<f32> = Vec::new();
    let mut ys: Vec<f32> = Vec::new();
    let mut ws: Vec<f32> = Vec::new();
    let mut buf = Vec::with_capacity(n_in);
    for d in docs {
        if d.features.is_empty() || d.gold == 0 {
            continue;
        }
        let weight = d.weight.max(0.0) / d.features.len() as f32;
        for (f, &y) in d.features.iter().zip(&d.labels) {
            expand(f, &mut buf);
            // A constant column standardises to 0 and keeps weight 0 (no gradient, L2 > 0).
            for &j in &opts.drop {
                for col in [j, j + FEATURE_NAMES.len()] {
                    if let Some(x) = buf.get_mut(col) {
                        *x = 0.0;
                    }
                }
            }
            xs.extend_from_slice(&buf);
            ys.push(y as u8 as f32);
            ws.push(weight);
        }
    }
    let n = ys.len();
    if n == 0 || !ys.iter().any(|&y| y > 0.0) {
        return Err(Error::Input("no training example matches a gold tag".into()));
    }
    // Standardise.
    let total_w: f64 = ws.iter().map(|&w| w as f64).sum();
    let mut mean = vec![0.0f32; n_in];
    let mut scale = vec![0.0f32; n_in];
    for j in 0..n_in {
        let m: f64 = (0..n).map(|i| (ws[i] * xs[i * n_in + j]) as f64).sum::<f64>() / total_w;
        let v: f64 =
            (0..n).map(|i| ws[i] as f64 * (xs[i * n_in + j] as f64 - m).powi(2)).sum::<f64>() / total_w;
        mean[j] = m as f32;
        scale[j] = if v > 1e-12 { v.sqrt() as f32 } else { 1.0 };
    }
    for i in 0..n {
        for j in 0..n_in {
            xs[i * n_in + j] = (xs[i * n_in + j] - mean[j]) / scale[j];
        }
    }
    let (w, b) = newton(&xs, &ys, &ws, n_in, opts);
    let mut ranker = LinearRanker {
        features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
        mean,
        scale,
        weights: w,
        bias: b,
        min_score: 0.5,
        relative: 0.0,
        max_tags: opts.max_tags.max(1),
        candidates: opts.candidates,
        lexicon,
        trained_on: opts.trained_on.clone(),
        forest: None,
        lead: opts.lead,
    };
    calibrate(&mut ranker, docs);
    Ok(ranker)
}

/// A ranker scoring with boosted trees (linear weights 0, no lexicon, not calibrated yet):
/// every candidate of an article with gold tags is an example weighing the article's weight
/// (the linear ranker shares it among the article's candidates; for trees the two measured
/// about even in CV, slightly better on DUC-2001 this way, slightly worse on KPCrowd).
#[cfg(feature = "train")]
fn train_forest(
    docs: &[TrainingDoc],
    opts: &TrainOptions,
    forest_opts: &ForestOptions,
) -> Result<LinearRanker> {
    let (mut xs, mut ys, mut ws) = (Vec::new(), Vec::new(), Vec::new());
    for d in docs.iter().filter(|d| !d.features.is_empty() && d.gold > 0) {
        let weight = d.weight.max(0.0);
        for (f, &y) in d.features.iter().zip(&d.labels) {
            xs.push(f.to_array());
            ys.push(y);
            ws.push(weight);
        }
    }
    if !ys.iter().any(|&y| y) {
        return Err(Error::Input("no training example matches a gold tag".into()));
    }
    let n_in = input_len();
    Ok(LinearRanker {
        features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
        mean: vec![0.0; n_in],
        scale: vec![1.0; n_in],
        weights: vec![0.0; n_in],
        bias: 0.0,
        min_score: 0.5,
        relative: 0.0,
        max_tags: opts.max_tags.max(1),
        candidates: opts.candidates,
        lexicon: Vec::new(),
        trained_on: opts.trained_on.clone(),
        forest: Some(trees::train(&xs, &ys, &ws, &opts.drop, forest_opts)),
        lead: opts.lead,
    })
}

/// Counts, per candidate key, the articles that offered it and those that chose it, and gives
/// each training candidate the lexicon features of the other articles' counts (leave one out),
/// so that training sees what tagging a new article will see.
#[cfg(feature = "train")]
fn learn_lexicon(docs: &[TrainingDoc]) -> (Vec<LexiconEntry>, Vec<TrainingDoc>) {
    use std::collections::BTreeMap;
    // Per article: each key once, chosen if any candidate with that key is.
    let per_doc: Vec<BTreeMap<&str, bool>> = docs
        .iter()
        .map(|d| {
            let mut m: BTreeMap<&str, bool> = BTreeMap::new();
            for (k, &y) in d.keys.iter().zip(&d.labels) {
                *m.entry(k.as_str()).or_insert(false) |= y;
            }
            m
        })
        .collect();
    let mut counts: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for m in per_doc.iter() {
        for (&k, &y) in m {
            let e = counts.entry(k).or_insert((0, 0));
            e.0 += 1;
            e.1 += y as u32;
        }
    }
    let out: Vec<TrainingDoc> = docs
        .iter()
        .zip(&per_doc)
        .map(|(d, own)| {
            let mut d = d.clone();
            for (f, k) in d.features.iter_mut().zip(&d.keys) {
                let (mut offered, mut chosen) = counts.get(k.as_str()).copied().unwrap_or((0, 0));
                if let Some(&y) = own.get(k.as_str()) {
                    offered = offered.saturating_sub(1);
                    chosen = chosen.saturating_sub(y as u32);
                }
                (f.lexicon_rate, f.lexicon_seen) = lexicon_features(offered, chosen);
            }
            d
        })
        .collect();
    let lexicon = counts
        .into_iter()
        .map(|(key, (offered, chosen))| LexiconEntry { key: key.to_string(), offered, chosen })
        .collect();
    (lexicon, out)
}

/// Weighted, L2-penalised logistic regression by Newton's method (iteratively reweighted least
/// squares): exact and deterministic, a few dozen iterations for a few dozen inputs.
#[cfg(feature = "train")]
fn newton(xs: &[f32], ys: &[f32], ws: &[f32], n_in: usize, opts: &TrainOptions) -> (Vec<f32>, f32) {
    let d = n_in + 1; // last coordinate: bias
    let n = ys.len();
    let total_w: f64 = ws.iter().map(|&w| w as f64).sum();
    let mut beta = vec![0.0f64; d];
    let row = |i: usize, j: usize| if j < n_in { xs[i * n_in + j] as f64 } else { 1.0 };
    for _ in 0..opts.epochs.clamp(1, 100) {
        let mut grad = vec![0.0f64; d];
        let mut hess = vec![0.0f64; d * d];
        for i in 0..n {
            let z: f64 = (0..d).map(|j| beta[j] * row(i, j)).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let wi = ws[i] as f64 / total_w;
            let e = wi * (p - ys[i] as f64);
            let h = wi * (p * (1.0 - p)).max(1e-9);
            for a in 0..d {
                let xa = row(i, a);
                grad[a] += e * xa;
                for b in a..d {
                    hess[a * d + b] += h * xa * row(i, b);
                }
            }
        }
        for a in 0..d {
            for b in 0..a {
                hess[a * d + b] = hess[b * d + a];
            }
            if a < n_in {
                grad[a] += opts.l2 as f64 * beta[a];
                hess[a * d + a] += opts.l2 as f64;
            } else {
                hess[a * d + a] += 1e-9;
            }
        }
        // A small ridge keeps the system positive definite when inputs are collinear (a feature
        // and its topic cross are equal on topic-only data).
        for a in 0..d {
            hess[a * d + a] += 1e-8;
        }
        let step = match solve(&mut hess, &grad, d) {
            Some(s) => s,
            None => {
                debug_assert!(false, "Hessian not positive definite");
                break;
            }
        };
        let mut change = 0.0f64;
        for j in 0..d {
            beta[j] -= step[j];
            change = change.max(step[j].abs());
        }
        if change < 1e-7 {
            break;
        }
    }
    (beta[..n_in].iter().map(|&x| x as f32).collect(), beta[n_in] as f32)
}

/// Solves `a x = b` for a symmetric positive definite `a` (Cholesky); `None` if it is not.
#[cfg(feature = "train")]
fn solve(a: &mut [f64], b: &[f64], d: usize) -> Option<Vec<f64>> {
    for j in 0..d {
        let mut s = a[j * d + j];
        for k in 0..j {
            s -= a[j * d + k] * a[j * d + k];
        }
        if s <= 0.0 || !s.is_finite() {
            return None;
        }
        let l = s.sqrt();
        a[j * d + j] = l;
        for i in j + 1..d {
            let mut t = a[i * d + j];
            for k in 0..j {
                t -= a[i * d + k] * a[j * d + k];
            }
            a[i * d + j] = t / l;
        }
    }
    let mut y = vec![0.0; d];
    for i in 0..d {
        let mut t = b[i];
        for k in 0..i {
            t -= a[i * d + k] * y[k];
        }
        y[i] = t / a[i * d + i];
    }
    let mut x = vec![0.0; d];
    for i in (0..d).rev() {
        let mut t = y[i];
        for k in i + 1..d {
            t -= a[k * d + i] * x[k];
        }
        x[i] = t / a[i * d + i];
    }
    Some(x)
}

/// Picks the absolute and relative thresholds that maximise mean F1 of the chosen tags.
#[cfg(feature = "train")]
fn calibrate(r: &mut LinearRanker, docs: &[TrainingDoc]) {
    // Per article: (score, is gold) of each candidate, best first; gold count; weight.
    type Scored = (Vec<(f32, bool)>, usize, f64);
    let scored: Vec<Scored> = docs
        .iter()
        .filter(|d| d.gold > 0)
        .map(|d| {
            let mut s: Vec<(f32, bool)> =
                d.features.iter().zip(&d.labels).map(|(f, &y)| (r.score(f), y)).collect();
            s.sort_by(|a, b| b.0.total_cmp(&a.0));
            (s, d.gold, f64::from(d.weight.max(0.0)))
        })
        .collect();
    let mut best = (f64::MIN, 0.5f32, 0.0f32);
    for ai in 1..40 {
        let min_score = ai as f32 * 0.025;
        for ri in 0..10 {
            let relative = ri as f32 * 0.1;
            let sel = Selection { min_score, relative, min_tags: 1, max_tags: r.max_tags.max(1) };
            let mut f1 = 0.0f64;
            for (s, gold, weight) in &scored {
                let scores: Vec<f32> = s.iter().map(|x| x.0).collect();
                let k = sel.count(&scores);
                let hits = s[..k].iter().filter(|x| x.1).count() as f64;
                if hits > 0.0 {
                    let p = hits / k as f64;
                    let rec = hits / *gold as f64;
                    f1 += weight * 2.0 * p * rec / (p + rec);
                }
            }
            if f1 > best.0 + 1e-9 {
                best = (f1, min_score, relative);
            }
        }
    }
    r.min_score = best.1;
    r.relative = best.2;
}

#[cfg(all(test, feature = "train"))]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_rule_and_round_trips() {
        // Candidates in the title are the editor's tags.
        let docs: Vec<TrainingDoc> = (0..20)
            .map(|i| {
                let features: Vec<Features> = (0..6)
                    .map(|k| Features {
                        in_title: (k < 2) as u8 as f32,
                        log_mentions: ((i + k) % 3) as f32,
                        ..Default::default()
                    })
                    .collect();
                let labels = (0..6).map(|k| k < 2).collect();
                TrainingDoc { features, labels, gold: 2, weight: 1.0, keys: Vec::new() }
            })
            .collect();
        let r = train(&docs, &TrainOptions { epochs: 200, trees: None, ..Default::default() }).unwrap();
        let yes = r.score(&Features { in_title: 1.0, ..Default::default() });
        let no = r.score(&Features { in_title: 0.0, log_mentions: 2.0, ..Default::default() });
        assert!(yes > 0.5 && no < 0.5, "{yes} {no}");
        let again = train(&docs, &TrainOptions { epochs: 200, trees: None, ..Default::default() }).unwrap();
        assert_eq!(r.to_bytes().unwrap(), again.to_bytes().unwrap(), "training is deterministic");
        assert_eq!(LinearRanker::from_bytes(&r.to_bytes().unwrap()).unwrap(), r);
        assert_eq!(r.selection().count(&[yes, yes, no]), 2);

        // Ablation: without the title group the ranker cannot see the rule.
        let drop = crate::rank::feature_indices(&["title"]).unwrap();
        assert!(drop.contains(&4) && drop.len() == 4, "{drop:?}");
        let blind =
            train(&docs, &TrainOptions { epochs: 200, drop, trees: None, ..Default::default() }).unwrap();
        let i = FEATURE_NAMES.iter().position(|&f| f == "in_title").unwrap();
        assert_eq!(blind.weights[i], 0.0);
        assert_eq!(blind.weights[i + FEATURE_NAMES.len()], 0.0);
        assert!(crate::rank::feature_indices(&["no_such_group"]).is_err());
    }

    #[test]
    fn version_1_files_load_and_score_as_before() {
        // A version-1 ranker knew only the first 29 features; its file must rank the same.
        let old_n = 29;
        let n = FEATURE_NAMES.len();
        let w: Vec<f32> = (0..2 * old_n).map(|i| (i as f32 * 0.37).sin()).collect();
        let v1 = V1Ranker {
            features: FEATURE_NAMES[..old_n].iter().map(|s| s.to_string()).collect(),
            mean: vec![0.1; 2 * old_n],
            scale: vec![2.0; 2 * old_n],
            weights: w.clone(),
            bias: -0.5,
            min_score: 0.3,
            relative: 0.4,
            trained_on: "old".into(),
        };
        let bytes = model::encode(V1_KIND, &v1).unwrap();
        let r = LinearRanker::from_bytes(&bytes).unwrap();
        assert_eq!((r.max_tags, r.candidates, r.lexicon.len()), (8, CandidatePolicy::default(), 0));
        assert_eq!(r.weights[..old_n], w[..old_n]);
        assert_eq!(r.weights[n..n + old_n], w[old_n..]);
        assert!(r.weights[old_n..n].iter().chain(&r.weights[n + old_n..]).all(|&x| x == 0.0));
        let f = Features { in_title: 1.0, log_mentions: 1.5, is_topic: 1.0, idf: 4.0, ..Default::default() };
        let x = f.to_vec();
        let mut z = v1.bias;
        for (k, &xk) in x[..old_n]
            .iter()
            .chain(x[..old_n].iter().map(|v| v * f.is_topic).collect::<Vec<_>>().iter())
            .enumerate()
        {
            z += v1.weights[k] * (xk - v1.mean[k]) / v1.scale[k];
        }
        assert_eq!(r.score(&f), 1.0 / (1.0 + (-z).exp()));
        // A version-1 file with a feature this build does not know fails clearly.
        let mut odd = v1;
        odd.features[3] = "no_such_feature".into();
        let err = LinearRanker::from_bytes(&model::encode(V1_KIND, &odd).unwrap()).unwrap_err();
        assert!(err.to_string().contains("no_such_feature"), "{err}");
    }

    #[test]
    fn trees_learn_an_interaction_and_round_trip() {
        // Topics are chosen when frequent, names when in the title: one rule per type, which
        // one linear weight per feature cannot express without the topic crossing.
        let docs: Vec<TrainingDoc> = (0..60)
            .map(|i| {
                let features: Vec<Features> = (0..8)
                    .map(|k| Features {
                        is_topic: (k % 2) as f32,
                        in_title: ((k / 2) % 2) as f32,
                        log_mentions: ((k / 4 + i) % 2) as f32 * 2.0,
                        ..Default::default()
                    })
                    .collect();
                let labels = features
                    .iter()
                    .map(|f| if f.is_topic > 0.0 { f.log_mentions > 1.0 } else { f.in_title > 0.0 })
                    .collect();
                TrainingDoc { features, labels, gold: 4, weight: 1.0, keys: Vec::new() }
            })
            .collect();
        // The default settings train what ships: boosted trees, articles read to the default lead.
        let default = TrainOptions::default();
        assert_eq!(default.trees.map(|f| f.trees), Some(ForestOptions::default().trees));
        assert_eq!(default.lead, Some(crate::DEFAULT_LEAD_TOKENS));
        let forest = ForestOptions { trees: 40, leaves: 4, learning_rate: 0.3, min_leaf: 5.0, l2: 1.0 };
        let opts = TrainOptions { trees: Some(forest), ..Default::default() };
        let r = train(&docs, &opts).unwrap();
        assert!(r.forest.is_some() && r.weights.iter().all(|&w| w == 0.0));
        let s = |is_topic: f32, in_title: f32, log_mentions: f32| {
            r.score(&Features { is_topic, in_title, log_mentions, ..Default::default() })
        };
        assert!(s(1.0, 0.0, 2.0) > 0.8 && s(1.0, 1.0, 0.0) < 0.2, "topics by frequency");
        assert!(s(0.0, 1.0, 0.0) > 0.8 && s(0.0, 0.0, 2.0) < 0.2, "names by title");
        // An article's candidates scored together score as one by one, with a lexicon too.
        let features: Vec<Features> = docs.iter().take(3).flat_map(|d| d.features.clone()).collect();
        let candidates: Vec<crate::candidates::Candidate> = (0..features.len())
            .map(|k| crate::candidates::Candidate {
                name: String::new(),
                kind: crate::candidates::Kind::Topic,
                entry: None,
                mentions: vec![(k, k + 1)],
                demonym_mentions: 0,
                is_phrase: true,
                implied: false,
                nested_mentions: 0,
                key: ["oil", "week", "spill"][k % 3].to_string(),
                word_mentions: 0,
                starts_with_name: false,
            })
            .collect();
        // A lexicon ranker whose one tree splits on how often editors chose the phrase: "oil"
        // (9 of 10) is chosen, "week" (0 of 10) and "spill" (unseen) are not.
        let mut with_lexicon = r.clone();
        with_lexicon.lexicon = vec![
            LexiconEntry { key: "oil".into(), offered: 10, chosen: 9 },
            LexiconEntry { key: "week".into(), offered: 10, chosen: 0 },
        ];
        let rate = FEATURE_NAMES.iter().position(|&n| n == "lexicon_rate").unwrap() as u8;
        let split = crate::rank::trees::Node { feature: rate, threshold: 1.0, children: [!0, !1] };
        with_lexicon.forest = Some(Forest::new(0.0, vec![0], vec![split], vec![-2.0, 2.0]));
        for ranker in [&r, &with_lexicon] {
            let one_by_one: Vec<f32> =
                features.iter().zip(&candidates).map(|(f, c)| ranker.score_candidate(f, c)).collect();
            assert_eq!(ranker.score_all(&features, &candidates), one_by_one);
        }
        let together = with_lexicon.score_all(&features, &candidates);
        let by_key =
            |key: &str| candidates.iter().zip(&together).find(|(c, _)| c.key == key).map(|(_, &s)| s);
        assert_eq!(
            (by_key("oil"), by_key("week"), by_key("spill")),
            (Some(sigmoid(2.0)), Some(sigmoid(-2.0)), Some(sigmoid(-2.0)))
        );
        // Version 4 with trees, deterministic, and it loads back the same.
        let bytes = r.to_bytes().unwrap();
        assert_eq!(model::read_header(&bytes).unwrap().version, 4);
        assert_eq!(train(&docs, &opts).unwrap().to_bytes().unwrap(), bytes, "training is deterministic");
        assert_eq!(LinearRanker::from_bytes(&bytes).unwrap(), r);
        // A linear ranker reads back without trees, with the lead it was trained with.
        let opts = TrainOptions { lead: Some(300), trees: None, ..Default::default() };
        let linear = train(&docs, &opts).unwrap();
        let bytes = linear.to_bytes().unwrap();
        assert_eq!(model::read_header(&bytes).unwrap().version, 4);
        let back = LinearRanker::from_bytes(&bytes).unwrap();
        assert_eq!((back.lead, back.forest.is_none()), (Some(300), true));
        assert_eq!(back, linear);
        // Files of versions 2 and 3 (before the lead) load, read whole.
        let v2 = V2Ranker {
            features: linear.features.clone(),
            mean: linear.mean.clone(),
            scale: linear.scale.clone(),
            weights: linear.weights.clone(),
            bias: linear.bias,
            min_score: linear.min_score,
            relative: linear.relative,
            max_tags: linear.max_tags,
            candidates: linear.candidates,
            lexicon: linear.lexicon.clone(),
            trained_on: linear.trained_on.clone(),
        };
        let v3 = V3Ranker { base: v2.clone(), forest: None };
        // Nesting the version-2 fields leaves the version-3 bytes as the flat field list wrote
        // them: the version-4 payload (its fields in the same order) up to `forest`, then no lead.
        let (v3_bytes, v4_bytes) = (model::encode(V3_KIND, &v3).unwrap(), linear.to_bytes().unwrap());
        let (p3, p4) = (&v3_bytes[model::HEADER_LEN..], &v4_bytes[model::HEADER_LEN..]);
        assert!(p4.starts_with(p3) && p4.len() - p3.len() <= 9, "{} and {} bytes", p3.len(), p4.len());
        let old = LinearRanker { lead: None, ..linear.clone() };
        for bytes in [v3_bytes, model::encode(V2_KIND, &v2).unwrap()] {
            assert_eq!(LinearRanker::from_bytes(&bytes).unwrap(), old);
        }
        // A file whose trees would index out of bounds is refused.
        let mut bad = r.clone();
        bad.forest.as_mut().unwrap().nodes[0].children = [!0, !100_000];
        assert!(LinearRanker::from_bytes(&bad.to_bytes().unwrap()).is_err());
    }

    #[test]
    fn lexicon_learns_what_readers_choose() {
        // Two candidates look alike; readers always choose "oil", never "week".
        let docs: Vec<TrainingDoc> = (0..30)
            .map(|i| {
                let f = Features { log_mentions: (i % 3) as f32, is_topic: 1.0, ..Default::default() };
                TrainingDoc {
                    features: vec![f, f],
                    labels: vec![true, false],
                    gold: 1,
                    weight: 1.0,
                    keys: vec!["oil".into(), "week".into()],
                }
            })
            .collect();
        let opts = TrainOptions { epochs: 100, lexicon: true, trees: None, ..Default::default() };
        let r = train(&docs, &opts).unwrap();
        let entry = |k: &str| r.lexicon.iter().find(|e| e.key == k).map(|e| (e.offered, e.chosen));
        assert_eq!((entry("oil"), entry("week")), (Some((30, 30)), Some((30, 0))));
        let f = Features { log_mentions: 1.0, is_topic: 1.0, ..Default::default() };
        let (oil, week, new) =
            (r.with_lexicon(&f, "oil"), r.with_lexicon(&f, "week"), r.with_lexicon(&f, "unseen"));
        assert!(r.score(&oil) > 0.5 && r.score(&week) < 0.5, "{} {}", r.score(&oil), r.score(&week));
        assert!(r.score(&oil) > r.score(&new) && r.score(&new) > r.score(&week));
        assert_eq!(LinearRanker::from_bytes(&r.to_bytes().unwrap()).unwrap(), r);
        // Without the option the two are indistinguishable.
        let plain = train(&docs, &TrainOptions { epochs: 100, trees: None, ..Default::default() }).unwrap();
        assert!(plain.lexicon.is_empty());
        assert_eq!(plain.score(&plain.with_lexicon(&f, "oil")), plain.score(&plain.with_lexicon(&f, "week")));
    }
}
