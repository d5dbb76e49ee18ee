//! `newstag train ...`: each model's training entry point.

use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum TrainCommand {
    /// Train the tag ranker on articles tagged by people.
    Ranker(crate::ranker_cmd::RankerArgs),
    /// Compile the gazetteer (countries, demonyms, capitals, US states, leaders).
    Gazetteer {
        /// The gazetteer folder of the shared data.
        #[arg(long, default_value = "../shared/data/gazetteer")]
        data: PathBuf,
        /// Where to write the compiled gazetteer.
        #[arg(long, short, default_value = "crates/newstag-models/models/gazetteer.bin")]
        out: PathBuf,
    },
    /// Learn word clusters (Brown clustering) from unlabelled news text, for the recogniser.
    Clusters {
        #[command(flatten)]
        args: crate::resources_cmd::ClustersArgs,
    },
    /// Count document frequencies of stemmed 1-3-grams in news, for ranking.
    Docfreq {
        #[command(flatten)]
        args: crate::resources_cmd::DocfreqArgs,
    },
    /// Train the part-of-speech tagger (CoNLL-2000 train + Penn Treebank sample).
    Pos {
        /// CoNLL-2000 training file (word, POS, chunk columns).
        #[arg(long, default_value = "../shared/data/tokens/conll2000/train.txt")]
        conll: PathBuf,
        /// Penn Treebank sample: the folder with `combined/*.mrg` (traces are dropped).
        #[arg(long, default_value = "../shared/data/tokens/treebank")]
        treebank: PathBuf,
        /// Train on the CoNLL file only.
        #[arg(long)]
        no_treebank: bool,
        /// Passes over the training data.
        #[arg(long, default_value_t = 10)]
        epochs: u32,
        /// Seed of the shuffle: the same data and seed give the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A word seen at least this often in training ...
        #[arg(long, default_value_t = newstag::tag::pos::PosTrainOptions::default().dict_min_count)]
        dict_min_count: u32,
        /// ... with one tag at least this share of the time gets that tag without scoring.
        #[arg(long, default_value_t = newstag::tag::pos::PosTrainOptions::default().dict_min_ratio)]
        dict_min_ratio: f64,
        /// Where to write the model.
        #[arg(long, short, default_value = "crates/newstag-models/models/pos.bin")]
        out: PathBuf,
    },
    /// Train the noun-phrase chunker (CoNLL-2000 train; noun phrases, other chunks read as O).
    Chunk {
        /// CoNLL-2000 training file (word, POS, chunk columns).
        #[arg(long, default_value = "../shared/data/tokens/conll2000/train.txt")]
        conll: PathBuf,
        /// Learn all eleven chunk types instead of noun phrases alone (slower, no better on NPs).
        #[arg(long)]
        all_types: bool,
        /// Passes over the training data.
        #[arg(long, default_value_t = 10)]
        epochs: u32,
        /// Seed of the shuffle: the same data and seed give the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write the model.
        #[arg(long, short, default_value = "crates/newstag-models/models/chunk.bin")]
        out: PathBuf,
    },
    /// Train the named-entity recogniser (CoNLL-2003 eng.train; scored on eng.testa).
    Ner(crate::ner_cmd::NerArgs),
}

pub fn run(cmd: TrainCommand) -> Result<ExitCode> {
    match cmd {
        TrainCommand::Ranker(args) => return crate::ranker_cmd::run(args),
        TrainCommand::Ner(args) => crate::ner_cmd::train(args)?,
        TrainCommand::Gazetteer { data, out } => {
            let bytes = newstag::kb::compile_gazetteer(&data)
                .with_context(|| format!("compiling the gazetteer from {}", data.display()))?;
            write_model(&out, &bytes)?;
        }
        TrainCommand::Clusters { args } => crate::resources_cmd::train_clusters(args)?,
        TrainCommand::Docfreq { args } => crate::resources_cmd::train_docfreq(args)?,
        TrainCommand::Pos {
            conll,
            treebank,
            no_treebank,
            epochs,
            seed,
            dict_min_count,
            dict_min_ratio,
            out,
        } => {
            let treebank = (!no_treebank).then_some(treebank.as_path());
            let opts = newstag::tag::pos::PosTrainOptions {
                epochs,
                seed,
                dict_min_count,
                dict_min_ratio,
                ..Default::default()
            };
            write_model(&out, &crate::tokens_cmd::train_pos(&conll, treebank, &opts)?)?;
        }
        TrainCommand::Chunk { conll, all_types, epochs, seed, out } => {
            write_model(&out, &crate::tokens_cmd::train_chunk(&conll, !all_types, epochs, seed)?)?;
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
