//! `newstag score`: score another system's predictions with exactly the scorer of `newstag eval`.
//!
//! The predictions are JSONL, one line per article: `{"id": "...", "tags": ["best", ...]}`, the
//! tags ranked best first. P/R/F1 at each k cut that ranking; at M they use the whole list (the
//! system's own choice of how many). Only the gold articles that have a prediction line are
//! scored, so a peer may be run on a subset (the first N articles, say); a prediction for an id
//! that the gold file does not have is an error, and so is an id given twice. Reuters codes are
//! scored as names, as in `newstag eval`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::eval_cmd::{score, DocResult, GoldArgs};

#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub set: GoldArgs,
    /// Predictions JSONL: `{"id": ..., "tags": [ranked tags]}` per line.
    #[arg(long)]
    pub pred: PathBuf,
    /// The system's name in the report (default: the predictions file's name).
    #[arg(long)]
    pub system: Option<String>,
    /// Machine-readable output (the shape of `newstag eval --json`).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let predictions = read_predictions(&args.pred)?;
    let mut docs = args.set.read()?;
    let by_id: HashMap<&str, usize> =
        predictions.iter().enumerate().map(|(i, (id, _))| (id.as_str(), i)).collect();
    if by_id.len() != predictions.len() {
        let mut seen = std::collections::HashSet::new();
        let dup = predictions.iter().find(|(id, _)| !seen.insert(id.as_str())).map(|(id, _)| id.as_str());
        bail!("{}: id {:?} is given more than once", args.pred.display(), dup.unwrap_or(""));
    }
    let gold_ids: std::collections::HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    if let Some((id, _)) = predictions.iter().find(|(id, _)| !gold_ids.contains(id.as_str())) {
        bail!("{}: id {id:?} is not in {}", args.pred.display(), args.set.gold.display());
    }
    docs.retain(|d| by_id.contains_key(d.id.as_str()));
    let results: Vec<DocResult> = docs
        .iter()
        .map(|d| {
            let ranked = by_id.get(d.id.as_str()).map(|&i| predictions[i].1.clone()).unwrap_or_default();
            DocResult { chosen: ranked.len(), ranked, types: Vec::new() }
        })
        .collect();
    let system = args.system.clone().unwrap_or_else(|| {
        args.pred.file_stem().and_then(|s| s.to_str()).unwrap_or("predictions").to_string()
    });
    let report = score(&docs, &results, &args.set.k, &system);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}: {}", args.set.gold.display(), report);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a predictions file: (id, ranked tags) per non-blank line, errors naming the line.
fn read_predictions(path: &std::path::Path) -> Result<Vec<(String, Vec<String>)>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{} line {}", path.display(), i + 1);
        let value: serde_json::Value = serde_json::from_str(&line).with_context(at)?;
        let Some(id) = value.get("id").and_then(serde_json::Value::as_str) else {
            bail!("{}: missing string field `id`", at());
        };
        let Some(tags) = value.get("tags").and_then(serde_json::Value::as_array) else {
            bail!("{}: missing list field `tags`", at());
        };
        let tags = tags
            .iter()
            .map(|t| t.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .with_context(|| format!("{}: every tag must be a string", at()))?;
        out.push((id.to_string(), tags));
    }
    Ok(out)
}
