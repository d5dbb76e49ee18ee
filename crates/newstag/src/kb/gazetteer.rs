//! The gazetteer: countries (names, official names, alternative spellings, demonyms), capitals,
//! US states, Canadian provinces, Mexican states, US cities, world leaders and international
//! organisations, compiled into one model file and matched against token sequences.
//!
//! Built by `newstag train gazetteer` from `../shared/data/gazetteer` (sources and licences in
//! `crates/newstag-models/models/README.md`) plus the hand tables in [`super::tables`].

use crate::error::{Error, Result};
use crate::model::{self, ModelKind};
use crate::text::{tokenize, Token};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Model kind of a compiled gazetteer.
pub const KIND: ModelKind = ModelKind { tag: *b"GAZ_", version: 1 };

/// What a gazetteer entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum EntryKind {
    /// A country or territory.
    Country,
    /// A state, province or region inside a country.
    Region,
    /// A city (capitals included).
    City,
    /// A person (heads of state and government).
    Person,
    /// An organisation.
    Organization,
}

/// How an alias refers to its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum AliasForm {
    /// The canonical name itself.
    Canonical,
    /// Another name or spelling ("Britain", "Russian Federation", "U.S.").
    Name,
    /// An acronym or code ("UN", "NATO").
    Acronym,
    /// A demonym or adjective ("Russian", "Chinese", "Americans").
    Demonym,
    /// A family name alone ("Putin", "Xi"): a weak alias, trusted only as a capitalised name.
    Surname,
}

/// One thing the gazetteer knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Canonical display name.
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
    /// For cities, regions, people and national institutions: the index of their country entry.
    pub country: Option<u32>,
    /// Whether this is a capital city / a current head of state or government.
    pub major: bool,
}

/// A surface form that refers to an entry, pre-tokenized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    /// The alias's tokens, as [`tokenize`] splits it.
    pub tokens: Vec<String>,
    /// Index into [`GazetteerData::entries`].
    pub entry: u32,
    /// How the alias refers to the entry.
    pub form: AliasForm,
}

/// The serialised gazetteer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GazetteerData {
    /// Entries, in a deterministic order.
    pub entries: Vec<Entry>,
    /// Aliases, sorted.
    pub aliases: Vec<Alias>,
}

/// A match of an alias in a token sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GazetteerMatch {
    /// First token index.
    pub start: usize,
    /// One past the last token index.
    pub end: usize,
    /// The entry matched.
    pub entry: u32,
    /// How it was referred to.
    pub form: AliasForm,
}

/// The gazetteer, indexed for matching.
#[derive(Debug)]
pub struct Gazetteer {
    data: GazetteerData,
    /// First token -> aliases starting with it (longest first).
    index: FxHashMap<String, Vec<u32>>,
    /// Upper-cased first token -> aliases, for text in capitals.
    upper_index: FxHashMap<String, Vec<u32>>,
    /// The keys of `index` and of `upper_index`, for turning most words away without hashing.
    filter: KeyFilter,
}

/// A set of (first byte, last byte) pairs of words: a word whose pair is not in it is none of the
/// words put in. Nearly every word of an article starts no alias; this check costs a few
/// instructions where a hash lookup costs a hundred.
struct KeyFilter(Box<[u64]>);

impl KeyFilter {
    fn new() -> Self {
        KeyFilter(vec![0; (1 << 16) / 64].into_boxed_slice())
    }

    fn slot(word: &[u8]) -> usize {
        usize::from(word.first().copied().unwrap_or(0)) << 8 | usize::from(word.last().copied().unwrap_or(0))
    }

    fn insert(&mut self, word: &str) {
        let i = Self::slot(word.as_bytes());
        self.0[i / 64] |= 1 << (i % 64);
    }

    #[inline]
    fn may_contain(&self, word: &[u8]) -> bool {
        let i = Self::slot(word);
        self.0[i / 64] >> (i % 64) & 1 != 0
    }
}

impl std::fmt::Debug for KeyFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyFilter")
    }
}

/// `word` in capitals, in `buf` when it is short ASCII (no allocation).
fn upper_case<'b>(word: &str, buf: &'b mut [u8; 32]) -> std::borrow::Cow<'b, str> {
    let n = word.len();
    if n <= buf.len() && word.is_ascii() {
        buf[..n].copy_from_slice(word.as_bytes());
        buf[..n].make_ascii_uppercase();
        std::borrow::Cow::Borrowed(std::str::from_utf8(&buf[..n]).expect("ASCII is UTF-8"))
    } else {
        std::borrow::Cow::Owned(word.to_uppercase())
    }
}

/// Whether `a` and `b` are the same in capitals (`a.to_uppercase() == b.to_uppercase()`), without
/// allocating.
fn same_upper_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        // `str::to_uppercase` maps each character on its own.
        a.chars().flat_map(char::to_uppercase).eq(b.chars().flat_map(char::to_uppercase))
    }
}

impl Gazetteer {
    /// Decodes a compiled gazetteer.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let data: GazetteerData = model::decode(KIND, bytes)?;
        Self::from_data(data)
    }

    /// Indexes gazetteer data.
    pub fn from_data(data: GazetteerData) -> Result<Self> {
        let mut index: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut upper_index: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (i, alias) in data.aliases.iter().enumerate() {
            if alias.entry as usize >= data.entries.len() || alias.tokens.is_empty() {
                return Err(Error::model("GAZ_", format!("alias {i} is malformed")));
            }
            index.entry(alias.tokens[0].clone()).or_default().push(i as u32);
            upper_index.entry(alias.tokens[0].to_uppercase()).or_default().push(i as u32);
        }
        let mut filter = KeyFilter::new();
        for key in index.keys().chain(upper_index.keys()) {
            filter.insert(key);
        }
        for list in index.values_mut().chain(upper_index.values_mut()) {
            list.sort_by_key(|&a| std::cmp::Reverse(data.aliases[a as usize].tokens.len()));
        }
        Ok(Gazetteer { data, index, upper_index, filter })
    }

    /// The embedded gazetteer, decoded once.
    #[cfg(feature = "embedded")]
    pub fn embedded() -> Result<&'static Gazetteer> {
        static CELL: std::sync::OnceLock<std::result::Result<Gazetteer, String>> = std::sync::OnceLock::new();
        crate::model::embedded(&CELL, "gazetteer.bin", "GAZ_", Gazetteer::from_bytes)
    }

    /// All entries.
    pub fn entries(&self) -> &[Entry] {
        &self.data.entries
    }

    /// One entry.
    pub fn entry(&self, id: u32) -> &Entry {
        &self.data.entries[id as usize]
    }

    /// The serialisable data.
    pub fn data(&self) -> &GazetteerData {
        &self.data
    }

    /// Finds the longest alias match starting at token `i`. `caps` matches case-insensitively
    /// (for headlines and text in capitals).
    #[inline]
    pub fn match_at(&self, text: &str, tokens: &[Token], i: usize, caps: bool) -> Option<GazetteerMatch> {
        let token = tokens.get(i)?;
        // Nearly every word starts no alias: turned away here, before its text is even sliced.
        if !caps && !self.filter.may_contain(&text.as_bytes()[token.start..token.end]) {
            return None;
        }
        self.match_from(text, tokens, i, caps)
    }

    /// [`Gazetteer::match_at`] past the filter on the first token written as it is.
    fn match_from(&self, text: &str, tokens: &[Token], i: usize, caps: bool) -> Option<GazetteerMatch> {
        let first = tokens[i].text(text);
        let candidates = if caps {
            let mut buf = [0u8; 32];
            let key = upper_case(first, &mut buf);
            if !self.filter.may_contain(key.as_bytes()) {
                return None;
            }
            self.upper_index.get(key.as_ref())?
        } else {
            self.index.get(first)?
        };
        'alias: for &a in candidates {
            let alias = &self.data.aliases[a as usize];
            let n = alias.tokens.len();
            if i + n > tokens.len() {
                continue;
            }
            for (k, want) in alias.tokens.iter().enumerate().skip(1) {
                let got = tokens[i + k].text(text);
                let same = if caps { same_upper_case(got, want) } else { got == want };
                if !same || tokens[i + k].newlines_before > 0 {
                    continue 'alias;
                }
            }
            return Some(GazetteerMatch { start: i, end: i + n, entry: alias.entry, form: alias.form });
        }
        None
    }

    /// Encodes the gazetteer as a model file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        model::encode(KIND, &self.data)
    }
}

/// Splits an alias into tokens the way article text is split.
pub fn alias_tokens(alias: &str) -> Vec<String> {
    tokenize(alias).iter().map(|t| t.text(alias).to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Gazetteer {
        let data = GazetteerData {
            entries: vec![
                Entry { name: "United States".into(), kind: EntryKind::Country, country: None, major: true },
                Entry { name: "Xi Jinping".into(), kind: EntryKind::Person, country: None, major: true },
            ],
            aliases: vec![
                Alias { tokens: alias_tokens("United States"), entry: 0, form: AliasForm::Canonical },
                Alias { tokens: alias_tokens("United States of America"), entry: 0, form: AliasForm::Name },
                Alias { tokens: alias_tokens("US"), entry: 0, form: AliasForm::Acronym },
                Alias { tokens: alias_tokens("Xi"), entry: 1, form: AliasForm::Surname },
            ],
        };
        Gazetteer::from_data(data).unwrap()
    }

    #[test]
    fn longest_match_wins() {
        let g = tiny();
        let s = "the United States of America and US";
        let t = tokenize(s);
        let m = g.match_at(s, &t, 1, false).unwrap();
        assert_eq!((m.start, m.end, m.entry, m.form), (1, 5, 0, AliasForm::Name));
        assert_eq!(g.match_at(s, &t, 6, false).unwrap().form, AliasForm::Acronym);
        assert!(g.match_at(s, &t, 0, false).is_none());
    }

    #[test]
    fn case_sensitive_unless_caps() {
        let g = tiny();
        let s = "let us go to UNITED STATES";
        let t = tokenize(s);
        assert!(g.match_at(s, &t, 1, false).is_none());
        assert!(g.match_at(s, &t, 4, false).is_none());
        assert_eq!(g.match_at(s, &t, 4, true).unwrap().end, 6);
    }

    #[test]
    fn rejects_bad_alias() {
        let data = GazetteerData {
            entries: vec![],
            aliases: vec![Alias { tokens: vec!["x".into()], entry: 3, form: AliasForm::Name }],
        };
        assert!(Gazetteer::from_data(data).is_err());
    }
}
