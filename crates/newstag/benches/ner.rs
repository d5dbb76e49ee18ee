//! Speed of the named-entity recogniser, and the time to load its model.
//!
//! `cargo bench -p newstag --bench ner`. The recogniser runs document by document (the way the
//! pipeline and `eval-tokens` call it) over CoNLL-2003 `eng.testa`
//! (`../shared/data/tokens/conll2003/eng.testa`, 216 documents, 51,362 tokens) when the shared
//! data is there, and over a built-in news text, tokenised by `newstag::text`, always; `sentence`
//! runs tag each sentence on its own. Before timing, the output is checked: the entities of the
//! built-in text, and the conlleval F1 on `eng.testa`, so a fast but broken model cannot pass.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use newstag::tag::ner::{entities, read_ner_conll, EntityKind, NerLabel, NerTagger};
use std::path::Path;

const NEWS: &str = "Sberbank CEO German Gref met Elvira Nabiullina in Moscow on Tuesday to discuss \
the rouble, which slid to a record low against the dollar. “We had no choice,” Nabiullina told \
reporters after the meeting at the Bank of Russia. Analysts at Goldman Sachs in London said the \
move would slow growth.\n\nRUSSIA AND CHINA SIGN GAS DEAL\n\nGazprom and China National Petroleum \
Corp signed a 30-year supply deal in Beijing, President Vladimir Putin said. Xi Jinping welcomed \
the agreement, and European Union officials in Brussels said they would study it. The Power of \
Siberia pipeline will carry gas from Yakutia to the Chinese border.";

/// Documents as sentences of owned words: the built-in text as one document.
fn news_document() -> Vec<Vec<Vec<String>>> {
    let tokens = newstag::text::tokenize(NEWS);
    let sentences = newstag::text::split_sentences(NEWS, &tokens)
        .into_iter()
        .map(|(a, b)| tokens[a..b].iter().map(|t| t.text(NEWS).to_owned()).collect())
        .collect();
    vec![sentences]
}

/// One document as its words and the sentences' word index ranges.
type FlatDoc<'a> = (Vec<&'a str>, Vec<(usize, usize)>);

/// Flattens documents into (words, sentence ranges) per document.
fn flat(docs: &[Vec<Vec<String>>]) -> Vec<FlatDoc<'_>> {
    docs.iter()
        .map(|d| {
            let mut words = Vec::new();
            let mut ranges = Vec::new();
            for s in d {
                let start = words.len();
                words.extend(s.iter().map(String::as_str));
                ranges.push((start, words.len()));
            }
            (words, ranges)
        })
        .collect()
}

fn bench_ner(c: &mut Criterion) {
    let tagger = NerTagger::embedded().expect("ner.bin is built in");
    let news = news_document();
    // Correctness first: the names of the built-in text.
    {
        let labels = tagger.tag_document(&news[0]);
        let count = |kind| {
            labels.iter().map(|l| entities(l).iter().filter(|e| e.kind == kind).count()).sum::<usize>()
        };
        assert!(count(EntityKind::Person) >= 3, "people in the built-in text: {labels:?}");
        assert!(count(EntityKind::Location) >= 5, "places in the built-in text: {labels:?}");
        assert!(count(EntityKind::Organization) >= 4, "organisations in the built-in text: {labels:?}");
    }
    let mut corpora: Vec<(&str, Vec<Vec<Vec<String>>>)> = vec![("news-text", news)];
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/tokens/conll2003/eng.testa");
    if let Ok(docs) = read_ner_conll(&path) {
        let (scores, _) = tagger.evaluate(&docs);
        assert_eq!(scores.tokens, 51_362, "eng.testa has 51,362 tokens");
        assert!(scores.overall.f1() >= 90.0, "entity F1 on eng.testa fell to {:.2}", scores.overall.f1());
        let words = docs.iter().map(|d| d.sentences.iter().map(|s| s.words.clone()).collect()).collect();
        corpora.push(("conll2003-testa", words));
    }

    let mut group = c.benchmark_group("ner");
    for (name, docs) in &corpora {
        let docs = flat(docs);
        let tokens: usize = docs.iter().map(|(w, _)| w.len()).sum();
        group.throughput(Throughput::Elements(tokens as u64));
        group.bench_with_input(BenchmarkId::new("document", name), &docs, |b, docs| {
            let mut out: Vec<NerLabel> = Vec::new();
            b.iter(|| {
                let mut n = 0;
                for (words, ranges) in docs {
                    tagger.tag_flat(black_box(words), ranges, &mut out);
                    n += out.len();
                }
                assert_eq!(n, tokens);
                n
            })
        });
        group.bench_with_input(BenchmarkId::new("sentence", name), &docs, |b, docs| {
            let mut out: Vec<NerLabel> = Vec::new();
            b.iter(|| {
                let mut n = 0;
                for (words, ranges) in docs {
                    for &(a, z) in ranges {
                        tagger.tag_flat(black_box(&words[a..z]), &[(0, z - a)], &mut out);
                        n += out.len();
                    }
                }
                assert_eq!(n, tokens);
                n
            })
        });
    }
    group.finish();
}

fn bench_load(c: &mut Criterion) {
    let bytes = newstag_models::get("ner.bin").expect("ner.bin is built in");
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    group.bench_function(BenchmarkId::new("ner", format!("{} bytes", bytes.len())), |b| {
        b.iter(|| NerTagger::from_bytes(black_box(bytes)).expect("ner.bin loads"))
    });
    group.finish();
}

criterion_group!(benches, bench_ner, bench_load);
criterion_main!(benches);
