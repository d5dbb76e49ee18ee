//! The `newstag` command. Thin: parses flags and calls into the library and the eval harness.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc: tagging allocates many small strings; it is markedly faster than the system
/// allocator for that pattern, and it holds less memory across threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench_cmd;
mod eval_cmd;
mod ner_cmd;
mod ranker_cmd;
mod resources_cmd;
mod score_cmd;
mod serve_cmd;
mod tag_cmd;
mod tokens_cmd;
mod train_cmd;

/// Tag news articles the way an editor does.
#[derive(Parser, Debug)]
#[command(name = "newstag", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Tag articles from files or stdin (plain text, JSON or JSONL).
    Tag(tag_cmd::TagArgs),
    /// Tag every article of a gold JSONL file and score the tags (P/R/F1 at k and at M).
    Eval(eval_cmd::EvalArgs),
    /// Train a model from data and write it in the model file format.
    #[command(subcommand)]
    Train(train_cmd::TrainCommand),
    /// Score another system's predictions (JSONL of ranked tags) against a gold file.
    Score(score_cmd::ScoreArgs),
    /// Measure end-to-end tagging speed and peak memory on a JSONL file.
    Bench(bench_cmd::BenchArgs),
    /// Score a token-level model (pos, chunk, ner) on a CoNLL column file.
    EvalTokens(tokens_cmd::EvalTokensArgs),
    /// Serve the HTTP API (POST /v1/tag, /v1/tag/batch; GET /v1/info, /health).
    Serve(serve_cmd::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tag(args) => tag_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
        Command::Score(args) => score_cmd::run(args),
        Command::Train(cmd) => train_cmd::run(cmd),
        Command::EvalTokens(args) => tokens_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("newstag: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

/// A closed pipe (`newstag tag ... | head`) is how a reader says "enough", not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
