//! Property tests of the offset invariant and of normalisation.
//!
//! - Normalisation is idempotent, and `is_normalized` agrees with it.
//! - Every token is a non-empty slice of the input on char boundaries, in order.
//! - Every mention of every tag (all ranked candidates, not just the chosen ones) slices the
//!   input (`title + "\n\n" + text` as given) on char boundaries; for NFC input at token
//!   boundaries, for other input at the bounds of the NFC pieces that hold the tokens.

use newstag::document::TITLE_SEPARATOR;
use newstag::text::{self, tokenize};
use newstag::{Article, Tagger};
use proptest::prelude::*;
use std::sync::OnceLock;

fn tagger() -> &'static Tagger {
    static T: OnceLock<Tagger> = OnceLock::new();
    T.get_or_init(|| Tagger::new().expect("embedded models load"))
}

/// Words that make news-like text: names the gazetteer knows, function words, punctuation,
/// abbreviations, clitics, numbers, and some characters that test the edges (combining
/// accents, RTL, zero-width, curly quotes).
const WORDS: &[&str] = &[
    "Vladimir",
    "Putin",
    "Xi",
    "Jinping",
    "China",
    "Russia",
    "Beijing",
    "U.S.",
    "European",
    "Union",
    "NATO",
    "oil",
    "spill",
    "prices",
    "the",
    "of",
    "in",
    "and",
    "said",
    "on",
    "Monday",
    "Mr.",
    "Dr.",
    "President",
    "minister",
    "'s",
    "n't",
    "don't",
    "Russia's",
    ",",
    ".",
    "!",
    "?",
    ";",
    ":",
    "\"",
    "``",
    "''",
    "(",
    ")",
    "-",
    "--",
    "10,080,000",
    "1.2",
    "3%",
    "$",
    "\u{201C}",
    "\u{201D}",
    "\u{2019}s",
    "Cafe\u{301}",
    "caf\u{e9}",
    "\u{5d9}\u{5e8}\u{5d5}\u{5e9}\u{5dc}\u{5d9}\u{5dd}",
    "\u{645}\u{635}\u{631}",
    "\u{200B}",
    "\u{200D}",
    "\u{FEFF}",
    "\u{AD}",
    "\u{202E}",
    "\n",
    "\n\n",
    "\t",
    "A.",
    "J.",
    "www.example.com/a.",
    "e.g.",
    "O'Brien",
    "Al-Qaeda",
    "\u{1F600}",
    "\u{0}",
    "IBM",
    "Inc.",
    "Gazprom",
    "Alaska",
];

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..60).prop_map(|w| w.join(" "))
}

/// News-like text, arbitrary text, or a mix.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => words(),
        1 => any::<String>(),
        1 => (words(), any::<String>(), words()).prop_map(|(a, b, c)| format!("{a}{b}{c}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn normalisation_is_idempotent(s in any_text()) {
        let once = text::normalize(&s);
        let twice = text::normalize(&once);
        prop_assert_eq!(&once, &twice);
        prop_assert!(text::is_normalized(&once));
        prop_assert_eq!(text::is_normalized(&s), *once == *s);
    }

    #[test]
    fn tokens_slice_the_input(s in any_text()) {
        let tokens = tokenize(&s);
        let mut prev = 0;
        for t in &tokens {
            prop_assert!(t.start < t.end);
            prop_assert!(t.start >= prev, "out of order: {:?}", t);
            let piece = s.get(t.start..t.end);
            prop_assert!(piece.is_some(), "not on char boundaries: {:?}", t);
            prop_assert!(!piece.unwrap_or("").trim().is_empty());
            prev = t.end;
        }
        // Sentences partition the tokens.
        let mut next = 0;
        for (a, b) in text::split_sentences(&s, &tokens) {
            prop_assert_eq!(a, next);
            prop_assert!(a < b);
            next = b;
        }
        prop_assert_eq!(next, tokens.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mentions_slice_the_text_at_token_boundaries(title in any_text(), body in any_text()) {
        let article = Article::new(title.as_str(), body.as_str());
        let input = format!("{title}{TITLE_SEPARATOR}{body}");
        let full = text::normalize(&input).into_owned();
        let tokens = tokenize(&full);
        let starts: std::collections::HashSet<usize> = tokens.iter().map(|t| t.start).collect();
        let ends: std::collections::HashSet<usize> = tokens.iter().map(|t| t.end).collect();
        match tagger().rank(&article) {
            Ok(ranked) => {
                prop_assert!(ranked.chosen <= ranked.tags.len());
                for tag in &ranked.tags {
                    prop_assert!(!tag.mentions.is_empty());
                    prop_assert!((0.0..=1.0).contains(&tag.score) || tag.score.is_finite());
                    for &[a, b] in &tag.mentions {
                        // Offsets index the input as given, NFC or not.
                        let piece = input.get(a..b);
                        prop_assert!(piece.is_some(), "{:?}: {}..{} not in the input", tag.name, a, b);
                        let piece = piece.unwrap_or("");
                        prop_assert!(!piece.trim().is_empty(), "{:?}: {}..{} is blank", tag.name, a, b);
                        if input == full {
                            prop_assert!(starts.contains(&a) && ends.contains(&b),
                                "{:?}: {}..{} not at token boundaries", tag.name, a, b);
                        } else {
                            // The mention in NFC is in the analysed text, starting where a token
                            // starts there. Tokens depend on their context ("Σ-" is one token
                            // before "n't", two alone), so the piece is not tokenized alone; and
                            // NFC reorders combining marks across the mention's end, so its end
                            // is not compared.
                            let nfc = text::normalize(piece);
                            let at_token = full.match_indices(nfc.as_ref()).any(|(p, _)| starts.contains(&p));
                            prop_assert!(at_token, "{:?}: {:?} does not start at a token of the NFC text", tag.name, nfc);
                        }
                    }
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("empty article"), "{}", e),
        }
    }
}
