//! A learned ranker: logistic regression over the candidate [`Features`], with every feature
//! also crossed with "is a topic phrase" so that names and topics weigh evidence differently.
//!
//! Trained by `newstag train ranker` from articles with tags chosen by people; the score is the
//! model's probability that an editor would choose the candidate, and the tag count per article
//! comes from a score threshold calibrated on the training articles.

use super::{Features, Scorer, Selection, FEATURE_NAMES};
use crate::error::{Error, Result};
use crate::model::{self, ModelKind};
use serde::{Deserialize, Serialize};

/// Model kind of a ranker file.
pub const KIND: ModelKind = ModelKind { tag: *b"RANK", version: 1 };

/// Number of model inputs: every feature, then every feature times `is_topic`.
pub fn input_len() -> usize {
    FEATURE_NAMES.len() * 2
}

fn expand(f: &Features, out: &mut Vec<f32>) {
    out.clear();
    let v = f.to_vec();
    out.extend_from_slice(&v);
    let topic = f.is_topic;
    out.extend(v.iter().map(|x| x * topic));
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
    /// What the model was trained on, for `model info`.
    pub trained_on: String,
}

impl LinearRanker {
    /// Decodes a ranker model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let r: LinearRanker = model::decode(KIND, bytes)?;
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

    /// Encodes the ranker as a model file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        model::encode(KIND, self)
    }

    /// The selection rule the ranker was calibrated with.
    pub fn selection(&self) -> Selection {
        Selection { min_score: self.min_score, relative: self.relative, min_tags: 1, max_tags: 8 }
    }

    fn logit(&self, x: &[f32]) -> f32 {
        let mut z = self.bias;
        for (i, &xi) in x.iter().enumerate() {
            z += self.weights[i] * (xi - self.mean[i]) / self.scale[i];
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

impl Scorer for LinearRanker {
    fn score(&self, f: &Features) -> f32 {
        let mut x = Vec::with_capacity(input_len());
        expand(f, &mut x);
        1.0 / (1.0 + (-self.logit(&x)).exp())
    }
}

/// One training article: its candidates' features and whether each was an editor's tag.
#[cfg(feature = "train")]
#[derive(Debug, Clone, Default)]
pub struct TrainingDoc {
    /// Features of each candidate.
    pub features: Vec<Features>,
    /// Whether each candidate matches a gold tag.
    pub labels: Vec<bool>,
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
    /// L2 penalty.
    pub l2: f32,
    /// At most this many Newton iterations.
    pub epochs: usize,
    /// Description stored in the model.
    pub trained_on: String,
    /// Features (indices into [`FEATURE_NAMES`]) left out: they get weight 0 (ablation studies).
    pub drop: Vec<usize>,
}

#[cfg(feature = "train")]
impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { l2: 1e-6, epochs: 50, trained_on: String::new(), drop: Vec::new() }
    }
}

/// Gives `docs` (the articles of one gold file) a total weight of 1, shared equally, so that
/// each file weighs the same in training however many articles it has.
#[cfg(feature = "train")]
pub fn weigh_equally(docs: &mut [TrainingDoc]) {
    let w = 1.0 / docs.len().max(1) as f32;
    docs.iter_mut().for_each(|d| d.weight = w);
}

/// Trains a ranker: standardised inputs, logistic loss with documents weighted equally, Newton's
/// method (deterministic), then a threshold calibrated for F1 per article.
#[cfg(feature = "train")]
pub fn train(docs: &[TrainingDoc], opts: &TrainOptions) -> Result<LinearRanker> {
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
        trained_on: opts.trained_on.clone(),
    };
    calibrate(&mut ranker, docs);
    Ok(ranker)
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
            let sel = Selection { min_score, relative, min_tags: 1, max_tags: 8 };
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
                TrainingDoc { features, labels, gold: 2, weight: 1.0 }
            })
            .collect();
        let r = train(&docs, &TrainOptions { epochs: 200, ..Default::default() }).unwrap();
        let yes = r.score(&Features { in_title: 1.0, ..Default::default() });
        let no = r.score(&Features { in_title: 0.0, log_mentions: 2.0, ..Default::default() });
        assert!(yes > 0.5 && no < 0.5, "{yes} {no}");
        let again = train(&docs, &TrainOptions { epochs: 200, ..Default::default() }).unwrap();
        assert_eq!(r.to_bytes().unwrap(), again.to_bytes().unwrap(), "training is deterministic");
        assert_eq!(LinearRanker::from_bytes(&r.to_bytes().unwrap()).unwrap(), r);
        assert_eq!(r.selection().count(&[yes, yes, no]), 2);

        // Ablation: without the title group the ranker cannot see the rule.
        let drop = crate::rank::feature_indices(&["title"]).unwrap();
        assert!(drop.contains(&4) && drop.len() == 4, "{drop:?}");
        let blind = train(&docs, &TrainOptions { epochs: 200, drop, ..Default::default() }).unwrap();
        let i = FEATURE_NAMES.iter().position(|&f| f == "in_title").unwrap();
        assert_eq!(blind.weights[i], 0.0);
        assert_eq!(blind.weights[i + FEATURE_NAMES.len()], 0.0);
        assert!(crate::rank::feature_indices(&["no_such_group"]).is_err());
    }
}
