//! `newstag train ...`: each model's training entry point.

use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum TrainCommand {
    /// Compile the gazetteer (countries, demonyms, capitals, US states, leaders).
    Gazetteer {
        /// The gazetteer folder of the shared data.
        #[arg(long, default_value = "../shared/data/gazetteer")]
        data: PathBuf,
        /// Where to write the compiled gazetteer.
        #[arg(
            long,
            short,
            default_value = "crates/newstag-models/models/gazetteer.bin"
        )]
        out: PathBuf,
    },
}

pub fn run(cmd: TrainCommand) -> Result<ExitCode> {
    match cmd {
        TrainCommand::Gazetteer { data, out } => {
            let bytes = newstag::kb::compile_gazetteer(&data)
                .with_context(|| format!("compiling the gazetteer from {}", data.display()))?;
            write_model(&out, &bytes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a model file atomically (temp file, then rename) and says where it went.
pub fn write_model(out: &std::path::Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = out.with_extension("bin.tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("renaming to {}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
