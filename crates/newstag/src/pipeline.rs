//! The engine: one immutable [`Tagger`], built once and shared across threads.

use crate::candidates::{self, Candidate};
use crate::document::Document;
use crate::error::{Error, Result};
use crate::kb::Gazetteer;
use crate::output::{Tag, TagType};
use crate::rank::{self, HeuristicScorer, IdfSource, Scorer, Selection};
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
        Article {
            title: title.into(),
            text: text.into(),
        }
    }

    /// Parses plain text: the first non-empty line is the title, the rest is the body.
    pub fn from_plain_text(s: &'a str) -> Self {
        let trimmed = s.trim_start_matches(['\n', '\r', ' ', '\t', '\u{feff}']);
        match trimmed.find('\n') {
            Some(i) => Article::new(
                trimmed[..i].trim_end(),
                trimmed[i + 1..].trim_start_matches(['\n', '\r']),
            ),
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
}

impl TaggerBuilder {
    /// Loads model files (`gazetteer.bin`, ...) from `dir` instead of the embedded ones; a file
    /// absent from `dir` falls back to the embedded model.
    pub fn model_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.model_dir = Some(dir.into());
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

    /// Refuses articles larger than `bytes` (title plus body). Default 8 MiB.
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// Loads the models and builds the tagger.
    pub fn build(self) -> Result<Tagger> {
        let gazetteer = match self.model_file("gazetteer.bin")? {
            Some(bytes) => GazetteerRef::Owned(Box::new(Gazetteer::from_bytes(&bytes)?)),
            None => GazetteerRef::Static(embedded_gazetteer()?),
        };
        Ok(Tagger {
            gazetteer,
            scorer: self.scorer.unwrap_or_else(|| Arc::new(HeuristicScorer)),
            selection: self.selection.unwrap_or_default(),
            max_bytes: self.max_bytes.unwrap_or(8 << 20),
            idf: None,
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
        std::fs::read(&path)
            .map(Some)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))
    }
}

#[cfg(feature = "embedded")]
fn embedded_gazetteer() -> Result<&'static Gazetteer> {
    Gazetteer::embedded()
}

#[cfg(not(feature = "embedded"))]
fn embedded_gazetteer() -> Result<&'static Gazetteer> {
    Err(Error::model(
        "GAZ_",
        "built without embedded models: give a model directory",
    ))
}

enum GazetteerRef {
    Static(&'static Gazetteer),
    Owned(Box<Gazetteer>),
}

/// The tagging engine. `Send + Sync`: build once, share across threads.
pub struct Tagger {
    gazetteer: GazetteerRef,
    scorer: Arc<dyn Scorer>,
    selection: Selection,
    max_bytes: usize,
    idf: Option<Arc<dyn IdfSource>>,
}

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger")
            .field("selection", &self.selection)
            .field("max_bytes", &self.max_bytes)
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

    /// The gazetteer in use.
    pub fn gazetteer(&self) -> &Gazetteer {
        match &self.gazetteer {
            GazetteerRef::Static(g) => g,
            GazetteerRef::Owned(g) => g,
        }
    }

    /// The tags an editor would choose, best first (the engine decides how many).
    pub fn tag(&self, article: &Article<'_>) -> Result<Vec<Tag>> {
        let mut ranked = self.rank(article)?;
        ranked.tags.truncate(ranked.chosen);
        Ok(ranked.tags)
    }

    /// The best `n` tags.
    pub fn tag_top(&self, article: &Article<'_>, n: usize) -> Result<Vec<Tag>> {
        let mut ranked = self.rank(article)?;
        ranked.tags.truncate(n);
        Ok(ranked.tags)
    }

    /// Every candidate, ranked, with the engine's choice of how many to keep.
    pub fn rank(&self, article: &Article<'_>) -> Result<Ranked> {
        let size = article.title.len() + article.text.len();
        if size > self.max_bytes {
            return Err(Error::Input(format!(
                "article too large: {size} bytes (limit {})",
                self.max_bytes
            )));
        }
        if article.title.trim().is_empty() && article.text.trim().is_empty() {
            return Err(Error::Input("empty article: no title and no text".into()));
        }
        let doc = self.analyze(article);
        Ok(self.rank_document(&doc))
    }

    /// Text analysis: tokens, sentences, word classes.
    pub fn analyze(&self, article: &Article<'_>) -> Document<'static> {
        let mut doc = Document::new(&article.title, &article.text);
        candidates::classify(&mut doc);
        doc
    }

    /// Candidates of an analysed document, resolved within it.
    pub fn candidates(&self, doc: &Document<'_>) -> Vec<Candidate> {
        let mentions = candidates::find_mentions(doc, self.gazetteer());
        candidates::resolve(doc, self.gazetteer(), &mentions)
    }

    fn rank_document(&self, doc: &Document<'_>) -> Ranked {
        let cands = self.candidates(doc);
        let feats = rank::features(doc, self.gazetteer(), &cands, self.idf.as_deref());
        let mut scored: Vec<(f32, &Candidate)> = cands
            .iter()
            .zip(&feats)
            .map(|(c, f)| (self.scorer.score(f), c))
            .collect();
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.mentions[0].cmp(&b.1.mentions[0]))
        });
        let tags: Vec<Tag> = dedupe(scored)
            .into_iter()
            .map(|(score, c)| Tag {
                name: c.name.clone(),
                tag_type: c.tag_type,
                score,
                mentions: c
                    .mentions
                    .iter()
                    .map(|&(a, b)| [doc.tokens[a].start, doc.tokens[b - 1].end])
                    .collect(),
            })
            .collect();
        let scores: Vec<f32> = tags.iter().map(|t| t.score).collect();
        let chosen = self.selection.count(&scores);
        Ranked { tags, chosen }
    }
}

/// Drops a lower-ranked tag that repeats a better one: the same stem key, or a topic phrase
/// wholly inside a better name ("Central Bank" under "Central Bank of Russia").
fn dedupe<'c>(scored: Vec<(f32, &'c Candidate)>) -> Vec<(f32, &'c Candidate)> {
    let mut out: Vec<(f32, &Candidate)> = Vec::with_capacity(scored.len());
    for (s, c) in scored {
        let dup = out.iter().any(|(_, k)| {
            k.key == c.key
                || (c.tag_type == TagType::Topic
                    && k.tag_type != TagType::Topic
                    && format!(" {} ", k.key).contains(&format!(" {} ", c.key)))
        });
        if !dup {
            out.push((s, c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_split() {
        let cases = [
            (
                "title and body",
                "Title\nBody line\n\nMore",
                "Title",
                "Body line\n\nMore",
            ),
            (
                "leading blank lines",
                "\n\n  Title  \n\nBody",
                "Title",
                "Body",
            ),
            ("title only", "Just a title", "Just a title", ""),
            ("empty", "", "", ""),
        ];
        for (name, input, title, body) in cases {
            let a = Article::from_plain_text(input);
            assert_eq!((a.title.as_ref(), a.text.as_ref()), (title, body), "{name}");
        }
    }
}
