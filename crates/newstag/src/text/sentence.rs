//! Sentence splitting over tokens.
//!
//! A sentence ends at `.`, `!`, `?` or `...` (with any closing quotes and brackets after it) when
//! the next token can start a sentence, at a paragraph break, and after an abbreviation such as
//! "U.S." only when the next word is one that typically opens a sentence ("The", "He", ...).
//! Titles ("Dr.", "Mr.") and initials ("W.") never end a sentence.

use super::tokenizer::{Token, TokenKind};

/// Words that, capitalised after an abbreviation like "U.S.", signal a new sentence.
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "In",
    "But",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "On",
    "At",
    "For",
    "After",
    "As",
    "And",
    "If",
    "When",
    "While",
    "Some",
    "Many",
    "Most",
    "Officials",
    "Mr.",
    "Mrs.",
    "Ms.",
];

/// Abbreviations that stand before a name and so never end a sentence.
const TITLES: &[&str] = &[
    "mr.", "mrs.", "ms.", "dr.", "prof.", "sen.", "rep.", "gov.", "gen.", "lt.", "col.", "maj.", "capt.",
    "sgt.", "adm.", "rev.", "hon.", "st.", "mt.", "messrs.", "no.", "vs.",
];

fn is_closer(s: &str) -> bool {
    matches!(s, "\"" | "''" | "'" | ")" | "]" | "}" | "\u{201D}" | "\u{2019}" | "\u{00BB}" | "\u{203A}")
}

fn can_start(text: &str, t: &Token) -> bool {
    let s = t.text(text);
    let first = s.chars().next().unwrap_or(' ');
    first.is_uppercase()
        || first.is_numeric()
        || matches!(s, "\"" | "``" | "(" | "[" | "\u{201C}" | "\u{2018}" | "'" | "`" | "\u{00AB}")
        || !first.is_alphabetic() && t.kind == TokenKind::Word
}

/// Splits `tokens` (of `text`) into sentences, returned as token index ranges `[start, end)`.
pub fn split_sentences(text: &str, tokens: &[Token]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < tokens.len() {
        // A line break before a token ends the sentence when it is a paragraph break, or when the
        // previous line had no final punctuation but the break is a hard one (headlines, lists).
        if i > start && tokens[i].newlines_before >= 2 {
            out.push((start, i));
            start = i;
        }
        // Only a token ending in '.', '!', '?' or a non-ASCII character can end a sentence.
        if !matches!(text.as_bytes()[tokens[i].end - 1], b'.' | b'!' | b'?' | 0x80..) {
            i += 1;
            continue;
        }
        let s = tokens[i].text(text);
        let terminal = matches!(s, "." | "!" | "?" | "..." | "\u{2026}" | "\u{3002}")
            || s.starts_with("..")
            || s.chars().all(|c| c == '!' || c == '?');
        let abbreviation = !terminal && s.len() > 1 && s.ends_with('.') && tokens[i].kind == TokenKind::Word;
        if terminal || abbreviation {
            let mut j = i + 1;
            while j < tokens.len() && is_closer(tokens[j].text(text)) && tokens[j].newlines_before == 0 {
                j += 1;
            }
            let ends = match tokens.get(j) {
                None => true,
                Some(next) if next.newlines_before > 0 => true,
                Some(next) if terminal => can_start(text, next),
                Some(next) => {
                    let lower = s.to_ascii_lowercase();
                    let is_title = TITLES.contains(&lower.as_str());
                    let is_initial = s.len() == 2 && s.as_bytes()[0].is_ascii_uppercase();
                    !is_title && !is_initial && SENTENCE_STARTERS.contains(&next.text(text))
                }
            };
            if ends {
                out.push((start, j));
                start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    if start < tokens.len() {
        out.push((start, tokens.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn sents(s: &str) -> Vec<String> {
        let t = tokenize(s);
        split_sentences(s, &t).into_iter().map(|(a, b)| s[t[a].start..t[b - 1].end].to_string()).collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("two", "Putin came. Xi met him.", &["Putin came.", "Xi met him."]),
            ("title abbrev", "Dr. Smith came. He left.", &["Dr. Smith came.", "He left."]),
            ("U.S. inside", "The U.S. economy grew. It slowed.", &["The U.S. economy grew.", "It slowed."]),
            (
                "U.S. at end",
                "He moved to the U.S. The move was quick.",
                &["He moved to the U.S.", "The move was quick."],
            ),
            ("initial", "George W. Bush spoke.", &["George W. Bush spoke."]),
            ("quote closes", "\"We won.\" He smiled.", &["\"We won.\"", "He smiled."]),
            (
                "ap quotes",
                "``It is over,'' he said. Then he left.",
                &["``It is over,'' he said.", "Then he left."],
            ),
            ("lower after period", "the U.N. report. and so", &["the U.N. report. and so"]),
            ("paragraph", "No period here\n\nNext paragraph.", &["No period here", "Next paragraph."]),
            ("question", "Why? Because.", &["Why?", "Because."]),
            ("number", "It rose 5.5 percent. 10 people", &["It rose 5.5 percent.", "10 people"]),
            ("no end", "Just words", &["Just words"]),
        ];
        for (name, input, want) in cases {
            assert_eq!(sents(input), *want, "{name}");
        }
    }

    #[test]
    fn empty() {
        assert!(split_sentences("", &[]).is_empty());
    }
}
