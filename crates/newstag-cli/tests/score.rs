//! End-to-end tests of `newstag score`: the scorer of `newstag eval` applied to a peer's
//! predictions file.

use std::path::PathBuf;
use std::process::{Command, Output};

fn newstag() -> Command {
    Command::new(env!("CARGO_BIN_EXE_newstag"))
}

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(rel)
}

/// A fresh folder for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("newstag-score-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &std::path::Path, name: &str, lines: &[&str]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `newstag score --json --gold GOLD --pred PRED [extra...]`, run.
fn score_json(gold: &std::path::Path, pred: &std::path::Path, extra: &[&std::ffi::OsStr]) -> Output {
    newstag()
        .args(["score", "--json"])
        .arg("--gold")
        .arg(gold)
        .arg("--pred")
        .arg(pred)
        .args(extra)
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON report")
}

const GOLD: [&str; 2] = [
    r#"{"id": "a", "title": "Oil spill in Alaska", "text": "An oil spill off Alaska.", "tags": ["oil spill", "Alaska", "tanker", "Exxon"]}"#,
    r#"{"id": "b", "title": "Census suit", "text": "Congressmen sue the Census Bureau.", "tags": ["census", "illegal aliens"]}"#,
];

#[test]
fn scores_ranked_predictions_at_k_and_at_m() {
    let dir = scratch("basic");
    let gold = write(&dir, "gold.jsonl", &GOLD);
    // a: "Oil spills" stems to the gold "oil spill"; "Alaska" matches; 2 of 4 predictions, 2 of 4 gold.
    // b: nothing matches.
    let pred = write(
        &dir,
        "peer.jsonl",
        &[
            r#"{"id": "a", "tags": ["Oil spills", "coast guard", "Alaska", "Valdez"]}"#,
            r#"{"id": "b", "tags": ["congressmen"]}"#,
        ],
    );
    let o = newstag()
        .args(["score", "--k", "1,2", "--json", "--system", "peer"])
        .arg("--gold")
        .arg(&gold)
        .arg("--pred")
        .arg(&pred)
        .output()
        .unwrap();
    let r = json(&o);
    assert_eq!(r["system"], "peer");
    assert_eq!(r["docs"], 2);
    assert_eq!(r["gold_per_doc"], 3.0);
    assert_eq!(r["predicted_per_doc"], 2.5);
    let at = |i: usize, field: &str| r["at_k"][i][field].as_f64().unwrap();
    // P@1: a 1/1, b 0/1 -> 0.5. R@1: a 1/4, b 0 -> 0.125.
    assert_eq!(r["at_k"][0]["k"], 1);
    assert!((at(0, "precision") - 0.5).abs() < 1e-9);
    assert!((at(0, "recall") - 0.125).abs() < 1e-9);
    // P@2: a 1/2, b 0/1 (min(k, predictions)) -> 0.25.
    assert!((at(1, "precision") - 0.25).abs() < 1e-9);
    // M: a P 2/4 R 2/4 F 0.5; b 0 -> F1 0.25.
    assert_eq!(r["at_m"]["k"], serde_json::Value::Null);
    assert!((r["at_m"]["f1"].as_f64().unwrap() - 0.25).abs() < 1e-9);
    assert!((r["at_m"]["recall"].as_f64().unwrap() - 0.25).abs() < 1e-9);
}

#[test]
fn json_report_has_the_shape_of_eval() {
    let dir = scratch("shape");
    let gold = write(&dir, "gold.jsonl", &GOLD);
    let pred =
        write(&dir, "p.jsonl", &[r#"{"id": "a", "tags": ["oil spill"]}"#, r#"{"id": "b", "tags": []}"#]);
    let scored = json(&score_json(&gold, &pred, &[]));
    let evaluated =
        json(&newstag().args(["eval", "--json", "--heuristic"]).arg("--gold").arg(&gold).output().unwrap());
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&scored), keys(&evaluated));
    assert_eq!(keys(&scored["at_m"]), keys(&evaluated["at_m"]));
    assert_eq!(scored["at_k"].as_array().unwrap().len(), evaluated["at_k"].as_array().unwrap().len());
    assert_eq!(scored["system"], "p", "the default name is the predictions file's");
    // An empty prediction list scores zero, it is not skipped.
    assert_eq!(scored["docs"], 2);
    assert!((scored["at_m"]["precision"].as_f64().unwrap() - 0.5).abs() < 1e-9);
}

#[test]
fn only_the_articles_predicted_are_scored() {
    let dir = scratch("subset");
    let gold = write(&dir, "gold.jsonl", &GOLD);
    let pred = write(&dir, "p.jsonl", &[r#"{"id": "b", "tags": ["census", "illegal alien"]}"#]);
    let r = json(&score_json(&gold, &pred, &[]));
    assert_eq!(r["docs"], 1);
    assert_eq!(r["at_m"]["f1"], 1.0);
}

#[test]
fn bad_prediction_files_are_errors_that_say_where() {
    let dir = scratch("errors");
    let gold = write(&dir, "gold.jsonl", &GOLD);
    let cases: [(&[&str], &str); 5] = [
        (&[r#"{"id": "z", "tags": []}"#], "\"z\" is not in"),
        (&[r#"{"id": "a", "tags": []}"#, r#"{"id": "a", "tags": ["x"]}"#], "more than once"),
        (&[r#"{"id": "a", "tags": []}"#, "", "not json"], "line 3"),
        (&[r#"{"id": "a"}"#], "`tags`"),
        (&[r#"{"id": "a", "tags": ["x", 3]}"#], "must be a string"),
    ];
    for (i, (lines, message)) in cases.iter().enumerate() {
        let pred = write(&dir, &format!("bad{i}.jsonl"), lines);
        let o = newstag().arg("score").arg("--gold").arg(&gold).arg("--pred").arg(&pred).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{lines:?}");
        assert!(stderr(&o).contains(message), "{lines:?}: {}", stderr(&o));
    }
}

#[test]
fn reuters_codes_are_scored_as_names() {
    let data = shared("data");
    if !data.join("reuters/lists").is_dir() {
        eprintln!("skipped: no shared data at {}", data.display());
        return;
    }
    let dir = scratch("reuters");
    let gold = write(
        &dir,
        "reuters-mini.jsonl",
        &[
            r#"{"id": "r1", "title": "Baker on the dollar", "text": "Treasury Secretary James Baker said the U.S. ...", "tags": ["usa", "james-baker"], "places": ["usa"], "people": ["james-baker"], "orgs": []}"#,
        ],
    );
    let pred = write(&dir, "p.jsonl", &[r#"{"id": "r1", "tags": ["U.S.", "James Baker", "dollar"]}"#]);
    let r = json(&score_json(&gold, &pred, &["--data".as_ref(), data.as_os_str()]));
    assert_eq!(r["at_m"]["recall"], 1.0, "{r}");
    // The same file scored as plain tags: "U.S." is not "usa".
    let plain = json(
        &newstag()
            .args(["score", "--json", "--reuters", "false"])
            .arg("--gold")
            .arg(&gold)
            .arg("--pred")
            .arg(&pred)
            .output()
            .unwrap(),
    );
    assert_eq!(plain["at_m"]["recall"], 0.0, "{plain}");
}
