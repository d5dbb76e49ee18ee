//! Token-level data: CoNLL column files, the Penn Treebank sample, and token-level scoring.
//!
//! * [`parse_conll`] / [`read_conll`]: one token per line, whitespace-separated columns, a blank
//!   line after each sentence, `-DOCSTART-` lines skipped (CoNLL-2000 and CoNLL-2003 alike).
//! * [`parse_mrg`] / [`read_treebank`]: bracketed Penn Treebank trees (`combined/*.mrg`); the
//!   leaves become (word, tag) pairs, with `-NONE-` traces dropped.
//! * [`Accuracy`]: token accuracy. [`ChunkEval`]: a faithful port of `conlleval` (the CoNLL-2000
//!   version of 2000-04-14), so chunk F1 figures are comparable with published ones.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// One sentence of a column file: its rows, each a list of columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConllSentence {
    /// 1-based line number of the sentence's first row.
    pub line: usize,
    /// The rows, one per token; every row of a file has the same number of columns.
    pub rows: Vec<Vec<String>>,
}

impl ConllSentence {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the sentence has no token (never produced by the readers).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Column `i` of every row (an empty string where a row is shorter).
    pub fn column(&self, i: usize) -> Vec<&str> {
        self.rows.iter().map(|r| r.get(i).map(String::as_str).unwrap_or("")).collect()
    }
}

/// Parses a CoNLL column file. `source` names it in errors. Every row must have as many columns
/// as the first one.
pub fn parse_conll(text: &str, source: &str) -> Result<Vec<ConllSentence>> {
    let mut out = Vec::new();
    let mut current: Option<ConllSentence> = None;
    let mut width = 0usize;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            out.extend(current.take());
            continue;
        }
        let cols: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        if cols[0] == "-DOCSTART-" {
            out.extend(current.take());
            continue;
        }
        if width == 0 {
            width = cols.len();
        } else if cols.len() != width {
            return Err(Error::Data {
                path: source.to_owned(),
                line: line_no,
                reason: format!("{} columns where earlier rows have {width}", cols.len()),
            });
        }
        current.get_or_insert_with(|| ConllSentence { line: line_no, rows: Vec::new() }).rows.push(cols);
    }
    out.extend(current);
    Ok(out)
}

/// Reads a CoNLL column file.
pub fn read_conll(path: &Path) -> Result<Vec<ConllSentence>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    parse_conll(&text, &path.display().to_string())
}

/// A sentence of words with one tag each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaggedWords {
    /// The words.
    pub words: Vec<String>,
    /// One tag per word.
    pub tags: Vec<String>,
}

/// Parses bracketed Penn Treebank trees (`.mrg`): every top-level tree is a sentence, every
/// `(TAG word)` a leaf. `-NONE-` leaves (traces, empty elements) are dropped.
pub fn parse_mrg(text: &str, source: &str) -> Result<Vec<TaggedWords>> {
    #[derive(Default)]
    struct Frame<'a> {
        label: Option<&'a str>,
        word: Option<&'a str>,
        has_children: bool,
    }
    let err =
        |line: usize, reason: &str| Error::Data { path: source.to_owned(), line, reason: reason.to_owned() };
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut sentence = TaggedWords::default();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let mut rest = line;
        loop {
            rest = rest.trim_start();
            let Some(c) = rest.chars().next() else { break };
            match c {
                '(' => {
                    if let Some(parent) = stack.last_mut() {
                        if parent.word.is_some() {
                            return Err(err(line_no, "a leaf has children"));
                        }
                        parent.has_children = true;
                    }
                    stack.push(Frame::default());
                    rest = &rest[1..];
                }
                ')' => {
                    let frame = stack.pop().ok_or_else(|| err(line_no, "unbalanced ')'"))?;
                    if let (Some(tag), Some(word)) = (frame.label, frame.word) {
                        if tag != "-NONE-" {
                            sentence.words.push(word.to_owned());
                            sentence.tags.push(tag.to_owned());
                        }
                    }
                    if stack.is_empty() && !sentence.words.is_empty() {
                        out.push(std::mem::take(&mut sentence));
                    }
                    rest = &rest[1..];
                }
                _ => {
                    let end =
                        rest.find(|c: char| c.is_whitespace() || c == '(' || c == ')').unwrap_or(rest.len());
                    let atom = &rest[..end];
                    let frame = stack.last_mut().ok_or_else(|| err(line_no, "text outside a tree"))?;
                    if frame.has_children || frame.word.is_some() {
                        return Err(err(line_no, "unexpected atom"));
                    } else if frame.label.is_none() {
                        frame.label = Some(atom);
                    } else {
                        frame.word = Some(atom);
                    }
                    rest = &rest[end..];
                }
            }
        }
    }
    if !stack.is_empty() {
        return Err(err(text.lines().count(), "unbalanced '(' at end of file"));
    }
    Ok(out)
}

/// Reads every `.mrg` file of a Penn Treebank sample in file-name order. `dir` is either the
/// treebank folder (its `combined/` subfolder is used) or a folder of `.mrg` files.
pub fn read_treebank(dir: &Path) -> Result<Vec<TaggedWords>> {
    let combined = dir.join("combined");
    let dir = if combined.is_dir() { combined } else { dir.to_path_buf() };
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?.path();
        if path.extension().is_some_and(|x| x == "mrg") {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::Data { path: dir.display().to_string(), line: 0, reason: "no .mrg files".into() });
    }
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        out.extend(parse_mrg(&text, &path.display().to_string())?);
    }
    Ok(out)
}

/// Correct / total counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accuracy {
    /// Items counted as correct.
    pub correct: usize,
    /// Items counted.
    pub total: usize,
}

impl Accuracy {
    /// Counts one item.
    pub fn add(&mut self, correct: bool) {
        self.correct += usize::from(correct);
        self.total += 1;
    }

    /// Accuracy in percent (0 when nothing was counted).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.correct as f64 / self.total as f64
        }
    }
}

impl fmt::Display for Accuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}% ({}/{})", self.percent(), self.correct, self.total)
    }
}

/// Precision, recall and F1 (in percent) of one chunk type or of all chunks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prf {
    /// Chunks in the gold data.
    pub gold: usize,
    /// Chunks the system found.
    pub found: usize,
    /// Found chunks with the right type and boundaries.
    pub correct: usize,
}

impl Prf {
    /// Precision in percent.
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            0.0
        } else {
            100.0 * self.correct as f64 / self.found as f64
        }
    }

    /// Recall in percent.
    pub fn recall(&self) -> f64 {
        if self.gold == 0 {
            0.0
        } else {
            100.0 * self.correct as f64 / self.gold as f64
        }
    }

    /// F1 (conlleval's FB1) in percent.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Splits a chunk tag the way conlleval does: `B-NP` -> (`B`, `NP`), `O` -> (`O`, ``).
fn split_tag(tag: &str) -> (&str, &str) {
    let mut parts = tag.split('-');
    let prefix = parts.next().unwrap_or("");
    let kind = parts.next().unwrap_or("");
    // Perl treats the string "0" as false, and conlleval then uses "" as the type.
    (prefix, if kind == "0" { "" } else { kind })
}

fn end_of_chunk(prev_tag: &str, tag: &str, prev_type: &str, kind: &str) -> bool {
    matches!(
        (prev_tag, tag),
        ("B", "B") | ("B", "O") | ("I", "B") | ("I", "O") | ("E", "E") | ("E", "I") | ("E", "O")
    ) || (prev_tag != "O" && prev_tag != "." && prev_type != kind)
        || prev_tag == "]"
        || prev_tag == "["
}

fn start_of_chunk(prev_tag: &str, tag: &str, prev_type: &str, kind: &str) -> bool {
    matches!(
        (prev_tag, tag),
        ("B", "B") | ("I", "B") | ("O", "B") | ("O", "I") | ("E", "E") | ("E", "I") | ("O", "E")
    ) || (tag != "O" && tag != "." && prev_type != kind)
        || tag == "["
        || tag == "]"
}

/// conlleval, token by token: feed each sentence's gold and guessed chunk tags, then read the
/// [`ChunkScores`]. Sentence ends count as an `O` token, exactly as conlleval's blank lines do.
#[derive(Debug, Clone)]
pub struct ChunkEval {
    in_correct: bool,
    last_correct: String,
    last_correct_type: String,
    last_guessed: String,
    last_guessed_type: String,
    correct_chunk: usize,
    correct_tags: usize,
    tokens: usize,
    per_type: BTreeMap<String, Prf>,
    overall: Prf,
}

impl Default for ChunkEval {
    fn default() -> Self {
        ChunkEval {
            in_correct: false,
            last_correct: "O".into(),
            last_correct_type: String::new(),
            last_guessed: "O".into(),
            last_guessed_type: String::new(),
            correct_chunk: 0,
            correct_tags: 0,
            tokens: 0,
            per_type: BTreeMap::new(),
            overall: Prf::default(),
        }
    }
}

impl ChunkEval {
    /// A fresh evaluation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scores one sentence (gold and guessed tags, same length; extra tags are ignored).
    pub fn add_sentence<A: AsRef<str>, B: AsRef<str>>(&mut self, gold: &[A], guessed: &[B]) {
        for (g, p) in gold.iter().zip(guessed) {
            self.step(false, g.as_ref(), p.as_ref());
        }
        self.step(true, "O", "O");
    }

    fn step(&mut self, boundary: bool, correct_tag: &str, guessed_tag: &str) {
        let (correct, correct_type) = split_tag(correct_tag);
        let (mut guessed, guessed_type) = split_tag(guessed_tag);
        if boundary {
            guessed = "O";
        }
        let (lc, lct) = (self.last_correct.as_str(), self.last_correct_type.as_str());
        let (lg, lgt) = (self.last_guessed.as_str(), self.last_guessed_type.as_str());
        if self.in_correct {
            let end_c = end_of_chunk(lc, correct, lct, correct_type);
            let end_g = end_of_chunk(lg, guessed, lgt, guessed_type);
            if end_c && end_g && lgt == lct {
                self.in_correct = false;
                self.correct_chunk += 1;
                self.per_type.entry(lct.to_owned()).or_default().correct += 1;
            } else if end_c != end_g || guessed_type != correct_type {
                self.in_correct = false;
            }
        }
        let start_c = start_of_chunk(lc, correct, lct, correct_type);
        let start_g = start_of_chunk(lg, guessed, lgt, guessed_type);
        if start_c && start_g && guessed_type == correct_type {
            self.in_correct = true;
        }
        if start_c {
            self.overall.gold += 1;
            self.per_type.entry(correct_type.to_owned()).or_default().gold += 1;
        }
        if start_g {
            self.overall.found += 1;
            self.per_type.entry(guessed_type.to_owned()).or_default().found += 1;
        }
        if !boundary {
            if correct == guessed && guessed_type == correct_type {
                self.correct_tags += 1;
            }
            self.tokens += 1;
        }
        self.last_correct = correct.to_owned();
        self.last_correct_type = correct_type.to_owned();
        self.last_guessed = guessed.to_owned();
        self.last_guessed_type = guessed_type.to_owned();
    }

    /// The scores so far (a chunk still open at the end counts, as at conlleval's end of input).
    pub fn scores(&self) -> ChunkScores {
        let mut overall = self.overall;
        overall.correct = self.correct_chunk;
        let mut per_type = self.per_type.clone();
        if self.in_correct {
            overall.correct += 1;
            per_type.entry(self.last_correct_type.clone()).or_default().correct += 1;
        }
        per_type.remove("");
        ChunkScores { tokens: self.tokens, correct_tags: self.correct_tags, overall, per_type }
    }
}

/// conlleval's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkScores {
    /// Tokens scored.
    pub tokens: usize,
    /// Tokens whose chunk tag was right.
    pub correct_tags: usize,
    /// All chunk types together.
    pub overall: Prf,
    /// Per chunk type, e.g. `NP`.
    pub per_type: BTreeMap<String, Prf>,
}

impl ChunkScores {
    /// Scores of one chunk type (zeros if it never occurred).
    pub fn of(&self, kind: &str) -> Prf {
        self.per_type.get(kind).copied().unwrap_or_default()
    }

    /// Chunk tag accuracy in percent.
    pub fn accuracy(&self) -> f64 {
        Accuracy { correct: self.correct_tags, total: self.tokens }.percent()
    }
}

impl fmt::Display for ChunkScores {
    /// conlleval's report layout.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.overall;
        writeln!(
            f,
            "processed {} tokens with {} phrases; found: {} phrases; correct: {}.",
            self.tokens, o.gold, o.found, o.correct
        )?;
        if self.tokens > 0 {
            writeln!(
                f,
                "accuracy: {:6.2}%; precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}",
                self.accuracy(),
                o.precision(),
                o.recall(),
                o.f1()
            )?;
        }
        for (kind, s) in &self.per_type {
            writeln!(
                f,
                "{kind:>17}: precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}",
                s.precision(),
                s.recall(),
                s.f1()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conll_reader_splits_sentences_and_skips_docstart() {
        let text = "-DOCSTART- -X- O O\n\nEU NNP B-NP\nrejects VBZ B-VP\n\n\nPeter NNP B-NP\r\n";
        let s = parse_conll(text, "t").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 3);
        assert_eq!(s[0].column(0), vec!["EU", "rejects"]);
        assert_eq!(s[1].column(2), vec!["B-NP"]);
        let err = parse_conll("a B\nb C D\n", "f.txt").unwrap_err().to_string();
        assert!(err.contains("f.txt:2"), "{err}");
    }

    #[test]
    fn mrg_reader_drops_traces_and_keeps_tags() {
        let text = "( (S \n (NP-SBJ (NNP Pierre) (NNP Vinken) )\n (VP (VBD said) (SBAR (-NONE- 0) (S (NP (PRP it)) (VP (VBD left)))))\n (. .) ))\n( (NP (-LRB- -LCB-) (CD 3) ))";
        let s = parse_mrg(text, "t").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].words, vec!["Pierre", "Vinken", "said", "it", "left", "."]);
        assert_eq!(s[0].tags, vec!["NNP", "NNP", "VBD", "PRP", "VBD", "."]);
        assert_eq!(s[1].tags, vec!["-LRB-", "CD"]);
        for bad in ["( (NP (DT the) )", "(NN a))", "x", "((NN a b))"] {
            assert!(parse_mrg(bad, "t").is_err(), "{bad}");
        }
    }

    /// Worked cases checked against the behaviour of conlleval.pl.
    #[test]
    fn conlleval_counts() {
        struct Case {
            name: &'static str,
            sentences: Vec<(Vec<&'static str>, Vec<&'static str>)>,
            gold: usize,
            found: usize,
            correct: usize,
            correct_tags: usize,
        }
        let cases = vec![
            Case {
                name: "exact match",
                sentences: vec![(vec!["B-NP", "I-NP", "O", "B-VP"], vec!["B-NP", "I-NP", "O", "B-VP"])],
                gold: 2,
                found: 2,
                correct: 2,
                correct_tags: 4,
            },
            Case {
                name: "boundary error",
                sentences: vec![(vec!["B-NP", "I-NP", "I-NP"], vec!["B-NP", "I-NP", "B-NP"])],
                gold: 1,
                found: 2,
                correct: 0,
                correct_tags: 2,
            },
            Case {
                name: "I after O starts a chunk",
                sentences: vec![(vec!["O", "B-NP", "I-NP"], vec!["O", "I-NP", "I-NP"])],
                gold: 1,
                found: 1,
                correct: 1,
                correct_tags: 2,
            },
            Case {
                name: "type change ends a chunk",
                sentences: vec![(vec!["B-NP", "B-VP"], vec!["B-NP", "I-VP"])],
                gold: 2,
                found: 2,
                correct: 2,
                correct_tags: 1,
            },
            Case {
                name: "wrong type",
                sentences: vec![(vec!["B-NP", "I-NP"], vec!["B-VP", "I-VP"])],
                gold: 1,
                found: 1,
                correct: 0,
                correct_tags: 0,
            },
            Case {
                name: "chunks end at sentence breaks",
                sentences: vec![(vec!["B-NP"], vec!["B-NP"]), (vec!["I-NP"], vec!["B-NP"])],
                gold: 2,
                found: 2,
                correct: 2,
                correct_tags: 1,
            },
            Case {
                name: "chunk open at end of input",
                sentences: vec![(vec!["B-PP", "B-NP", "I-NP"], vec!["B-PP", "B-NP", "I-NP"])],
                gold: 2,
                found: 2,
                correct: 2,
                correct_tags: 3,
            },
        ];
        for c in cases {
            let mut e = ChunkEval::new();
            for (g, p) in &c.sentences {
                e.add_sentence(g, p);
            }
            let s = e.scores();
            assert_eq!(
                (s.overall.gold, s.overall.found, s.overall.correct, s.correct_tags),
                (c.gold, c.found, c.correct, c.correct_tags),
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn per_type_scores_and_report() {
        let mut e = ChunkEval::new();
        e.add_sentence(&["B-NP", "I-NP", "B-VP", "B-NP"], &["B-NP", "I-NP", "B-VP", "O"]);
        let s = e.scores();
        let np = s.of("NP");
        assert_eq!((np.gold, np.found, np.correct), (2, 1, 1));
        assert!((np.f1() - 66.666).abs() < 0.01);
        assert_eq!(s.of("VP").f1(), 100.0);
        let report = s.to_string();
        assert!(
            report.starts_with("processed 4 tokens with 3 phrases; found: 2 phrases; correct: 2."),
            "{report}"
        );
        assert!(
            report.contains("               NP: precision: 100.00%; recall:  50.00%; FB1:  66.67"),
            "{report}"
        );
    }
}
