//! `newstag train clusters` and `newstag train docfreq`: resources learnt from unlabelled news text.
//!
//! Both read the shared data in place. Word clusters use every unlabelled text (never the CoNLL-2003
//! testa/testb files the recogniser is tuned and scored on); the document-frequency table by default
//! leaves out DUC-2001 and KPCrowd, which are evaluation sets for tag ranking.

use anyhow::{bail, Context, Result};
use clap::Args;
use newstag::kb::clusters::{ClusterConfig, ClusterTrainer, WordClusters};
use newstag::kb::docfreq::{phrase_key, DocFreq, DocFreqBuilder};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How a source file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// One article per line: `title` and `text`.
    Jsonl,
    /// CoNLL columns, word first; `-DOCSTART-` lines separate documents.
    Conll,
    /// A folder of Penn Treebank raw files, one document each.
    TreebankRaw,
}

/// One input of the unlabelled corpus, relative to the data folder.
#[derive(Debug, Clone)]
struct Source {
    path: PathBuf,
    format: Format,
}

/// Clusters: all the unlabelled text in the shared data except the CoNLL-2003 test files.
const CLUSTER_SOURCES: &[(&str, Format)] = &[
    ("reuters/reuters-train.jsonl", Format::Jsonl),
    ("keyphrase/duc2001.jsonl", Format::Jsonl),
    ("keyphrase/kpcrowd-train.jsonl", Format::Jsonl),
    ("tokens/conll2000/train.txt", Format::Conll),
    ("tokens/conll2000/test.txt", Format::Conll),
    ("tokens/conll2003/eng.train", Format::Conll),
    ("tokens/treebank/raw", Format::TreebankRaw),
];

/// Document frequencies: news documents, without the keyphrase evaluation sets (add them back with
/// `--include`). CoNLL-2000 has no document boundaries, so it cannot give document frequencies.
const DOCFREQ_SOURCES: &[(&str, Format)] = &[
    ("reuters/reuters-train.jsonl", Format::Jsonl),
    ("tokens/conll2003/eng.train", Format::Conll),
    ("tokens/treebank/raw", Format::TreebankRaw),
];

/// The text sources of a resource: the default ones under `--data`, with some left out or added.
#[derive(Args, Debug)]
pub struct SourceArgs {
    /// The shared data folder.
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Leave out this source (a path as listed, relative to --data, or absolute). Repeatable.
    #[arg(long)]
    pub exclude: Vec<PathBuf>,
    /// Add a JSONL news file (fields `title`, `text`), e.g. keyphrase/kpcrowd-train.jsonl when
    /// evaluating on DUC-2001. Repeatable.
    #[arg(long)]
    pub include: Vec<PathBuf>,
}

/// Options of `newstag train clusters`.
#[derive(Args, Debug)]
pub struct ClustersArgs {
    /// Where the text comes from.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// The number of clusters C (the active window of Liang's algorithm).
    #[arg(long, default_value_t = 512)]
    pub clusters: usize,
    /// Words seen fewer times get no cluster.
    #[arg(long, default_value_t = 3)]
    pub min_count: u32,
    /// Where to write the clusters.
    #[arg(long, short, default_value = "crates/newstag-models/models/clusters.bin")]
    pub out: PathBuf,
}

/// Options of `newstag train docfreq`.
#[derive(Args, Debug)]
pub struct DocfreqArgs {
    /// Where the text comes from.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// The longest n-gram counted.
    #[arg(long, default_value_t = 3)]
    pub max_n: usize,
    /// Keep n-grams found in at least this many documents.
    #[arg(long, default_value_t = 2)]
    pub min_df: u32,
    /// Where to write the table.
    #[arg(long, short, default_value = "crates/newstag-models/models/docfreq.bin")]
    pub out: PathBuf,
}

/// Trains word clusters and writes `clusters.bin`.
pub fn train_clusters(args: ClustersArgs) -> Result<()> {
    let sources = select_sources(CLUSTER_SOURCES, &args.sources)?;
    let started = Instant::now();
    let mut trainer =
        ClusterTrainer::new(ClusterConfig { clusters: args.clusters, min_count: args.min_count });
    for src in &sources {
        let before = trainer.tokens();
        let docs = for_each_document(src, |doc| trainer.add_text(doc))?;
        eprintln!("{}: {docs} documents, {} tokens", src.path.display(), trainer.tokens() - before);
    }
    let read = started.elapsed();
    let (clusters, report) = trainer.train()?;
    eprintln!(
        "{} tokens, {} types, {} words seen >= {} times ({:.1}% of tokens), {} clusters, deepest path {}; \
         read {:.1}s, clustered {:.1}s",
        report.tokens,
        report.types,
        report.words,
        args.min_count,
        100.0 * report.covered_tokens as f64 / report.tokens.max(1) as f64,
        report.clusters,
        report.max_depth,
        read.as_secs_f64(),
        (started.elapsed() - read).as_secs_f64()
    );
    show_clusters(&clusters, &report.words_by_frequency);
    let bytes = clusters.to_bytes()?;
    crate::train_cmd::write_model(&args.out, &bytes)
}

/// Prints the clusters of a few probe words, most frequent members first.
fn show_clusters(clusters: &WordClusters, by_frequency: &[String]) {
    const PROBES: &[&str] = &[
        "Monday", "January", "Japan", "France", "Tokyo", "Reagan", "Baker", "John", "Corp", "oil", "bank",
        "said", "rose", "dlrs", "the",
    ];
    for probe in PROBES {
        let Some(c) = clusters.cluster(probe) else {
            println!("{probe:>8}  (no cluster)");
            continue;
        };
        let path = clusters.cluster_path(c).map(|p| p.to_string()).unwrap_or_default();
        let members: Vec<&str> = by_frequency
            .iter()
            .map(String::as_str)
            .filter(|w| clusters.cluster(w) == Some(c))
            .take(12)
            .collect();
        let size = by_frequency.iter().filter(|w| clusters.cluster(w) == Some(c)).count();
        println!("{probe:>8}  {path:<20} {size:>5} words: {}", members.join(" "));
    }
}

/// Builds the document-frequency table and writes `docfreq.bin`.
pub fn train_docfreq(args: DocfreqArgs) -> Result<()> {
    let sources = select_sources(DOCFREQ_SOURCES, &args.sources)?;
    let started = Instant::now();
    let mut builder = DocFreqBuilder::new(args.max_n);
    for src in &sources {
        builder.begin_source(&src.path.to_string_lossy());
        let docs = for_each_document(src, |doc| builder.add_document(doc))?;
        eprintln!("{}: {docs} documents", src.path.display());
    }
    let (table, report) = builder.finish(args.min_df)?;
    let bytes = table.to_bytes()?;
    eprintln!(
        "{} documents, {} tokens, {} distinct 1..{}-grams, {} with df >= {}, {} hash collisions; {:.1}s",
        report.docs,
        report.tokens,
        report.distinct,
        args.max_n,
        report.kept,
        args.min_df,
        report.collisions,
        started.elapsed().as_secs_f64()
    );
    show_idf(&table);
    crate::train_cmd::write_model(&args.out, &bytes)
}

/// Prints df and idf of a few phrases.
fn show_idf(table: &DocFreq) {
    const PROBES: &[&str] = &[
        "the",
        "said",
        "oil",
        "company",
        "interest rates",
        "central bank",
        "trade deficit",
        "Bundesbank",
        "OPEC",
        "Federal Reserve Board",
        "Soviet Union",
        "earthquake",
        "hurricane Gilbert",
    ];
    println!("N = {}", table.num_docs());
    for probe in PROBES {
        let key = phrase_key(probe.split(' '));
        println!("{probe:>22}  {key:<22} df {:>6}  idf {:.3}", table.df(&key), table.idf(&key));
    }
}

/// The default sources plus `include`, minus `exclude`. An `--exclude` that matches nothing is an
/// error, so a typo cannot silently leave an evaluation set in.
fn select_sources(defaults: &[(&str, Format)], args: &SourceArgs) -> Result<Vec<Source>> {
    let (data, include, exclude) = (args.data.as_path(), &args.include, &args.exclude);
    let mut sources: Vec<Source> =
        defaults.iter().map(|&(rel, format)| Source { path: data.join(rel), format }).collect();
    for extra in include {
        let path = resolve(data, extra);
        if !path.exists() {
            bail!("--include {}: no such file", extra.display());
        }
        sources.push(Source { path, format: Format::Jsonl });
    }
    for ex in exclude {
        let target = canonical(&resolve(data, ex));
        let before = sources.len();
        sources.retain(|s| canonical(&s.path) != target);
        if sources.len() == before {
            bail!("--exclude {}: not one of the sources ({})", ex.display(), names(&sources));
        }
    }
    if sources.is_empty() {
        bail!("no sources left");
    }
    Ok(sources)
}

fn names(sources: &[Source]) -> String {
    sources.iter().map(|s| s.path.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// A path as given if it exists, else relative to the data folder.
fn resolve(data: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() || p.exists() {
        p.to_path_buf()
    } else {
        data.join(p)
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Calls `f` with the text of every document of `src`, in file order; returns how many there were.
/// CoNLL sentences become lines of space-separated words, so the tokenizer sees them again.
fn for_each_document(src: &Source, mut f: impl FnMut(&str)) -> Result<usize> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let mut n = 0;
    match src.format {
        Format::Jsonl => {
            let bytes = read(&src.path)?;
            let text = std::str::from_utf8(&bytes)
                .with_context(|| format!("{} is not UTF-8", src.path.display()))?;
            #[derive(serde::Deserialize)]
            struct Doc {
                #[serde(default)]
                title: String,
                text: String,
            }
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let doc: Doc = serde_json::from_str(line)
                    .with_context(|| format!("{}:{}: not an article", src.path.display(), i + 1))?;
                f(&format!("{}\n\n{}", doc.title, doc.text));
                n += 1;
            }
        }
        Format::Conll => {
            let bytes = read(&src.path)?;
            let text = String::from_utf8_lossy(&bytes);
            let mut doc = String::new();
            let mut line_open = false;
            for line in text.lines() {
                let word = line.split_whitespace().next();
                match word {
                    Some("-DOCSTART-") => {
                        if !doc.trim().is_empty() {
                            f(&doc);
                            n += 1;
                        }
                        doc.clear();
                        line_open = false;
                    }
                    Some(w) => {
                        doc.push_str(if line_open { " " } else { "" });
                        doc.push_str(w);
                        line_open = true;
                    }
                    None => {
                        if line_open {
                            doc.push('\n');
                        }
                        line_open = false;
                    }
                }
            }
            if !doc.trim().is_empty() {
                f(&doc);
                n += 1;
            }
        }
        Format::TreebankRaw => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&src.path)
                .with_context(|| format!("listing {}", src.path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("wsj_")))
                .collect();
            files.sort();
            for p in files {
                let bytes = read(&p)?;
                let text = String::from_utf8_lossy(&bytes);
                let body: Vec<&str> =
                    text.lines().filter(|l| !l.trim().is_empty() && l.trim() != ".START").collect();
                f(&body.join("\n"));
                n += 1;
            }
        }
    }
    Ok(n)
}
