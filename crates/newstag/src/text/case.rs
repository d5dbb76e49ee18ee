//! Letter case of a word: the one count the taggers' casing tests share.

/// How a word is written, by its cased letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordCasing {
    /// No cased letter ("1996", "--").
    None,
    /// Only lower-case letters.
    Lower,
    /// One upper-case letter, the first cased one ("Putin").
    Capitalised,
    /// Only upper-case letters ("NATO").
    Upper,
    /// Anything else ("McDonald", "iPhone").
    Mixed,
}

/// The cased letters of a word: how many are upper-case, how many lower-case, and whether the
/// first of them is upper-case. One pass over the bytes for an ASCII word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LetterCase {
    /// Upper-case letters.
    pub upper: u32,
    /// Lower-case letters.
    pub lower: u32,
    /// Whether the first cased letter is upper-case (false without one).
    pub first_upper: bool,
}

impl LetterCase {
    /// Counts the cased letters of `word`.
    #[inline(always)]
    pub fn of(word: &str) -> LetterCase {
        let mut lc = LetterCase::default();
        let mut first = None;
        if word.is_ascii() {
            for b in word.bytes() {
                if b.is_ascii_uppercase() {
                    lc.upper += 1;
                    first.get_or_insert(true);
                } else if b.is_ascii_lowercase() {
                    lc.lower += 1;
                    first.get_or_insert(false);
                }
            }
        } else {
            for c in word.chars() {
                if c.is_uppercase() {
                    lc.upper += 1;
                    first.get_or_insert(true);
                } else if c.is_lowercase() {
                    lc.lower += 1;
                    first.get_or_insert(false);
                }
            }
        }
        lc.first_upper = first == Some(true);
        lc
    }

    /// The word's casing.
    #[inline]
    pub fn casing(self) -> WordCasing {
        match (self.upper, self.lower) {
            (0, 0) => WordCasing::None,
            (0, _) => WordCasing::Lower,
            (_, 0) => WordCasing::Upper,
            (1, _) if self.first_upper => WordCasing::Capitalised,
            _ => WordCasing::Mixed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casings() {
        let cases = [
            ("1996", WordCasing::None),
            ("said", WordCasing::Lower),
            ("Putin", WordCasing::Capitalised),
            ("NATO", WordCasing::Upper),
            ("iPhone", WordCasing::Mixed),
            ("McDonald", WordCasing::Mixed),
            ("Zürich", WordCasing::Capitalised),
            ("ÉTÉ", WordCasing::Upper),
            ("naïve", WordCasing::Lower),
            ("北京", WordCasing::None),
        ];
        for (w, want) in cases {
            assert_eq!(LetterCase::of(w).casing(), want, "{w}");
        }
        assert_eq!(LetterCase::of("U.S."), LetterCase { upper: 2, lower: 0, first_upper: true });
    }

    proptest::proptest! {
        /// The ASCII path counts as the general one does.
        #[test]
        fn ascii_path_agrees(word in "[a-zA-Z0-9.'-]{0,12}") {
            let mut general = LetterCase::default();
            let mut first = None;
            for c in word.chars() {
                if c.is_uppercase() { general.upper += 1; first.get_or_insert(true); }
                else if c.is_lowercase() { general.lower += 1; first.get_or_insert(false); }
            }
            general.first_upper = first == Some(true);
            proptest::prop_assert_eq!(LetterCase::of(&word), general);
        }
    }
}
