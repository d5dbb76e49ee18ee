//! The properties each fuzz target checks, shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`)
//! and by the regression replay in an ordinary `cargo test`
//! (`crates/newstag/tests/fuzz_regressions.rs`), so that a case found once stays fixed.
//!
//! Every function takes the raw fuzz input and panics (through an assertion) when a property
//! fails; returning normally means the input is handled correctly.

#![allow(dead_code)]

use newstag::model::{self, ModelKind};
use newstag::text::{self, TokenKind};
use newstag::{Article, Document, Tagger};
use std::sync::OnceLock;

/// Inputs larger than this are cut (the fuzzers run with a smaller `-max_len` anyway).
const MAX_INPUT: usize = 1 << 20;

fn tagger() -> &'static Tagger {
    static T: OnceLock<Tagger> = OnceLock::new();
    T.get_or_init(|| {
        Tagger::new().unwrap_or_else(|e| {
            // The lead may be mid-way through retraining a model: fuzz without it then.
            eprintln!("fuzz: full tagger unavailable ({e}); running without NER");
            Tagger::builder().without_ner().build().expect("embedded models load")
        })
    })
}

/// Tokenizer, sentence splitter, normalisation and stemmer.
pub fn check_tokenizer(data: &[u8]) {
    let data = &data[..data.len().min(MAX_INPUT)];
    let s = String::from_utf8_lossy(data);
    check_text(&s);
}

/// The text-level invariants on one string.
pub fn check_text(s: &str) {
    // Normalisation is idempotent and says truthfully whether it changed anything.
    let n = text::normalize(s);
    assert!(text::is_normalized(&n), "normalize output is not NFC: {:?}", n);
    assert_eq!(text::normalize(&n), n, "normalize is not idempotent");
    assert_eq!(text::is_normalized(s), n == s, "is_normalized disagrees with normalize");

    let tokens = text::tokenize(s);
    let mut prev_end = 0;
    for t in &tokens {
        assert!(t.start < t.end, "empty token {t:?}");
        assert!(t.start >= prev_end, "tokens overlap or go backwards: {t:?} after {prev_end}");
        let piece = s.get(t.start..t.end).unwrap_or_else(|| panic!("token {t:?} not on char boundaries"));
        assert!(!piece.chars().all(char::is_whitespace), "whitespace token {t:?}");
        // Skipped bytes are whitespace or invisible, never text.
        prev_end = t.end;
        if t.kind == TokenKind::Word {
            let stem = text::porter::stem(piece);
            assert!(stem.len() <= piece.len() * 4 + 8, "stem grew: {piece:?} -> {stem:?}");
        }
    }
    let mut into = Vec::new();
    text::tokenize_into(s, &mut into);
    assert_eq!(into, tokens, "tokenize_into differs from tokenize");

    // Sentences partition the tokens in order.
    let sentences = text::split_sentences(s, &tokens);
    let mut next = 0;
    for &(a, b) in &sentences {
        assert_eq!(a, next, "sentences leave a gap or overlap: {sentences:?}");
        assert!(a < b, "empty sentence {a}..{b}");
        next = b;
    }
    assert_eq!(next, tokens.len(), "sentences do not cover every token");
}

/// Input readers (JSON object, plain text) and, for what they accept, the whole tagger.
pub fn check_input(data: &[u8]) {
    let data = &data[..data.len().min(MAX_INPUT)];
    let mut articles = Vec::new();
    match newstag::input::parse_json_article(data) {
        Ok(a) => {
            assert!(!a.passthrough.contains_key("title"), "title left in passthrough");
            assert!(!a.passthrough.contains_key("text"), "text left in passthrough");
            articles.push(a.article);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    for strip in [false, true] {
        match newstag::input::parse_plain_article(data, strip) {
            Ok(a) => {
                assert!(std::str::from_utf8(data).is_ok(), "plain reader accepted invalid UTF-8");
                articles.push(a);
            }
            Err(_) => assert!(std::str::from_utf8(data).is_err(), "plain reader refused valid UTF-8"),
        }
    }
    // The whole tagger on what the readers accept; only for short inputs, which keeps the
    // fuzzer fast enough to explore the readers (long texts are the pathological tests' job).
    if data.len() <= 2048 {
        for a in &articles {
            check_article(a);
        }
    }
}

/// The tagger on one article: no panic, and every mention's offsets slice the analysed text.
pub fn check_article(a: &Article<'_>) {
    let t = tagger();
    let full = format!("{}{}{}", a.title, newstag::document::TITLE_SEPARATOR, a.text);
    let full = text::normalize(&full).into_owned();
    match t.rank(a) {
        Ok(ranked) => {
            assert!(ranked.chosen <= ranked.tags.len());
            for tag in &ranked.tags {
                assert!(!tag.name.trim().is_empty(), "tag with an empty name");
                assert!(tag.score.is_finite(), "score {} for {:?}", tag.score, tag.name);
                assert!(!tag.mentions.is_empty(), "tag {:?} without mentions", tag.name);
                for &[start, end] in &tag.mentions {
                    let piece = full.get(start..end).unwrap_or_else(|| {
                        panic!("mention {start}..{end} of {:?} not in the text", tag.name)
                    });
                    assert!(!piece.trim().is_empty(), "blank mention of {:?}", tag.name);
                }
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("empty article"), "unexpected error: {msg}");
        }
    }
}

/// The model kinds a fuzz input can address with its first byte.
pub const KINDS: [ModelKind; 7] = [
    newstag::tag::pos::POS_MODEL,
    newstag::tag::ner::NER_MODEL,
    newstag::tag::chunk::CHUNK_MODEL,
    newstag::kb::GAZETTEER_KIND,
    newstag::rank::linear::KIND,
    newstag::kb::docfreq::KIND,
    newstag::kb::clusters::KIND,
];

/// Wraps `payload` in a valid header of `kind` (right length and checksum), so that the
/// fuzzer's mutations reach the payload decoder instead of dying at the checksum.
pub fn wrap_model(kind: ModelKind, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(28 + payload.len());
    b.extend_from_slice(model::MAGIC);
    b.extend_from_slice(&kind.tag);
    b.extend_from_slice(&kind.version.to_le_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    b.extend_from_slice(&crc32fast_hash(payload).to_le_bytes());
    b.extend_from_slice(payload);
    b
}

/// CRC-32 (IEEE), bitwise: the fuzz crate does not need another dependency for it.
fn crc32fast_hash(data: &[u8]) -> u32 {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    let mut crc = !0u32;
    for &b in data {
        crc = table[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Model loader: the first byte picks a kind (or, with the top bit set, the raw bytes are
/// decoded as a whole file); the rest is the payload. A model that loads must also work.
pub fn check_model(data: &[u8]) {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(selector & 0x7F) % KINDS.len()];
    let bytes = if selector & 0x80 != 0 { payload.to_vec() } else { wrap_model(kind, payload) };
    let _ = model::read_header(&bytes);
    let words = ["Vladimir", "Putin", "visited", "the", "U.S.", "on", "Monday", "."];
    let sample = "Putin visits China\n\nVladimir Putin arrived in Beijing on Monday. Oil prices rose.";
    match kind.tag {
        t if t == newstag::tag::pos::POS_MODEL.tag => {
            if let Ok(m) = newstag::tag::PosTagger::from_bytes(&bytes) {
                let mut out = Vec::new();
                m.tag_into(&words, newstag::tag::CaseHint::Auto, &mut out);
                assert_eq!(out.len(), words.len());
                let pos = out.clone();
                if let Ok(c) = newstag::tag::chunk::Chunker::embedded() {
                    assert_eq!(c.chunk(&words, &pos).len(), words.len());
                }
            }
        }
        t if t == newstag::tag::ner::NER_MODEL.tag => {
            if let Ok(m) = newstag::tag::NerTagger::from_bytes(&bytes) {
                let doc = Document::new("Putin visits China", &sample[20..]);
                for e in m.recognize_document(&doc.text, &doc.tokens, &doc.sentences) {
                    assert!(e.start < e.end && e.end <= doc.tokens.len(), "entity {e:?} out of range");
                }
            }
        }
        t if t == newstag::tag::chunk::CHUNK_MODEL.tag => {
            if let Ok(m) = newstag::tag::chunk::Chunker::from_bytes(&bytes) {
                let pos = vec![newstag::tag::PosTag::NNP; words.len()];
                assert_eq!(m.chunk(&words, &pos).len(), words.len());
            }
        }
        t if t == newstag::kb::GAZETTEER_KIND.tag => {
            if let Ok(g) = newstag::kb::Gazetteer::from_bytes(&bytes) {
                let mut doc = Document::new("Putin visits China", &sample[20..]);
                newstag::candidates::classify(&mut doc);
                let mentions = newstag::candidates::find_mentions(&doc, &g);
                for c in newstag::candidates::resolve(&doc, &g, &mentions) {
                    assert!(c.mentions.iter().all(|&(a, b)| a < b && b <= doc.tokens.len()));
                }
            }
        }
        t if t == newstag::rank::linear::KIND.tag => {
            if let Ok(r) = newstag::rank::LinearRanker::from_bytes(&bytes) {
                use newstag::rank::Scorer;
                let _ = r.score(&newstag::rank::Features::default());
                let _ = r.selection();
            }
        }
        t if t == newstag::kb::docfreq::KIND.tag => {
            if let Ok(d) = newstag::kb::docfreq::DocFreq::from_bytes(&bytes) {
                for w in ["oil", "oil price", "", "\u{0}"] {
                    let _ = d.df(w);
                    let idf = d.idf(w);
                    assert!(!idf.is_nan(), "idf NaN for {w:?}");
                }
            }
        }
        _ => {
            if let Ok(c) = newstag::kb::clusters::WordClusters::from_bytes(&bytes) {
                for w in words {
                    if let Some(id) = c.cluster(w) {
                        let _ = c.cluster_path(id);
                        let _ = c.words_in(id);
                    }
                    let _ = c.prefix(w, 4);
                }
            }
        }
    }
}
