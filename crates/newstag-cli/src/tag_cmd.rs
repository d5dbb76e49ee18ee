//! `newstag tag`: read articles (plain text, JSON, JSONL), print their tags.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use newstag::input::{parse_json_article, parse_plain_article};
use newstag::{Article, Tag, Tagger};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct TagArgs {
    /// Input files; none or "-" reads stdin.
    pub files: Vec<PathBuf>,
    /// Input format (auto: .jsonl/.json by extension, else sniffed).
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input: InputFormat,
    /// Shorthand for --input jsonl.
    #[arg(long)]
    pub jsonl: bool,
    /// Output format (default: json for one article, jsonl for JSONL input).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Exactly N tags per article (default: the engine decides, usually 3-8).
    #[arg(long)]
    pub top: Option<usize>,
    /// Plain text: drop the last non-empty line (an editor's tag line, as in the examples).
    #[arg(long)]
    pub strip_tag_line: bool,
    /// Load model files from this directory instead of the embedded ones.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Worker threads for JSONL (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Refuse articles larger than this many bytes.
    #[arg(long, default_value_t = 8 << 20)]
    pub max_bytes: usize,
    /// Skip the named-entity recognizer (several times faster; names typed by gazetteer and spelling).
    #[arg(long)]
    pub no_ner: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Auto,
    Text,
    Json,
    Jsonl,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Tag names on one line, comma-separated.
    Line,
    /// One JSON object per article.
    Json,
    /// One compact JSON object per line.
    Jsonl,
}

pub fn build_tagger(model_dir: Option<&Path>, max_bytes: usize, no_ner: bool) -> Result<Tagger> {
    let mut b = Tagger::builder().max_bytes(max_bytes);
    if no_ner {
        b = b.without_ner();
    }
    if let Some(dir) = model_dir {
        b = b.model_dir(dir);
    }
    b.build().context("loading models")
}

pub fn run(args: TagArgs) -> Result<ExitCode> {
    let tagger = build_tagger(args.model_dir.as_deref(), args.max_bytes, args.no_ner)?;
    if let Some(n) = args.threads {
        // Ignore the error if a global pool exists already (only in tests).
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    let files: Vec<Option<PathBuf>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files.iter().map(|f| if f.as_os_str() == "-" { None } else { Some(f.clone()) }).collect()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    let mut total = 0usize;
    for file in &files {
        let name = file.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "<stdin>".into());
        let mut reader: Box<dyn BufRead> = match file {
            Some(p) => Box::new(BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
            )),
            None => Box::new(BufReader::new(std::io::stdin())),
        };
        let format = if args.jsonl { InputFormat::Jsonl } else { args.input };
        let format = match format {
            InputFormat::Auto => sniff(file.as_deref(), &mut reader)?,
            f => f,
        };
        if format == InputFormat::Jsonl {
            let (n, bad) = tag_jsonl(&tagger, &args, reader, &mut out, &name)?;
            total += n;
            failed += bad;
            continue;
        }
        total += 1;
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).with_context(|| format!("reading {name}"))?;
        let (article, passthrough) = match format {
            InputFormat::Json => {
                let a = parse_json_article(&bytes)
                    .with_context(|| format!("{name}: not a usable JSON article"))?;
                (a.article, a.passthrough)
            }
            _ => (
                parse_plain_article(&bytes, args.strip_tag_line)
                    .with_context(|| format!("{name}: not a usable article"))?,
                Map::new(),
            ),
        };
        let tags = tag_one(&tagger, &article, args.top).with_context(|| format!("tagging {name}"))?;
        let fmt = args.format.unwrap_or(OutputFormat::Json);
        write_record(&mut out, fmt, passthrough, &tags)?;
    }
    out.flush()?;
    if failed > 0 {
        eprintln!("newstag: {failed} of {total} articles failed");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn tag_one(tagger: &Tagger, article: &Article<'_>, top: Option<usize>) -> newstag::Result<Vec<Tag>> {
    match top {
        Some(n) => tagger.tag_top(article, n),
        None => tagger.tag(article),
    }
}

/// Decides the format of an input without consuming it.
fn sniff(path: Option<&Path>, reader: &mut Box<dyn BufRead>) -> Result<InputFormat> {
    match path.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some("jsonl") | Some("ndjson") => return Ok(InputFormat::Jsonl),
        Some("json") => return Ok(InputFormat::Json),
        _ => {}
    }
    let buf = reader.fill_buf().context("reading input")?;
    let head = String::from_utf8_lossy(&buf[..buf.len().min(1 << 16)]);
    let trimmed = head.trim_start();
    if !trimmed.starts_with('{') {
        return Ok(InputFormat::Text);
    }
    // One object per line -> JSONL; otherwise a single (possibly pretty-printed) object.
    let first_line = trimmed.lines().next().unwrap_or("");
    Ok(if serde_json::from_str::<Value>(first_line).is_ok() { InputFormat::Jsonl } else { InputFormat::Json })
}

fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "type": t.tag_type.as_str(),
                    "score": (f64::from(t.score) * 10000.0).round() / 10000.0,
                    "mentions": t.mentions,
                })
            })
            .collect(),
    )
}

fn write_record(
    out: &mut impl Write,
    fmt: OutputFormat,
    mut record: Map<String, Value>,
    tags: &[Tag],
) -> Result<()> {
    match fmt {
        OutputFormat::Line => {
            let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
            writeln!(out, "{}", names.join(", "))?;
        }
        OutputFormat::Json | OutputFormat::Jsonl => {
            record.insert("tags".into(), tags_json(tags));
            let v = Value::Object(record);
            // One object per line for both: pretty-printing would put every offset on its own line.
            serde_json::to_writer(&mut *out, &v)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Streams JSONL: batches of lines tagged in parallel, written in input order, one output line
/// per input line (an error record for a bad one). Returns (records, failures).
fn tag_jsonl(
    tagger: &Tagger,
    args: &TagArgs,
    mut reader: Box<dyn BufRead>,
    out: &mut impl Write,
    name: &str,
) -> Result<(usize, usize)> {
    let fmt = match args.format {
        Some(OutputFormat::Json) | None => OutputFormat::Jsonl,
        Some(f) => f,
    };
    let batch_size = 64 * rayon::current_num_threads().max(1);
    let mut line_no = 0usize;
    let (mut total, mut failed) = (0usize, 0usize);
    loop {
        let mut batch: Vec<(usize, Vec<u8>)> = Vec::with_capacity(batch_size);
        while batch.len() < batch_size {
            let mut buf = Vec::new();
            let n = read_line_limited(
                &mut reader,
                &mut buf,
                args.max_bytes.saturating_mul(2).saturating_add(1 << 20),
            )
            .with_context(|| format!("reading {name}"))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            batch.push((line_no, buf));
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<(String, bool)> = batch
            .par_iter()
            .map(|(line, bytes)| {
                let mut s = Vec::new();
                let ok = match process_line(tagger, args, bytes) {
                    Ok((record, tags)) => write_record(&mut s, fmt, record, &tags).is_ok(),
                    Err(e) => {
                        let rec = json!({"line": line, "error": format!("{e:#}")});
                        let _ = serde_json::to_writer(&mut s, &rec);
                        s.push(b'\n');
                        false
                    }
                };
                (String::from_utf8_lossy(&s).into_owned(), ok)
            })
            .collect();
        for (text, ok) in results {
            out.write_all(text.as_bytes())?;
            total += 1;
            failed += usize::from(!ok);
        }
        out.flush()?;
    }
    Ok((total, failed))
}

fn process_line(tagger: &Tagger, args: &TagArgs, bytes: &[u8]) -> Result<(Map<String, Value>, Vec<Tag>)> {
    let a = parse_json_article(bytes)?;
    let tags = tag_one(tagger, &a.article, args.top)?;
    Ok((a.passthrough, tags))
}

/// Reads one line into `buf`; a line longer than `limit` is consumed but truncated, so that the
/// parser reports it as malformed instead of the reader holding it all in memory.
fn read_line_limited(reader: &mut dyn BufRead, buf: &mut Vec<u8>, limit: usize) -> std::io::Result<usize> {
    let mut consumed = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = limit.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        reader.consume(n);
        consumed += n;
        if done {
            return Ok(consumed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limited_lines() {
        let data = b"short\nthis line is long\nend";
        let mut r: &[u8] = data;
        let mut buf = Vec::new();
        assert_eq!(read_line_limited(&mut r, &mut buf, 100).unwrap(), 6);
        assert_eq!(buf, b"short\n");
        buf.clear();
        assert_eq!(read_line_limited(&mut r, &mut buf, 4).unwrap(), 18);
        assert_eq!(buf, b"this");
        buf.clear();
        assert_eq!(read_line_limited(&mut r, &mut buf, 100).unwrap(), 3);
        buf.clear();
        assert_eq!(read_line_limited(&mut r, &mut buf, 100).unwrap(), 0);
    }
}
