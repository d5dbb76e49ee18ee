//! Kill a JSONL run mid-file (SIGKILL), resume it, and check that the result equals an
//! uninterrupted run, line for line; the same for the errors file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn newstag() -> Command {
    Command::new(env!("CARGO_BIN_EXE_newstag"))
}

fn duc() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/keyphrase/duc2001.jsonl")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("newstag-resume-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// DUC-2001 repeated to `n` lines, with bad lines mixed in: malformed JSON, an empty line,
/// an article over the limit, a line of binary, an empty article.
fn build_input(path: &Path, n: usize) {
    let text = std::fs::read_to_string(duc()).expect("../shared/data/keyphrase/duc2001.jsonl");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = Vec::new();
    for i in 0..n {
        match i % 397 {
            13 => out.extend_from_slice(b"{not json"),
            101 => {}
            202 => out.extend_from_slice(
                format!(r#"{{"id":"big{i}","title":"Big","text":"{}"}}"#, "x ".repeat(150_000)).as_bytes(),
            ),
            303 => out.extend_from_slice(b"\xff\xfe\x00binary"),
            350 => out.extend_from_slice(br#"{"id":"empty","title":"","text":""}"#),
            _ => out.extend_from_slice(lines[i % lines.len()].as_bytes()),
        }
        out.push(b'\n');
    }
    std::fs::write(path, out).unwrap();
}

fn args<'a>(input: &'a Path, output: &'a Path, errors: &'a Path) -> Vec<&'a std::ffi::OsStr> {
    vec![
        "tag".as_ref(),
        "--jsonl".as_ref(),
        "--no-ner".as_ref(),
        "--max-bytes".as_ref(),
        "200000".as_ref(),
        "--threads".as_ref(),
        "2".as_ref(),
        "--quiet".as_ref(),
        input.as_os_str(),
        "--output".as_ref(),
        output.as_os_str(),
        "--errors".as_ref(),
        errors.as_os_str(),
    ]
}

fn run(args: &[&std::ffi::OsStr], extra: &[&str]) -> Output {
    newstag().args(args).args(extra).output().expect("run newstag")
}

fn line_count(path: &Path) -> usize {
    std::fs::read(path).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0)
}

/// Starts a run and SIGKILLs it once its output holds at least `min_lines` whole lines.
/// Returns false if the run finished first.
fn run_and_kill(args: &[&std::ffi::OsStr], extra: &[&str], output: &Path, min_lines: usize) -> bool {
    let mut child = newstag()
        .args(args)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn newstag");
    let t = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            return false;
        }
        if line_count(output) >= min_lines {
            child.kill().unwrap(); // SIGKILL: no chance to flush or clean up.
            child.wait().unwrap();
            return true;
        }
        assert!(t.elapsed() < Duration::from_secs(300), "the run did not produce output");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn assert_same_lines(got: &Path, want: &Path) {
    let g = std::fs::read_to_string(got).unwrap();
    let w = std::fs::read_to_string(want).unwrap();
    let (gl, wl): (Vec<&str>, Vec<&str>) = (g.lines().collect(), w.lines().collect());
    assert_eq!(gl.len(), wl.len(), "{} vs {}: line counts", got.display(), want.display());
    for (i, (a, b)) in gl.iter().zip(&wl).enumerate() {
        assert_eq!(a, b, "line {} differs", i + 1);
    }
    assert_eq!(g, w, "byte for byte");
}

#[test]
fn killed_twice_and_resumed_equals_an_uninterrupted_run() {
    let dir = scratch("kill");
    let input = dir.join("in.jsonl");
    let n = 2500;
    build_input(&input, n);
    let (want, want_err) = (dir.join("want.jsonl"), dir.join("want.err"));
    let o = run(&args(&input, &want, &want_err), &[]);
    assert_eq!(o.status.code(), Some(1), "bad lines make exit 1: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(line_count(&want), n, "one output line per input line");
    assert!(line_count(&want_err) >= 5 * (n / 397), "error records");

    let (got, got_err) = (dir.join("got.jsonl"), dir.join("got.err"));
    let a = args(&input, &got, &got_err);
    // First interruption, after the first batch; then a resumed run interrupted again.
    let killed = run_and_kill(&a, &[], &got, 1);
    let first = line_count(&got);
    let killed2 = run_and_kill(&a, &["--resume"], &got, first + 1);
    // Simulate the worst tear: a record cut in the middle, as a crash mid-write leaves it.
    let mut bytes = std::fs::read(&got).unwrap();
    bytes.extend_from_slice(br#"{"id":"torn","title":"Half a rec"#);
    std::fs::write(&got, bytes).unwrap();
    let o = run(&a, &["--resume"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_lines(&got, &want);
    assert_same_lines(&got_err, &want_err);
    assert!(killed, "the first run finished before it could be killed: use a larger input");
    eprintln!("killed after {first} lines (second kill: {killed2})");

    // Resuming a finished run changes nothing.
    let o = run(&a, &["--resume"]);
    assert_eq!(o.status.code(), Some(1));
    assert_same_lines(&got, &want);
    assert_same_lines(&got_err, &want_err);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resume_refuses_an_output_longer_than_the_input() {
    let dir = scratch("long");
    let input = dir.join("in.jsonl");
    build_input(&input, 20);
    let (out, err) = (dir.join("out.jsonl"), dir.join("out.err"));
    let a = args(&input, &out, &err);
    run(&a, &[]);
    build_input(&input, 10);
    let o = run(&a, &["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(msg.contains("holds 20 records but the input has only 10 lines"), "{msg}");
    // A damaged output (a complete line that is not JSON) is refused, not trusted.
    std::fs::write(&out, b"{\"id\":1,\"tags\":[]}\n{\"id\":2,\"ta\n").unwrap();
    let o = run(&a, &["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not whole JSON"));
    std::fs::remove_dir_all(&dir).unwrap();
}
