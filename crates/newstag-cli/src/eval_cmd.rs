//! `newstag eval`: tag every article of a gold file and score the tags.
//!
//! P/R/F1 at each k use the engine's full ranking cut at k; at M they use the tags the engine
//! chose itself (its own count), which is what `newstag tag` prints.

use anyhow::{Context, Result};
use clap::Args;
use newstag::rank::linear::{self, TrainOptions};
use newstag::{Article, Tagger};
use newstag_eval::{read_docs, Doc, Evaluator, Report, ReutersNames};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// A gold file and how to score against it: the flags `eval` and `score` share.
#[derive(Args, Debug)]
pub struct GoldArgs {
    /// Gold JSONL file (format of ../shared/data).
    #[arg(long)]
    pub gold: PathBuf,
    /// Cut-offs, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = vec![5usize, 10])]
    pub k: Vec<usize>,
    /// Score Reuters place/people/org codes as names (default: on for files named reuters*).
    #[arg(long)]
    pub reuters: Option<bool>,
    /// The shared data folder (for the Reuters code lists and the gazetteer).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
}

impl GoldArgs {
    /// The gold articles, Reuters codes turned into names when they are Reuters'.
    pub fn read(&self) -> Result<Vec<Doc>> {
        read_gold(&self.gold, self.reuters, &self.data)
    }
}

/// Reads a gold file; with `reuters` (default: for files named reuters*) its place, people and
/// organisation codes become names, with the code lists under `data`.
pub fn read_gold(path: &std::path::Path, reuters: Option<bool>, data: &std::path::Path) -> Result<Vec<Doc>> {
    let mut docs = read_docs(path).with_context(|| format!("reading {}", path.display()))?;
    if reuters.unwrap_or_else(|| newstag_eval::is_reuters_file(path)) {
        let names = ReutersNames::load(data).context("loading the Reuters code lists")?;
        for d in &mut docs {
            d.tags = names.gold(d);
        }
    }
    Ok(docs)
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    pub set: GoldArgs,
    /// Only the first N documents (after --skip).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Leave out the first N documents: `--skip 3000 --limit 2000` scores Reuters articles
    /// 3,001-5,000, which the shipped ranker (trained on the first 3,000) never saw.
    #[arg(long, default_value_t = 0)]
    pub skip: usize,
    /// Load model files from this directory instead of the embedded ones.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Cross-validate the ranker: train on K-1 folds (plus every --train-extra file), tag the
    /// held-out fold, for each of K folds.
    #[arg(long)]
    pub cv: Option<usize>,
    /// With --cv: the seed that deals the documents into folds. Another seed gives another
    /// split (and other fold rankers): a change is told from the noise of training by its
    /// figures over several seeds (`scripts/cv-seeds.sh`), not by one split's.
    #[arg(long, default_value_t = 42, requires = "cv")]
    pub cv_seed: u64,
    /// With --cv: leave these features out of the ranker (feature or group names, comma-separated;
    /// groups: frequency, position, title, entity_type, gazetteer, form, news_frequency, single_word,
    /// single_word_context, lexicon), for
    /// ablation studies.
    #[arg(long, value_delimiter = ',', requires = "cv")]
    pub drop: Vec<String>,
    /// With --cv: more gold files added whole to every fold's training set.
    #[arg(long)]
    pub train_extra: Vec<PathBuf>,
    /// With --cv: how much each --train-extra file weighs, in their order, comma-separated
    /// (default 1 each; the file cross-validated weighs 1), as `train ranker --weight` does.
    #[arg(long, value_delimiter = ',', value_parser = crate::ranker_cmd::positive_weight, requires = "cv")]
    pub extra_weight: Vec<f32>,
    /// With --cv: at most this many articles of each --train-extra file.
    #[arg(long, default_value_t = 3000)]
    pub extra_limit: usize,
    /// With --cv: the fold rankers' training choices (`--single-words`, `--max-tags`,
    /// `--lexicon`, `--trees` (the default) or `--linear`), as for `newstag train ranker`.
    #[command(flatten)]
    pub policy: crate::ranker_cmd::PolicyArgs,
    /// Without the noun-phrase chunker (faster; topical phrases may cross noun-phrase boundaries).
    #[arg(long)]
    pub no_chunker: bool,
    /// How much of each article the models read (as `tag --lead`; with --cv, the fold rankers
    /// train on the same reading).
    #[arg(long, value_name = "TOKENS")]
    pub lead: Option<crate::tag_cmd::Lead>,
    /// Score with the untrained, transparent heuristic instead of the learned ranker.
    #[arg(long, conflicts_with = "cv")]
    pub heuristic: bool,
    /// Write each document's predictions and gold tags here (JSONL), for error analysis.
    #[arg(long)]
    pub dump: Option<PathBuf>,
    /// With --cv: write every candidate's features and label here (JSONL, one line per article
    /// with its fold), for studying rankers outside newstag.
    #[arg(long, requires = "cv")]
    pub dump_features: Option<PathBuf>,
}

/// One document's result.
#[derive(Default)]
pub struct DocResult {
    /// Tag names, best first.
    pub ranked: Vec<String>,
    /// How many of `ranked` the system chose.
    pub chosen: usize,
    /// The type of each of `ranked`; empty when the system gives none.
    pub types: Vec<newstag::TagType>,
}

impl DocResult {
    /// The first `max_k` tags of a ranking, or its chosen ones if more, with their types.
    pub fn from_ranked(r: newstag::Ranked, max_k: usize) -> DocResult {
        let keep = max_k.max(r.chosen);
        let tags = r.tags.into_iter().take(keep);
        let (ranked, types) = tags.map(|t| (t.name, t.tag_type)).unzip();
        DocResult { ranked, chosen: r.chosen, types }
    }
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    if args.cv.is_none() && args.policy.any() {
        anyhow::bail!(
            "--single-words, --lexicon, --trees, --tree-leaves, --tree-rate, --linear and --max-tags train the fold \
             rankers of --cv; without --cv, train a ranker with them (`newstag train ranker`) and pass its \
             folder with --model-dir"
        );
    }
    let mut b = newstag::Tagger::builder()
        .max_bytes(usize::MAX)
        .chunker(!args.no_chunker)
        .models_from(args.model_dir.as_deref());
    if let Some(lead) = args.lead {
        b = b.lead(lead.0);
    }
    if args.heuristic {
        b = b
            .scorer(std::sync::Arc::new(newstag::rank::HeuristicScorer))
            .selection(newstag::rank::Selection::default());
    }
    let tagger = b.build().context("loading models")?;
    let mut docs = args.set.read()?;
    docs.drain(..args.skip.min(docs.len()));
    if let Some(n) = args.limit {
        docs.truncate(n);
    }
    let max_k = args.set.k.iter().copied().max().unwrap_or(10);
    let (results, system) = match args.cv {
        Some(k) => (cross_validate(&tagger, &docs, &args, k, max_k)?, format!("newstag ({k}-fold CV)")),
        None => (tag_all(&tagger, &docs, max_k), "newstag".to_string()),
    };
    let report = score(&docs, &results, &args.set.k, &system);
    if let Some(path) = &args.dump {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
        for (d, r) in docs.iter().zip(&results) {
            let v = serde_json::json!({"id": d.id, "chosen": &r.ranked[..r.chosen], "ranked": r.ranked, "gold": d.tags});
            writeln!(f, "{v}")?;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}: {}", args.set.gold.display(), report);
    }
    Ok(ExitCode::SUCCESS)
}

/// K-fold cross-validation of the ranker on `docs`.
fn cross_validate(
    tagger: &Tagger,
    docs: &[Doc],
    args: &EvalArgs,
    k: usize,
    max_k: usize,
) -> Result<Vec<DocResult>> {
    use crate::ranker_cmd::{analyse_all, names_only, training_doc, weighted_training_docs, without_uncoded};
    let policy = args.policy.candidates();
    let analysed = analyse_all(tagger, docs, &policy);
    let own: Vec<_> =
        docs.iter().zip(&analysed).map(|(d, a)| a.as_ref().map(|a| training_doc(a, &d.tags))).collect();
    let weights =
        crate::ranker_cmd::file_weights("--extra-weight", &args.extra_weight, args.train_extra.len())?;
    let mut extra = Vec::new();
    for (path, &weight) in args.train_extra.iter().zip(&weights) {
        extra.extend(weighted_training_docs(
            tagger,
            path,
            &args.set.data,
            Some(args.extra_limit),
            &policy,
            weight,
        )?);
    }
    let drop = newstag::rank::feature_indices(&args.drop)?;
    let folds = newstag_eval::folds(docs.len(), k, args.cv_seed);
    if let Some(path) = &args.dump_features {
        dump_features(path, docs, &analysed, &own, &folds)?;
    }
    // Fold rankers learn from what the file coded ([`without_uncoded`]), as `train ranker` does.
    let own: Vec<_> = if names_only(&args.set.gold, args.set.reuters) {
        own.into_iter().zip(&analysed).map(|(t, a)| Some(without_uncoded(t?, a.as_ref()?))).collect()
    } else {
        own
    };
    let mut results: Vec<Option<DocResult>> = (0..docs.len()).map(|_| None).collect();
    for (fi, test) in folds.iter().enumerate() {
        let (train_idx, _) = newstag_eval::split(&folds, fi);
        let mut training: Vec<_> = train_idx.iter().filter_map(|&i| own[i].clone()).collect();
        linear::weigh_equally(&mut training, 1.0);
        training.extend(extra.iter().cloned());
        let opts = TrainOptions {
            trained_on: format!("fold {fi}"),
            drop: drop.clone(),
            candidates: policy,
            max_tags: args.policy.max_tags,
            lexicon: args.policy.lexicon,
            trees: args.policy.trees(),
            lead: tagger.lead(),
            ..Default::default()
        };
        let ranker = linear::train(&training, &opts)?;
        let selection = ranker.selection();
        for &i in test {
            results[i] = Some(match &analysed[i] {
                Some(a) => DocResult::from_ranked(tagger.rank_analysed(a, &ranker, &selection), max_k),
                None => DocResult::default(),
            });
        }
    }
    Ok(results.into_iter().map(Option::unwrap_or_default).collect())
}

/// Writes every article's candidates (key, stemmed name, label, features) with its fold.
fn dump_features(
    path: &std::path::Path,
    docs: &[Doc],
    analysed: &[Option<newstag::Analysed>],
    own: &[Option<linear::TrainingDoc>],
    folds: &[Vec<usize>],
) -> Result<()> {
    let mut fold_of = vec![0usize; docs.len()];
    for (fi, f) in folds.iter().enumerate() {
        for &i in f {
            fold_of[i] = fi;
        }
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (i, d) in docs.iter().enumerate() {
        let (Some(a), Some(t)) = (&analysed[i], &own[i]) else { continue };
        let cands: Vec<_> = a
            .candidates
            .iter()
            .zip(&t.features)
            .zip(&t.labels)
            .map(|((c, feat), &y)| {
                serde_json::json!({
                    "key": c.key, "name": c.name, "stem": newstag_eval::stem_phrase(&c.name),
                    "first": c.mentions[0], "y": y, "f": feat.to_vec(),
                })
            })
            .collect();
        let v = serde_json::json!({"id": d.id, "fold": fold_of[i], "gold": t.gold, "cands": cands});
        writeln!(f, "{v}")?;
    }
    Ok(())
}

/// Tags every document (in parallel), keeping the ranking to `max_k` or the chosen count.
pub fn tag_all(tagger: &Tagger, docs: &[Doc], max_k: usize) -> Vec<DocResult> {
    docs.par_iter()
        .map(|d| match tagger.rank(&Article::new(d.title.as_str(), d.text.as_str())) {
            Ok(r) => DocResult::from_ranked(r, max_k),
            Err(_) => DocResult::default(),
        })
        .collect()
}

/// Scores results: at k on the ranking, at M on the chosen tags; and, where the gold file
/// types its tags and the system gives types, how often the chosen tags' types agree.
pub fn score(docs: &[Doc], results: &[DocResult], ks: &[usize], system: &str) -> Report {
    let mut at_k = Evaluator::new(ks);
    let mut at_m = Evaluator::new(&[]);
    let mut types = newstag_eval::TypeAgreement::default();
    let mut typed = false;
    for (d, r) in docs.iter().zip(results) {
        let chosen = &r.ranked[..r.chosen.min(r.ranked.len())];
        at_k.add(&r.ranked, &d.tags);
        at_m.add(chosen, &d.tags);
        let gold = d.typed_tags();
        if !gold.is_empty() && r.types.len() == r.ranked.len() {
            typed = true;
            let pairs: Vec<(&str, newstag::TagType)> =
                chosen.iter().map(String::as_str).zip(r.types.iter().copied()).collect();
            types.add(&gold, &pairs);
        }
    }
    let mut report = at_k.report(system);
    let m = at_m.report(system);
    report.at_m = m.at_m;
    report.predicted_per_doc = m.predicted_per_doc;
    report.types = typed.then_some(types);
    report
}
