//! The library's error type.

use std::fmt;

/// Everything that can go wrong inside the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was not usable as an article (empty, too large, malformed).
    #[error("invalid input: {0}")]
    Input(String),
    /// A model file could not be read: wrong magic, version, kind or a corrupt payload.
    #[error("model {kind}: {reason}")]
    Model {
        /// The model kind that was expected, e.g. `POS_`.
        kind: String,
        /// What was wrong with it.
        reason: String,
    },
    /// Training data could not be read or was malformed.
    #[error("data {path}:{line}: {reason}")]
    Data {
        /// The file being read.
        path: String,
        /// 1-based line number, 0 when not known.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// An I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// An I/O error with context.
    pub fn io(context: impl fmt::Display, source: std::io::Error) -> Self {
        Error::Io { context: context.to_string(), source }
    }

    /// A model error.
    pub fn model(kind: impl fmt::Display, reason: impl fmt::Display) -> Self {
        Error::Model { kind: kind.to_string(), reason: reason.to_string() }
    }
}

/// The library's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
