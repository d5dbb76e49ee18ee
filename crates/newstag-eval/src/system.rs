//! One trait for every tagger that is evaluated (newstag and the baselines), the evaluation loop,
//! and deterministic folds for cross-validation.

use crate::dataset::Doc;
use crate::metrics::{Evaluator, Report};

/// A tagger under evaluation.
pub trait System {
    /// A short name for reports, e.g. `newstag` or `first-phrases`.
    fn name(&self) -> &str;
    /// The tags for one article, ranked best first.
    fn tag(&self, title: &str, text: &str) -> Vec<String>;
}

/// Runs `system` on every document and scores its tags against `doc.tags` at each of `ks` and
/// at M (see [`crate::metrics`] for the protocol).
pub fn evaluate<'a, S, I>(system: &S, docs: I, ks: &[usize]) -> Report
where
    S: System + ?Sized,
    I: IntoIterator<Item = &'a Doc>,
{
    let mut evaluator = Evaluator::new(ks);
    for doc in docs {
        if doc.tags.is_empty() {
            // Skip the tagging work; the evaluator still counts the document as skipped.
            evaluator.add::<&str>(&[], &doc.tags);
            continue;
        }
        let predicted = system.tag(&doc.title, &doc.text);
        evaluator.add(&predicted, &doc.tags);
    }
    evaluator.report(system.name())
}

/// Splits `0..n` into `k` folds for cross-validation, the same for the same `(n, k, seed)` on
/// every machine: a Fisher-Yates shuffle with a fixed-seed SplitMix64, then dealt round-robin, so
/// fold sizes differ by at most one. Each fold is sorted. `k = 0` gives no fold; when `k > n`
/// some folds are empty.
pub fn folds(n: usize, k: usize, seed: u64) -> Vec<Vec<usize>> {
    if k == 0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(seed);
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let mut out = vec![Vec::with_capacity(n / k + 1); k];
    for (pos, index) in order.into_iter().enumerate() {
        out[pos % k].push(index);
    }
    for fold in &mut out {
        fold.sort_unstable();
    }
    out
}

/// The training indices for held-out fold `test` (every other fold, sorted) and the test indices.
/// An out-of-range `test` gives all indices for training and none for testing.
pub fn split(folds: &[Vec<usize>], test: usize) -> (Vec<usize>, Vec<usize>) {
    let mut train: Vec<usize> =
        folds.iter().enumerate().filter(|(i, _)| *i != test).flat_map(|(_, f)| f.iter().copied()).collect();
    train.sort_unstable();
    let test = folds.get(test).cloned().unwrap_or_default();
    (train, test)
}

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, and the same everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (`bound > 0`), without modulo bias (Lemire's method).
    fn below(&mut self, bound: u64) -> u64 {
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let m = u128::from(self.next()) * u128::from(bound);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    /// Tags the first `n` capitalised words of the title, as a stand-in system.
    struct TitleWords(usize);

    impl System for TitleWords {
        fn name(&self) -> &str {
            "title-words"
        }
        fn tag(&self, title: &str, _text: &str) -> Vec<String> {
            title
                .split_whitespace()
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                .take(self.0)
                .map(str::to_string)
                .collect()
        }
    }

    fn doc(id: &str, title: &str, tags: &[&str]) -> Doc {
        Doc {
            id: id.into(),
            title: title.into(),
            text: String::new(),
            tags: tags.iter().map(|t| vec![t.to_string()]).collect(),
            extra: Map::new(),
        }
    }

    #[test]
    fn evaluate_runs_the_system_on_each_doc() {
        let docs = vec![
            doc("1", "Exxon spills oil in Alaska", &["exxon", "alaska"]),
            doc("2", "Markets Fall", &["stocks"]),
            doc("3", "No gold here", &[]),
        ];
        let r = evaluate(&TitleWords(5), &docs, &[1, 2]);
        assert_eq!(r.system, "title-words");
        assert_eq!((r.docs, r.skipped_no_gold), (2, 1));
        // Doc 1 predicts [Exxon, Alaska]: P@1 = 1, R@1 = 1/2. Doc 2 predicts [Markets, Fall]: 0.
        assert_eq!(r.at_k[0].precision, 0.5);
        assert_eq!(r.at_k[0].recall, 0.25);
        assert_eq!(r.at_k[1].recall, 0.5);
        // Evaluating a subset through an index list works the same way.
        let subset = evaluate(&TitleWords(5), [0usize].iter().map(|&i| &docs[i]), &[2]);
        assert_eq!(subset.docs, 1);
        assert_eq!(subset.at_k[0].f1, 1.0);
    }

    #[test]
    fn folds_are_a_deterministic_balanced_partition() {
        let cases = [(0, 3), (1, 3), (10, 3), (10, 10), (7, 1), (100, 5), (3, 5)];
        for (n, k) in cases {
            let f = folds(n, k, 42);
            assert_eq!(f, folds(n, k, 42), "deterministic");
            assert_eq!(f.len(), k);
            let mut all: Vec<usize> = f.iter().flatten().copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..n).collect::<Vec<_>>(), "partition of {n}");
            let sizes: Vec<usize> = f.iter().map(Vec::len).collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "{sizes:?}");
            assert!(f.iter().all(|fold| fold.windows(2).all(|w| w[0] < w[1])), "sorted");
        }
        assert!(folds(10, 0, 1).is_empty());
        assert_ne!(folds(100, 5, 1), folds(100, 5, 2), "the seed matters");
        // Pinned, so a change of generator shows up as a test failure.
        assert_eq!(folds(6, 2, 7), vec![vec![0, 1, 5], vec![2, 3, 4]]);
        assert_eq!(folds(10, 3, 1), vec![vec![3, 4, 5, 9], vec![0, 7, 8], vec![1, 2, 6]]);
    }

    #[test]
    fn split_holds_out_one_fold() {
        let f = folds(10, 3, 9);
        for i in 0..3 {
            let (train, test) = split(&f, i);
            assert_eq!(test, f[i]);
            assert_eq!(train.len() + test.len(), 10);
            assert!(train.iter().all(|t| !test.contains(t)));
        }
        let (train, test) = split(&f, 7);
        assert_eq!((train.len(), test.len()), (10, 0));
    }
}
