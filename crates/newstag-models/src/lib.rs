//! The trained model files newstag embeds, as static bytes.
//!
//! Each file in `models/` is a newstag model file (see `newstag::model`), rebuilt byte for byte by
//! the command given in `models/README.md`. Nothing here is decoded: the engine decodes lazily.

#![deny(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/files.rs"));

/// The bytes of the embedded model file `name` (e.g. `"pos.bin"`), if it was built in.
pub fn get(name: &str) -> Option<&'static [u8]> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// Names of all embedded model files.
pub fn names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(n, _)| *n)
}
