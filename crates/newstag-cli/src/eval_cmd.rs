//! `newstag eval`: tag every article of a gold file and score the tags.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Gold JSONL file.
    #[arg(long)]
    pub gold: PathBuf,
}

pub fn run(_args: EvalArgs) -> Result<ExitCode> {
    anyhow::bail!("eval is being wired")
}
