//! `newstag tag`: read articles (plain text, JSON, JSONL), print their tags.
//!
//! JSONL is the archive path: lines are read in batches, tagged on every core, and written back
//! in input order, one output line per input line, batch by batch. Each batch is written whole
//! and flushed before the next is read, so an interrupted run leaves complete records followed
//! by at most one torn line, which `--resume` cuts off before it continues.

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newstag::input::{parse_json_article, parse_plain_article, tag_json_lines, TaggedLine};
use newstag::output::tags_json;
use newstag::{together_or_each, Article, Tag, Tagger, BATCH_ARTICLES, BATCH_BYTES};
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const AFTER_HELP: &str = "\
JSONL input (--jsonl, or a .jsonl file) gives exactly one output line per input line, in input
order: the input object with a \"tags\" array added, or an error record
{\"line\":N,\"error\":\"...\"} for a line that could not be tagged (malformed JSON, an empty line,
an article over --max-bytes, or any other failure). With --errors FILE the error records are
also written to FILE.

Exit status: 0 every article tagged; 1 some lines gave error records; 2 the run itself failed
(unreadable input, bad flags, models that do not load).

Interrupted runs: with --output FILE, records are written whole, batch by batch. Run the same
command again with --resume: the complete records already in FILE are kept (a torn last line is
cut off), as many input lines are skipped, and tagging continues, appending to FILE. The result
is the same, line for line, as an uninterrupted run. --errors FILE is rewritten from the kept
records and then appended to.

A progress bar (articles, rate, ETA when the input size is known) is drawn on stderr when stderr
is a terminal; a summary line is printed at the end unless --quiet.";

#[derive(Args, Debug)]
#[command(after_long_help = AFTER_HELP)]
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
    /// Refuse articles larger than this many bytes (JSONL: an error record for that line).
    #[arg(long, default_value_t = 1 << 20)]
    pub max_bytes: usize,
    /// Skip the named-entity recognizer (several times faster; names typed by gazetteer and spelling).
    #[arg(long)]
    pub no_ner: bool,
    /// Skip the noun-phrase chunker (about a quarter faster; topical phrases may then cross a
    /// noun-phrase boundary).
    #[arg(long)]
    pub no_chunker: bool,
    /// How much of each article the models read: the title and the body's sentences that begin
    /// within its first TOKENS tokens (about 0.85 of a word each); `all` reads everything. Past
    /// the lead, further mentions of the names and phrases found in it are still counted.
    /// Default: what the ranker was trained with (300 for the embedded one).
    #[arg(long, value_name = "TOKENS")]
    pub lead: Option<Lead>,
    /// Write the output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// JSONL: continue an interrupted run from the records already in --output (see below).
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// JSONL: also write the error records to FILE.
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
    /// No progress bar and no summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
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

pub fn build_tagger(
    model_dir: Option<&Path>,
    max_bytes: usize,
    no_ner: bool,
    no_chunker: bool,
    lead: Option<Lead>,
) -> Result<Tagger> {
    let mut b =
        Tagger::builder().max_bytes(max_bytes).ner(!no_ner).chunker(!no_chunker).models_from(model_dir);
    if let Some(lead) = lead {
        b = b.lead(lead.0);
    }
    b.build().context("loading models")
}

/// `--lead`: how many body tokens the models read ([`newstag::TaggerBuilder::lead`]), a
/// number or `all` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lead(pub Option<usize>);

impl Default for Lead {
    fn default() -> Self {
        Lead(Some(newstag::DEFAULT_LEAD_TOKENS))
    }
}

impl std::str::FromStr for Lead {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Lead, String> {
        match s.trim() {
            "all" => Ok(Lead(None)),
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(Lead(Some(n))),
                _ => Err(format!("expected a number of tokens above 0, or all; got {s:?}")),
            },
        }
    }
}

impl std::fmt::Display for Lead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("all"),
        }
    }
}

pub fn run(args: TagArgs) -> Result<ExitCode> {
    if args.resume && !args.jsonl && matches!(args.input, InputFormat::Text | InputFormat::Json) {
        bail!("--resume works with JSONL input only (use --jsonl)");
    }
    let tagger =
        build_tagger(args.model_dir.as_deref(), args.max_bytes, args.no_ner, args.no_chunker, args.lead)?;
    if let Some(n) = args.threads {
        // Ignore the error if a global pool exists already (only in tests).
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    let paths: Vec<Option<PathBuf>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files.iter().map(|f| if f.as_os_str() == "-" { None } else { Some(f.clone()) }).collect()
    };
    // The total size, for the progress bar's ETA: known when every input is a regular file.
    let total: Option<u64> = paths
        .iter()
        .map(|p| {
            let m = std::fs::metadata(p.as_ref()?).ok()?;
            m.is_file().then_some(m.len())
        })
        .sum();
    let mut sink = Sink::open(&args)?;
    let several = paths.len() > 1;
    let mut progress = Progress::new(&args, total);
    let mut any_jsonl = false;
    // One input open at a time: a shell glob of many files must not exhaust file handles.
    for path in paths {
        let name = path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "<stdin>".into());
        let mut reader: Box<dyn BufRead> = match &path {
            Some(p) => Box::new(BufReader::with_capacity(
                1 << 16,
                File::open(p).with_context(|| format!("opening {}", p.display()))?,
            )),
            None => Box::new(BufReader::new(std::io::stdin())),
        };
        let format = if args.jsonl { InputFormat::Jsonl } else { args.input };
        let format = match format {
            InputFormat::Auto => sniff(path.as_deref(), &mut reader)?,
            f => f,
        };
        if args.resume && format != InputFormat::Jsonl {
            bail!("--resume works with JSONL input only, and {name} is not JSONL (use --jsonl)");
        }
        if format == InputFormat::Jsonl {
            any_jsonl = true;
            let file_label = if several { Some(name.as_str()) } else { None };
            tag_jsonl(&tagger, &args, reader, &mut sink, &name, file_label, &mut progress)?;
            continue;
        }
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
        write_record(&mut sink.out, fmt, passthrough, &tags)?;
    }
    sink.out.flush().context("writing output")?;
    if let Some(e) = &mut sink.errors {
        e.flush().context("writing the errors file")?;
    }
    if sink.skip > 0 {
        bail!(
            "--resume: the output holds {} records but the input has only {} lines; \
             it is not the output of this input",
            sink.resumed,
            sink.resumed - sink.skip
        );
    }
    progress.finish(&sink, any_jsonl);
    let failed = sink.failed + sink.resumed_failed;
    if failed > 0 {
        eprintln!("newstag: {failed} of {} articles failed", sink.records + sink.resumed);
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Where records go, and what is known about what was written already.
struct Sink {
    out: Box<dyn Write>,
    errors: Option<BufWriter<File>>,
    /// Input lines still to skip (records kept from an interrupted run, not yet passed).
    skip: u64,
    /// Records kept from an interrupted run, and how many of them were errors.
    resumed: u64,
    resumed_failed: u64,
    /// Records written by this run, and how many of them were errors.
    records: u64,
    failed: u64,
}

impl Sink {
    fn open(args: &TagArgs) -> Result<Sink> {
        let mut sink = Sink {
            out: Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout())),
            errors: None,
            skip: 0,
            resumed: 0,
            resumed_failed: 0,
            records: 0,
            failed: 0,
        };
        let Some(path) = &args.output else {
            if let Some(e) = &args.errors {
                sink.errors = Some(create(e)?);
            }
            return Ok(sink);
        };
        if !args.resume {
            sink.out = Box::new(create(path)?);
            if let Some(e) = &args.errors {
                sink.errors = Some(create(e)?);
            }
            return Ok(sink);
        }
        let mut errors = match &args.errors {
            Some(e) => Some(create(e)?),
            None => None,
        };
        let kept = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(mut file) => {
                let kept = scan_output(&mut file, errors.as_mut().map(|w| w as &mut dyn Write))
                    .with_context(|| format!("--resume: reading {}", path.display()))?;
                // Cut a torn last line; everything before it is whole records.
                file.set_len(kept.bytes).with_context(|| format!("truncating {}", path.display()))?;
                kept
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Kept::default(),
            Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        sink.out = Box::new(BufWriter::with_capacity(1 << 16, file));
        sink.errors = errors;
        sink.skip = kept.records;
        sink.resumed = kept.records;
        sink.resumed_failed = kept.failed;
        Ok(sink)
    }
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 16, f))
}

/// What an interrupted run left: whole records, their length in bytes, how many were errors.
#[derive(Debug, Default, PartialEq)]
struct Kept {
    records: u64,
    failed: u64,
    bytes: u64,
}

/// Reads an earlier run's output: counts the complete lines (those ending in a newline), copies
/// its error records to `errors`, and checks that the last complete line is a JSON record when
/// the output is JSON (a run killed mid-write leaves only a torn tail without newline).
fn scan_output(file: &mut File, mut errors: Option<&mut dyn Write>) -> Result<Kept> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::with_capacity(1 << 16, &mut *file);
    let mut kept = Kept::default();
    let mut line = Vec::new();
    let mut last = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        kept.records += 1;
        kept.bytes += n as u64;
        if is_error_record(&line) {
            kept.failed += 1;
            if let Some(w) = errors.as_mut() {
                w.write_all(&line)?;
            }
        }
        std::mem::swap(&mut last, &mut line);
    }
    if line.contains(&0) || last.contains(&0) {
        bail!("the output holds NUL bytes: damaged, or not a newstag output; not resuming");
    }
    if last.first() == Some(&b'{') && serde_json::from_slice::<Value>(&last).is_err() {
        bail!("record {} of the output is not whole JSON; not resuming", kept.records);
    }
    Ok(kept)
}

/// An error record: `{"line":N,...,"error":"..."}` without tags.
fn is_error_record(line: &[u8]) -> bool {
    if !line.starts_with(b"{\"line\":") {
        return false;
    }
    matches!(serde_json::from_slice::<Value>(line), Ok(Value::Object(m)) if m.contains_key("error") && !m.contains_key("tags"))
}

/// Progress on stderr: a bar when stderr is a terminal, a summary line at the end.
struct Progress {
    bar: Option<ProgressBar>,
    /// Whether to draw a bar (stderr is a terminal, not --quiet), and the total input bytes.
    show: bool,
    total: Option<u64>,
    start: Instant,
    quiet: bool,
    /// Bytes of the inputs already finished.
    bytes_before: u64,
}

impl Progress {
    fn new(args: &TagArgs, total: Option<u64>) -> Progress {
        let show = !args.quiet && std::io::stderr().is_terminal();
        Progress { bar: None, show, total, start: Instant::now(), quiet: args.quiet, bytes_before: 0 }
    }

    /// Draws the bar from the first JSONL input on (a single article needs none).
    fn start_bar(&mut self) {
        if !self.show || self.bar.is_some() {
            return;
        }
        let bar = match self.total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {percent:>3}% {msg}, ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.enable_steady_tick(Duration::from_millis(200));
        self.bar = Some(bar);
    }

    fn update(&self, sink: &Sink, bytes_in_file: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes_before + bytes_in_file);
            bar.set_message(format!(
                "{} articles, {} errors, {:.0}/s",
                sink.records + sink.resumed,
                sink.failed + sink.resumed_failed,
                sink.records as f64 / self.start.elapsed().as_secs_f64().max(1e-3)
            ));
        }
    }

    fn finish(&self, sink: &Sink, jsonl: bool) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.quiet || !jsonl {
            return;
        }
        let secs = self.start.elapsed().as_secs_f64();
        let resumed = if sink.resumed > 0 {
            format!("; resumed after {} records ({} errors)", sink.resumed, sink.resumed_failed)
        } else {
            String::new()
        };
        eprintln!(
            "newstag: {} articles, {} errors in {:.1} s ({:.1} articles/s){resumed}",
            sink.records,
            sink.failed,
            secs,
            sink.records as f64 / secs.max(1e-3)
        );
    }
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

/// One input line waiting to be tagged.
struct Pending {
    line: u64,
    bytes: Vec<u8>,
    /// The line's full length when it was longer than the limit and cut.
    cut: Option<usize>,
}

/// Streams JSONL: batches of lines tagged in parallel, written in input order, one output line
/// per input line (an error record for a bad one), each batch written whole and flushed.
fn tag_jsonl(
    tagger: &Tagger,
    args: &TagArgs,
    mut reader: Box<dyn BufRead>,
    sink: &mut Sink,
    name: &str,
    file_label: Option<&str>,
    progress: &mut Progress,
) -> Result<()> {
    progress.start_bar();
    let fmt = match args.format {
        Some(OutputFormat::Json) | None => OutputFormat::Jsonl,
        Some(f) => f,
    };
    let threads = rayon::current_num_threads().max(1);
    // Enough lines per batch that the wait for the slowest article of a batch is a small
    // fraction of it, and a byte budget so that huge lines cannot pile up in memory.
    let batch_lines = 256 * threads;
    let batch_bytes: usize = 64 << 20;
    let line_limit = args.max_bytes.saturating_mul(2).saturating_add(1 << 20);
    let mut line_no = 0u64;
    let mut consumed = 0u64;
    let mut sink_buf: Vec<u8> = Vec::new();
    // Lines kept from an interrupted run: read past them without tagging.
    while sink.skip > 0 {
        let mut scratch = Vec::new();
        let n = read_line_limited(&mut reader, &mut scratch, 0).with_context(|| format!("reading {name}"))?;
        if n == 0 {
            break;
        }
        consumed += n as u64;
        line_no += 1;
        sink.skip -= 1;
    }
    loop {
        let mut batch: Vec<Pending> = Vec::with_capacity(batch_lines);
        let mut size = 0usize;
        while batch.len() < batch_lines && size < batch_bytes {
            let mut buf = Vec::new();
            let n = read_line_limited(&mut reader, &mut buf, line_limit)
                .with_context(|| format!("reading {name}"))?;
            if n == 0 {
                break;
            }
            consumed += n as u64;
            line_no += 1;
            size += buf.len();
            let cut = (n > buf.len()).then_some(n);
            batch.push(Pending { line: line_no, bytes: buf, cut });
        }
        if batch.is_empty() {
            break;
        }
        let sizes: Vec<usize> = batch.iter().map(|p| p.bytes.len()).collect();
        let results: Vec<(Vec<u8>, bool)> = newstag::batches(&sizes, BATCH_ARTICLES, BATCH_BYTES)
            .into_par_iter()
            .map(|range| tag_lines(tagger, args, fmt, &batch[range], file_label, line_limit))
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        drop(batch);
        sink_buf.clear();
        for (record, ok) in &results {
            sink_buf.extend_from_slice(record);
            sink.records += 1;
            if !ok {
                sink.failed += 1;
            }
        }
        // The whole batch, then flush: records reach the file whole and in order.
        sink.out.write_all(&sink_buf).context("writing output")?;
        sink.out.flush().context("writing output")?;
        if let Some(e) = &mut sink.errors {
            for (record, ok) in &results {
                if !ok {
                    e.write_all(record).context("writing the errors file")?;
                }
            }
            e.flush().context("writing the errors file")?;
        }
        progress.update(sink, consumed);
    }
    progress.bytes_before += consumed;
    Ok(())
}

/// What is wrong with a line before it is read as JSON: cut for its length, or blank.
fn line_problem(args: &TagArgs, p: &Pending, limit: usize) -> Option<String> {
    if let Some(len) = p.cut {
        Some(format!(
            "article too large: a line of {len} bytes (limit {limit} with --max-bytes {})",
            args.max_bytes
        ))
    } else if p.bytes.iter().all(u8::is_ascii_whitespace) {
        Some("empty line".to_string())
    } else {
        None
    }
}

/// Tags lines together into their output records (`false`: an error record), the records
/// [`tag_line`] gives one at a time. A panic in the engine (a bug) while tagging them together
/// retags them one at a time, so that it fails its own line only.
fn tag_lines(
    tagger: &Tagger,
    args: &TagArgs,
    fmt: OutputFormat,
    lines: &[Pending],
    file: Option<&str>,
    limit: usize,
) -> Vec<(Vec<u8>, bool)> {
    let together = |lines: &[Pending]| {
        let read = lines.iter().map(|p| match line_problem(args, p, limit) {
            Some(problem) => Err(problem),
            None => Ok(&p.bytes[..]),
        });
        tag_json_lines(tagger, read, args.top)
            .into_iter()
            .zip(lines)
            .map(|(t, p)| {
                let outcome = match t {
                    TaggedLine::Refused(problem) => Err((problem, None)),
                    TaggedLine::Unread(e) => Err((e.to_string(), None)),
                    TaggedLine::Read(a, tags) => {
                        let id = a.passthrough.get("id").cloned();
                        tags.map_err(|e| (e.to_string(), id.clone())).and_then(|tags| {
                            let mut out = Vec::with_capacity(256 + tags.len() * 64);
                            write_record(&mut out, fmt, a.passthrough, &tags)
                                .map_err(|e| (format!("{e:#}"), id))?;
                            Ok(out)
                        })
                    }
                };
                record_of(p.line, file, outcome)
            })
            .collect()
    };
    together_or_each(lines, together, |p| tag_line(tagger, args, fmt, p, file, limit))
}

/// A line's output record: the tagged article, or the error record; `false` for an error.
fn record_of(
    line: u64,
    file: Option<&str>,
    outcome: std::result::Result<Vec<u8>, (String, Option<Value>)>,
) -> (Vec<u8>, bool) {
    match outcome {
        Ok(record) => (record, true),
        Err((error, id)) => (error_record(line, file, id, &error), false),
    }
}

/// Tags one line into its output record; `false` for an error record.
fn tag_line(
    tagger: &Tagger,
    args: &TagArgs,
    fmt: OutputFormat,
    p: &Pending,
    file: Option<&str>,
    limit: usize,
) -> (Vec<u8>, bool) {
    let outcome = if let Some(problem) = line_problem(args, p, limit) {
        Err((problem, None))
    } else {
        // A panic in the engine is a bug, but it fails this line only, not the archive.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process_line(tagger, args, fmt, &p.bytes)))
            .unwrap_or_else(|panic| {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown".into());
                Err((format!("internal error (a bug; please report it): {msg}"), None))
            })
    };
    record_of(p.line, file, outcome)
}

fn error_record(line: u64, file: Option<&str>, id: Option<Value>, error: &str) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("line".into(), line.into());
    if let Some(f) = file {
        m.insert("file".into(), f.into());
    }
    if let Some(id) = id {
        m.insert("id".into(), id);
    }
    m.insert("error".into(), error.into());
    let mut s = serde_json::to_vec(&Value::Object(m)).unwrap_or_else(|_| b"{\"error\":\"?\"}".to_vec());
    s.push(b'\n');
    s
}

/// Parses and tags one line; an error carries its message and the article's id when known.
fn process_line(
    tagger: &Tagger,
    args: &TagArgs,
    fmt: OutputFormat,
    bytes: &[u8],
) -> std::result::Result<Vec<u8>, (String, Option<Value>)> {
    let a = parse_json_article(bytes).map_err(|e| (e.to_string(), None))?;
    let id = a.passthrough.get("id").cloned();
    let tags = tag_one(tagger, &a.article, args.top).map_err(|e| (e.to_string(), id.clone()))?;
    let mut out = Vec::with_capacity(256 + tags.len() * 64);
    write_record(&mut out, fmt, a.passthrough, &tags).map_err(|e| (format!("{e:#}"), id))?;
    Ok(out)
}

/// Reads one line into `buf`; a line longer than `limit` is consumed but truncated, so that it
/// gives an error record instead of the reader holding it all in memory. Returns the bytes
/// consumed (0 at the end of the input).
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
    use serde_json::json;

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

    #[test]
    fn scan_keeps_whole_lines_only() {
        let dir = std::env::temp_dir().join(format!("newstag-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases: &[(&str, &[u8], Option<Kept>)] = &[
            ("empty", b"", Some(Kept { records: 0, failed: 0, bytes: 0 })),
            ("whole", b"{\"id\":1,\"tags\":[]}\n", Some(Kept { records: 1, failed: 0, bytes: 19 })),
            (
                "torn tail",
                b"{\"id\":1,\"tags\":[]}\n{\"line\":2,\"error\":\"x\"}\n{\"id\":3,\"ta",
                Some(Kept { records: 2, failed: 1, bytes: 42 }),
            ),
            ("torn json with newline", b"{\"id\":1,\"tags\":[\n", None),
            ("nul bytes", b"{\"id\":1,\"tags\":[]}\n\0\0\0", None),
        ];
        for (name, content, want) in cases {
            let path = dir.join(name.replace(' ', "_"));
            std::fs::write(&path, content).unwrap();
            let mut f = OpenOptions::new().read(true).write(true).open(&path).unwrap();
            let mut errors = Vec::new();
            let got = scan_output(&mut f, Some(&mut errors));
            match want {
                Some(k) => {
                    assert_eq!(got.as_ref().ok(), Some(k), "{name}: {got:?}");
                    assert_eq!(errors.iter().filter(|&&b| b == b'\n').count() as u64, k.failed, "{name}");
                }
                None => assert!(got.is_err(), "{name}: {got:?}"),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn error_records_are_recognised() {
        let cases: &[(&[u8], bool)] = &[
            (b"{\"line\":3,\"error\":\"malformed JSON\"}\n", true),
            (b"{\"line\":3,\"file\":\"a.jsonl\",\"id\":7,\"error\":\"empty article\"}\n", true),
            (b"{\"line\":3,\"error\":\"x\",\"tags\":[]}\n", false),
            (b"{\"id\":1,\"error\":\"x\"}\n", false),
            (b"Putin, China\n", false),
        ];
        for (line, want) in cases {
            assert_eq!(is_error_record(line), *want, "{}", String::from_utf8_lossy(line));
        }
        let rec = error_record(5, Some("f"), Some(json!("a1")), "oops");
        assert_eq!(rec, b"{\"line\":5,\"file\":\"f\",\"id\":\"a1\",\"error\":\"oops\"}\n");
        assert!(is_error_record(&rec));
    }

    #[test]
    fn lead_is_a_token_count_or_all() {
        assert_eq!("all".parse::<Lead>(), Ok(Lead(None)));
        assert_eq!(" 300 ".parse::<Lead>(), Ok(Lead(Some(300))));
        assert!("0".parse::<Lead>().is_err());
        assert!("-1".parse::<Lead>().is_err());
        assert!("half".parse::<Lead>().is_err());
        assert_eq!(Lead::default().to_string(), newstag::DEFAULT_LEAD_TOKENS.to_string());
        assert_eq!(Lead(None).to_string(), "all");
    }
}
