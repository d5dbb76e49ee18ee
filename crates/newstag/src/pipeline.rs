//! The engine: one immutable [`Tagger`], built once and shared across threads.

use crate::candidates::Kind;
use crate::candidates::{self, Candidate};
use crate::document::{Document, NP_BEGIN, NP_INSIDE, NP_OUT};
use crate::error::{Error, Result};
use crate::kb::docfreq::DocFreq;
use crate::kb::Gazetteer;
use crate::output::Tag;
use crate::rank::{self, Choice, Features, HeuristicScorer, IdfSource, LinearRanker, Scorer, Selection};
use crate::tag::ner::NerTagger;
use crate::tag::{CaseHint, Chunker, PosTag, PosTagger};
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

/// An article to tag: a title (may be empty) and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article<'a> {
    /// Headline.
    pub title: Cow<'a, str>,
    /// Body text.
    pub text: Cow<'a, str>,
}

impl<'a> Article<'a> {
    /// An article from a title and a body.
    pub fn new(title: impl Into<Cow<'a, str>>, text: impl Into<Cow<'a, str>>) -> Self {
        Article { title: title.into(), text: text.into() }
    }

    /// Parses plain text: the first non-empty line is the title, the rest is the body.
    pub fn from_plain_text(s: &'a str) -> Self {
        let trimmed = s.trim_start_matches(['\n', '\r', ' ', '\t', '\u{feff}']);
        match trimmed.find('\n') {
            Some(i) => {
                Article::new(trimmed[..i].trim_end(), trimmed[i + 1..].trim_start_matches(['\n', '\r']))
            }
            None => Article::new(trimmed.trim_end(), ""),
        }
    }
}

/// All candidates of an article, ranked, and how many of them the engine chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Every candidate as a tag, best first.
    pub tags: Vec<Tag>,
    /// How many of `tags` the engine would give the article (its own choice of count).
    pub chosen: usize,
}

/// Builds a [`Tagger`].
#[derive(Default)]
pub struct TaggerBuilder {
    model_dir: Option<PathBuf>,
    scorer: Option<Arc<dyn Scorer>>,
    selection: Option<Selection>,
    max_bytes: Option<usize>,
    no_ner: bool,
    no_chunker: bool,
    lead: Option<Option<usize>>,
}

/// How many body tokens the models read by default ([`TaggerBuilder::lead`]): about 250 words,
/// the first third of a long article. Measured over eight fold splits (`scripts/cv-seeds.sh 8`,
/// fold rankers trained on the same reading; models README): editor-train cross-validated
/// F1@5 / F1@M 60.07 / 64.58 (400 tokens: 60.01 / 64.28), DUC-2001 cross-validated F1@10 35.51
/// (400: 36.54), KPCrowd 22.82 (22.84), Reuters F1@M 32.62 (32.42), for 13% fewer instructions
/// per article than 400 tokens (2.46M against 2.84M, `scripts/icount.sh`), 47% fewer than reading
/// everything (4.63M): what editors tag is in the lead; keyphrase sets reach further into long reports.
pub const DEFAULT_LEAD_TOKENS: usize = 300;

impl TaggerBuilder {
    /// Loads model files (`gazetteer.bin`, ...) from `dir` instead of the embedded ones; a file
    /// absent from `dir` falls back to the embedded model.
    pub fn model_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.model_dir = Some(dir.into());
        self
    }

    /// [`TaggerBuilder::model_dir`] when `dir` is given; the embedded models otherwise.
    pub fn models_from(mut self, dir: Option<impl Into<PathBuf>>) -> Self {
        self.model_dir = dir.map(Into::into);
        self
    }

    /// Whether to run the named-entity recognizer (default yes; no is
    /// [`TaggerBuilder::without_ner`]).
    pub fn ner(mut self, on: bool) -> Self {
        self.no_ner = !on;
        self
    }

    /// Whether to run the noun-phrase chunker (default yes; no is
    /// [`TaggerBuilder::without_chunker`]).
    pub fn chunker(mut self, on: bool) -> Self {
        self.no_chunker = !on;
        self
    }

    /// How much of an article the models read: the title and the body's sentences that begin
    /// within its first `tokens` tokens (`None`: all of it). Default: what the ranker's training
    /// articles were read with ([`crate::rank::LinearRanker::lead`]; the embedded ranker's is
    /// [`DEFAULT_LEAD_TOKENS`], a ranker file from before the lead existed read them whole), or
    /// [`DEFAULT_LEAD_TOKENS`] with another scorer. News puts what an article is about first; in
    /// the rest, further mentions of the names and phrases found in the lead are still found and
    /// counted (their offsets too), and so are gazetteer names; a name or phrase only the rest
    /// mentions is not a candidate. The models' time per article is bounded by it.
    pub fn lead(mut self, tokens: Option<usize>) -> Self {
        self.lead = Some(tokens);
        self
    }

    /// Uses `scorer` to rank candidates.
    pub fn scorer(mut self, scorer: Arc<dyn Scorer>) -> Self {
        self.scorer = Some(scorer);
        self
    }

    /// Sets how many tags an article gets.
    pub fn selection(mut self, selection: Selection) -> Self {
        self.selection = Some(selection);
        self
    }

    /// Runs without the named-entity recognizer: several times faster, names typed by the
    /// gazetteer and spelling alone.
    pub fn without_ner(mut self) -> Self {
        self.no_ner = true;
        self
    }

    /// Runs without the noun-phrase chunker: about a quarter faster, and topical phrases may
    /// then cross a noun-phrase boundary ("\[the government\] \[Tuesday\]", "gave \[the firm\] \[new
    /// powers]") that the chunker would have found. DUC-2001 CV F1@10 33.0 instead of 33.5.
    pub fn without_chunker(mut self) -> Self {
        self.no_chunker = true;
        self
    }

    /// Refuses articles larger than `bytes` (title plus body). Default 1 MiB: ten times the
    /// longest news articles, and a bound on memory (analysis holds a few hundred bytes per
    /// input byte).
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// Loads the models and builds the tagger.
    pub fn build(self) -> Result<Tagger> {
        let gazetteer = match self.model_file("gazetteer.bin")? {
            Some(bytes) => ModelRef::Owned(Box::new(Gazetteer::from_bytes(&bytes)?)),
            None => ModelRef::Static(embedded_gazetteer()?),
        };
        let ner = match self.model_file("ner.bin")? {
            _ if self.no_ner => None,
            Some(bytes) => Some(ModelRef::Owned(Box::new(NerTagger::from_bytes(&bytes)?))),
            None => embedded_ner()?.map(ModelRef::Static),
        };
        let pos = match self.model_file("pos.bin")? {
            Some(bytes) => Some(ModelRef::Owned(Box::new(PosTagger::from_bytes(&bytes)?))),
            None => embedded_pos()?.map(ModelRef::Static),
        };
        let chunker = match self.model_file("chunk.bin")? {
            _ if self.no_chunker => None,
            Some(bytes) => Some(ModelRef::Owned(Box::new(Chunker::from_bytes(&bytes)?))),
            None => Some(ModelRef::Static(embedded_chunker()?)),
        };
        let ranker: Option<LinearRanker> = match self.model_file("ranker.bin")? {
            Some(bytes) => Some(LinearRanker::from_bytes(&bytes)?),
            None => embedded_ranker()?,
        };
        let idf: Option<Arc<dyn IdfSource>> = match self.model_file("docfreq.bin")? {
            Some(bytes) => Some(Arc::new(DocFreq::from_bytes(&bytes)?)),
            None => embedded_docfreq()?,
        };
        let default_selection = ranker.as_ref().map(LinearRanker::selection).unwrap_or_default();
        // The candidates the ranker was trained on, and the lead its articles were read with;
        // another scorer gets the default ones.
        let (policy, trained_lead) = match (&self.scorer, &ranker) {
            (None, Some(r)) => (r.candidates, r.lead),
            _ => (candidates::CandidatePolicy::default(), Some(DEFAULT_LEAD_TOKENS)),
        };
        let default_scorer: Arc<dyn Scorer> = match ranker {
            Some(r) => Arc::new(r),
            None => Arc::new(HeuristicScorer),
        };
        Ok(Tagger {
            gazetteer,
            pos,
            ner,
            chunker,
            scorer: self.scorer.unwrap_or(default_scorer),
            selection: self.selection.unwrap_or(default_selection),
            max_bytes: self.max_bytes.unwrap_or(1 << 20),
            idf,
            policy,
            lead: self.lead.unwrap_or(trained_lead),
        })
    }

    fn model_file(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(dir) = &self.model_dir else {
            return Ok(None);
        };
        let path = dir.join(name);
        if !path.exists() {
            return Ok(None);
        }
        std::fs::read(&path).map(Some).map_err(|e| Error::io(format!("reading {}", path.display()), e))
    }
}

#[cfg(feature = "embedded")]
fn embedded_gazetteer() -> Result<&'static Gazetteer> {
    Gazetteer::embedded()
}

#[cfg(feature = "embedded")]
fn embedded_ranker() -> Result<Option<LinearRanker>> {
    Ok(LinearRanker::embedded()?.cloned())
}

#[cfg(feature = "embedded")]
fn embedded_docfreq() -> Result<Option<Arc<dyn IdfSource>>> {
    Ok(Some(Arc::new(DocFreqRef(DocFreq::embedded()?))))
}

#[cfg(not(feature = "embedded"))]
fn embedded_docfreq() -> Result<Option<Arc<dyn IdfSource>>> {
    Ok(None)
}

/// Articles [`Tagger::tag_batch`] is given at most at a time by the CLI, the server and
/// `newstag bench` ([`batches`]): enough that each model's tables stay in the cache from one
/// article to the next (on DUC-2001, about 18% more articles a second than one at a time).
pub const BATCH_ARTICLES: usize = 64;

/// Bytes of text a batch holds at most ([`batches`]), so that a stream of very large articles
/// is tagged one at a time, not 64 analysed documents at once (for 1 MB articles: 0.96 GB).
pub const BATCH_BYTES: usize = 1 << 20;

/// Cuts items of the given sizes (in bytes), in order, into batches for [`Tagger::tag_batch`]:
/// consecutive ranges of at most `max_items` items and `max_bytes` bytes, except that an item
/// larger than `max_bytes` is a batch of its own. Every item is in exactly one range.
pub fn batches(sizes: &[usize], max_items: usize, max_bytes: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0usize);
    for (i, &size) in sizes.iter().enumerate() {
        if i > start && (i - start >= max_items.max(1) || bytes.saturating_add(size) > max_bytes) {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes = bytes.saturating_add(size);
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// Runs `together` on all of `items` (a batch), and if it panics (a bug in the engine) or gives
/// a result per item it should not, runs `each` on the items one at a time instead: the same
/// results, except that a panic then fails the item that causes it, and only that one. The CLI
/// and the server tag batches of lines through it.
pub fn together_or_each<I, T>(
    items: &[I],
    together: impl FnOnce(&[I]) -> Vec<T>,
    each: impl FnMut(&I) -> T,
) -> Vec<T> {
    let batch = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| together(items)));
    match batch {
        Ok(results) if results.len() == items.len() => results,
        _ => items.iter().map(each).collect(),
    }
}

/// The embedded table, shared without copying.
#[cfg(feature = "embedded")]
struct DocFreqRef(&'static DocFreq);

#[cfg(feature = "embedded")]
impl IdfSource for DocFreqRef {
    fn idf(&self, stemmed: &str) -> f32 {
        self.0.idf(stemmed)
    }

    fn idf_many(&self, stemmed: &[&str], out: &mut [f32]) {
        self.0.idf_many(stemmed, out);
    }
}

#[cfg(feature = "embedded")]
fn embedded_pos() -> Result<Option<&'static PosTagger>> {
    // A build without a trained POS model falls back to spelling-based word classes.
    match newstag_models::get("pos.bin") {
        None => Ok(None),
        Some(_) => PosTagger::embedded().map(Some),
    }
}

#[cfg(feature = "embedded")]
fn embedded_chunker() -> Result<&'static Chunker> {
    Chunker::embedded()
}

#[cfg(not(feature = "embedded"))]
fn embedded_chunker() -> Result<&'static Chunker> {
    Err(Error::model("CHNK", "built without embedded models: give a model directory"))
}

#[cfg(feature = "embedded")]
fn embedded_ner() -> Result<Option<&'static NerTagger>> {
    match newstag_models::get("ner.bin") {
        None => Ok(None),
        Some(_) => NerTagger::embedded().map(Some),
    }
}

#[cfg(not(feature = "embedded"))]
fn embedded_ner() -> Result<Option<&'static NerTagger>> {
    Ok(None)
}

#[cfg(not(feature = "embedded"))]
fn embedded_pos() -> Result<Option<&'static PosTagger>> {
    Ok(None)
}

#[cfg(not(feature = "embedded"))]
fn embedded_ranker() -> Result<Option<LinearRanker>> {
    Ok(None)
}

#[cfg(not(feature = "embedded"))]
fn embedded_gazetteer() -> Result<&'static Gazetteer> {
    Err(Error::model("GAZ_", "built without embedded models: give a model directory"))
}

/// A model either built into the binary (shared, decoded once) or loaded from a file.
enum ModelRef<T: 'static> {
    Static(&'static T),
    Owned(Box<T>),
}

impl<T> std::ops::Deref for ModelRef<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            ModelRef::Static(t) => t,
            ModelRef::Owned(t) => t,
        }
    }
}

/// The tagging engine. `Send + Sync`: build once, share across threads.
pub struct Tagger {
    gazetteer: ModelRef<Gazetteer>,
    pos: Option<ModelRef<PosTagger>>,
    ner: Option<ModelRef<NerTagger>>,
    chunker: Option<ModelRef<Chunker>>,
    scorer: Arc<dyn Scorer>,
    selection: Selection,
    max_bytes: usize,
    idf: Option<Arc<dyn IdfSource>>,
    policy: candidates::CandidatePolicy,
    /// [`TaggerBuilder::lead`].
    lead: Option<usize>,
}

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger")
            .field("selection", &self.selection)
            .field("max_bytes", &self.max_bytes)
            .field("lead", &self.lead)
            .finish()
    }
}

impl Tagger {
    /// A tagger with the embedded default models.
    pub fn new() -> Result<Tagger> {
        Tagger::builder().build()
    }

    /// A builder for a tagger with other models or settings.
    pub fn builder() -> TaggerBuilder {
        TaggerBuilder::default()
    }

    /// How many body tokens the models read ([`TaggerBuilder::lead`]; `None`: all).
    pub fn lead(&self) -> Option<usize> {
        self.lead
    }

    /// The gazetteer in use.
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// The tags an editor would choose, best first (the engine decides how many).
    pub fn tag(&self, article: &Article<'_>) -> Result<Vec<Tag>> {
        Ok(self.tags_of(&self.analyse_candidates(article)?, None))
    }

    /// The tags of an analysed article: the engine's choice, or exactly `top` (fewer only when
    /// the article has fewer candidates).
    fn tags_of(&self, analysed: &Analysed, top: Option<usize>) -> Vec<Tag> {
        let mut ranked = self.rank_up_to(analysed, self.scorer.as_ref(), &self.selection, top);
        if let Some(n) = top {
            ranked.tags.truncate(n);
        }
        ranked.tags
    }

    /// [`tag`](Self::tag) of several articles, each step for all of them before the next
    /// ([`analyze_batch`](Self::analyze_batch)): faster than one at a time, the same tags. An
    /// article refused ([`Error::Input`]: empty, too large) gets its error; the others are tagged.
    /// Memory grows with the batch's text (every article is analysed before any is ranked): cut
    /// a stream with [`batches`].
    pub fn tag_batch(&self, articles: &[Article<'_>], top: Option<usize>) -> Vec<Result<Vec<Tag>>> {
        let checks: Vec<Result<()>> = articles.iter().map(|a| self.check(a)).collect();
        let accepted: Vec<&Article<'_>> =
            articles.iter().zip(&checks).filter(|(_, c)| c.is_ok()).map(|(a, _)| a).collect();
        let analysed: Vec<Analysed> =
            self.analyze_each(&accepted).into_iter().map(|doc| self.analysed(doc, &self.policy)).collect();
        let mut analysed = analysed.iter();
        // `analysed` holds one document per accepted article, in order.
        checks
            .into_iter()
            .map(|check| check.map(|()| analysed.next().map_or_else(Vec::new, |a| self.tags_of(a, top))))
            .collect()
    }

    /// The best `n` tags.
    pub fn tag_top(&self, article: &Article<'_>, n: usize) -> Result<Vec<Tag>> {
        Ok(self.tags_of(&self.analyse_candidates(article)?, Some(n)))
    }

    /// Every candidate, ranked, with the engine's choice of how many to keep.
    pub fn rank(&self, article: &Article<'_>) -> Result<Ranked> {
        let analysed = self.analyse_candidates(article)?;
        Ok(self.rank_analysed(&analysed, self.scorer.as_ref(), &self.selection))
    }

    fn check(&self, article: &Article<'_>) -> Result<()> {
        let size = article.title.len() + article.text.len();
        if size > self.max_bytes {
            return Err(Error::Input(format!("article too large: {size} bytes (limit {})", self.max_bytes)));
        }
        if article.title.trim().is_empty() && article.text.trim().is_empty() {
            return Err(Error::Input("empty article: no title and no text".into()));
        }
        Ok(())
    }

    /// Text analysis: tokens, sentences, word classes.
    pub fn analyze(&self, article: &Article<'_>) -> Document<'static> {
        self.analyze_each(&[article]).pop().unwrap_or_else(|| Document::new("", ""))
    }

    /// [`analyze`](Self::analyze) of several articles, step by step: every article's tokens, then
    /// every article's POS tags, then the chunks, then the names. Each model's tables then stay
    /// in the cache from one article to the next instead of evicting each other; the documents
    /// are the same as one at a time.
    pub fn analyze_batch(&self, articles: &[Article<'_>]) -> Vec<Document<'static>> {
        self.analyze_each(&articles.iter().collect::<Vec<_>>())
    }

    /// [`analyze_batch`](Self::analyze_batch) of articles held elsewhere.
    fn analyze_each(&self, articles: &[&Article<'_>]) -> Vec<Document<'static>> {
        let mut docs: Vec<(Document<'static>, usize)> = articles
            .iter()
            .map(|article| {
                let mut doc = Document::new(&article.title, &article.text);
                // The lead: whole sentences, those that begin within its first tokens of the body.
                let limit = self.lead.map_or(usize::MAX, |n| doc.title_tokens.saturating_add(n));
                let read = doc.sentences.iter().take_while(|&&(a, _)| a < limit).count();
                if read < doc.sentences.len() {
                    doc.analysed = doc.sentences[read].0;
                }
                (doc, read)
            })
            .collect();
        if let Some(pos) = &self.pos {
            // Each document's words up to `analysed` (the sentences cover them in order), read
            // by the tagger and then the chunker.
            let words: Vec<Vec<&str>> = docs
                .iter()
                .map(|(doc, _)| doc.tokens[..doc.analysed].iter().map(|t| t.text(&doc.text)).collect())
                .collect();
            let mut tags = Vec::new();
            let mut all: Vec<Vec<PosTag>> = Vec::with_capacity(docs.len());
            for ((doc, read), words) in docs.iter().zip(&words) {
                let mut out = Vec::with_capacity(doc.analysed);
                for &(a, b) in &doc.sentences[..*read] {
                    pos.tag_into(words.get(a..b).unwrap_or(&[]), CaseHint::Auto, &mut tags);
                    out.extend_from_slice(&tags);
                }
                all.push(out);
            }
            let mut nps: Vec<Vec<u8>> = Vec::with_capacity(docs.len());
            if let Some(chunker) = &self.chunker {
                let mut chunks = Vec::new();
                for (((doc, read), words), tags) in docs.iter().zip(&words).zip(&all) {
                    let mut np = Vec::with_capacity(doc.analysed);
                    if tags.len() == doc.analysed {
                        for &(a, b) in &doc.sentences[..*read] {
                            chunker.chunk_into(words.get(a..b).unwrap_or(&[]), &tags[a..b], &mut chunks);
                            np.extend(chunks.iter().map(|c| match (c.is_np(), c.is_begin()) {
                                (false, _) => NP_OUT,
                                (true, true) => NP_BEGIN,
                                (true, false) => NP_INSIDE,
                            }));
                        }
                    }
                    nps.push(np);
                }
            }
            drop(words);
            let mut nps = nps.into_iter();
            for ((doc, _), tags) in docs.iter_mut().zip(all) {
                let np = nps.next().unwrap_or_default();
                // Sentences cover the tokens in order, so the tags are those of `0..analysed`.
                if tags.len() == doc.analysed {
                    doc.pos = tags;
                    if np.len() == doc.analysed {
                        doc.np = np;
                    }
                }
            }
        }
        if let Some(ner) = &self.ner {
            for (doc, read) in &mut docs {
                doc.entities = Some(ner.recognize_document(&doc.text, &doc.tokens, &doc.sentences[..*read]));
            }
        }
        docs.into_iter()
            .map(|(mut doc, _)| {
                candidates::classify(&mut doc);
                doc
            })
            .collect()
    }

    /// Candidates of an analysed document, resolved within it.
    pub fn candidates(&self, doc: &Document<'_>) -> Vec<Candidate> {
        self.candidates_with(doc, &self.policy)
    }

    /// Candidates of an analysed document under another candidate policy than the ranker's.
    pub fn candidates_with(
        &self,
        doc: &Document<'_>,
        policy: &candidates::CandidatePolicy,
    ) -> Vec<Candidate> {
        let mentions = candidates::find_mentions_with(doc, self.gazetteer(), policy);
        // Names seen only in capitals are read in the casing the recogniser's lexicon knows.
        let casing = self.ner.as_deref().map(|ner| move |w: &str| ner.casing_in_name(w));
        let casing = casing.as_ref().map(|f| f as candidates::CasingLookup<'_>);
        candidates::resolve_with(doc, self.gazetteer(), &mentions, casing)
    }

    /// Everything up to scoring: the analysed article, its candidates and their features. This is
    /// what training sees, so a ranker learns from exactly the features it will score.
    pub fn analyse_candidates(&self, article: &Article<'_>) -> Result<Analysed> {
        self.analyse_candidates_with(article, &self.policy)
    }

    /// [`Tagger::analyse_candidates`] under another candidate policy than the ranker's (training
    /// a ranker with that policy).
    pub fn analyse_candidates_with(
        &self,
        article: &Article<'_>,
        policy: &candidates::CandidatePolicy,
    ) -> Result<Analysed> {
        self.check(article)?;
        Ok(self.analysed(self.analyze(article), policy))
    }

    /// An analysed document's candidates under `policy`, and their features.
    fn analysed(&self, doc: Document<'static>, policy: &candidates::CandidatePolicy) -> Analysed {
        let candidates = self.candidates_with(&doc, policy);
        let features = rank::features(&doc, self.gazetteer(), &candidates, self.idf.as_deref());
        Analysed { doc, candidates, features }
    }

    /// Ranks analysed candidates with a given scorer and selection (used by cross-validation).
    pub fn rank_analysed(&self, a: &Analysed, scorer: &dyn Scorer, selection: &Selection) -> Ranked {
        self.rank_up_to(a, scorer, selection, Some(usize::MAX))
    }

    /// [`Tagger::rank_analysed`], building only the first tags of the ranking: the chosen ones
    /// (`limit` `None`), or at least `limit` (and the chosen ones). The ranking itself is the same.
    fn rank_up_to(
        &self,
        a: &Analysed,
        scorer: &dyn Scorer,
        selection: &Selection,
        limit: Option<usize>,
    ) -> Ranked {
        let doc = &a.doc;
        let mut scored: Vec<(f32, usize)> = scorer
            .score_all(&a.features, &a.candidates)
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, i))
            .collect();
        scored.sort_by(|x, y| {
            y.0.total_cmp(&x.0)
                .then_with(|| a.candidates[x.1].mentions[0].cmp(&a.candidates[y.1].mentions[0]))
        });
        let ranked = dedupe(&a.candidates, scored);
        let choices = self.choices(a, &ranked);
        let mut keep = selection.choose(&choices);
        drop_nested_topics(&a.candidates, &ranked, &mut keep);
        // Chosen tags first (by score), then as much of the rest of the ranking as is wanted.
        let wanted = limit.map_or(keep.len(), |n| n.max(keep.len()));
        let mut order: Vec<usize> = keep.clone();
        if wanted > keep.len() {
            let mut taken = vec![false; ranked.len()];
            for &i in &keep {
                taken[i] = true;
            }
            order.extend((0..ranked.len()).filter(|&i| !taken[i]).take(wanted - keep.len()));
        }
        let tags = order
            .into_iter()
            .map(|i| {
                let (score, ci) = ranked[i];
                let c = &a.candidates[ci];
                Tag {
                    name: c.name.clone(),
                    tag_type: c.tag_type(),
                    score,
                    mentions: c
                        .mentions
                        .iter()
                        .map(|&(s, e)| doc.input_span(doc.tokens[s].start, doc.tokens[e - 1].end))
                        .collect(),
                }
            })
            .collect();
        Ranked { tags, chosen: keep.len() }
    }

    /// Headline anchors and what they stand for, per ranked candidate.
    fn choices(&self, a: &Analysed, ranked: &[(f32, usize)]) -> Vec<Choice> {
        let g = self.gazetteer();
        // Participants are people, places and organisations: not topics, and not the other names
        // ("Islamist", "Olympic"), which the headline uses as words more than as subjects.
        let anchor = |ci: usize| {
            a.features[ci].title_core > 0.0
                && matches!(a.candidates[ci].kind, Kind::Person | Kind::Place | Kind::Organization)
        };
        let anchored_countries: Vec<u32> = ranked
            .iter()
            .filter(|&&(_, ci)| anchor(ci) && a.candidates[ci].kind == Kind::Person)
            .filter_map(|&(_, ci)| a.candidates[ci].entry.and_then(|e| g.entry(e).country))
            .collect();
        ranked
            .iter()
            .map(|&(score, ci)| {
                let anchor = anchor(ci);
                Choice {
                    score,
                    anchor,
                    linked: a.candidates[ci].entry.is_some_and(|e| anchored_countries.contains(&e)),
                    topic: a.candidates[ci].kind == Kind::Topic,
                    circumstance: a.features[ci].in_title > 0.0 && !anchor,
                }
            })
            .collect()
    }
}

/// An article analysed up to its candidates' features.
#[derive(Debug, Clone)]
pub struct Analysed {
    /// The analysed text.
    pub doc: Document<'static>,
    /// Resolved candidates.
    pub candidates: Vec<Candidate>,
    /// Features of each candidate.
    pub features: Vec<Features>,
}

/// Drops a lower-ranked candidate that repeats a better one (the same stem key: "nuclear weapon"
/// and "nuclear weapons", a name and a phrase spelling it).
fn dedupe(cands: &[Candidate], scored: Vec<(f32, usize)>) -> Vec<(f32, usize)> {
    let mut keys: rustc_hash::FxHashSet<&str> =
        rustc_hash::FxHashSet::with_capacity_and_hasher(scored.len(), Default::default());
    scored.into_iter().filter(|&(_, i)| keys.insert(cands[i].key.as_str())).collect()
}

/// Drops from the chosen tags (`keep`, indices into `ranked`, best first) the topics that repeat
/// a better chosen tag: a single word of it ("button" beside "panic button", "calorie" beside
/// "calorie counts"), or a name with a word added ("Stieg Larsson justice" beside "Stieg
/// Larsson"). Words are compared by stem. A longer phrase that holds a chosen phrase stays
/// ("panic button app" beside "panic button"): readers choose both, and DUC-2001's F1@M fell by
/// 1.8 instead of 1.2 when those went too. They stay in the ranking, after the chosen tags.
fn drop_nested_topics(cands: &[Candidate], ranked: &[(f32, usize)], keep: &mut Vec<usize>) {
    let words = |i: usize| cands[ranked[i].1].key.split(' ');
    let nested = |a: usize, b: usize| words(a).all(|w| words(b).any(|v| v == w));
    let mut kept: Vec<usize> = Vec::with_capacity(keep.len());
    for &i in keep.iter() {
        let topic = cands[ranked[i].1].kind == Kind::Topic;
        let single = words(i).nth(1).is_none();
        let redundant = kept.iter().any(|&j| {
            let name = cands[ranked[j].1].kind != Kind::Topic;
            (single && nested(i, j)) || (name && nested(j, i))
        });
        if !(topic && redundant) {
            kept.push(i);
        }
    }
    *keep = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_hold_at_most_so_many_items_and_bytes() {
        let cut = |sizes: &[usize], n, b| batches(sizes, n, b);
        assert_eq!(cut(&[], 3, 10), vec![]);
        assert_eq!(cut(&[1; 7], 3, 100), vec![0..3, 3..6, 6..7]);
        assert_eq!(cut(&[4, 4, 4, 4], 10, 8), vec![0..2, 2..4]);
        // An item larger than the budget is a batch of its own; the rest go on.
        assert_eq!(cut(&[2, 50, 2, 2], 10, 8), vec![0..1, 1..2, 2..4]);
        assert_eq!(cut(&[50, 50], 10, 8), vec![0..1, 1..2]);
        // At least one item a batch, even with budgets of 0.
        assert_eq!(cut(&[1, 1], 0, 0), vec![0..1, 1..2]);
        assert_eq!(cut(&[usize::MAX, 1, 1], 10, 8), vec![0..1, 1..3]);
    }

    #[test]
    fn a_batch_that_panics_is_redone_one_item_at_a_time() {
        let items = [1, 2, 3, 4];
        let each = |&i: &i32| if i == 3 { Err(i) } else { Ok(i * 10) };
        // A batch that works is used as it is: `each` is not run.
        let fine = together_or_each(
            &items,
            |b| b.iter().map(|&i| Ok::<i32, i32>(i * 100)).collect(),
            |_| unreachable!(),
        );
        assert_eq!(fine, vec![Ok(100), Ok(200), Ok(300), Ok(400)]);
        // One that panics (a bug somewhere in it) is redone one item at a time: the item that
        // fails fails alone, and the others get their results.
        let redone = together_or_each(
            &items,
            |b: &[i32]| -> Vec<Result<i32, i32>> {
                if b.contains(&3) {
                    panic!("a bug on item 3");
                }
                b.iter().map(|&i| Ok(i)).collect()
            },
            each,
        );
        assert_eq!(redone, vec![Ok(10), Ok(20), Err(3), Ok(40)]);
        // So is one that loses or adds results.
        let short = together_or_each(&items, |b| b[1..].iter().map(|&i| Ok(i)).collect(), each);
        assert_eq!(short, vec![Ok(10), Ok(20), Err(3), Ok(40)]);
        assert!(together_or_each(&[] as &[i32], |_| vec![], each).is_empty());
    }

    #[test]
    fn plain_text_split() {
        let cases = [
            ("title and body", "Title\nBody line\n\nMore", "Title", "Body line\n\nMore"),
            ("leading blank lines", "\n\n  Title  \n\nBody", "Title", "Body"),
            ("title only", "Just a title", "Just a title", ""),
            ("empty", "", "", ""),
        ];
        for (name, input, title, body) in cases {
            let a = Article::from_plain_text(input);
            assert_eq!((a.title.as_ref(), a.text.as_ref()), (title, body), "{name}");
        }
    }

    /// A wire ticker in angle brackets is a code, never a tag of its own; "vs" is a stopword.
    #[cfg(feature = "embedded")]
    #[test]
    fn tickers_are_not_tags() {
        let tagger = Tagger::new().unwrap();
        // The ticker is not the company's initials, so nothing else would absorb it.
        let article = Article::new(
            "ACME WIDGET CORP <XQZ> 4TH QTR NET",
            "Shr 11 cts vs nine cts\n\nNet 677,498 vs 461,485\n\nAcme Widget Corp <XQZ> said profits \
             rose on strong widget sales.",
        );
        let ranked = tagger.rank(&article).unwrap();
        let names: Vec<String> = ranked.tags.iter().map(|t| t.name.to_lowercase()).collect();
        assert!(names.iter().any(|n| n.contains("widget")), "{names:?}");
        assert!(!names.iter().any(|n| n.split_whitespace().any(|w| w == "xqz" || w == "vs")), "{names:?}");
    }
}
