//! An article after text analysis: one string for title and body, its tokens, sentences and
//! word classes. Everything downstream addresses tokens by index and text by byte offset.

use crate::text::{self, Token, TokenKind};
use std::borrow::Cow;

/// The separator between title and body in [`Document::text`].
pub const TITLE_SEPARATOR: &str = "\n\n";

/// Coarse word classes the candidate finder works with, from POS tags or, without a POS model,
/// from spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WordClass {
    /// Common noun (NN, NNS).
    Noun,
    /// Proper noun (NNP, NNPS).
    Proper,
    /// Adjective, or a participle used as one (JJ*, VBN, VBG before a noun).
    Adjective,
    /// A number (CD).
    Number,
    /// Possessive marker ('s).
    Possessive,
    /// Verb.
    Verb,
    /// Anything else: determiners, prepositions, pronouns, adverbs, punctuation.
    Other,
}

/// An analysed article.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// `title + "\n\n" + body`, NFC. Token offsets index this string; [`Document::input_span`]
    /// maps them to the caller's input when NFC changed it.
    pub text: Cow<'a, str>,
    /// Where `text`'s offsets fall in `title + "\n\n" + body` as given, when NFC changed it.
    pub offsets: Option<text::OffsetMap>,
    /// Byte offset where the body starts.
    pub body_start: usize,
    /// Tokens of the whole text.
    pub tokens: Vec<Token>,
    /// Number of tokens in the title (the title's tokens come first).
    pub title_tokens: usize,
    /// Sentences as token index ranges; the title is its own sentence(s).
    pub sentences: Vec<(usize, usize)>,
    /// Sentence index of each token.
    pub sentence_of: Vec<u32>,
    /// Whether each sentence is written mostly in capitals (wire headlines).
    pub caps: Vec<bool>,
    /// Penn Treebank tag of each token, when a POS model ran.
    pub pos: Vec<crate::tag::PosTag>,
    /// Word class of each token.
    pub class: Vec<WordClass>,
    /// Whether each token is a stopword.
    pub stop: Vec<bool>,
    /// Named entities, when a recognizer ran (token ranges).
    pub entities: Option<Vec<crate::tag::ner::Entity>>,
    /// Noun-phrase chunk tag of each token when the chunker ran (empty otherwise):
    /// [`NP_OUT`], [`NP_BEGIN`] or [`NP_INSIDE`].
    pub np: Vec<u8>,
    /// The tokens the models read: `0..analysed`, whole sentences from the title on (the lead;
    /// all of them unless the tagger reads a lead only, [`crate::TaggerBuilder::lead`]). `pos`,
    /// `np` and `entities` cover these; later tokens are classed by spelling, and only further
    /// mentions of the names and phrases found in the lead are looked for there.
    pub analysed: usize,
}

/// [`Document::np`]: the token is in no noun phrase.
pub const NP_OUT: u8 = 0;
/// [`Document::np`]: the token begins a noun phrase.
pub const NP_BEGIN: u8 = 1;
/// [`Document::np`]: the token continues the noun phrase before it.
pub const NP_INSIDE: u8 = 2;

impl<'a> Document<'a> {
    /// Tokenizes and splits an article. `title` and `body` should already be NFC.
    pub fn new(title: &str, body: &str) -> Document<'static> {
        let mut s = String::with_capacity(title.len() + body.len() + 2);
        s.push_str(title);
        s.push_str(TITLE_SEPARATOR);
        s.push_str(body);
        let (text, offsets) = match text::normalize_with_map(&s) {
            (Cow::Borrowed(_), _) => (s, None),
            (Cow::Owned(n), map) => (n, map),
        };
        let title_len = text::normalize(title).len();
        let mut doc = Document::from_text(Cow::Owned(text), title_len + TITLE_SEPARATOR.len());
        doc.offsets = offsets;
        doc
    }

    /// The byte range `[start, end)` of `text` (NFC) as a range of the input as given
    /// (`title + "\n\n" + body` before normalisation). The same range when the input was NFC.
    pub fn input_span(&self, start: usize, end: usize) -> [usize; 2] {
        match &self.offsets {
            None => [start, end],
            Some(map) => [map.start(start), map.end(end)],
        }
    }

    fn from_text(text: Cow<'a, str>, body_start: usize) -> Document<'a> {
        let tokens = text::tokenize(&text);
        let title_tokens = tokens.iter().take_while(|t| t.start < body_start).count();
        let mut sentences =
            text::split_sentences(&text[..body_start.min(text.len())], &tokens[..title_tokens]);
        for (a, b) in text::split_sentences(&text, &tokens[title_tokens..]) {
            sentences.push((a + title_tokens, b + title_tokens));
        }
        let mut sentence_of = vec![0u32; tokens.len()];
        let mut caps = Vec::with_capacity(sentences.len());
        for (si, &(a, b)) in sentences.iter().enumerate() {
            let (mut upper, mut letters) = (0usize, 0usize);
            for (k, t) in tokens[a..b].iter().enumerate() {
                sentence_of[a + k] = si as u32;
                if t.kind == TokenKind::Word {
                    letters += 1;
                    // A lower-case ASCII letter settles it, and most words start with one.
                    let all_upper = if text.as_bytes()[t.start..t.end].iter().any(u8::is_ascii_lowercase) {
                        false
                    } else {
                        let w = t.text(&text);
                        w.is_ascii() || w.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase)
                    };
                    if all_upper {
                        upper += 1;
                    }
                }
            }
            caps.push(letters >= 2 && upper * 10 >= letters * 8);
        }
        let analysed = tokens.len();
        Document {
            text,
            offsets: None,
            body_start,
            tokens,
            title_tokens,
            sentences,
            sentence_of,
            caps,
            pos: Vec::new(),
            class: Vec::new(),
            stop: Vec::new(),
            entities: None,
            np: Vec::new(),
            analysed,
        }
    }

    /// The text of token `i`.
    #[inline]
    pub fn word(&self, i: usize) -> &str {
        self.tokens[i].text(&self.text)
    }

    /// Whether token `i` starts its sentence (ignoring opening quotes and brackets).
    pub fn sentence_initial(&self, i: usize) -> bool {
        let (a, _) = self.sentences[self.sentence_of[i] as usize];
        (a..i).all(|k| self.tokens[k].kind == TokenKind::Punct)
    }

    /// The tokens of the body's dateline, the place a wire story is filed from, which news writes
    /// in capitals before a comma, a dash or a bracket ("MBABANE, Swaziland - ...", "NANJING,
    /// April 3 (Xinhua) --"): capitals of convention, as in a capitals-only headline. Empty when
    /// the body does not open so.
    pub fn dateline(&self) -> std::ops::Range<usize> {
        let start = self.title_tokens.min(self.tokens.len());
        let capitals = |k: usize| {
            let case = text::LetterCase::of(self.word(k));
            self.tokens[k].kind == TokenKind::Word && case.lower == 0 && case.upper >= 2
        };
        let end = (start..self.tokens.len()).find(|&k| !capitals(k)).unwrap_or(self.tokens.len());
        let closed = matches!(
            self.tokens.get(end).map(|t| t.text(&self.text)),
            Some("," | "-" | "--" | "\u{2013}" | "\u{2014}" | "(")
        );
        if closed {
            start..end
        } else {
            start..start
        }
    }

    /// Whether token `i` is in capitals-only text, where case says nothing about names.
    #[inline]
    pub fn in_caps(&self, i: usize) -> bool {
        self.caps[self.sentence_of[i] as usize]
    }

    /// Whether token `i` is in the title.
    #[inline]
    pub fn in_title(&self, i: usize) -> bool {
        i < self.title_tokens
    }

    /// Whether the title is written in title case (most words capitalised).
    pub fn title_case(&self) -> bool {
        let (mut words, mut caps) = (0usize, 0usize);
        for i in 0..self.title_tokens {
            if self.tokens[i].kind != TokenKind::Word {
                continue;
            }
            let w = self.word(i);
            if text::is_stopword(w) {
                continue;
            }
            words += 1;
            if w.chars().next().is_some_and(char::is_uppercase) {
                caps += 1;
            }
        }
        words >= 2 && caps * 10 >= words * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let d = Document::new("Putin visits China", "He arrived. It rained.");
        assert_eq!(&d.text[d.body_start..], "He arrived. It rained.");
        assert_eq!(d.title_tokens, 3);
        assert_eq!(d.sentences, vec![(0, 3), (3, 6), (6, 9)]);
        assert!(d.in_title(2) && !d.in_title(3));
        assert!(d.sentence_initial(3) && !d.sentence_initial(4));
        assert!(!d.title_case(), "sentence-case headline");
        assert!(Document::new("Workers Try To Unload Tanker", "x").title_case());
    }

    #[test]
    fn caps_headline() {
        let d = Document::new("BAHIA COCOA REVIEW", "Showers continued in Bahia.");
        assert!(d.in_caps(0) && !d.in_caps(3));
    }

    #[test]
    fn datelines_are_the_bodys_opening_capitals_before_punctuation() {
        // "Storm hits" is tokens 0-1; the body starts at token 2.
        let d = Document::new("Storm hits", "ST. LOUIS, March 3 - Rain fell.");
        assert_eq!(d.dateline(), 2..4, "{:?}", d.tokens);
        assert_eq!(Document::new("Storm hits", "WASHINGTON (Reuters) - Rain fell.").dateline(), 2..3);
        // Capitals that run into the sentence are not a dateline, nor is a body in lower case.
        assert!(Document::new("Storm hits", "NATO SAID on Monday it would act.").dateline().is_empty());
        assert!(Document::new("Storm hits", "Rain fell, and then more.").dateline().is_empty());
        assert!(Document::new("", "").dateline().is_empty());
    }

    #[test]
    fn empty_title_and_nfc() {
        let d = Document::new("", "Cafe\u{301} opens.");
        assert_eq!(d.title_tokens, 0);
        assert_eq!(d.word(0), "Caf\u{e9}");
        assert_eq!(d.body_start, 2);
    }
}
