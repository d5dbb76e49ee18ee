//! Training the tag ranker from articles tagged by people, and cross-validating it.

use anyhow::Result;
use clap::Args;
use newstag::candidates::CandidatePolicy;
use newstag::candidates::Kind;
use newstag::rank::linear::{self, LinearRanker, TrainOptions, TrainingDoc};
use newstag::rank::trees::ForestOptions;
use newstag::{Analysed, Article, Tagger};
use newstag_eval::{stem_phrase, Doc};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct RankerArgs {
    /// Gold JSONL files (repeatable). Reuters files (named reuters*) are scored as names.
    #[arg(long, required = true)]
    pub gold: Vec<PathBuf>,
    /// How much each --gold file weighs, in their order, comma-separated (default: 1 each). A
    /// file's articles weigh this much in all, however many they are: `--weight 1,1,4` makes the
    /// third file count as much as four of the others.
    #[arg(long, value_delimiter = ',', value_parser = positive_weight)]
    pub weight: Vec<f32>,
    /// Use at most this many articles of each file (the first N).
    #[arg(long)]
    pub limit_per_file: Option<usize>,
    /// The shared data folder (Reuters code lists).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Load the other model files from this directory instead of the embedded ones.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// How much of each training article the models read (as `tag --lead`: train with the
    /// reading you tag with).
    #[arg(long, value_name = "TOKENS", default_value_t = crate::tag_cmd::Lead::default())]
    pub lead: crate::tag_cmd::Lead,
    /// Where to write the ranker.
    #[arg(long, short, default_value = "crates/newstag-models/models/ranker.bin")]
    pub out: PathBuf,
    /// With --linear: at most this many Newton iterations.
    #[arg(long, default_value_t = 50, requires = "linear")]
    pub epochs: usize,
    /// With --linear: the L2 penalty.
    #[arg(long, default_value_t = 1e-6, requires = "linear")]
    pub l2: f32,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Training choices stored in the ranker: what it is offered and how many tags it may choose.
#[derive(Args, Debug, Clone)]
pub struct PolicyArgs {
    /// Also offer every content word on its own as a candidate (common nouns, verbs, adjectives,
    /// each word of a name), for readers who tag single words, as crowd-sourced keyphrase sets
    /// do. Stored in the ranker: tagging with it offers the same candidates. (`eval --cv`: the
    /// fold rankers are trained so.)
    #[arg(long)]
    pub single_words: bool,
    /// The most tags the ranker chooses for an article (its thresholds are calibrated up to
    /// this many). Stored in the ranker. (`eval --cv`: the fold rankers.)
    #[arg(long, default_value_t = linear::DEFAULT_MAX_TAGS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    pub max_tags: usize,
    /// Learn a lexicon: how often the training articles' tags chose each candidate where it was
    /// offered, a feature of its own ("keyphraseness"). Stored in the ranker (it grows with the
    /// training vocabulary). (`eval --cv`: each fold ranker learns it from its training folds.)
    #[arg(long)]
    pub lexicon: bool,
    /// Score with gradient-boosted trees over the features (the default, as the shipped ranker
    /// does): this many trees. Stored in the ranker. (`eval --cv`: the fold rankers.)
    #[arg(long, num_args = 0..=1, default_missing_value = "100", value_name = "N", conflicts_with = "linear")]
    pub trees: Option<usize>,
    /// Leaves per tree.
    #[arg(long, value_name = "N", default_value_t = ForestOptions::default().leaves, conflicts_with = "linear",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=1024))]
    pub tree_leaves: usize,
    /// The trees' learning rate (each tree's leaf values are scaled by it).
    #[arg(long, value_name = "RATE", default_value_t = ForestOptions::default().learning_rate,
          conflicts_with = "linear", value_parser = parse_rate)]
    pub tree_rate: f32,
    /// Score with logistic regression over the features instead of boosted trees (before
    /// 2026-12-07 the default: smaller and a little faster to score, less accurate).
    #[arg(long)]
    pub linear: bool,
}

/// A learning rate: a number above 0 and at most 1.
fn parse_rate(s: &str) -> std::result::Result<f32, String> {
    match s.parse::<f32>() {
        Ok(r) if r > 0.0 && r <= 1.0 => Ok(r),
        _ => Err(format!("expected a number above 0 and at most 1, got {s:?}")),
    }
}

impl PolicyArgs {
    /// The candidate policy these flags ask for.
    pub fn candidates(&self) -> CandidatePolicy {
        CandidatePolicy { single_words: self.single_words }
    }

    /// The boosted trees these flags ask for (`None`: a linear ranker).
    pub fn trees(&self) -> Option<ForestOptions> {
        (!self.linear).then(|| ForestOptions {
            trees: self.trees.unwrap_or(ForestOptions::default().trees),
            leaves: self.tree_leaves,
            learning_rate: self.tree_rate,
            ..Default::default()
        })
    }

    /// Whether any flag differs from its default (they only matter when training).
    pub fn any(&self) -> bool {
        let forest = ForestOptions::default();
        self.single_words
            || self.lexicon
            || self.trees.is_some()
            || self.linear
            || self.tree_leaves != forest.leaves
            || self.tree_rate != forest.learning_rate
            || self.max_tags != linear::DEFAULT_MAX_TAGS
    }
}

/// Reads a gold file; Reuters codes become names.
pub fn load_gold(path: &Path, data: &Path, limit: Option<usize>) -> Result<Vec<Doc>> {
    let mut docs = crate::eval_cmd::read_gold(path, None, data)?;
    if let Some(n) = limit {
        docs.truncate(n);
    }
    Ok(docs)
}

/// Analyses every document (in parallel) with the candidates of `policy`. A document the engine
/// refuses is `None`.
pub fn analyse_all(tagger: &Tagger, docs: &[Doc], policy: &CandidatePolicy) -> Vec<Option<Analysed>> {
    docs.par_iter()
        .map(|d| {
            tagger.analyse_candidates_with(&Article::new(d.title.as_str(), d.text.as_str()), policy).ok()
        })
        .collect()
}

/// Labels each candidate: does its name match one of the gold tags (stemmed exact match)?
pub fn training_doc(a: &Analysed, gold: &[Vec<String>]) -> TrainingDoc {
    let gold_stems: Vec<Vec<String>> =
        gold.iter().map(|alts| alts.iter().map(|g| stem_phrase(g)).collect()).collect();
    let labels = a
        .candidates
        .iter()
        .map(|c| {
            let s = stem_phrase(&c.name);
            gold_stems.iter().any(|alts| alts.contains(&s))
        })
        .collect();
    let keys = a.candidates.iter().map(|c| c.key.clone()).collect();
    TrainingDoc { features: a.features.clone(), labels, gold: gold.len(), weight: 1.0, keys }
}

/// Leaves out of a training article the companies its gold file never coded, when that file
/// codes names only (Reuters: places, people and the organisations of a fixed list, never
/// companies): organisations outside the gazetteer are unlabelled there, not rejected, and
/// counting them as rejected taught the ranker that a company is never a tag ("Apple" scored
/// 0.04 in an article about Apple). A candidate that matches a gold tag stays. Organisations
/// as the ranker reads them ([`newstag::candidates::Candidate::ranked_type`]): storms, laws and events, which such a
/// file never codes either, go too ("Paris accord", "Tax Reform Act"): kept as rejected, they
/// taught fold rankers that an organisation is seldom a tag (2026-12-08: Reuters CV F1@M rose
/// from 32.5 to 36.3 while "Finance Ministry", "Merrill Lynch" and 5,000 other chosen
/// organisations went).
pub fn without_uncoded(mut t: TrainingDoc, a: &Analysed) -> TrainingDoc {
    let keep: Vec<bool> = a
        .candidates
        .iter()
        .zip(&t.labels)
        .map(|(c, &chosen)| chosen || !(c.ranked_type() == Kind::Organization && c.entry.is_none()))
        .collect();
    fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
        let mut k = keep.iter();
        v.retain(|_| *k.next().unwrap_or(&true));
    }
    retain(&mut t.features, &keep);
    retain(&mut t.labels, &keep);
    retain(&mut t.keys, &keep);
    t
}

/// Whether a gold file codes names only (its candidates go through [`without_uncoded`]).
pub fn names_only(path: &Path, reuters: Option<bool>) -> bool {
    reuters.unwrap_or_else(|| newstag_eval::is_reuters_file(path))
}

/// The training articles of one gold file (`path`): each analysed document labelled by its gold
/// tags, without what a names-only file never coded. Documents the engine refused are skipped.
pub fn training_docs(path: &Path, docs: &[Doc], analysed: &[Option<Analysed>]) -> Vec<TrainingDoc> {
    let uncoded_out = names_only(path, None);
    docs.iter()
        .zip(analysed)
        .filter_map(|(d, a)| {
            let a = a.as_ref()?;
            let t = training_doc(a, &d.tags);
            Some(if uncoded_out { without_uncoded(t, a) } else { t })
        })
        .collect()
}

/// A `--weight` value: a finite number above 0.
pub fn positive_weight(s: &str) -> std::result::Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(w) if w > 0.0 && w.is_finite() => Ok(w),
        _ => Err(format!("expected a number above 0, got {s:?}")),
    }
}

/// The weight of each of `files` gold files: `weights` in order (`flag` names it in the error),
/// or 1 each when none are given.
pub fn file_weights(flag: &str, weights: &[f32], files: usize) -> Result<Vec<f32>> {
    match weights.len() {
        0 => Ok(vec![1.0; files]),
        n if n == files => Ok(weights.to_vec()),
        n => anyhow::bail!("{flag} has {n} values for {files} files"),
    }
}

/// The training articles of gold file `path` (its first `limit`), analysed with `policy`'s
/// candidates, weighing `weight` in all however many they are: 3,000 Reuters articles do not
/// drown 307 DUC ones unless told to.
pub fn weighted_training_docs(
    tagger: &Tagger,
    path: &Path,
    data: &Path,
    limit: Option<usize>,
    policy: &CandidatePolicy,
    weight: f32,
) -> Result<Vec<TrainingDoc>> {
    let docs = load_gold(path, data, limit)?;
    let analysed = analyse_all(tagger, &docs, policy);
    let mut training = training_docs(path, &docs, &analysed);
    linear::weigh_equally(&mut training, weight);
    Ok(training)
}

pub fn run(args: RankerArgs) -> Result<ExitCode> {
    let weights = file_weights("--weight", &args.weight, args.gold.len())?;
    let tagger =
        crate::tag_cmd::build_tagger(args.model_dir.as_deref(), usize::MAX, false, false, Some(args.lead))?;
    let mut training = Vec::new();
    let mut described = Vec::new();
    for (path, &weight) in args.gold.iter().zip(&weights) {
        let before = training.len();
        training.extend(weighted_training_docs(
            &tagger,
            path,
            &args.data,
            args.limit_per_file,
            &args.policy.candidates(),
            weight,
        )?);
        let added = training.len() - before;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        eprintln!("{name}: {added} articles, weight {weight}");
        described.push(if weight == 1.0 {
            format!("{name} ({added})")
        } else {
            format!("{name} ({added}, x{weight})")
        });
    }
    let opts = TrainOptions {
        l2: args.l2,
        epochs: args.epochs,
        trained_on: described.join(", "),
        drop: Vec::new(),
        candidates: args.policy.candidates(),
        max_tags: args.policy.max_tags,
        lexicon: args.policy.lexicon,
        trees: args.policy.trees(),
        lead: tagger.lead(),
    };
    let ranker = linear::train(&training, &opts)?;
    print_weights(&ranker);
    crate::train_cmd::write_model(&args.out, &ranker.to_bytes()?)?;
    Ok(ExitCode::SUCCESS)
}

fn print_weights(r: &LinearRanker) {
    let model = if let Some(forest) = &r.forest {
        // How often each feature is split on, most first.
        let mut uses = vec![0usize; r.features.len()];
        forest.nodes.iter().for_each(|n| uses[n.feature as usize] += 1);
        let mut order: Vec<usize> = (0..uses.len()).filter(|&j| uses[j] > 0).collect();
        order.sort_by_key(|&j| std::cmp::Reverse(uses[j]));
        eprintln!("{:<20} {:>8}", "feature", "splits");
        for j in order {
            eprintln!("{:<20} {:>8}", r.features[j], uses[j]);
        }
        format!("{} trees", forest.roots.len())
    } else {
        let n = r.features.len();
        eprintln!("{:<20} {:>8} {:>8}", "feature", "weight", "x topic");
        for (i, name) in r.features.iter().enumerate() {
            eprintln!("{:<20} {:>8.3} {:>8.3}", name, r.weights[i], r.weights[n + i]);
        }
        format!("bias {:.3}", r.bias)
    };
    eprintln!(
        "{model}; selection: score >= {:.3} and >= {:.2} x best, at most {} tags; single words: {}; lexicon: {} keys",
        r.min_score, r.relative, r.max_tags, r.candidates.single_words, r.lexicon.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A company a names-only file did not code leaves training; chosen names, other names and
    /// topics stay, and the three columns stay aligned.
    #[test]
    fn uncoded_companies_leave_names_only_training() {
        let tagger = Tagger::new().unwrap();
        let text = "Samsung Electronics said on Tuesday its profit rose in South Korea as demand for \
                    memory chips lifted prices. Samsung Electronics shares rose in Seoul.";
        let a = tagger.analyse_candidates(&Article::new("Samsung profit rises", text)).unwrap();
        let gold = vec![vec!["South Korea".to_string()]];
        let full = training_doc(&a, &gold);
        let kept = without_uncoded(full.clone(), &a);
        let company = |c: &newstag::candidates::Candidate| c.kind == Kind::Organization && c.entry.is_none();
        let companies = a.candidates.iter().filter(|c| company(c)).count();
        assert!(companies >= 1, "{:?}", a.candidates.iter().map(|c| &c.name).collect::<Vec<_>>());
        assert_eq!(kept.labels.len(), full.labels.len() - companies);
        assert_eq!((kept.features.len(), kept.keys.len()), (kept.labels.len(), kept.labels.len()));
        assert_eq!(kept.labels.iter().filter(|&&y| y).count(), 1, "South Korea stays, chosen");
        let expected: Vec<String> =
            a.candidates.iter().filter(|c| !company(c)).map(|c| c.key.clone()).collect();
        assert_eq!(kept.keys, expected);
    }
}
