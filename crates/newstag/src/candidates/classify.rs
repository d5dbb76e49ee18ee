//! Word classes from Penn Treebank tags, or from spelling when no POS model is loaded.

use crate::document::{Document, WordClass};
use crate::text::{is_stopword, TokenKind};

/// Maps a Penn Treebank tag to a word class.
pub fn class_of_ptb(tag: &str) -> WordClass {
    match tag {
        "NN" | "NNS" => WordClass::Noun,
        "NNP" | "NNPS" => WordClass::Proper,
        "JJ" | "JJR" | "JJS" | "VBN" => WordClass::Adjective,
        "CD" => WordClass::Number,
        "POS" => WordClass::Possessive,
        t if t.starts_with("VB") || t == "MD" => WordClass::Verb,
        _ => WordClass::Other,
    }
}

/// Fills `doc.class`: from `doc.pos` when present, else from spelling.
pub fn classify(doc: &mut Document<'_>) {
    let n = doc.tokens.len();
    let mut class = Vec::with_capacity(n);
    if doc.pos.len() == n {
        for i in 0..n {
            let mut c = class_of_ptb(doc.pos[i]);
            // In capitals, a tagger trained on mixed case over-predicts NNP; keep its decision but
            // let stopwords stay function words.
            if c == WordClass::Proper && is_stopword(doc.word(i)) {
                c = WordClass::Other;
            }
            class.push(c);
        }
    } else {
        for i in 0..n {
            class.push(guess(doc, i));
        }
    }
    doc.class = class;
}

/// Spelling-based class for one token (the fallback without a POS model).
fn guess(doc: &Document<'_>, i: usize) -> WordClass {
    let t = &doc.tokens[i];
    let w = doc.word(i);
    match t.kind {
        TokenKind::Number => return WordClass::Number,
        TokenKind::Punct | TokenKind::Symbol => return WordClass::Other,
        TokenKind::Word => {}
    }
    if w == "'s" || w == "\u{2019}s" {
        return WordClass::Possessive;
    }
    if is_stopword(w) {
        return WordClass::Other;
    }
    let first_upper = w.chars().next().is_some_and(char::is_uppercase);
    let caps = doc.in_caps(i) || (doc.in_title(i) && doc.title_case());
    if first_upper && !caps && !doc.sentence_initial(i) {
        return WordClass::Proper;
    }
    let lower = w.to_lowercase();
    if lower.ends_with("ly") && lower.len() > 4 {
        return WordClass::Other;
    }
    if w.contains('-') && w.chars().any(|c| c.is_ascii_digit()) {
        return WordClass::Adjective;
    }
    const ADJ_SUFFIXES: &[&str] = &[
        "al", "ous", "ive", "ic", "ical", "ary", "ful", "less", "able", "ible", "ian", "ese",
    ];
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
        let seen_lower = doc.tokens.iter().any(|t| t.text(&doc.text) == lower);
        return if seen_lower {
            WordClass::Noun
        } else {
            WordClass::Proper
        };
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
        assert_eq!(
            got,
            vec![Other, Noun, Noun, Noun, Proper, Possessive, Noun, Other, Other]
        );
    }
}
