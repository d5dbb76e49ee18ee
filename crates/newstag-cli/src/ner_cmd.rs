//! The named-entity recogniser's commands: `newstag train ner` and `newstag eval-tokens ner FILE`.

use anyhow::{bail, Context, Result};
use clap::Args;
use newstag::kb::clusters::WordClusters;
use newstag::kb::Gazetteer;
use newstag::tag::ner::{
    iob_tags, is_iob1, read_ner_conll, NerDocument, NerResources, NerTagger, NerTrainOptions,
};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct NerArgs {
    /// CoNLL-2003 training file (word ... NER columns, IOB1, -DOCSTART- between documents).
    #[arg(long, default_value = "../shared/data/tokens/conll2003/eng.train")]
    train: PathBuf,
    /// Development file, scored after training (the settings were tuned on it).
    #[arg(long, default_value = "../shared/data/tokens/conll2003/eng.testa")]
    dev: PathBuf,
    /// Unlabelled news (JSONL with a `text` field) for the capitalisation lexicon; repeatable.
    /// The training file's words are counted too.
    #[arg(long, default_value = "../shared/data/reuters/reuters-train.jsonl")]
    text: Vec<PathBuf>,
    /// Passes over the training data.
    #[arg(long, default_value_t = NerTrainOptions::default().epochs)]
    epochs: u32,
    /// Seed of the shuffle and of the augmented copies: the same data and seed give the same bytes.
    #[arg(long, default_value_t = NerTrainOptions::default().seed)]
    seed: u64,
    /// Averaged weights smaller than this are dropped.
    #[arg(long, default_value_t = NerTrainOptions::default().prune)]
    prune: f32,
    /// Share of the training sentences also trained on in ALL CAPITALS.
    #[arg(long, default_value_t = NerTrainOptions::default().upper_copies)]
    upper_copies: f64,
    /// Share of the training sentences also trained on in Title Case.
    #[arg(long, default_value_t = NerTrainOptions::default().title_copies)]
    title_copies: f64,
    /// Score every token. By default uncapitalised forms seldom seen inside a name in training
    /// ("the", "said", "inflation") are labelled O without scoring (a speed-up).
    #[arg(long)]
    score_every_token: bool,
    /// Uncapitalised forms inside a name in less than this share of their training occurrences
    /// ("the", ",", "said") are labelled O without scoring; the others ("of", "de") are scored.
    #[arg(long, default_value_t = NerTrainOptions::default().named_min_share)]
    named_min_share: f64,
    /// Where to write the model.
    #[arg(long, short, default_value = "crates/newstag-models/models/ner.bin")]
    out: PathBuf,
}

/// CoNLL-2003's test set is for the final figure only: refuse to train or tune on it.
fn refuse_test_set(path: &Path, role: &str) -> Result<()> {
    if path.file_name().is_some_and(|n| n == "eng.testb") {
        bail!("{} is the CoNLL-2003 test set; it must not be used as {role} data", path.display());
    }
    Ok(())
}

/// `newstag train ner`.
pub fn train(args: NerArgs) -> Result<()> {
    refuse_test_set(&args.train, "training")?;
    refuse_test_set(&args.dev, "development")?;
    let start = Instant::now();
    let docs = read_ner_conll(&args.train).with_context(|| format!("reading {}", args.train.display()))?;
    let tokens: usize = docs.iter().map(NerDocument::tokens).sum();
    eprintln!("training data: {} documents, {tokens} tokens ({})", docs.len(), args.train.display());

    let gazetteer = Gazetteer::embedded().context("the recogniser needs the embedded gazetteer")?;
    let clusters = WordClusters::embedded().context("the recogniser needs the embedded word clusters")?;
    let mut resources = NerResources::new().with_gazetteer(gazetteer).with_clusters(clusters);
    for path in &args.text {
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut n = 0;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("reading {}", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value = serde_json::from_str(&line)
                .with_context(|| format!("{}:{}: not JSON", path.display(), i + 1))?;
            if let Some(text) = value.get("text").and_then(|t| t.as_str()) {
                resources.add_text(text);
                n += 1;
            }
        }
        eprintln!("capitalisation lexicon: {n} articles from {}", path.display());
    }
    for d in &docs {
        for s in &d.sentences {
            let words: Vec<&str> = s.words.iter().map(String::as_str).collect();
            resources.add_sentence(&words);
        }
    }

    let opts = NerTrainOptions {
        epochs: args.epochs,
        seed: args.seed,
        prune: args.prune,
        upper_copies: args.upper_copies,
        title_copies: args.title_copies,
        score_every_token: args.score_every_token,
        named_min_share: args.named_min_share,
        ..Default::default()
    };
    let tagger = NerTagger::train(&docs, resources, &opts, |e| {
        let what = match e.held_out {
            Some(f) => format!("stage 1 without fold {f} (labels fold {f} for stage 2)"),
            None => format!("stage {}", e.stage),
        };
        if e.held_out.is_some() && e.epoch < opts.epochs {
            return;
        }
        eprintln!(
            "  {what}, epoch {:>2}: {} errors in {} tokens ({:.2}%), {:.1} s",
            e.epoch,
            e.errors,
            e.tokens,
            100.0 * e.errors as f64 / e.tokens.max(1) as f64,
            start.elapsed().as_secs_f64()
        )
    })?;
    let (features, weights, casing, cluster_words, gaz_keys) = tagger.stats();
    eprintln!(
        "trained in {:.1} s: {features} features, {weights} weights; {casing} capitalisation entries, \
         {cluster_words} cluster words, {gaz_keys} gazetteer keys",
        start.elapsed().as_secs_f64()
    );
    let bytes = tagger.to_bytes()?;
    crate::train_cmd::write_model(&args.out, &bytes)?;

    let dev = read_ner_conll(&args.dev).with_context(|| format!("reading {}", args.dev.display()))?;
    let (scores, _) = tagger.evaluate(&dev);
    eprintln!("{} (development):\n{scores}", args.dev.display());
    Ok(())
}

/// `newstag eval-tokens ner FILE [--predictions OUT] [--model-dir DIR]`: conlleval's entity
/// scores, per-type precision/recall/F1, speed; optionally the file back with a predicted column.
pub fn eval_tokens(file: &Path, predictions: Option<&Path>, model_dir: Option<&Path>) -> Result<ExitCode> {
    let start = Instant::now();
    let owned;
    let (tagger, source): (&NerTagger, &str) = match model_dir {
        Some(dir) => {
            let path = dir.join("ner.bin");
            owned = NerTagger::load(&path).with_context(|| format!("loading {}", path.display()))?;
            (&owned, "ner.bin from --model-dir")
        }
        None => (NerTagger::embedded()?, "embedded ner.bin"),
    };
    let (features, weights, ..) = tagger.stats();
    println!(
        "model: {source}, loaded in {:.1} ms ({features} features, {weights} weights)",
        start.elapsed().as_secs_f64() * 1e3
    );
    let docs = read_ner_conll(file).with_context(|| format!("reading {}", file.display()))?;
    let tokens: usize = docs.iter().map(NerDocument::tokens).sum();
    let sentences: usize = docs.iter().map(|d| d.sentences.len()).sum();
    println!("{}: {} documents, {sentences} sentences, {tokens} tokens", file.display(), docs.len());

    let start = Instant::now();
    let (scores, predicted) = tagger.evaluate(&docs);
    let seconds = start.elapsed().as_secs_f64();
    print!("{scores}");
    println!(
        "\n{:<6} {:>9} {:>9} {:>9} {:>6} {:>6} {:>7}",
        "type", "precision", "recall", "F1", "gold", "found", "correct"
    );
    for (kind, s) in scores.per_type.iter().map(|(k, s)| (k.as_str(), s)).chain([("all", &scores.overall)]) {
        println!(
            "{kind:<6} {:>9.4} {:>9.4} {:>9.4} {:>6} {:>6} {:>7}",
            s.precision() / 100.0,
            s.recall() / 100.0,
            s.f1() / 100.0,
            s.gold,
            s.found,
            s.correct
        );
    }
    println!(
        "\nentity F1 (conlleval): {:.4}; tagging speed {:.0} tokens/s (one thread, whole documents, scoring included)",
        scores.overall.f1() / 100.0,
        tokens as f64 / seconds.max(1e-9)
    );

    if let Some(out) = predictions {
        let gold: Vec<&str> =
            docs.iter().flat_map(|d| &d.sentences).flat_map(|s| &s.tags).map(String::as_str).collect();
        let iob1 = is_iob1(&gold);
        let tags: Vec<&str> = predicted.iter().flatten().flat_map(|labels| iob_tags(labels, iob1)).collect();
        write_predictions(file, out, &tags)?;
        println!("predictions ({}) written to {}", if iob1 { "IOB1" } else { "IOB2" }, out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Copies `file` to `out` with `tags` (one per token line, in order) as an extra last column;
/// blank and `-DOCSTART-` lines are copied unchanged.
fn write_predictions(file: &Path, out: &Path, tags: &[&str]) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let handle = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = std::io::BufWriter::new(handle);
    let mut next = tags.iter();
    for line in text.lines() {
        let first = line.split_whitespace().next();
        match first {
            None | Some("-DOCSTART-") => writeln!(w, "{line}")?,
            Some(_) => {
                let Some(tag) = next.next() else {
                    bail!("{} has more tokens than were tagged", file.display())
                };
                writeln!(w, "{} {tag}", line.trim_end())?;
            }
        }
    }
    if next.next().is_some() {
        bail!("{} has fewer tokens than were tagged", file.display());
    }
    w.flush().with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}
