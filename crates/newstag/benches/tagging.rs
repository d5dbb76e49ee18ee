//! Speed of the part-of-speech tagger and the chunker, and the time to load their models.
//! The chunker is meant to run on every article: its target is at least 1 M tokens/s per core
//! on CoNLL-2000 test (`cargo bench -p newstag --bench tagging -- chunk`).
//!
//! `cargo bench -p newstag --bench tagging`. The tagging benchmarks run over CoNLL-2000 test
//! (`../shared/data/tokens/conll2000/test.txt`, 2,012 sentences, 47,377 tokens) when the shared
//! data is there, and over a built-in news paragraph, tokenized by `newstag::text`, always. Before
//! timing, each benchmark checks its output (one tag per token, and the tagger's accuracy on
//! CoNLL-2000 test), so a fast but broken model cannot pass.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use newstag::tag::conll::{read_conll, Accuracy};
use newstag::tag::{Chunker, PosTag, PosTagger};
use std::path::Path;

const NEWS: &str = "Russia's central bank raised its key interest rate to 16% on Tuesday, \
the biggest increase since the 2014 crisis, as the rouble slid to a record low against the dollar. \
“We had no choice,” Governor Elvira Nabiullina told reporters in Moscow. Analysts at Goldman Sachs \
said the move — widely expected — would slow growth in the world's 11th-largest economy. \
BAHIA COCOA REVIEW. Showers continued throughout the week in the Bahia cocoa zone, alleviating the \
drought since early January and improving prospects for the coming temporao, although normal \
humidity levels have not been restored, Comissaria Smith said in its weekly review.";

/// Sentences as owned words.
fn news_sentences() -> Vec<Vec<String>> {
    let tokens = newstag::text::tokenize(NEWS);
    newstag::text::split_sentences(NEWS, &tokens)
        .into_iter()
        .map(|(a, b)| tokens[a..b].iter().map(|t| t.text(NEWS).to_owned()).collect())
        .collect()
}

/// CoNLL-2000 test as (words, gold POS), if the shared data is present.
fn conll_test() -> Option<Vec<(Vec<String>, Vec<String>)>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/tokens/conll2000/test.txt");
    let sentences = read_conll(&path).ok()?;
    Some(
        sentences
            .iter()
            .map(|s| {
                (
                    s.column(0).into_iter().map(str::to_owned).collect(),
                    s.column(1).into_iter().map(str::to_owned).collect(),
                )
            })
            .collect(),
    )
}

fn as_strs(sentences: &[Vec<String>]) -> Vec<Vec<&str>> {
    sentences.iter().map(|s| s.iter().map(String::as_str).collect()).collect()
}

fn bench_tagging(c: &mut Criterion) {
    let tagger = PosTagger::embedded().expect("pos.bin is built in");
    let chunker = Chunker::embedded().expect("chunk.bin is built in");
    let mut corpora: Vec<(&str, Vec<Vec<String>>)> = vec![("news-paragraph", news_sentences())];
    if let Some(test) = conll_test() {
        // Correctness first: the tagger must still be the tagger.
        let mut acc = Accuracy::default();
        for (words, gold) in &test {
            let w: Vec<&str> = words.iter().map(String::as_str).collect();
            let tags = tagger.tag(&w);
            assert_eq!(tags.len(), w.len());
            for (t, g) in tags.iter().zip(gold) {
                acc.add(Some(*t) == PosTag::parse(g));
            }
        }
        assert_eq!(acc.total, 47_377, "CoNLL-2000 test has 47,377 tokens");
        assert!(acc.percent() >= 97.0, "POS accuracy on CoNLL-2000 test fell to {acc}");
        corpora.push(("conll2000-test", test.into_iter().map(|(w, _)| w).collect()));
    }

    let mut group = c.benchmark_group("pos");
    for (name, sentences) in &corpora {
        let sentences = as_strs(sentences);
        let tokens: usize = sentences.iter().map(Vec::len).sum();
        group.throughput(Throughput::Elements(tokens as u64));
        group.bench_with_input(BenchmarkId::new("tag", name), &sentences, |b, sentences| {
            let mut out = Vec::new();
            b.iter(|| {
                let mut n = 0;
                for s in sentences {
                    tagger.tag_into(black_box(s), newstag::tag::CaseHint::Auto, &mut out);
                    n += out.len();
                }
                assert_eq!(n, tokens);
                n
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("chunk");
    for (name, sentences) in &corpora {
        let sentences = as_strs(sentences);
        let tagged: Vec<(Vec<&str>, Vec<PosTag>)> =
            sentences.iter().map(|s| (s.clone(), tagger.tag(s))).collect();
        let tokens: usize = sentences.iter().map(Vec::len).sum();
        group.throughput(Throughput::Elements(tokens as u64));
        group.bench_with_input(BenchmarkId::new("chunk", name), &tagged, |b, tagged| {
            let mut out = Vec::new();
            b.iter(|| {
                let mut nps = 0;
                for (w, p) in tagged {
                    chunker.chunk_into(black_box(w), p, &mut out);
                    nps += out.iter().filter(|t| **t == newstag::tag::ChunkTag::B_NP).count();
                }
                assert!(nps > 0);
                nps
            })
        });
    }
    group.finish();
}

fn bench_load(c: &mut Criterion) {
    let pos = newstag_models_bytes("pos.bin");
    let chunk = newstag_models_bytes("chunk.bin");
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    group.bench_function(BenchmarkId::new("pos", format!("{} bytes", pos.len())), |b| {
        b.iter(|| PosTagger::from_bytes(black_box(pos)).expect("pos.bin loads"))
    });
    group.bench_function(BenchmarkId::new("chunk", format!("{} bytes", chunk.len())), |b| {
        b.iter(|| Chunker::from_bytes(black_box(chunk)).expect("chunk.bin loads"))
    });
    group.finish();
}

/// The bytes of an embedded model file.
fn newstag_models_bytes(name: &str) -> &'static [u8] {
    newstag_models::get(name).unwrap_or_else(|| panic!("{name} is not built in"))
}

criterion_group!(benches, bench_tagging, bench_load);
criterion_main!(benches);
