//! Trained sequence taggers: part of speech, noun-phrase chunks, named entities.
//!
//! * [`PosTagger`]: Penn Treebank part-of-speech tags ([`PosTag`]), one per word.
//! * [`Chunker`]: IOB2 chunk tags ([`ChunkTag`]) from words and their POS tags; [`np_spans`]
//!   turns them into noun-phrase token ranges.
//! * [`perceptron`]: the averaged perceptron both are built on (hashed features, sparse weights).
//! * [`conll`]: readers for CoNLL column files and the Penn Treebank sample, token accuracy and a
//!   port of `conlleval`.
//!
//! Both taggers load from model files (`from_bytes`, `load`) or, with the `embedded` feature,
//! from the models built into the binary (`embedded()`, loaded once on first use). Both are
//! immutable and `Send + Sync`; per-call scratch space lives in a thread-local buffer, so tagging
//! allocates only the returned vector.
//!
//! ```no_run
//! # fn main() -> newstag::Result<()> {
//! use newstag::tag::{np_spans, Chunker, PosTagger};
//! let words = ["Russia", "'s", "central", "bank", "cut", "rates", "."];
//! let pos = PosTagger::embedded()?.tag(&words);
//! let chunks = Chunker::embedded()?.chunk(&words, &pos);
//! for span in np_spans(&chunks) {
//!     println!("NP: {}", words[span].join(" "));
//! }
//! # Ok(()) }
//! ```

pub mod chunk;
pub mod conll;
pub mod ner;
pub mod perceptron;
pub mod pos;

pub use chunk::{chunk_spans, np_spans, ChunkTag, Chunker};
pub use ner::{entities, Entity, EntityKind, NerLabel, NerTagger};
pub use pos::{detect_case, normalize_token, CaseHint, PosTag, PosTagger};
