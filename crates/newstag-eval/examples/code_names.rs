//! Prints the names of every Reuters place, person and organisation code used in a Reuters JSONL
//! file, with the number of documents that use it, to check the code-to-name tables by eye.
//!
//! `cargo run --release -p newstag-eval --example code_names -- /work/shared/data [--all]`
//! (`--all`: also the codes of the lists that the file does not use).

use std::collections::BTreeMap;

use newstag_eval::{DocReader, ReutersNames};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = std::env::args().nth(1).unwrap_or_else(|| "/work/shared/data".into());
    let names = ReutersNames::load(&data)?;
    let mut used: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for doc in DocReader::open(format!("{data}/reuters/reuters-train.jsonl"))? {
        let doc = doc?;
        for kind in ["places", "people", "orgs"] {
            for code in doc.extra_strings(kind) {
                *used.entry((kind, code.to_string())).or_default() += 1;
            }
        }
    }
    if std::env::args().any(|a| a == "--all") {
        // Every code of the lists, used or not.
        for kind in ["places", "people", "orgs"] {
            let list = std::fs::read_to_string(format!("{data}/reuters/lists/all-{kind}-strings.lc.txt"))?;
            for code in list.lines().map(str::trim).filter(|c| !c.is_empty()) {
                used.entry((kind, code.to_string())).or_default();
            }
        }
    }
    for ((kind, code), n) in &used {
        let alternatives = match *kind {
            "places" => names.place(code),
            "people" => names.person(code, ""),
            _ => names.org(code),
        };
        println!("{kind}\t{code}\t{n}\t{}", alternatives.join(" | "));
    }
    Ok(())
}
