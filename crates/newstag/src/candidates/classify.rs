//! Word classes from Penn Treebank tags, or from spelling when no POS model is loaded.

use crate::document::{Document, WordClass};
use crate::tag::PosTag;
use crate::text::{is_stopword, TokenKind};

/// Maps a Penn Treebank tag to a word class.
pub fn class_of_ptb(tag: &str) -> WordClass {
    PosTag::parse(tag).map_or(WordClass::Other, class_of_tag)
}

/// Maps a part-of-speech tag to a word class.
pub fn class_of_tag(tag: PosTag) -> WordClass {
    match tag {
        PosTag::NN | PosTag::NNS => WordClass::Noun,
        PosTag::NNP | PosTag::NNPS => WordClass::Proper,
        PosTag::JJ | PosTag::JJR | PosTag::JJS | PosTag::VBN => WordClass::Adjective,
        PosTag::CD => WordClass::Number,
        PosTag::POS => WordClass::Possessive,
        t if t.is_verb() || t == PosTag::MD => WordClass::Verb,
        _ => WordClass::Other,
    }
}

/// Fills `doc.class`: from `doc.pos` for the tokens it tags (the lead the models read, see
/// [`Document::analysed`]), from spelling for the others (all of them when no POS model ran).
pub fn classify(doc: &mut Document<'_>) {
    let n = doc.tokens.len();
    // Every stopword has a letter, so only word tokens can be one.
    doc.stop =
        doc.tokens.iter().map(|t| t.kind == TokenKind::Word && is_stopword(t.text(&doc.text))).collect();
    let mut class = Vec::with_capacity(n);
    let tagged = doc.pos.len().min(n);
    // In capitals, a tagger trained on mixed case over-predicts NNP; keep its decision but
    // let stopwords stay function words.
    class.extend(doc.pos[..tagged].iter().zip(&doc.stop).map(|(&tag, &stop)| match class_of_tag(tag) {
        WordClass::Proper if stop => WordClass::Other,
        c => c,
    }));
    if tagged == 0 {
        let lower_words: rustc_hash::FxHashSet<&str> = doc
            .tokens
            .iter()
            .map(|t| t.text(&doc.text))
            .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
            .collect();
        for i in 0..n {
            class.push(guess(doc, i, &lower_words));
        }
    } else {
        class.extend((tagged..n).map(|i| past_lead(doc, i)));
    }
    link_case_blind(doc, &mut class);
    doc.class = class;
}

/// In text whose capitals say nothing (a headline in capitals or in Title Case), a word is a name
/// exactly when the article's body writes it as one ("BAHIA COCOA REVIEW" -> Bahia).
fn link_case_blind(doc: &Document<'_>, class: &mut [WordClass]) {
    let title_case = doc.title_case();
    // Blind text is whole sentences: those in capitals, and the title's when it is in Title Case.
    // Each sentence's tokens, and whether it is blind.
    let sentences = || {
        doc.sentences
            .iter()
            .enumerate()
            .map(|(s, &(a, b))| (doc.caps[s] || (title_case && a < doc.title_tokens), a..b))
    };
    if !sentences().any(|(blind, tokens)| blind && !tokens.is_empty()) {
        return;
    }
    let mut buf = String::new();
    let mut names: rustc_hash::FxHashSet<String> = Default::default();
    for (_, tokens) in sentences().filter(|(blind, _)| !blind) {
        for i in tokens {
            if class[i] == WordClass::Proper && !doc.sentence_initial(i) {
                lower_into(&mut buf, doc.word(i));
                if !names.contains(buf.as_str()) {
                    names.insert(buf.clone());
                }
            }
        }
    }
    for (_, tokens) in sentences().filter(|(blind, _)| *blind) {
        for i in tokens {
            if doc.tokens[i].kind != TokenKind::Word || doc.stop[i] {
                continue;
            }
            lower_into(&mut buf, doc.word(i));
            let is_name = names.contains(buf.as_str());
            if is_name {
                class[i] = WordClass::Proper;
            } else if class[i] == WordClass::Proper {
                class[i] = WordClass::Noun;
            }
        }
    }
}

/// `buf = word.to_lowercase()`, reusing `buf`'s allocation.
fn lower_into(buf: &mut String, word: &str) {
    buf.clear();
    if word.is_ascii() {
        buf.push_str(word);
        buf.make_ascii_lowercase();
    } else {
        buf.push_str(&word.to_lowercase());
    }
}

/// The class of a token past the lead the POS model read ([`Document::analysed`]), where
/// only names matter (a surname alone must look like one; a headline's words are linked to the
/// body's names): what spelling settles ([`settled_by_spelling`]: a capitalised word inside a
/// sentence is a name), any other word a noun.
fn past_lead(doc: &Document<'_>, i: usize) -> WordClass {
    settled_by_spelling(doc, i).unwrap_or(WordClass::Noun)
}

/// The classes spelling settles: numbers, punctuation, the possessive, stopwords, and a
/// capitalised word inside a sentence of ordinary case (a name); `None` for other words.
fn settled_by_spelling(doc: &Document<'_>, i: usize) -> Option<WordClass> {
    let w = doc.word(i);
    match doc.tokens[i].kind {
        TokenKind::Number => return Some(WordClass::Number),
        TokenKind::Punct | TokenKind::Symbol => return Some(WordClass::Other),
        TokenKind::Word => {}
    }
    if w == "'s" || w == "\u{2019}s" {
        return Some(WordClass::Possessive);
    }
    if doc.stop[i] {
        return Some(WordClass::Other);
    }
    let first_upper = w.chars().next().is_some_and(char::is_uppercase);
    let caps = doc.in_caps(i) || (doc.in_title(i) && doc.title_case());
    (first_upper && !caps && !doc.sentence_initial(i)).then_some(WordClass::Proper)
}

/// Spelling-based class for one token (the fallback without a POS model).
fn guess(doc: &Document<'_>, i: usize, lower_words: &rustc_hash::FxHashSet<&str>) -> WordClass {
    if let Some(class) = settled_by_spelling(doc, i) {
        return class;
    }
    let w = doc.word(i);
    let first_upper = w.chars().next().is_some_and(char::is_uppercase);
    let caps = doc.in_caps(i) || (doc.in_title(i) && doc.title_case());
    let lower = w.to_lowercase();
    if lower.ends_with("ly") && lower.len() > 4 {
        return WordClass::Other;
    }
    if w.contains('-') && w.chars().any(|c| c.is_ascii_digit()) {
        return WordClass::Adjective;
    }
    const ADJ_SUFFIXES: &[&str] =
        &["al", "ous", "ive", "ic", "ical", "ary", "ful", "less", "able", "ible", "ian", "ese"];
    if ADJ_SUFFIXES.iter().any(|s| lower.ends_with(s)) && lower.len() > 5 {
        return WordClass::Adjective;
    }
    if (lower.ends_with("ed") || lower.ends_with("ing")) && lower.len() > 5 {
        return WordClass::Verb;
    }
    if first_upper && caps {
        return WordClass::Noun;
    }
    if first_upper {
        // Sentence-initial capitalised word: a name if it is never written lower-case in the doc.
        return if lower_words.contains(lower.as_str()) { WordClass::Noun } else { WordClass::Proper };
    }
    WordClass::Noun
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ptb_table() {
        for (tag, want) in [
            ("NN", WordClass::Noun),
            ("NNPS", WordClass::Proper),
            ("JJR", WordClass::Adjective),
            ("CD", WordClass::Number),
            ("POS", WordClass::Possessive),
            ("VBD", WordClass::Verb),
            ("DT", WordClass::Other),
        ] {
            assert_eq!(class_of_ptb(tag), want, "{tag}");
        }
    }

    #[test]
    fn spelling_fallback() {
        let mut d = Document::new("", "The oil spill hit Alaska's coast quickly.");
        classify(&mut d);
        let got: Vec<WordClass> = d.class.clone();
        use WordClass::*;
        assert_eq!(got, vec![Other, Noun, Noun, Noun, Proper, Possessive, Noun, Other, Other]);
    }
}
