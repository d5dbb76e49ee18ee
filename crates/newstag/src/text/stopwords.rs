//! English function words, and the few news words that never make a tag on their own.
//!
//! The function words are the usual English stopword set (the list NLTK and most keyphrase
//! tools use); the news words ("said", "percent", weekdays) are newstag's own additions.

/// Whether `word` (any case) is a stopword.
pub fn is_stopword(word: &str) -> bool {
    if word.len() > 12 {
        return false;
    }
    let mut buf = [0u8; 12];
    for (i, b) in word.bytes().enumerate() {
        buf[i] = b.to_ascii_lowercase();
    }
    let lower = &buf[..word.len()];
    STOPWORDS
        .binary_search_by(|w| w.as_bytes().cmp(lower))
        .is_ok()
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
    "very",
    "via",
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
        "afternoon", "april", "august", "beginning", "billion", "case", "cts", "day", "days",
        "decade", "decades", "december", "dlrs", "end", "evening", "fact", "february", "friday",
        "hour", "hours", "hundred", "interview", "january", "july", "june", "kind", "lot", "lots",
        "man", "march", "men", "million", "mln", "monday", "month", "months", "morning", "night",
        "november", "number", "october", "official", "officials", "part", "pct", "people",
        "percent", "period", "point", "quarter", "report", "reporters", "reports", "saturday",
        "september", "spokesman", "spokeswoman", "statement", "sunday", "thing", "things",
        "thousand", "thursday", "time", "times", "today", "tomorrow", "tonight", "tuesday", "way",
        "wednesday", "week", "weekend", "weeks", "woman", "women", "year", "years", "yesterday",
];

/// Case-insensitive (ASCII) membership in a sorted lower-case list, without allocating.
fn in_sorted(list: &[&str], word: &str) -> bool {
    if word.len() > 16 {
        return false;
    }
    let mut buf = [0u8; 16];
    for (i, b) in word.bytes().enumerate() {
        buf[i] = b.to_ascii_lowercase();
    }
    let lower = &buf[..word.len()];
    list.binary_search_by(|w| w.as_bytes().cmp(lower)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_found() {
        assert!(
            STOPWORDS.windows(2).all(|w| w[0] < w[1]),
            "STOPWORDS must stay sorted"
        );
        for (w, want) in [
            ("The", true),
            ("said", true),
            ("oil", false),
            ("", false),
            ("internationalization", false),
        ] {
            assert_eq!(is_stopword(w), want, "{w}");
        }
        assert!(is_time_word("Thursday"));
        assert!(!is_time_word("oil"));
    }
}
