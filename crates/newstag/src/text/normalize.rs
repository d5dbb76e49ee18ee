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

/// Where the bytes of an NFC string came from in the text it was normalised from: offsets found in
/// the NFC text (token and mention boundaries) are mapped back to the caller's input with it.
///
/// The input is cut before characters that NFC can neither reorder nor compose with what
/// precedes it (canonical combining class 0, and NFC quick check not "maybe"); NFC then works on
/// each piece alone. A piece that NFC leaves as it is maps byte for byte; one it changes ("e" plus a
/// combining accent becoming "é") maps as a whole, but for the characters it begins with that NFC
/// left in place (a space before combining marks that NFC reorders), which map byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// (start in the NFC text, start in the input, unchanged by NFC, bytes at its start that NFC
    /// left in place), by ascending start.
    pieces: Vec<(usize, usize, bool, usize)>,
    /// Lengths of the NFC text and of the input.
    len: (usize, usize),
}

impl OffsetMap {
    /// The input offset of NFC offset `pos` when it starts a range: inside a piece NFC changed,
    /// the start of what it changed.
    pub fn start(&self, pos: usize) -> usize {
        self.map(pos, false)
    }

    /// The input offset of NFC offset `pos` when it ends a range: inside a piece NFC changed, the
    /// piece's end.
    pub fn end(&self, pos: usize) -> usize {
        self.map(pos, true)
    }

    fn map(&self, pos: usize, to_end: bool) -> usize {
        if pos >= self.len.0 {
            return self.len.1;
        }
        let i = self.pieces.partition_point(|p| p.0 <= pos).saturating_sub(1);
        let Some(&(norm, orig, same, kept)) = self.pieces.get(i) else { return pos.min(self.len.1) };
        if same || pos - norm <= kept {
            (orig + (pos - norm)).min(self.len.1)
        } else if to_end {
            self.pieces.get(i + 1).map_or(self.len.1, |p| p.1)
        } else {
            orig + kept
        }
    }
}

/// Returns `text` in NFC and, when NFC changed it, the map of offsets back to `text`.
pub fn normalize_with_map(text: &str) -> (Cow<'_, str>, Option<OffsetMap>) {
    if is_normalized(text) {
        return (Cow::Borrowed(text), None);
    }
    // Fine pieces: also cut before characters NFC replaces outright (U+095C "ड़", U+2126 "Ω"),
    // so that a mention next to one does not take in the space before it. Checked against NFC of
    // the whole text; if a composition crossed a cut, the safe cuts are used instead.
    let fine = pieces(text, |c| ccc(c) == 0 && is_nfc_quick(std::iter::once(c)) != IsNormalized::Maybe);
    let whole: String = text.nfc().collect();
    let (out, map) = if fine.0 == whole { fine } else { pieces(text, is_stable) };
    (Cow::Owned(out), Some(map))
}

/// NFC of `text` piece by piece, cut before every character `cut` accepts, and the offset map.
fn pieces(text: &str, cut: impl Fn(char) -> bool) -> (String, OffsetMap) {
    let mut out = String::with_capacity(text.len());
    let mut pieces: Vec<(usize, usize, bool, usize)> = Vec::new();
    let mut start = 0;
    let ends = text.char_indices().filter(|&(i, c)| i > 0 && cut(c)).map(|(i, _)| i);
    for end in ends.chain(std::iter::once(text.len())) {
        let piece = &text[start..end];
        let norm_start = out.len();
        out.extend(piece.nfc());
        let same = &out[norm_start..] == piece;
        // What NFC left in place at the piece's start (" " before reordered marks).
        let kept: usize = piece
            .chars()
            .zip(out[norm_start..].chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        match pieces.last_mut() {
            // Runs of unchanged pieces share one entry.
            Some(last) if same && last.2 => {}
            _ => pieces.push((norm_start, start, same, kept)),
        }
        start = end;
    }
    let len = (out.len(), text.len());
    (out, OffsetMap { pieces, len })
}

fn ccc(c: char) -> u8 {
    unicode_normalization::char::canonical_combining_class(c)
}

/// A character NFC never reorders or composes with what precedes it.
fn is_stable(c: char) -> bool {
    ccc(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
}

/// Whether `text` is already NFC.
pub fn is_normalized(text: &str) -> bool {
    // ASCII is NFC, and an ASCII character (a starter that composes with nothing before it) ends
    // whatever came before it: only the text from the last one before the first other character
    // needs checking. Most news text is ASCII through and through.
    if text.is_ascii() {
        return true;
    }
    let first = text.bytes().position(|b| !b.is_ascii()).unwrap_or(text.len());
    let rest = &text[first.saturating_sub(1)..];
    match is_nfc_quick(rest.chars()) {
        IsNormalized::Yes => true,
        IsNormalized::No => false,
        IsNormalized::Maybe => unicode_normalization::is_nfc(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_back_to_the_input() {
        // "Café" decomposed, then a word: NFC shortens the text by one byte.
        let input = "Cafe\u{301} Putin and \u{1100}\u{1161} Xi";
        let (norm, map) = normalize_with_map(input);
        let map = map.expect("the input is not NFC");
        assert_eq!(norm, normalize(input));
        for word in ["Putin", "Xi", "and"] {
            let a = norm.find(word).unwrap();
            let b = a + word.len();
            assert_eq!(&input[map.start(a)..map.end(b)], word);
        }
        // The changed pieces map as a whole.
        let cafe = norm.find("Caf\u{e9}").unwrap();
        assert_eq!(&input[map.start(cafe)..map.end(cafe + "Caf\u{e9}".len())], "Cafe\u{301}");
        let ga = norm.find('\u{ac00}').unwrap();
        assert_eq!(&input[map.start(ga)..map.end(ga + '\u{ac00}'.len_utf8())], "\u{1100}\u{1161}");
        assert_eq!(map.end(norm.len()), input.len());
        // A character NFC replaces outright is a piece of its own: the space before it stays out.
        let input = "Delhi \u{95C}x";
        let (norm, map) = normalize_with_map(input);
        let map = map.expect("U+095C is not NFC");
        let at = norm.find('\u{921}').unwrap();
        assert_eq!(&input[map.start(at)..map.end(norm.len())], "\u{95C}x");
        // Marks after a space that NFC reorders: the space is left in place and maps alone, so a
        // range starting at the marks does not take it in.
        let input = " \u{1e023}\u{1ce2}x";
        let (norm, map) = normalize_with_map(input);
        let map = map.expect("the marks are out of canonical order");
        assert_eq!(norm, " \u{1ce2}\u{1e023}x");
        assert_eq!(map.start(1), 1);
        assert_eq!(map.end(1), 1);
        assert_eq!(map.start(4), 1);
        // NFC input needs no map.
        assert!(normalize_with_map("Caf\u{e9}").1.is_none());
    }

    proptest::proptest! {
        /// The ASCII shortcut of `is_normalized` agrees with the full check.
        #[test]
        fn is_normalized_agrees_with_the_full_check(input in "([a-zA-Z .]|e\u{301}|\u{301}|\u{1100}\u{1161}|\u{0323}\u{0307}|\u{95C}|\u{e9}|\u{ac00}){0,20}") {
            proptest::prop_assert_eq!(is_normalized(&input), unicode_normalization::is_nfc(&input));
        }

        /// Any input: the NFC text equals `normalize`'s, and every mapped range is a valid,
        /// ordered range of the input on character boundaries.
        #[test]
        fn mapped_offsets_are_valid(input in "(\\PC|e\u{301}|\u{1100}\u{1161}|\u{0323}\u{0307}|\u{95C}|\u{2126}|\u{BBE}){0,40}") {
            let (norm, map) = normalize_with_map(&input);
            let plain = normalize(&input);
            proptest::prop_assert_eq!(norm.as_ref(), plain.as_ref());
            if let Some(map) = map {
                let bounds: Vec<usize> = norm.char_indices().map(|(i, _)| i).chain([norm.len()]).collect();
                for w in bounds.windows(2) {
                    let (a, b) = (map.start(w[0]), map.end(w[1]));
                    proptest::prop_assert!(a <= b && b <= input.len());
                    proptest::prop_assert!(input.is_char_boundary(a) && input.is_char_boundary(b));
                }
            }
        }
    }

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
