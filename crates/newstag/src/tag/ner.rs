//! Named-entity recognition: persons, locations, organisations and other names ([`NerTagger`]).
//!
//! A first-order sequence model trained as an averaged structured perceptron
//! ([`super::perceptron`]) over BILOU labels (`B-`egin, `I-`nside, `L-`ast, `U-`nit, `O`utside),
//! decoded with Viterbi under the BILOU constraints, so every output is a well-formed set of
//! entities. It follows Ratinov & Roth (2009, "Design challenges and misconceptions in named
//! entity recognition"):
//!
//! * **local features**: the word and its lower-cased form, prefixes and suffixes (1-4), word
//!   shapes, capitalisation flags and the capitalisation pattern of the window, the words and
//!   shapes of a window of ±2, word bigrams, the sentence-initial flag; the previous label through
//!   the transition weights;
//! * **external knowledge**: Brown cluster path prefixes (4, 6, 10, 20 steps) of the word and its
//!   neighbours ([`crate::kb::clusters`]); membership of the word in a gazetteer alias match
//!   (country, demonym, region, city, person, organisation, with the word's position in the match;
//!   [`crate::kb::Gazetteer`]); and the usual capitalisation of the word in unlabelled news text;
//! * **non-local features** ([`NerTagger::tag_document`]): the labels already given to the same
//!   word earlier in the document, and how the word is capitalised elsewhere in the document.
//!
//! The clusters, the gazetteer aliases and the capitalisation lexicon are copied into the model
//! file when it is trained, so a model always sees the features it was trained with, whatever
//! happens to the other embedded files.
//!
//! # News as it arrives
//!
//! A sentence in ALL CAPITALS or in Title Case is detected, and each word is read in the casing it
//! usually has in news text ("RUSSIA" as "Russia", "SIGN" as "sign", an unknown "SBERBANK" as
//! "Sberbank"); the sentence-initial word is read the same way ("The" as "the"). Training sees the
//! same reading, on the CoNLL-2003 headlines (which are in capitals) and on upper-cased and
//! title-cased copies of some training sentences, so the model learns to trust the recased words
//! only as far as they deserve.
//!
//! # Use
//!
//! ```no_run
//! # fn main() -> newstag::Result<()> {
//! use newstag::tag::ner::{entities, EntityKind, NerTagger};
//! let words = ["Sberbank", "CEO", "German", "Gref", "met", "Elvira", "Nabiullina", "in", "Moscow", "."];
//! let labels = NerTagger::embedded()?.tag(&words);
//! for e in entities(&labels) {
//!     println!("{:?}: {}", e.kind, words[e.start..e.end].join(" "));
//! }
//! # Ok(()) }
//! ```
//!
//! On tokenised text, [`NerTagger::recognize`] tags one sentence and
//! [`NerTagger::recognize_document`] a whole article (better: it uses the document-level features).

use super::conll::{ChunkEval, ChunkScores};
use super::perceptron::{
    feature, feature2, feature3, hash_bytes, hash_lower, hash_str, mix, StoredWeights, Weights,
};
use crate::error::{Error, Result};
use crate::model::{self, ModelKind};
use crate::text::{LetterCase, Token, WordCasing};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The model file kind of a [`NerTagger`].
pub const NER_MODEL: ModelKind = ModelKind { tag: *b"NER_", version: 4 };

// ---------------------------------------------------------------------------------------------
// Labels and entities
// ---------------------------------------------------------------------------------------------

/// The type of a named entity (the four CoNLL-2003 types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// A person (`PER`).
    Person,
    /// A location: country, city, region, geographical feature (`LOC`).
    Location,
    /// An organisation: company, institution, team, party (`ORG`).
    Organization,
    /// Any other name: nationalities, events, products, works (`MISC`).
    Misc,
}

impl EntityKind {
    /// All four kinds, in id order.
    pub const ALL: [EntityKind; 4] =
        [EntityKind::Person, EntityKind::Location, EntityKind::Organization, EntityKind::Misc];

    /// The CoNLL code: `PER`, `LOC`, `ORG` or `MISC`.
    pub fn code(self) -> &'static str {
        match self {
            EntityKind::Person => "PER",
            EntityKind::Location => "LOC",
            EntityKind::Organization => "ORG",
            EntityKind::Misc => "MISC",
        }
    }

    /// The kind with this CoNLL code.
    pub fn from_code(code: &str) -> Option<EntityKind> {
        EntityKind::ALL.iter().copied().find(|k| k.code() == code)
    }

    fn id(self) -> u8 {
        self as u8
    }
}

/// The label of one token, in the BILOU scheme the tagger works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NerLabel {
    /// Not part of a name.
    Outside,
    /// First token of a name of two or more tokens.
    Begin(EntityKind),
    /// Inner token of a name of three or more tokens.
    Inside(EntityKind),
    /// Last token of a name of two or more tokens.
    Last(EntityKind),
    /// A one-token name.
    Unit(EntityKind),
}

/// Number of label classes: `O` and B/I/L/U of each of the four kinds.
const N_CLASSES: usize = 17;
/// The "previous label" of the first token, for the transition weights.
const START: usize = N_CLASSES;

impl NerLabel {
    /// The entity kind, `None` for [`NerLabel::Outside`].
    pub fn kind(self) -> Option<EntityKind> {
        match self {
            NerLabel::Outside => None,
            NerLabel::Begin(k) | NerLabel::Inside(k) | NerLabel::Last(k) | NerLabel::Unit(k) => Some(k),
        }
    }

    /// The IOB2 tag conlleval reads: `B-PER` for the first token of a name, `I-PER` for the
    /// others, `O` outside names.
    pub fn iob(self) -> &'static str {
        const B: [&str; 4] = ["B-PER", "B-LOC", "B-ORG", "B-MISC"];
        const I: [&str; 4] = ["I-PER", "I-LOC", "I-ORG", "I-MISC"];
        match self {
            NerLabel::Outside => "O",
            NerLabel::Begin(k) | NerLabel::Unit(k) => B[usize::from(k.id())],
            NerLabel::Inside(k) | NerLabel::Last(k) => I[usize::from(k.id())],
        }
    }

    /// The BILOU tag, e.g. `U-LOC`.
    pub fn bilou(self) -> String {
        match self {
            NerLabel::Outside => "O".to_owned(),
            NerLabel::Begin(k) => format!("B-{}", k.code()),
            NerLabel::Inside(k) => format!("I-{}", k.code()),
            NerLabel::Last(k) => format!("L-{}", k.code()),
            NerLabel::Unit(k) => format!("U-{}", k.code()),
        }
    }

    #[cfg(any(test, feature = "train"))]
    fn id(self) -> usize {
        let (k, p) = match self {
            NerLabel::Outside => return 0,
            NerLabel::Begin(k) => (k, 0),
            NerLabel::Inside(k) => (k, 1),
            NerLabel::Last(k) => (k, 2),
            NerLabel::Unit(k) => (k, 3),
        };
        1 + 4 * usize::from(k.id()) + p
    }

    fn from_id(id: usize) -> NerLabel {
        if id == 0 || id >= N_CLASSES {
            return NerLabel::Outside;
        }
        let k = EntityKind::ALL[(id - 1) / 4];
        match (id - 1) % 4 {
            0 => NerLabel::Begin(k),
            1 => NerLabel::Inside(k),
            2 => NerLabel::Last(k),
            _ => NerLabel::Unit(k),
        }
    }
}

/// A named entity: a range of token indices and a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entity {
    /// Index of the first token.
    pub start: usize,
    /// One past the index of the last token.
    pub end: usize,
    /// What the name is.
    pub kind: EntityKind,
}

/// Turns labels into entities (token index ranges). Never fails: a name that is not closed
/// (a `B` without its `L`) ends where its kind or the BILOU sequence breaks, so labels from any
/// source give sensible spans.
pub fn entities(labels: &[NerLabel]) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut open: Option<(usize, EntityKind)> = None;
    for (i, &l) in labels.iter().enumerate() {
        match l {
            NerLabel::Outside => {
                if let Some((s, k)) = open.take() {
                    out.push(Entity { start: s, end: i, kind: k });
                }
            }
            NerLabel::Begin(k) | NerLabel::Unit(k) => {
                if let Some((s, pk)) = open.take() {
                    out.push(Entity { start: s, end: i, kind: pk });
                }
                if matches!(l, NerLabel::Unit(_)) {
                    out.push(Entity { start: i, end: i + 1, kind: k });
                } else {
                    open = Some((i, k));
                }
            }
            NerLabel::Inside(k) | NerLabel::Last(k) => {
                match open {
                    Some((_, pk)) if pk == k => {}
                    Some((s, pk)) => {
                        out.push(Entity { start: s, end: i, kind: pk });
                        open = Some((i, k));
                    }
                    None => open = Some((i, k)),
                }
                if matches!(l, NerLabel::Last(_)) {
                    if let Some((s, k)) = open.take() {
                        out.push(Entity { start: s, end: i + 1, kind: k });
                    }
                }
            }
        }
    }
    if let Some((s, k)) = open {
        out.push(Entity { start: s, end: labels.len(), kind: k });
    }
    out
}

/// BILOU labels for `n` tokens holding these (non-overlapping, sorted) entities.
pub fn labels_from_entities(n: usize, entities: &[Entity]) -> Vec<NerLabel> {
    let mut out = vec![NerLabel::Outside; n];
    for e in entities {
        let end = e.end.min(n);
        if e.start >= end {
            continue;
        }
        if end - e.start == 1 {
            out[e.start] = NerLabel::Unit(e.kind);
            continue;
        }
        out[e.start] = NerLabel::Begin(e.kind);
        for l in &mut out[e.start + 1..end - 1] {
            *l = NerLabel::Inside(e.kind);
        }
        out[end - 1] = NerLabel::Last(e.kind);
    }
    out
}

/// Reads IOB1 or IOB2 tags (`I-PER`, `B-LOC`, `O`; BILOU's `L-`/`U-`/`E-`/`S-` too) into BILOU
/// labels, finding entities the way conlleval does: a name starts at `B-`, or at `I-` after `O`
/// or after a name of another kind. An unknown tag is an error naming it.
pub fn labels_from_iob<S: AsRef<str>>(tags: &[S]) -> std::result::Result<Vec<NerLabel>, String> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, EntityKind)> = None;
    for (i, t) in tags.iter().enumerate() {
        let t = t.as_ref();
        if t == "O" {
            if let Some((s, k)) = open.take() {
                spans.push(Entity { start: s, end: i, kind: k });
            }
            continue;
        }
        let (prefix, code) = t.split_once('-').ok_or_else(|| format!("unknown tag {t:?}"))?;
        let kind = EntityKind::from_code(code).ok_or_else(|| format!("unknown entity type in {t:?}"))?;
        let starts = match prefix {
            "B" | "U" | "S" => true,
            "I" | "L" | "E" => !matches!(open, Some((_, k)) if k == kind),
            _ => return Err(format!("unknown tag {t:?}")),
        };
        if starts {
            if let Some((s, k)) = open.take() {
                spans.push(Entity { start: s, end: i, kind: k });
            }
            open = Some((i, kind));
        }
        if matches!(prefix, "U" | "S" | "L" | "E") {
            if let Some((s, k)) = open.take() {
                spans.push(Entity { start: s, end: i + 1, kind: k });
            }
        }
    }
    if let Some((s, k)) = open {
        spans.push(Entity { start: s, end: tags.len(), kind: k });
    }
    Ok(labels_from_entities(tags.len(), &spans))
}

/// True when tags are IOB1 (CoNLL-2003's scheme: a name starts with `I-`, and `B-` only marks a
/// name that directly follows another of the same kind); false for IOB2 (every name starts with
/// `B-`). Decided from the first name in `tags` that tells them apart; IOB1 if none does.
pub fn is_iob1<S: AsRef<str>>(tags: &[S]) -> bool {
    let mut prev = "O";
    for t in tags {
        let t = t.as_ref();
        if let Some(kind) = t.strip_prefix("I-") {
            if prev == "O" || prev.get(2..) != Some(kind) {
                return true;
            }
        } else if let Some(kind) = t.strip_prefix("B-") {
            if prev.get(2..) != Some(kind) {
                return false;
            }
        }
        prev = t;
    }
    true
}

/// The tags of `labels` in IOB1 (`iob1`) or IOB2, as conlleval reads them.
pub fn iob_tags(labels: &[NerLabel], iob1: bool) -> Vec<&'static str> {
    if !iob1 {
        return labels.iter().map(|l| l.iob()).collect();
    }
    let mut out = vec!["O"; labels.len()];
    let mut prev: Option<Entity> = None;
    for e in entities(labels) {
        let adjacent = prev.is_some_and(|p| p.end == e.start && p.kind == e.kind);
        for (i, o) in out[e.start..e.end].iter_mut().enumerate() {
            let l = if i == 0 && adjacent { NerLabel::Begin(e.kind) } else { NerLabel::Inside(e.kind) };
            *o = l.iob();
        }
        prev = Some(e);
    }
    out
}

/// May `cur` follow `prev` (`START` before the first token)?
const fn allowed(prev: usize, cur: usize) -> bool {
    let inside = prev != START && prev != 0 && (prev - 1) % 4 <= 1; // B or I: the name goes on
    if inside {
        cur != 0 && (cur - 1) / 4 == (prev - 1) / 4 && matches!((cur - 1) % 4, 1 | 2)
    } else {
        cur == 0 || matches!((cur - 1) % 4, 0 | 3)
    }
}

/// May a sentence end with `label`?
fn allowed_last(label: usize) -> bool {
    label == 0 || matches!((label - 1) % 4, 2 | 3)
}

// ---------------------------------------------------------------------------------------------
// Documents for training and evaluation
// ---------------------------------------------------------------------------------------------

/// One sentence with gold labels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NerSentence {
    /// The words.
    pub words: Vec<String>,
    /// One label per word.
    pub labels: Vec<NerLabel>,
    /// The tags as the file wrote them (for scoring exactly as conlleval does).
    pub tags: Vec<String>,
}

/// The sentences of one document (`-DOCSTART-` to `-DOCSTART-` in a CoNLL file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NerDocument {
    /// The sentences, in order.
    pub sentences: Vec<NerSentence>,
}

impl NerDocument {
    /// Number of tokens.
    pub fn tokens(&self) -> usize {
        self.sentences.iter().map(|s| s.words.len()).sum()
    }
}

/// Parses a CoNLL-2003 style file: the word in the first column, the entity tag (IOB1, IOB2 or
/// BILOU) in the last, a blank line after each sentence, `-DOCSTART-` lines between documents.
/// `source` names the file in errors.
pub fn parse_ner_conll(text: &str, source: &str) -> Result<Vec<NerDocument>> {
    let mut docs = Vec::new();
    let mut doc = NerDocument::default();
    let mut sent = NerSentence::default();
    let mut first_line = 0;
    let close = |sent: &mut NerSentence, doc: &mut NerDocument, line: usize| -> Result<()> {
        if sent.words.is_empty() {
            return Ok(());
        }
        sent.labels = labels_from_iob(&sent.tags).map_err(|reason| Error::Data {
            path: source.to_owned(),
            line,
            reason,
        })?;
        doc.sentences.push(std::mem::take(sent));
        Ok(())
    };
    for (n, line) in text.lines().enumerate() {
        let mut cols = line.split_whitespace();
        let Some(word) = cols.next() else {
            close(&mut sent, &mut doc, first_line)?;
            continue;
        };
        if word == "-DOCSTART-" {
            close(&mut sent, &mut doc, first_line)?;
            if !doc.sentences.is_empty() {
                docs.push(std::mem::take(&mut doc));
            }
            continue;
        }
        let tag = cols.last().ok_or_else(|| Error::Data {
            path: source.to_owned(),
            line: n + 1,
            reason: "a token line needs a word and a tag".into(),
        })?;
        if sent.words.is_empty() {
            first_line = n + 1;
        }
        sent.words.push(word.to_owned());
        sent.tags.push(tag.to_owned());
    }
    close(&mut sent, &mut doc, first_line)?;
    if !doc.sentences.is_empty() {
        docs.push(doc);
    }
    Ok(docs)
}

/// Reads a CoNLL-2003 style file ([`parse_ner_conll`]).
pub fn read_ner_conll(path: &Path) -> Result<Vec<NerDocument>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    parse_ner_conll(&text, &path.display().to_string())
}

// ---------------------------------------------------------------------------------------------
// Reading words: case, shape, recasing
// ---------------------------------------------------------------------------------------------

/// How a whole sentence is capitalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SentCase {
    Normal = 0,
    Upper = 1,
    Title = 2,
}

/// Casing of one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Casing {
    None = 0,
    Lower = 1,
    Capitalised = 2,
    Upper = 3,
    Mixed = 4,
}

fn casing_of(word: &str) -> Casing {
    casing_from(LetterCase::of(word))
}

fn casing_from(letters: LetterCase) -> Casing {
    match letters.casing() {
        WordCasing::None => Casing::None,
        WordCasing::Lower => Casing::Lower,
        WordCasing::Capitalised => Casing::Capitalised,
        WordCasing::Upper => Casing::Upper,
        WordCasing::Mixed => Casing::Mixed,
    }
}

/// Short function words that stay lower-case in Title Case (a `match`: one length switch and a
/// compare or two, not a scan of the list).
fn is_small_word(w: &str) -> bool {
    matches!(
        w,
        "a" | "an"
            | "the"
            | "and"
            | "or"
            | "but"
            | "nor"
            | "of"
            | "in"
            | "on"
            | "at"
            | "to"
            | "for"
            | "by"
            | "as"
            | "up"
            | "vs"
            | "vs."
            | "via"
            | "from"
            | "into"
            | "with"
            | "over"
            | "than"
            | "upon"
            | "amid"
            | "after"
            | "off"
            | "per"
            | "out"
            | "de"
            | "van"
            | "von"
            | "der"
            | "la"
            | "le"
            | "du"
            | "del"
            | "al"
    )
}

/// ALL CAPITALS: at least two words of two or more cased letters without a lower-case letter,
/// and 80% of such words. Title Case: at least three capitalised words (or words in capitals)
/// after the first, and no lower-case word but short function words.
#[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
fn sentence_case(words: &[&str]) -> SentCase {
    sentence_case_of(words.iter().map(|w| word_case(w)))
}

/// What [`sentence_case`] needs of one word: its casing, whether it has two letters or more,
/// whether it is a short function word ([`is_small_word`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WordCase {
    casing: Casing,
    letters2: bool,
    small: bool,
}

fn word_case(w: &str) -> WordCase {
    if w.is_ascii() {
        // One count of the letters: the same answers as below for ASCII.
        let letters = LetterCase::of(w);
        let casing = casing_from(letters);
        let small = casing == Casing::Lower && w.len() <= 5 && is_small_word(w);
        return WordCase { casing, letters2: letters.upper + letters.lower >= 2, small };
    }
    WordCase {
        casing: casing_of(w),
        letters2: w.chars().filter(|c| c.is_alphabetic()).take(2).count() >= 2,
        small: is_small_word(w),
    }
}

/// [`sentence_case`] from the words' [`WordCase`]s, in order.
fn sentence_case_of(words: impl Iterator<Item = WordCase>) -> SentCase {
    let (mut cased, mut upper, mut cap_after_first, mut lower) = (0u32, 0u32, 0u32, 0u32);
    for (i, w) in words.enumerate() {
        if !w.letters2 {
            continue;
        }
        cased += 1;
        match w.casing {
            Casing::Upper => {
                upper += 1;
                cap_after_first += u32::from(i > 0);
            }
            Casing::Capitalised | Casing::Mixed => cap_after_first += u32::from(i > 0),
            Casing::Lower if w.small => {}
            Casing::Lower | Casing::None => lower += 1,
        }
    }
    if upper >= 2 && upper * 5 >= cased * 4 {
        SentCase::Upper
    } else if lower == 0 && cap_after_first >= 3 {
        SentCase::Title
    } else {
        SentCase::Normal
    }
}

/// How to read a word's letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recase {
    Keep,
    Lower,
    /// Upper-case after a non-letter (the first letter, "Al-Ain", "O'Neill"), lower elsewhere.
    Capitalise,
}

// Capitalisation lexicon byte: usual casing in bits 0-2 (a `Casing`), share of capitalised
// occurrences in bits 3-5 (0..=4), frequency bucket in bits 6-7 (1..=3; never 0, so 0 = unknown).
fn lexicon_usual(info: u8) -> Casing {
    match info & 7 {
        1 => Casing::Lower,
        2 => Casing::Capitalised,
        3 => Casing::Upper,
        4 => Casing::Mixed,
        _ => Casing::None,
    }
}

/// Decides how word `i` of a sentence is read, from its own casing, the sentence's and the
/// casing the word usually has (`info`, 0 if unknown).
fn recase_for(casing: Casing, mode: SentCase, first: bool, info: u8, letters: usize) -> Recase {
    let usual = lexicon_usual(info);
    match (mode, casing) {
        (SentCase::Upper, Casing::Upper) => match usual {
            Casing::Lower => Recase::Lower,
            Casing::Upper => Recase::Keep,
            Casing::Capitalised | Casing::Mixed => Recase::Capitalise,
            // Unknown words in a headline are most often names; single letters are initials.
            Casing::None if letters >= 2 => Recase::Capitalise,
            Casing::None => Recase::Keep,
        },
        (_, Casing::Capitalised) if usual == Casing::Lower && (first || mode == SentCase::Title) => {
            Recase::Lower
        }
        _ => Recase::Keep,
    }
}

fn apply_recase_ascii(buf: &mut [u8], how: Recase) {
    match how {
        Recase::Keep => {}
        Recase::Lower => buf.make_ascii_lowercase(),
        Recase::Capitalise => {
            let mut after_letter = false;
            for b in buf.iter_mut() {
                if b.is_ascii_alphabetic() {
                    *b = if after_letter { b.to_ascii_lowercase() } else { b.to_ascii_uppercase() };
                    after_letter = true;
                } else {
                    after_letter = false;
                }
            }
        }
    }
}

fn apply_recase(word: &str, how: Recase) -> String {
    match how {
        Recase::Keep => word.to_owned(),
        Recase::Lower => word.to_lowercase(),
        Recase::Capitalise => {
            let mut out = String::with_capacity(word.len());
            let mut after_letter = false;
            for c in word.chars() {
                if c.is_alphabetic() {
                    if after_letter {
                        out.extend(c.to_lowercase());
                    } else {
                        out.extend(c.to_uppercase());
                    }
                    after_letter = true;
                } else {
                    out.push(c);
                    after_letter = false;
                }
            }
            out
        }
    }
}

// Word flags.
const F_INIT_UPPER: u32 = 1;
const F_ALL_UPPER: u32 = 1 << 1;
const F_MIXED: u32 = 1 << 2;
const F_DIGIT: u32 = 1 << 3;
const F_ALL_DIGIT: u32 = 1 << 4;
const F_HYPHEN: u32 = 1 << 5;
const F_PERIOD: u32 = 1 << 6;
const F_APOS: u32 = 1 << 7;
const F_NO_ALNUM: u32 = 1 << 8;
const F_FIRST: u32 = 1 << 9;
const F_RECASED: u32 = 1 << 10;
const F_UPPER_SENT: u32 = 1 << 11;
const F_TITLE_SENT: u32 = 1 << 12;
const F_LONG: u32 = 1 << 13;
const F_SHORT: u32 = 1 << 14;
const F_AFTER_QUOTE: u32 = 1 << 15;
/// The sentence is mostly numbers (a results table, a price list).
const F_TABLE: u32 = 1 << 16;
/// A word for a person's office or role ([`TITLES`]).
const F_TITLE: u32 = 1 << 17;

/// Words for offices and roles that stand before a person's name ("CEO German Gref", "Foreign
/// Minister Klaus Kinkel", "coach Dick Advocaat"), lower-cased. They end a run of capitalised
/// words, so that the name after them gets them as its context. Words that often start names of
/// organisations ("General Motors", "Major League") are left out. Written for newstag.
const TITLES: &[&str] = &[
    "president",
    "president-elect",
    "vice-president",
    "premier",
    "minister",
    "chancellor",
    "secretary",
    "secretary-general",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chairman",
    "chairwoman",
    "ceo",
    "cfo",
    "coo",
    "executive",
    "director",
    "manager",
    "coach",
    "captain",
    "striker",
    "midfielder",
    "defender",
    "goalkeeper",
    "skipper",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "cardinal",
    "archbishop",
    "rabbi",
    "imam",
    "ayatollah",
    "sheikh",
    "emir",
    "sultan",
    "colonel",
    "col.",
    "lieutenant",
    "lt.",
    "sergeant",
    "sgt.",
    "admiral",
    "commander",
    "gen.",
    "governor",
    "gov.",
    "senator",
    "sen.",
    "rep.",
    "congressman",
    "congresswoman",
    "mayor",
    "ambassador",
    "envoy",
    "judge",
    "prosecutor",
    "attorney",
    "lawyer",
    "dr.",
    "dr",
    "mr.",
    "mr",
    "mrs.",
    "mrs",
    "ms.",
    "ms",
    "sir",
    "dame",
    "professor",
    "prof.",
    "economist",
    "analyst",
    "leader",
    "founder",
    "boss",
    "deputy",
    "adviser",
    "advisor",
    "aide",
    "candidate",
    "challenger",
    "rival",
    "veteran",
    "singer",
    "actor",
    "actress",
    "writer",
    "author",
    "officer",
    "counsel",
    "treasurer",
    "comptroller",
    "trustee",
    "presenter",
    "anchor",
    "correspondent",
    "reporter",
    "editor",
    "chief",
];

/// The context value of every title.
const TITLE_CLASS: u64 = 0x5449_544C_455F_5F31;

fn title_hashes() -> &'static rustc_hash::FxHashSet<u64> {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<u64>> = std::sync::OnceLock::new();
    SET.get_or_init(|| TITLES.iter().map(|t| hash_str(t)).collect())
}

/// Per-token values the features are made of, computed once per token.
#[derive(Debug, Clone, Copy, Default)]
struct Tok {
    /// Hash of the form read (after recasing).
    word: u64,
    /// Hash of the lower-cased form.
    lower: u64,
    /// What the word is as the context of another: `word`, but one class for all titles
    /// ([`TITLES`]), so that a rare one ("CEO") shares what the common ones taught.
    ctx: u64,
    pre: [u64; 4],
    suf: [u64; 4],
    /// Character classes, runs of more than two cut to two.
    shape: u64,
    /// Character classes, runs cut to one.
    short: u64,
    flags: u32,
    /// Capitalisation lexicon byte of the lower-cased form (0: unknown).
    casing: u8,
    /// Casing of the word as written.
    written: u8,
    /// Cluster path prefixes (4, 6, 10, 20 steps); 0: the word has no cluster.
    clus: [u64; 4],
    /// Gazetteer matches covering the word: bit `4 * category + position` (B, I, L, U).
    gaz: u64,
    /// Document-level casing evidence for the lower-cased form (`D_*`).
    doc: u8,
    /// Labels given to the same form earlier in the document (`H_*`).
    hist: u8,
    /// In a run of capitalised words: the lower-cased words before and after the run.
    run_before: u64,
    run_after: u64,
    /// Position in the run: 0 not in one, 1 first, 2 inner, 3 last, 4 alone; plus 8 when a
    /// title ([`TITLES`]) stands right before the run.
    run_pos: u8,
    /// The lower-cased first word of the document (the headline's; in CoNLL-2003 often the
    /// sport: "SOCCER - ...", where a city's name is its team).
    topic: u64,
    /// Stage 2 only: the first stage's label of this token.
    s1: u8,
    /// Stage 2 only: the first stage's labels of the other occurrences of the form in the
    /// document (`agg_code`).
    agg: u8,
    /// The form is never part of a name ([`Lexicon::outside`]): labelled `O` without scoring.
    outside: bool,
    /// Stage 2 only: kinds of the first stage's names of two or more words that hold the form
    /// elsewhere in the document (bit per kind).
    long: u8,
    /// The form read in the memo ([`Memo::forms`]).
    form: u32,
    /// Dense id of `word` in the memo (the same for every form with that hash).
    wid: u32,
    /// Dense id of `lower` in the memo.
    lid: u32,
}

const PAD_BEFORE: Tok = pad(0x5354_4152_545F_5F31);
const PAD_AFTER: Tok = pad(0x454E_445F_5F5F_5F31);

const fn pad(h: u64) -> Tok {
    Tok {
        word: h,
        lower: h,
        ctx: h,
        pre: [0; 4],
        suf: [0; 4],
        shape: h,
        short: h,
        flags: 0,
        casing: 0,
        written: 0,
        clus: [0; 4],
        gaz: 0,
        doc: 0,
        hist: 0,
        run_before: h,
        run_after: h,
        run_pos: 0,
        topic: 0,
        s1: 0,
        agg: 0,
        long: 0,
        outside: false,
        form: NO_FORM,
        wid: u32::MAX,
        lid: u32::MAX,
    }
}

/// Computes shape, flags, prefixes and suffixes of the form `form` (already recased).
fn word_values(form: &str, tok: &mut Tok) {
    tok.word = hash_str(form);
    let (mut upper, mut lower, mut digits, mut alnum, mut chars) = (0u32, 0u32, 0u32, 0u32, 0u32);
    let mut init_upper = false;
    let mut flags = 0;
    let mut shape = rustc_hash::FxHasher::default();
    let mut short = rustc_hash::FxHasher::default();
    let (mut last, mut run) = ('\0', 0u8);
    for c in form.chars() {
        chars += 1;
        let class = if c.is_uppercase() {
            init_upper |= chars == 1;
            upper += 1;
            alnum += 1;
            'X'
        } else if c.is_alphabetic() {
            lower += 1;
            alnum += 1;
            'x'
        } else if c.is_numeric() {
            digits += 1;
            alnum += 1;
            'd'
        } else {
            match c {
                '-' => flags |= F_HYPHEN,
                '.' => flags |= F_PERIOD,
                '\'' | '’' => flags |= F_APOS,
                _ => {}
            }
            c
        };
        if class == last {
            run = run.saturating_add(1);
        } else {
            last = class;
            run = 1;
            std::hash::Hasher::write_u32(&mut short, class as u32);
        }
        if run <= 2 {
            std::hash::Hasher::write_u32(&mut shape, class as u32);
        }
    }
    tok.shape = std::hash::Hasher::finish(&shape) | 1;
    tok.short = std::hash::Hasher::finish(&short) | 1;
    if upper > 0 {
        if init_upper && upper == 1 {
            flags |= F_INIT_UPPER;
        } else if lower == 0 {
            flags |= F_ALL_UPPER;
        } else {
            flags |= F_MIXED;
        }
        if init_upper && upper > 1 && lower > 0 {
            flags |= F_INIT_UPPER;
        }
    }
    if digits > 0 {
        flags |= F_DIGIT;
        if digits == alnum && digits == chars {
            flags |= F_ALL_DIGIT;
        }
    }
    if alnum == 0 {
        flags |= F_NO_ALNUM;
    }
    if chars > 12 {
        flags |= F_LONG;
    }
    if chars <= 2 {
        flags |= F_SHORT;
    }
    tok.flags = flags;
    tok.pre = [0; 4];
    tok.suf = [0; 4];
    let mut buf = [0u8; 64];
    if form.is_ascii() && form.len() <= buf.len() {
        let low = &mut buf[..form.len()];
        low.copy_from_slice(form.as_bytes());
        low.make_ascii_lowercase();
        tok.lower = hash_bytes(low);
        let n = low.len();
        for k in 1..=4usize.min(n.saturating_sub(1)) {
            tok.pre[k - 1] = hash_bytes(&low[..k]);
            tok.suf[k - 1] = hash_bytes(&low[n - k..]);
        }
    } else {
        let low = form.to_lowercase();
        tok.lower = hash_str(&low);
        let n = low.chars().count();
        for k in 1..=4usize.min(n.saturating_sub(1)) {
            let p = low.char_indices().nth(k).map_or(low.len(), |(i, _)| i);
            let s = low.char_indices().nth(n - k).map_or(0, |(i, _)| i);
            tok.pre[k - 1] = hash_str(&low[..p]);
            tok.suf[k - 1] = hash_str(&low[s..]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Knowledge copied into the model: capitalisation lexicon, clusters, gazetteer
// ---------------------------------------------------------------------------------------------

/// Gazetteer categories (a token's gazetteer bits are `4 * category + position`).
#[cfg_attr(not(feature = "train"), allow(dead_code))]
mod gaz {
    pub const COUNTRY: u32 = 0;
    pub const COUNTRY_CODE: u32 = 1;
    pub const DEMONYM: u32 = 2;
    pub const REGION: u32 = 3;
    pub const CITY: u32 = 4;
    pub const PERSON: u32 = 5;
    pub const SURNAME: u32 = 6;
    pub const ORG: u32 = 7;
    pub const ORG_CODE: u32 = 8;
    pub const CATEGORIES: u32 = 9;
}
/// Set on a gazetteer key when a longer alias continues it.
const GAZ_CONTINUES: u64 = 1 << 63;

/// Hash of a token sequence for the gazetteer table, extended one token at a time.
#[inline]
fn gaz_step(prev: u64, token: u64) -> u64 {
    mix(prev.rotate_left(29) ^ token ^ 0x6761_7A5F_7365_7121)
}

/// The knowledge the features need besides the weights.
#[derive(Debug, Clone, Default)]
struct Lexicon {
    /// Lower-cased word hash -> capitalisation byte.
    casing: FxHashMap<u64, u8>,
    /// Word hash -> cluster path (bits << 8 | length).
    clusters: FxHashMap<u64, u64>,
    /// Token-sequence hash -> category bits (`1 << category`) of aliases ending here, and
    /// [`GAZ_CONTINUES`].
    gazetteer: FxHashMap<u64, u64>,
    /// Word hashes of the uncapitalised forms often seen inside a name in the training data
    /// ("of", "de", "&"; [`NerTrainOptions::named_min_share`]): always scored.
    named: FxHashSet<u64>,
    /// Word hashes of the uncapitalised forms seldom seen inside a name ("the", "and", ",", "'s"):
    /// scored only between two words that may be part of a name ([`may_be_named`]), as in
    /// "Bank of the West" or "Procter and Gamble". Every other uncapitalised form ("said",
    /// "inflation"), and these elsewhere, are labelled `O` without features or scores: about
    /// two thirds of the tokens of news text.
    weak: FxHashSet<u64>,
    /// False for a model that scores every token (trained with `score_every_token`).
    skip_outside: bool,
}

const CLUSTER_PREFIXES: [u64; 4] = [4, 6, 10, 20];

impl Lexicon {
    fn cluster_prefixes(&self, word: u64) -> [u64; 4] {
        let Some(&packed) = self.clusters.get(&word) else { return [0; 4] };
        let (bits, len) = (packed >> 8, packed & 0xFF);
        let mut out = [0; 4];
        for (o, &want) in out.iter_mut().zip(&CLUSTER_PREFIXES) {
            let l = want.min(len);
            // A marker bit above the prefix keeps prefixes of different lengths apart.
            *o = ((1u64 << l) | (bits >> (len - l))) + 1;
        }
        out
    }

    /// Computes the per-token values of one sentence (`words`) into `toks`.
    #[cfg(test)]
    fn prepare_sentence(&self, words: &[&str], toks: &mut Vec<Tok>) {
        self.prepare_range(words, (0, words.len()), &mut Memo::default(), toks);
    }

    /// What a form read (`form`: the word after recasing) gives every occurrence: the values
    /// computed from its letters, its cluster, whether it is a title, whether it was seen inside
    /// a name, and the gazetteer value of the one-token sequence.
    fn form_values(&self, word: &str, how: Recase) -> Form {
        let mut tok = Tok::default();
        let mut buf = [0u8; 64];
        if how == Recase::Keep {
            word_values(word, &mut tok);
        } else if word.is_ascii() && word.len() <= buf.len() {
            let b = &mut buf[..word.len()];
            b.copy_from_slice(word.as_bytes());
            apply_recase_ascii(b, how);
            // Recasing ASCII keeps it ASCII, hence valid UTF-8.
            match std::str::from_utf8(b) {
                Ok(form) => word_values(form, &mut tok),
                Err(_) => word_values(word, &mut tok),
            }
        } else {
            word_values(&apply_recase(word, how), &mut tok);
        }
        if how != Recase::Keep && tok.word != hash_str(word) {
            tok.flags |= F_RECASED;
        }
        tok.clus = self.cluster_prefixes(tok.word);
        tok.ctx = tok.word;
        if title_hashes().contains(&tok.lower) {
            tok.flags |= F_TITLE;
            tok.ctx = TITLE_CLASS;
        }
        let named = self.named.contains(&tok.word);
        let weak = self.weak.contains(&tok.word);
        let gaz1 = self.gazetteer.get(&gaz_step(GAZ_START, tok.word)).copied().unwrap_or(0);
        Form { tok, named, weak, gaz1, full: true }
    }

    /// The memo's record of the word `w` (made now if it is new), as an index into
    /// [`Memo::recs`].
    fn word_rec(&self, w: &str, memo: &mut Memo) -> u32 {
        if let Some(&r) = memo.words.get(w) {
            return r;
        }
        let key = hash_str(w);
        let case = word_case(w);
        // An ASCII word without capitals is its own lower-cased form.
        let lower = if matches!(case.casing, Casing::Lower | Casing::None) && w.is_ascii() {
            key
        } else {
            hash_lower(w)
        };
        let rec = WordRec {
            case,
            info: self.casing.get(&lower).copied().unwrap_or(0),
            opens: matches!(w, "\"" | "``" | "“" | "'" | "`" | "‘" | ":" | "(" | "-" | "--"),
            key,
            forms: [NO_FORM; 3],
        };
        let r = memo.recs.len() as u32;
        memo.words.insert(Box::from(w), r);
        memo.recs.push(rec);
        r
    }

    /// The form of word `w` (its record `r`) read as `how`, from the memo or computed now.
    fn form_of(&self, w: &str, r: u32, how: Recase, memo: &mut Memo) -> u32 {
        let slot = how as usize;
        let rec = memo.recs[r as usize];
        if rec.forms[slot] != NO_FORM {
            return rec.forms[slot];
        }
        let light = how == Recase::Keep
            && matches!(rec.case.casing, Casing::Lower | Casing::None)
            && w.bytes().all(|b| b.is_ascii() && !b.is_ascii_digit());
        let id = memo.forms.len() as u32;
        let mut form = if light {
            // An ASCII word without capitals or digits, read as written: its own hash is the
            // lower-cased form's too.
            let mut tok = Tok { word: rec.key, lower: rec.key, ctx: rec.key, wid: NO_ID, ..Tok::default() };
            tok.form = id;
            let named = self.named.contains(&rec.key);
            let weak = self.weak.contains(&rec.key);
            let gaz1 = self.gazetteer.get(&gaz_step(GAZ_START, rec.key)).copied().unwrap_or(0);
            Form { tok, named, weak, gaz1, full: false }
        } else {
            let mut form = self.form_values(w, how);
            form.tok.form = id;
            let next = memo.word_ids.len() as u32;
            form.tok.wid = *memo.word_ids.entry(form.tok.word).or_insert(next);
            form
        };
        let next = memo.lower_ids.len() as u32;
        form.tok.lid = *memo.lower_ids.entry(form.tok.lower).or_insert(next);
        memo.forms.push(form);
        memo.recs[r as usize].forms[slot] = id;
        id
    }

    /// Computes the remaining values of a form read light ([`Form::full`]): `w` is the word, read
    /// as written.
    fn complete_form(&self, w: &str, id: u32, memo: &mut Memo) {
        let Some(f) = memo.forms.get(id as usize) else { return };
        if f.full {
            return;
        }
        let lid = f.tok.lid;
        let mut form = self.form_values(w, Recase::Keep);
        form.tok.form = id;
        form.tok.lid = lid;
        let next = memo.word_ids.len() as u32;
        form.tok.wid = *memo.word_ids.entry(form.tok.word).or_insert(next);
        memo.forms[id as usize] = form;
    }

    /// Computes the per-token values of the sentence `words[a..b]` into `toks`; `memo` holds
    /// what is known of the document's words so far (`words` is the whole document).
    fn prepare_range(&self, words: &[&str], (a, b): (usize, usize), memo: &mut Memo, toks: &mut Vec<Tok>) {
        let base = toks.len();
        let mut recs = std::mem::take(&mut memo.sent);
        recs.clear();
        recs.extend(words[a..b].iter().map(|w| self.word_rec(w, memo)));
        let mode = sentence_case_of(recs.iter().map(|&r| memo.recs[r as usize].case));
        let mode_flag = match mode {
            SentCase::Normal => 0,
            SentCase::Upper => F_UPPER_SENT,
            SentCase::Title => F_TITLE_SENT,
        };
        for (i, &r) in recs.iter().enumerate() {
            let w = words[a + i];
            let rec = memo.recs[r as usize];
            // `recase_for` only asks whether there are two letters or more.
            let letters = 2 * usize::from(rec.case.letters2);
            let how = recase_for(rec.case.casing, mode, i == 0, rec.info, letters);
            let id = self.form_of(w, r, how, memo);
            let form = &memo.forms[id as usize];
            // Copied once, straight into place (the token is ~200 bytes; `push` copied it twice).
            toks.extend_from_slice(std::slice::from_ref(&form.tok));
            let Some(tok) = toks.last_mut() else { continue };
            tok.flags |= mode_flag;
            if i == 0 {
                tok.flags |= F_FIRST;
            }
            if i > 0 && memo.recs[recs[i - 1] as usize].opens {
                tok.flags |= F_AFTER_QUOTE;
            }
            tok.casing = rec.info;
            tok.written = rec.case.casing as u8;
            tok.outside = self.skip_outside && skippable(tok) && !form.named;
        }
        let sent = &mut toks[base..];
        if self.skip_outside {
            // A weak form is scored between two words that may be part of a name.
            for i in 0..sent.len() {
                if sent[i].outside && memo.forms[sent[i].form as usize].weak {
                    let named = |j: Option<usize>| {
                        j.and_then(|j| sent.get(j)).is_some_and(|t| may_be_named(t, &memo.forms))
                    };
                    let inside = named(i.checked_sub(1)) && named(Some(i + 1));
                    sent[i].outside = !inside;
                }
            }
        }
        // The tokens scored and their neighbours (up to two words away) read every value of
        // their forms; the others keep the light reading ([`Form::full`]), which is all that is
        // read of them.
        let n = sent.len();
        for i in 0..n {
            if sent[i].outside {
                continue;
            }
            for j in i.saturating_sub(2)..(i + 3).min(n) {
                if sent[j].wid != NO_ID {
                    continue;
                }
                let id = sent[j].form;
                self.complete_form(words[a + j], id, memo);
                let t = &mut sent[j];
                let (flags, casing, written, outside) = (t.flags, t.casing, t.written, t.outside);
                *t = memo.forms[id as usize].tok;
                // A light form has no flags of its own: `flags` are the occurrence's.
                t.flags |= flags;
                t.casing = casing;
                t.written = written;
                t.outside = outside;
            }
        }
        mark_runs(sent);
        let numbers = sent.iter().filter(|t| t.flags & F_DIGIT != 0).count();
        if sent.len() >= 3 && numbers * 5 >= sent.len() * 2 {
            sent.iter_mut().for_each(|t| t.flags |= F_TABLE);
        }
        // Gazetteer matches on the forms read (the first step's value is the form's).
        for i in 0..sent.len() {
            let first = memo.forms[sent[i].form as usize].gaz1;
            if first == 0 {
                continue;
            }
            let mut h = gaz_step(GAZ_START, sent[i].word);
            for j in i..sent.len() {
                let v = if j == i {
                    first
                } else {
                    h = gaz_step(h, sent[j].word);
                    self.gazetteer.get(&h).copied().unwrap_or(0)
                };
                if v == 0 {
                    break;
                }
                let cats = v & !GAZ_CONTINUES;
                if cats != 0 {
                    for c in 0..gaz::CATEGORIES {
                        if cats >> c & 1 == 0 {
                            continue;
                        }
                        let base_bit = 4 * c;
                        if i == j {
                            sent[i].gaz |= 1 << (base_bit + 3);
                        } else {
                            sent[i].gaz |= 1 << base_bit;
                            for t in &mut sent[i + 1..j] {
                                t.gaz |= 1 << (base_bit + 1);
                            }
                            sent[j].gaz |= 1 << (base_bit + 2);
                        }
                    }
                }
                if v & GAZ_CONTINUES == 0 {
                    break;
                }
            }
        }
        memo.sent = recs;
    }
}

/// The gazetteer table's hash of the empty token sequence ([`gaz_step`] extends it).
const GAZ_START: u64 = 0x4741_5A00_0000_0001;

/// No form computed yet ([`WordRec::forms`]).
const NO_FORM: u32 = u32::MAX;

/// What the memo knows of one word as written.
#[derive(Debug, Clone, Copy)]
struct WordRec {
    /// The hash of the word as written.
    key: u64,
    case: WordCase,
    /// Capitalisation lexicon byte of the lower-cased word (0: unknown).
    info: u8,
    /// A quote, colon, bracket or dash: the next word gets [`F_AFTER_QUOTE`].
    opens: bool,
    /// The word's forms read ([`Memo::forms`]), by [`Recase`]; [`NO_FORM`] until needed.
    forms: [u32; 3],
}

/// One form read of a word ([`Lexicon::form_values`]).
#[derive(Debug, Clone, Copy)]
struct Form {
    /// The values every occurrence shares; the per-occurrence ones are left at 0.
    tok: Tok,
    /// Often seen inside a name in training ([`Lexicon::named`]).
    named: bool,
    /// Seldom seen inside a name in training ([`Lexicon::weak`]).
    weak: bool,
    /// Gazetteer value of the one-token sequence (0: no alias starts with the form).
    gaz1: u64,
    /// Every value is computed. A form of an ASCII word without capitals or digits read as
    /// written is first read light: its hash (word, lower case and context at once), `named`,
    /// `weak` and `gaz1`, no flags (it has no capitals or digits; the others are only read by
    /// features), no [`Tok::wid`] ([`NO_ID`]). That is all the skip rule, the runs, the
    /// gazetteer and the document's casing evidence read of an unscored token; a token scored,
    /// or within two words of one, gets the whole reading ([`Lexicon::complete_form`]).
    full: bool,
}

/// No dense id ([`Tok::wid`] of a light form).
const NO_ID: u32 = u32::MAX;

/// Memo of the words and forms read: news repeats its words, within an article and across
/// articles, and each is read once. Also holds, per form, the sum of the weights of the features
/// of the form alone. Everything here depends on the word as written (the key) and the model
/// alone, never on a document: a tagger keeps its thread's memo across documents
/// ([`prepare_document`], [`Memo::owner`]); the per-document values ([`Tok::doc`], [`Tok::hist`],
/// ...) live in per-document tables indexed by the dense ids ([`Tok::wid`], [`Tok::lid`]).
#[derive(Debug, Default)]
struct Memo {
    /// The [`NerTagger`] whose lexicon and weights the memo was filled with ([`NerTagger::id`]);
    /// 0: none (a memo kept for one document only).
    owner: u64,
    /// A word as written -> index into `recs`.
    words: FxHashMap<Box<str>, u32>,
    recs: Vec<WordRec>,
    forms: Vec<Form>,
    /// Scratch: the records (`recs` indices) of the sentence being prepared.
    sent: Vec<u32>,
    /// Hash of a form read -> its dense id ([`Tok::wid`]).
    word_ids: FxHashMap<u64, u32>,
    /// Hash of a lower-cased form -> its dense id ([`Tok::lid`]).
    lower_ids: FxHashMap<u64, u32>,
    /// Per slot ([`ROLES`] slots for the padding before a sentence, then after, then per form):
    /// the index into `sums` of the slot's scores, [`NO_SUM`] until they are needed.
    sum_at: Vec<u32>,
    /// The joint scores of a form's own features ([`features_word`]) or of those it gives a
    /// neighbour ([`features_neighbour`]), for the slots that needed them.
    sums: Vec<[i32; 2 * N_CLASSES]>,
}

/// No scores summed yet ([`Memo::sum_at`]).
const NO_SUM: u32 = u32::MAX;

/// Words a [`Memo`] kept across documents holds before it starts again (a few MB at most).
const MEMO_MAX: usize = 1 << 16;

/// Ids of [`NerTagger`] instances, for [`Memo::owner`] (0: none).
static NEXT_NER_ID: AtomicU64 = AtomicU64::new(1);

impl Memo {
    fn clear(&mut self) {
        self.owner = 0;
        self.words.clear();
        self.recs.clear();
        self.forms.clear();
        self.word_ids.clear();
        self.lower_ids.clear();
        self.sum_at.clear();
        self.sums.clear();
    }
}

/// May the run-time rule label this token `O` unscored ([`Lexicon::named`])? Only words written
/// in lower case in an ordinary sentence: a headline's words were recased, and numbers ("1966
/// World Cup") are left to the model. Training counts the named forms with the same test.
#[inline]
fn skippable(t: &Tok) -> bool {
    t.flags & (F_INIT_UPPER | F_ALL_UPPER | F_MIXED | F_RECASED | F_DIGIT | F_UPPER_SENT | F_TITLE_SENT) == 0
}

/// May token `t` be part of a name, for a weak form next to it ([`Lexicon::weak`])? Yes unless
/// the skip rule applies to it and its form is not often inside names ([`Lexicon::named`]).
fn may_be_named(t: &Tok, forms: &[Form]) -> bool {
    !skippable(t) || forms.get(t.form as usize).is_some_and(|f| f.named)
}

/// Marks runs of capitalised words (names are runs) with their position and the words around
/// them: "chief executive [German Gref] met" gives "Gref" the context of the whole name.
fn mark_runs(sent: &mut [Tok]) {
    const CAP: u32 = F_INIT_UPPER | F_ALL_UPPER | F_MIXED;
    let in_run = |t: &Tok| t.flags & CAP != 0 && t.flags & F_TITLE == 0;
    let mut i = 0;
    while i < sent.len() {
        if !in_run(&sent[i]) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < sent.len() && in_run(&sent[j]) {
            j += 1;
        }
        let before = if i == 0 { PAD_BEFORE.ctx } else { sent[i - 1].ctx };
        let after_title = i > 0 && sent[i - 1].flags & F_TITLE != 0;
        let after = sent.get(j).map_or(PAD_AFTER.ctx, |t| t.ctx);
        for (k, t) in sent[i..j].iter_mut().enumerate() {
            t.run_before = before;
            t.run_after = after;
            t.run_pos = match (k == 0, i + k + 1 == j) {
                (true, true) => 4,
                (true, false) => 1,
                (false, true) => 3,
                (false, false) => 2,
            } | u8::from(after_title) << 3;
        }
        i = j;
    }
}

// Document-level casing evidence for a lower-cased form, from ordinary sentences, first words
// left out.
const D_LOWER: u8 = 1;
const D_CAPITALISED: u8 = 2;
const D_UPPER: u8 = 4;
const D_PRESENT: u8 = 8;

/// Sets `doc` of every token from the casing of the other occurrences of its form in the
/// document (`toks` holds the whole document).
fn document_evidence(toks: &mut [Tok], map: &mut Vec<u8>) {
    // The ids are the memo's, which may outlive the document: only this document's are reset.
    for t in toks.iter() {
        *slot(map, t.lid) = 0;
    }
    for t in toks.iter() {
        if t.flags & (F_FIRST | F_UPPER_SENT | F_TITLE_SENT | F_AFTER_QUOTE) != 0 {
            continue;
        }
        let bit = match t.written {
            x if x == Casing::Lower as u8 => D_LOWER,
            x if x == Casing::Capitalised as u8 || x == Casing::Mixed as u8 => D_CAPITALISED,
            x if x == Casing::Upper as u8 => D_UPPER,
            _ => continue,
        };
        *slot(map, t.lid) |= D_PRESENT | bit;
    }
    for t in toks.iter_mut() {
        t.doc = map.get(t.lid as usize).copied().unwrap_or(0);
    }
}

// Label history of a form: kinds seen (bits 0-3), seen outside a name while capitalised (bit 4),
// the last label's kind + 2 or 1 for outside (bits 5-7).
const H_OUTSIDE: u8 = 1 << 4;

/// The entry of dense id `id` in a per-document table ([`Tok::wid`], [`Tok::lid`]), grown
/// with defaults as needed.
#[inline]
fn slot<T: Default + Clone>(table: &mut Vec<T>, id: u32) -> &mut T {
    let i = id as usize;
    if i >= table.len() {
        table.resize(i + 1, T::default());
    }
    &mut table[i]
}

#[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
fn remember(hist: &mut Vec<u8>, toks: &[Tok], labels: &[u8]) {
    for (t, &l) in toks.iter().zip(labels) {
        remember_one(hist, t, l);
    }
}

/// [`remember`] of one token labelled `l`. An uncapitalised token labelled `O` leaves no trace.
#[inline]
fn remember_one(hist: &mut Vec<u8>, t: &Tok, l: u8) {
    let l = usize::from(l);
    let (bit, last) = if l == 0 {
        if t.flags & (F_INIT_UPPER | F_ALL_UPPER | F_MIXED) == 0 {
            return;
        }
        (H_OUTSIDE, 1u8)
    } else {
        let k = ((l - 1) / 4) as u8;
        (1 << k, k + 2)
    };
    let e = slot(hist, t.wid);
    *e = (*e & 0x1F) | bit | (last << 5);
}

/// Sets the stage-2 values of every token of a document from the first stage's labels (`s1`):
/// how the other occurrences of the same form were labelled, and which kinds of longer names
/// hold it. Counts per form: outside while capitalised, then each kind as a whole name, then each
/// kind inside a longer name.
#[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
fn aggregate(toks: &mut [Tok], map: &mut Vec<[u16; 9]>) {
    map.clear();
    for t in toks.iter() {
        count_labels(t, map);
    }
    for t in toks.iter_mut() {
        aggregate_one(t, map);
    }
}

/// The counting slots of a token's first-stage label ([`aggregate`]): `None` for an
/// uncapitalised token labelled `O`.
#[inline]
fn agg_slots(t: &Tok) -> Option<(usize, Option<usize>)> {
    let l = usize::from(t.s1);
    if l == 0 || l >= N_CLASSES {
        let capitalised = t.flags & (F_INIT_UPPER | F_ALL_UPPER | F_MIXED) != 0;
        return capitalised.then_some((0, None));
    }
    let kind = (l - 1) / 4;
    let long = (l - 1) % 4 != 3;
    Some((1 + kind, long.then_some(5 + kind)))
}

/// Counts the first-stage label of `t` for its form ([`aggregate`]).
#[inline]
fn count_labels(t: &Tok, map: &mut Vec<[u16; 9]>) {
    if let Some((a, b)) = agg_slots(t) {
        let c = slot(map, t.wid);
        c[a] = c[a].saturating_add(1);
        if let Some(b) = b {
            c[b] = c[b].saturating_add(1);
        }
    }
}

/// Sets `agg` and `long` of `t` from the counts of its form, its own label left out.
#[inline]
fn aggregate_one(t: &mut Tok, map: &[[u16; 9]]) {
    let mut c = map.get(t.wid as usize).copied().unwrap_or_default();
    if let Some((a, b)) = agg_slots(t) {
        c[a] = c[a].saturating_sub(1);
        if let Some(b) = b {
            c[b] = c[b].saturating_sub(1);
        }
    }
    t.agg = agg_code(&c);
    t.long = (0..4).filter(|&k| c[5 + k] > 0).fold(0, |m, k| m | 1 << k);
}

/// [`aggregate`] where only the `scored` tokens (ascending; those of sentence `n` are
/// `scored[sent_at[n]..sent_at[n + 1]]`) can have a label to count (every other token is an
/// uncapitalised `O`), and only they and their neighbours in the sentence need the values.
/// The entries of `map` of every token read in full ([`Tok::wid`]) must hold zeros.
fn aggregate_scored(
    toks: &mut [Tok],
    ranges: &[(usize, usize)],
    scored: &[u32],
    sent_at: &[u32],
    map: &mut Vec<[u16; 9]>,
) {
    for &j in scored {
        if let Some(t) = toks.get(j as usize) {
            count_labels(t, map);
        }
    }
    for (n, &(a, b)) in ranges.iter().enumerate() {
        let (from, to) = (sent_at[n] as usize, sent_at[n + 1] as usize);
        let mut next = a;
        for &j in &scored[from..to] {
            let j = j as usize;
            let lo = j.saturating_sub(1).max(a).max(next);
            let hi = (j + 2).min(b);
            for t in toks.get_mut(lo..hi).unwrap_or_default() {
                aggregate_one(t, map);
            }
            next = next.max(hi);
        }
    }
}

/// The others' labels in one byte: the majority slot + 1 (0: no other occurrence) in bits 0-2,
/// whether it is unanimous in bit 3, and which kinds occur in bits 4-7.
fn agg_code(c: &[u16; 9]) -> u8 {
    let total: u32 = c[..5].iter().map(|&n| u32::from(n)).sum();
    if total == 0 {
        return 0;
    }
    let best = (0..5).max_by_key(|&i| (c[i], std::cmp::Reverse(i))).unwrap_or(0);
    let unanimous = u32::from(c[best]) == total;
    let kinds = (0..4).filter(|&k| c[1 + k] > 0).fold(0u8, |m, k| m | 1 << k);
    (best as u8 + 1) | u8::from(unanimous) << 3 | kinds << 4
}

// ---------------------------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------------------------

const T_BIAS: u32 = 0;
const T_WORD: u32 = 1;
const T_LOWER: u32 = 2;
const T_PRE: u32 = 3; // 3..=6
const T_SUF: u32 = 7; // 7..=10
const T_SHAPE: u32 = 11;
const T_SHORT: u32 = 12;
const T_FLAG: u32 = 13;
const T_CAPS3: u32 = 14;
const T_WM1: u32 = 15;
const T_WP1: u32 = 16;
const T_LM2: u32 = 17;
const T_LP2: u32 = 18;
const T_BI_L: u32 = 19;
const T_BI_R: u32 = 20;
const T_LM1_SH: u32 = 21;
const T_SH_LP1: u32 = 22;
const T_SH_M1: u32 = 23;
const T_SH_P1: u32 = 24;
const T_SH3: u32 = 25;
const T_CLUS: u32 = 26; // 26..=29
const T_CLUS_M1: u32 = 30; // 30..=33
const T_CLUS_P1: u32 = 34; // 34..=37
const T_NO_CLUS: u32 = 38;
const T_GAZ: u32 = 39;
const T_GAZ_M1: u32 = 40;
const T_GAZ_P1: u32 = 41;
const T_CASING: u32 = 42;
const T_DOC: u32 = 43;
const T_HIST: u32 = 44;
const T_HIST_SH: u32 = 45;
const T_MODE_SH: u32 = 46;
const T_WORD_FIRST: u32 = 47;
const T_SUF_M1: u32 = 48;
const T_CLUS_BI: u32 = 49;
const T_RUN_BEFORE: u32 = 50;
const T_RUN_AFTER: u32 = 51;
const T_RUN_LEN: u32 = 52;
const T_TOPIC_GAZ: u32 = 53;
const T_TOPIC_CLUS: u32 = 54;
const T_TABLE_CAPS: u32 = 55;
const T_RUN_POS: u32 = 56;
const T_TRANS: u32 = 60;
// Stage 2.
const T2_S1: u32 = 70;
const T2_S1_3: u32 = 71;
const T2_AGG: u32 = 72;
const T2_AGG_S1: u32 = 73;
const T2_LONG: u32 = 74;
const T2_LONG_S1: u32 = 75;
const T2_AGG_SH: u32 = 76;
const T2_AGG_CTX: u32 = 77;

/// A small code of a word's capitalisation, for patterns over the window.
#[inline]
fn cap_code(t: &Tok) -> u64 {
    let f = t.flags;
    let base = if f & F_INIT_UPPER != 0 {
        1
    } else if f & F_ALL_UPPER != 0 {
        2
    } else if f & F_MIXED != 0 {
        3
    } else if f & F_ALL_DIGIT != 0 {
        4
    } else if f & F_NO_ALNUM != 0 {
        5
    } else if f & F_DIGIT != 0 {
        6
    } else {
        0
    };
    base | u64::from(f & F_FIRST != 0) << 3
}

#[inline]
fn tok_at(toks: &[Tok], i: isize) -> &Tok {
    if i < 0 {
        &PAD_BEFORE
    } else {
        toks.get(i as usize).unwrap_or(&PAD_AFTER)
    }
}

fn gaz_categories(gaz: u64) -> u64 {
    if gaz == 0 {
        return 0;
    }
    let mut cats = 0;
    for c in 0..gaz::CATEGORIES {
        if gaz >> (4 * c) & 0xF != 0 {
            cats |= 1 << c;
        }
    }
    cats
}

/// The flags a word gets from its sentence and position, not from its form read.
const OCCURRENCE_FLAGS: u32 = F_FIRST | F_UPPER_SENT | F_TITLE_SENT | F_AFTER_QUOTE | F_TABLE;

/// The features of token `i` of a sentence (`toks`). Shared by training and tagging.
#[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
fn features(toks: &[Tok], i: usize, out: &mut Vec<u64>) {
    let ii = i as isize;
    features_word(tok_at(toks, ii), out);
    for (role, at) in [(Role::M2, ii - 2), (Role::M1, ii - 1), (Role::P1, ii + 1), (Role::P2, ii + 2)] {
        features_neighbour(role, tok_at(toks, at), out);
    }
    features_context(toks, i, out);
}

/// Where a neighbour stands, for the features that depend on its form read alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Two words before.
    M2 = 1,
    /// The word before.
    M1 = 2,
    /// The word after.
    P1 = 3,
    /// Two words after.
    P2 = 4,
}

/// Per form: its own features (role 0) and the four neighbour roles ([`Role`]).
const ROLES: usize = 5;

/// The features a token gets from neighbour `n` standing at `role` that depend on `n`'s form
/// read alone: summed once per form and role when tagging ([`Memo::sums`]).
fn features_neighbour(role: Role, n: &Tok, out: &mut Vec<u64>) {
    match role {
        Role::M2 => out.push(feature(T_LM2, n.ctx)),
        Role::M1 => {
            out.push(feature(T_WM1, n.ctx));
            out.push(feature(T_SH_M1, n.shape));
            out.push(feature(T_SUF_M1, n.suf[2]));
            for k in 0..3 {
                if n.clus[k] != 0 {
                    out.push(feature(T_CLUS_M1 + k as u32, n.clus[k]));
                }
            }
        }
        Role::P1 => {
            out.push(feature(T_WP1, n.ctx));
            out.push(feature(T_SH_P1, n.shape));
            for k in 0..3 {
                if n.clus[k] != 0 {
                    out.push(feature(T_CLUS_P1 + k as u32, n.clus[k]));
                }
            }
        }
        Role::P2 => out.push(feature(T_LP2, n.ctx)),
    }
}

/// The features of a token that depend on its form read alone ([`Form`]): the same for every
/// occurrence of the form, so tagging sums their weights once per form (per thread memo).
fn features_word(t: &Tok, out: &mut Vec<u64>) {
    out.push(feature(T_BIAS, 0));
    out.push(feature(T_WORD, t.word));
    out.push(feature(T_LOWER, t.lower));
    for k in 0..4 {
        if t.pre[k] != 0 {
            out.push(feature(T_PRE + k as u32, t.pre[k]));
        }
        if t.suf[k] != 0 {
            out.push(feature(T_SUF + k as u32, t.suf[k]));
        }
    }
    out.push(feature(T_SHAPE, t.shape));
    out.push(feature(T_SHORT, t.short));
    push_flags(t.flags & !OCCURRENCE_FLAGS, out);
    if t.clus[0] != 0 {
        for k in 0..4 {
            out.push(feature(T_CLUS + k as u32, t.clus[k]));
        }
    } else {
        out.push(feature(T_NO_CLUS, t.short));
    }
}

fn push_flags(flags: u32, out: &mut Vec<u64>) {
    let mut f = flags;
    while f != 0 {
        let b = f.trailing_zeros();
        f &= f - 1;
        out.push(feature(T_FLAG, u64::from(b)));
    }
}

/// The features of token `i` that depend on its neighbours, its sentence or the document.
fn features_context(toks: &[Tok], i: usize, out: &mut Vec<u64>) {
    let ii = i as isize;
    let t = tok_at(toks, ii);
    let (m1, p1) = (tok_at(toks, ii - 1), tok_at(toks, ii + 1));
    push_flags(t.flags & OCCURRENCE_FLAGS, out);
    out.push(feature3(T_CAPS3, cap_code(m1), cap_code(t), cap_code(p1)));
    out.push(feature2(T_BI_L, m1.ctx, t.lower));
    out.push(feature2(T_BI_R, t.lower, p1.ctx));
    out.push(feature2(T_LM1_SH, m1.ctx, t.short));
    out.push(feature2(T_SH_LP1, t.short, p1.ctx));
    out.push(feature3(T_SH3, m1.short, t.short, p1.short));
    out.push(feature2(T_CLUS_BI, t.clus[1], p1.clus[1]));
    let mut g = t.gaz;
    while g != 0 {
        let b = g.trailing_zeros();
        g &= g - 1;
        out.push(feature(T_GAZ, u64::from(b)));
    }
    for (tpl, n) in [(T_GAZ_M1, m1), (T_GAZ_P1, p1)] {
        let mut c = gaz_categories(n.gaz);
        while c != 0 {
            let b = c.trailing_zeros();
            c &= c - 1;
            out.push(feature(tpl, u64::from(b)));
        }
    }
    let casing_flags =
        t.flags & (F_FIRST | F_INIT_UPPER | F_ALL_UPPER | F_RECASED | F_UPPER_SENT | F_TITLE_SENT);
    out.push(feature2(T_CASING, u64::from(t.casing & 0x3F), u64::from(casing_flags)));
    out.push(feature2(T_DOC, u64::from(t.doc), u64::from(casing_flags)));
    if t.hist != 0 {
        out.push(feature(T_HIST, u64::from(t.hist)));
        out.push(feature2(T_HIST_SH, u64::from(t.hist >> 5), t.short));
    }
    out.push(feature2(T_MODE_SH, u64::from(t.flags & (F_UPPER_SENT | F_TITLE_SENT)), t.short));
    if t.flags & F_FIRST != 0 {
        out.push(feature(T_WORD_FIRST, t.lower));
    }
    if t.run_pos != 0 {
        let pos = u64::from(t.run_pos);
        out.push(feature2(T_RUN_BEFORE, t.run_before, pos));
        out.push(feature2(T_RUN_AFTER, t.run_after, pos));
        out.push(feature(T_RUN_POS, pos));
        out.push(feature3(T_RUN_LEN, pos, u64::from(m1.run_pos), u64::from(p1.run_pos)));
        out.push(feature2(T_TOPIC_GAZ, t.topic, gaz_categories(t.gaz)));
        out.push(feature2(T_TOPIC_CLUS, t.topic, t.clus[0]));
    }
    if t.flags & F_TABLE != 0 {
        out.push(feature3(T_TABLE_CAPS, cap_code(m1), cap_code(t), cap_code(p1)));
    }
}

/// The second stage's extra features of token `i`: the first stage's labels around it and the
/// document-level aggregates.
fn features2(toks: &[Tok], i: usize, out: &mut Vec<u64>) {
    let ii = i as isize;
    let t = tok_at(toks, ii);
    let (m1, p1) = (tok_at(toks, ii - 1), tok_at(toks, ii + 1));
    let s1 = u64::from(t.s1);
    let kind = |l: u8| if l == 0 { 0 } else { 1 + u64::from((l - 1) / 4) };
    out.push(feature(T2_S1, s1));
    out.push(feature3(T2_S1_3, u64::from(m1.s1), s1, u64::from(p1.s1)));
    out.push(feature(T2_AGG, u64::from(t.agg)));
    out.push(feature2(T2_AGG_S1, u64::from(t.agg), kind(t.s1)));
    out.push(feature2(T2_AGG_SH, u64::from(t.agg & 0xF), t.short));
    out.push(feature3(T2_AGG_CTX, u64::from(m1.agg & 0xF), u64::from(t.agg & 0xF), u64::from(p1.agg & 0xF)));
    if t.long != 0 {
        out.push(feature(T2_LONG, u64::from(t.long)));
        out.push(feature2(T2_LONG_S1, u64::from(t.long), s1));
    }
}

/// Emission scores of every token of a sentence, `N_CLASSES` per token, and the feature lists
/// (flat, with the end of each token's list) for training updates.
#[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
struct SentenceFeatures {
    feats: Vec<u64>,
    ends: Vec<usize>,
}

impl SentenceFeatures {
    fn new() -> Self {
        SentenceFeatures { feats: Vec::with_capacity(4096), ends: Vec::with_capacity(64) }
    }

    #[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
    fn compute(&mut self, toks: &[Tok], stage2: bool) {
        self.feats.clear();
        self.ends.clear();
        for (i, t) in toks.iter().enumerate() {
            // A form labelled `O` without scoring needs no features.
            if !t.outside {
                features(toks, i, &mut self.feats);
                if stage2 {
                    features2(toks, i, &mut self.feats);
                }
            }
            self.ends.push(self.feats.len());
        }
    }

    #[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
    fn of(&self, i: usize) -> &[u64] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.feats[start..self.ends[i]]
    }
}

/// The labels a name cannot continue from: `O`, and `L` and `U` of every kind.
const CLOSED: [usize; 9] = [0, 3, 4, 7, 8, 11, 12, 15, 16];
/// The labels that may follow those: `O`, and `B` and `U` of every kind.
const OPENING: [usize; 9] = [0, 1, 4, 5, 8, 9, 12, 13, 16];

/// Viterbi decoding under the BILOU constraints. `em` holds `N_CLASSES` scores per token,
/// `trans[p * N_CLASSES + c]` the score of `c` after `p` (`p = START` before the first token).
///
/// Only legal transitions are visited: `O`, `B` and `U` follow the nine [`CLOSED`] labels, `I-k`
/// and `L-k` follow `B-k` and `I-k`; 97 of the 289 label pairs.
///
/// Training decodes with this; tagging decodes the runs of scored tokens alone
/// ([`decode_runs`]), with the same labels.
#[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
fn viterbi(
    n: usize,
    em: &[i32],
    trans: &[i32],
    outside: impl Fn(usize) -> bool,
    back: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    out.clear();
    if n == 0 || em.len() < n * N_CLASSES || trans.len() < (START + 1) * N_CLASSES {
        return;
    }
    const NONE: i64 = i64::MIN / 4;
    back.clear();
    back.resize(n * N_CLASSES, 0);
    // The transition table as fixed rows: no bounds checks in the loops below.
    let mut tr = [[0i32; N_CLASSES]; START + 1];
    for (row, t) in tr.iter_mut().zip(trans.chunks_exact(N_CLASSES)) {
        row.copy_from_slice(t);
    }
    let mut delta = [NONE; N_CLASSES];
    let mut next = [NONE; N_CLASSES];
    for (c, d) in delta.iter_mut().enumerate() {
        if ALLOWED[START][c] && (c == 0 || !outside(0)) {
            *d = i64::from(em[c]) + i64::from(trans[START * N_CLASSES + c]);
        }
    }
    for i in 1..n {
        let e = &em[i * N_CLASSES..(i + 1) * N_CLASSES];
        let b = &mut back[i * N_CLASSES..(i + 1) * N_CLASSES];
        if outside(i) {
            // A form labelled `O` without scoring ([`Lexicon::outside`]): only `O` is live.
            let (mut best, mut arg) = (NONE, 0usize);
            if outside(i - 1) {
                // Only `O` was live before too (the others are far below any real score).
                best = delta[0] + i64::from(tr[0][0]);
            } else {
                for &p in &CLOSED {
                    let s = delta[p] + i64::from(tr[p][0]);
                    if s > best {
                        best = s;
                        arg = p;
                    }
                }
            }
            delta = [NONE; N_CLASSES];
            delta[0] = if best == NONE { NONE } else { best + i64::from(e[0]) };
            // `back` is all zeros: only the row's `O` needs its previous label.
            b[0] = arg as u8;
            continue;
        }
        // `O`, `B` and `U` after the closed labels; the first best wins a tie, as the
        // previous labels are visited in order.
        let mut best = [NONE; N_CLASSES];
        let mut arg = [0u8; N_CLASSES];
        for &p in &CLOSED {
            let d = delta[p];
            let row = &tr[p];
            for &c in &OPENING {
                let s = d + i64::from(row[c]);
                if s > best[c] {
                    best[c] = s;
                    arg[c] = p as u8;
                }
            }
        }
        // `I-k` and `L-k` after `B-k` or `I-k`.
        for k in 0..4 {
            let (bk, ik) = (1 + 4 * k, 2 + 4 * k);
            for c in [ik, ik + 1] {
                let (sb, si) = (delta[bk] + i64::from(tr[bk][c]), delta[ik] + i64::from(tr[ik][c]));
                if sb > NONE {
                    best[c] = sb;
                    arg[c] = bk as u8;
                }
                if si > best[c] {
                    best[c] = si;
                    arg[c] = ik as u8;
                }
            }
        }
        for c in 0..N_CLASSES {
            next[c] = if best[c] == NONE { NONE } else { best[c] + i64::from(e[c]) };
        }
        b.copy_from_slice(&arg);
        std::mem::swap(&mut delta, &mut next);
    }
    let mut best = 0;
    for c in 0..N_CLASSES {
        if allowed_last(c) && delta[c] > delta[best] {
            best = c;
        }
    }
    out.resize(n, 0);
    out[n - 1] = best as u8;
    for i in (1..n).rev() {
        best = usize::from(back[i * N_CLASSES + best]);
        out[i - 1] = best as u8;
    }
}

/// The transition scores as rows: `[prev][cur]`, `prev = START` before the first token.
type TransRows = [[i64; N_CLASSES]; START + 1];

/// [`TransRows`] of a flat transition table (`trans[p * N_CLASSES + c]`); missing entries 0.
fn trans_rows(trans: &[i32]) -> Box<TransRows> {
    let mut rows = Box::new([[0i64; N_CLASSES]; START + 1]);
    for (row, t) in rows.iter_mut().zip(trans.chunks_exact(N_CLASSES)) {
        for (r, &x) in row.iter_mut().zip(t) {
            *r = i64::from(x);
        }
    }
    rows
}

/// Decodes the scored tokens of one sentence, `idx` (ascending token indices within the
/// sentence range `(a, b)`; every other token is labelled `O` unscored), their scores `em`
/// (`N_CLASSES` per scored token, side by side), into `path` (one label per scored token).
///
/// Gives the labels of [`viterbi`] over the whole sentence: an unscored token has only `O` live,
/// so each run of consecutive scored tokens starts after `O` (or at the sentence's start) and
/// ends before `O` (or at its end), and the runs are independent; within a run every path has
/// the same score before it, which changes no comparison.
fn decode_runs(
    idx: &[u32],
    (a, b): (usize, usize),
    em: &[i32],
    tr: &TransRows,
    back: &mut Vec<u8>,
    path: &mut Vec<u8>,
) {
    path.clear();
    path.resize(idx.len(), 0);
    if em.len() < idx.len() * N_CLASSES {
        return;
    }
    let mut k = 0;
    while k < idx.len() {
        let start = k;
        k += 1;
        while k < idx.len() && idx[k] == idx[k - 1] + 1 {
            k += 1;
        }
        let prev = if idx[start] as usize == a { START } else { 0 };
        let to_end = idx[k - 1] as usize + 1 >= b;
        viterbi_run(&em[start * N_CLASSES..k * N_CLASSES], tr, prev, to_end, back, &mut path[start..k]);
    }
}

/// Viterbi over one run of scored tokens (`em`, `N_CLASSES` per token) after label `prev`
/// (`0` or `START`), ending the sentence (`to_end`) or followed by `O`. Only live labels (with
/// a path to them) are extended; ties go to the first best, as in [`viterbi`].
fn viterbi_run(em: &[i32], tr: &TransRows, prev: usize, to_end: bool, back: &mut Vec<u8>, out: &mut [u8]) {
    const NONE: i64 = i64::MIN / 4;
    let n = out.len();
    if n == 0 {
        return;
    }
    if back.len() < n * N_CLASSES {
        back.resize(n * N_CLASSES, 0);
    }
    let mut delta = [NONE; N_CLASSES];
    for (c, d) in delta.iter_mut().enumerate() {
        if ALLOWED[prev][c] {
            *d = tr[prev][c] + i64::from(em[c]);
        }
    }
    for i in 1..n {
        let e = &em[i * N_CLASSES..(i + 1) * N_CLASSES];
        let mut best = [NONE; N_CLASSES];
        let mut arg = [0u8; N_CLASSES];
        // `O`, `B` and `U` after the closed labels, previous labels in order.
        for &p in &CLOSED {
            let d = delta[p];
            if d == NONE {
                continue;
            }
            let row = &tr[p];
            for &c in &OPENING {
                let s = d + row[c];
                // Without a branch: the winner is hard to predict.
                let better = s > best[c];
                best[c] = if better { s } else { best[c] };
                arg[c] = if better { p as u8 } else { arg[c] };
            }
        }
        // `I-k` and `L-k` after `B-k` or `I-k`.
        for k in 0..4 {
            let (bk, ik) = (1 + 4 * k, 2 + 4 * k);
            for c in [ik, ik + 1] {
                if delta[bk] != NONE {
                    best[c] = delta[bk] + tr[bk][c];
                    arg[c] = bk as u8;
                }
                if delta[ik] != NONE {
                    let si = delta[ik] + tr[ik][c];
                    if si > best[c] {
                        best[c] = si;
                        arg[c] = ik as u8;
                    }
                }
            }
        }
        for c in 0..N_CLASSES {
            delta[c] = if best[c] == NONE { NONE } else { best[c] + i64::from(e[c]) };
        }
        back[i * N_CLASSES..(i + 1) * N_CLASSES].copy_from_slice(&arg);
    }
    let mut best = 0;
    if to_end {
        for c in 0..N_CLASSES {
            if allowed_last(c) && delta[c] > delta[best] {
                best = c;
            }
        }
    } else {
        let mut top = NONE;
        for &p in &CLOSED {
            if delta[p] == NONE {
                continue;
            }
            let s = delta[p] + tr[p][0];
            if s > top {
                top = s;
                best = p;
            }
        }
    }
    out[n - 1] = best as u8;
    for i in (1..n).rev() {
        best = usize::from(back[i * N_CLASSES + best]);
        out[i - 1] = best as u8;
    }
}

/// `ALLOWED[prev][cur]` for `prev` in `0..=START`.
static ALLOWED: [[bool; N_CLASSES]; START + 1] = {
    let mut t = [[false; N_CLASSES]; START + 1];
    let mut p = 0;
    while p <= START {
        let mut c = 0;
        while c < N_CLASSES {
            t[p][c] = allowed(p, c);
            c += 1;
        }
        p += 1;
    }
    t
};

// ---------------------------------------------------------------------------------------------
// The tagger
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
struct NerModelData {
    /// (lower-cased word hash, capitalisation byte), ascending.
    casing: Vec<(u64, u8)>,
    /// (word hash, cluster path bits << 8 | length), ascending.
    clusters: Vec<(u64, u64)>,
    /// (token-sequence hash, category bits | continues), ascending.
    gazetteer: Vec<(u64, u64)>,
    /// The first stage: local and document-history features.
    weights: StoredWeights,
    /// The second stage: the first's features plus the first's labels across the document.
    stage2: StoredWeights,
    /// Word hashes of the uncapitalised forms often seen inside names, ascending
    /// ([`Lexicon::named`]).
    named: Vec<u64>,
    /// Whether the other uncapitalised forms are labelled `O` without scoring.
    skip_outside: bool,
    /// Word hashes of the uncapitalised forms seldom seen inside names, ascending
    /// ([`Lexicon::weak`]).
    weak: Vec<u64>,
}

/// Scratch buffers reused across calls on one thread, so tagging does not allocate per token.
struct Scratch {
    toks: Vec<Tok>,
    feats: SentenceFeatures,
    em: Vec<i32>,
    back: Vec<u8>,
    path: Vec<u8>,
    /// Per form read ([`Tok::wid`]): the labels given to it so far ([`remember`]).
    hist: Vec<u8>,
    /// Per lower-cased form ([`Tok::lid`]): casing evidence ([`document_evidence`]).
    doc: Vec<u8>,
    /// Per form read: the first stage's labels ([`aggregate`]).
    agg: Vec<[u16; 9]>,
    labels: Vec<u8>,
    /// [`NerTagger::run_joint`]: the second stage's scores of the shared features, per scored
    /// token.
    shared: Vec<[i32; N_CLASSES]>,
    /// [`NerTagger::run_joint`]: the document's scored tokens (not [`Tok::outside`]).
    scored: Vec<u32>,
    /// [`NerTagger::run_joint`]: where each sentence's scored tokens start in `scored`.
    sent_at: Vec<u32>,
    /// What the document's words and forms give ([`prepare_document`]).
    memo: Memo,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            toks: Vec::new(),
            feats: SentenceFeatures::new(),
            em: Vec::new(),
            back: Vec::new(),
            path: Vec::new(),
            hist: Vec::new(),
            doc: Vec::new(),
            agg: Vec::new(),
            labels: Vec::new(),
            shared: Vec::new(),
            scored: Vec::new(),
            sent_at: Vec::new(),
            memo: Memo::default(),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (a fresh set if they are in use).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Scores a sentence's tokens: the trained weights, or the weights being trained.
trait Scorer {
    #[cfg(any(test, feature = "train"))]
    fn emit(&self, features: &[u64], scores: &mut [i32]);
    fn transitions(&self, out: &mut Vec<i32>);
}

impl Scorer for Weights {
    #[cfg(any(test, feature = "train"))]
    fn emit(&self, features: &[u64], scores: &mut [i32]) {
        self.score(features, scores);
    }

    fn transitions(&self, out: &mut Vec<i32>) {
        transitions_of(|key, row| self.score(&[key], row), out);
    }
}

fn transitions_of(mut score: impl FnMut(u64, &mut [i32]), out: &mut Vec<i32>) {
    out.clear();
    out.resize((START + 1) * N_CLASSES, 0);
    for p in 0..=START {
        score(feature(T_TRANS, p as u64), &mut out[p * N_CLASSES..(p + 1) * N_CLASSES]);
    }
}

/// Prepares a document (`words`, split into `sentences` ranges) into `s.toks`. `owner`: the
/// tagger whose lexicon `lex` is ([`NerTagger::id`]), which keeps the thread's memo of words and
/// forms across documents while it stays the owner and the memo is not full; `None` (training,
/// tests): a fresh memo.
fn prepare_document(
    lex: &Lexicon,
    owner: Option<u64>,
    words: &[&str],
    sentences: &[(usize, usize)],
    s: &mut Scratch,
) {
    s.toks.clear();
    match owner {
        Some(id) if s.memo.owner == id && s.memo.words.len() < MEMO_MAX => {}
        _ => {
            s.memo.clear();
            s.memo.owner = owner.unwrap_or(0);
        }
    }
    for &(a, b) in sentences {
        if a <= b && b <= words.len() {
            lex.prepare_range(words, (a, b), &mut s.memo, &mut s.toks);
        }
    }
    // Sums per form and role, and for the padding before and after sentences.
    let slots = (s.memo.forms.len() + 2) * ROLES;
    s.memo.sum_at.resize(slots, NO_SUM);
    document_evidence(&mut s.toks, &mut s.doc);
    let topic = s.toks.first().map_or(0, |t| t.lower);
    s.toks.iter_mut().for_each(|t| t.topic = topic);
    s.hist.clear();
}

/// Decodes sentence `toks` into `s.path`, scoring with `scorer`. The first stage sets each
/// token's `hist` from the document so far; the second adds its own features to the first's.
#[cfg(any(test, feature = "train"))]
fn decode_sentence(scorer: &dyn Scorer, trans: &[i32], toks: &mut [Tok], s: &mut Scratch, stage2: bool) {
    if !stage2 {
        for t in toks.iter_mut() {
            t.hist = s.hist.get(t.wid as usize).copied().unwrap_or(0);
        }
    }
    let n = toks.len();
    s.feats.compute(toks, stage2);
    s.em.clear();
    s.em.resize(n * N_CLASSES, 0);
    for (i, t) in toks.iter().enumerate() {
        if !t.outside {
            scorer.emit(s.feats.of(i), &mut s.em[i * N_CLASSES..(i + 1) * N_CLASSES]);
        }
    }
    viterbi(n, &s.em, trans, |i| toks[i].outside, &mut s.back, &mut s.path);
}

/// The first stage over a prepared document (`toks`, sentences `ranges` into it): sets each
/// token's `hist` and `s1`.
#[cfg(any(test, feature = "train"))]
fn run_stage1(
    scorer: &dyn Scorer,
    trans: &[i32],
    toks: &mut [Tok],
    ranges: &[(usize, usize)],
    s: &mut Scratch,
) {
    s.hist.clear();
    for &(a, b) in ranges {
        let sent = &mut toks[a..b];
        decode_sentence(scorer, trans, sent, s, false);
        for (t, &l) in sent.iter_mut().zip(&s.path) {
            t.s1 = l;
        }
        remember(&mut s.hist, sent, &s.path);
    }
}

/// The second stage over a document the first stage has labelled; the labels go to `out`.
#[cfg(test)]
fn run_stage2(
    scorer: &dyn Scorer,
    trans: &[i32],
    toks: &mut [Tok],
    ranges: &[(usize, usize)],
    s: &mut Scratch,
    out: &mut [u8],
) {
    aggregate(toks, &mut s.agg);
    for &(a, b) in ranges {
        decode_sentence(scorer, trans, &mut toks[a..b], s, true);
        out[a..b].copy_from_slice(&s.path);
    }
}

/// A trained named-entity recogniser. Immutable and `Send + Sync`: build once, share across
/// threads. Per-call scratch space lives in a thread-local buffer, so tagging allocates only
/// the returned vectors.
#[derive(Debug)]
pub struct NerTagger {
    lexicon: Lexicon,
    /// The stages' weights as stored, for [`NerTagger::to_bytes`] (and the tests that run the
    /// stages in turn); tagging reads only [`NerTagger::joint`].
    weights: StoredWeights,
    /// The stages' transition scores, flat (the tests that run the stages in turn).
    #[cfg_attr(not(test), allow(dead_code))]
    trans: Vec<i32>,
    stage2: StoredWeights,
    #[cfg_attr(not(test), allow(dead_code))]
    trans2: Vec<i32>,
    /// `trans` and `trans2` as rows, for [`decode_runs`].
    trans_rows: Box<TransRows>,
    trans2_rows: Box<TransRows>,
    /// Both stages in one table: classes `0..N_CLASSES` are the first stage's,
    /// `N_CLASSES..2 * N_CLASSES` the second's, so a feature both stages share is looked up once.
    joint: JointWeights,
    /// This instance's id, unique in the process: the owner of the thread memos it fills
    /// ([`Memo::owner`]).
    id: u64,
}

/// Both stages' weights in one dense table ([`NerTagger::joint`]): a row of `2 * N_CLASSES`
/// weights per feature key, the first stage's classes then the second's, so a feature both stages
/// share is looked up once and added with straight-line (vectorised) code. Each half keeps its
/// own quantisation: scores are only ever compared within a half.
#[derive(Debug, Clone)]
struct JointWeights {
    shift: u32,
    mask: usize,
    /// Open addressing: the key's low 32 bits (keys are odd, never 0) and its row index + 1.
    slots: Vec<u64>,
    rows: Vec<[i16; 2 * N_CLASSES]>,
}

impl JointWeights {
    fn new(first: &StoredWeights, second: &StoredWeights) -> Result<JointWeights> {
        let bad = |reason: &str| Error::model(NER_MODEL.name(), reason.to_owned());
        let mut keys: Vec<u64> = first.keys.iter().chain(&second.keys).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        let mut rows = vec![[0i16; 2 * N_CLASSES]; keys.len()];
        for (half, w) in [first, second].into_iter().enumerate() {
            let mut at = 0usize;
            for (&key, &len) in w.keys.iter().zip(&w.lens) {
                let end = at + usize::from(len);
                let (Ok(r), Some(classes), Some(values)) =
                    (keys.binary_search(&key), w.classes.get(at..end), w.values.get(at..end))
                else {
                    return Err(bad("weight entries do not add up"));
                };
                for (&c, &v) in classes.iter().zip(values) {
                    let c = usize::from(c);
                    if c >= N_CLASSES {
                        return Err(bad("a weight names a class out of range"));
                    }
                    rows[r][half * N_CLASSES + c] = v;
                }
                at = end;
            }
        }
        // Load factor at most 1/2: short probe sequences, and an empty slot always exists.
        let bits = (keys.len().max(1) * 2).next_power_of_two().trailing_zeros().max(1);
        let (size, shift) = (1usize << bits, 64 - bits);
        let mask = size - 1;
        let mut slots = vec![0u64; size];
        for (r, &key) in keys.iter().enumerate() {
            let mut i = (key >> shift) as usize;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = (key << 32) | (r as u64 + 1);
        }
        Ok(JointWeights { shift, mask, slots, rows })
    }

    /// The row of `key`, if it has one; `home` is the key's home slot, loaded ahead.
    #[inline]
    fn row(&self, key: u64, mut slot: u64) -> Option<&[i16; 2 * N_CLASSES]> {
        let fingerprint = key & 0xFFFF_FFFF;
        let mut i = (key >> self.shift) as usize;
        while slot != 0 && slot >> 32 != fingerprint {
            i = (i + 1) & self.mask;
            slot = self.slots.get(i).copied().unwrap_or(0);
        }
        let r = (slot & 0xFFFF_FFFF) as usize;
        r.checked_sub(1).and_then(|r| self.rows.get(r))
    }

    /// Sets `scores` to the sums of the rows of `features` (both halves).
    fn score(&self, features: &[u64], scores: &mut [i32; 2 * N_CLASSES]) {
        *scores = [0; 2 * N_CLASSES];
        self.add(features, scores);
    }

    /// Adds the second halves of the rows of `features` to `scores`.
    fn add_second(&self, features: &[u64], scores: &mut [i32; N_CLASSES]) {
        let mut acc = *scores;
        for &f in features {
            let h = self.slots.get((f >> self.shift) as usize & self.mask).copied().unwrap_or(0);
            if let Some(row) = self.row(f, h) {
                for (a, &w) in acc.iter_mut().zip(&row[N_CLASSES..]) {
                    *a += i32::from(w);
                }
            }
        }
        *scores = acc;
    }

    /// Adds the rows of `features` (both halves) to `scores`.
    #[inline]
    fn add(&self, features: &[u64], scores: &mut [i32; 2 * N_CLASSES]) {
        add_joint_rows(self, features, scores);
    }
}

/// `acc += row`, four lanes at a time (a plain loop over the 34 sums compiled to 34 scalar
/// additions into memory).
#[inline(always)]
fn add_sum(acc: &mut [i32; 2 * N_CLASSES], row: &[i32; 2 * N_CLASSES]) {
    let mut a = acc.chunks_exact_mut(4);
    let mut r = row.chunks_exact(4);
    for (a, r) in a.by_ref().zip(r.by_ref()) {
        if let (Ok(a), Ok(r)) = (<&mut [i32; 4]>::try_from(a), <&[i32; 4]>::try_from(r)) {
            *a = [a[0] + r[0], a[1] + r[1], a[2] + r[2], a[3] + r[3]];
        }
    }
    for (a, &r) in a.into_remainder().iter_mut().zip(r.remainder()) {
        *a += r;
    }
}

/// [`JointWeights::add`], compiled for plain x86-64 and for AVX2, chosen at run time (a row of
/// 34 weights widened and added 8 at a time instead of 4). The same integer sums.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn add_joint_rows(weights: &JointWeights, features: &[u64], scores: &mut [i32; 2 * N_CLASSES]) {
    const BATCH: usize = 16;
    let mut acc = *scores;
    for chunk in features.chunks(BATCH) {
        // Load the home slots first: the cache misses overlap.
        let mut home = [0u64; BATCH];
        for (h, &f) in home.iter_mut().zip(chunk) {
            *h = weights.slots.get((f >> weights.shift) as usize & weights.mask).copied().unwrap_or(0);
        }
        for (&h, &f) in home.iter().zip(chunk) {
            if let Some(row) = weights.row(f, h) {
                for (a, &w) in acc.iter_mut().zip(row) {
                    *a += i32::from(w);
                }
            }
        }
    }
    *scores = acc;
}

impl NerTagger {
    fn new(lexicon: Lexicon, weights: Weights, stage2: Weights) -> Result<NerTagger> {
        for w in [&weights, &stage2] {
            if w.n_classes() != N_CLASSES {
                return Err(Error::model(
                    NER_MODEL.name(),
                    format!("{} classes, expected {N_CLASSES}", w.n_classes()),
                ));
            }
        }
        let (mut trans, mut trans2) = (Vec::new(), Vec::new());
        weights.transitions(&mut trans);
        stage2.transitions(&mut trans2);
        let joint = JointWeights::new(weights.stored(), stage2.stored())?;
        // The sparse lookup tables are not needed for tagging: keep the stored form only.
        let (weights, stage2) = (weights.into_stored(), stage2.into_stored());
        let (trans_rows, trans2_rows) = (trans_rows(&trans), trans_rows(&trans2));
        let id = NEXT_NER_ID.fetch_add(1, Ordering::Relaxed);
        Ok(NerTagger { lexicon, weights, trans, stage2, trans2, trans_rows, trans2_rows, joint, id })
    }

    /// Loads a recogniser from a model file's bytes (kind `NER_`).
    pub fn from_bytes(bytes: &[u8]) -> Result<NerTagger> {
        let data: NerModelData = model::decode(NER_MODEL, bytes)?;
        let weights = Weights::from_stored(data.weights)
            .map_err(|e| Error::model(NER_MODEL.name(), format!("weights: {e}")))?;
        let stage2 = Weights::from_stored(data.stage2)
            .map_err(|e| Error::model(NER_MODEL.name(), format!("stage-2 weights: {e}")))?;
        let lexicon = Lexicon {
            casing: data.casing.into_iter().collect(),
            clusters: data
                .clusters
                .into_iter()
                .filter(|&(_, p)| p & 0xFF <= 63 && p >> 8 >> (p & 0xFF) == 0)
                .collect(),
            gazetteer: data.gazetteer.into_iter().collect(),
            named: data.named.into_iter().collect(),
            weak: data.weak.into_iter().collect(),
            skip_outside: data.skip_outside,
        };
        NerTagger::new(lexicon, weights, stage2)
    }

    /// Loads a recogniser from a model file.
    pub fn load(path: &Path) -> Result<NerTagger> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::io(format!("reading model {}", path.display()), e))?;
        Self::from_bytes(&bytes)
    }

    /// The recogniser built into the binary (`ner.bin` of `newstag-models`), loaded on first use.
    #[cfg(feature = "embedded")]
    pub fn embedded() -> Result<&'static NerTagger> {
        static CELL: std::sync::OnceLock<std::result::Result<NerTagger, String>> = std::sync::OnceLock::new();
        model::embedded(&CELL, "ner.bin", &NER_MODEL.name(), NerTagger::from_bytes)
    }

    /// The model file bytes of this recogniser (deterministic: sorted tables).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut casing: Vec<(u64, u8)> = self.lexicon.casing.iter().map(|(&k, &v)| (k, v)).collect();
        casing.sort_unstable();
        let mut clusters: Vec<(u64, u64)> = self.lexicon.clusters.iter().map(|(&k, &v)| (k, v)).collect();
        clusters.sort_unstable();
        let mut gazetteer: Vec<(u64, u64)> = self.lexicon.gazetteer.iter().map(|(&k, &v)| (k, v)).collect();
        gazetteer.sort_unstable();
        let mut named: Vec<u64> = self.lexicon.named.iter().copied().collect();
        named.sort_unstable();
        let mut weak: Vec<u64> = self.lexicon.weak.iter().copied().collect();
        weak.sort_unstable();
        model::encode(
            NER_MODEL,
            &NerModelData {
                casing,
                clusters,
                gazetteer,
                weights: self.weights.clone(),
                stage2: self.stage2.clone(),
                named,
                skip_outside: self.lexicon.skip_outside,
                weak,
            },
        )
    }

    /// Model statistics: (features, weights, capitalisation entries, cluster words, gazetteer
    /// keys); features and weights of both stages together.
    pub fn stats(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.weights.keys.len() + self.stage2.keys.len(),
            self.weights.values.len() + self.stage2.values.len(),
            self.lexicon.casing.len(),
            self.lexicon.clusters.len(),
            self.lexicon.gazetteer.len(),
        )
    }

    /// Labels one sentence on its own (no document context), one label per word.
    pub fn tag(&self, words: &[&str]) -> Vec<NerLabel> {
        let mut out = Vec::with_capacity(words.len());
        self.tag_flat(words, &[(0, words.len())], &mut out);
        out
    }

    /// Labels the sentences of one document in order; what was found in earlier sentences
    /// informs later ones (the same word tends to keep its label within an article).
    pub fn tag_document<S: AsRef<[W]>, W: AsRef<str>>(&self, sentences: &[S]) -> Vec<Vec<NerLabel>> {
        let mut words: Vec<&str> = Vec::new();
        let mut ranges = Vec::with_capacity(sentences.len());
        for s in sentences {
            let start = words.len();
            words.extend(s.as_ref().iter().map(|w| w.as_ref()));
            ranges.push((start, words.len()));
        }
        let mut flat = Vec::with_capacity(words.len());
        self.tag_flat(&words, &ranges, &mut flat);
        ranges.iter().map(|&(a, b)| flat.get(a..b).map(<[NerLabel]>::to_vec).unwrap_or_default()).collect()
    }

    /// Labels the words of a document given as one list of `words` and sentence ranges into it
    /// (half-open, in order, not overlapping). `out` gets one label per word; words outside every
    /// range are labelled [`NerLabel::Outside`].
    pub fn tag_flat(&self, words: &[&str], sentences: &[(usize, usize)], out: &mut Vec<NerLabel>) {
        out.clear();
        out.resize(words.len(), NerLabel::Outside);
        let sentences: Vec<(usize, usize)> =
            sentences.iter().copied().filter(|&(a, b)| a < b && b <= words.len()).collect();
        with_scratch(|s| {
            prepare_document(&self.lexicon, Some(self.id), words, &sentences, s);
            let mut toks = std::mem::take(&mut s.toks);
            // Sentence ranges into `toks`, which holds the sentences back to back.
            let mut ranges = Vec::with_capacity(sentences.len());
            let mut at = 0;
            for &(a, b) in &sentences {
                ranges.push((at, at + b - a));
                at += b - a;
            }
            let mut labels = std::mem::take(&mut s.labels);
            labels.clear();
            labels.resize(toks.len(), 0);
            self.run_joint(&mut toks, &ranges, s, &mut labels);
            for (&(a, b), &(x, y)) in sentences.iter().zip(&ranges) {
                for (o, &l) in out[a..b].iter_mut().zip(&labels[x..y]) {
                    *o = NerLabel::from_id(usize::from(l));
                }
            }
            s.toks = toks;
            s.labels = labels;
        });
    }

    /// Both stages over a prepared document (`toks`, sentences `ranges` into it), the labels to
    /// `out` (which must hold zeros: only the scored tokens' labels are written); the same labels
    /// as [`run_stage1`] then [`run_stage2`], faster: the features both stages share are computed
    /// and looked up once ([`NerTagger::joint`]), and only the tokens that are scored (not
    /// [`Tok::outside`]) are visited: their scores are kept side by side, and each run of them
    /// is decoded on its own ([`viterbi_run`]).
    fn run_joint(&self, toks: &mut [Tok], ranges: &[(usize, usize)], s: &mut Scratch, out: &mut [u8]) {
        let mut scored = std::mem::take(&mut s.scored);
        let mut shared = std::mem::take(&mut s.shared);
        let mut sent_at = std::mem::take(&mut s.sent_at);
        scored.clear();
        shared.clear();
        sent_at.clear();
        // The dense ids are the memo's, which may outlive the document: the per-document tables
        // are reset at this document's ids (every id read: scored tokens and their neighbours
        // are read in full).
        for t in toks.iter() {
            if t.wid != NO_ID {
                *slot(&mut s.hist, t.wid) = 0;
                *slot(&mut s.agg, t.wid) = [0; 9];
            }
        }
        for &(a, b) in ranges {
            let first = scored.len();
            sent_at.push(first as u32);
            let sent = &mut toks[a..b];
            s.em.clear();
            for i in 0..sent.len() {
                if sent[i].outside {
                    continue;
                }
                sent[i].hist = s.hist.get(sent[i].wid as usize).copied().unwrap_or(0);
                // The features of one form read (the token's own, or a neighbour's at one
                // place) are summed once per thread memo ([`Memo::sums`]).
                let ii = i as isize;
                let mut both = *self.form_sum(&mut s.memo, &mut s.feats.feats, &sent[i], None);
                for (role, at) in
                    [(Role::M2, ii - 2), (Role::M1, ii - 1), (Role::P1, ii + 1), (Role::P2, ii + 2)]
                {
                    let row = self.form_sum(&mut s.memo, &mut s.feats.feats, tok_at(sent, at), Some(role));
                    add_sum(&mut both, row);
                }
                s.feats.feats.clear();
                features_context(sent, i, &mut s.feats.feats);
                self.joint.add(&s.feats.feats, &mut both);
                s.em.extend_from_slice(&both[..N_CLASSES]);
                let mut second = [0i32; N_CLASSES];
                second.copy_from_slice(&both[N_CLASSES..]);
                shared.push(second);
                scored.push((a + i) as u32);
            }
            let idx = &scored[first..];
            decode_runs(idx, (a, b), &s.em, &self.trans_rows, &mut s.back, &mut s.path);
            for (&j, &l) in idx.iter().zip(&s.path) {
                let t = &mut toks[j as usize];
                t.s1 = l;
                remember_one(&mut s.hist, t, l);
            }
        }
        sent_at.push(scored.len() as u32);
        aggregate_scored(toks, ranges, &scored, &sent_at, &mut s.agg);
        for (n, &(a, b)) in ranges.iter().enumerate() {
            let (from, to) = (sent_at[n] as usize, sent_at[n + 1] as usize);
            let idx = &scored[from..to];
            let sent = &toks[a..b];
            s.em.clear();
            for (&j, base) in idx.iter().zip(&shared[from..to]) {
                let mut em = *base;
                s.feats.feats.clear();
                features2(sent, j as usize - a, &mut s.feats.feats);
                self.joint.add_second(&s.feats.feats, &mut em);
                s.em.extend_from_slice(&em);
            }
            decode_runs(idx, (a, b), &s.em, &self.trans2_rows, &mut s.back, &mut s.path);
            for (&j, &l) in idx.iter().zip(&s.path) {
                if let Some(o) = out.get_mut(j as usize) {
                    *o = l;
                }
            }
        }
        s.scored = scored;
        s.shared = shared;
        s.sent_at = sent_at;
    }

    /// The joint scores of the features of `t`'s form read alone (`role` `None`), or of those it
    /// gives a neighbour as `role`: from the memo, or computed now (`buf` is scratch space).
    fn form_sum<'m>(
        &self,
        memo: &'m mut Memo,
        buf: &mut Vec<u64>,
        t: &Tok,
        role: Option<Role>,
    ) -> &'m [i32; 2 * N_CLASSES] {
        // The padding before and after a sentence have the first two slots.
        let form = match t.form {
            NO_FORM if t.word == PAD_BEFORE.word => 0,
            NO_FORM => 1,
            f => f as usize + 2,
        };
        let at = form * ROLES + role.map_or(0, |r| r as usize);
        let mut k = memo.sum_at[at];
        if k == NO_SUM {
            buf.clear();
            match role {
                None => features_word(t, buf),
                Some(r) => features_neighbour(r, t, buf),
            }
            let mut sum = [0; 2 * N_CLASSES];
            self.joint.score(buf, &mut sum);
            k = memo.sums.len() as u32;
            memo.sums.push(sum);
            memo.sum_at[at] = k;
        }
        &memo.sums[k as usize]
    }

    /// Finds the names in one sentence of tokenised text: `tokens` are the tokens of `text`
    /// ([`crate::text::tokenize`]) and `sentence` a token index range
    /// ([`crate::text::split_sentences`]). Entities are token index ranges into `tokens`.
    pub fn recognize(&self, text: &str, tokens: &[Token], sentence: (usize, usize)) -> Vec<Entity> {
        self.recognize_document(text, tokens, &[sentence])
    }

    /// How `word` is usually written inside a name, from the casing lexicon the recogniser
    /// counted on unlabelled news text (the one it reads capitals-only headlines with):
    /// `Lower` for a word capitalised in under 5% of its occurrences ("of", "and"), `Upper`
    /// for one usually in capitals ("IMF"), `Capitalised` for the rest ("Inc", "New", which
    /// names capitalise often enough); `None` for a word the lexicon has not seen.
    pub fn casing_in_name(&self, word: &str) -> Option<WordCasing> {
        let info = self.lexicon.casing.get(&hash_lower(word)).copied().unwrap_or(0);
        if info == 0 {
            return None;
        }
        let capitalised_share = (info >> 3) & 7;
        Some(match lexicon_usual(info) {
            Casing::Lower if capitalised_share == 0 => WordCasing::Lower,
            Casing::Upper => WordCasing::Upper,
            Casing::None => return None,
            _ => WordCasing::Capitalised,
        })
    }

    /// Finds the names in the given sentences of one document, using what earlier sentences
    /// showed. Entities are token index ranges into `tokens`, in order.
    pub fn recognize_document(
        &self,
        text: &str,
        tokens: &[Token],
        sentences: &[(usize, usize)],
    ) -> Vec<Entity> {
        let words: Vec<&str> = tokens.iter().map(|t| text.get(t.start..t.end).unwrap_or("")).collect();
        let mut labels = Vec::with_capacity(words.len());
        self.tag_flat(&words, sentences, &mut labels);
        let mut out = Vec::new();
        for &(a, b) in sentences {
            if let Some(l) = labels.get(a..b) {
                out.extend(entities(l).into_iter().map(|e| Entity {
                    start: e.start + a,
                    end: e.end + a,
                    kind: e.kind,
                }));
            }
        }
        out
    }

    /// Tags every document and scores the result the way conlleval does (gold tags as written
    /// in the file against the predicted IOB2 tags). Also returns the predicted labels, document
    /// by document and sentence by sentence.
    ///
    /// The predicted tags are written in the scheme of the gold tags ([`is_iob1`]), so that
    /// conlleval's token accuracy means something; the entity scores do not depend on it.
    pub fn evaluate(&self, docs: &[NerDocument]) -> (ChunkScores, Vec<Vec<Vec<NerLabel>>>) {
        let gold_tags = docs.iter().flat_map(|d| &d.sentences).flat_map(|s| &s.tags);
        let iob1 = is_iob1(&gold_tags.collect::<Vec<_>>());
        let mut eval = ChunkEval::new();
        let mut predicted = Vec::with_capacity(docs.len());
        for doc in docs {
            let sentences: Vec<&[String]> = doc.sentences.iter().map(|s| s.words.as_slice()).collect();
            let labels = self.tag_document(&sentences);
            for (s, l) in doc.sentences.iter().zip(&labels) {
                eval.add_sentence(&s.tags, &iob_tags(l, iob1));
            }
            predicted.push(labels);
        }
        (eval.scores(), predicted)
    }
}

#[cfg(feature = "train")]
pub use training::{NerEpoch, NerResources, NerTrainOptions};

#[cfg(feature = "train")]
mod training {
    use super::*;
    use crate::kb::clusters::WordClusters;
    use crate::kb::{AliasForm, EntryKind, Gazetteer};
    use crate::tag::perceptron::{SplitMix64, Trainer};

    /// Settings of [`NerTagger::train`].
    #[derive(Debug, Clone)]
    pub struct NerTrainOptions {
        /// Passes over the training data.
        pub epochs: u32,
        /// Seed of the document shuffle before each pass and of the choice of augmented copies.
        pub seed: u64,
        /// Averaged weights smaller than this are dropped (weights move in steps of 1).
        pub prune: f32,
        /// Share of the (ordinary) training sentences also trained on in ALL CAPITALS.
        pub upper_copies: f64,
        /// Share of the (ordinary) training sentences also trained on in Title Case.
        pub title_copies: f64,
        /// Words seen fewer times in the unlabelled text get no capitalisation entry.
        pub casing_min_count: u32,
        /// Folds of the jackknife that gives the second stage its training input (at least 2).
        pub folds: u32,
        /// Share of the (ordinary) training sentences with a name also trained on with each
        /// person, place and organisation replaced by a random gazetteer name of its kind.
        pub mention_copies: f64,
        /// Score every token. By default uncapitalised forms seldom seen inside a name in the
        /// training data are labelled `O` without scoring.
        pub score_every_token: bool,
        /// An uncapitalised form is scored (kept in `Lexicon::named`) when at least this share
        /// of its occurrences in training, where the skip rule applies, are inside a name ("de"
        /// 0.9, "of" 0.04); the others ("the" 0.003, "," 0.002) are labelled `O` unscored.
        pub named_min_share: f64,
    }

    impl Default for NerTrainOptions {
        fn default() -> Self {
            NerTrainOptions {
                epochs: 20,
                seed: 1,
                prune: 0.5,
                upper_copies: 0.05,
                title_copies: 0.03,
                casing_min_count: 2,
                folds: 5,
                mention_copies: 0.1,
                score_every_token: false,
                named_min_share: 0.03,
            }
        }
    }

    /// What one training pass did.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct NerEpoch {
        /// Which stage is being trained (1 or 2).
        pub stage: u32,
        /// The fold left out (a first stage trained to label it for the second), or `None` for
        /// a model that is kept.
        pub held_out: Option<u32>,
        /// Pass number, from 1.
        pub epoch: u32,
        /// Tokens trained on (augmented copies included).
        pub tokens: usize,
        /// Tokens whose predicted label was wrong before the update.
        pub errors: usize,
    }

    /// The knowledge a model is trained with and carries: gazetteer aliases, word clusters and a
    /// capitalisation lexicon counted from unlabelled text.
    #[derive(Debug, Default)]
    pub struct NerResources {
        lexicon: Lexicon,
        casing_counts: FxHashMap<u64, [u32; 4]>,
        /// Gazetteer names of people, places and organisations (by [`EntityKind`] id), for
        /// mention-replaced copies of training sentences.
        names: [Vec<Vec<String>>; 3],
    }

    fn gaz_category(kind: EntryKind, form: AliasForm) -> u32 {
        match (kind, form) {
            (_, AliasForm::Demonym) => gaz::DEMONYM,
            (EntryKind::Country, AliasForm::Acronym) => gaz::COUNTRY_CODE,
            (EntryKind::Country, _) => gaz::COUNTRY,
            (EntryKind::Region, _) => gaz::REGION,
            (EntryKind::City, _) => gaz::CITY,
            (EntryKind::Person, AliasForm::Surname) => gaz::SURNAME,
            (EntryKind::Person, _) => gaz::PERSON,
            (EntryKind::Organization, AliasForm::Acronym) => gaz::ORG_CODE,
            (EntryKind::Organization, _) => gaz::ORG,
        }
    }

    impl NerResources {
        /// No knowledge yet.
        pub fn new() -> Self {
            Self::default()
        }

        /// Adds every alias of the gazetteer.
        pub fn with_gazetteer(mut self, gazetteer: &Gazetteer) -> Self {
            let mut names: [std::collections::BTreeSet<Vec<String>>; 3] = Default::default();
            for alias in &gazetteer.data().aliases {
                let Some(entry) = gazetteer.entries().get(alias.entry as usize) else { continue };
                let cat = gaz_category(entry.kind, alias.form);
                let kind = match (entry.kind, alias.form) {
                    (_, AliasForm::Demonym) => None,
                    (EntryKind::Person, _) => Some(EntityKind::Person),
                    (EntryKind::Country | EntryKind::City | EntryKind::Region, AliasForm::Acronym) => None,
                    (EntryKind::Country | EntryKind::City | EntryKind::Region, _) => {
                        Some(EntityKind::Location)
                    }
                    (EntryKind::Organization, _) => Some(EntityKind::Organization),
                };
                if let Some(k) = kind {
                    names[usize::from(k.id())].insert(alias.tokens.clone());
                }
                let mut h = GAZ_START;
                let n = alias.tokens.len();
                for (k, t) in alias.tokens.iter().enumerate() {
                    h = gaz_step(h, hash_str(t));
                    let v = self.lexicon.gazetteer.entry(h).or_insert(0);
                    if k + 1 == n {
                        *v |= 1 << cat;
                    } else {
                        *v |= GAZ_CONTINUES;
                    }
                }
            }
            for (to, from) in self.names.iter_mut().zip(names) {
                to.extend(from);
            }
            self
        }

        /// Adds every word of the clusters with its path.
        pub fn with_clusters(mut self, clusters: &WordClusters) -> Self {
            for c in 0..clusters.num_clusters() as u32 {
                let Some(path) = clusters.cluster_path(c) else { continue };
                for w in clusters.words_in(c) {
                    self.lexicon.clusters.insert(hash_str(w), path.bits() << 8 | u64::from(path.len()));
                }
            }
            self
        }

        /// Counts the capitalisation of the words of one sentence of unlabelled text (sentences
        /// in capitals or Title Case and first words are skipped: they do not show usual casing).
        pub fn add_sentence(&mut self, words: &[&str]) {
            if sentence_case(words) != SentCase::Normal {
                return;
            }
            for (i, w) in words.iter().enumerate().skip(1) {
                if matches!(words[i - 1], "\"" | "``" | "“" | "'" | "`" | "‘" | ":" | "." | "?" | "!") {
                    continue;
                }
                let slot = match casing_of(w) {
                    Casing::Lower => 0,
                    Casing::Capitalised => 1,
                    Casing::Upper => 2,
                    Casing::Mixed => 3,
                    Casing::None => continue,
                };
                self.casing_counts.entry(hash_lower(w)).or_default()[slot] += 1;
            }
        }

        /// Tokenises `text`, splits it into sentences and counts them ([`Self::add_sentence`]).
        pub fn add_text(&mut self, text: &str) {
            let tokens = crate::text::tokenize(text);
            for (a, b) in crate::text::split_sentences(text, &tokens) {
                let words: Vec<&str> = tokens[a..b].iter().map(|t| t.text(text)).collect();
                self.add_sentence(&words);
            }
        }

        fn finish(mut self, min_count: u32) -> Lexicon {
            for (k, c) in std::mem::take(&mut self.casing_counts) {
                let total: u32 = c.iter().sum();
                if total < min_count.max(1) {
                    continue;
                }
                let best = (0..4).max_by_key(|&i| (c[i], std::cmp::Reverse(i))).unwrap_or(0);
                let usual = match best {
                    0 => Casing::Lower,
                    1 => Casing::Capitalised,
                    2 => Casing::Upper,
                    _ => Casing::Mixed,
                } as u8;
                let share = f64::from(total - c[0]) / f64::from(total);
                let share_bucket: u8 = match share {
                    s if s < 0.05 => 0,
                    s if s < 0.3 => 1,
                    s if s < 0.7 => 2,
                    s if s < 0.95 => 3,
                    _ => 4,
                };
                let freq: u8 = match total {
                    0..=9 => 1,
                    10..=99 => 2,
                    _ => 3,
                };
                self.lexicon.casing.insert(k, usual | share_bucket << 3 | freq << 6);
            }
            self.lexicon
        }
    }

    impl Scorer for Trainer {
        fn emit(&self, features: &[u64], scores: &mut [i32]) {
            self.score(features, scores);
        }

        fn transitions(&self, out: &mut Vec<i32>) {
            transitions_of(|key, row| self.score(&[key], row), out);
        }
    }

    /// A copy of `s` with each name of a person, place or organisation replaced by a random
    /// gazetteer name of the same kind: the model learns what gazetteer names and the context
    /// around names are worth, not only the names of 1996. `None` if nothing was replaced.
    fn mention_copy(
        s: &NerSentence,
        names: &[Vec<Vec<String>>; 3],
        rng: &mut SplitMix64,
    ) -> Option<NerSentence> {
        let spans = entities(&s.labels);
        let mut words = Vec::with_capacity(s.words.len() + 4);
        let mut new_spans = Vec::with_capacity(spans.len());
        let (mut at, mut replaced) = (0, false);
        for e in spans {
            words.extend(s.words.get(at..e.start)?.iter().cloned());
            let start = words.len();
            match names.get(usize::from(e.kind.id())).filter(|n| !n.is_empty()) {
                Some(list) => {
                    words.extend(list[rng.below(list.len())].iter().cloned());
                    replaced = true;
                }
                None => words.extend(s.words.get(e.start..e.end)?.iter().cloned()),
            }
            new_spans.push(Entity { start, end: words.len(), kind: e.kind });
            at = e.end;
        }
        words.extend(s.words.get(at..)?.iter().cloned());
        let labels = labels_from_entities(words.len(), &new_spans);
        let tags = iob_tags(&labels, false).into_iter().map(str::to_owned).collect();
        replaced.then_some(NerSentence { words, labels, tags })
    }

    fn upper_copy(s: &NerSentence) -> NerSentence {
        NerSentence { words: s.words.iter().map(|w| w.to_uppercase()).collect(), ..s.clone() }
    }

    fn title_copy(s: &NerSentence) -> NerSentence {
        let words = s
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i > 0 && is_small_word(w) {
                    w.clone()
                } else {
                    let mut c = w.chars();
                    match c.next() {
                        Some(f) => f.to_uppercase().chain(c).collect(),
                        None => String::new(),
                    }
                }
            })
            .collect();
        NerSentence { words, ..s.clone() }
    }

    impl NerTagger {
        /// Trains a recogniser on labelled documents. Deterministic: the same documents, resources
        /// and options give the same model, byte for byte. `progress` is called after each pass.
        ///
        /// The first stage is trained on all documents. The second stage learns from the first
        /// stage's labels, which must be as good as they will be on new text: each document gets
        /// them from a first stage trained on the other folds (jackknifing).
        pub fn train(
            docs: &[NerDocument],
            resources: NerResources,
            opts: &NerTrainOptions,
            mut progress: impl FnMut(NerEpoch),
        ) -> Result<NerTagger> {
            let names = resources.names.clone();
            let lexicon = resources.finish(opts.casing_min_count);
            let folds = opts.folds.max(2) as usize;
            let mut rng = SplitMix64::new(opts.seed ^ 0x4E45_525F_4155_4758);
            let mut fold_of: Vec<usize> = (0..docs.len()).collect();
            rng.shuffle(&mut fold_of);
            let fold_of: Vec<usize> = fold_of.into_iter().map(|k| k % folds).collect();
            // Augmented copies: each a document of its own (in its source's fold), chosen by the
            // seeded generator.
            let mut all: Vec<(std::borrow::Cow<NerDocument>, usize)> = Vec::new();
            for (d, doc) in docs.iter().enumerate() {
                all.push((std::borrow::Cow::Borrowed(doc), fold_of[d]));
            }
            for (d, doc) in docs.iter().enumerate() {
                for s in &doc.sentences {
                    if s.words.len() < 3 || s.words.len() != s.labels.len() {
                        continue;
                    }
                    let words: Vec<&str> = s.words.iter().map(String::as_str).collect();
                    if sentence_case(&words) != SentCase::Normal {
                        continue;
                    }
                    if rng.next_u64() % 1_000_000 < (opts.mention_copies * 1e6) as u64 {
                        if let Some(copy) = mention_copy(s, &names, &mut rng) {
                            all.push((
                                std::borrow::Cow::Owned(NerDocument { sentences: vec![copy] }),
                                fold_of[d],
                            ));
                        }
                    }
                    let r = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    let copy = if r < opts.upper_copies {
                        upper_copy(s)
                    } else if r < opts.upper_copies + opts.title_copies {
                        title_copy(s)
                    } else {
                        continue;
                    };
                    all.push((std::borrow::Cow::Owned(NerDocument { sentences: vec![copy] }), fold_of[d]));
                }
            }
            // The label-independent token values of every document, computed once.
            let mut prepared = Vec::with_capacity(all.len());
            let mut scratch = Scratch::default();
            for (n, (doc, fold)) in all.iter().enumerate() {
                let mut words = Vec::new();
                let mut ranges = Vec::new();
                let mut gold = Vec::new();
                for s in &doc.sentences {
                    if s.words.len() != s.labels.len() {
                        return Err(Error::Data {
                            path: "training data".into(),
                            line: 0,
                            reason: format!(
                                "document {n}: {} words but {} labels",
                                s.words.len(),
                                s.labels.len()
                            ),
                        });
                    }
                    let start = words.len();
                    words.extend(s.words.iter().map(String::as_str));
                    ranges.push((start, words.len()));
                    gold.extend(s.labels.iter().map(|l| l.id() as u8));
                }
                prepare_document(&lexicon, None, &words, &ranges, &mut scratch);
                prepared.push(Prepared {
                    toks: std::mem::take(&mut scratch.toks),
                    ranges,
                    gold,
                    fold: *fold,
                });
            }
            drop(all);

            let mut run = Run { opts, scratch, progress: &mut progress };
            let stage1 = run.train(&mut prepared, None, false)?;
            for fold in 0..folds {
                let held_out = run.train(&mut prepared, Some(fold), false)?;
                let mut trans = Vec::new();
                held_out.transitions(&mut trans);
                for doc in prepared.iter_mut().filter(|d| d.fold == fold) {
                    run_stage1(&held_out, &trans, &mut doc.toks, &doc.ranges, &mut run.scratch);
                    aggregate(&mut doc.toks, &mut run.scratch.agg);
                }
            }
            let stage2 = run.train(&mut prepared, None, true)?;
            let mut lexicon = lexicon;
            (lexicon.named, lexicon.weak) = named_forms(&prepared, opts.named_min_share);
            lexicon.skip_outside = !opts.score_every_token;
            NerTagger::new(lexicon, stage1, stage2)
        }
    }

    /// The forms seen inside a name in the training documents (gold labels) where the run-time
    /// rule ([`Lexicon::skip_outside`]) could have skipped them, in at least `min_share` of
    /// their occurrences where it could: written in lower case, not recased, not a number, in
    /// an ordinary sentence. A word recased in a headline or in an upper-cased or title-cased
    /// copy ("SAID" read as "said" inside a name) does not count: the rule never skips it.
    /// Returns those often inside a name (at least `min_share`), then the others.
    fn named_forms(docs: &[Prepared], min_share: f64) -> (FxHashSet<u64>, FxHashSet<u64>) {
        // Per form: occurrences inside a name, occurrences.
        let mut counts: FxHashMap<u64, (u32, u32)> = FxHashMap::default();
        for doc in docs {
            for (t, &g) in doc.toks.iter().zip(&doc.gold) {
                if skippable(t) {
                    let c = counts.entry(t.word).or_default();
                    c.0 += u32::from(g != 0);
                    c.1 += 1;
                }
            }
        }
        let (mut named, mut weak) = (FxHashSet::default(), FxHashSet::default());
        for (w, (inside, all)) in counts {
            if inside == 0 {
                continue;
            }
            if f64::from(inside) >= min_share * f64::from(all) {
                named.insert(w);
            } else {
                weak.insert(w);
            }
        }
        (named, weak)
    }

    /// A training document, prepared.
    struct Prepared {
        toks: Vec<Tok>,
        ranges: Vec<(usize, usize)>,
        gold: Vec<u8>,
        fold: usize,
    }

    /// Shared state of the trainings of one [`NerTagger::train`] call.
    struct Run<'a, F: FnMut(NerEpoch)> {
        opts: &'a NerTrainOptions,
        scratch: Scratch,
        progress: &'a mut F,
    }

    impl<F: FnMut(NerEpoch)> Run<'_, F> {
        /// Trains one stage on every document but those of fold `skip`. The first stage sees
        /// the history of its own predictions, as at run time; the second, the jackknifed first
        /// stage's labels already stored in the tokens.
        fn train(&mut self, docs: &mut [Prepared], skip: Option<usize>, stage2: bool) -> Result<Weights> {
            let mut trainer = Trainer::new(N_CLASSES)?;
            let mut order: Vec<usize> = (0..docs.len()).filter(|&d| Some(docs[d].fold) != skip).collect();
            let mut rng = SplitMix64::new(self.opts.seed.wrapping_add(skip.map_or(0, |f| f as u64 + 1)));
            let mut trans = Vec::new();
            let s = &mut self.scratch;
            for epoch in 1..=self.opts.epochs {
                rng.shuffle(&mut order);
                let (mut tokens, mut errors) = (0, 0);
                for &d in &order {
                    let Prepared { toks, ranges, gold, .. } = &mut docs[d];
                    s.hist.clear();
                    for &(a, b) in ranges.iter() {
                        let sent = &mut toks[a..b];
                        trainer.transitions(&mut trans);
                        decode_sentence(&trainer, &trans, sent, s, stage2);
                        trainer.tick();
                        tokens += b - a;
                        errors += update(&mut trainer, &s.feats, &gold[a..b], &s.path);
                        if !stage2 {
                            // History from the predictions, as at run time.
                            remember(&mut s.hist, sent, &s.path);
                        }
                    }
                }
                (self.progress)(NerEpoch {
                    stage: if stage2 { 2 } else { 1 },
                    held_out: skip.map(|f| f as u32),
                    epoch,
                    tokens,
                    errors,
                });
            }
            Weights::from_stored(trainer.finish(self.opts.prune))
        }
    }

    /// The structured perceptron update of one sentence: towards the gold labels and their
    /// transitions, away from the predicted ones. Returns the number of wrong labels.
    fn update(trainer: &mut Trainer, feats: &SentenceFeatures, gold: &[u8], pred: &[u8]) -> usize {
        let mut errors = 0;
        for i in 0..gold.len().min(pred.len()) {
            let (g, p) = (usize::from(gold[i]), usize::from(pred[i]));
            if g != p {
                errors += 1;
                let f = feats.of(i);
                trainer.adjust(f, g, 1);
                trainer.adjust(f, p, -1);
            }
            let (gp, pp) =
                if i == 0 { (START, START) } else { (usize::from(gold[i - 1]), usize::from(pred[i - 1])) };
            if (gp, g) != (pp, p) {
                trainer.adjust(&[feature(T_TRANS, gp as u64)], g, 1);
                trainer.adjust(&[feature(T_TRANS, pp as u64)], p, -1);
            }
        }
        errors
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::kb::clusters::{ClusterConfig, ClusterTrainer};
        use crate::kb::{Alias, Entry, GazetteerData};

        fn sentence(s: &str) -> NerSentence {
            let (words, tags): (Vec<String>, Vec<String>) = s
                .split(' ')
                .map(|p| {
                    let (w, t) = p.rsplit_once('/').unwrap();
                    (w.to_owned(), t.to_owned())
                })
                .unzip();
            let labels = labels_from_iob(&tags).unwrap();
            NerSentence { words, labels, tags }
        }

        fn corpus() -> Vec<NerDocument> {
            let docs = [
                vec![
                    "Putin/I-PER visited/O China/I-LOC on/O Monday/O ./O",
                    "The/O Kremlin/I-ORG said/O Putin/I-PER met/O Xi/I-PER Jinping/I-PER ./O",
                ],
                vec!["Gazprom/I-ORG signed/O a/O deal/O with/O CNPC/I-ORG in/O Beijing/I-LOC ./O"],
                vec![
                    "Angela/I-PER Merkel/I-PER flew/O to/O Paris/I-LOC ./O",
                    "German/I-MISC officials/O said/O nothing/O ./O",
                ],
            ];
            docs.iter().map(|d| NerDocument { sentences: d.iter().map(|s| sentence(s)).collect() }).collect()
        }

        fn resources() -> NerResources {
            let data = GazetteerData {
                entries: vec![
                    Entry { name: "China".into(), kind: EntryKind::Country, country: None, major: true },
                    Entry { name: "Germany".into(), kind: EntryKind::Country, country: None, major: true },
                ],
                aliases: vec![
                    Alias { tokens: vec!["China".into()], entry: 0, form: AliasForm::Canonical },
                    Alias { tokens: vec!["German".into()], entry: 1, form: AliasForm::Demonym },
                ],
            };
            let gaz = Gazetteer::from_data(data).unwrap();
            let mut ct = ClusterTrainer::new(ClusterConfig { clusters: 4, min_count: 1 });
            for d in corpus() {
                for s in &d.sentences {
                    ct.add_sequence(s.words.iter().map(String::as_str));
                }
            }
            let (clusters, _) = ct.train().unwrap();
            let mut r = NerResources::new().with_gazetteer(&gaz).with_clusters(&clusters);
            r.add_text(
                "The deal was signed in Beijing on Monday. Officials in Paris said the talks went well.",
            );
            r
        }

        #[test]
        fn training_is_deterministic_and_learns() {
            let opts = NerTrainOptions {
                epochs: 8,
                prune: 0.0,
                upper_copies: 0.3,
                title_copies: 0.3,
                ..Default::default()
            };
            let train = |o: &NerTrainOptions| NerTagger::train(&corpus(), resources(), o, |_| {}).unwrap();
            let a = train(&opts).to_bytes().unwrap();
            let b = train(&opts).to_bytes().unwrap();
            assert_eq!(a, b, "same data and seed must give the same bytes");
            let c = train(&NerTrainOptions { seed: 7, ..opts.clone() }).to_bytes().unwrap();
            assert_ne!(a, c, "the seed should matter");
            let tagger = NerTagger::from_bytes(&a).unwrap();
            assert_eq!(tagger.to_bytes().unwrap(), a, "a loaded model writes back the same bytes");
            let (scores, _) = tagger.evaluate(&corpus());
            assert!(scores.overall.f1() > 99.0, "{scores}");
        }

        /// Trains on CoNLL-2003 `eng.train` and scores `eng.testa` (slow; needs the shared data).
        /// `NER_EPOCHS`, `NER_PRUNE` and `NER_OUT` (where to write the model) are read from the
        /// environment.
        #[test]
        #[ignore]
        fn conll2003_train_and_score_testa() {
            let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
            let train = read_ner_conll(&data.join("tokens/conll2003/eng.train")).unwrap();
            let testa = read_ner_conll(&data.join("tokens/conll2003/eng.testa")).unwrap();
            let mut res = NerResources::new()
                .with_gazetteer(Gazetteer::embedded().unwrap())
                .with_clusters(WordClusters::embedded().unwrap());
            let jsonl = std::fs::read_to_string(data.join("reuters/reuters-train.jsonl")).unwrap();
            for line in jsonl.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                res.add_text(v["text"].as_str().unwrap_or(""));
            }
            for d in &train {
                for s in &d.sentences {
                    res.add_sentence(&s.words.iter().map(String::as_str).collect::<Vec<_>>());
                }
            }
            let env = |k: &str| std::env::var(k).ok();
            let mut opts = NerTrainOptions::default();
            if let Some(e) = env("NER_EPOCHS") {
                opts.epochs = e.parse().unwrap();
            }
            if let Some(p) = env("NER_PRUNE") {
                opts.prune = p.parse().unwrap();
            }
            if let Some(p) = env("NER_UPPER") {
                opts.upper_copies = p.parse().unwrap();
            }
            if let Some(p) = env("NER_TITLE") {
                opts.title_copies = p.parse().unwrap();
            }
            if let Some(p) = env("NER_SEED") {
                opts.seed = p.parse().unwrap();
            }
            if let Some(p) = env("NER_MENTION") {
                opts.mention_copies = p.parse().unwrap();
            }
            let t0 = std::time::Instant::now();
            let tagger = NerTagger::train(&train, res, &opts, |e| {
                if e.epoch == opts.epochs {
                    eprintln!("{e:?} {:.1}s", t0.elapsed().as_secs_f64())
                }
            })
            .unwrap();
            let bytes = tagger.to_bytes().unwrap();
            eprintln!(
                "trained in {:.1}s, {} bytes, stats {:?}",
                t0.elapsed().as_secs_f64(),
                bytes.len(),
                tagger.stats()
            );
            let t1 = std::time::Instant::now();
            let (scores, _) = tagger.evaluate(&testa);
            let n: usize = testa.iter().map(NerDocument::tokens).sum();
            eprintln!("testa ({n} tokens in {:.3}s):\n{scores}", t1.elapsed().as_secs_f64());
            // The first stage alone: a second stage with the first's weights adds nothing.
            let stage1 = NerTagger {
                lexicon: tagger.lexicon.clone(),
                weights: tagger.weights.clone(),
                trans: tagger.trans.clone(),
                stage2: tagger.weights.clone(),
                trans2: tagger.trans.clone(),
                trans_rows: trans_rows(&tagger.trans),
                trans2_rows: trans_rows(&tagger.trans),
                joint: JointWeights::new(&tagger.weights, &tagger.weights).unwrap(),
                // Other weights: its own memos ([`Memo::owner`]).
                id: NEXT_NER_ID.fetch_add(1, Ordering::Relaxed),
            };
            let (scores1, _) = stage1.evaluate(&testa);
            eprintln!("testa, first stage only: F1 {:.2}", scores1.overall.f1());
            if let Some(out) = env("NER_OUT") {
                std::fs::write(out, &bytes).unwrap();
            }
        }

        #[test]
        fn training_rejects_mismatched_labels() {
            let mut docs = corpus();
            docs[0].sentences[0].labels.pop();
            let err = NerTagger::train(&docs, NerResources::new(), &NerTrainOptions::default(), |_| {})
                .unwrap_err();
            assert!(err.to_string().contains("words but"), "{err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(labels: &[NerLabel]) -> Vec<String> {
        labels.iter().map(|l| l.bilou()).collect()
    }

    #[test]
    fn iob1_and_iob2_become_bilou() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("iob1 single", &["I-PER", "O"], &["U-PER", "O"]),
            ("iob1 two", &["I-PER", "I-PER", "O"], &["B-PER", "L-PER", "O"]),
            ("iob1 adjacent", &["I-LOC", "B-LOC"], &["U-LOC", "U-LOC"]),
            ("iob1 type change", &["I-ORG", "I-LOC", "I-LOC"], &["U-ORG", "B-LOC", "L-LOC"]),
            ("iob2 three", &["B-MISC", "I-MISC", "I-MISC"], &["B-MISC", "I-MISC", "L-MISC"]),
            ("bilou", &["U-PER", "B-ORG", "L-ORG"], &["U-PER", "B-ORG", "L-ORG"]),
            ("empty", &[], &[]),
        ];
        for &(name, input, want) in cases {
            assert_eq!(ids(&labels_from_iob(input).unwrap()), want, "{name}");
        }
        assert!(labels_from_iob(&["I-XYZ"]).is_err());
        assert!(labels_from_iob(&["PER"]).is_err());
    }

    #[test]
    fn entities_from_any_label_sequence() {
        use EntityKind::*;
        use NerLabel::*;
        let e = |start, end, kind| Entity { start, end, kind };
        let cases: Vec<(&str, Vec<NerLabel>, Vec<Entity>)> = vec![
            (
                "well formed",
                vec![Begin(Person), Last(Person), Outside, Unit(Location)],
                vec![e(0, 2, Person), e(3, 4, Location)],
            ),
            ("unclosed", vec![Begin(Misc), Inside(Misc)], vec![e(0, 2, Misc)]),
            ("kind change", vec![Begin(Person), Last(Location)], vec![e(0, 1, Person), e(1, 2, Location)]),
            ("stray inside", vec![Outside, Inside(Organization), Outside], vec![e(1, 2, Organization)]),
            ("empty", vec![], vec![]),
        ];
        for (name, labels, want) in cases {
            assert_eq!(entities(&labels), want, "{name}");
        }
        let spans = [e(0, 2, Person), e(3, 4, Location)];
        assert_eq!(entities(&labels_from_entities(5, &spans)), spans);
        let iob: Vec<&str> = labels_from_entities(4, &spans).iter().map(|l| l.iob()).collect();
        assert_eq!(iob, ["B-PER", "I-PER", "O", "B-LOC"]);
        for id in 0..N_CLASSES {
            assert_eq!(NerLabel::from_id(id).id(), id);
        }
    }

    #[test]
    fn iob_schemes() {
        use EntityKind::*;
        use NerLabel::*;
        let labels = [Unit(Location), Unit(Location), Outside, Begin(Person), Last(Person), Unit(Misc)];
        assert_eq!(iob_tags(&labels, true), ["I-LOC", "B-LOC", "O", "I-PER", "I-PER", "I-MISC"]);
        assert_eq!(iob_tags(&labels, false), ["B-LOC", "B-LOC", "O", "B-PER", "I-PER", "B-MISC"]);
        let cases: &[(&[&str], bool)] = &[
            (&["O", "I-PER", "I-PER"], true),
            (&["B-PER", "I-PER"], false),
            (&["I-LOC", "B-LOC"], true),
            (&["O", "B-ORG"], false),
            (&["O"], true),
        ];
        for &(tags, want) in cases {
            assert_eq!(is_iob1(tags), want, "{tags:?}");
            let back = iob_tags(&labels_from_iob(tags).unwrap(), want);
            assert_eq!(back, tags, "round trip");
        }
    }

    #[test]
    fn transitions_follow_bilou() {
        // The 97 legal label pairs the decoder visits.
        let legal =
            (0..N_CLASSES).flat_map(|p| (0..N_CLASSES).map(move |c| (p, c))).filter(|&(p, c)| ALLOWED[p][c]);
        assert_eq!(legal.count(), 97);
        for p in 0..N_CLASSES {
            assert_eq!(CLOSED.contains(&p), allowed(p, 0), "{p}");
        }
        let b_per = NerLabel::Begin(EntityKind::Person).id();
        let l_per = NerLabel::Last(EntityKind::Person).id();
        let l_loc = NerLabel::Last(EntityKind::Location).id();
        assert!(allowed(b_per, l_per) && !allowed(b_per, l_loc) && !allowed(b_per, 0));
        assert!(!allowed(START, l_per) && allowed(l_per, b_per));
        assert!(allowed_last(l_per) && !allowed_last(b_per));
    }

    #[test]
    fn viterbi_respects_constraints() {
        // Emissions want B-PER then O: not allowed, so the best legal path wins.
        let mut em = vec![0i32; 2 * N_CLASSES];
        em[NerLabel::Begin(EntityKind::Person).id()] = 10;
        em[N_CLASSES] = 10;
        em[N_CLASSES + NerLabel::Last(EntityKind::Person).id()] = 4;
        let trans = vec![0i32; (START + 1) * N_CLASSES];
        let (mut back, mut out) = (Vec::new(), Vec::new());
        viterbi(2, &em, &trans, |_| false, &mut back, &mut out);
        let got: Vec<NerLabel> = out.iter().map(|&l| NerLabel::from_id(usize::from(l))).collect();
        assert_eq!(got, [NerLabel::Begin(EntityKind::Person), NerLabel::Last(EntityKind::Person)]);
        // A token known to be outside every name is O whatever its scores: the first can no
        // longer begin a two-token name, so it takes the best single-token label.
        viterbi(2, &em, &trans, |i| i == 1, &mut back, &mut out);
        let got: Vec<NerLabel> = out.iter().map(|&l| NerLabel::from_id(usize::from(l))).collect();
        assert_eq!(got[1], NerLabel::Outside);
        assert!(matches!(got[0], NerLabel::Outside | NerLabel::Unit(_)), "{got:?}");
        viterbi(0, &em, &trans, |_| false, &mut back, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn sentence_case_detection() {
        let cases: &[(&str, SentCase)] = &[
            ("RUSSIA AND CHINA SIGN GAS DEAL", SentCase::Upper),
            ("SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .", SentCase::Upper),
            ("BRUSSELS 1996-08-22", SentCase::Normal),
            ("Putin Visits China for Talks on Trade", SentCase::Title),
            ("Putin visits China for talks", SentCase::Normal),
            ("Peter Blackburn", SentCase::Normal),
            ("", SentCase::Normal),
        ];
        for &(s, want) in cases {
            let words: Vec<&str> = s.split_whitespace().collect();
            assert_eq!(sentence_case(&words), want, "{s}");
        }
    }

    #[test]
    fn headline_words_are_read_in_their_usual_case() {
        let mut lex = Lexicon::default();
        lex.casing.insert(hash_lower("and"), Casing::Lower as u8 | 1 << 6);
        lex.casing.insert(hash_lower("russia"), Casing::Capitalised as u8 | 4 << 3 | 1 << 6);
        lex.casing.insert(hash_lower("gas"), Casing::Lower as u8 | 1 << 6);
        lex.casing.insert(hash_lower("u.s."), Casing::Upper as u8 | 4 << 3 | 1 << 6);
        let mut toks = Vec::new();
        lex.prepare_sentence(&["RUSSIA", "AND", "U.S.", "GAS", "AL-AIN"], &mut toks);
        let forms = ["Russia", "and", "U.S.", "gas", "Al-Ain"];
        for (t, f) in toks.iter().zip(forms) {
            assert_eq!(t.word, hash_str(f), "{f}");
            assert!(t.flags & F_UPPER_SENT != 0);
        }
        toks.clear();
        lex.prepare_sentence(&["And", "Russia", "said"], &mut toks);
        assert_eq!(toks[0].word, hash_str("and"));
        assert!(toks[0].flags & F_RECASED != 0 && toks[1].flags & F_RECASED == 0);
    }

    #[test]
    fn gazetteer_bits_mark_position_in_match() {
        let mut lex = Lexicon::default();
        let mut add = |tokens: &[&str], cat: u32| {
            let mut h = GAZ_START;
            for (k, t) in tokens.iter().enumerate() {
                h = gaz_step(h, hash_str(t));
                let v = lex.gazetteer.entry(h).or_insert(0);
                *v |= if k + 1 == tokens.len() { 1 << cat } else { GAZ_CONTINUES };
            }
        };
        add(&["United", "States"], gaz::COUNTRY);
        add(&["Paris"], gaz::CITY);
        let mut toks = Vec::new();
        lex.prepare_sentence(&["the", "United", "States", "and", "Paris", "United"], &mut toks);
        let c = 4 * gaz::COUNTRY;
        assert_eq!(toks[0].gaz, 0);
        assert_eq!(toks[1].gaz, 1 << c);
        assert_eq!(toks[2].gaz, 1 << (c + 2));
        assert_eq!(toks[4].gaz, 1 << (4 * gaz::CITY + 3));
        assert_eq!(toks[5].gaz, 0, "a prefix alone is no match");
    }

    #[test]
    fn conll_reader_keeps_documents() {
        let text = "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\nPeter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- O O\n\nBonn NNP I-NP I-LOC\n";
        let docs = parse_ner_conll(text, "t").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences.len(), 2);
        assert_eq!(docs[0].tokens(), 4);
        assert_eq!(ids(&docs[0].sentences[1].labels), ["B-PER", "L-PER"]);
        assert_eq!(docs[1].sentences[0].tags, ["I-LOC"]);
        let err = parse_ner_conll("a\n", "f.txt").unwrap_err().to_string();
        assert!(err.contains("f.txt:1"), "{err}");
        let err = parse_ner_conll("a NN I-FOO\n", "f.txt").unwrap_err().to_string();
        assert!(err.contains("I-FOO"), "{err}");
    }

    #[cfg(feature = "embedded")]
    mod embedded {
        use super::super::*;
        use crate::text::{split_sentences, tokenize};

        #[test]
        fn casing_in_names_comes_from_the_lexicon() {
            let tagger = NerTagger::embedded().expect("ner.bin is built in");
            let cases = [
                ("OF", Some(WordCasing::Lower)),
                ("AND", Some(WordCasing::Lower)),
                ("INC", Some(WordCasing::Capitalised)),
                ("NEW", Some(WordCasing::Capitalised)),
                ("IMF", Some(WordCasing::Upper)),
                ("XQZWV", None),
            ];
            for (word, want) in cases {
                assert_eq!(tagger.casing_in_name(word), want, "{word}");
            }
        }

        /// The entities of `text` as (words, kind code).
        fn found(text: &str) -> Vec<(String, &'static str)> {
            let tagger = NerTagger::embedded().expect("ner.bin is built in");
            let tokens = tokenize(text);
            let sentences = split_sentences(text, &tokens);
            tagger
                .recognize_document(text, &tokens, &sentences)
                .iter()
                .map(|e| {
                    let words: Vec<&str> = tokens[e.start..e.end].iter().map(|t| t.text(text)).collect();
                    (words.join(" "), e.kind.code())
                })
                .collect()
        }

        fn pairs(want: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
            want.iter().map(|&(w, k)| (w.to_owned(), k)).collect()
        }

        /// Which tokens are labelled `O` without scoring: lower-case words of an ordinary
        /// sentence seldom seen inside a name in training ("said", "in", "." too: the recased
        /// words of the training's capitalised copies do not count); never a headline's
        /// (recased) words, numbers, capitalised words, or lower-case words often inside names
        /// ("of"); a word seldom inside names ("and") only where no name can hold it.
        #[test]
        fn only_ordinary_lower_case_words_are_skipped() {
            let tagger = NerTagger::embedded().expect("ner.bin is built in");
            let text = "ROB HOWLEY SIGNS FOR CARDIFF\n\nThe Bank of England said inflation rose in 1996 \
                        and zyxwvut fell. Procter and Gamble said so.";
            let tokens = tokenize(text);
            let sentences = split_sentences(text, &tokens);
            let words: Vec<&str> = tokens.iter().map(|t| t.text(text)).collect();
            let mut s = Scratch::default();
            prepare_document(&tagger.lexicon, None, &words, &sentences, &mut s);
            let skipped: Vec<(usize, &str)> = words
                .iter()
                .zip(&s.toks)
                .enumerate()
                .filter(|(_, (_, t))| t.outside)
                .map(|(i, (w, _))| (i, *w))
                .collect();
            let is_skipped = |w: &str, nth: usize| {
                let i = words.iter().enumerate().filter(|(_, x)| **x == w).nth(nth).map(|(i, _)| i).unwrap();
                skipped.iter().any(|&(j, _)| j == i)
            };
            for w in ["inflation", "zyxwvut", "fell", "said", "rose", "in", "."] {
                assert!(is_skipped(w, 0), "{w} is scored: skipped {skipped:?}");
            }
            // "and" after a number, before an ordinary word: skipped; inside "Procter and Gamble":
            // scored.
            assert!(is_skipped("and", 0), "{skipped:?}");
            assert!(!is_skipped("and", 1), "{skipped:?}");
            for w in ["ROB", "HOWLEY", "SIGNS", "FOR", "The", "Bank", "of", "England", "1996", "Procter"] {
                assert!(!is_skipped(w, 0), "{w} is skipped: {skipped:?}");
            }
        }

        /// The memo of words and forms gives each token the same values as reading
        /// every sentence afresh: the same skip decisions, and the same features for every token
        /// scored (an unscored token far from scored ones may keep a light reading of its form,
        /// [`Form::full`], which no feature reads).
        #[test]
        fn memo_gives_the_values_of_a_fresh_reading() {
            let tagger = NerTagger::embedded().expect("ner.bin is built in");
            let text = "RUSSIA AND CHINA SIGN PACT\n\nRussia and China signed a pact. The pact was \
                        signed in Moscow; Russia said the PACT would last. SIGN HERE, Russia said.";
            let tokens = tokenize(text);
            let sentences = split_sentences(text, &tokens);
            let words: Vec<&str> = tokens.iter().map(|t| t.text(text)).collect();
            let mut s = Scratch::default();
            prepare_document(&tagger.lexicon, None, &words, &sentences, &mut s);
            assert!(s.memo.forms.len() < words.len(), "repeated words share a form");
            let mut at = 0;
            for &(a, b) in &sentences {
                let mut fresh = Vec::new();
                tagger.lexicon.prepare_sentence(&words[a..b], &mut fresh);
                for i in 0..b - a {
                    let memo = &s.toks[at..at + b - a];
                    assert_eq!(memo[i].outside, fresh[i].outside, "{}", words[a + i]);
                    if memo[i].outside {
                        continue;
                    }
                    let (mut x, mut y) = (Vec::new(), Vec::new());
                    // The document-level values are not part of a sentence's reading.
                    let strip = |toks: &[Tok]| {
                        toks.iter().map(|t| Tok { doc: 0, topic: 0, ..*t }).collect::<Vec<_>>()
                    };
                    features(&strip(memo), i, &mut x);
                    features(&strip(&fresh), i, &mut y);
                    x.sort_unstable();
                    y.sort_unstable();
                    assert_eq!(x, y, "token {} ({})", a + i, words[a + i]);
                }
                at += b - a;
            }
        }

        /// The one-pass path of tagging gives exactly the labels of the two stages run in turn
        /// with their own weights (as in training), and skips the forms it should.
        #[test]
        fn joint_pass_equals_the_stages_in_turn() {
            let tagger = NerTagger::embedded().expect("ner.bin is built in");
            assert!(tagger.lexicon.skip_outside && !tagger.lexicon.named.is_empty());
            let text = "RUSSIA AND CHINA SIGN PACT\n\nMOSCOW (Reuters) - Russian President Vladimir Putin \
                        met Xi Jinping in Moscow on Tuesday, the Kremlin said. Putin and Xi signed a pact. \
                        Gazprom chief Alexei Miller said the deal with CNPC was near. the talks in \
                        beijing ended.";
            let tokens = tokenize(text);
            let sentences = split_sentences(text, &tokens);
            let words: Vec<&str> = tokens.iter().map(|t| t.text(text)).collect();
            let mut fast = Vec::new();
            tagger.tag_flat(&words, &sentences, &mut fast);
            let mut s = Scratch::default();
            prepare_document(&tagger.lexicon, None, &words, &sentences, &mut s);
            assert!(s.toks.iter().any(|t| t.outside), "common words are skipped");
            let mut toks = std::mem::take(&mut s.toks);
            // `sentences` cover every token here, so the ranges into `toks` are the same.
            assert_eq!(sentences.iter().map(|&(a, b)| b - a).sum::<usize>(), words.len());
            run_stage1(
                &Weights::from_stored(tagger.weights.clone()).unwrap(),
                &tagger.trans,
                &mut toks,
                &sentences,
                &mut s,
            );
            let mut slow = vec![0u8; toks.len()];
            run_stage2(
                &Weights::from_stored(tagger.stage2.clone()).unwrap(),
                &tagger.trans2,
                &mut toks,
                &sentences,
                &mut s,
                &mut slow,
            );
            let slow: Vec<NerLabel> = slow.iter().map(|&l| NerLabel::from_id(usize::from(l))).collect();
            assert_eq!(fast, slow);
            assert!(fast.iter().filter(|l| l.kind().is_some()).count() >= 10, "{fast:?}");
        }

        /// The thread's memo kept across documents changes no document's labels: a document
        /// tagged after others (sharing words with them, some read differently there) gets the
        /// labels it gets on a fresh thread, and a memo filled by another tagger instance (with
        /// its own weights) is not reused.
        #[test]
        fn memo_across_documents_changes_no_labels() {
            let tagger = NerTagger::embedded().expect("ner.bin is built in");
            let docs = [
                "APPLE SUES SAMSUNG OVER PATENTS\n\nApple Inc said on Monday it sued Samsung in \
                 California. Tim Cook said apple growers in Washington were not involved. The \
                 court in San Jose will hear the case.",
                "Samsung said Apple was wrong. WASHINGTON (Reuters) - The Washington Post reported \
                 that Cook met growers in California. apple prices fell 3 percent, and the court \
                 said so.",
                "1. Washington 3 2 1\n2. California 2 1 1\n\nSan Jose beat Washington on Sunday; \
                 Cook and the Apple team watched.",
            ];
            let tag = |tagger: &NerTagger, text: &str| {
                let tokens = tokenize(text);
                let sentences = split_sentences(text, &tokens);
                let words: Vec<&str> = tokens.iter().map(|t| t.text(text)).collect();
                let mut out = Vec::new();
                tagger.tag_flat(&words, &sentences, &mut out);
                out
            };
            let fresh: Vec<Vec<NerLabel>> = docs
                .iter()
                .map(|d| std::thread::scope(|sc| sc.spawn(|| tag(tagger, d)).join().unwrap()))
                .collect();
            assert!(fresh.iter().all(|l| l.iter().any(|l| l.kind().is_some())), "{fresh:?}");
            std::thread::scope(|sc| {
                sc.spawn(|| {
                    for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 0, 1]] {
                        for i in order {
                            assert_eq!(tag(tagger, docs[i]), fresh[i], "document {i} after {order:?}");
                        }
                    }
                    // Another instance of the same model takes the memo over, then gives it back.
                    let other = NerTagger::from_bytes(&tagger.to_bytes().unwrap()).unwrap();
                    assert_ne!(other.id, tagger.id);
                    for i in [2, 0, 1] {
                        assert_eq!(tag(&other, docs[i]), fresh[i], "document {i}, other tagger");
                        assert_eq!(tag(tagger, docs[i]), fresh[i], "document {i}, back");
                    }
                    SCRATCH.with(|s| assert_eq!(s.borrow().memo.owner, tagger.id));
                })
                .join()
                .unwrap();
            });
        }

        #[test]
        fn people_places_and_organisations() {
            let cases: &[(&str, &[(&str, &str)])] = &[
                (
                    "Sberbank CEO German Gref met Elvira Nabiullina in Moscow.",
                    &[
                        // "Sberbank" opening the sentence: see `unseen_company_opening_a_sentence`.
                        ("German Gref", "PER"),
                        ("Elvira Nabiullina", "PER"),
                        ("Moscow", "LOC"),
                    ],
                ),
                ("RUSSIA AND CHINA SIGN GAS DEAL", &[("RUSSIA", "LOC"), ("CHINA", "LOC")]),
                ("Russia and China Sign Gas Deal", &[("Russia", "LOC"), ("China", "LOC")]),
                (
                    "Angela Merkel said in Berlin that Germany would help.",
                    &[("Angela Merkel", "PER"), ("Berlin", "LOC"), ("Germany", "LOC")],
                ),
            ];
            let wrong: Vec<String> = cases
                .iter()
                .map(|&(text, want)| (text, found(text), pairs(want)))
                .filter(|(_, got, want)| got != want)
                .map(|(text, got, want)| format!("{text}\n   found {got:?}\n  wanted {want:?}"))
                .collect();
            assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        }

        /// Known error of the current model: an unseen German institution comes out as a place.
        /// Kept as a test so that a better model can be checked against it (issue 4).
        #[test]
        #[ignore = "known NER error: Bundestag tagged LOC, not ORG"]
        fn unseen_institution_is_an_organisation() {
            let tagger = NerTagger::embedded().unwrap();
            let text = "Angela Merkel told the Bundestag in Berlin that Germany would help.";
            let tokens = crate::text::tokenize(text);
            let sentences = crate::text::split_sentences(text, &tokens);
            let found = tagger.recognize_document(text, &tokens, &sentences);
            let bundestag =
                found.iter().find(|e| &text[tokens[e.start].start..tokens[e.end - 1].end] == "Bundestag");
            assert_eq!(bundestag.map(|e| e.kind), Some(EntityKind::Organization));
        }

        /// Known error of the current model (the model of 12 passes found it; the shipped one of
        /// 20 passes, better on `eng.testa` overall, does not): an unseen company name as the first
        /// word of a sentence is read as an ordinary capitalised first word.
        #[test]
        #[ignore = "known NER error: sentence-initial unseen company name missed"]
        fn unseen_company_opening_a_sentence() {
            let got = found("Sberbank CEO German Gref met Elvira Nabiullina in Moscow.");
            assert!(got.contains(&("Sberbank".to_owned(), "ORG")), "{got:?}");
        }

        #[test]
        fn sentences_and_documents_agree_on_spans() {
            let tagger = NerTagger::embedded().unwrap();
            let words = ["Vladimir", "Putin", "visited", "Beijing", "."];
            let labels = tagger.tag(&words);
            assert_eq!(labels.len(), words.len());
            let spans = entities(&labels);
            assert_eq!(
                spans,
                [
                    Entity { start: 0, end: 2, kind: EntityKind::Person },
                    Entity { start: 3, end: 4, kind: EntityKind::Location }
                ]
            );
            let doc = tagger.tag_document(&[&words[..], &[][..], &words[..]]);
            assert_eq!(doc.len(), 3);
            assert!(doc[1].is_empty());
            assert_eq!(entities(&doc[2]), spans);
            // Odd input never panics.
            for words in [&["", " ", "\u{0}"][..], &["A"; 300][..], &["ÉÉÉ", "ß", "İ", "🙂"][..]] {
                assert_eq!(tagger.tag(words).len(), words.len());
            }
        }
    }

    /// Prints the labels of both stages and the emission scores for the sentences in
    /// `NER_PROBE` (separated by `|`); for looking into the embedded model.
    #[cfg(feature = "embedded")]
    #[test]
    #[ignore]
    fn probe() {
        let tagger = NerTagger::embedded().unwrap();
        let text = std::env::var("NER_PROBE").unwrap_or_default();
        for sent in text.split('|') {
            let words: Vec<&str> = sent.split_whitespace().collect();
            let mut s = Scratch::default();
            prepare_document(&tagger.lexicon, None, &words, &[(0, words.len())], &mut s);
            let mut toks = std::mem::take(&mut s.toks);
            let ranges = [(0, words.len())];
            run_stage1(
                &Weights::from_stored(tagger.weights.clone()).unwrap(),
                &tagger.trans,
                &mut toks,
                &ranges,
                &mut s,
            );
            let mut out = vec![0u8; words.len()];
            run_stage2(
                &Weights::from_stored(tagger.stage2.clone()).unwrap(),
                &tagger.trans2,
                &mut toks,
                &ranges,
                &mut s,
                &mut out,
            );
            let em = s.em.clone();
            for (i, w) in words.iter().enumerate() {
                let e = &em[i * N_CLASSES..(i + 1) * N_CLASSES];
                let mut top: Vec<(i32, String)> =
                    e.iter().enumerate().map(|(c, &v)| (v, NerLabel::from_id(c).bilou())).collect();
                top.sort_by_key(|b| std::cmp::Reverse(b.0));
                eprintln!(
                    "{w:>14} s1={:<7} s2={:<7} run={:>2} flags={:#07x} {:?}",
                    NerLabel::from_id(usize::from(toks[i].s1)).bilou(),
                    NerLabel::from_id(usize::from(out[i])).bilou(),
                    toks[i].run_pos,
                    toks[i].flags,
                    &top[..4]
                );
            }
        }
    }

    #[test]
    fn garbage_model_bytes_are_an_error() {
        for bytes in [&b""[..], b"NEWSTAG\0NER_", &[0u8; 64]] {
            assert!(NerTagger::from_bytes(bytes).is_err());
        }
    }
}
