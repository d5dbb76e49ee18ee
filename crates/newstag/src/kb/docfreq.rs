//! Document frequencies of stemmed phrases in news: how common a phrase is in news in general.
//!
//! The ranker prefers phrases that are frequent in the article but rare in news at large (tf-idf).
//! The table counts, for every n-gram (n = 1..3) of lower-cased, Porter-stemmed word tokens, the
//! number of training documents that contain it. N-grams run over adjacent word and number tokens
//! on one line; punctuation, symbols and line breaks end them. Rare n-grams (df below a threshold,
//! 2 for the shipped table) are left out, so an unknown phrase reads as df 0, the rarest there is.
//!
//! Keys are 64-bit hashes of the stemmed phrase ([`phrase_hash`]) in a sorted array, each beside
//! its count, found through an index of buckets small enough to stay in cache: a lookup usually
//! waits for one read from memory. Two phrases share a hash with probability about n²/2⁶⁵ for n
//! distinct phrases (6·10⁻⁸ for the 1.5 million n-grams of the shipped table's training text);
//! training counts the collisions it meets with a second, independent hash
//! (`DocFreqReport::collisions`, feature `train`) and the shipped table has none. A phrase that
//! is not in the table hits a stored hash with probability (table size)/2⁶⁴, about 2·10⁻¹⁴.

use crate::error::{Error, Result};
use crate::model::{self, ModelKind};
use serde::{Deserialize, Serialize};

/// The model kind of `docfreq.bin`.
pub const KIND: ModelKind = ModelKind { tag: *b"DF__", version: 1 };

/// The table's hash of a stemmed phrase: the UTF-8 bytes in little-endian 8-byte words (the last
/// one zero-padded, the length mixed in first), each folded in by xor, a multiply by the golden
/// ratio constant and a xor-shift (so a difference in any bit reaches every later bit), finished
/// with MurmurHash3's 64-bit finaliser. Written out here so that a stored table never depends on a
/// dependency's hash function. (FxHash, the obvious choice, collides on text: its multiply only
/// carries differences upwards, and 224 of the 1.6 million n-grams of Reuters collided.)
pub fn phrase_hash(phrase: &str) -> u64 {
    let bytes = phrase.as_bytes();
    let mut h = 0x243f_6a88_85a3_08d3u64 ^ bytes.len() as u64;
    for chunk in bytes.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 32;
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// One word as the table keys it: Porter-stemmed and lower-cased ([`crate::text::porter::stem`]).
pub fn stem_word(word: &str) -> String {
    crate::text::porter::stem(word)
}

/// The table key of a phrase given as its words: each word stemmed and lower-cased
/// ([`stem_word`]), joined by single spaces. `["Interest", "rates"]` -> `"interest rate"`. For a
/// phrase of word tokens this is [`crate::text::porter::stem_phrase`] of its text.
pub fn phrase_key<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let mut key = String::new();
    for w in words {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&stem_word(w));
    }
    key
}

/// The serialised form.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    /// Documents counted.
    num_docs: u32,
    /// The longest n-gram counted.
    max_n: u8,
    /// N-grams with a lower df were left out.
    min_df: u32,
    /// What went in: (source name, documents).
    sources: Vec<(String, u32)>,
    /// Phrase hashes, strictly increasing.
    hashes: Vec<u64>,
    /// The df of each hash.
    dfs: Vec<u32>,
}

/// A document-frequency table. Immutable, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct DocFreq {
    /// What the file says besides the n-grams (`hashes` and `dfs` are moved into `entries`).
    p: Payload,
    /// The n-grams by hash, ascending.
    entries: Vec<Entry>,
    /// `buckets[b]..buckets[b + 1]` are the indices of the entries whose hashes' top
    /// [`BUCKET_BITS`] bits are `b`: the hashes are uniform, so a lookup reads one bucket of a
    /// few entries (one or two cache lines) instead of binary-searching the whole table.
    buckets: Vec<u32>,
}

/// One n-gram of a [`DocFreq`]: its hash (low half first) and df side by side, 12 bytes, so
/// that finding the hash brings its count into the cache with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    hash: [u32; 2],
    df: u32,
}

impl Entry {
    fn new(hash: u64, df: u32) -> Entry {
        Entry { hash: [hash as u32, (hash >> 32) as u32], df }
    }

    #[inline(always)]
    fn hash(&self) -> u64 {
        u64::from(self.hash[0]) | u64::from(self.hash[1]) << 32
    }
}

/// Bits of a hash that choose its bucket: 65,536 buckets (a 256 KB index, which stays in the
/// cache between lookups) of about six entries each in the shipped table of ~380k.
const BUCKET_BITS: u32 = 16;

fn bucket_index(hashes: &[u64]) -> Vec<u32> {
    let n = 1usize << BUCKET_BITS;
    let mut starts = Vec::with_capacity(n + 1);
    let mut at = 0usize;
    for b in 0..n as u64 {
        while at < hashes.len() && hashes[at] >> (64 - BUCKET_BITS) < b {
            at += 1;
        }
        starts.push(at as u32);
    }
    starts.push(hashes.len() as u32);
    starts
}

impl DocFreq {
    /// Decodes a `docfreq.bin` model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_payload(model::decode(KIND, bytes)?)
    }

    fn from_payload(mut p: Payload) -> Result<Self> {
        let bad = |reason: &str| Err(Error::model(KIND.name(), reason));
        if p.hashes.len() != p.dfs.len() {
            return bad("hash and count arrays differ in length");
        }
        if p.hashes.windows(2).any(|w| w[0] >= w[1]) {
            return bad("hashes are not strictly increasing");
        }
        if p.dfs.iter().any(|&d| d > p.num_docs) {
            return bad("a document frequency exceeds the number of documents");
        }
        if u32::try_from(p.hashes.len()).is_err() {
            return bad("too many entries");
        }
        let buckets = bucket_index(&p.hashes);
        let entries = p.hashes.iter().zip(&p.dfs).map(|(&h, &d)| Entry::new(h, d)).collect();
        (p.hashes, p.dfs) = (Vec::new(), Vec::new());
        Ok(DocFreq { p, entries, buckets })
    }

    /// The embedded `docfreq.bin`, decoded once on first use.
    #[cfg(feature = "embedded")]
    pub fn embedded() -> Result<&'static DocFreq> {
        static CELL: std::sync::OnceLock<std::result::Result<DocFreq, String>> = std::sync::OnceLock::new();
        crate::model::embedded(&CELL, "docfreq.bin", &KIND.name(), DocFreq::from_bytes)
    }

    /// The number of documents containing `stemmed_phrase` (a [`phrase_key`]); 0 if it is rarer
    /// than the table keeps or longer than [`max_n`](Self::max_n) words.
    #[inline]
    pub fn df(&self, stemmed_phrase: &str) -> u32 {
        self.df_of_hash(phrase_hash(stemmed_phrase))
    }

    /// The document frequency of a [`phrase_hash`].
    #[inline]
    pub fn df_of_hash(&self, hash: u64) -> u32 {
        let b = (hash >> (64 - BUCKET_BITS)) as usize;
        let (Some(&from), Some(&to)) = (self.buckets.get(b), self.buckets.get(b + 1)) else {
            return 0;
        };
        let Some(bucket) = self.entries.get(from as usize..to as usize) else {
            return 0;
        };
        match bucket.iter().find(|e| e.hash() >= hash) {
            Some(e) if e.hash() == hash => e.df,
            _ => 0,
        }
    }

    /// [`df`](Self::df) of each of `phrases`, into `out` (one per phrase; extra slots of `out` are
    /// left alone). The same values, read faster: the table is larger than the fast caches, so each
    /// batch of lookups first reads the buckets' first entries in a loop without branches, and the
    /// processor overlaps those misses instead of waiting for one lookup after another.
    pub fn df_many(&self, phrases: &[&str], out: &mut [u32]) {
        const BATCH: usize = 32;
        for (ps, os) in phrases.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
            let mut hashes = [0u64; BATCH];
            for (h, p) in hashes.iter_mut().zip(ps) {
                *h = phrase_hash(p);
            }
            let mut touched = 0u64;
            for &h in &hashes[..ps.len()] {
                let from = self.buckets.get((h >> (64 - BUCKET_BITS)) as usize).copied().unwrap_or(0);
                touched ^= self.entries.get(from as usize).map_or(0, |e| u64::from(e.df));
            }
            std::hint::black_box(touched);
            for (o, &h) in os.iter_mut().zip(&hashes[..ps.len()]) {
                *o = self.df_of_hash(h);
            }
        }
    }

    /// [`idf`](Self::idf) of each of `phrases`, into `out`, looked up as [`df_many`](Self::df_many)
    /// does.
    pub fn idf_many(&self, phrases: &[&str], out: &mut [f32]) {
        const BATCH: usize = 32;
        let mut dfs = [0u32; BATCH];
        for (ps, os) in phrases.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
            self.df_many(ps, &mut dfs);
            for (o, &df) in os.iter_mut().zip(&dfs[..ps.len()]) {
                *o = self.idf_of_df(df);
            }
        }
    }

    /// Smoothed inverse document frequency, `ln((N + 1) / (df + 1)) + 1`: 1 for a phrase in every
    /// document, `ln(N + 1) + 1` for one the table does not hold.
    #[inline]
    pub fn idf(&self, stemmed_phrase: &str) -> f32 {
        self.idf_of_df(self.df(stemmed_phrase))
    }

    /// The smoothed idf of a document frequency.
    #[inline]
    pub fn idf_of_df(&self, df: u32) -> f32 {
        (((self.p.num_docs as f64 + 1.0) / (df as f64 + 1.0)).ln() + 1.0) as f32
    }

    /// The df of a phrase given as words (see [`phrase_key`]).
    pub fn df_of_words<'a>(&self, words: impl IntoIterator<Item = &'a str>) -> u32 {
        self.df(&phrase_key(words))
    }

    /// The number of documents counted (N).
    pub fn num_docs(&self) -> u32 {
        self.p.num_docs
    }

    /// The longest n-gram counted.
    pub fn max_n(&self) -> usize {
        self.p.max_n as usize
    }

    /// N-grams rarer than this were left out.
    pub fn min_df(&self) -> u32 {
        self.p.min_df
    }

    /// The sources counted, with their numbers of documents.
    pub fn sources(&self) -> &[(String, u32)] {
        &self.p.sources
    }

    /// The number of n-grams held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if the table holds no n-gram.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Encodes the table as a model file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let p = Payload {
            hashes: self.entries.iter().map(Entry::hash).collect(),
            dfs: self.entries.iter().map(|e| e.df).collect(),
            ..self.p.clone()
        };
        model::encode(KIND, &p)
    }
}

#[cfg(feature = "train")]
pub use train::{DocFreqBuilder, DocFreqReport};

#[cfg(feature = "train")]
mod train {
    use super::{phrase_hash, stem_word, DocFreq, Payload};
    use crate::error::{Error, Result};
    use crate::text::{tokenize, TokenKind};
    use rustc_hash::{FxHashMap, FxHashSet};

    /// A second, independent hash of each phrase, to notice two phrases sharing a table hash.
    fn check_hash(phrase: &str) -> u64 {
        // FNV-1a 64.
        phrase
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
    }

    /// What the table was built from.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DocFreqReport {
        /// Documents counted.
        pub docs: u32,
        /// Tokens in them.
        pub tokens: u64,
        /// Distinct n-grams seen.
        pub distinct: usize,
        /// N-grams kept (df >= min_df).
        pub kept: usize,
        /// Distinct n-grams whose table hash equals another's (merged into one count, the larger).
        pub collisions: usize,
    }

    /// Counts the documents each stemmed n-gram occurs in.
    #[derive(Debug)]
    pub struct DocFreqBuilder {
        max_n: usize,
        /// hash -> (df, check hash of the first phrase seen with it).
        counts: FxHashMap<u64, (u32, u64)>,
        collided: FxHashSet<u64>,
        num_docs: u32,
        tokens: u64,
        sources: Vec<(String, u32)>,
        doc: Vec<(u64, u64)>,
    }

    impl DocFreqBuilder {
        /// Counts n-grams of 1 to `max_n` words (at least 1, at most 255).
        pub fn new(max_n: usize) -> Self {
            DocFreqBuilder {
                max_n: max_n.clamp(1, 255),
                counts: FxHashMap::default(),
                collided: FxHashSet::default(),
                num_docs: 0,
                tokens: 0,
                sources: Vec::new(),
                doc: Vec::new(),
            }
        }

        /// Starts a named source; the documents added next are credited to it in the table.
        pub fn begin_source(&mut self, name: &str) {
            self.sources.push((name.to_string(), 0));
        }

        /// Counts one document.
        pub fn add_document(&mut self, text: &str) {
            let tokens = tokenize(text);
            self.tokens += tokens.len() as u64;
            let max_n = self.max_n;
            let doc = &mut self.doc;
            doc.clear();
            let mut run: Vec<String> = Vec::new();
            let mut key = String::new();
            let mut flush = |run: &mut Vec<String>, doc: &mut Vec<(u64, u64)>| {
                for i in 0..run.len() {
                    key.clear();
                    for (n, w) in run[i..].iter().take(max_n).enumerate() {
                        if n > 0 {
                            key.push(' ');
                        }
                        key.push_str(w);
                        doc.push((phrase_hash(&key), check_hash(&key)));
                    }
                }
                run.clear();
            };
            for t in &tokens {
                if t.newlines_before > 0 {
                    flush(&mut run, doc);
                }
                match t.kind {
                    TokenKind::Word | TokenKind::Number => run.push(stem_word(t.text(text))),
                    TokenKind::Punct | TokenKind::Symbol => flush(&mut run, doc),
                }
            }
            flush(&mut run, doc);
            doc.sort_unstable();
            doc.dedup();
            for &(h, check) in doc.iter() {
                let entry = self.counts.entry(h).or_insert((0, check));
                if entry.1 != check {
                    self.collided.insert(h);
                }
                entry.0 += 1;
            }
            self.num_docs += 1;
            if let Some(s) = self.sources.last_mut() {
                s.1 += 1;
            }
        }

        /// Documents counted so far.
        pub fn num_docs(&self) -> u32 {
            self.num_docs
        }

        /// Keeps the n-grams found in at least `min_df` documents and builds the table.
        ///
        /// A hash shared by two phrases counts documents of either (a document with both once);
        /// the report says how many such hashes there were.
        pub fn finish(self, min_df: u32) -> Result<(DocFreq, DocFreqReport)> {
            if self.max_n > u8::MAX as usize {
                return Err(Error::Input(format!("n-grams up to {} words are too long", self.max_n)));
            }
            let mut kept: Vec<(u64, u32)> = self
                .counts
                .iter()
                .filter(|(_, &(df, _))| df >= min_df.max(1))
                .map(|(&h, &(df, _))| (h, df))
                .collect();
            kept.sort_unstable();
            let report = DocFreqReport {
                docs: self.num_docs,
                tokens: self.tokens,
                distinct: self.counts.len(),
                kept: kept.len(),
                collisions: self.collided.len(),
            };
            let payload = Payload {
                num_docs: self.num_docs,
                max_n: self.max_n as u8,
                min_df,
                sources: self.sources,
                hashes: kept.iter().map(|&(h, _)| h).collect(),
                dfs: kept.iter().map(|&(_, d)| d).collect(),
            };
            Ok((DocFreq::from_payload(payload)?, report))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable() {
        // Stored tables depend on these exact values: changing the function needs a new KIND version.
        let cases = [
            ("", 8848935107335307795u64),
            ("interest rate", 8685102606173104597),
            ("the", 14566292271009819029),
        ];
        for (s, want) in cases {
            assert_eq!(phrase_hash(s), want, "{s:?}");
        }
        assert_ne!(phrase_hash("interest rate"), phrase_hash("interest rates"));
        assert_ne!(phrase_hash("ab"), phrase_hash("ab\0"));
    }

    #[test]
    fn bucketed_lookup_finds_exactly_the_stored_hashes() {
        // Spread over the whole range, clustered in one bucket, and at both ends.
        let mut hashes: Vec<u64> = (0..5000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        hashes.extend([0, 1, 2, u64::MAX - 1, u64::MAX, 1 << 50, (1 << 50) + 1, (1 << 50) + 7]);
        hashes.sort_unstable();
        hashes.dedup();
        let dfs: Vec<u32> = (0..hashes.len() as u32).map(|i| i % 7 + 1).collect();
        let payload = Payload {
            num_docs: 10,
            max_n: 3,
            min_df: 1,
            sources: vec![],
            hashes: hashes.clone(),
            dfs: dfs.clone(),
        };
        let df = DocFreq::from_payload(payload).unwrap();
        for (h, d) in hashes.iter().zip(&dfs) {
            assert_eq!(df.df_of_hash(*h), *d, "{h:#x}");
            for probe in [h.wrapping_add(1), h.wrapping_sub(1)] {
                if hashes.binary_search(&probe).is_err() {
                    assert_eq!(df.df_of_hash(probe), 0, "{probe:#x}");
                }
            }
        }
        let empty =
            Payload { num_docs: 1, max_n: 1, min_df: 1, sources: vec![], hashes: vec![], dfs: vec![] };
        assert_eq!(DocFreq::from_payload(empty).unwrap().df_of_hash(42), 0);
    }

    #[test]
    fn batched_lookups_equal_single_ones() {
        let phrases: Vec<String> = (0..100).map(|i| format!("phrase {i}")).collect();
        // Every third phrase is stored, with its number as df.
        let mut stored: Vec<(u64, u32)> =
            phrases.iter().enumerate().step_by(3).map(|(i, p)| (phrase_hash(p), i as u32 + 1)).collect();
        stored.sort_unstable();
        let payload = Payload {
            num_docs: 1000,
            max_n: 3,
            min_df: 1,
            sources: vec![],
            hashes: stored.iter().map(|e| e.0).collect(),
            dfs: stored.iter().map(|e| e.1).collect(),
        };
        let df = DocFreq::from_payload(payload).unwrap();
        // More than one batch, a partial last batch, and none at all.
        for n in [0, 1, 31, 32, 33, 100] {
            let keys: Vec<&str> = phrases[..n].iter().map(String::as_str).collect();
            let mut out = vec![u32::MAX; n + 1];
            df.df_many(&keys, &mut out);
            for (i, k) in keys.iter().enumerate() {
                let want = if i % 3 == 0 { i as u32 + 1 } else { 0 };
                assert_eq!(df.df(k), want, "{k}");
                assert_eq!(out[i], want, "{k}");
            }
            assert_eq!(out[n], u32::MAX, "a slot past the phrases is left alone");
            let mut idf = vec![0.0f32; n];
            df.idf_many(&keys, &mut idf);
            for (k, v) in keys.iter().zip(&idf) {
                assert_eq!(v.to_bits(), df.idf(k).to_bits(), "{k}");
            }
        }
    }

    #[test]
    fn rejects_bad_tables() {
        assert!(DocFreq::from_bytes(b"NEWSTAG").is_err());
        let p = |hashes: Vec<u64>, dfs: Vec<u32>| Payload {
            num_docs: 5,
            max_n: 3,
            min_df: 2,
            sources: vec![],
            hashes,
            dfs,
        };
        let cases = [
            ("lengths", p(vec![1, 2], vec![2]), "differ"),
            ("order", p(vec![2, 1], vec![2, 2]), "increasing"),
            ("duplicate", p(vec![1, 1], vec![2, 2]), "increasing"),
            ("df > N", p(vec![1], vec![6]), "exceeds"),
        ];
        for (name, payload, want) in cases {
            let bytes = model::encode(KIND, &payload).unwrap();
            let err = DocFreq::from_bytes(&bytes).unwrap_err().to_string();
            assert!(err.contains(want), "{name}: {err}");
        }
    }

    #[test]
    fn keys_are_stemmed_phrases() {
        let cases = [
            (vec!["Interest", "rates"], "interest rate"),
            (vec!["OIL", "Spills"], "oil spill"),
            (vec!["the"], "the"),
            (vec![], ""),
        ];
        for (words, want) in cases {
            assert_eq!(phrase_key(words.iter().copied()), want);
            assert_eq!(crate::text::porter::stem_phrase(&words.join(" ")), want);
        }
    }

    #[cfg(feature = "train")]
    fn toy() -> (DocFreq, DocFreqReport) {
        let mut b = DocFreqBuilder::new(3);
        b.begin_source("toy");
        for doc in [
            "The central bank raised interest rates. Interest rates rose again.",
            "Interest rates fell; the bank said nothing.",
            "Oil prices rose.\nInterest\nrates are unchanged.",
            "Nothing here.",
        ] {
            b.add_document(doc);
        }
        b.finish(2).unwrap()
    }

    #[cfg(feature = "train")]
    #[test]
    fn counts_documents_not_occurrences() {
        let (df, report) = toy();
        assert_eq!(df.num_docs(), 4);
        assert_eq!(report.docs, 4);
        assert_eq!(report.collisions, 0);
        assert_eq!(df.sources(), &[("toy".to_string(), 4)]);
        let key = |s: &str| phrase_key(s.split(' '));
        let cases = [
            ("interest rates", 2), // twice in doc 1 counts once; doc 3 splits it over lines
            ("Interest", 3),
            ("bank", 2),
            ("rose", 2),
            ("the", 2),
            ("central bank", 0), // df 1: below min_df
            ("nothing", 2),
            ("rates rose", 0),   // df 1: only doc 1 has it
            ("said nothing", 0), // df 1
            ("rates are unchanged", 0),
        ];
        for (phrase, want) in cases {
            assert_eq!(df.df(&key(phrase)), want, "{phrase}");
            assert_eq!(df.df_of_words(phrase.split(' ')), want, "{phrase} by words");
        }
        let idf = |phrase: &str| df.idf(&key(phrase));
        assert!((idf("interest") - ((5.0f32 / 4.0).ln() + 1.0)).abs() < 1e-6);
        assert!((idf("never seen") - (5.0f32.ln() + 1.0)).abs() < 1e-6);
        assert!(idf("interest") < idf("bank"));
    }

    #[cfg(feature = "train")]
    #[test]
    fn build_is_deterministic_and_round_trips() {
        let (a, _) = toy();
        let (b, _) = toy();
        let bytes = a.to_bytes().unwrap();
        assert_eq!(bytes, b.to_bytes().unwrap());
        let back = DocFreq::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes().unwrap(), bytes);
        assert_eq!(back.len(), a.len());
        assert_eq!(back.df("bank"), 2);
    }

    /// The shipped table: frequent function words have a low idf, names a high one.
    #[cfg(feature = "embedded")]
    #[test]
    fn embedded_table_is_sensible() {
        let df = DocFreq::embedded().unwrap();
        assert!(df.num_docs() > 10_000);
        let idf = |w: &str| df.idf(&phrase_key(w.split(' ')));
        assert!(idf("the") < 1.5);
        assert!(idf("said") < idf("central bank"));
        assert!(idf("central bank") < idf("Bundesbank"));
        assert!(df.df(&phrase_key(["interest", "rates"])) > 100);
    }
}
