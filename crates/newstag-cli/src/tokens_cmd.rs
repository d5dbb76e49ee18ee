//! `newstag eval-tokens {pos,chunk} FILE`: token-level scores on CoNLL column files.
//!
//! * `pos`: token accuracy against the file's POS column, and separately on words the tagger
//!   never saw in training.
//! * `chunk`: conlleval's report (NP F1 is the figure that matters to the pipeline), once with the
//!   file's POS tags as input and once with the tagger's own.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use newstag::tag::conll::{read_conll, Accuracy, ChunkEval, ConllSentence};
use newstag::tag::{Chunker, PosTag, PosTagger};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct EvalTokensArgs {
    /// Which model to score.
    #[arg(value_enum)]
    model: TokenModel,
    /// CoNLL column file: word, POS, chunk columns (e.g. ../shared/data/tokens/conll2000/test.txt).
    file: PathBuf,
    /// Write the input back with the predicted tag as an extra last column.
    #[arg(long, value_name = "OUT")]
    predictions: Option<PathBuf>,
    /// Load pos.bin and chunk.bin from this folder instead of the models built into the binary.
    #[arg(long, value_name = "DIR")]
    model_dir: Option<PathBuf>,
    /// chunk: write the chunks found from the tagger's POS tags (not the file's) to --predictions.
    /// The report always shows both.
    #[arg(long)]
    predicted_pos: bool,
    /// Column (0-based) of the gold POS tags.
    #[arg(long, default_value_t = 1)]
    pos_column: usize,
    /// Column (0-based) of the gold chunk tags.
    #[arg(long, default_value_t = 2)]
    chunk_column: usize,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TokenModel {
    /// Part-of-speech tagger (pos.bin).
    Pos,
    /// Noun-phrase chunker (chunk.bin).
    Chunk,
    /// Named-entity recogniser (ner.bin): conlleval entity F1 on a CoNLL-2003 file.
    Ner,
}

pub fn run(args: EvalTokensArgs) -> Result<ExitCode> {
    if args.model == TokenModel::Ner {
        return crate::ner_cmd::eval_tokens(
            &args.file,
            args.predictions.as_deref(),
            args.model_dir.as_deref(),
        );
    }
    let sentences = read_conll(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let tokens: usize = sentences.iter().map(ConllSentence::len).sum();
    // Reports go through a locked stdout with `?`, so a closed pipe ends the command quietly.
    let stdout = std::io::stdout();
    let out = &mut stdout.lock();
    writeln!(out, "{}: {} sentences, {} tokens", args.file.display(), sentences.len(), tokens)?;
    let predictions = match args.model {
        TokenModel::Pos => eval_pos(out, &args, &sentences)?,
        // (Ner was dispatched above.)
        TokenModel::Chunk | TokenModel::Ner => eval_chunk(out, &args, &sentences)?,
    };
    if let Some(path) = &args.predictions {
        write_predictions(path, &sentences, &predictions)?;
        writeln!(out, "predictions written to {}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the tagger from `--model-dir` into `holder`, or the embedded one; says which and how long
/// loading took.
fn load_pos(out: &mut dyn Write, model_dir: Option<&Path>, holder: &mut Option<PosTagger>) -> Result<()> {
    let start = Instant::now();
    let source = match model_dir {
        Some(dir) => {
            let path = dir.join("pos.bin");
            *holder = Some(PosTagger::load(&path).with_context(|| format!("loading {}", path.display()))?);
            "pos.bin from --model-dir"
        }
        None => {
            PosTagger::embedded()?;
            "embedded pos.bin"
        }
    };
    writeln!(out, "model: {source}, loaded in {:.1} ms", start.elapsed().as_secs_f64() * 1e3)?;
    Ok(())
}

fn tagger(holder: &Option<PosTagger>) -> Result<&PosTagger> {
    match holder {
        Some(t) => Ok(t),
        None => Ok(PosTagger::embedded()?),
    }
}

fn eval_pos(
    out: &mut dyn Write,
    args: &EvalTokensArgs,
    sentences: &[ConllSentence],
) -> Result<Vec<Vec<String>>> {
    let mut holder = None;
    load_pos(out, args.model_dir.as_deref(), &mut holder)?;
    let tagger = tagger(&holder)?;
    let (mut all, mut unknown) = (Accuracy::default(), Accuracy::default());
    let mut confusions: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    let mut predictions = Vec::with_capacity(sentences.len());
    let mut tagging = std::time::Duration::ZERO;
    for s in sentences {
        let words = s.column(0);
        let gold = s.column(args.pos_column);
        let start = Instant::now();
        let tags = tagger.tag(&words);
        tagging += start.elapsed();
        for ((w, g), t) in words.iter().zip(&gold).zip(&tags) {
            let gold = PosTag::parse(g).map_or(*g, |t| t.as_str());
            let ok = gold == t.as_str();
            all.add(ok);
            if !tagger.is_known(w) {
                unknown.add(ok);
            }
            if !ok {
                *confusions.entry((gold.to_owned(), t.as_str())).or_default() += 1;
            }
        }
        predictions.push(tags.iter().map(|t| t.as_str().to_owned()).collect());
    }
    writeln!(out, "accuracy: {all}")?;
    writeln!(
        out,
        "unknown words (not seen in training): {unknown}, {:.2}% of the tokens",
        100.0 * unknown.total as f64 / all.total.max(1) as f64
    )?;
    let known = Accuracy { correct: all.correct - unknown.correct, total: all.total - unknown.total };
    writeln!(out, "known words: {known}")?;
    writeln!(
        out,
        "tagging speed: {:.0} tokens/s (one thread, one sentence at a time)",
        all.total as f64 / tagging.as_secs_f64().max(1e-9)
    )?;
    let mut top: Vec<_> = confusions.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    writeln!(out, "most frequent errors (gold -> predicted):")?;
    for ((g, p), n) in top.iter().take(10) {
        writeln!(out, "  {g:>5} -> {p:<5} {n}")?;
    }
    Ok(predictions)
}

fn eval_chunk(
    out: &mut dyn Write,
    args: &EvalTokensArgs,
    sentences: &[ConllSentence],
) -> Result<Vec<Vec<String>>> {
    let start = Instant::now();
    let owned_chunker;
    let chunker: &Chunker = match &args.model_dir {
        Some(dir) => {
            let path = dir.join("chunk.bin");
            owned_chunker = Chunker::load(&path).with_context(|| format!("loading {}", path.display()))?;
            &owned_chunker
        }
        None => Chunker::embedded()?,
    };
    writeln!(
        out,
        "model: {}, loaded in {:.1} ms",
        if args.model_dir.is_some() { "chunk.bin from --model-dir" } else { "embedded chunk.bin" },
        start.elapsed().as_secs_f64() * 1e3
    )?;
    let mut holder = None;
    load_pos(out, args.model_dir.as_deref(), &mut holder)?;
    let tagger = tagger(&holder)?;

    let (mut with_gold, mut with_predicted) = (ChunkEval::new(), ChunkEval::new());
    let mut pos_accuracy = Accuracy::default();
    let mut predictions = Vec::with_capacity(sentences.len());
    for s in sentences {
        let words = s.column(0);
        let gold_chunks = s.column(args.chunk_column);
        let gold_pos = s
            .column(args.pos_column)
            .iter()
            .enumerate()
            .map(|(j, t)| {
                PosTag::parse(t)
                    .with_context(|| format!("{}:{}: unknown POS tag {t:?}", args.file.display(), s.line + j))
            })
            .collect::<Result<Vec<_>>>()?;
        let from_gold: Vec<&str> = chunker.chunk(&words, &gold_pos).iter().map(|t| t.as_str()).collect();
        with_gold.add_sentence(&gold_chunks, &from_gold);
        let predicted_pos = tagger.tag(&words);
        for (g, p) in gold_pos.iter().zip(&predicted_pos) {
            pos_accuracy.add(g == p);
        }
        let from_predicted: Vec<&str> =
            chunker.chunk(&words, &predicted_pos).iter().map(|t| t.as_str()).collect();
        with_predicted.add_sentence(&gold_chunks, &from_predicted);
        let written = if args.predicted_pos { &from_predicted } else { &from_gold };
        predictions.push(written.iter().map(|t| (*t).to_owned()).collect());
    }
    let gold = with_gold.scores();
    let predicted = with_predicted.scores();
    writeln!(out, "\n== chunks from the file's POS tags ==")?;
    write!(out, "{gold}")?;
    writeln!(out, "\n== chunks from predicted POS tags (POS accuracy {pos_accuracy}) ==")?;
    write!(out, "{predicted}")?;
    writeln!(
        out,
        "\nNP F1: {:.2} with the file's POS tags, {:.2} with predicted POS tags",
        gold.of("NP").f1(),
        predicted.of("NP").f1()
    )?;
    Ok(predictions)
}

fn write_predictions(out: &Path, sentences: &[ConllSentence], predictions: &[Vec<String>]) -> Result<()> {
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = std::io::BufWriter::new(file);
    for (s, tags) in sentences.iter().zip(predictions) {
        for (row, tag) in s.rows.iter().zip(tags) {
            writeln!(w, "{} {tag}", row.join(" "))?;
        }
        writeln!(w)?;
    }
    w.flush().with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}

/// `newstag train pos`: reads the data, trains, prints progress, returns the model file bytes.
pub fn train_pos(
    conll: &Path,
    treebank: Option<&Path>,
    opts: &newstag::tag::pos::PosTrainOptions,
) -> Result<Vec<u8>> {
    use newstag::tag::conll::{read_treebank, TaggedWords};
    let start = Instant::now();
    let mut data: Vec<TaggedWords> = read_conll(conll)
        .with_context(|| format!("reading {}", conll.display()))?
        .iter()
        .map(|s| TaggedWords {
            words: s.column(0).into_iter().map(str::to_owned).collect(),
            tags: s.column(1).into_iter().map(str::to_owned).collect(),
        })
        .collect();
    let from_conll = data.len();
    if let Some(dir) = treebank {
        data.extend(
            read_treebank(dir).with_context(|| format!("reading the treebank in {}", dir.display()))?,
        );
    }
    let tokens: usize = data.iter().map(|s| s.words.len()).sum();
    eprintln!(
        "training the POS tagger on {} sentences ({from_conll} CoNLL, {} treebank), {tokens} tokens",
        data.len(),
        data.len() - from_conll
    );
    let tagger =
        PosTagger::train(&data, opts, |epoch, acc| eprintln!("  epoch {epoch:>2}: training accuracy {acc}"))?;
    let (lexicon, features, weights) = tagger.stats();
    eprintln!(
        "trained in {:.1} s: {lexicon} lexicon entries, {features} features, {weights} weights",
        start.elapsed().as_secs_f64()
    );
    Ok(tagger.to_bytes()?)
}

/// `newstag train chunk`: reads the data, trains, prints progress, returns the model file bytes.
pub fn train_chunk(conll: &Path, np_only: bool, epochs: u32, seed: u64) -> Result<Vec<u8>> {
    use newstag::tag::chunk::{ChunkSentence, ChunkTrainOptions};
    let start = Instant::now();
    let data: Vec<ChunkSentence> = read_conll(conll)
        .with_context(|| format!("reading {}", conll.display()))?
        .iter()
        .map(ChunkSentence::from_conll)
        .collect();
    let tokens: usize = data.iter().map(|s| s.words.len()).sum();
    eprintln!("training the chunker on {} sentences, {tokens} tokens", data.len());
    let opts = ChunkTrainOptions { epochs, seed, np_only, ..Default::default() };
    let chunker =
        Chunker::train(&data, &opts, |epoch, acc| eprintln!("  epoch {epoch:>2}: training accuracy {acc}"))?;
    let (features, weights) = chunker.stats();
    eprintln!("trained in {:.1} s: {features} features, {weights} weights", start.elapsed().as_secs_f64());
    Ok(chunker.to_bytes()?)
}
