//! Speed of the ranking step with the shipped ranker (boosted trees): scoring an article's
//! candidates all together (`Scorer::score_all`, the 8-wide scan tagging uses) against
//! one at a time (`Scorer::score_candidate`), and the whole step, scores to chosen tags
//! (`Tagger::rank_analysed`).
//!
//! `cargo bench -p newstag --bench ranking`. Articles: the first 50 of DUC-2001
//! (`../shared/data/keyphrase/duc2001.jsonl`) when the shared data is there, and the example
//! article (`../shared/examples/putin-xi-visit.txt`) with it; a built-in paragraph always. Before
//! timing, each article's scores are checked to be the same both ways, bit for bit.
//!
//! Scoring the same articles over and over lets the branch predictor learn them, so this benchmark
//! flatters branchy code: the tree scan without branches is slower here (1.51 ms against 1.31)
//! while `newstag bench`, where the rest of the pipeline runs between one article's scoring and
//! the next, is 12% faster with it. Check a change to scoring with `newstag bench` too.

mod common;

use common::articles;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use newstag::rank::{LinearRanker, Scorer};
use newstag::{Analysed, Article, Tagger};

fn bench_ranking(c: &mut Criterion) {
    let tagger = Tagger::new().expect("the embedded models load");
    let ranker: &LinearRanker =
        LinearRanker::embedded().expect("ranker.bin loads").expect("a ranker is built in");
    assert!(ranker.forest.is_some(), "the shipped ranker is boosted trees");
    let analysed: Vec<Analysed> = articles()
        .iter()
        .map(|(t, x)| tagger.analyse_candidates(&Article::new(t.as_str(), x.as_str())).expect("tagged"))
        .collect();
    let candidates: usize = analysed.iter().map(|a| a.candidates.len()).sum();
    for a in &analysed {
        let one: Vec<u32> = a
            .features
            .iter()
            .zip(&a.candidates)
            .map(|(f, c)| ranker.score_candidate(f, c).to_bits())
            .collect();
        let all: Vec<u32> =
            ranker.score_all(&a.features, &a.candidates).iter().map(|s| s.to_bits()).collect();
        assert_eq!(all, one, "scoring together must score as one at a time");
    }
    let name = format!("{} articles", analysed.len());

    let mut group = c.benchmark_group("score");
    group.throughput(Throughput::Elements(candidates as u64));
    group.bench_with_input(BenchmarkId::new("together", &name), &analysed, |b, analysed| {
        b.iter(|| {
            analysed
                .iter()
                .map(|a| ranker.score_all(black_box(&a.features), &a.candidates).len())
                .sum::<usize>()
        })
    });
    group.bench_with_input(BenchmarkId::new("one-at-a-time", &name), &analysed, |b, analysed| {
        b.iter(|| {
            let scores = analysed.iter().flat_map(|a| {
                a.features.iter().zip(&a.candidates).map(|(f, c)| ranker.score_candidate(black_box(f), c))
            });
            scores.sum::<f32>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("rank");
    group.throughput(Throughput::Elements(analysed.len() as u64));
    let selection = ranker.selection();
    group.bench_with_input(BenchmarkId::new("rank_analysed", &name), &analysed, |b, analysed| {
        b.iter(|| {
            analysed
                .iter()
                .map(|a| tagger.rank_analysed(black_box(a), ranker, &selection).tags.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_ranking);
criterion_main!(benches);
