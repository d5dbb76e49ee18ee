//! Replays every input the fuzzers once found (`fuzz/regressions/<target>/`) through the same
//! checks the fuzz targets run, so a fixed bug stays fixed in an ordinary `cargo test`.

#[path = "../../../fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;

fn cases(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions").join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path.file_name().unwrap().to_string_lossy().into_owned(), bytes)
        })
        .filter(|(name, _)| name != "README.md")
        .collect();
    out.sort();
    out
}

fn replay(target: &str, check: fn(&[u8])) {
    let cases = cases(target);
    assert!(!cases.is_empty(), "no regression cases for {target}");
    for (name, bytes) in cases {
        let r = std::panic::catch_unwind(|| check(&bytes));
        assert!(r.is_ok(), "fuzz/regressions/{target}/{name} fails again");
    }
}

#[test]
fn tokenizer_regressions() {
    replay("tokenizer", checks::check_tokenizer);
}

#[test]
fn input_regressions() {
    replay("input", checks::check_input);
}

#[test]
fn model_regressions() {
    replay("model", checks::check_model);
}
