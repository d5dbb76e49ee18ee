//! `newstag eval-tokens {pos,chunk,ner} FILE`: token-level scores on CoNLL column files.

use anyhow::Result;
use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct EvalTokensArgs {}

pub fn run(_args: EvalTokensArgs) -> Result<ExitCode> {
    anyhow::bail!("eval-tokens: no token-level model is built in yet")
}
