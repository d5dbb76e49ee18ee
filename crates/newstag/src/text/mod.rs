//! Text core: normalisation, tokenisation with byte offsets, sentence splitting, stemming.

mod case;
mod normalize;
pub mod porter;
mod sentence;
mod stopwords;
mod tokenizer;

pub use case::{LetterCase, WordCasing};
pub use normalize::{is_normalized, normalize, normalize_with_map, OffsetMap};
pub use sentence::split_sentences;
pub use stopwords::{is_stopword, is_time_word};
pub use tokenizer::{tokenize, tokenize_into, Token, TokenKind};

/// A half-open byte range `[start, end)` into a text.
pub type Span = (usize, usize);
