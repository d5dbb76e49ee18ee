//! Precision, recall and F1 at k and at M, macro-averaged over documents, the way keyphrase
//! extraction is scored.
//!
//! The protocol follows the evaluation code of Gallina, Boudin and Daille, "Large-scale
//! evaluation of keyphrase extraction models" (JCDL 2020, `evaluation/util.py`), which pke's
//! published tables use:
//!
//! - both sides are normalised by [`stem_phrase`] (tokenize, Porter-stem, lower-case) and compared
//!   by exact match;
//! - a gold tag with alternative spellings is matched when any alternative is, and counts once;
//! - P@k = matched gold tags among the top k predictions / **min(k, number of predictions)**, i.e.
//!   a system that returns fewer than k tags is not charged for the missing ones (JCDL 2020 takes
//!   `rel[:min(len(candidates), k)]` and divides by its length); P is 0 when nothing is predicted;
//! - R@k = matched gold tags / number of gold tags; F1@k is the harmonic mean of the document's P
//!   and R (0 when both are 0);
//! - "M" uses all the predictions;
//! - each figure is computed per document and then averaged over documents (macro average).
//!
//! Two details the JCDL code leaves open are fixed here:
//!
//! - predictions are deduplicated after normalisation, keeping the first (best-ranked) one, so
//!   "Oil spill" and "oil spills" in one list count as one prediction;
//! - gold tags whose normalised alternatives are the same set are merged (pke compares sets of
//!   stemmed references), and matching is one-to-one: predictions are taken in rank order and
//!   each one takes the first gold tag not yet matched that has it among its alternatives. So a
//!   prediction never counts twice and P never exceeds 1.
//!
//! Documents without gold tags are skipped and counted in [`Report::skipped_no_gold`].

use std::fmt;

use newstag::text::porter::stem_phrase;
use newstag::TagType;
use serde::Serialize;

/// P, R and F1 at one cut-off, as fractions in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// The cut-off: the top k predictions, or `None` for all of them ("M").
    pub k: Option<usize>,
    /// Macro-averaged precision.
    pub precision: f64,
    /// Macro-averaged recall.
    pub recall: f64,
    /// Macro-averaged F1 (the mean of per-document F1, not F1 of the means).
    pub f1: f64,
}

/// The result of evaluating one system on one gold set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The system's name.
    pub system: String,
    /// Documents scored (those with at least one gold tag).
    pub docs: usize,
    /// Documents skipped because they had no gold tag.
    pub skipped_no_gold: usize,
    /// Mean number of gold tags per scored document, after merging duplicates.
    pub gold_per_doc: f64,
    /// Mean number of predictions per scored document, after normalising and deduplicating.
    pub predicted_per_doc: f64,
    /// Scores at each requested k, in increasing k.
    pub at_k: Vec<Scores>,
    /// Scores using all the predictions.
    pub at_m: Scores,
    /// How often the chosen tags that match a typed gold tag have its type ([`TypeAgreement`]);
    /// `None` when the gold file types no tags or the system gives no types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub types: Option<TypeAgreement>,
}

/// Of a system's chosen tags that match a gold tag the gold file types (its `people`, `places`,
/// `orgs` and `topics` lists, as `data/editor/` has them), how many have that type.
///
/// The gold files' four lists are newstag's four types. Before 2026-12-08 newstag had a fifth,
/// `other` (storms, laws, events, products), which agreed with a gold topic; such names are now
/// topics, places or organisations by their words ([`newstag::candidates::Candidate::tag_type`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TypeAgreement {
    /// Chosen tags that match a typed gold tag.
    pub matched: usize,
    /// Of those, the tags of the same type.
    pub agreed: usize,
}

impl TypeAgreement {
    /// The gold file's type lists and the types they stand for.
    pub const LISTS: [(&'static str, TagType); 4] = [
        ("people", TagType::Person),
        ("places", TagType::Place),
        ("orgs", TagType::Organization),
        ("topics", TagType::Topic),
    ];

    /// Adds one document: `gold` maps stemmed gold tags ([`stem_phrase`]) to their types, `chosen`
    /// holds the system's chosen tags and types.
    pub fn add<S: AsRef<str>>(&mut self, gold: &[(String, TagType)], chosen: &[(S, TagType)]) {
        for (name, ty) in chosen {
            let key = stem_phrase(name.as_ref());
            if let Some((_, want)) = gold.iter().find(|(g, _)| *g == key) {
                self.matched += 1;
                self.agreed += usize::from(want == ty);
            }
        }
    }

    /// The share that agrees, in [0, 1] (0 when nothing matched).
    pub fn rate(&self) -> f64 {
        if self.matched == 0 {
            0.0
        } else {
            self.agreed as f64 / self.matched as f64
        }
    }
}

/// Accumulates per-document scores; [`Evaluator::report`] averages them.
#[derive(Debug, Clone)]
pub struct Evaluator {
    ks: Vec<usize>,
    /// Per k (in `ks` order) then M: sums of P, R, F1.
    sums: Vec<[f64; 3]>,
    docs: usize,
    skipped: usize,
    gold: usize,
    predicted: usize,
}

/// The matches of one document's predictions against its gold tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMatch {
    /// One flag per distinct normalised prediction, in rank order: did it match a gold tag?
    pub hits: Vec<bool>,
    /// The number of distinct gold tags.
    pub gold: usize,
}

impl DocMatch {
    /// Normalises and matches `predicted` (ranked best first) against `gold`.
    pub fn new<S: AsRef<str>>(predicted: &[S], gold: &[Vec<String>]) -> DocMatch {
        let gold = normalise_gold(gold);
        let mut seen: Vec<String> = Vec::with_capacity(predicted.len());
        let mut matched = vec![false; gold.len()];
        let mut hits = Vec::with_capacity(predicted.len());
        for p in predicted {
            let p = stem_phrase(p.as_ref());
            if p.is_empty() || seen.contains(&p) {
                continue;
            }
            let hit = gold
                .iter()
                .enumerate()
                .find(|(i, alternatives)| !matched[*i] && alternatives.contains(&p))
                .map(|(i, _)| i);
            if let Some(i) = hit {
                matched[i] = true;
            }
            hits.push(hit.is_some());
            seen.push(p);
        }
        DocMatch { hits, gold: gold.len() }
    }

    /// P, R and F1 over the top `k` predictions (`None`: all of them).
    pub fn scores(&self, k: Option<usize>) -> [f64; 3] {
        let n = k.map_or(self.hits.len(), |k| k.min(self.hits.len()));
        let matches = self.hits[..n].iter().filter(|&&h| h).count() as f64;
        let p = if n == 0 { 0.0 } else { matches / n as f64 };
        let r = if self.gold == 0 { 0.0 } else { matches / self.gold as f64 };
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        [p, r, f]
    }
}

/// Normalises each gold tag to its sorted, distinct, non-empty stemmed alternatives, and merges
/// tags with the same set.
fn normalise_gold(gold: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::with_capacity(gold.len());
    for tag in gold {
        let mut alternatives: Vec<String> =
            tag.iter().map(|a| stem_phrase(a)).filter(|a| !a.is_empty()).collect();
        alternatives.sort();
        alternatives.dedup();
        // A tag with nothing left (all punctuation-free blanks) can never match; it still counts,
        // as it is in the gold set.
        if !out.contains(&alternatives) {
            out.push(alternatives);
        }
    }
    out
}

impl Evaluator {
    /// An evaluator reporting at each of `ks` (sorted, deduplicated, zeros dropped) and at M.
    pub fn new(ks: &[usize]) -> Evaluator {
        let mut ks: Vec<usize> = ks.iter().copied().filter(|&k| k > 0).collect();
        ks.sort_unstable();
        ks.dedup();
        let sums = vec![[0.0; 3]; ks.len() + 1];
        Evaluator { ks, sums, docs: 0, skipped: 0, gold: 0, predicted: 0 }
    }

    /// Scores one document: `predicted` ranked best first, `gold` as alternatives per tag.
    /// Returns the match, or `None` when the document has no gold tag and was skipped.
    pub fn add<S: AsRef<str>>(&mut self, predicted: &[S], gold: &[Vec<String>]) -> Option<DocMatch> {
        let m = DocMatch::new(predicted, gold);
        if m.gold == 0 {
            self.skipped += 1;
            return None;
        }
        self.docs += 1;
        self.gold += m.gold;
        self.predicted += m.hits.len();
        let cutoffs = self.ks.iter().map(|&k| Some(k)).chain([None]);
        for (sum, k) in self.sums.iter_mut().zip(cutoffs) {
            for (s, v) in sum.iter_mut().zip(m.scores(k)) {
                *s += v;
            }
        }
        Some(m)
    }

    /// The averages so far (all zeros when no document was scored).
    pub fn report(&self, system: impl Into<String>) -> Report {
        let n = self.docs.max(1) as f64;
        let scores = |k: Option<usize>, sum: &[f64; 3]| Scores {
            k,
            precision: sum[0] / n,
            recall: sum[1] / n,
            f1: sum[2] / n,
        };
        let at_k = self.ks.iter().zip(&self.sums).map(|(&k, s)| scores(Some(k), s)).collect();
        let at_m = scores(None, &self.sums[self.ks.len()]);
        Report {
            types: None,
            system: system.into(),
            docs: self.docs,
            skipped_no_gold: self.skipped,
            gold_per_doc: self.gold as f64 / n,
            predicted_per_doc: self.predicted as f64 / n,
            at_k,
            at_m,
        }
    }
}

impl fmt::Display for Report {
    /// A plain-text table, figures in percent:
    ///
    /// ```text
    /// system: first-3   docs: 2 (0 skipped without gold)   gold/doc: 2.50   predicted/doc: 3.00
    ///      k       P       R      F1
    ///      1   50.00   25.00   33.33
    ///      M   50.00   66.67   56.67
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "system: {}   docs: {} ({} skipped without gold)   gold/doc: {:.2}   predicted/doc: {:.2}",
            self.system, self.docs, self.skipped_no_gold, self.gold_per_doc, self.predicted_per_doc
        )?;
        writeln!(f, "{:>6}  {:>6}  {:>6}  {:>6}", "k", "P", "R", "F1")?;
        for s in self.at_k.iter().chain([&self.at_m]) {
            let k = s.k.map_or_else(|| "M".to_string(), |k| k.to_string());
            writeln!(
                f,
                "{:>6}  {:>6.2}  {:>6.2}  {:>6.2}",
                k,
                100.0 * s.precision,
                100.0 * s.recall,
                100.0 * s.f1
            )?;
        }
        if let Some(t) = &self.types {
            writeln!(
                f,
                "types: {:.2}% of the {} chosen tags that match a typed gold tag have its type",
                100.0 * t.rate(),
                t.matched
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(tags: &[&[&str]]) -> Vec<Vec<String>> {
        tags.iter().map(|t| t.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn types_agree_on_matched_tags_only() {
        let typed = vec![
            (stem_phrase("Google"), TagType::Organization),
            (stem_phrase("Sam Altman"), TagType::Person),
        ];
        let mut t = TypeAgreement::default();
        // "Google" matched but typed a person; "Sam Altman" matched and agrees; "AI" is untyped.
        t.add(
            &typed,
            &[("Google", TagType::Person), ("sam altman", TagType::Person), ("AI", TagType::Topic)],
        );
        assert_eq!(t, TypeAgreement { matched: 2, agreed: 1 });
        assert_eq!(t.rate(), 0.5);
        assert_eq!(TypeAgreement::default().rate(), 0.0);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn per_document_scores() {
        // (name, predictions, gold, k, expected [P, R, F1])
        type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a [&'a str]], Option<usize>, [f64; 3]);
        let cases: &[Case] = &[
            ("all right", &["oil spill", "alaska"], &[&["oil spill"], &["alaska"]], None, [1.0, 1.0, 1.0]),
            ("stemmed match", &["Oil Spills"], &[&["oil spill"], &["alaska"]], None, [1.0, 0.5, 2.0 / 3.0]),
            (
                "half right at 2",
                &["oil", "alaska", "exxon"],
                &[&["alaska"], &["exxon"]],
                Some(2),
                [0.5, 0.5, 0.5],
            ),
            (
                "k beyond the list divides by the list",
                &["alaska"],
                &[&["alaska"], &["exxon"]],
                Some(10),
                [1.0, 0.5, 2.0 / 3.0],
            ),
            ("no prediction", &[], &[&["alaska"]], Some(5), [0.0, 0.0, 0.0]),
            ("nothing right", &["a thing"], &[&["alaska"]], None, [0.0, 0.0, 0.0]),
            ("alternative matches", &["U.S."], &[&["United States", "U.S."]], None, [1.0, 1.0, 1.0]),
            (
                "two alternatives count once",
                &["United States", "U.S."],
                &[&["United States", "U.S."]],
                None,
                [0.5, 1.0, 2.0 / 3.0],
            ),
            (
                "duplicate predictions count once",
                &["oil spill", "Oil spills", "alaska"],
                &[&["alaska"]],
                Some(2),
                [0.5, 1.0, 2.0 / 3.0],
            ),
            ("duplicate gold merged", &["year"], &[&["year"], &["years"]], None, [1.0, 1.0, 1.0]),
            ("clitic tokenised", &["Alaska's coast"], &[&["alaska's coast"]], None, [1.0, 1.0, 1.0]),
            (
                "case and spacing",
                &["  PRINCE   william sound "],
                &[&["Prince William Sound"]],
                None,
                [1.0, 1.0, 1.0],
            ),
            ("empty predictions dropped", &["", " ", "alaska"], &[&["alaska"]], Some(1), [1.0, 1.0, 1.0]),
        ];
        for (name, predicted, g, k, want) in cases {
            let m = DocMatch::new(predicted, &gold(g));
            let got = m.scores(*k);
            for (x, y) in got.iter().zip(want) {
                assert!(close(*x, *y), "{name}: got {got:?}, want {want:?}");
            }
        }
    }

    #[test]
    fn shared_alternative_matches_one_to_one() {
        // Two gold tags share "yemen": one prediction takes one of them, a second takes the other.
        let g = gold(&[&["North Yemen", "Yemen"], &["South Yemen", "Yemen"]]);
        let m = DocMatch::new(&["Yemen", "South Yemen"], &g);
        assert_eq!(m.hits, vec![true, true]);
        let m = DocMatch::new(&["Yemen", "Yemen Arab Republic"], &g);
        assert_eq!(m.hits, vec![true, false]);
        assert!(close(m.scores(None)[0], 0.5));
    }

    #[test]
    fn macro_average_and_skipped_documents() {
        let mut e = Evaluator::new(&[10, 1, 0, 1]);
        // Doc 1: P@1 = 1, R@1 = 1/2; at M: P = 1/2, R = 1/2.
        assert!(e.add(&["alaska", "oil"], &gold(&[&["alaska"], &["exxon"]])).is_some());
        // Doc 2: nothing right.
        assert!(e.add(&["cat"], &gold(&[&["dog"]])).is_some());
        // Doc 3: no gold, skipped.
        assert!(e.add(&["cat"], &[]).is_none());
        let r = e.report("test");
        assert_eq!(r.docs, 2);
        assert_eq!(r.skipped_no_gold, 1);
        assert!(close(r.gold_per_doc, 1.5));
        assert!(close(r.predicted_per_doc, 1.5));
        assert_eq!(r.at_k.iter().map(|s| s.k).collect::<Vec<_>>(), vec![Some(1), Some(10)]);
        let at1 = r.at_k[0];
        assert!(close(at1.precision, 0.5) && close(at1.recall, 0.25));
        assert!(close(at1.f1, (2.0 / 3.0) / 2.0));
        assert_eq!(r.at_m.k, None);
        assert!(close(r.at_m.precision, 0.25) && close(r.at_m.recall, 0.25));
        assert!(close(r.at_k[1].precision, r.at_m.precision));
    }

    #[test]
    fn empty_evaluator_reports_zeros() {
        let r = Evaluator::new(&[5]).report("none");
        assert_eq!(r.docs, 0);
        assert_eq!(r.at_k[0].precision, 0.0);
        assert_eq!(r.at_m.f1, 0.0);
    }

    #[test]
    fn report_displays_a_table_and_serialises() {
        let mut e = Evaluator::new(&[1]);
        e.add(&["alaska", "oil", "exxon"], &gold(&[&["alaska"], &["exxon"]]));
        e.add(&["a", "b", "c"], &gold(&[&["c"], &["d"], &["e"]]));
        let r = e.report("first-3");
        let table = r.to_string();
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("system: first-3   docs: 2 (0 skipped without gold)"), "{table}");
        assert_eq!(lines[1].split_whitespace().collect::<Vec<_>>(), ["k", "P", "R", "F1"]);
        assert_eq!(lines[2].split_whitespace().collect::<Vec<_>>(), ["1", "50.00", "25.00", "33.33"]);
        assert_eq!(lines[3].split_whitespace().collect::<Vec<_>>(), ["M", "50.00", "66.67", "56.67"]);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["docs"], 2);
        assert_eq!(json["at_k"][0]["k"], 1);
        assert!(json["at_m"]["k"].is_null());
    }
}
