//! English function words, and the few news words that never make a tag on their own.
//!
//! The function words are the usual English stopword set (the list NLTK and most keyphrase
//! tools use); the news words ("said", "percent", weekdays) are newstag's own additions.

/// Whether `word` (any case) is a stopword.
pub fn is_stopword(word: &str) -> bool {
    key(word.as_bytes()).is_some_and(|k| set().contains(&k))
}

/// The lower-cased bytes of a word of at most 12 bytes, packed with its length into one integer.
#[inline]
fn key(word: &[u8]) -> Option<u128> {
    if word.is_empty() || word.len() > 12 {
        return None;
    }
    let mut k = word.len() as u128;
    for (i, b) in word.iter().enumerate() {
        k |= u128::from(b.to_ascii_lowercase()) << (8 * (i + 1));
    }
    Some(k)
}

/// [`STOPWORDS`] as a hash set of [`key`]s, built on first use.
fn set() -> &'static rustc_hash::FxHashSet<u128> {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<u128>> = std::sync::OnceLock::new();
    SET.get_or_init(|| STOPWORDS.iter().filter_map(|w| key(w.as_bytes())).collect())
}

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
pub fn is_time_word(word: &str) -> bool {
    in_sorted(TIME_WORDS, word)
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

/// Case-insensitive (ASCII) membership in a sorted lower-case list, without allocating: a
/// hash set built once per list (the lists are hit for every token of every article).
fn in_sorted(list: &'static [&'static str], word: &str) -> bool {
    use std::sync::OnceLock;
    type Set = rustc_hash::FxHashSet<&'static [u8]>;
    static SETS: OnceLock<(Set, Set)> = OnceLock::new();
    if word.len() > 16 || word.is_empty() {
        return false;
    }
    let mut buf = [0u8; 16];
    for (i, b) in word.bytes().enumerate() {
        buf[i] = b.to_ascii_lowercase();
    }
    let lower = &buf[..word.len()];
    let (stop, time) = SETS.get_or_init(|| {
        (STOPWORDS.iter().map(|w| w.as_bytes()).collect(), TIME_WORDS.iter().map(|w| w.as_bytes()).collect())
    });
    let set = if std::ptr::eq(list, STOPWORDS) { stop } else { time };
    debug_assert!(std::ptr::eq(list, STOPWORDS) || std::ptr::eq(list, TIME_WORDS));
    set.contains(lower)
}

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
        assert!(!is_time_word("oil"));
    }
}
