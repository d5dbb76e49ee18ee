//! Name resolution within one article: every mention of one thing becomes one candidate with a
//! canonical name.
//!
//! - Gazetteer mentions join by entry: "Russian", "Russia's", "Russian Federation" -> Russia.
//! - A person is named by the longest form the article uses: "Xi" joins "Xi Jinping" when the
//!   full name appears; "Putin" stays "Putin" when it never does.
//! - A one-word name joins the one multiword name it begins or ends ("Gref" -> "German Gref").
//! - An acronym joins the name it abbreviates ("UN" -> "United Nations", "NTSB" -> "National
//!   Transportation Safety Board"), whether or not the article spells out "(UN)".
//! - Case variants join ("EXXON", "Exxon"); phrases join by their stems ("nuclear weapon",
//!   "nuclear weapons").

use super::{entry_type, Kind, Mention, Source};
use crate::document::{Document, WordClass};
use crate::kb::{AliasForm, EntryKind, Gazetteer};
use crate::output::TagType;

use crate::text::{porter, TokenKind, WordCasing};
use rustc_hash::FxHashMap;

/// One resolved candidate tag.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Canonical display name.
    pub name: String,
    /// Its type.
    pub kind: Kind,
    /// The gazetteer entry, when it is one.
    pub entry: Option<u32>,
    /// Mentions as token ranges, in text order.
    pub mentions: Vec<(usize, usize)>,
    /// How many mentions were adjectives or demonyms ("Russian").
    pub demonym_mentions: u32,
    /// A topical phrase rather than a name.
    pub is_phrase: bool,
    /// Not named in the text, implied by places that are (a country by its cities and regions).
    pub implied: bool,
    /// Mentions that were only part of a longer phrase.
    pub nested_mentions: u32,
    /// Lower-cased, stemmed key (for near-duplicate merging and document frequencies).
    pub key: String,
    /// Mentions as a single content word ([`super::CandidatePolicy::single_words`]); 0 under
    /// the default policy.
    pub word_mentions: u32,
    /// A phrase whose first word is a name's, capitalised: a proper noun or a short acronym
    /// ("Kremlin talks", "U.S. tanker spill"), not an adjective of a name ("Chinese economy",
    /// displayed with its capital all the same). False for names, whose name says it.
    pub starts_with_name: bool,
}

impl Candidate {
    fn new(name: String, kind: Kind, entry: Option<u32>, is_phrase: bool) -> Self {
        let key = stem_key(&name);
        Self::new_keyed(name, kind, entry, is_phrase, key)
    }

    fn new_keyed(name: String, kind: Kind, entry: Option<u32>, is_phrase: bool, key: String) -> Self {
        Candidate {
            name,
            kind,
            entry,
            mentions: Vec::new(),
            demonym_mentions: 0,
            is_phrase,
            implied: false,
            nested_mentions: 0,
            key,
            word_mentions: 0,
            starts_with_name: false,
        }
    }

    /// The type the ranker reads: the tag's, except that a storm, a law or an event (typed
    /// `Other`: "Hurricane Maria", "AI Act") reads as an organisation, a named subject, not as
    /// one of the other names ("Islamist", "Olympic") that `Other` mostly holds. Training that
    /// leaves out a set's uncoded organisations leaves these out with them.
    pub fn ranked_type(&self) -> Kind {
        match self.kind {
            Kind::Other if super::is_event_or_law(self.name.split_whitespace()) => Kind::Organization,
            ty => ty,
        }
    }

    /// The tag's type, one of the four: its kind, and for a name of no kind
    /// ([`Kind::Other`]) what its words say (a place, an organisation, or a topic).
    pub fn tag_type(&self) -> TagType {
        match self.kind {
            Kind::Person => TagType::Person,
            Kind::Place => TagType::Place,
            Kind::Organization => TagType::Organization,
            Kind::Topic => TagType::Topic,
            Kind::Other => super::other_tag_type(&self.name),
        }
    }

    /// Number of words of the canonical name.
    pub fn words(&self) -> usize {
        self.name.split_whitespace().count()
    }
}

/// Lower-cases and stems each word: the key two spellings of one phrase share.
pub fn stem_key(phrase: &str) -> String {
    let mut key = String::with_capacity(phrase.len());
    with_stem_cache(|mut cache| {
        for w in phrase.split_whitespace() {
            if !key.is_empty() {
                key.push(' ');
            }
            push_stem(cache.as_deref_mut(), &mut key, w);
        }
    });
    key
}

/// Word -> lower-cased stem.
type StemCache = FxHashMap<Box<str>, Box<str>>;

/// Runs `f` with this thread's stem cache (`None` if it is already in use). Stems are cached per
/// thread across articles: news reuses its words, and stemming is a large share of the work
/// otherwise.
fn with_stem_cache<R>(f: impl FnOnce(Option<&mut StemCache>) -> R) -> R {
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<StemCache> = RefCell::new(FxHashMap::default());
    }
    CACHE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut cache) => f(Some(&mut cache)),
        Err(_) => f(None),
    })
}

/// Appends the stem of `word` (lower-cased) to `key`, through `cache` when there is one.
fn push_stem(cache: Option<&mut StemCache>, key: &mut String, word: &str) {
    const MAX_CACHED: usize = 1 << 16;
    let Some(cache) = cache else {
        key.push_str(&porter::stem(&word.to_lowercase()));
        return;
    };
    if let Some(stem) = cache.get(word) {
        key.push_str(stem);
        return;
    }
    let stem = porter::stem(&word.to_lowercase());
    key.push_str(&stem);
    if cache.len() >= MAX_CACHED {
        cache.clear();
    }
    cache.insert(word.into(), stem.into_boxed_str());
}

/// A name written in capitals, word by word in its usual casing ([`decap`]).
fn recase_name(name: &str, casing: Option<CasingLookup<'_>>) -> String {
    let words: Vec<String> =
        name.split_whitespace().enumerate().map(|(i, w)| decap(w, i == 0, casing)).collect();
    words.join(" ")
}

/// The surface text of tokens `start..end`, with single spaces where the text had any spacing.
fn surface(doc: &Document<'_>, start: usize, end: usize) -> String {
    let mut s = String::with_capacity(doc.tokens[end - 1].end - doc.tokens[start].start);
    for k in start..end {
        if k > start && doc.tokens[k].start > doc.tokens[k - 1].end {
            s.push(' ');
        }
        s.push_str(doc.word(k));
    }
    s
}

/// `s.to_lowercase()`, with a fast path for ASCII.
fn lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// How a word is usually written inside a name ([`crate::tag::NerTagger::casing_in_name`]).
pub type CasingLookup<'a> = &'a dyn Fn(&str) -> Option<WordCasing>;

/// Reads a word of a name written in capitals in its usual casing ("EXXON" -> "Exxon", "OF" ->
/// "of", "INC" -> "Inc", "IMF" stays): from `casing` when it knows the word, else keeping short
/// acronyms and words with periods ("U.S.") and capitalising the rest. `first`: the name's first
/// word, which is never lower-cased.
fn decap(word: &str, first: bool, casing: Option<CasingLookup<'_>>) -> String {
    match casing.and_then(|f| f(word)) {
        Some(WordCasing::Upper) => word.to_string(),
        Some(WordCasing::Lower) if !first => word.to_lowercase(),
        Some(_) => capitalise(word),
        None if word.chars().count() <= 3 || word.contains('.') => word.to_string(),
        None => capitalise(word),
    }
}

/// Upper-cases the first letter of each part of a word ("AL-AIN" -> "Al-Ain", "O'NEILL" ->
/// "O'Neill"), lower-cases the rest; a letter or two after an apostrophe is a clitic, not a
/// part ("MOODY'S" -> "Moody's").
fn capitalise(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut first = true;
    for (i, c) in word.char_indices() {
        if first {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        first = !c.is_alphanumeric();
        if c == '\'' || c == '\u{2019}' {
            let clitic = word[i + c.len_utf8()..].chars().take_while(|c| c.is_alphabetic()).count() <= 2;
            first = !clitic;
        }
    }
    out
}

/// Resolves mentions into candidates.
pub fn resolve(doc: &Document<'_>, gazetteer: &Gazetteer, mentions: &[Mention]) -> Vec<Candidate> {
    resolve_with(doc, gazetteer, mentions, None)
}

/// [`resolve`], reading names written only in capitals in the casing `casing` knows for their
/// words (without it, short words stay in capitals: "NEW York").
pub fn resolve_with(
    doc: &Document<'_>,
    gazetteer: &Gazetteer,
    mentions: &[Mention],
    casing: Option<CasingLookup<'_>>,
) -> Vec<Candidate> {
    let mut cands: Vec<Candidate> = Vec::new();
    let mut by_entry: FxHashMap<u32, usize> = FxHashMap::default();
    let mut by_name: FxHashMap<String, usize> = FxHashMap::default();
    // Per candidate: each spelling, how often, and whether ordinary (not capitals-only) text wrote it.
    let mut surfaces: Vec<FxHashMap<String, (u32, bool)>> = Vec::new();
    // Capitals by convention, which say nothing of how a name is written: a capitals-only
    // headline or sentence, and the dateline.
    let dateline = doc.dateline();
    let conventional_caps = |i: usize| doc.in_caps(i) || dateline.contains(&i);

    // Gazetteer and name mentions first; phrases may then attach to them.
    for m in mentions {
        match m.source {
            Source::Gazetteer(entry, form) => {
                let e = gazetteer.entry(entry);
                let idx = *by_entry.entry(entry).or_insert_with(|| {
                    cands.push(Candidate::new(e.name.clone(), entry_type(e.kind), Some(entry), false));
                    surfaces.push(FxHashMap::default());
                    cands.len() - 1
                });
                cands[idx].mentions.push((m.start, m.end));
                if form == AliasForm::Demonym {
                    cands[idx].demonym_mentions += 1;
                }
                if e.kind == EntryKind::Person {
                    let seen = surfaces[idx].entry(surface(doc, m.start, m.end)).or_default();
                    *seen = (seen.0 + 1, seen.1 || !conventional_caps(m.start));
                }
            }
            Source::Name(ty) => {
                let s = surface(doc, m.start, m.end);
                let key = lower(&s);
                let idx = *by_name.entry(key).or_insert_with(|| {
                    // The key follows the display name, chosen below from the spellings (which
                    // this mention joins): computed there.
                    cands.push(Candidate::new_keyed(s.clone(), ty, None, false, String::new()));
                    surfaces.push(FxHashMap::default());
                    cands.len() - 1
                });
                if cands[idx].kind == Kind::Other {
                    cands[idx].kind = ty;
                }
                cands[idx].mentions.push((m.start, m.end));
                let seen = surfaces[idx].entry(s).or_default();
                *seen = (seen.0 + 1, seen.1 || !conventional_caps(m.start));
            }
            Source::Phrase | Source::SubPhrase | Source::Word => {}
        }
    }
    // Display names: a person by the longest form used; a name by its most frequent spelling
    // outside capitals-only text.
    for (c, forms) in cands.iter_mut().zip(&surfaces) {
        if c.entry.is_some() && c.kind != Kind::Person {
            continue;
        }
        let best = forms
            .iter()
            .max_by_key(|&(s, &(n, _))| {
                let caps = s.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
                (s.split_whitespace().count(), !caps, n, std::cmp::Reverse(s.as_str()))
            })
            .map(|(s, &(_, written))| (s.clone(), written));
        if let Some((best, written)) = best {
            // Capitals that ordinary text wrote are the name's own ("NASA", "AI"); capitals
            // only from a capitals-only headline or a dateline are read in the words' usual
            // casing ("MBABANE, Swaziland -" names Mbabane).
            let caps = best.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
            c.name = if caps && !written { recase_name(&best, casing) } else { best };
            c.key = stem_key(&c.name);
        }
    }
    // Typed by context before short forms join their names, which they join only as people's
    // ("Hudson" joins "Vanessa Hudson, who ..." once that is a person), and again after, with
    // the short forms' mentions ("Oli, 72, ..." of "KP Sharma Oli").
    type_by_context(doc, &mut cands);
    merge_partial_names(&mut cands);
    merge_company_names(&mut cands, doc.title_tokens);
    merge_acronyms(doc, &mut cands);
    type_by_context(doc, &mut cands);
    add_implied_countries(gazetteer, &mut cands, &mut by_entry);
    add_phrases(doc, mentions, &mut cands);
    for c in &mut cands {
        c.mentions.sort_unstable();
        c.mentions.dedup();
    }
    cands.retain(|c| !c.mentions.is_empty());
    cands
}

/// A city or region the article names implies its country ("Ohio" -> United States): the
/// country becomes a candidate (marked implied) whose mentions are those of its places.
fn add_implied_countries(
    gazetteer: &Gazetteer,
    cands: &mut Vec<Candidate>,
    by_entry: &mut FxHashMap<u32, usize>,
) {
    let places: Vec<(u32, Vec<(usize, usize)>)> = cands
        .iter()
        .filter_map(|c| {
            let e = gazetteer.entry(c.entry?);
            matches!(e.kind, EntryKind::City | EntryKind::Region).then_some((e.country?, c.mentions.clone()))
        })
        .collect();
    for (country, mentions) in places {
        let idx = *by_entry.entry(country).or_insert_with(|| {
            let e = gazetteer.entry(country);
            let mut c = Candidate::new(e.name.clone(), entry_type(e.kind), Some(country), false);
            c.implied = true;
            cands.push(c);
            cands.len() - 1
        });
        if cands[idx].implied {
            cands[idx].mentions.extend(mentions);
        }
    }
}

/// Lower-case words inside names that are not names themselves ("Lula da Silva", "van Gogh").
const NAME_PARTICLES: &[&str] =
    &["da", "de", "del", "der", "di", "do", "dos", "du", "la", "le", "van", "von", "bin", "ibn"];

/// Joins short forms of a name into the unique longer person (or untyped) name that holds them:
/// one word that begins, ends or is inside it ("Putin", "Lula" in "Luiz Inácio Lula da Silva"),
/// or the words that end it ("Al Jaber" in "Sultan Al Jaber", "Lula da Silva").
fn merge_partial_names(cands: &mut [Candidate]) {
    let n = cands.len();
    // Short forms of multiword person (or untyped) names -> their candidates.
    let mut forms: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (j, c) in cands.iter().enumerate() {
        if c.is_phrase || c.words() < 2 || !matches!(c.kind, Kind::Person | Kind::Other) {
            continue;
        }
        let name = lower(&c.name);
        let words: Vec<&str> = name.split_whitespace().collect();
        let mut own: Vec<String> = Vec::with_capacity(2 * words.len());
        for (k, w) in words.iter().enumerate() {
            // Any word but a particle; inside words only of people ("Lula"), as an untyped
            // name's inner word is as likely a common one ("Bank of the West").
            let inner = k > 0 && k + 1 < words.len();
            if !NAME_PARTICLES.contains(w) && (!inner || c.kind == Kind::Person) {
                own.push(w.to_string());
            }
            if k > 0 && k + 1 < words.len() && c.kind == Kind::Person {
                own.push(words[k..].join(" "));
            }
        }
        own.sort_unstable();
        own.dedup();
        for f in own {
            forms.entry(f).or_default().push(j);
        }
    }
    let donor = |c: &Candidate| {
        let typed_out = c.entry.is_some() && c.kind != Kind::Person;
        // Several words join only as a person's name ending a longer one.
        !c.is_phrase && c.kind != Kind::Place && !typed_out && (c.words() == 1 || c.kind == Kind::Person)
    };
    let mut target: Vec<Option<usize>> = vec![None; n];
    // Longer short forms first ("de Gaulle" into "Charles de Gaulle"), so that a one-word form
    // ("Gaulle") then finds one name, not the short form as well.
    for several in [true, false] {
        for (i, c) in cands.iter().enumerate() {
            if (c.words() > 1) != several || !donor(c) {
                continue;
            }
            let Some(js) = forms.get(&lower(&c.name)) else { continue };
            let mut hits =
                js.iter().copied().filter(|&j| j != i && target[j].is_none() && cands[j].words() > c.words());
            if let (Some(j), None) = (hits.next(), hits.next()) {
                target[i] = Some(j);
            }
        }
    }
    absorb(cands, &target);
}

/// Types a name by its context, where the recogniser's reading is doubtful. Gazetteer entries
/// keep their type.
/// - A name the body writes as a company's ([`company_cue`]: "Tesla shares fell", "Moderna's
///   chief executive", "Fonterra, the world's biggest dairy exporter") and never takes up as "he"
///   or "she" is an organisation, whatever the recogniser read ("Fonterra" a place, "Kroger" a
///   person); a person's full name needs two such mentions ("Tata, the conglomerate" may be
///   another Tata than Ratan Tata). Events keep their kind.
/// - By the pronouns that take it up ([`pronoun_after`]): a one-word person that the body takes
///   up twice as "it" or "its" and never as "he" or "she" is an organisation ("Netflix said on
///   Tuesday it would ..."); an organisation of several words, no company or institution by its
///   last word, without lower-case words ("Brothers of Italy") and no company's context, that
///   the body calls "he" or "she" and never "it" is a person ("Shields is no stranger to
///   Broadway. She previously played ...").
fn type_by_context(doc: &Document<'_>, cands: &mut [Candidate]) {
    for c in cands.iter_mut() {
        if c.entry.is_some()
            || c.is_phrase
            || c.kind == Kind::Topic
            || (c.kind == Kind::Organization && c.words() < 2)
        {
            continue;
        }
        let words = c.words();
        let companies = || c.mentions.iter().filter(|&&(s, e)| company_cue(doc, s, e)).count();
        // Mentions read as a person's and as a thing's, by pronouns and by `person_cue`.
        let readings = || {
            let (mut person, mut thing) = (0usize, 0usize);
            for &(s, e) in &c.mentions {
                match pronoun_after(doc, s, e) {
                    Some(true) => person += 1,
                    Some(false) => thing += 1,
                    None => {}
                }
                person += usize::from(person_cue(doc, s, e));
            }
            (person, thing)
        };
        c.kind = match c.kind {
            Kind::Organization => {
                let proper = c.name.split_whitespace().all(|w| w.starts_with(|ch: char| !ch.is_lowercase()));
                let last_not_a_company = c
                    .name
                    .split_whitespace()
                    .last()
                    .is_some_and(|w| !is_company_suffix(w) && !super::ORG_HEADS.contains(&w));
                let person = proper && last_not_a_company && {
                    let (person, thing) = readings();
                    person >= 1 && thing == 0 && companies() == 0
                };
                if person {
                    Kind::Person
                } else {
                    Kind::Organization
                }
            }
            // An event's name stays a thing ("the Olympics, the biggest brand in sport").
            Kind::Other if super::is_event_or_law(c.name.split_whitespace()) => Kind::Other,
            kind => {
                // A person's full name needs two: "Tata, the conglomerate" may be another Tata's.
                let needed = if kind == Kind::Person && words >= 2 { 2 } else { 1 };
                let company = companies() >= needed;
                let one_word_person = kind == Kind::Person && words == 1;
                if !company && !one_word_person {
                    kind
                } else {
                    let (person, thing) = readings();
                    if person == 0 && (company || thing >= 2) {
                        Kind::Organization
                    } else {
                        kind
                    }
                }
            }
        };
    }
}

/// Whether the body takes up the name mentioned at `start..end` as a person (`Some(true)`: "he",
/// "she", "his", "her", "him") or a thing (`Some(false)`: "its", or "it" as the subject of what
/// the name said), where that reading is safe:
/// - a pronoun follows in the same sentence, within eight words and before any other name:
///   "its" after any words ("Google would continue to show news links in its search results"),
///   a person's pronoun or "it" only after a verb of saying ("Putin told reporters he ...",
///   "Netflix said on Tuesday it ..."), as "his" after other words is as often another person's
///   ("the Pistons beat the Suns for his ...");
/// - the name opens a sentence and the next one opens with the pronoun ("Shields is no stranger
///   to Broadway. She previously played ..."). "It" opening a sentence is too often no one's
///   ("It is unclear ..."): only "Its" counts there.
fn pronoun_after(doc: &Document<'_>, start: usize, end: usize) -> Option<bool> {
    const SAYS: &[&str] =
        &["said", "says", "told", "added", "announced", "stated", "confirmed", "reported", "insisted"];
    let reading = |w: &str| {
        let is = |p: &str| w.eq_ignore_ascii_case(p);
        if is("he") || is("she") || is("his") || is("her") || is("him") {
            Some(true)
        } else {
            is("its").then_some(false)
        }
    };
    let n = doc.tokens.len();
    if start < doc.title_tokens || end >= n {
        return None;
    }
    let sentence = doc.sentence_of[start];
    let says = SAYS.contains(&doc.word(end));
    // Words between the verb and "it" in "said (on Tuesday) (that) it".
    let filler = |j: usize| matches!(doc.word(j), "that" | "on") || crate::text::is_time_word(doc.word(j));
    for k in end + 1..(end + 9).min(n) {
        if doc.sentence_of[k] != sentence {
            break;
        }
        let w = doc.word(k);
        if let Some(person) = reading(w).filter(|&person| says || !person) {
            return Some(person);
        }
        if says && w == "it" && (end + 1..k).all(filler) {
            return Some(false);
        }
        // Another name may be the one taken up ("Google said Musk's ... his").
        if w.starts_with(char::is_uppercase) && !crate::text::is_time_word(w) {
            break;
        }
    }
    if doc.sentence_initial(start) {
        let next = doc.sentence_of.get(doc.sentences[sentence as usize].1).copied();
        let (a, b) = doc.sentences.get(next? as usize).copied()?;
        let first = (a..b).find(|&k| doc.tokens[k].kind != TokenKind::Punct)?;
        let w = doc.word(first);
        if w != "It" {
            return reading(w);
        }
    }
    None
}

/// Whether the words around the name mentioned at `start..end` are a company's, as they seldom
/// are a person's or a place's:
/// - its shares or stock: "Tesla shares fell", "shares of Tesla", "Kroger's shareholders";
/// - its chief executive, headquarters, factories, stores, revenue or profit: "Moderna's chief
///   executive", "Moderna's CEO";
/// - an appositive that names a business: "Fonterra, the world's biggest dairy exporter",
///   "Rapidus, the chipmaker backed by ...", "Kroger, based in Cincinnati". The appositive's
///   first few words are read, up to a word that would make the business another's ("Lee, the
///   daughter of a bank manager").
pub(super) fn company_cue(doc: &Document<'_>, start: usize, end: usize) -> bool {
    /// What a company has and a person or a place seldom does, after "'s".
    fn owned(w: &str) -> bool {
        matches!(
            w,
            "shares"
                | "stock"
                | "shareholders"
                | "investors"
                | "CEO"
                | "headquarters"
                | "factory"
                | "factories"
                | "stores"
                | "revenue"
                | "revenues"
                | "profit"
                | "profits"
                | "subsidiary"
                | "subsidiaries"
        )
    }
    /// Nouns that name a business in an appositive.
    fn business(w: &str) -> bool {
        matches!(
            w,
            "company"
                | "firm"
                | "group"
                | "carmaker"
                | "automaker"
                | "chipmaker"
                | "drugmaker"
                | "maker"
                | "retailer"
                | "airline"
                | "carrier"
                | "lender"
                | "insurer"
                | "chain"
                | "exporter"
                | "producer"
                | "manufacturer"
                | "giant"
                | "startup"
                | "start-up"
                | "operator"
                | "conglomerate"
                | "supplier"
                | "brand"
                | "supermarket"
                | "grocer"
                | "miner"
                | "utility"
                | "bank"
                | "developer"
                | "publisher"
                | "broadcaster"
        )
    }
    /// Words after which an appositive's noun is no longer the name's ("the head of a bank").
    fn stop(w: &str) -> bool {
        matches!(w, "of" | "who" | "whose" | "that" | "which" | "with" | "for" | "in" | "to" | "said" | "and")
    }
    /// Words that make "shares" a verb before its object ("Musk shares his ...").
    fn object(w: &str) -> bool {
        ["a", "an", "the", "his", "her", "their", "its", "this", "that", "with", "our", "my", "some"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(w))
    }
    let n = doc.tokens.len();
    let word = |k: usize| (k < n).then(|| doc.word(k));
    let is = |k: usize, w: &str| word(k).is_some_and(|x| x.eq_ignore_ascii_case(w));
    let possessive = |w: &str| matches!(w, "'s" | "\u{2019}s");
    if start >= 2
        && doc.word(start - 1).eq_ignore_ascii_case("of")
        && doc.word(start - 2).eq_ignore_ascii_case("shares")
    {
        return true;
    }
    let Some(next) = word(end) else { return false };
    if next.eq_ignore_ascii_case("shares") || next.eq_ignore_ascii_case("stock") {
        // "Tesla shares fell", not "Musk shares his ..." (a verb before its object).
        return !word(end + 1).is_some_and(object);
    }
    if possessive(next) {
        return word(end + 1).is_some_and(owned)
            || (is(end + 1, "chief") && (is(end + 2, "executive") || is(end + 2, "financial")));
    }
    if next != "," {
        return false;
    }
    // An appositive: "X, the ... exporter", "X, France's biggest supermarket group".
    if is(end + 1, "based") || is(end + 1, "headquartered") {
        return true;
    }
    let sentence = doc.sentence_of[start];
    for k in end + 1..(end + 8).min(n) {
        let w = doc.word(k);
        if doc.sentence_of[k] != sentence
            || stop(w)
            || (doc.tokens[k].kind == TokenKind::Punct && !possessive(w))
        {
            break;
        }
        if business(w) {
            return true;
        }
    }
    false
}

/// Whether the words around the name mentioned at `start..end` are a person's, as they seldom are
/// an organisation's: an age ("Oli, 72, chairman of ...", "Kapadia, 38, said"; "the 36-year-old
/// mayor"), "who" after the name ("Thunberg, who sailed ..."; not after "the": "the Lakers, who
/// ..."), or a role written before it in lower case ([`super::PERSON_ROLES`]: "climate activist
/// Greta Thunberg", "director Payal Kapadia").
fn person_cue(doc: &Document<'_>, start: usize, end: usize) -> bool {
    let n = doc.tokens.len();
    let word = |k: usize| (k < n).then(|| doc.word(k));
    let role_before = start > 0 && super::PERSON_ROLES.contains(&doc.word(start - 1));
    if role_before || word(end) != Some(",") {
        return role_before;
    }
    let age = word(end + 1).and_then(|w| w.parse::<u32>().ok()).is_some_and(|a| (1..=120).contains(&a))
        && matches!(word(end + 2), Some("," | ")"));
    let who = word(end + 1) == Some("who") && !(start > 0 && doc.word(start - 1).eq_ignore_ascii_case("the"));
    let year_old =
        matches!(word(end + 1), Some("the" | "a")) && word(end + 2).is_some_and(|w| w.ends_with("-year-old"));
    age || who || year_old
}

/// Words that end a company's name ("Chrysler Corp", "Conoco Inc."): the company without
/// them is the same company.
const COMPANY_SUFFIXES: &[&str] = &[
    "inc",
    "corp",
    "corporation",
    "co",
    "company",
    "cos",
    "ltd",
    "limited",
    "plc",
    "llc",
    "ag",
    "sa",
    "spa",
    "nv",
    "gmbh",
    "ab",
    "asa",
    "oyj",
    "bv",
];

/// Whether `word` (any case, a final full stop allowed) is a company suffix ("Inc.", "CORP").
pub(crate) fn is_company_suffix(word: &str) -> bool {
    let w = word.trim_end_matches('.');
    COMPANY_SUFFIXES.iter().any(|s| s.eq_ignore_ascii_case(w))
}

/// `name` (lower case) without its trailing company suffixes ("fluor corp." -> "fluor"), or
/// `None` when it has none or is nothing else.
fn company_base(name: &str) -> Option<&str> {
    let mut base = name.trim_end();
    while let Some((head, last)) = base.rsplit_once(' ') {
        if !COMPANY_SUFFIXES.contains(&last.trim_end_matches('.')) {
            break;
        }
        base = head.trim_end_matches(',').trim_end();
    }
    (base.len() < name.trim_end().len()).then_some(base)
}

/// Joins a company's short names into its full one, within an article: "Chrysler" and
/// "Chrysler Corp" (the name without its suffix), "Piedmont" and "Piedmont Aviation Inc" (the
/// first word of exactly one organisation's name); and an institution's ("the Commission" and
/// "European Commission": the last word of exactly one). Only names the recogniser typed as
/// organisations (or left untyped; or as people, for the name without its suffix) join, and
/// only organisations receive them: "Exxon" does not join "Exxon Valdez". A first or last word
/// joins only a name the body introduced before it (a headline may say "Microsoft" first):
/// "Microsoft", written before "Microsoft Gaming", is the company, not its division.
fn merge_company_names(cands: &mut [Candidate], title_tokens: usize) {
    // Any organisation receives short names (the gazetteer's "European Commission" too); only
    // names outside the gazetteer join another.
    let receives = |c: &Candidate| !c.is_phrase && c.kind == Kind::Organization;
    let is_org = |c: &Candidate| receives(c) && c.entry.is_none();
    // Base (suffix-free) names and first words of organisations -> their candidates.
    let mut bases: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    let mut firsts: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    let mut lasts: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (j, c) in cands.iter().enumerate().filter(|(_, c)| receives(c) && !c.mentions.is_empty()) {
        let name = lower(&c.name);
        if let Some(base) = company_base(&name) {
            bases.entry(base.to_string()).or_default().push(j);
        }
        if let Some((first, _)) = name.split_once(' ') {
            // "Moody's Investors Service" begins with "Moody".
            firsts.entry(without_possessive(first).to_string()).or_default().push(j);
        }
        if let Some((_, last)) = name.rsplit_once(' ') {
            lasts.entry(last.to_string()).or_default().push(j);
        }
    }
    let mut target: Vec<Option<usize>> = vec![None; cands.len()];
    let joins = |c: &Candidate| {
        let untyped = !c.is_phrase && c.entry.is_none() && c.kind == Kind::Other;
        (is_org(c) || untyped) && !c.mentions.is_empty()
    };
    // The name without its suffix: "Chrysler" -> "Chrysler Corp". Beside "Chrysler Corp",
    // "Chrysler" is the company even where the recogniser read a person ("Chrysler said").
    let person = |c: &Candidate| !c.is_phrase && c.entry.is_none() && c.kind == Kind::Person;
    for (i, c) in cands.iter().enumerate().filter(|(_, c)| joins(c) || (person(c) && !c.mentions.is_empty()))
    {
        let name = lower(&c.name);
        if let Some(&[j]) = bases.get(name.trim_end_matches('.')).map(Vec::as_slice) {
            target[i] = (j != i).then_some(j);
        }
    }
    // A first word: "Piedmont" -> "Piedmont Aviation Inc", among the names not joined above.
    for i in 0..cands.len() {
        if target[i].is_some() || !joins(&cands[i]) || cands[i].name.contains(' ') {
            continue;
        }
        let Some(js) = firsts.get(without_possessive(&lower(&cands[i].name))) else { continue };
        let js: Vec<usize> = js
            .iter()
            .copied()
            .filter(|&j| j != i && target[j].is_none() && introduced_before(cands, j, i, title_tokens))
            .collect();
        target[i] = parent_company(cands, &js);
    }
    // A last word: "the Commission" -> "European Commission", when one organisation ends so.
    for i in 0..cands.len() {
        if target[i].is_some() || !joins(&cands[i]) || cands[i].name.contains(' ') {
            continue;
        }
        let js: Vec<usize> = lasts
            .get(lower(&cands[i].name).as_str())
            .map(|js| {
                js.iter()
                    .copied()
                    .filter(|&j| {
                        j != i && target[j].is_none() && introduced_before(cands, j, i, title_tokens)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let [j] = js[..] {
            target[i] = Some(j);
        }
    }
    absorb(cands, &target);
}

/// Whether the name `long` is first written no later than `short`'s first mention in the body
/// (tokens from `title_tokens` on): true when `short` is only in the headline.
fn introduced_before(cands: &[Candidate], long: usize, short: usize, title_tokens: usize) -> bool {
    let first_long = cands[long].mentions.iter().map(|m| m.0).min().unwrap_or(usize::MAX);
    let first_short = cands[short].mentions.iter().map(|m| m.0).filter(|&s| s >= title_tokens).min();
    first_short.is_none_or(|s| first_long <= s)
}

/// `word` without a possessive "'s" ("moody's" -> "moody").
fn without_possessive(word: &str) -> &str {
    word.strip_suffix("'s").or_else(|| word.strip_suffix("\u{2019}s")).unwrap_or(word)
}

/// Of organisations whose names begin alike, the one the others extend: the only one, or the
/// one whose name without its suffix begins every other name ("Caesars World Inc" of "Caesars
/// World Finance Corp."); `None` when there is no such one.
fn parent_company(cands: &[Candidate], js: &[usize]) -> Option<usize> {
    if let [j] = js {
        return Some(*j);
    }
    let names: Vec<String> = js.iter().map(|&j| lower(&cands[j].name)).collect();
    let begins =
        |name: &str, head: &str| name.strip_prefix(head).is_some_and(|r| r.is_empty() || r.starts_with(' '));
    let mut parents = names.iter().enumerate().filter(|(_, p)| {
        let head = company_base(p).unwrap_or(p);
        names.iter().all(|n| begins(n, head))
    });
    match (parents.next(), parents.next()) {
        (Some((k, _)), None) => Some(js[k]),
        _ => None,
    }
}

/// Joins acronyms into the multiword name they abbreviate: the name written right before the
/// acronym in brackets ("National Rally (RN)"), or else the one name whose initials they spell,
/// with or without its small words ("UN", "NTSB"; "BOJ" for "Bank of Japan").
fn merge_acronyms(doc: &Document<'_>, cands: &mut [Candidate]) {
    let n = cands.len();
    let mut target: Vec<Option<usize>> = vec![None; n];
    // The initials of each multiword name (None for the others), computed once.
    let mut spelled: Option<Vec<Option<(String, String)>>> = None;
    // Multiword names by the token their mention ends at, for bracketed definitions.
    let mut ending: Option<FxHashMap<usize, usize>> = None;
    for i in 0..n {
        if cands[i].is_phrase {
            continue;
        }
        // Two to eight capitals, maybe with periods ("UN", "U.S."): read before building it.
        let name = cands[i].name.as_bytes();
        let capitals = name.iter().filter(|&&b| b != b'.').count();
        if !(2..=8).contains(&capitals) || !name.iter().all(|&b| b.is_ascii_uppercase() || b == b'.') {
            continue;
        }
        let ending = ending.get_or_insert_with(|| {
            let mut m = FxHashMap::default();
            for (j, c) in cands.iter().enumerate().filter(|(_, c)| !c.is_phrase && c.words() >= 2) {
                for &(_, e) in &c.mentions {
                    m.entry(e).or_insert(j);
                }
            }
            m
        });
        let bracketed = cands[i].mentions.iter().find_map(|&(s, e)| {
            let open = s >= 1 && doc.word(s - 1) == "(";
            let close = e < doc.tokens.len() && doc.word(e) == ")";
            if open && close {
                ending.get(&(s - 1)).copied().filter(|&j| j != i)
            } else {
                None
            }
        });
        if bracketed.is_some() {
            target[i] = bracketed;
            continue;
        }
        let a = cands[i].name.replace('.', "");
        let spelled = spelled.get_or_insert_with(|| {
            cands.iter().map(|c| (!c.is_phrase && c.words() >= 2).then(|| initials(&c.name))).collect()
        });
        let hits: Vec<usize> = (0..n)
            .filter(|&j| j != i && spelled[j].as_ref().is_some_and(|(caps, all)| *caps == a || *all == a))
            .collect();
        if hits.len() == 1 {
            target[i] = Some(hits[0]);
        }
    }
    absorb(cands, &target);
}

/// The initials of a name's capitalised words ("United Nations" -> "UN"), and of all its
/// words, upper-cased ("Bank of Japan" -> "BOJ").
fn initials(name: &str) -> (String, String) {
    let words = || name.split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty());
    let caps = words()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .filter_map(|w| w.chars().next())
        .collect();
    let all = words().filter_map(|w| w.chars().next()).flat_map(char::to_uppercase).collect();
    (caps, all)
}

/// Moves the mentions of each `i` with `target[i] = Some(j)` into `j`, leaving `i` empty.
fn absorb(cands: &mut [Candidate], target: &[Option<usize>]) {
    for (i, t) in target.iter().enumerate() {
        if let Some(j) = *t {
            if target[j].is_some() {
                continue;
            }
            let moved = std::mem::take(&mut cands[i].mentions);
            let demonyms = cands[i].demonym_mentions;
            let (ty, entry) = (cands[i].kind, cands[i].entry);
            let dst = &mut cands[j];
            dst.mentions.extend(moved);
            dst.demonym_mentions += demonyms;
            // An untyped name takes its short form's type, unless it names a storm, a law or an
            // event ("Maria", a person, joins "Hurricane Maria").
            if dst.kind == Kind::Other && !super::is_event_or_law(dst.name.split_whitespace()) {
                dst.kind = ty;
            }
            if dst.entry.is_none() {
                dst.entry = entry;
            }
        }
    }
}

/// Adds topical phrases, joined by stem key; a phrase that is a known name joins that name.
fn add_phrases(doc: &Document<'_>, mentions: &[Mention], cands: &mut Vec<Candidate>) {
    let phrase_mentions = mentions
        .iter()
        .filter(|m| matches!(m.source, Source::Phrase | Source::SubPhrase | Source::Word))
        .count();
    // Stem key -> candidate. A new phrase's key is kept here alone until the end, when it moves
    // into the candidate.
    let mut by_key: FxHashMap<String, usize> =
        FxHashMap::with_capacity_and_hasher(cands.len() + phrase_mentions, Default::default());
    for (i, c) in cands.iter().enumerate().filter(|(_, c)| !c.mentions.is_empty()) {
        by_key.insert(c.key.clone(), i);
    }
    // Per candidate index (phrases only): how the phrase is spelled.
    let mut spellings: Vec<Spellings<'_>> = Vec::new();
    cands.reserve(phrase_mentions);
    let mut key = String::new();
    let title_case = doc.title_case();
    // Each token's stem, looked up once per article: (start, end) in `stems`, or u32::MAX.
    let mut stems = String::new();
    let mut stem_at: Vec<(u32, u32)> = vec![(u32::MAX, 0); doc.tokens.len()];
    with_stem_cache(|mut cache| {
        for m in
            mentions.iter().filter(|m| matches!(m.source, Source::Phrase | Source::SubPhrase | Source::Word))
        {
            key.clear();
            for (k, at) in (m.start..m.end).zip(&mut stem_at[m.start..m.end]) {
                if k > m.start {
                    key.push(' ');
                }
                let (a, b) = *at;
                if a != u32::MAX {
                    key.push_str(&stems[a as usize..b as usize]);
                    continue;
                }
                let from = stems.len();
                push_stem(cache.as_deref_mut(), &mut stems, doc.word(k));
                *at = (from as u32, stems.len() as u32);
                key.push_str(&stems[from..]);
            }
            let idx = match by_key.get(key.as_str()) {
                Some(&i) => i,
                None => {
                    let (display, named) = phrase_display(doc, m.start, m.end, title_case);
                    let mut c = Candidate::new_keyed(display, Kind::Topic, None, true, String::new());
                    c.starts_with_name = named;
                    cands.push(c);
                    by_key.insert(key.clone(), cands.len() - 1);
                    cands.len() - 1
                }
            };
            cands[idx].mentions.push((m.start, m.end));
            match m.source {
                Source::SubPhrase => cands[idx].nested_mentions += 1,
                Source::Word => cands[idx].word_mentions += 1,
                _ => {}
            }
            if cands[idx].is_phrase {
                let surface = &doc.text[doc.tokens[m.start].start..doc.tokens[m.end - 1].end];
                if spellings.len() <= idx {
                    spellings.resize_with(idx + 1, Spellings::default);
                }
                spellings[idx].add(surface, m.start, m.end);
            }
        }
    });
    // A phrase is named by its most frequent spelling.
    for (idx, forms) in spellings.iter().enumerate() {
        if let Some((start, end)) = forms.best() {
            (cands[idx].name, cands[idx].starts_with_name) = phrase_display(doc, start, end, title_case);
        }
    }
    for (key, idx) in by_key {
        if cands[idx].is_phrase {
            cands[idx].key = key;
        }
    }
}

/// One spelling of a phrase: (surface text, (count, a mention spelled so)).
type Spelling<'t> = (&'t str, (u32, usize, usize));

/// How a phrase candidate is spelled in the text, each spelling once (few per phrase, so a list).
/// Most phrases are spelled one way: the first spelling is kept apart, allocating nothing.
#[derive(Default)]
struct Spellings<'t> {
    first: Option<Spelling<'t>>,
    more: Vec<Spelling<'t>>,
}

impl<'t> Spellings<'t> {
    /// Counts a mention `start..end` spelled `surface`.
    fn add(&mut self, surface: &'t str, start: usize, end: usize) {
        let new = (surface, (1, start, end));
        let Some(first) = &mut self.first else {
            self.first = Some(new);
            return;
        };
        match std::iter::once(first).chain(self.more.iter_mut()).find(|f| f.0 == surface) {
            Some(f) => f.1 .0 += 1,
            None => self.more.push(new),
        }
    }

    /// A mention spelled the most frequent way (ties: the spelling first in byte order), when
    /// there is more than one spelling.
    fn best(&self) -> Option<(usize, usize)> {
        if self.more.is_empty() {
            return None;
        }
        let best =
            self.first.iter().chain(&self.more).max_by(|a, b| a.1 .0.cmp(&b.1 .0).then_with(|| b.0.cmp(a.0)));
        best.map(|&(_, (_, start, end))| (start, end))
    }
}

/// Whether every letter of `word` is a capital and there are at most three ("U.S.", "EU"):
/// read up to the first letter that decides it otherwise.
fn is_short_acronym(word: &str) -> bool {
    word.chars().filter(|c| c.is_alphabetic()).enumerate().all(|(i, c)| i < 3 && c.is_uppercase())
}

/// A phrase as a tag: common words lower-cased, names kept as written (capitals tamed). A word
/// the writer capitalised inside a sentence of ordinary case is kept too, whatever its tag: the
/// adjectives of names ("Chinese economy", "Emmy-winning series"), which English capitalises.
/// With it, whether the first word is a name's ([`Candidate::starts_with_name`]).
fn phrase_display(doc: &Document<'_>, start: usize, end: usize, title_case: bool) -> (String, bool) {
    let mut s = String::with_capacity(32);
    let mut starts_with_name = false;
    for k in start..end {
        if k > start {
            s.push(' ');
        }
        let w = doc.word(k);
        let ordinary_case = !(doc.in_caps(k) || (doc.in_title(k) && title_case));
        let upper = w.chars().next().is_some_and(char::is_uppercase);
        let name = ordinary_case && doc.class[k] == WordClass::Proper;
        // Short acronyms keep their capitals ("U.S. tanker spill").
        let acronym = !name && !doc.in_caps(k) && is_short_acronym(w);
        if k == start {
            starts_with_name = (name || acronym) && upper;
        }
        let capitalised = upper && ordinary_case && !doc.sentence_initial(k);
        if name || acronym || capitalised {
            s.push_str(w);
        } else if w.is_ascii() {
            let from = s.len();
            s.push_str(w);
            s[from..].make_ascii_lowercase();
        } else {
            s.push_str(&w.to_lowercase());
        }
    }
    (s, starts_with_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cue `cue` at the first mention of `name` in `text`.
    fn cue_at(cue: fn(&Document<'_>, usize, usize) -> bool, text: &str, name: &str) -> bool {
        let doc = Document::new("", text);
        let words: Vec<&str> = name.split_whitespace().collect();
        let start = (0..doc.tokens.len())
            .find(|&i| {
                words.iter().enumerate().all(|(k, w)| i + k < doc.tokens.len() && doc.word(i + k) == *w)
            })
            .unwrap_or_else(|| panic!("{name} in {text}"));
        cue(&doc, start, start + words.len())
    }

    #[test]
    fn company_and_person_cues() {
        for (text, name) in [
            ("Tesla shares fell 1% in early trading.", "Tesla"),
            ("Investors sold shares of Tesla on Monday.", "Tesla"),
            ("Moderna's chief executive said so.", "Moderna"),
            ("Roche's shareholders approved the deal.", "Roche"),
            ("Fonterra, the world's biggest dairy exporter, cut its forecast.", "Fonterra"),
            ("Carrefour, France's biggest supermarket group, removed the products.", "Carrefour"),
            ("Rapidus, the chipmaker backed by the government, began work.", "Rapidus"),
            ("Kroger, based in Cincinnati, said it was disappointed.", "Kroger"),
        ] {
            assert!(cue_at(company_cue, text, name), "{text}");
        }
        for (text, name) in [
            ("Musk shares his view on the deal.", "Musk"),
            ("Smith, the daughter of a bank manager, spoke.", "Smith"),
            ("Biden's chief of staff resigned.", "Biden"),
            ("Tesla said it would recall the cars.", "Tesla"),
        ] {
            assert!(!cue_at(company_cue, text, name), "{text}");
        }
        for (text, name) in [
            ("Oli, 72, was sworn in again.", "Oli"),
            ("Thunberg, who sailed across the Atlantic, spoke.", "Thunberg"),
            ("The climate activist Greta Thunberg spoke.", "Greta Thunberg"),
            ("Gibran, the 36-year-old mayor, ran.", "Gibran"),
        ] {
            assert!(cue_at(person_cue, text, name), "{text}");
        }
        for (text, name) in [
            ("The Lakers, who won again, celebrated.", "Lakers"),
            ("Qantas, 100 years old, flew on.", "Qantas"),
            ("Qantas said it would pay.", "Qantas"),
        ] {
            assert!(!cue_at(person_cue, text, name), "{text}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(decap("EXXON", true, None), "Exxon");
        assert_eq!(decap("U.S.", true, None), "U.S.");
        assert_eq!(decap("IMF", true, None), "IMF");
        assert_eq!(decap("MOODY'S", true, None), "Moody's");
        assert_eq!(decap("O'NEILL", true, None), "O'Neill");
        assert_eq!(decap("AL-AIN", true, None), "Al-Ain");
        // With a casing lexicon: function words lower-cased inside a name, not at its start.
        let lexicon = |w: &str| match w.to_lowercase().as_str() {
            "of" | "the" => Some(WordCasing::Lower),
            "inc" | "new" => Some(WordCasing::Capitalised),
            "imf" => Some(WordCasing::Upper),
            _ => None,
        };
        let read = |name: &str| recase_name(name, Some(&lexicon));
        assert_eq!(read("BANK OF NEW YORK INC"), "Bank of New York Inc");
        assert_eq!(read("THE IMF"), "The IMF");
        assert_eq!(recase_name("BANK OF NEW YORK INC", None), "Bank OF NEW York INC");
    }

    #[test]
    fn company_short_names_join_the_full_name() {
        let org = |name: &str, at: usize| {
            let mut c = Candidate::new(name.to_string(), Kind::Organization, None, false);
            c.mentions.push((at, at + 1));
            c
        };
        // Short forms after their full names, as news writes them ("Chrysler" may come first:
        // the name without its suffix joins wherever it is).
        let mut cands = vec![
            org("Chrysler", 0),
            org("Chrysler Corp", 1),
            org("Caesars World Inc", 2),
            org("Caesars", 3),
            org("Caesars World Finance Corp.", 4),
            org("Moody's Investors Service Inc", 5),
            org("Moody's", 6),
            org("Acme", 7),
            org("Acme Foods Inc", 8),
            org("Acme Tools Inc", 9),
        ];
        let mut valdez = Candidate::new("Exxon Valdez".to_string(), Kind::Other, None, false);
        valdez.mentions.push((10, 11));
        cands.push(valdez);
        cands.push(org("Exxon", 11));
        cands.push(org("European Commission", 12));
        cands.push(org("Commission", 13));
        // A company named before its division is not the division.
        cands.push(org("Microsoft", 14));
        cands.push(org("Microsoft Gaming", 15));
        merge_company_names(&mut cands, 0);
        let left: Vec<(&str, usize)> = cands
            .iter()
            .filter(|c| !c.mentions.is_empty())
            .map(|c| (c.name.as_str(), c.mentions.len()))
            .collect();
        assert_eq!(
            left,
            [
                ("Chrysler Corp", 2),
                ("Caesars World Inc", 2),
                ("Caesars World Finance Corp.", 1),
                ("Moody's Investors Service Inc", 2),
                ("Acme", 1),
                ("Acme Foods Inc", 1),
                ("Acme Tools Inc", 1),
                ("Exxon Valdez", 1),
                ("Exxon", 1),
                ("European Commission", 2),
                ("Microsoft", 1),
                ("Microsoft Gaming", 1),
            ]
        );
    }

    #[test]
    fn company_bases() {
        for (name, want) in [
            ("chrysler corp", Some("chrysler")),
            ("fluor corp.", Some("fluor")),
            ("caesars world finance corp.", Some("caesars world finance")),
            ("acme holdings co ltd", Some("acme holdings")),
            ("montedison spa", Some("montedison")),
            ("inc", None),
            ("usair group", None),
        ] {
            assert_eq!(company_base(name), want, "{name}");
        }
        assert_eq!(initials("National Transportation Safety Board").0, "NTSB");
        assert_eq!(initials("Bank of England"), ("BE".to_string(), "BOE".to_string()));
        for (word, want) in [("U.S.", true), ("EU", true), ("NATO", false), ("Oil", false), ("1990", true)] {
            assert_eq!(is_short_acronym(word), want, "{word}");
        }
    }
}
