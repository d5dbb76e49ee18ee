//! `newstag serve` on a real socket: it prints its bound address, answers exactly what
//! `newstag tag` prints for the same article, and shuts down cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn newstag() -> Command {
    Command::new(env!("CARGO_BIN_EXE_newstag"))
}

/// A running server, killed when dropped (also when the test fails).
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start() -> Server {
        let mut child = newstag()
            .args(["serve", "--addr", "127.0.0.1:0", "--threads", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn newstag serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("newstag: listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, addr }
    }

    /// One HTTP/1.1 request on its own connection: the status and the body.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no header end: {raw:?}"));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{head}"));
        (status, body.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example article as JSON, its editor's tag line left out, with an id and an extra field.
fn example_json() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/examples/putin-xi-visit.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim_end();
    let text = &text[..text.rfind('\n').unwrap()];
    let (title, body) = text.split_once('\n').unwrap();
    serde_json::to_vec(&serde_json::json!({"id": "ex-1", "title": title, "text": body, "desk": "world"}))
        .unwrap()
}

fn cli_record(article: &[u8], extra: &[&str]) -> String {
    let mut child = newstag()
        .args(["tag", "--input", "json", "--format", "json"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(article).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn serve_answers_what_tag_prints() {
    let server = Server::start();
    let article = example_json();
    let (status, body) = server.request("POST", "/v1/tag", &article);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, cli_record(&article, &[]));
    let record: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((&record["id"], &record["desk"]), (&"ex-1".into(), &"world".into()));
    let (status, body) = server.request("POST", "/v1/tag?top=2", &article);
    assert_eq!((status, body), (200, cli_record(&article, &["--top", "2"])));
    let (status, body) = server.request("POST", "/v1/tag", b"{\"title\": ");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"code\":\"invalid_json\""), "{body}");
    assert_eq!(server.request("GET", "/health", b""), (200, "{\"status\":\"ok\"}".to_string()));
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_cleanly() {
    let mut server = Server::start();
    assert_eq!(server.request("GET", "/health", b"").0, 200);
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    server.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("shut down"), "{stderr}");
}
