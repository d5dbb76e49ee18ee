//! Unicode normalisation.
//!
//! Articles are brought to NFC so that "é" typed as one code point or as "e" plus a combining
//! accent are the same word. Text that is already NFC (nearly all news text) is borrowed, not
//! copied, so offsets into it are offsets into the caller's input.

use std::borrow::Cow;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Returns `text` in NFC, borrowing it when it already is.
pub fn normalize(text: &str) -> Cow<'_, str> {
    if is_normalized(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// Whether `text` is already NFC.
pub fn is_normalized(text: &str) -> bool {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => true,
        IsNormalized::No => false,
        IsNormalized::Maybe => unicode_normalization::is_nfc(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases = [
            ("ascii", "Putin visits China", "Putin visits China", true),
            ("composed", "Caf\u{e9}", "Caf\u{e9}", true),
            ("decomposed", "Cafe\u{301}", "Caf\u{e9}", false),
            ("hangul jamo", "\u{1100}\u{1161}", "\u{ac00}", false),
            ("empty", "", "", true),
        ];
        for (name, input, want, borrowed) in cases {
            let got = normalize(input);
            assert_eq!(got, want, "{name}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), borrowed, "{name}");
        }
    }
}
