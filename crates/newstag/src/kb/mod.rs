//! Knowledge: gazetteer, word clusters, document frequencies.

pub mod clusters;
#[cfg(feature = "train")]
mod compile;
pub mod docfreq;
mod gazetteer;
pub mod tables;

#[cfg(feature = "train")]
pub use compile::compile_gazetteer;
pub use gazetteer::{
    alias_tokens, Alias, AliasForm, Entry, EntryKind, Gazetteer, GazetteerData, GazetteerMatch,
    KIND as GAZETTEER_KIND,
};
