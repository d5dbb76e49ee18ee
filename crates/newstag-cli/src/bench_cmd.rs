//! `newstag bench`: end-to-end tagging speed on a JSONL file, with peak memory.

use anyhow::{Context, Result};
use clap::Args;
use newstag::input::parse_json_article;
use rayon::prelude::*;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// JSONL articles (title + text), e.g. ../shared/data/keyphrase/duc2001.jsonl.
    pub file: PathBuf,
    /// Passes over the file; the median pass is reported.
    #[arg(long, default_value_t = 5)]
    pub passes: usize,
    /// Threads (1 = one core).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Load model files from this directory instead of the embedded ones.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Skip the named-entity recognizer.
    #[arg(long)]
    pub no_ner: bool,
    /// Without the noun-phrase chunker (as `tag --no-chunker`).
    #[arg(long)]
    pub no_chunker: bool,
    /// How much of each article the models read (as `tag --lead`; default: the ranker's).
    #[arg(long, value_name = "TOKENS")]
    pub lead: Option<crate::tag_cmd::Lead>,
    /// Articles tagged together, each step for all of them before the next (`Tagger::tag_batch`,
    /// as `tag --jsonl` does; the file is cut into as many batches for every thread, of at most
    /// 1 MiB of text each); 1: one at a time.
    #[arg(long, default_value_t = newstag::BATCH_ARTICLES as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let tagger = crate::tag_cmd::build_tagger(
        args.model_dir.as_deref(),
        usize::MAX,
        args.no_ner,
        args.no_chunker,
        args.lead,
    )?;
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let articles: Vec<newstag::Article<'static>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            parse_json_article(l.as_bytes()).map(|a| a.article).with_context(|| format!("line {}", i + 1))
        })
        .collect::<Result<_>>()?;
    let bytes: usize = articles.iter().map(|a| a.title.len() + a.text.len()).sum();
    // Warm-up: loads lazily decoded models.
    let _ = tagger.tag(&articles[0]);
    let load_and_warm = started.elapsed().as_secs_f64();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.threads.max(1)).build()?;
    let mut times = Vec::new();
    let mut tags = 0usize;
    // As many batches for every thread (at most `--batch` articles each), so that the threads
    // finish together, and at most `BATCH_BYTES` of text each, as `tag --jsonl` cuts them.
    let threads = args.threads.max(1);
    let batches = articles.len().div_ceil(args.batch as usize).div_ceil(threads) * threads;
    let batch = articles.len().div_ceil(batches).max(1);
    let sizes: Vec<usize> = articles.iter().map(|a| a.title.len() + a.text.len()).collect();
    let ranges = newstag::batches(&sizes, batch, newstag::BATCH_BYTES);
    for _ in 0..args.passes.max(1) {
        let t = Instant::now();
        tags = pool.install(|| {
            ranges
                .par_iter()
                .map(|r| {
                    let tagged = tagger.tag_batch(&articles[r.clone()], None);
                    tagged.iter().map(|t| t.as_ref().map_or(0, Vec::len)).sum::<usize>()
                })
                .sum()
        });
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let rate = articles.len() as f64 / median;
    let peak = peak_rss_kib();
    if args.json {
        println!(
            "{}",
            json!({"file": args.file.display().to_string(), "articles": articles.len(), "bytes": bytes,
                   "threads": args.threads, "batch": batch, "ner": !args.no_ner, "chunker": !args.no_chunker, "lead": crate::tag_cmd::Lead(tagger.lead()).to_string(), "passes": times.len(), "median_seconds": median,
                   "articles_per_second": rate, "mb_per_second": bytes as f64 / median / 1e6,
                   "tags": tags, "load_seconds": load_and_warm, "peak_rss_kib": peak})
        );
    } else {
        println!(
            "{} articles ({:.1} MB), {} thread(s), batches of {}: median of {} passes {:.3} s = {:.0} articles/s ({:.1} MB/s); {} tags; start-up {:.3} s; peak RSS {} MiB",
            articles.len(),
            bytes as f64 / 1e6,
            args.threads,
            batch,
            times.len(),
            median,
            rate,
            bytes as f64 / median / 1e6,
            tags,
            load_and_warm,
            peak.map(|k| (k / 1024).to_string()).unwrap_or_else(|| "n/a".into())
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Peak resident set size of this process (Linux: VmHWM in /proc/self/status).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
