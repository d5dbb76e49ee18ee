//! Knowledge: gazetteer, word clusters, document frequencies.

#[cfg(feature = "train")]
mod compile;
mod gazetteer;
pub mod tables;

#[cfg(feature = "train")]
pub use compile::compile_gazetteer;
pub use gazetteer::{
    alias_tokens, Alias, AliasForm, Entry, EntryKind, Gazetteer, GazetteerData, GazetteerMatch,
    KIND as GAZETTEER_KIND,
};
