//! End-to-end tests of the `newstag` binary: input formats, output formats, errors, exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn newstag() -> Command {
    Command::new(env!("CARGO_BIN_EXE_newstag"))
}

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(rel)
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = newstag()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn newstag");
    // A run that fails early closes its stdin: a broken pipe here is not the test's failure.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn example_article_gets_its_editors_tags() {
    let path = shared("examples/putin-xi-visit.txt");
    let o = newstag().args(["tag", "--strip-tag-line", "--format", "line"]).arg(&path).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut got: Vec<String> = stdout(&o).trim().split(", ").map(str::to_string).collect();
    got.sort();
    // The editor's line is the last line of the file itself.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut want: Vec<String> =
        text.trim_end().lines().last().unwrap().trim().split(", ").map(str::to_string).collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn faster_modes_still_find_the_example_tags() {
    let path = shared("examples/putin-xi-visit.txt");
    for flags in [&["--no-chunker"][..], &["--no-ner"], &["--no-ner", "--no-chunker"]] {
        let o = newstag()
            .args(["tag", "--strip-tag-line", "--format", "line"])
            .args(flags)
            .arg(&path)
            .output()
            .unwrap();
        assert!(o.status.success(), "{flags:?}: {}", stderr(&o));
        let mut got: Vec<String> = stdout(&o).trim().split(", ").map(str::to_string).collect();
        got.sort();
        assert_eq!(got, ["China", "Putin", "Russia", "Xi Jinping"], "{flags:?}");
    }
}

#[test]
fn json_output_has_types_scores_and_offsets_that_slice_the_text() {
    let article = r#"{"id": "a1", "title": "Putin visits China", "text": "Russian President Vladimir Putin arrived in Beijing. Putin met Xi Jinping.", "source": "test"}"#;
    let o = run_with_stdin(&["tag", "--input", "json"], article.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["id"], "a1");
    assert_eq!(v["source"], "test", "unknown fields pass through");
    let doc =
        "Putin visits China\n\nRussian President Vladimir Putin arrived in Beijing. Putin met Xi Jinping.";
    let tags = v["tags"].as_array().unwrap();
    assert!(!tags.is_empty());
    for t in tags {
        let ty = t["type"].as_str().unwrap();
        assert!(["person", "place", "organization", "topic"].contains(&ty), "{ty}");
        let score = t["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        for m in t["mentions"].as_array().unwrap() {
            let (a, b) = (m[0].as_u64().unwrap() as usize, m[1].as_u64().unwrap() as usize);
            assert!(doc.get(a..b).is_some_and(|s| !s.trim().is_empty()), "{a}..{b}");
        }
    }
    let putin = tags.iter().find(|t| t["name"] == "Vladimir Putin").expect("Vladimir Putin is tagged");
    assert_eq!(putin["type"], "person");
    assert_eq!(putin["mentions"].as_array().unwrap().len(), 3, "title, full name and surname join");
}

#[test]
fn jsonl_keeps_one_line_per_input_line_and_reports_bad_ones() {
    let input = concat!(
        r#"{"id": 1, "title": "Oil spill in Alaska", "text": "The tanker spilled oil near Valdez, Alaska."}"#,
        "\n",
        "{not json\n",
        r#"{"id": 3, "body": "Only a body about the European Union and NATO."}"#,
        "\n",
        r#"{"id": 4, "title": "", "text": ""}"#,
        "\n",
        r#"{"id": 5, "title": 7}"#,
        "\n",
    );
    let o = run_with_stdin(&["tag", "--jsonl", "--top", "3"], input.as_bytes());
    assert_eq!(o.status.code(), Some(1), "some records failed: {}", stderr(&o));
    let lines: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).expect("every output line is JSON")).collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["id"], 1);
    assert!(lines[0]["tags"].as_array().unwrap().len() <= 3);
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap().contains("malformed JSON"));
    assert_eq!(lines[2]["id"], 3);
    assert!(lines[3]["error"].as_str().unwrap().contains("empty article"));
    assert!(lines[4]["error"].as_str().unwrap().contains("must be a string"));
    assert!(stderr(&o).contains("3 of 5 articles failed"));
}

#[test]
fn whole_input_errors_exit_nonzero_with_a_clear_message() {
    let cases: &[(&str, &[&str], &[u8], &str)] = &[
        ("empty", &["tag"], b"", "empty article"),
        ("blank lines", &["tag"], b"\n\n  \n", "empty article"),
        ("invalid utf-8", &["tag"], b"Title\n\xff\xfe body", "invalid UTF-8"),
        ("bad json", &["tag", "--input", "json"], b"{\"title\": ", "malformed JSON"),
        (
            "too large",
            &["tag", "--max-bytes", "10"],
            b"Title\nA body that is longer than ten bytes.",
            "too large",
        ),
    ];
    for (name, args, input, want) in cases {
        let o = run_with_stdin(args, input);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(stderr(&o).contains(want), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{name}");
    }
}

#[test]
fn title_without_body_is_tagged() {
    let o = run_with_stdin(&["tag", "--format", "line"], b"Germany and France sign energy pact\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o);
    assert!(line.contains("Germany") && line.contains("France"), "{line}");
}

#[test]
fn missing_file_is_an_error() {
    let o = newstag().args(["tag", "/nonexistent/article.txt"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("opening /nonexistent/article.txt"));
}

#[test]
fn jsonl_gives_one_line_per_line_whatever_the_line() {
    let long = format!(r#"{{"id":"long","title":"Long","text":"{}"}}"#, "word ".repeat(2000));
    let input = format!(
        "{}\n\n   \n{}\n{}\n{}\n{}\n{}",
        r#"{"id": 1, "title": "Oil spill in Alaska", "text": "The tanker spilled oil near Valdez, Alaska."}"#,
        long,
        "[".repeat(100_000),
        "\u{0}\u{1}binary\u{7f}",
        r#"{"id": "e", "title": " ", "text": ""}"#,
        r#"{"id": "last", "title": "Germany and France", "text": "No newline at the end."}"#,
    );
    let o = run_with_stdin(&["tag", "--jsonl", "--max-bytes", "1000"], input.as_bytes());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).expect("every output line is JSON")).collect();
    assert_eq!(lines.len(), input.split('\n').count(), "{}", stdout(&o));
    let want: &[(usize, &str)] = &[
        (2, "empty line"),
        (3, "empty line"),
        (4, "too large"),
        (5, "nested"),
        (6, "malformed JSON"),
        (7, "empty article"),
    ];
    for &(line, error) in want {
        let rec = &lines[line - 1];
        assert_eq!(rec["line"], line, "{rec}");
        assert!(rec["error"].as_str().unwrap().contains(error), "line {line}: {rec}");
    }
    assert_eq!(lines[6]["id"], "e", "the id of an article that parsed is kept in its error record");
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[7]["id"], "last");
}

#[test]
fn line_far_over_the_limit_is_cut_not_held() {
    // 40 MB on one line with the default limit (1 MiB): an error record, read in bounded memory.
    let mut input = b"{\"title\":\"Big\",\"text\":\"".to_vec();
    input.resize(40 << 20, b'a');
    input.extend_from_slice(b"\"}\n{\"title\":\"Small\",\"text\":\"Oil prices rose in Russia.\"}\n");
    let o = run_with_stdin(&["tag", "--jsonl", "--quiet"], &input);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["error"].as_str().unwrap().contains("too large"), "{}", lines[0]);
    assert!(lines[1]["tags"].is_array());
}

#[test]
fn output_errors_file_summary_and_quiet() {
    let dir = std::env::temp_dir().join(format!("newstag-cli-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (out, errs) = (dir.join("out.jsonl"), dir.join("errors.jsonl"));
    let input = concat!(
        r#"{"id": 1, "title": "Putin visits China", "text": "Vladimir Putin arrived in Beijing."}"#,
        "\n{bad\n",
        r#"{"id": 3, "title": "Oil", "text": "Oil prices rose."}"#,
        "\n"
    );
    let args = |quiet: bool| {
        let mut a: Vec<String> = vec!["tag".into(), "--jsonl".into(), "-o".into(), out.display().to_string()];
        a.extend(["--errors".into(), errs.display().to_string()]);
        if quiet {
            a.push("--quiet".into());
        }
        a
    };
    let a = args(false);
    let o = run_with_stdin(&a.iter().map(String::as_str).collect::<Vec<_>>(), input.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "records go to --output");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 3);
    assert_eq!(std::fs::read_to_string(&errs).unwrap(), written.lines().nth(1).unwrap().to_string() + "\n");
    let err = stderr(&o);
    assert!(err.contains("3 articles, 1 errors in"), "summary: {err}");
    assert!(err.contains("articles/s"), "{err}");
    assert!(!err.contains('\u{1b}'), "no progress bar when stderr is not a terminal: {err:?}");

    let a = args(true);
    let o = run_with_stdin(&a.iter().map(String::as_str).collect::<Vec<_>>(), input.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("articles/s"), "--quiet: {}", stderr(&o));
    assert!(stderr(&o).contains("1 of 3 articles failed"));

    // All good: exit 0.
    let good = input.lines().filter(|l| !l.contains("bad")).collect::<Vec<_>>().join("\n");
    let o = run_with_stdin(&a.iter().map(String::as_str).collect::<Vec<_>>(), good.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&errs).unwrap(), "", "no errors this time");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resume_needs_output_and_jsonl_and_is_documented() {
    let o = run_with_stdin(&["tag", "--jsonl", "--resume"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--output"), "{}", stderr(&o));
    let o =
        run_with_stdin(&["tag", "--input", "text", "--resume", "-o", "/tmp/newstag-never-written"], b"T\nx");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("JSONL input only"), "{}", stderr(&o));
    let o = newstag().args(["tag", "--help"]).output().unwrap();
    let help = stdout(&o);
    for want in ["--resume", "--output", "--errors", "--quiet", "--threads", "torn", "Exit status"] {
        assert!(help.contains(want), "--help lacks {want}");
    }
}

#[test]
fn a_boosted_trees_ranker_trains_and_tags() {
    let dir = std::env::temp_dir().join(format!("newstag-trees-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("ranker.bin");
    let gold = shared("data/keyphrase/duc2001.jsonl");
    let o = newstag()
        .args(["train", "ranker", "--limit-per-file", "40", "--trees", "20", "--tree-leaves", "4"])
        .args(["--tree-rate", "0.3", "--lead", "300", "--gold"])
        .arg(&gold)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.len() > 16 && bytes[..16].windows(4).any(|w| w == b"RANK"), "a ranker file");
    let o = newstag()
        .args(["tag", "--strip-tag-line", "--format", "json", "--model-dir"])
        .arg(&dir)
        .arg(shared("examples/putin-xi-visit.txt"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names: Vec<&str> = v["tags"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    // Trained on 40 articles only: it must still find the two leaders the article is about.
    assert!(names.contains(&"Putin") && names.contains(&"Xi Jinping"), "{names:?}");
    // The ranker keeps the lead its articles were read with, and tagging reads the same unless
    // told otherwise.
    let sample = dir.join("sample.jsonl");
    let first = std::fs::read_to_string(&gold).unwrap().lines().next().unwrap().to_string();
    std::fs::write(&sample, first + "\n").unwrap();
    let lead_of = |extra: &[&str]| {
        let o = newstag()
            .args(["bench", "--passes", "1", "--json", "--model-dir"])
            .arg(&dir)
            .args(extra)
            .arg(&sample)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        v["lead"].as_str().unwrap().to_string()
    };
    assert_eq!(lead_of(&[]), "300");
    assert_eq!(lead_of(&["--lead", "all"]), "all");
    // Tree settings do not go with --linear (nor --l2 without it), and a learning rate must be
    // in (0, 1].
    let bad_flags: [&[&str]; 4] = [
        &["--linear", "--tree-leaves", "7"],
        &["--linear", "--trees", "5"],
        &["--l2", "0.1"],
        &["--tree-rate", "0"],
    ];
    for bad in bad_flags {
        let o = newstag().args(["train", "ranker", "--gold"]).arg(&gold).args(bad).output().unwrap();
        assert!(!o.status.success(), "{bad:?} accepted");
        assert!(stderr(&o).contains("tree") || stderr(&o).contains("linear"), "{bad:?}: {}", stderr(&o));
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `eval --skip N --limit M` scores documents N+1 to N+M (a slice no ranker trained on).
#[test]
fn eval_skips_then_limits() {
    let docs = |extra: &[&str]| {
        let o = newstag()
            .args(["eval", "--json", "--gold"])
            .arg(shared("data/keyphrase/duc2001.jsonl"))
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["docs"].as_u64().unwrap()
    };
    assert_eq!(docs(&["--skip", "300", "--limit", "5"]), 5);
    assert_eq!(docs(&["--skip", "305"]), 2);
    assert_eq!(docs(&["--skip", "400"]), 0);
}

/// `train ranker --weight`: one weight per --gold file, above 0; a heavier file moves the model.
#[test]
fn ranker_files_weigh_as_told() {
    let dir = std::env::temp_dir().join(format!("newstag-weight-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let duc = shared("data/keyphrase/duc2001.jsonl");
    let editor = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/editor/editor-train.jsonl");
    let train = |weight: Option<&str>, out: &std::path::Path| {
        let mut c = newstag();
        c.args(["train", "ranker", "--limit-per-file", "40", "--gold"]).arg(&duc).arg("--gold").arg(&editor);
        if let Some(w) = weight {
            c.args(["--weight", w]);
        }
        c.arg("--out").arg(out).output().unwrap()
    };
    let (even, heavy, default) = (dir.join("even.bin"), dir.join("heavy.bin"), dir.join("default.bin"));
    for (w, out) in [(Some("1,1"), &even), (Some("1,5"), &heavy), (None, &default)] {
        let o = train(w, out);
        assert!(o.status.success(), "{w:?}: {}", stderr(&o));
    }
    let read = |p: &std::path::Path| std::fs::read(p).unwrap();
    assert_eq!(read(&even), read(&default), "weight 1 each is the default");
    assert_ne!(read(&even), read(&heavy), "a heavier file changes the ranker");
    for bad in ["1", "1,0", "1,-2", "1,x"] {
        let o = train(Some(bad), &dir.join("bad.bin"));
        assert!(!o.status.success(), "--weight {bad} accepted");
        assert!(stderr(&o).contains("weight") || stderr(&o).contains("above 0"), "{bad}: {}", stderr(&o));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn eval_dumps_every_candidates_features_with_its_fold() {
    let path = std::env::temp_dir().join(format!("newstag-features-{}.jsonl", std::process::id()));
    let o = newstag()
        .args(["eval", "--limit", "12", "--cv", "2", "--dump-features"])
        .arg(&path)
        .arg("--gold")
        .arg(shared("data/keyphrase/duc2001.jsonl"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 12);
    let mut folds = std::collections::BTreeSet::new();
    let mut chosen = 0;
    for v in &lines {
        folds.insert(v["fold"].as_u64().unwrap());
        assert!(v["gold"].as_u64().unwrap() > 0);
        for c in v["cands"].as_array().unwrap() {
            assert_eq!(c["f"].as_array().unwrap().len(), newstag::rank::FEATURE_COUNT, "{c}");
            chosen += usize::from(c["y"].as_bool().unwrap());
        }
    }
    assert_eq!(folds.into_iter().collect::<Vec<_>>(), [0, 1]);
    assert!(chosen > 12, "gold tags are matched among the candidates: {chosen}");
}
