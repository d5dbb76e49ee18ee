//! Checks on the real gold files in the shared data folder (not part of the repository), so
//! ignored by default:
//!
//! `NEWSTAG_DATA=/work/shared/data cargo test --release -p newstag-eval --test real_data -- --ignored --nocapture`

use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::PathBuf;

use newstag_eval::{evaluate, read_docs, stem_phrase, Doc, ReutersNames, System};

fn data_dir() -> PathBuf {
    std::env::var_os("NEWSTAG_DATA").map_or_else(|| PathBuf::from("/work/shared/data"), PathBuf::from)
}

/// Returns the gold tags themselves (first spelling of each), in document order: must score
/// P = R = 1. (Keyed by position, not by text: KPCrowd has documents with the same title and text
/// and different gold.)
struct Oracle<'a> {
    docs: &'a [Doc],
    next: Cell<usize>,
}

impl<'a> Oracle<'a> {
    fn new(docs: &'a [Doc]) -> Self {
        Oracle { docs, next: Cell::new(0) }
    }
}

impl System for Oracle<'_> {
    fn name(&self) -> &str {
        "oracle"
    }
    fn tag(&self, title: &str, text: &str) -> Vec<String> {
        let i = self.next.get();
        self.next.set(i + 1);
        let doc = &self.docs[i];
        assert_eq!((doc.title.as_str(), doc.text.as_str()), (title, text), "called in document order");
        doc.tags.iter().filter_map(|alternatives| alternatives.first().cloned()).collect()
    }
}

/// Whether the stemmed phrase occurs as whole tokens in the stemmed text.
fn present(stemmed_text: &str, phrase: &str) -> bool {
    let p = stem_phrase(phrase);
    !p.is_empty() && format!(" {stemmed_text} ").contains(&format!(" {p} "))
}

#[test]
#[ignore = "reads the shared data folder"]
fn keyphrase_files_read_and_oracle_scores_one() {
    for file in ["keyphrase/duc2001.jsonl", "keyphrase/kpcrowd-train.jsonl"] {
        let docs = read_docs(data_dir().join(file)).unwrap();
        assert!(docs.len() > 300, "{file}: {} docs", docs.len());
        let report = evaluate(&Oracle::new(&docs), &docs, &[5, 10]);
        println!("{file}\n{report}");
        // Titles+texts are unique per file, so the oracle returns each document's own gold.
        assert_eq!(report.docs, docs.len());
        assert!((report.at_m.recall - 1.0).abs() < 1e-9, "{file}: {report}");
        assert!((report.at_m.precision - 1.0).abs() < 1e-9, "{file}: {report}");
        let distinct: BTreeSet<(&str, &str)> =
            docs.iter().map(|d| (d.title.as_str(), d.text.as_str())).collect();
        println!("{file}: {} documents repeat an earlier title and text", docs.len() - distinct.len());

        let (mut tags, mut found) = (0usize, 0usize);
        for doc in &docs {
            let text = stem_phrase(&format!("{} . {}", doc.title, doc.text));
            for tag in &doc.tags {
                tags += 1;
                found += usize::from(tag.iter().any(|t| present(&text, t)));
            }
        }
        println!(
            "{file}: {found}/{tags} gold tags occur in title+text after stemming ({:.1}%)\n",
            100.0 * found as f64 / tags as f64
        );
    }
}

#[test]
#[ignore = "reads the shared data folder"]
fn reuters_codes_become_names() {
    let dir = data_dir();
    let names = ReutersNames::load(&dir).unwrap();
    let mut docs = read_docs(dir.join("reuters/reuters-train.jsonl")).unwrap();
    assert_eq!(docs.len(), 13_025);
    let (mut tags, mut found) = (0usize, 0usize);
    for doc in &mut docs {
        let gold = names.gold(doc);
        assert_eq!(gold.len(), doc.tags.len(), "{}", doc.id);
        let text = stem_phrase(&doc.text);
        for (alternatives, code) in gold.iter().zip(doc.tags.iter().flatten()) {
            assert!(!alternatives.is_empty(), "{}: {code}", doc.id);
            tags += 1;
            found += usize::from(alternatives.iter().any(|a| present(&text, a)));
        }
        doc.tags = gold;
    }
    let report = evaluate(&Oracle::new(&docs), &docs, &[1, 3]);
    println!("reuters-train as names\n{report}");
    println!(
        "{found}/{tags} gold names occur in the text after stemming ({:.1}%)",
        100.0 * found as f64 / tags as f64
    );
    assert!((report.at_m.recall - 1.0).abs() < 1e-9, "{report}");
}
