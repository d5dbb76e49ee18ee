//! A tokenizer for news text that keeps byte offsets.
//!
//! It splits the way the Penn Treebank does, so that the trained taggers see what they were trained
//! on: punctuation apart, clitics split off ("Russia's" -> "Russia" "'s", "don't" -> "do" "n't"),
//! hyphenated words, numbers ("10,080,000", "1.2"), abbreviations and initials ("U.S.", "Dr.",
//! "Jan.", "J.") and URLs kept whole. Every token is a slice `text[start..end]` of the input.

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Contains a letter.
    Word,
    /// Digits, possibly with separators, and no letters.
    Number,
    /// Punctuation: . , ; : ! ? quotes, brackets, dashes.
    Punct,
    /// Anything else: currency, %, &, emoji.
    Symbol,
}

/// One token: a byte range of the input text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// What the token is made of.
    pub kind: TokenKind,
    /// Number of line breaks in the whitespace before the token (2 or more: a new paragraph).
    pub newlines_before: u8,
}

impl Token {
    /// The token's text in `text`, the string it was produced from.
    #[inline]
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }
}

/// Abbreviations that keep their final period (lower-cased, without the period), sorted.
const ABBREVIATIONS: &[&str] = &[
    "a.m", "adm", "ala", "approx", "apr", "ariz", "ark", "assn", "aug", "ave", "bln", "blvd", "bros",
    "calif", "capt", "cf", "cmdr", "co", "col", "colo", "conn", "corp", "cos", "dec", "del", "dept", "dlrs",
    "dr", "e.g", "est", "etc", "feb", "fig", "fla", "fri", "ft", "ga", "gen", "gov", "gov't", "govs", "hon",
    "i.e", "ill", "inc", "ind", "jan", "jr", "kan", "kans", "ky", "la", "lt", "ltd", "maj", "mar", "mass",
    "md", "messrs", "mich", "minn", "miss", "mln", "mmes", "mo", "mon", "mont", "mr", "mrs", "ms", "mt",
    "neb", "nev", "no", "nos", "nov", "oct", "okla", "op", "ore", "p.m", "pa", "pct", "penn", "pp", "pres",
    "prof", "rd", "rep", "reps", "rev", "sat", "sen", "sens", "sep", "sept", "sgt", "sr", "st", "sun",
    "tenn", "tex", "thu", "thur", "thurs", "tue", "tues", "univ", "va", "vol", "vs", "vt", "wash", "wed",
    "wis", "wyo", "yr", "yrs",
];

fn is_abbreviation(word: &str) -> bool {
    if word.len() > 6 {
        return false;
    }
    let mut buf = [0u8; 8];
    let n = word.len();
    for (i, b) in word.bytes().enumerate() {
        buf[i] = b.to_ascii_lowercase();
    }
    let lower = match std::str::from_utf8(&buf[..n]) {
        Ok(s) => s,
        Err(_) => return false,
    };
    ABBREVIATIONS.binary_search(&lower).is_ok()
}

/// ASCII letters and digits, by byte.
const ASCII_ALPHANUMERIC: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_mark(c)
}

#[inline]
fn is_mark(c: char) -> bool {
    // Combining marks (general category M*) continue a word; approximate with the common blocks.
    matches!(c as u32, 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A
        | 0x064B..=0x065F | 0x0900..=0x0903 | 0x093A..=0x094F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
        | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

#[inline]
fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|s| s.chars().next())
}

/// Tokenizes `text`. Never panics; every returned token is a non-empty slice on char boundaries.
pub fn tokenize(text: &str) -> Vec<Token> {
    // News text runs about five bytes a token: room for all of them without growing.
    let mut out = Vec::with_capacity(text.len() / 4 + 1);
    tokenize_into(text, &mut out);
    out
}

/// Tokenizes `text`, appending to `out` (reuses the caller's allocation).
pub fn tokenize_into(text: &str, out: &mut Vec<Token>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut newlines: u32 = 0;
    while i < bytes.len() {
        // ASCII (nearly all news text) needs no UTF-8 decoding. Every ASCII byte up to the space,
        // and DEL, is whitespace or an invisible control character.
        let b = bytes[i];
        if b <= b' ' || b == 0x7F {
            newlines += u32::from(b == b'\n');
            i += 1;
            continue;
        }
        let c = if b < 0x80 {
            char::from(b)
        } else {
            let Some(c) = char_at(text, i) else { break };
            if c.is_whitespace() || is_invisible(c) {
                i += c.len_utf8();
                continue;
            }
            c
        };
        let nl = newlines.min(255) as u8;
        newlines = 0;
        let start = i;
        // An ASCII character other than a letter or digit is no word character.
        if b.is_ascii_alphanumeric() || (b >= 0x80 && is_word_char(c)) {
            let (end, plain) = scan_word(text, i);
            push_word(text, start, end, plain, nl, out);
            i = end;
            continue;
        }
        // A clitic written apart from its word ("Alaska 's") is still one clitic token.
        if is_apostrophe(c) {
            if let Some(end) = detached_clitic(text, i + c.len_utf8()) {
                out.push(Token { start, end, kind: TokenKind::Word, newlines_before: nl });
                i = end;
                continue;
            }
        }
        // URL-ish starts with "www." handled in scan_word; punctuation and symbols here.
        let (end, kind) = scan_punct(text, i, c);
        out.push(Token { start, end, kind, newlines_before: nl });
        i = end;
    }
}

#[inline]
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}' | '\u{00AD}' | '\u{2066}'..='\u{2069}')
        || (c.is_control() && !c.is_whitespace())
}

/// Scans a run of word characters and the connectors allowed inside one word. Returns its end
/// and, when it is only ASCII letters and digits (and maybe an abbreviation's final period), its
/// kind.
fn scan_word(text: &str, start: usize) -> (usize, Option<TokenKind>) {
    let bytes = text.as_bytes();
    // URLs and e-mail addresses: take everything up to whitespace, minus trailing punctuation.
    let url = match bytes[start] {
        b'h' => bytes[start..].starts_with(b"http://") || bytes[start..].starts_with(b"https://"),
        b'w' => bytes[start..].starts_with(b"www."),
        _ => false,
    };
    if url {
        let rest = &text[start..];
        let mut end = start;
        for (off, c) in rest.char_indices() {
            if c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\u{201C}' | '\u{201D}') {
                break;
            }
            end = start + off + c.len_utf8();
        }
        while end > start + 4
            && matches!(bytes[end - 1], b'.' | b',' | b')' | b';' | b':' | b'!' | b'?' | b'\'')
        {
            end -= 1;
        }
        return (end, None);
    }
    let mut i = start;
    // Length of the current alphanumeric segment (chars) and whether the token so far has a '.' inside.
    let mut seg_len = 0usize;
    let mut seg_all_digits = true;
    let mut inner_period = false;
    // Only ASCII letters and digits so far.
    let mut plain = true;
    loop {
        // ASCII letters and digits, the bulk of every word, take the short way.
        let run =
            bytes[i..].iter().position(|&b| !ASCII_ALPHANUMERIC[usize::from(b)]).unwrap_or(bytes.len() - i);
        if run > 0 {
            seg_len += run;
            seg_all_digits &= bytes[i..i + run].iter().all(u8::is_ascii_digit);
            i += run;
        }
        // Any other ASCII byte but a connector ends the word (ASCII has no combining marks).
        if let Some(&b) = bytes.get(i) {
            if b < 0x80 && !matches!(b, b'-' | b'.' | b',' | b'/' | b':' | b'&' | b'@' | b'\'') {
                break;
            }
        }
        let Some(c) = char_at(text, i) else { break };
        if is_word_char(c) {
            plain = false;
            seg_len += 1;
            seg_all_digits &= c.is_ascii_digit();
            i += c.len_utf8();
            continue;
        }
        let next = char_at(text, i + c.len_utf8());
        let next_is_word = next.is_some_and(is_word_char);
        match c {
            '-' | '\u{2010}' | '\u{2011}' if next_is_word => {}
            '.' if next_is_word => {
                // Keep "1.2", "U.S", "a.m", "e.g"; break "end.Next" (missing space).
                let n = next.unwrap_or(' ');
                let ok = (seg_all_digits && n.is_ascii_digit()) || seg_len == 1;
                if !ok {
                    break;
                }
                inner_period = true;
            }
            ',' if seg_all_digits && seg_len > 0 => {
                // "10,080,000": a comma followed by exactly three digits and no fourth.
                let after = &bytes[i + 1..];
                let three = after.len() >= 3 && after[..3].iter().all(u8::is_ascii_digit);
                let fourth = after.get(3).is_some_and(u8::is_ascii_digit);
                if !three || fourth {
                    break;
                }
            }
            '/' | ':' if next_is_word && seg_all_digits && next.is_some_and(|n| n.is_ascii_digit()) => {}
            '/' if next_is_word && seg_len <= 3 => {}
            '&' if next_is_word && seg_len <= 3 && text[start..i].chars().all(|c| c.is_uppercase()) => {}
            '@' if next_is_word => {}
            _ if is_apostrophe(c) && next_is_word => {}
            _ => break,
        }
        plain = false;
        seg_len = 0;
        seg_all_digits = true;
        i += c.len_utf8();
    }
    // A final period belongs to abbreviations and initials: "U.S.", "J.", "Dr.", "Jan.".
    if bytes.get(i) == Some(&b'.') {
        let word = &text[start..i];
        let single_cap = seg_len == 1 && word.chars().last().is_some_and(char::is_uppercase);
        if (inner_period && seg_len == 1) || single_cap || is_abbreviation(word) {
            i += 1;
        }
    }
    // A plain word's kind: one segment, so `seg_all_digits` covers the whole word.
    let kind = if seg_all_digits { TokenKind::Number } else { TokenKind::Word };
    (i, plain.then_some(kind))
}

/// Clitics split off the end of a word, Penn Treebank style.
const CLITICS: &[&str] = &[
    "n't",
    "'s",
    "'re",
    "'ve",
    "'ll",
    "'d",
    "'m",
    "n\u{2019}t",
    "\u{2019}s",
    "\u{2019}re",
    "\u{2019}ve",
    "\u{2019}ll",
    "\u{2019}d",
    "\u{2019}m",
];

/// Pushes the word `text[start..end]` (of kind `plain` when [`scan_word`] found it plain),
/// splitting off a clitic.
fn push_word(text: &str, start: usize, end: usize, plain: Option<TokenKind>, nl: u8, out: &mut Vec<Token>) {
    let word = || &text[start..end];
    let (kind, apostrophe) = match plain {
        Some(kind) => (kind, false),
        None => {
            let word = word();
            let alphabetic = if word.is_ascii() {
                word.bytes().any(|b| b.is_ascii_alphabetic())
            } else {
                word.chars().any(char::is_alphabetic)
            };
            // Every clitic has an apostrophe: ' or U+2019 (whose UTF-8 starts with 0xE2).
            let apostrophe = word.bytes().any(|b| b == b'\'' || b == 0xE2);
            (if alphabetic { TokenKind::Word } else { TokenKind::Number }, apostrophe)
        }
    };
    if kind == TokenKind::Word && apostrophe {
        let word = word();
        for clitic in CLITICS {
            if word.len() > clitic.len() && ends_with_ignore_ascii_case(word, clitic) {
                let split = end - clitic.len();
                // "can't" -> "ca" "n't" as in the Treebank; never leave an empty head.
                if split > start && text.is_char_boundary(split) {
                    out.push(Token { start, end: split, kind, newlines_before: nl });
                    out.push(Token { start: split, end, kind: TokenKind::Word, newlines_before: 0 });
                    return;
                }
            }
        }
    }
    // A trailing apostrophe ("workers'", a possessive marker) is no part of the word: it is
    // scanned next, as punctuation.
    out.push(Token { start, end, kind, newlines_before: nl });
}

/// After an apostrophe at a token start: the end of "s", "re", "ve", "ll", "d" or "m" when one of
/// those follows and the word ends there.
fn detached_clitic(text: &str, from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    for clitic in ["s", "re", "ve", "ll", "d", "m"] {
        if rest.len() >= clitic.len()
            && rest.as_bytes()[..clitic.len()].eq_ignore_ascii_case(clitic.as_bytes())
        {
            let after = char_at(text, from + clitic.len());
            if !after.is_some_and(is_word_char) {
                return Some(from + clitic.len());
            }
        }
    }
    None
}

fn ends_with_ignore_ascii_case(word: &str, suffix: &str) -> bool {
    let (w, s) = (word.as_bytes(), suffix.as_bytes());
    w.len() >= s.len() && w[w.len() - s.len()..].eq_ignore_ascii_case(s)
}

fn scan_punct(text: &str, i: usize, c: char) -> (usize, TokenKind) {
    let len = c.len_utf8();
    // Runs that form one token: "...", "--", "``", "''", "!!", "?!".
    let repeatable = matches!(c, '.' | '-' | '`' | '\'' | '!' | '?' | '_' | '*' | '=' | '#');
    let mut end = i + len;
    if repeatable {
        while let Some(n) = char_at(text, end) {
            let same = n == c || (matches!(c, '!' | '?') && matches!(n, '!' | '?'));
            if !same || end - i >= 64 {
                break;
            }
            end += n.len_utf8();
        }
        // A single '-' or '_' between spaces is a dash; a run of '.' of length 2 stays one token too.
    }
    let kind = if is_punct(c) { TokenKind::Punct } else { TokenKind::Symbol };
    (end, kind)
}

fn is_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '\''
            | '"'
            | '`'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '-'
            | '_'
            | '/'
            | '\u{2010}'
            ..='\u{2027}'
                | '\u{00AB}'
                | '\u{00BB}'
                | '\u{2039}'
                | '\u{203A}'
                | '\u{3001}'
                | '\u{3002}'
                | '\u{FF0C}'
                | '\u{FF0E}'
                | '\u{00BF}'
                | '\u{00A1}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        tokenize(s).iter().map(|t| t.text(s)).collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("plain", "Putin visits China.", &["Putin", "visits", "China", "."]),
            ("possessive", "Russia's president", &["Russia", "'s", "president"]),
            ("curly possessive", "Russia\u{2019}s war", &["Russia", "\u{2019}s", "war"]),
            ("plural possessive", "the workers' union", &["the", "workers", "'", "union"]),
            ("negation", "They don't know", &["They", "do", "n't", "know"]),
            ("can't", "I can't", &["I", "ca", "n't"]),
            ("abbreviation", "the U.S. economy", &["the", "U.S.", "economy"]),
            ("U.S. at sentence end", "in the U.S. The", &["in", "the", "U.S.", "The"]),
            ("title", "Dr. Smith and Mr. Jones", &["Dr.", "Smith", "and", "Mr.", "Jones"]),
            ("initial", "George W. Bush", &["George", "W.", "Bush"]),
            ("month", "on Jan. 5, 1990", &["on", "Jan.", "5", ",", "1990"]),
            (
                "hyphen",
                "a 987-foot tanker, China-Russia ties",
                &["a", "987-foot", "tanker", ",", "China-Russia", "ties"],
            ),
            (
                "numbers",
                "10,080,000 gallons and 1.2 million",
                &["10,080,000", "gallons", "and", "1.2", "million"],
            ),
            ("comma list", "1,2,3", &["1", ",", "2", ",", "3"]),
            ("money", "$5.93 (10%)", &["$", "5.93", "(", "10", "%", ")"]),
            ("ap quotes", "``This is it,'' he said", &["``", "This", "is", "it", ",", "''", "he", "said"]),
            (
                "curly quotes",
                "\u{201C}multipolar world.\u{201D}",
                &["\u{201C}", "multipolar", "world", ".", "\u{201D}"],
            ),
            (
                "dashes",
                "barrels _ about -- and \u{2014} so",
                &["barrels", "_", "about", "--", "and", "\u{2014}", "so"],
            ),
            ("ellipsis", "wait... what", &["wait", "...", "what"]),
            ("time", "at 10:30 a.m. Friday", &["at", "10:30", "a.m.", "Friday"]),
            ("date", "on 12/03/2024 ok", &["on", "12/03/2024", "ok"]),
            ("ampersand", "AT&T and S&P", &["AT&T", "and", "S&P"]),
            ("url", "see https://example.org/a?b=1.", &["see", "https://example.org/a?b=1", "."]),
            ("missing space", "end.Next", &["end", ".", "Next"]),
            ("o'brien", "O'Brien said", &["O'Brien", "said"]),
            ("detached clitic", "alaska 's coast", &["alaska", "'s", "coast"]),
            ("quote not clitic", "he said 'stop' now", &["he", "said", "'", "stop", "'", "now"]),
            ("zero width", "Pu\u{200B}tin", &["Pu", "tin"]),
            ("accents", "Jos\u{e9} Mar\u{ed}a", &["Jos\u{e9}", "Mar\u{ed}a"]),
            ("cjk", "\u{4e60}\u{8fd1}\u{5e73}\u{3002}", &["\u{4e60}\u{8fd1}\u{5e73}", "\u{3002}"]),
            ("empty", "", &[]),
        ];
        for (name, input, want) in cases {
            assert_eq!(toks(input), *want, "{name}");
        }
    }

    #[test]
    fn abbreviations_are_sorted() {
        assert!(ABBREVIATIONS.windows(2).all(|w| w[0] < w[1]), "ABBREVIATIONS must stay sorted");
        assert!(is_abbreviation("Calif") && is_abbreviation("gov't") && !is_abbreviation("Calf"));
    }

    #[test]
    fn newlines_are_counted() {
        let s = "Title\n\nBody one.\nBody two.";
        let t = tokenize(s);
        assert_eq!(t[0].newlines_before, 0);
        assert_eq!(t[1].newlines_before, 2);
        assert_eq!(t[4].newlines_before, 1);
    }

    #[test]
    fn kinds() {
        let s = "Oil 1,000 . $";
        let kinds: Vec<TokenKind> = tokenize(s).iter().map(|t| t.kind).collect();
        assert_eq!(kinds, vec![TokenKind::Word, TokenKind::Number, TokenKind::Punct, TokenKind::Symbol]);
    }

    proptest::proptest! {
        #[test]
        fn offsets_slice_the_input(s in "\\PC{0,200}") {
            let mut last_end = 0;
            for t in tokenize(&s) {
                proptest::prop_assert!(t.start < t.end);
                proptest::prop_assert!(t.start >= last_end);
                proptest::prop_assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
                proptest::prop_assert!(!t.text(&s).trim().is_empty());
                last_end = t.end;
            }
        }
    }
}
