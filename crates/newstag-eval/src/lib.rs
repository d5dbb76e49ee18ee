//! Evaluation harness: dataset readers, keyphrase metrics (P/R/F1 at k and at M after Porter
//! stemming), and one [`System`] trait for newstag and for the baselines it is compared with.
//!
//! - [`dataset`]: gold JSONL files (`id`, `title`, `text`, `tags`, where a tag may be a list of
//!   alternative spellings), streamed with line-numbered errors: [`DocReader`], [`read_docs`].
//! - [`metrics`]: the scoring protocol of the keyphrase literature (JCDL 2020, pke): exact match
//!   after [`stem_phrase`], P@k over min(k, predictions), macro averages, a [`Report`] that
//!   prints as a table and serialises to JSON.
//! - [`system`]: the [`System`] trait, [`evaluate`], and deterministic cross-validation
//!   [`folds`].
//! - [`reuters`]: Reuters-21578 codes (`usa`, `james-baker`, `imf`) as names, read from the data
//!   folder at run time, so that the Reuters file can be a gold set of names.
//!
//! ```
//! use newstag_eval::{evaluate, Doc, System};
//!
//! struct TitleWords;
//! impl System for TitleWords {
//!     fn name(&self) -> &str { "title-words" }
//!     fn tag(&self, title: &str, _text: &str) -> Vec<String> {
//!         title.split_whitespace().map(str::to_string).collect()
//!     }
//! }
//!
//! let doc = Doc::from_json(r#"{"id":"1","title":"Oil spills","text":"...","tags":["oil spill"]}"#).unwrap();
//! let report = evaluate(&TitleWords, [&doc], &[1, 5]);
//! assert_eq!(report.at_k[0].precision, 0.0); // "Oil" is not "oil spill"
//! assert_eq!(report.docs, 1);
//! println!("{report}");
//! ```

pub mod dataset;
pub mod metrics;
pub mod reuters;
pub mod system;

pub use dataset::{read_docs, Doc, DocReader};
pub use metrics::{DocMatch, Evaluator, Report, Scores, TypeAgreement};
pub use newstag::text::porter::stem_phrase;
pub use reuters::{is_reuters_file, reuters_gold, ReutersNames, ReutersSources};
pub use system::{evaluate, folds, split, System};
