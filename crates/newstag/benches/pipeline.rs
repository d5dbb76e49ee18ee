//! Speed of the pipeline's steps on whole articles, with the embedded models: the text analysis
//! (tokens, sentences, POS tags, NP chunks, names: `Tagger::analyze`), the candidates
//! (`Tagger::candidates`), their features (`rank::features`, idf lookups included), the whole
//! of `Tagger::tag` one article at a time and of `Tagger::tag_batch` 64 at a time; and the
//! document-frequency lookups alone, one at a time (`DocFreq::df`) against together
//! (`DocFreq::df_many`, what the features use).
//!
//! `cargo bench -p newstag --bench pipeline`. Articles as in the ranking benchmark: the first 50
//! of DUC-2001 and the example article when `../shared` is there, a built-in paragraph always.
//! Before timing, each article's batched lookups are checked against the single ones.
//!
//! Like every criterion benchmark here, this repeats the same articles, so caches and the branch
//! predictor are warmer than when tagging an archive: `newstag bench` measures that.

mod common;

use common::articles;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use newstag::kb::docfreq::DocFreq;
use newstag::rank::{self, IdfSource};
use newstag::{Article, Document, Tagger};

fn bench_pipeline(c: &mut Criterion) {
    let tagger = Tagger::new().expect("the embedded models load");
    let idf = DocFreq::embedded().expect("docfreq.bin loads");
    let texts = articles();
    let articles: Vec<Article<'_>> =
        texts.iter().map(|(t, x)| Article::new(t.as_str(), x.as_str())).collect();
    let docs: Vec<Document<'static>> = articles.iter().map(|a| tagger.analyze(a)).collect();
    let candidates: Vec<_> = docs.iter().map(|d| tagger.candidates(d)).collect();
    let name = format!("{} articles", articles.len());

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(articles.len() as u64));
    group.bench_with_input(BenchmarkId::new("analyze", &name), &articles, |b, articles| {
        b.iter(|| articles.iter().map(|a| tagger.analyze(black_box(a)).tokens.len()).sum::<usize>())
    });
    group.bench_with_input(BenchmarkId::new("candidates", &name), &docs, |b, docs| {
        b.iter(|| docs.iter().map(|d| tagger.candidates(black_box(d)).len()).sum::<usize>())
    });
    group.bench_with_input(BenchmarkId::new("features", &name), &docs, |b, docs| {
        b.iter(|| {
            docs.iter()
                .zip(&candidates)
                .map(|(d, c)| {
                    rank::features(black_box(d), tagger.gazetteer(), c, Some(idf as &dyn IdfSource)).len()
                })
                .sum::<usize>()
        })
    });
    group.bench_with_input(BenchmarkId::new("tag", &name), &articles, |b, articles| {
        b.iter(|| articles.iter().map(|a| tagger.tag(black_box(a)).map_or(0, |t| t.len())).sum::<usize>())
    });
    group.bench_with_input(BenchmarkId::new("tag_batch", &name), &articles, |b, articles| {
        b.iter(|| {
            articles
                .chunks(64)
                .flat_map(|batch| tagger.tag_batch(black_box(batch), None))
                .map(|t| t.map_or(0, |t| t.len()))
                .sum::<usize>()
        })
    });
    group.finish();

    // The stems the features look up: each candidate key's words, and the keys of two or three.
    let keys: Vec<String> = candidates
        .iter()
        .flatten()
        .flat_map(|c| {
            let words: Vec<&str> = c.key.split(' ').collect();
            let whole = (2..=3).contains(&words.len()).then(|| c.key.clone());
            words.into_iter().map(str::to_string).chain(whole)
        })
        .collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut together = vec![0u32; keys.len()];
    idf.df_many(&keys, &mut together);
    let one: Vec<u32> = keys.iter().map(|k| idf.df(k)).collect();
    assert_eq!(together, one, "batched lookups must find what single ones do");

    let mut group = c.benchmark_group("docfreq");
    group.throughput(Throughput::Elements(keys.len() as u64));
    let lookups = format!("{} lookups", keys.len());
    group.bench_with_input(BenchmarkId::new("one-at-a-time", &lookups), &keys, |b, keys| {
        b.iter(|| keys.iter().map(|k| idf.df(black_box(k))).sum::<u32>())
    });
    group.bench_with_input(BenchmarkId::new("together", &lookups), &keys, |b, keys| {
        b.iter(|| {
            idf.df_many(black_box(keys), &mut together);
            together.iter().sum::<u32>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
