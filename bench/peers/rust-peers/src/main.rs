//! Runs the Rust keyword extractors that newstag is compared with on a gold JSONL file and writes
//! their predictions in the form `newstag score --pred` reads.
//!
//! ```text
//! newstag-rust-peers predict TOOL GOLD.jsonl PRED.jsonl [--limit N] [--top N]
//! newstag-rust-peers stopwords
//! ```
//!
//! TOOL is one of `yake-rust` (crate `yake-rust`, its own English stop words, 3-grams),
//! `ke-yake`, `ke-textrank` and `ke-rake` (crate `keyword_extraction`, with NLTK's English stop
//! words from the `stop-words` crate, every algorithm at its documented defaults, TextRank and RAKE
//! with phrases of at most 3 words). Each article's
//! input is `title + "\n\n" + text`, as for every other peer. `predict` prints one JSON line of
//! timings (documents, seconds spent extracting, articles per second) on stdout; reading the file
//! and writing predictions are not timed.
//!
//! `stopwords` prints NLTK's English stop word list, one a line: `bench/peers/setup.sh` writes it
//! into the Python venv's `nltk_data` so that pke finds it without downloading anything.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use keyword_extraction::rake::{Rake, RakeParams};
use keyword_extraction::text_rank::{TextRank, TextRankParams};
use keyword_extraction::yake::{Yake, YakeParams};

const TOOLS: [&str; 4] = ["yake-rust", "ke-yake", "ke-textrank", "ke-rake"];

/// The longest phrase, in words, that TextRank and RAKE may return: 3, as for every other peer
/// (YAKE's n-grams, KeyBERT's range, pke's default). Without it the crate's RAKE returns whole
/// clauses between stop words ("burned coast guard cmdr steven mccall said ...").
const MAX_WORDS: Option<usize> = Some(3);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("newstag-rust-peers: {e}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> String {
    format!(
        "usage: newstag-rust-peers predict TOOL GOLD.jsonl PRED.jsonl [--limit N] [--top N]\n       \
         newstag-rust-peers stopwords\nTOOL: {}",
        TOOLS.join(", ")
    )
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("stopwords") => {
            let out = std::io::stdout();
            let mut out = out.lock();
            for w in nltk_english() {
                writeln!(out, "{w}").map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Some("predict") => {
            let [tool, gold, pred] = [1, 2, 3].map(|i| args.get(i).cloned());
            let (Some(tool), Some(gold), Some(pred)) = (tool, gold, pred) else {
                return Err(usage());
            };
            let mut limit = usize::MAX;
            let mut top = 20;
            let mut rest = args[4..].iter();
            while let Some(flag) = rest.next() {
                let value = rest.next().and_then(|v| v.parse::<usize>().ok());
                match (flag.as_str(), value) {
                    ("--limit", Some(v)) => limit = v,
                    ("--top", Some(v)) => top = v,
                    _ => return Err(usage()),
                }
            }
            predict(&tool, &gold, &pred, limit, top)
        }
        _ => Err(usage()),
    }
}

/// NLTK's English stop words (the `stop-words` crate with its `nltk` feature serves them as "en").
fn nltk_english() -> &'static [&'static str] {
    stop_words::get("en")
}

/// One article: its id and the text every peer is given.
struct Article {
    id: String,
    input: String,
}

fn read_gold(path: &str, limit: usize) -> Result<Vec<Article>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("opening {path}: {e}"))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        if out.len() >= limit {
            break;
        }
        let line = line.map_err(|e| format!("reading {path}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("{path} line {}: {e}", i + 1))?;
        let field = |k: &str| v.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
        let (title, text) = (field("title"), field("text"));
        out.push(Article { id: field("id"), input: format!("{title}\n\n{text}") });
    }
    Ok(out)
}

fn predict(tool: &str, gold: &str, pred: &str, limit: usize, top: usize) -> Result<(), String> {
    if !TOOLS.contains(&tool) {
        return Err(format!("unknown tool {tool:?}\n{}", usage()));
    }
    let articles = read_gold(gold, limit)?;
    let start = Instant::now();
    let stop: Vec<String> = nltk_english().iter().map(|w| w.to_string()).collect();
    let yake_stop = yake_rust::StopWords::predefined("en").ok_or("yake-rust has no English stop words")?;
    let yake_config = yake_rust::Config { ngrams: 3, ..yake_rust::Config::default() };
    let load_seconds = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut failed = 0usize;
    let predictions: Vec<Vec<String>> = articles
        .iter()
        .map(|a| {
            let text = a.input.as_str();
            // A peer that panics on some input gets an empty list for that article, counted.
            let result = std::panic::catch_unwind(|| match tool {
                "yake-rust" => yake_rust::get_n_best(top, text, &yake_stop, &yake_config)
                    .into_iter()
                    .map(|r| r.raw)
                    .collect(),
                "ke-yake" => Yake::new(YakeParams::WithDefaults(text, &stop)).get_ranked_keywords(top),
                "ke-textrank" => {
                    TextRank::new(TextRankParams::WithDefaultsAndPhraseLength(text, &stop, MAX_WORDS))
                        .get_ranked_phrases(top)
                }
                _ => Rake::new(RakeParams::WithDefaultsAndPhraseLength(text, &stop, MAX_WORDS))
                    .get_ranked_phrases(top),
            });
            result.unwrap_or_else(|_| {
                failed += 1;
                Vec::new()
            })
        })
        .collect();
    let seconds = start.elapsed().as_secs_f64();

    let file = std::fs::File::create(pred).map_err(|e| format!("creating {pred}: {e}"))?;
    let mut out = BufWriter::new(file);
    for (a, tags) in articles.iter().zip(&predictions) {
        let line = serde_json::json!({"id": a.id, "tags": tags});
        writeln!(out, "{line}").map_err(|e| format!("writing {pred}: {e}"))?;
    }
    out.flush().map_err(|e| format!("writing {pred}: {e}"))?;
    let timing = serde_json::json!({
        "tool": tool,
        "docs": articles.len(),
        "failed": failed,
        "load_seconds": load_seconds,
        "seconds": seconds,
        "articles_per_second": if seconds > 0.0 { articles.len() as f64 / seconds } else { 0.0 },
    });
    println!("{timing}");
    Ok(())
}
