//! English function words, and the few news words that never make a tag on their own.
//!
//! The function words are the usual English stopword set (the list NLTK and most keyphrase
//! tools use); the news words ("said", "percent", weekdays) are newstag's own additions.

/// Whether `word` (any case) is a stopword.
#[inline]
pub fn is_stopword(word: &str) -> bool {
    key(word.as_bytes()).is_some_and(|k| tables().0.contains(&k))
}

/// `u128` with every byte set to 1.
const ONES: u128 = u128::from_le_bytes([1; 16]);

/// The ASCII-lower-cased bytes of a word of at most 15 bytes, packed with its length into one
/// integer (length in the lowest byte, then the word's bytes; never 0). Lower-casing is done on
/// all bytes at once: a byte in `A..=Z` gets bit 5 set, every other byte is kept.
#[inline]
fn key(word: &[u8]) -> Option<u128> {
    let n = word.len();
    if n == 0 || n > 15 {
        return None;
    }
    // The word's bytes as a little-endian integer, read as two (overlapping) loads.
    let bytes: u128 = if n >= 8 {
        let lo = u64::from_le_bytes(word[..8].try_into().expect("8 bytes"));
        let hi = u64::from_le_bytes(word[n - 8..].try_into().expect("8 bytes"));
        u128::from(lo) | u128::from(hi) << (8 * (n - 8))
    } else if n >= 4 {
        let lo = u32::from_le_bytes(word[..4].try_into().expect("4 bytes"));
        let hi = u32::from_le_bytes(word[n - 4..].try_into().expect("4 bytes"));
        u128::from(lo) | u128::from(hi) << (8 * (n - 4))
    } else {
        u128::from(word[0])
            | u128::from(word[n / 2]) << (8 * (n / 2))
            | u128::from(word[n - 1]) << (8 * (n - 1))
    };
    let x = bytes << 8 | n as u128;
    // Bytes below 0x80: b + 0x3f has its top bit set iff b >= b'A', b + 0x25 iff b > b'Z'
    // (no carry leaves a byte since the top bits were cleared first).
    let low = x & (ONES * 0x7f);
    let upper = ((low + ONES * 0x3f) ^ (low + ONES * 0x25)) & !x & (ONES * 0x80);
    Some(x | (upper >> 2))
}

/// The tables of [`STOPWORDS`] and [`TIME_WORDS`], built on first use.
fn tables() -> &'static (KeySet, KeySet) {
    static TABLES: std::sync::OnceLock<(KeySet, KeySet)> = std::sync::OnceLock::new();
    let set = |words: &[&str]| words.iter().filter_map(|w| key(w.as_bytes())).collect();
    TABLES.get_or_init(|| (set(STOPWORDS), set(TIME_WORDS)))
}

/// A set of [`key`]s.
type KeySet = rustc_hash::FxHashSet<u128>;

/// Sorted, lower-case.
const STOPWORDS: &[&str] = &[
    "'d",
    "'ll",
    "'m",
    "'re",
    "'s",
    "'ve",
    "a",
    "about",
    "above",
    "according",
    "across",
    "after",
    "afterwards",
    "again",
    "against",
    "ago",
    "all",
    "almost",
    "along",
    "already",
    "also",
    "although",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "anyone",
    "anything",
    "are",
    "around",
    "as",
    "at",
    "back",
    "be",
    "became",
    "because",
    "become",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "even",
    "ever",
    "every",
    "few",
    "first",
    "for",
    "from",
    "further",
    "get",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "including",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "later",
    "least",
    "less",
    "like",
    "made",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "mostly",
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "much",
    "must",
    "my",
    "myself",
    "n't",
    "near",
    "neither",
    "never",
    "new",
    "next",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "onto",
    "or",
    "other",
    "others",
    "otherwise",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "perhaps",
    "put",
    "rather",
    "said",
    "same",
    "say",
    "says",
    "see",
    "seen",
    "several",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "throughout",
    "thus",
    "to",
    "today",
    "together",
    "told",
    "too",
    "toward",
    "towards",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "versus",
    "very",
    "via",
    "vs",
    "vs.",
    "was",
    "we",
    "well",
    "were",
    "what",
    "whatever",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whole",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
];

/// Words that name a time, not a subject: never a tag alone, never the head of a topic.
#[inline]
pub fn is_time_word(word: &str) -> bool {
    key(word.as_bytes()).is_some_and(|k| tables().1.contains(&k))
}

/// Sorted, lower-case.
const TIME_WORDS: &[&str] = &[
    "afternoon",
    "april",
    "august",
    "beginning",
    "billion",
    "case",
    "cts",
    "day",
    "days",
    "decade",
    "decades",
    "december",
    "dlrs",
    "end",
    "evening",
    "fact",
    "february",
    "friday",
    "hour",
    "hours",
    "hundred",
    "interview",
    "january",
    "july",
    "june",
    "kind",
    "lot",
    "lots",
    "man",
    "march",
    "men",
    "million",
    "mln",
    "monday",
    "month",
    "months",
    "morning",
    "night",
    "november",
    "number",
    "october",
    "official",
    "officials",
    "part",
    "pct",
    "people",
    "percent",
    "period",
    "point",
    "quarter",
    "report",
    "reporters",
    "reports",
    "saturday",
    "september",
    "spokesman",
    "spokeswoman",
    "statement",
    "sunday",
    "thing",
    "things",
    "thousand",
    "thursday",
    "time",
    "times",
    "today",
    "tomorrow",
    "tonight",
    "tuesday",
    "way",
    "wednesday",
    "week",
    "weekend",
    "weeks",
    "woman",
    "women",
    "year",
    "years",
    "yesterday",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_found() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]), "STOPWORDS must stay sorted");
        for w in STOPWORDS {
            assert!(is_stopword(w) && is_stopword(&w.to_uppercase()), "{w} is not found");
        }
        for (w, want) in
            [("The", true), ("said", true), ("oil", false), ("", false), ("internationalization", false)]
        {
            assert_eq!(is_stopword(w), want, "{w}");
        }
        assert!(is_time_word("Thursday"));
        for w in TIME_WORDS {
            assert!(is_time_word(w) && is_time_word(&w.to_uppercase()), "{w} is not found");
        }
        for w in [
            "\u{e9}t\u{e9}",
            "Zoo",
            "abouts",
            "ofx",
            "o",
            "x",
            "thursdays",
            "betweenness",
            "i\u{e9}",
            "@said",
            "[the",
            "`the",
            "{the",
            "THE\u{c9}",
        ] {
            assert!(!is_stopword(w) && !is_time_word(w), "{w}");
        }
        assert!(!is_time_word("oil"));
    }
}
