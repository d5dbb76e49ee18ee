//! Ranking: features per resolved candidate, a score, and how many tags the article deserves.
//!
//! [`Features`] are computed once per candidate by [`features`] and are what every scorer sees,
//! the transparent [`HeuristicScorer`] as well as learned rankers, in training and in tagging.

pub mod linear;
pub mod trees;

pub use linear::LinearRanker;

use crate::candidates::Candidate;
use crate::candidates::Kind;
use crate::document::{Document, WordClass};
use crate::kb::{EntryKind, Gazetteer};

/// Number of ranking features ([`FEATURE_NAMES`]).
pub const FEATURE_COUNT: usize = 41;

/// Names of the features, in the order of [`Features::to_vec`].
pub const FEATURE_NAMES: &[&str; FEATURE_COUNT] = &[
    "log_mentions",
    "first_position",
    "last_position",
    "spread",
    "in_title",
    "title_position",
    "in_lead",
    "sentence_coverage",
    "demonym_ratio",
    "words",
    "is_person",
    "is_place",
    "is_organization",
    "is_topic",
    "is_other",
    "gazetteer",
    "major_entry",
    "country_of_person",
    "capitalised",
    "idf",
    "subject_ratio",
    "word_tf",
    "head_tf",
    "word_position",
    "implied",
    "nested_ratio",
    "word_idf",
    "title_subject",
    "title_core",
    "as_word",
    "word_noun",
    "word_verb",
    "word_adjective",
    "word_proper",
    "word_chars",
    "word_first_token",
    "word_in_name",
    "word_salience",
    "word_hyphen",
    "lexicon_rate",
    "lexicon_seen",
];

/// The features in groups, for ablation studies (`newstag eval --cv K --drop GROUP`): each
/// feature is in exactly one group.
pub const FEATURE_GROUPS: &[(&str, &[&str])] = &[
    ("frequency", &["log_mentions", "word_tf", "head_tf", "sentence_coverage"]),
    ("position", &["first_position", "last_position", "spread", "in_lead", "word_position"]),
    ("title", &["in_title", "title_position", "title_subject", "title_core"]),
    ("entity_type", &["is_person", "is_place", "is_organization", "is_topic", "is_other"]),
    ("gazetteer", &["gazetteer", "major_entry", "country_of_person", "implied", "demonym_ratio"]),
    ("form", &["words", "capitalised", "nested_ratio", "subject_ratio"]),
    ("news_frequency", &["idf", "word_idf"]),
    ("single_word", &["as_word", "word_noun", "word_verb", "word_adjective", "word_proper", "word_chars"]),
    ("single_word_context", &["word_first_token", "word_in_name", "word_salience", "word_hyphen"]),
    ("lexicon", &["lexicon_rate", "lexicon_seen"]),
];

/// The indices (into [`FEATURE_NAMES`]) of the features named by `names`: feature names or
/// group names ([`FEATURE_GROUPS`]). An unknown name is an error that lists the known ones.
pub fn feature_indices<S: AsRef<str>>(names: &[S]) -> crate::Result<Vec<usize>> {
    let mut out = Vec::new();
    for name in names {
        let name = name.as_ref().trim();
        if name.is_empty() {
            continue;
        }
        let members: Vec<&str> = match FEATURE_GROUPS.iter().find(|(g, _)| *g == name) {
            Some((_, members)) => members.to_vec(),
            None => vec![name],
        };
        for m in members {
            match FEATURE_NAMES.iter().position(|&f| f == m) {
                Some(i) if !out.contains(&i) => out.push(i),
                Some(_) => {}
                None => {
                    let groups: Vec<&str> = FEATURE_GROUPS.iter().map(|(g, _)| *g).collect();
                    return Err(crate::Error::Input(format!(
                        "unknown feature or group {m:?}; groups: {}; features: {}",
                        groups.join(", "),
                        FEATURE_NAMES.join(", ")
                    )));
                }
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Per-candidate features.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Features {
    /// ln(1 + number of mentions).
    pub log_mentions: f32,
    /// First mention's token position / document length (0 in the title).
    pub first_position: f32,
    /// Last mention's token position / document length.
    pub last_position: f32,
    /// last - first.
    pub spread: f32,
    /// Mentioned in the title.
    pub in_title: f32,
    /// Where in the title it first appears (0 = first word; 1 when not in the title).
    pub title_position: f32,
    /// Mentioned in the first two sentences of the body.
    pub in_lead: f32,
    /// Share of the body's sentences that mention it.
    pub sentence_coverage: f32,
    /// Share of mentions that are adjectives or demonyms ("Russian").
    pub demonym_ratio: f32,
    /// Words in the canonical name.
    pub words: f32,
    /// Type is person.
    pub is_person: f32,
    /// Type is place.
    pub is_place: f32,
    /// Type is organization.
    pub is_organization: f32,
    /// Type is topic.
    pub is_topic: f32,
    /// Type is other.
    pub is_other: f32,
    /// Found in the gazetteer.
    pub gazetteer: f32,
    /// A country, capital, current leader or major organisation.
    pub major_entry: f32,
    /// A country whose leader (gazetteer) is among the article's people.
    pub country_of_person: f32,
    /// The name is capitalised (a proper name).
    pub capitalised: f32,
    /// Inverse document frequency in general news (0 when no table is loaded).
    pub idf: f32,
    /// Share of mentions that open their sentence (a subject).
    pub subject_ratio: f32,
    /// Mean over the name's words of ln(1 + occurrences of the word's stem in the article).
    pub word_tf: f32,
    /// ln(1 + occurrences of the last word's stem).
    pub head_tf: f32,
    /// Mean over the name's words of the earliest position of the word (0 = start, 1 = end).
    pub word_position: f32,
    /// Not named in the text but implied by places that are ("Ohio" -> United States).
    pub implied: f32,
    /// Share of mentions that were only part of a longer phrase.
    pub nested_ratio: f32,
    /// Mean inverse document frequency of the words (0 when no table is loaded).
    pub word_idf: f32,
    /// Named in the headline before its first verb: what the headline is about.
    pub title_subject: f32,
    /// Named in the headline where no preposition governs it (subject or object, not "... with
    /// US" or "from Australia"): the headline's own participants.
    pub title_core: f32,
    /// Offered as a single content word ([`crate::candidates::CandidatePolicy::single_words`]).
    /// This and the other `word_*` features are 0 under the default policy.
    pub as_word: f32,
    /// Of a single word: share of its mentions tagged as a common noun.
    pub word_noun: f32,
    /// Of a single word: share of its mentions tagged as a verb.
    pub word_verb: f32,
    /// Of a single word: share of its mentions tagged as an adjective (or a participle).
    pub word_adjective: f32,
    /// Of a single word: share of its mentions tagged as a proper noun (a name or part of one).
    pub word_proper: f32,
    /// Of a single word: its length in characters, divided by 10.
    pub word_chars: f32,
    /// Of a single word: ln(1 + token index of its first mention) / 5, where it first appears
    /// counted in words rather than as a share of the article.
    pub word_first_token: f32,
    /// Of a single word: share of its mentions inside a name ("Terrence" in "Terrence Malick").
    pub word_in_name: f32,
    /// Of a single word: frequency in the article times rarity in news, ln(1 + tf) x idf / 10.
    pub word_salience: f32,
    /// Of a single word: it is written with a hyphen ("long-awaited").
    pub word_hyphen: f32,
    /// How often the training articles' readers chose this candidate where it was offered
    /// (its "keyphraseness", Frank et al. 1999): ln((chosen + 0.2) / (offered + 1)) + 1.6.
    /// Filled in by a ranker trained with a lexicon ([`Scorer::score_candidate`]); 0 otherwise.
    pub lexicon_rate: f32,
    /// ln(1 + articles of the training set that offered this candidate) / 5, with `lexicon_rate`.
    pub lexicon_seen: f32,
}

impl Features {
    /// The features as a vector, in [`FEATURE_NAMES`] order.
    pub fn to_vec(&self) -> Vec<f32> {
        self.to_array().to_vec()
    }

    /// The features as an array, in [`FEATURE_NAMES`] order.
    pub fn to_array(&self) -> [f32; FEATURE_COUNT] {
        [
            self.log_mentions,
            self.first_position,
            self.last_position,
            self.spread,
            self.in_title,
            self.title_position,
            self.in_lead,
            self.sentence_coverage,
            self.demonym_ratio,
            self.words,
            self.is_person,
            self.is_place,
            self.is_organization,
            self.is_topic,
            self.is_other,
            self.gazetteer,
            self.major_entry,
            self.country_of_person,
            self.capitalised,
            self.idf,
            self.subject_ratio,
            self.word_tf,
            self.head_tf,
            self.word_position,
            self.implied,
            self.nested_ratio,
            self.word_idf,
            self.title_subject,
            self.title_core,
            self.as_word,
            self.word_noun,
            self.word_verb,
            self.word_adjective,
            self.word_proper,
            self.word_chars,
            self.word_first_token,
            self.word_in_name,
            self.word_salience,
            self.word_hyphen,
            self.lexicon_rate,
            self.lexicon_seen,
        ]
    }
}

/// Something that provides the inverse document frequency of a stemmed phrase.
pub trait IdfSource: Send + Sync {
    /// IDF of a lower-cased, stemmed phrase.
    fn idf(&self, stemmed: &str) -> f32;

    /// [`idf`](Self::idf) of each of `stemmed`, into `out` (one per phrase). A table in memory
    /// overrides it to look many up at once, faster than one after another.
    fn idf_many(&self, stemmed: &[&str], out: &mut [f32]) {
        for (o, s) in out.iter_mut().zip(stemmed) {
            *o = self.idf(s);
        }
    }
}

impl IdfSource for crate::kb::docfreq::DocFreq {
    fn idf(&self, stemmed: &str) -> f32 {
        crate::kb::docfreq::DocFreq::idf(self, stemmed)
    }

    fn idf_many(&self, stemmed: &[&str], out: &mut [f32]) {
        crate::kb::docfreq::DocFreq::idf_many(self, stemmed, out);
    }
}

/// The idfs an article's features read, looked up together: each distinct word of the
/// candidates' keys ([`WordStats`]) and each key of two or three words.
fn phrase_idfs(source: &dyn IdfSource, words: &mut WordStats<'_>, cands: &[Candidate]) -> Vec<f32> {
    let mut idf = vec![0.0f32; words.stats.len()];
    let keys: Vec<&str> = words.stats.iter().map(|e| e.0).collect();
    source.idf_many(&keys, &mut idf);
    for (e, v) in words.stats.iter_mut().zip(idf) {
        e.3 = v;
    }
    let multi: Vec<usize> =
        (0..cands.len()).filter(|&ci| key_idf_looked_up(words.words_of(ci).len())).collect();
    let keys: Vec<&str> = multi.iter().map(|&ci| cands[ci].key.as_str()).collect();
    let mut found = vec![0.0f32; keys.len()];
    source.idf_many(&keys, &mut found);
    let mut phrase = vec![0.0f32; cands.len()];
    for (&ci, v) in multi.iter().zip(found) {
        phrase[ci] = v;
    }
    phrase
}

/// IDF of a phrase and the mean IDF of its words; `phrase` is the key's own idf where it has two
/// or three words ([`phrase_idfs`]).
fn idfs(words: &WordStats<'_>, ci: usize, phrase: f32) -> (f32, f32) {
    let (mut sum, mut n, mut last) = (0.0f32, 0.0f32, 0.0f32);
    for &w in words.words_of(ci) {
        last = words.stats[w as usize].3;
        sum += last;
        n += 1.0;
    }
    let words_idf = sum / n.max(1.0);
    // A one-word key is its own word: its idf is the one just read.
    let phrase = if n == 1.0 {
        last
    } else if key_idf_looked_up(words.words_of(ci).len()) {
        phrase
    } else {
        words_idf
    };
    (phrase, words_idf)
}

/// Whether a key of `words` words has its own idf looked up ([`phrase_idfs`]): the table counts
/// n-grams of up to three words, and a one-word key is its word.
fn key_idf_looked_up(words: usize) -> bool {
    (2..=3).contains(&words)
}

/// Computes the features of every candidate.
pub fn features(
    doc: &Document<'_>,
    gazetteer: &Gazetteer,
    cands: &[Candidate],
    idf: Option<&dyn IdfSource>,
) -> Vec<Features> {
    let n = doc.tokens.len().max(1) as f32;
    let body_sentences = doc.sentences.iter().filter(|(a, _)| *a >= doc.title_tokens).count().max(1);
    let first_body_sentence = doc.sentences.iter().position(|(a, _)| *a >= doc.title_tokens).unwrap_or(0);
    let lead_end = doc.sentences.get(first_body_sentence + 1).map(|s| s.1).unwrap_or(doc.tokens.len());
    // Countries of the people the article names.
    let person_countries: Vec<u32> = cands
        .iter()
        .filter(|c| c.kind == Kind::Person)
        .filter_map(|c| c.entry.and_then(|e| gazetteer.entry(e).country))
        .collect();
    let mut words = WordStats::new(doc, cands);
    let phrase_idf = idf.map(|s| phrase_idfs(s, &mut words, cands));
    // Tokens inside a name's mentions, for single-word candidates (none under the default policy).
    let mut in_name = Vec::new();
    if cands.iter().any(|c| c.word_mentions > 0) {
        in_name = vec![false; doc.tokens.len()];
        for c in cands.iter().filter(|c| !c.is_phrase) {
            for &(s, e) in &c.mentions {
                if e > s + 1 {
                    in_name.iter_mut().take(e).skip(s).for_each(|x| *x = true);
                }
            }
        }
    }
    // The headline's first verb; without one, its first half counts as its subject.
    let title_verb = (0..doc.title_tokens)
        .find(|&i| doc.class.get(i) == Some(&WordClass::Verb))
        .unwrap_or(doc.title_tokens / 2);
    // Headline tokens a preposition governs: a name there is a circumstance ("... tensions with
    // US", "deported from Australia"), not a participant. "of" binds names ("invasion of
    // Ukraine"), and a word that opens a clause ("as Argentina beat France", "after EU fines")
    // leads to participants, so neither counts.
    let governed = |i: usize| {
        let mut k = i;
        while k > 0 {
            k -= 1;
            let w = doc.word(k);
            let modifier = matches!(doc.class.get(k), Some(WordClass::Adjective))
                || doc.tokens[k].kind == crate::text::TokenKind::Number
                || ["the", "a", "an"].iter().any(|d| w.eq_ignore_ascii_case(d));
            if !modifier {
                return is_preposition(w) && !is_clause_opener(w) && !w.eq_ignore_ascii_case("of");
            }
        }
        false
    };
    cands
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let (word_tf, head_tf, word_position) = words.of(ci);
            let (phrase_idf, word_idf) = match &phrase_idf {
                Some(p) => idfs(&words, ci, p[ci]),
                None => (0.0, 0.0),
            };
            let m = c.mentions.len().max(1) as f32;
            let first = c.mentions.first().map(|x| x.0).unwrap_or(0);
            let last = c.mentions.last().map(|x| x.0).unwrap_or(0);
            let in_title = c.mentions.iter().any(|x| x.0 < doc.title_tokens);
            let title_position =
                if in_title && doc.title_tokens > 0 { first as f32 / doc.title_tokens as f32 } else { 1.0 };
            let pos = |t: usize| {
                if t < doc.title_tokens {
                    0.0
                } else {
                    t as f32 / n
                }
            };
            // Body sentences that mention it, consecutive mentions in one sentence counted once.
            let mut sentences = 0usize;
            let mut last_sentence = None;
            for x in c.mentions.iter().filter(|x| x.0 >= doc.title_tokens) {
                let s = Some(doc.sentence_of[x.0]);
                sentences += usize::from(s != last_sentence);
                last_sentence = s;
            }
            let subjects = c.mentions.iter().filter(|x| doc.sentence_initial(x.0)).count() as f32;
            let entry = c.entry.map(|e| gazetteer.entry(e));
            let ty = c.ranked_type();
            let word = WordClasses::of(doc, c, &in_name);
            Features {
                log_mentions: (1.0 + m).ln(),
                first_position: pos(first),
                last_position: pos(last),
                spread: pos(last) - pos(first),
                in_title: in_title as u8 as f32,
                title_position,
                in_lead: c.mentions.iter().any(|x| x.0 >= doc.title_tokens && x.0 < lead_end) as u8 as f32,
                sentence_coverage: sentences as f32 / body_sentences as f32,
                demonym_ratio: c.demonym_mentions as f32 / m,
                words: c.words() as f32,
                is_person: (ty == Kind::Person) as u8 as f32,
                is_place: (ty == Kind::Place) as u8 as f32,
                is_organization: (ty == Kind::Organization) as u8 as f32,
                is_topic: (ty == Kind::Topic) as u8 as f32,
                is_other: (ty == Kind::Other) as u8 as f32,
                gazetteer: entry.is_some() as u8 as f32,
                major_entry: entry.is_some_and(|e| e.major) as u8 as f32,
                country_of_person: (entry.is_some_and(|e| e.kind == EntryKind::Country)
                    && c.entry.is_some_and(|id| person_countries.contains(&id)))
                    as u8 as f32,
                capitalised: if c.is_phrase {
                    c.starts_with_name
                } else {
                    c.name.chars().next().is_some_and(char::is_uppercase)
                } as u8 as f32,
                idf: phrase_idf,
                subject_ratio: subjects / m,
                word_tf,
                head_tf,
                word_position,
                implied: c.implied as u8 as f32,
                nested_ratio: c.nested_mentions as f32 / m,
                word_idf,
                title_subject: c.mentions.iter().any(|x| x.0 < title_verb) as u8 as f32,
                title_core: c.mentions.iter().any(|x| x.0 < doc.title_tokens && !governed(x.0)) as u8 as f32,
                as_word: word.as_word,
                word_noun: word.noun,
                word_verb: word.verb,
                word_adjective: word.adjective,
                word_proper: word.proper,
                word_chars: word.chars,
                word_first_token: if word.as_word > 0.0 { (1.0 + first as f32).ln() / 5.0 } else { 0.0 },
                word_in_name: word.in_name,
                word_salience: if word.as_word > 0.0 { word_tf * word_idf / 10.0 } else { 0.0 },
                word_hyphen: (word.as_word > 0.0 && c.name.contains('-')) as u8 as f32,
                lexicon_rate: 0.0,
                lexicon_seen: 0.0,
            }
        })
        .collect()
}

/// The single-word features of a candidate: all 0 unless it was offered as a single word.
#[derive(Debug, Clone, Copy, Default)]
struct WordClasses {
    as_word: f32,
    noun: f32,
    verb: f32,
    adjective: f32,
    proper: f32,
    chars: f32,
    in_name: f32,
}

impl WordClasses {
    fn of(doc: &Document<'_>, c: &Candidate, in_name: &[bool]) -> Self {
        if c.word_mentions == 0 {
            return WordClasses::default();
        }
        let mut counts = [0.0f32; 4];
        let (mut n, mut named) = (0.0f32, 0.0f32);
        // Single-word mentions in the lead: past it, words are classed by spelling only.
        for &(s, e) in &c.mentions {
            if e != s + 1 || s >= doc.analysed {
                continue;
            }
            n += 1.0;
            if in_name.get(s).copied().unwrap_or(false) {
                named += 1.0;
            }
            match doc.class.get(s) {
                Some(WordClass::Noun) => counts[0] += 1.0,
                Some(WordClass::Verb) => counts[1] += 1.0,
                Some(WordClass::Adjective) => counts[2] += 1.0,
                Some(WordClass::Proper) => counts[3] += 1.0,
                _ => {}
            }
        }
        let n = n.max(1.0);
        let chars = if c.words() == 1 { c.name.chars().count() as f32 / 10.0 } else { 0.0 };
        WordClasses {
            as_word: 1.0,
            noun: counts[0] / n,
            verb: counts[1] / n,
            adjective: counts[2] / n,
            proper: counts[3] / n,
            chars,
            in_name: named / n,
        }
    }
}

/// Prepositions that open an adjunct in a headline.
pub fn is_preposition(word: &str) -> bool {
    const PREPOSITIONS: &[&str] = &[
        "about", "across", "after", "against", "amid", "amidst", "among", "as", "at", "before", "behind",
        "between", "by", "despite", "during", "for", "from", "in", "into", "near", "of", "on", "over",
        "since", "through", "to", "toward", "towards", "under", "until", "via", "with", "within", "without",
    ];
    word.len() <= 8 && PREPOSITIONS.contains(&word.to_ascii_lowercase().as_str())
}

/// Words that open a clause rather than govern a noun phrase ("as", "after", "before" and
/// "since" are both).
fn is_clause_opener(word: &str) -> bool {
    const OPENERS: &[&str] = &["as", "after", "before", "since", "until"];
    OPENERS.contains(&word.to_ascii_lowercase().as_str())
}

/// Occurrences and first positions of word stems over all candidate mentions of an article.
struct WordStats<'k> {
    /// Per distinct stemmed word: (the word, mentions, first position, idf: 0 until
    /// [`phrase_idfs`] looks it up).
    stats: Vec<(&'k str, u32, f32, f32)>,
    /// The words of each candidate's key, as indices into `stats`: candidate `i` has
    /// `words[ends[i - 1]..ends[i]]`.
    words: Vec<u32>,
    ends: Vec<u32>,
}

impl<'k> WordStats<'k> {
    fn new(doc: &Document<'_>, cands: &'k [Candidate]) -> Self {
        let n = doc.tokens.len().max(1) as f32;
        // Room for two words a candidate, which most have at most.
        let mut index: rustc_hash::FxHashMap<&'k str, u32> =
            rustc_hash::FxHashMap::with_capacity_and_hasher(2 * cands.len(), Default::default());
        let mut stats: Vec<(&'k str, u32, f32, f32)> = Vec::with_capacity(2 * cands.len());
        let mut words = Vec::with_capacity(2 * cands.len());
        let mut ends = Vec::with_capacity(cands.len());
        for c in cands {
            let first =
                c.mentions.first().map_or(1.0, |m| if m.0 < doc.title_tokens { 0.0 } else { m.0 as f32 / n });
            for w in c.key.split(' ') {
                let i = *index.entry(w).or_insert_with(|| {
                    stats.push((w, 0, first, 0.0));
                    (stats.len() - 1) as u32
                });
                let e = &mut stats[i as usize];
                e.1 += c.mentions.len() as u32;
                e.2 = e.2.min(first);
                words.push(i);
            }
            ends.push(words.len() as u32);
        }
        WordStats { stats, words, ends }
    }

    /// The words of candidate `ci`'s key (indices into `stats`).
    fn words_of(&self, ci: usize) -> &[u32] {
        let start = if ci == 0 { 0 } else { self.ends[ci - 1] as usize };
        &self.words[start..self.ends[ci] as usize]
    }

    /// (mean ln(1+tf), ln(1+tf of the last word), mean first position) of candidate `ci`'s key.
    fn of(&self, ci: usize) -> (f32, f32, f32) {
        let (mut tf, mut pos, mut n, mut head) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for &w in self.words_of(ci) {
            let e = &self.stats[w as usize];
            let (count, first) = (e.1, e.2);
            head = (1.0 + count as f32).ln();
            tf += head;
            pos += first;
            n += 1.0;
        }
        let n = n.max(1.0);
        (tf / n, head, pos / n)
    }
}

/// Turns features into a score.
pub trait Scorer: Send + Sync {
    /// Score of one candidate; higher is better. Comparable across articles.
    fn score(&self, f: &Features) -> f32;

    /// Score of one candidate, for a scorer that also looks at the candidate itself (a ranker
    /// with a lexicon). By default [`Scorer::score`] of its features.
    fn score_candidate(&self, f: &Features, _candidate: &Candidate) -> f32 {
        self.score(f)
    }

    /// [`Scorer::score_candidate`] of every candidate of an article, in order (a scorer may
    /// find them faster together).
    fn score_all(&self, features: &[Features], candidates: &[Candidate]) -> Vec<f32> {
        score_each(self, features, candidates)
    }
}

/// [`Scorer::score_candidate`] of each candidate in turn: [`Scorer::score_all`] of a scorer
/// that finds them no faster together.
pub fn score_each<S: Scorer + ?Sized>(
    scorer: &S,
    features: &[Features],
    candidates: &[Candidate],
) -> Vec<f32> {
    features.iter().zip(candidates).map(|(f, c)| scorer.score_candidate(f, c)).collect()
}

/// The transparent first scorer: weighted evidence of centrality, in [0, 1) after a logistic.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeuristicScorer;

impl Scorer for HeuristicScorer {
    fn score(&self, f: &Features) -> f32 {
        // Frequency, prominence (title, lead, early), spread over the article, and type. Topics
        // compete on frequency and rarity in general news; names on prominence.
        let position = 1.0 - f.first_position.min(1.0);
        let mut z = 1.6 * f.log_mentions
            + 1.4 * f.in_title * (1.0 - 0.5 * f.title_position)
            + 0.6 * f.in_lead
            + 1.2 * position
            + 1.5 * f.sentence_coverage
            + 1.0 * f.country_of_person
            + 0.3 * f.major_entry
            + 0.5 * f.subject_ratio
            - 0.4 * f.demonym_ratio;
        z += match () {
            _ if f.is_person > 0.0 => 0.8,
            _ if f.is_place > 0.0 => 0.5,
            _ if f.is_organization > 0.0 => 0.5,
            _ if f.is_other > 0.0 => 0.0,
            _ => 0.2 * (f.words - 1.0).min(2.0) + 0.15 * f.idf,
        };
        1.0 / (1.0 + (-(z - 5.0)).exp())
    }
}

/// How many of the ranked tags to keep: every tag scoring at least `min_score` and at least
/// `relative` times the best, between `min_tags` and `max_tags`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Selection {
    /// Absolute score threshold.
    pub min_score: f32,
    /// Threshold relative to the best tag's score.
    pub relative: f32,
    /// Never fewer (when there are candidates).
    pub min_tags: usize,
    /// Never more.
    pub max_tags: usize,
}

impl Default for Selection {
    fn default() -> Self {
        Selection { min_score: 0.5, relative: 0.75, min_tags: 1, max_tags: 8 }
    }
}

/// What selection needs to know of one ranked candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    /// The ranker's score.
    pub score: f32,
    /// A participant of the headline: a name there that no preposition governs.
    pub anchor: bool,
    /// Bound to an anchor: the country a headline leader heads.
    pub linked: bool,
    /// A topic phrase (anchors rule over other names, not over topics).
    pub topic: bool,
    /// Named in the headline, but not as a participant: where a preposition governs it ("...
    /// tensions with US"), or as a name that is no person, place or organisation ("Islamist").
    pub circumstance: bool,
}

impl Selection {
    /// Which of `items` (sorted by score, best first) to keep, in order.
    ///
    /// Everything passes by the score thresholds ([`Selection::count`]), with one rule from the
    /// headline: when it names its participants, those are main subjects and are kept, with
    /// what they stand for (a leader's country); and a name it mentions only as a circumstance
    /// ("amid tensions with US") is kept only if it is as salient as the least salient of them.
    pub fn choose(&self, items: &[Choice]) -> Vec<usize> {
        let scores: Vec<f32> = items.iter().map(|c| c.score).collect();
        let base = self.count(&scores);
        let bar = items.iter().filter(|c| c.anchor || c.linked).map(|c| c.score).fold(f32::NAN, f32::min);
        if bar.is_nan() {
            return (0..base).collect();
        }
        (0..items.len())
            .filter(|&i| {
                let c = &items[i];
                c.anchor || c.linked || (i < base && (c.topic || !c.circumstance || c.score >= bar))
            })
            .take(self.max_tags)
            .collect()
    }

    /// How many of `scores` (sorted best first) to keep.
    pub fn count(&self, scores: &[f32]) -> usize {
        let Some(&best) = scores.first() else {
            return 0;
        };
        let keep = scores.iter().take_while(|&&s| s >= self.min_score && s >= self.relative * best).count();
        keep.clamp(self.min_tags.min(scores.len()), self.max_tags.min(scores.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_vector_matches_names() {
        assert_eq!(Features::default().to_vec().len(), FEATURE_NAMES.len());
    }

    #[test]
    fn selection_bounds() {
        let s = Selection { min_score: 0.5, relative: 0.5, min_tags: 1, max_tags: 3 };
        let cases: &[(&[f32], usize)] =
            &[(&[], 0), (&[0.1], 1), (&[0.9, 0.8, 0.7, 0.6], 3), (&[0.9, 0.4], 1), (&[0.9, 0.6, 0.44], 2)];
        for (scores, want) in cases {
            assert_eq!(s.count(scores), *want, "{scores:?}");
        }
    }

    #[test]
    fn headline_circumstances_need_a_participants_salience() {
        let s = Selection { min_score: 0.1, relative: 0.3, min_tags: 1, max_tags: 8 };
        let c =
            |score, anchor, circumstance| Choice { score, anchor, linked: false, topic: false, circumstance };
        // Participants 0.9 and 0.7; "with US" at 0.5 stays out, a body-only name at 0.4 comes in.
        let items = [c(0.9, true, false), c(0.7, true, false), c(0.5, false, true), c(0.4, false, false)];
        assert_eq!(s.choose(&items), vec![0, 1, 3]);
        // As salient as a participant, the circumstance is a main subject too.
        let items = [c(0.9, true, false), c(0.7, false, true), c(0.6, true, false)];
        assert_eq!(s.choose(&items), vec![0, 1, 2]);
        // Without participants in the headline, the thresholds alone decide.
        let items = [c(0.9, false, true), c(0.5, false, true), c(0.2, false, false)];
        assert_eq!(s.choose(&items), vec![0, 1]);
        // Participants stay even below the thresholds.
        let items = [c(0.9, false, false), c(0.05, true, false)];
        assert_eq!(s.choose(&items), vec![0, 1]);
    }
}
