//! newstag: tags news articles the way an editor does.
//!
//! An article (title and body) flows through:
//!
//! 1. [`text`]: NFC normalisation, tokenisation with byte offsets, sentence splitting;
//! 2. [`tag`]: part-of-speech tags, noun-phrase chunks and named entities (trained models);
//! 3. [`candidates`]: proper names and topical noun phrases as candidate tags;
//! 4. [`kb`]: the gazetteer resolves mentions to canonical names ("Russian" -> Russia);
//! 5. [`rank`]: features per resolved candidate and a score; the engine keeps what an editor would;
//! 6. [`output`]: tags with type, canonical name, score and mention offsets.
//!
//! ```
//! let tagger = newstag::Tagger::new().unwrap();
//! let article = newstag::Article::new("Putin visits China", "Vladimir Putin arrived in Beijing on Thursday.");
//! let tags = tagger.tag(&article).unwrap();
//! assert!(tags.iter().any(|t| t.name == "China"));
//! ```

#![deny(missing_docs)]

pub mod candidates;
pub mod document;
mod error;
pub mod input;
pub mod kb;
pub mod model;
pub mod output;
mod pipeline;
pub mod rank;
pub mod tag;
pub mod text;

pub use document::Document;
pub use error::{Error, Result};
pub use output::{Tag, TagType};
pub use pipeline::{
    batches, together_or_each, Analysed, Article, Ranked, Tagger, TaggerBuilder, BATCH_ARTICLES, BATCH_BYTES,
    DEFAULT_LEAD_TOKENS,
};
