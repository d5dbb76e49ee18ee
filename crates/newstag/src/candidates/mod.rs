//! Candidate tags: gazetteer matches, proper-name spans and topical noun phrases, found as
//! mentions (token ranges) and then resolved within the article to one candidate per thing.
//!
//! What is offered is a [`CandidatePolicy`]: a trained ranker carries the policy it was trained
//! with, so tagging offers it the same kind of candidates it learnt to rank.

mod classify;
mod resolve;

pub use classify::{class_of_ptb, class_of_tag, classify};
pub use resolve::{resolve, resolve_with, Candidate, CasingLookup};

use crate::document::{Document, WordClass};
use crate::kb::{AliasForm, EntryKind, Gazetteer};
use crate::output::TagType;
use crate::tag::ner::{Entity, EntityKind};
use crate::tag::perceptron::{hash_lower, hash_str};
use crate::text::{is_time_word, TokenKind};

/// Which candidates an article offers the ranker. The default (names, gazetteer entries and
/// topical noun phrases) suits editors who tag people, places, organisations and topics; a
/// ranker trained for readers who also tag single words (crowd-sourced keyphrases) is trained
/// and run with [`CandidatePolicy::single_words`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CandidatePolicy {
    /// Also offer every content word on its own: common nouns, verbs, adjectives and each word
    /// of a name ("Terrence" of "Terrence Malick"), joined by stem ("receive", "received").
    pub single_words: bool,
}

/// What resolution makes of a candidate: the four kinds of tag, and `Other`, a name that is
/// none of them or whose kind nothing told (an event, a product, a nationality: "Hurricane
/// Maria", "ChatGPT", "Hispanics"). The ranker reads all five; a tag's type is one of the four
/// ([`Candidate::tag_type`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A person.
    Person,
    /// A place.
    Place,
    /// An organisation.
    Organization,
    /// A topical noun phrase.
    Topic,
    /// Any other name, or one of no known kind.
    Other,
}

/// Where a mention came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A gazetteer alias: the entry and how it was named.
    Gazetteer(u32, AliasForm),
    /// A proper-name span, with the type its context suggests.
    Name(Kind),
    /// A topical noun phrase.
    Phrase,
    /// A shorter phrase or a single noun inside a topical noun phrase.
    SubPhrase,
    /// A content word on its own ([`CandidatePolicy::single_words`]).
    Word,
}

/// One mention of a candidate: tokens `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// What found it.
    pub source: Source,
}

/// Words that name a role before a person's name ("Foreign Minister Sergey Lavrov").
const ROLE_WORDS: &[&str] = &[
    "President",
    "Minister",
    "Secretary",
    "Governor",
    "Chairman",
    "Chairwoman",
    "Chair",
    "CEO",
    "Chief",
    "Director",
    "Commissioner",
    "Ambassador",
    "Mayor",
    "Premier",
    "Chancellor",
    "Pope",
    "Senator",
    "Sen.",
    "Rep.",
    "Gov.",
    "Gen.",
    "General",
    "Lt.",
    "Col.",
    "Capt.",
    "Adm.",
    "Dr.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Prof.",
    "Professor",
    "Judge",
    "Justice",
    "Attorney",
    "Spokesman",
    "Spokeswoman",
    "Leader",
    "Speaker",
    "Sheikh",
    "Emir",
    "Vice",
    "Deputy",
    "Coach",
    "Rev.",
    "Bishop",
    "Archbishop",
    "Cardinal",
    "Officer",
    "Executive",
    "Manager",
    "Representative",
    "Congressman",
    "Congresswoman",
    "Commander",
    "Admiral",
    "Sgt.",
];

/// What a person is, in lower case, written just before the name ("climate activist Greta
/// Thunberg", "director Payal Kapadia"): the name is a person's.
const PERSON_ROLES: &[&str] = &[
    "president",
    "minister",
    "secretary",
    "governor",
    "chairman",
    "director",
    "spokesman",
    "spokeswoman",
    "businessman",
    "businesswoman",
    "ceo",
    "senator",
    "commissioner",
    "judge",
    "premier",
    "chancellor",
    "lawyer",
    "economist",
    "analyst",
    "professor",
    "author",
    "actor",
    "actress",
    "singer",
    "player",
    "coach",
    "founder",
    "activist",
    "rapper",
    "artist",
    "filmmaker",
    "executive",
    "novelist",
    "writer",
    "journalist",
    "presenter",
    "comedian",
    "musician",
    "striker",
    "goalkeeper",
    "midfielder",
    "defender",
    "golfer",
    "cyclist",
    "swimmer",
    "sprinter",
    "mayor",
];

/// Other lower-case words that, just before a capitalised name of two words or more, say it is a
/// person: titles, what is said ("said Jane Smith", "according to"), and roles that firms have
/// too ("lead manager Morgan Stanley", "financial adviser Merrill Lynch"), besides
/// [`PERSON_ROLES`].
const PERSON_CUES: &[&str] = &[
    "chief",
    "leader",
    "official",
    "mr.",
    "mrs.",
    "ms.",
    "dr.",
    "said",
    "says",
    "told",
    "according",
    "manager",
    "adviser",
    "advisor",
];

/// Last words that make a name an organisation.
const ORG_HEADS: &[&str] = &[
    "Inc",
    "Inc.",
    "Corp",
    "Corp.",
    "Co",
    "Co.",
    "Ltd",
    "Ltd.",
    "Company",
    "Corporation",
    "Group",
    "Bank",
    "Party",
    "Ministry",
    "Department",
    "University",
    "College",
    "Association",
    "Council",
    "Committee",
    "Commission",
    "Agency",
    "Institute",
    "Foundation",
    "Union",
    "Organization",
    "Organisation",
    "Federation",
    "Bureau",
    "Board",
    "Authority",
    "Service",
    "Court",
    "Army",
    "Navy",
    "Police",
    "Airlines",
    "Motors",
    "Industries",
    "Holdings",
    "Systems",
    "Exchange",
    "Fund",
    "Church",
    "Society",
    "Club",
    "Network",
    "Times",
    "News",
    "Post",
    "Journal",
    "League",
    "Assembly",
    "Parliament",
    "Senate",
    "Congress",
    "Office",
    "Administration",
    "Unit",
];

/// Last words that make a name a place.
const PLACE_HEADS: &[&str] = &[
    "Island",
    "Islands",
    "River",
    "Mountains",
    "Mountain",
    "Sea",
    "Ocean",
    "Bay",
    "Sound",
    "Lake",
    "Valley",
    "County",
    "City",
    "Province",
    "State",
    "Street",
    "Avenue",
    "Square",
    "Park",
    "Airport",
    "Strait",
    "Gulf",
    "Coast",
    "Peninsula",
    "Desert",
    "Region",
    "District",
    "Reef",
    "Canal",
    "Harbor",
    "Harbour",
    "Beach",
    "Port",
    "Hills",
    "Mount",
    "Cape",
    "Forest",
    "Stadium",
    "Arena",
    "Bridge",
    "Tunnel",
    "Alley",
    "Falls",
    "Canyon",
    "Glacier",
    "Volcano",
    "Plains",
    "Heights",
    "Delta",
    "Basin",
];

/// Connectors allowed inside a multiword name ("Bank of England", "Charles de Gaulle").
const NAME_CONNECTORS: &[&str] =
    &["of", "de", "du", "da", "del", "der", "van", "von", "bin", "al", "la", "le", "y", "for"];

/// Finds every candidate mention in `doc` (whose word classes are set) under the default
/// [`CandidatePolicy`].
pub fn find_mentions(doc: &Document<'_>, gazetteer: &Gazetteer) -> Vec<Mention> {
    find_mentions_with(doc, gazetteer, &CandidatePolicy::default())
}

/// Finds every candidate mention in `doc` (whose word classes are set) under `policy`.
pub fn find_mentions_with(
    doc: &Document<'_>,
    gazetteer: &Gazetteer,
    policy: &CandidatePolicy,
) -> Vec<Mention> {
    let n = doc.tokens.len();
    let mut out = Vec::with_capacity(n / 4);
    let mut covered = vec![false; n];
    gazetteer_mentions(doc, gazetteer, &mut out, &mut covered);
    match &doc.entities {
        Some(entities) => {
            let entities = yield_to_names(doc, gazetteer, entities, &mut out, &mut covered);
            entity_mentions(doc, &entities, &mut out, &mut covered);
            missed_names(doc, &mut out, &mut covered);
        }
        None => name_mentions(doc, &mut out, &mut covered),
    }
    phrase_mentions(doc, &covered, &mut out);
    if policy.single_words {
        word_mentions(doc, &mut out);
    }
    if doc.analysed < n {
        tail_mentions(doc, &mut covered, &mut out);
    }
    out.sort_by_key(|m| (m.start, m.end));
    out
}

/// Past the lead the models read ([`Document::analysed`]): further mentions of the names (as
/// written) and the phrases and words (in any case) found in the lead, the longest at each
/// token first. A phrase brings the shorter phrases and nouns inside it that the lead offered
/// too, as [`phrase_mentions`] does; a name is typed as in the lead. Gazetteer names were
/// matched in the whole text already, and cover their tokens.
///
/// Spans are looked up by hashes of their words, each token hashed once ([`span_hash`]), not by
/// spelling them out: the rest of an article is most of its tokens, and each is looked up at
/// least once. A hash that matches is confirmed word by word against the lead's mention
/// ([`same_words`]), so the matches are exactly those of comparing the spelled-out spans.
fn tail_mentions(doc: &Document<'_>, covered: &mut [bool], out: &mut Vec<Mention>) {
    use rustc_hash::{FxHashMap, FxHashSet};
    let (from, n) = (doc.analysed, doc.tokens.len());
    // The lower-cased hash of each token of the lead's mentions, then (below) of every later
    // token; 0 for the rest. A name's words as written are hashed only where one may start.
    let lead = || out.iter().filter(|m| m.end <= from);
    let mut lower = vec![0u64; n];
    for k in lead().flat_map(|m| m.start..m.end) {
        if lower[k] == 0 {
            lower[k] = hash_lower(doc.word(k));
        }
    }
    let written = |a: usize, b: usize| span_hash((a..b).map(|k| hash_str(doc.word(k))));
    // The lead's mentions by their words' hashes (names as written, phrases and words
    // lower-cased), each with its first mention in the lead, to confirm a match.
    let mut names: FxHashMap<u64, (Kind, usize, usize)> = Default::default();
    // Phrases, and whether the lead ever offered one as a phrase of its own rather than only
    // inside a longer one: a later mention is taken the same way ("oil" of "oil spill").
    let mut phrases: FxHashMap<u64, (bool, usize, usize)> = Default::default();
    let mut words: FxHashMap<u64, usize> = Default::default();
    // The first words of names and phrases (lower-cased): most tokens start neither, and are
    // passed over after one look-up.
    let mut first_words: FxHashSet<u64> = Default::default();
    let mut longest = 0;
    for m in lead() {
        match m.source {
            Source::Name(ty) => {
                names.entry(written(m.start, m.end)).or_insert((ty, m.start, m.end));
            }
            Source::Phrase | Source::SubPhrase => {
                let own = m.source == Source::Phrase;
                phrases
                    .entry(span_hash(lower[m.start..m.end].iter().copied()))
                    .or_insert((own, m.start, m.end))
                    .0 |= own;
            }
            Source::Word => {
                words.entry(lower[m.start]).or_insert(m.start);
                continue;
            }
            Source::Gazetteer(..) => continue,
        }
        first_words.insert(lower[m.start]);
        longest = longest.max(m.end - m.start);
    }
    if longest == 0 && words.is_empty() {
        return;
    }
    for (k, h) in lower.iter_mut().enumerate().skip(from) {
        *h = hash_lower(doc.word(k));
    }
    let lower_span = |a: usize, b: usize| span_hash(lower[a..b].iter().copied());
    let sentence_end = |i: usize| doc.sentences.get(doc.sentence_of[i] as usize).map_or(n, |s| s.1);
    let mut found = Vec::new();
    let mut i = from;
    while i < n {
        if doc.tokens[i].kind != TokenKind::Word {
            i += 1;
            continue;
        }
        if words.get(&lower[i]).is_some_and(|&w| same_words(doc, w, i, 1, true)) {
            found.push(Mention { start: i, end: i + 1, source: Source::Word });
        }
        if covered[i] || !first_words.contains(&lower[i]) {
            i += 1;
            continue;
        }
        // The longest name or phrase of the lead that starts here, within the sentence: a name's
        // type, or whether a phrase stood on its own.
        enum Hit {
            Name(Kind),
            Phrase { own: bool },
        }
        let last = sentence_end(i).min(i + longest);
        let mut hit = None;
        for end in (i + 1..=last).rev() {
            if covered[i..end].iter().any(|&c| c) {
                continue;
            }
            let len = end - i;
            if let Some(&(ty, a, b)) = names.get(&written(i, end)) {
                if b - a == len && same_words(doc, a, i, len, false) {
                    hit = Some((end, Hit::Name(ty)));
                    break;
                }
            }
            if let Some(&(own, a, b)) = phrases.get(&lower_span(i, end)) {
                if b - a == len && same_words(doc, a, i, len, true) {
                    hit = Some((end, Hit::Phrase { own }));
                    break;
                }
            }
        }
        match hit {
            Some((end, Hit::Name(ty))) => {
                found.push(Mention { start: i, end, source: Source::Name(ty) });
                covered[i..end].iter_mut().for_each(|c| *c = true);
                i = end;
            }
            Some((end, Hit::Phrase { own })) => {
                let source = if own { Source::Phrase } else { Source::SubPhrase };
                found.push(Mention { start: i, end, source });
                // Nouns inside it, and the shorter phrases ending on its head.
                for k in i..end {
                    for (a, b, inner) in [(k, k + 1, k + 1 < end), (k, end, k > i)] {
                        if inner
                            && phrases.get(&lower_span(a, b)).is_some_and(|&(_, s, e)| {
                                e - s == b - a && same_words(doc, s, a, b - a, true)
                            })
                        {
                            found.push(Mention { start: a, end: b, source: Source::SubPhrase });
                        }
                    }
                }
                i = end;
            }
            None => i += 1,
        }
    }
    out.extend(found);
}

/// The key of a span of words given their hashes in order ([`tail_mentions`]).
fn span_hash(words: impl Iterator<Item = u64>) -> u64 {
    words.fold(0, |h, w| (h.rotate_left(23) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1))
}

/// Whether the `len` tokens from `a` are those from `b`, as written or (`lower`) lower-cased.
fn same_words(doc: &Document<'_>, a: usize, b: usize, len: usize, lower: bool) -> bool {
    (0..len).all(|k| {
        let (x, y) = (doc.word(a + k), doc.word(b + k));
        match lower {
            false => x == y,
            true if x.is_ascii() && y.is_ascii() => x.eq_ignore_ascii_case(y),
            true => x.to_lowercase() == y.to_lowercase(),
        }
    })
}

/// Every content word alone: nouns, names' words, verbs and adjectives that are not stopwords.
fn word_mentions(doc: &Document<'_>, out: &mut Vec<Mention>) {
    for i in 0..doc.analysed.min(doc.tokens.len()) {
        let content = matches!(
            doc.class[i],
            WordClass::Noun | WordClass::Proper | WordClass::Adjective | WordClass::Verb
        );
        if content && ok_word(doc, i) && !is_time_word(doc.word(i)) {
            out.push(Mention { start: i, end: i + 1, source: Source::Word });
        }
    }
}

fn is_capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_uppercase())
}

fn gazetteer_mentions(doc: &Document<'_>, g: &Gazetteer, out: &mut Vec<Mention>, covered: &mut [bool]) {
    let mut i = 0;
    while i < doc.tokens.len() {
        if doc.tokens[i].kind != TokenKind::Word {
            i += 1;
            continue;
        }
        let caps = doc.in_caps(i);
        let found = g.match_at(&doc.text, &doc.tokens, i, caps).filter(|m| {
            let w = doc.word(i);
            match m.form {
                // A surname alone must look like a name: capitalised, and not a plain word here.
                AliasForm::Surname => {
                    is_capitalised(w) && (caps || doc.class.get(i) != Some(&WordClass::Other))
                }
                // "US" in capitals may be the pronoun ("LET US"); trust acronyms in capitals only
                // when they are written with periods or are longer than two letters.
                AliasForm::Acronym if caps => w.len() > 2 || w.contains('.'),
                _ => true,
            }
        });
        match found {
            Some(m) => {
                out.push(Mention { start: m.start, end: m.end, source: Source::Gazetteer(m.entry, m.form) });
                for c in &mut covered[m.start..m.end] {
                    *c = true;
                }
                i = m.end;
            }
            None => i += 1,
        }
    }
    drop_foreign_institutions(g, out, covered);
}

/// Drops the short names of national institutions ("Congress", the US Congress) in an article
/// that does not mention their country, or mentions another country more: there they name
/// another country's institution (Brazil's or India's Congress).
fn drop_foreign_institutions(g: &Gazetteer, out: &mut Vec<Mention>, covered: &mut [bool]) {
    let bound = |m: &Mention| match m.source {
        Source::Gazetteer(id, AliasForm::Name) => {
            let e = g.entry(id);
            if e.kind == EntryKind::Organization {
                e.country
            } else {
                None
            }
        }
        _ => None,
    };
    if !out.iter().any(|m| bound(m).is_some()) {
        return;
    }
    let mut mentions: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
    for m in out.iter() {
        if let Source::Gazetteer(id, _) = m.source {
            if g.entry(id).kind == EntryKind::Country {
                *mentions.entry(id).or_default() += 1;
            }
        }
    }
    let most = mentions.values().copied().max().unwrap_or(0);
    out.retain(|m| match bound(m) {
        Some(country) if mentions.get(&country).copied().unwrap_or(0) < most.max(1) => {
            covered[m.start..m.end].iter_mut().for_each(|c| *c = false);
            false
        }
        _ => true,
    });
}

fn name_mentions(doc: &Document<'_>, out: &mut Vec<Mention>, covered: &mut [bool]) {
    let n = doc.tokens.len();
    let mut i = 0;
    while i < n {
        let starts = !covered[i] && doc.class[i] == WordClass::Proper;
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < n && !covered[j] && doc.tokens[j].newlines_before == 0 {
            let w = doc.word(j);
            if doc.class[j] == WordClass::Proper && !doc.stop[j] {
                j += 1;
            } else if NAME_CONNECTORS.contains(&w)
                && j + 1 < n
                && !covered[j + 1]
                && doc.class[j + 1] == WordClass::Proper
                && is_capitalised(doc.word(j + 1))
            {
                j += 2;
            } else {
                break;
            }
        }
        split_name_run(doc, i, j, out);
        i = j;
    }
    for m in out.iter() {
        if let Source::Name(_) = m.source {
            for c in &mut covered[m.start..m.end] {
                *c = true;
            }
        }
    }
}

/// Names the recogniser missed: a capitalised word alone that the POS tagger reads as a proper
/// noun in the body's lead, outside any name, that the body writes at least twice, once at least
/// inside a sentence ("Investors fled Wirecard, the German payments group ... Wirecard's
/// lenders"; a sentence's first word alone may be a common word in capitals), or once as a
/// company's ([`resolve::company_cue`]: "Optus, Australia's second-largest telecommunications
/// company, said ..."), and never in lower case. Its
/// kind comes from its words and context ([`name_type`]), and later from the words around its
/// mentions (a company's, a person's).
fn missed_names(doc: &Document<'_>, out: &mut Vec<Mention>, covered: &mut [bool]) {
    let n = doc.analysed.min(doc.tokens.len());
    let found = |i: usize| {
        !covered[i]
            && doc.class[i] == WordClass::Proper
            && !doc.stop[i]
            && doc.tokens[i].kind == TokenKind::Word
            && is_capitalised(doc.word(i))
            && !is_time_word(doc.word(i))
    };
    // Alone: no capitalised word beside it, which would make it part of a longer name ("Native
    // American", "The Aisle New York"), but a sentence's first word ("The").
    let capital = |k: usize, i: usize| {
        doc.tokens[k].kind == TokenKind::Word
            && is_capitalised(doc.word(k))
            && doc.sentence_of[k] == doc.sentence_of[i]
    };
    let lone = |i: usize| {
        found(i)
            && (i == 0 || !capital(i - 1, i) || (doc.stop[i - 1] && doc.sentence_initial(i - 1)))
            && (i + 1 >= doc.tokens.len() || !capital(i + 1, i))
    };
    // Inside a sentence: after a word or a comma, not after a dash or a bracket ("WASHINGTON (AP)
    // - Guest lineup ...").
    let inside_at = |i: usize| {
        !doc.sentence_initial(i)
            && i > 0
            && (doc.tokens[i - 1].kind == TokenKind::Word || doc.word(i - 1) == ",")
    };
    // Each such word: (times written, times written inside a sentence, times written as a
    // company's: "Optus, Australia's second-largest telecommunications company, said ...").
    let lone: Vec<usize> = (doc.title_tokens..n).filter(|&i| lone(i)).collect();
    let mut seen: rustc_hash::FxHashMap<&str, (u32, u32, u32)> = Default::default();
    for &i in &lone {
        let (all, inside, company) = seen.entry(doc.word(i)).or_default();
        *all += 1;
        *inside += u32::from(inside_at(i));
        *company += u32::from(resolve::company_cue(doc, i, i + 1));
    }
    let name = |&(all, inside, company): &(u32, u32, u32)| (all >= 2 && inside >= 1) || company >= 1;
    seen.retain(|_, counts| name(counts));
    if seen.is_empty() {
        return;
    }
    // A word the article also writes in lower case is a common word in capitals ("River", "Guest").
    let lower: Vec<String> = seen.keys().map(|w| w.to_lowercase()).collect();
    for i in 0..doc.tokens.len() {
        let w = doc.word(i);
        if w.starts_with(|c: char| c.is_lowercase()) && lower.iter().any(|l| l == w) {
            seen.retain(|name, _| name.to_lowercase() != w);
        }
    }
    // A sentence's first word is the name where the body also writes it inside a sentence.
    for i in lone.into_iter().filter(|&i| seen.contains_key(doc.word(i))) {
        out.push(Mention { start: i, end: i + 1, source: Source::Name(name_type(doc, i, i + 1)) });
        covered[i] = true;
    }
}

/// A demonym, surname or country name the gazetteer found inside a longer person or organisation
/// name ("German" in "German Gref", "Jordan" in "Jordan Bardella") is part of that name, not a
/// mention of its own.
/// A demonym right before a one-word person name is that person's first name ("German Gref").
/// A minor place (a city or region of the lists, not a capital) is one only where the
/// recogniser reads a place: not inside a longer person or organisation name ("Jackson" in
/// "Michael Jackson"), not where it reads no name at all ("High inflation", "Mobile phones").
/// Any place named alone that is the family name of a person the article names in full is that
/// person ("Hamilton" beside "Lewis Hamilton"), unless the recogniser reads a place there.
fn yield_to_names(
    doc: &Document<'_>,
    gazetteer: &Gazetteer,
    entities: &[Entity],
    out: &mut Vec<Mention>,
    covered: &mut [bool],
) -> Vec<Entity> {
    let mut entities = entities.to_vec();
    // Linear in mentions and entities (an article may hold millions of tokens): one-word demonym
    // mentions by the token they end at, and the person or organisation name over each token.
    let mut demonym_ending: rustc_hash::FxHashMap<usize, usize> = rustc_hash::FxHashMap::default();
    for (k, m) in out.iter().enumerate() {
        if m.end - m.start == 1
            && matches!(m.source, Source::Gazetteer(_, AliasForm::Demonym))
            && !doc.in_caps(m.start)
        {
            demonym_ending.entry(m.end).or_insert(k);
        }
    }
    let mut removed = vec![false; out.len()];
    for e in entities.iter_mut().filter(|e| e.kind == EntityKind::Person && e.start > 0) {
        if doc.tokens.get(e.start).is_none_or(|t| t.newlines_before != 0) {
            continue;
        }
        if let Some(&k) = demonym_ending.get(&e.start) {
            if !removed[k] {
                removed[k] = true;
                e.start = out[k].start;
                covered[out[k].start] = false;
            }
        }
    }
    let mut name_over: Vec<Option<(usize, usize)>> = vec![None; covered.len()];
    for e in entities.iter().filter(|e| matches!(e.kind, EntityKind::Person | EntityKind::Organization)) {
        for slot in name_over.iter_mut().take(e.end).skip(e.start) {
            if slot.is_none_or(|(a, b)| b - a < e.end - e.start) {
                *slot = Some((e.start, e.end));
            }
        }
    }
    // Family names of the article's people of two or more words: "Hamilton" after "Lewis
    // Hamilton" is the driver, not Bermuda's capital, unless the recogniser reads a place there
    // in the body. Its reading of a terse headline is not trusted over the body's names: a
    // headline place that is such a family name becomes the person.
    let surnames: rustc_hash::FxHashSet<&str> = entities
        .iter()
        .filter(|e| e.kind == EntityKind::Person && e.end - e.start >= 2 && e.end <= doc.tokens.len())
        .map(|e| doc.word(e.end - 1))
        .collect();
    for e in entities.iter_mut() {
        if e.kind == EntityKind::Location
            && e.end == e.start + 1
            && doc.in_title(e.start)
            && surnames.contains(doc.word(e.start))
        {
            e.kind = EntityKind::Person;
        }
    }
    let mut place_at = vec![false; covered.len()];
    for e in entities.iter().filter(|e| e.kind == EntityKind::Location) {
        place_at.iter_mut().take(e.end).skip(e.start).for_each(|p| *p = true);
    }
    let mut k = 0;
    out.retain(|m| {
        let gone = removed[k];
        k += 1;
        if gone {
            return false;
        }
        let minor_place = match m.source {
            Source::Gazetteer(entry, _) => {
                let e = gazetteer.entry(entry);
                matches!(e.kind, EntryKind::City | EntryKind::Region) && !e.major
            }
            _ => false,
        };
        let in_name = name_over
            .get(m.start)
            .copied()
            .flatten()
            .is_some_and(|(a, b)| a <= m.start && m.end <= b && b - a > m.end - m.start);
        let read_as_place = place_at.get(m.start..m.end).is_some_and(|p| p.iter().any(|&p| p));
        let place_entry = match m.source {
            Source::Gazetteer(entry, AliasForm::Canonical | AliasForm::Name) => {
                matches!(
                    gazetteer.entry(entry).kind,
                    EntryKind::Country | EntryKind::Region | EntryKind::City
                )
            }
            _ => false,
        };
        let a_surname =
            place_entry && m.end == m.start + 1 && !read_as_place && surnames.contains(doc.word(m.start));
        let inside = a_surname
            || (in_name
                && matches!(
                    m.source,
                    Source::Gazetteer(
                        _,
                        AliasForm::Demonym | AliasForm::Surname | AliasForm::Name | AliasForm::Canonical
                    )
                ))
            || (minor_place && (in_name || !read_as_place));
        if inside {
            for c in &mut covered[m.start..m.end] {
                *c = false;
            }
        }
        !inside
    });
    entities
}

/// Names from the recognizer, where the gazetteer found nothing: its type decides the tag's.
fn entity_mentions(doc: &Document<'_>, entities: &[Entity], out: &mut Vec<Mention>, covered: &mut [bool]) {
    let common = conventional_capitals(doc, entities);
    for e in entities {
        if e.end > doc.tokens.len() || covered[e.start..e.end].iter().any(|&c| c) {
            continue;
        }
        // Where capitals say nothing, the recogniser reads them as names ("Sean Parnell
        // Appointee Who Wants ...", "Grosjean Escapes Fireball Crash", "Air pollution is ..."):
        // its name loses the words at its edges that the body writes as common words, and goes
        // when nothing is left.
        let mut e = *e;
        let mut trimmed = false;
        if !common.is_empty() {
            let is_common = |k: usize| common.contains(&k);
            let (start, end) = (e.start, e.end);
            while e.start < e.end && is_common(e.start) {
                e.start += 1;
            }
            while e.end > e.start && is_common(e.end - 1) {
                e.end -= 1;
            }
            trimmed = (e.start, e.end) != (start, end);
            // What is left must be a name the body writes ("Rooney Scores" -> Rooney), typed
            // afresh: "Rotterdam Port Union" leaves a place, not an organisation.
            if e.start == e.end
                || (trimmed && !(e.start..e.end).any(|k| doc.class.get(k) == Some(&WordClass::Proper)))
            {
                continue;
            }
        }
        // A storm's name is read without its kind ("Hurricane [Maria]", "Tropical Storm
        // [Alberto]"): it gets it back.
        let free_word = |k: usize, w: &str| !covered[k] && doc.word(k).eq_ignore_ascii_case(w);
        if e.start > 0 && !covered[e.start - 1] && is_storm_word(doc.word(e.start - 1)) {
            e.start -= 1;
            if e.start > 0 && free_word(e.start - 1, "Tropical") {
                e.start -= 1;
            }
        }
        let ty = match e.kind {
            // Storms, laws and events are things, whatever the recogniser reads ("Hurricane
            // Maria" a person, "AI Act" an organisation, "Cannes Film Festival" a place).
            _ if is_event_or_law((e.start..e.end).map(|k| doc.word(k))) => Kind::Other,
            // A person's name does not end in a company suffix or an institution's word ("Yoox
            // SpA", "Miguel Castro Castro Prison").
            EntityKind::Person if e.end - e.start >= 2 && is_institution_head(doc.word(e.end - 1)) => {
                Kind::Organization
            }
            // A person or an organisation whose name is a site's ("Lusail Stadium", "Manchester
            // Arena", "Zion National Park", "Mount Marapi") is a place.
            EntityKind::Person | EntityKind::Organization
                if is_site((e.start..e.end).map(|k| doc.word(k))) =>
            {
                Kind::Place
            }
            EntityKind::Person => Kind::Person,
            EntityKind::Location => Kind::Place,
            EntityKind::Organization => Kind::Organization,
            EntityKind::Misc => Kind::Other,
        };
        // Role words the recognizer kept inside a person's name ("President Putin") go.
        let mut start = e.start;
        while ty == Kind::Person && start + 1 < e.end && ROLE_WORDS.contains(&doc.word(start)) {
            start += 1;
        }
        push_name(doc, start, e.end, if trimmed { None } else { Some(ty) }, out);
    }
    for m in out.iter() {
        if let Source::Name(_) = m.source {
            for c in &mut covered[m.start..m.end] {
                *c = true;
            }
        }
    }
}

/// The tokens of the recogniser's `entities` that are common words whose capital is only the
/// convention of where they stand (a few token indices; usually none):
/// - the words of a name in a headline whose capitals say nothing about names (Title Case, or
///   capitals only) that the body does not write as names ([`classify`]'s `link_case_blind`),
///   when the body has ordinary sentences to tell by;
/// - a one-word name that opens a sentence of the body ("Air pollution is ...").
///
/// Such a word is common when the lead writes it in lower case in some form ("Escapes" beside
/// "escaped": a lower-case word of the lead that starts with the word's stem and is at most four
/// letters longer; a stem of three letters or fewer must be the word itself), and never with a
/// capital inside an ordinary sentence. A company suffix ("Inc", "Corp") is never common.
fn conventional_capitals(doc: &Document<'_>, entities: &[Entity]) -> Vec<usize> {
    let n = doc.tokens.len();
    let title = doc.title_tokens.min(n);
    let entities = entities.iter().filter(|e| e.start < e.end && e.end <= n);
    let blind_title = title > 0
        && entities.clone().any(|e| e.start < title)
        && (doc.title_case() || doc.in_caps(0))
        && (title..n).any(|k| !doc.in_caps(k));
    let headline = entities
        .clone()
        .filter(|e| blind_title && e.start < title)
        .flat_map(|e| e.start..e.end.min(title))
        .filter(|&k| doc.class.get(k) != Some(&WordClass::Proper));
    let openers = entities
        .filter(|e| e.start >= title && e.end == e.start + 1 && !doc.in_caps(e.start))
        .filter(|e| doc.sentence_initial(e.start))
        .map(|e| e.start);
    let queries: Vec<(usize, String)> = headline
        .chain(openers)
        .filter(|&k| doc.tokens[k].kind == TokenKind::Word && !resolve::is_company_suffix(doc.word(k)))
        .map(|k| (k, crate::text::porter::stem(doc.word(k))))
        .collect();
    if queries.is_empty() {
        return Vec::new();
    }
    let (mut lower, mut named) = (vec![false; queries.len()], vec![false; queries.len()]);
    for k in title..doc.analysed.min(n) {
        let w = doc.word(k);
        if doc.tokens[k].kind != TokenKind::Word {
            continue;
        }
        if w.starts_with(|c: char| c.is_lowercase()) {
            for ((q, stem), seen) in queries.iter().zip(&mut lower) {
                // A stem of three letters or fewer must be the word itself ("Inc" is not "income").
                *seen |= if stem.len() >= 4 {
                    w.len() <= stem.len() + 4 && w.starts_with(stem.as_str())
                } else {
                    w.eq_ignore_ascii_case(doc.word(*q))
                };
            }
        } else if !doc.in_caps(k) && !doc.sentence_initial(k) {
            for ((q, _), seen) in queries.iter().zip(&mut named) {
                *seen |= w.eq_ignore_ascii_case(doc.word(*q));
            }
        }
    }
    queries.iter().zip(lower).zip(named).filter(|((_, l), m)| *l && !*m).map(|(((q, _), _), _)| *q).collect()
}

/// Splits a run of capitalised tokens at role words: "Sberbank CEO German Gref" gives the
/// organisation "Sberbank" and the person "German Gref".
fn split_name_run(doc: &Document<'_>, start: usize, end: usize, out: &mut Vec<Mention>) {
    let role = (start..end).rev().find(|&k| ROLE_WORDS.contains(&doc.word(k)));
    let Some(r) = role else {
        push_name(doc, start, end, None, out);
        return;
    };
    // "Secretary of State Antony Blinken": the role's complement ends before the last two tokens.
    let mut name_start = r + 1;
    if name_start + 1 < end && doc.word(name_start) == "of" {
        name_start += 2;
    }
    if name_start >= end {
        // A role and nothing after it ("the President"): not a name.
        return;
    }
    // Whatever stands before the role words is an organisation or a place qualifying it.
    let role_start = (start..=r).find(|&k| ROLE_WORDS.contains(&doc.word(k))).unwrap_or(r);
    let mut qualifier_end = role_start;
    while qualifier_end > start
        && matches!(
            doc.word(qualifier_end - 1),
            "Foreign"
                | "Defence"
                | "Defense"
                | "Prime"
                | "Finance"
                | "Interior"
                | "Central"
                | "Executive"
                | "Vice"
                | "Deputy"
                | "State"
                | "Attorney"
                | "Trade"
                | "Health"
                | "Economy"
                | "Energy"
        )
    {
        qualifier_end -= 1;
    }
    if qualifier_end > start {
        push_name(doc, start, qualifier_end, Some(Kind::Organization), out);
    }
    push_name(doc, name_start, end, Some(Kind::Person), out);
}

/// A stock ticker in angle brackets, as wire services write them after a company's name
/// ("NEW LINE CINEMA CORP <NLN> 4TH QTR NET"): tokens `start..end` are enclosed by `<` and `>`.
/// It is a code, not a tag of its own.
fn is_ticker(doc: &Document<'_>, start: usize, end: usize) -> bool {
    // "<" and ">" are symbol tokens: the kinds turn most tokens away before their text is read.
    let symbol = |k: usize| doc.tokens[k].kind == TokenKind::Symbol;
    start > 0
        && end < doc.tokens.len()
        && symbol(start - 1)
        && symbol(end)
        && doc.word(start - 1) == "<"
        && doc.word(end) == ">"
}

fn push_name(doc: &Document<'_>, mut start: usize, end: usize, hint: Option<Kind>, out: &mut Vec<Mention>) {
    if is_ticker(doc, start, end) {
        return;
    }
    // The name follows a compound that describes it ("Denver-based Qwest", "Joe Nacchio-led
    // Qwest"); a compound alone is no name ("Kremlin-backed").
    if let Some(k) = (start..end).rev().find(|&k| is_descriptive_compound(doc.word(k))) {
        start = k + 1;
    }
    // Drop a leading sentence-initial stopword or time word ("The", "Monday").
    while start < end && (doc.stop[start] || is_time_word(doc.word(start))) {
        start += 1;
    }
    if start >= end || (end - start == 1 && is_time_word(doc.word(start))) {
        return;
    }
    let ty = hint.unwrap_or_else(|| name_type(doc, start, end));
    out.push(Mention { start, end, source: Source::Name(ty) });
}

/// A last word that makes a name an organisation's even where the recogniser reads a person: a
/// company suffix ("Inc", "SpA", "plc"; [`resolve::is_company_suffix`]), one of the [`ORG_HEADS`] that no person's name ends in
/// ("Ministry", "University"; not "Court", "Church", "Post", "Bank"...), or a building's
/// ("Prison", "Hospital").
fn is_institution_head(word: &str) -> bool {
    /// Organisations' last words that end people's names too (Margaret Court, Charlotte Church,
    /// Emily Post) or common words of no institution.
    const ALSO_PEOPLE: &[&str] = &[
        "Group", "Bank", "Party", "Union", "Board", "Service", "Court", "Army", "Navy", "Police", "Motors",
        "Systems", "Exchange", "Fund", "Church", "Society", "Club", "Network", "Times", "News", "Post",
        "Journal", "League", "Office", "Unit",
    ];
    const BUILDINGS: &[&str] = &["Prison", "Hospital", "School", "Museum"];
    resolve::is_company_suffix(word)
        || (ORG_HEADS.contains(&word) && !ALSO_PEOPLE.contains(&word))
        || BUILDINGS.contains(&word)
}

/// A name of a storm ("Hurricane Maria", "Tropical Storm Alberto"), a law or treaty ("AI Act",
/// "General Data Protection Regulation", "Kyoto Protocol") or an event ("Rio Olympics", "NBA
/// Finals", "Cannes Film Festival", "World War II"), by its first words or its last: a thing,
/// whatever type the recogniser or a short form of the name reads.
fn is_event_or_law<'a>(words: impl IntoIterator<Item = &'a str>) -> bool {
    const HEADS: &[&str] = &[
        // Laws and treaties.
        "Act",
        "Treaty",
        "Accord",
        "Accords",
        "Directive",
        "Regulation",
        "Protocol",
        "Amendment",
        // Events.
        "Olympics",
        "Paralympics",
        "Games",
        "Finals",
        "Tournament",
        "Festival",
        "Championship",
        "Championships",
        "Cup",
        "Open",
        "Marathon",
        "Prix",
        "Expo",
        "War",
    ];
    let mut words = words.into_iter();
    let (Some(first), Some(second)) = (words.next(), words.next()) else { return false };
    let (mut n, mut before, mut last) = (2, first, second);
    // The body that makes or runs one is an organisation: a word before the last that makes one
    // ([`is_institution_head`]: "State Administration for Market Regulation").
    let mut institution = is_institution_head(first);
    for w in words {
        institution |= is_institution_head(last);
        (n, before, last) = (n + 1, last, w);
    }
    // "World War II": the war's number follows it.
    if n >= 3 && matches!(last, "I" | "II") {
        last = before;
    }
    let is_head = |w: &str| HEADS.iter().any(|x| x.eq_ignore_ascii_case(w));
    let storm = is_storm_word(first) || (first.eq_ignore_ascii_case("Tropical") && is_storm_word(second));
    storm || (is_head(last) && !institution)
}

/// A name of several words that can only be a site's: its last word is one that ends no person's or
/// organisation's name ("Lusail Stadium", "Manchester Arena", "Heathrow Airport", "Cook
/// Islands"), or it ends in "National Park" or "National Forest", or begins with "Mount" or "Mt."
/// ("Mount Marapi"). Not "Park" alone (Mungo Park, Linkin Park) nor "Forest" (Nottingham Forest).
fn is_site<'a>(words: impl IntoIterator<Item = &'a str>) -> bool {
    const SITES: &[&str] = &[
        "Stadium",
        "Arena",
        "Airport",
        "Island",
        "Islands",
        "River",
        "Mountains",
        "Ocean",
        "Strait",
        "Peninsula",
        "Canal",
        "Glacier",
        "Volcano",
        "Canyon",
        "Desert",
    ];
    let mut words = words.into_iter();
    let Some(first) = words.next() else { return false };
    let (mut n, mut before, mut last) = (1, "", first);
    for w in words {
        (n, before, last) = (n + 1, last, w);
    }
    n >= 2
        && (SITES.contains(&last)
            || (before == "National" && matches!(last, "Park" | "Forest"))
            || matches!(first, "Mount" | "Mt."))
}

/// The tag type of a name that resolution left [`Kind::Other`]: a place when its words name
/// one ("Yellowstone National Park", "Lusail Stadium", "Lake Victoria"), an organisation when
/// its last word makes one ("Geological Survey"), and otherwise a topic: a storm, a law, an
/// event, a product, a nationality ("Hurricane Andrew", "Olympic Games", "ChatGPT"), which the
/// editors' topic lists hold.
fn other_tag_type(name: &str) -> TagType {
    /// First words of places ("Mount Everest", "Lake Victoria", "Gulf of Mexico").
    const PLACE_FIRSTS: &[&str] = &["Mount", "Mt.", "Lake", "River", "Gulf", "Cape", "Isle"];
    let mut words = name.split_whitespace();
    let Some(first) = words.next() else { return TagType::Topic };
    let last = words.next_back();
    if is_event_or_law(name.split_whitespace()) {
        return TagType::Topic;
    }
    match last {
        Some(last) if PLACE_HEADS.contains(&last) => TagType::Place,
        Some(last) if is_institution_head(last) => TagType::Organization,
        Some(_) if PLACE_FIRSTS.contains(&first) => TagType::Place,
        _ => TagType::Topic,
    }
}

/// A capitalised word that names a storm's kind ("Hurricane Maria", "Storm Daniel"), in any
/// case: capitals-only headlines write "CYCLONE ALFRED".
fn is_storm_word(word: &str) -> bool {
    word.starts_with(char::is_uppercase)
        && ["Hurricane", "Typhoon", "Cyclone", "Storm"].iter().any(|x| x.eq_ignore_ascii_case(word))
}

/// A hyphenated word that describes a name and is not part of one: its last part is a lower-case
/// participle or one of a few such words ("Denver-based", "Kremlin-backed", "American-made",
/// "Oscar-winning", "World War II-era"). Names keep theirs: "Rolls-Royce", "al-Assad", and
/// the given names "Ki-moon", "Geun-hye", "Ka-shing".
fn is_descriptive_compound(word: &str) -> bool {
    const TAILS: &[&str] =
        &["born", "made", "run", "built", "era", "style", "wide", "winning", "leaning", "speaking", "who"];
    word.rsplit_once('-').is_some_and(|(head, tail)| {
        !head.is_empty()
            && tail.chars().all(|c| c.is_ascii_lowercase())
            && ((tail.len() >= 3 && tail.ends_with("ed")) || TAILS.contains(&tail))
    })
}

/// The type a name's own words and its context suggest; `Other` when nothing does.
fn name_type(doc: &Document<'_>, start: usize, end: usize) -> Kind {
    let last = doc.word(end - 1);
    if is_event_or_law((start..end).map(|k| doc.word(k))) {
        return Kind::Other;
    }
    if ORG_HEADS.contains(&last) {
        return Kind::Organization;
    }
    if PLACE_HEADS.contains(&last) {
        return Kind::Place;
    }
    if start > 0 {
        let prev = doc.word(start - 1).to_lowercase();
        if (PERSON_ROLES.contains(&prev.as_str()) || PERSON_CUES.contains(&prev.as_str())) && end - start >= 2
        {
            return Kind::Person;
        }
        if matches!(prev.as_str(), "in" | "near" | "from" | "to") && end - start == 1 {
            return Kind::Other;
        }
    }
    if end < doc.tokens.len() {
        let next = doc.word(end);
        if matches!(next, "said" | "says" | "told") && end - start >= 2 {
            return Kind::Person;
        }
    }
    Kind::Other
}

/// Topical noun phrases: `(Adjective | Noun | Proper)* Noun`, at most four words, no stopwords,
/// not headed by a time word; maximal runs only, and when the chunker ran
/// ([`Document::np`]), within one noun phrase.
fn phrase_mentions(doc: &Document<'_>, covered: &[bool], out: &mut Vec<Mention>) {
    // The lead only: past it, [`tail_mentions`].
    let n = doc.analysed.min(doc.tokens.len());
    let mut i = 0;
    while i < n {
        let c = doc.class[i];
        if !matches!(c, WordClass::Adjective | WordClass::Noun | WordClass::Proper) || !ok_word(doc, i) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < n
            && matches!(doc.class[j], WordClass::Adjective | WordClass::Noun | WordClass::Proper)
            && ok_word(doc, j)
            && doc.sentence_of[j] == doc.sentence_of[i]
            && doc.np.get(j).is_none_or(|&np| np == crate::document::NP_INSIDE)
        {
            j += 1;
        }
        // Trim to end on a noun.
        let mut end = j;
        while end > i && doc.class[end - 1] != WordClass::Noun {
            end -= 1;
        }
        if end > i && !is_time_word(doc.word(end - 1)) {
            let start = if end - i > 4 { end - 4 } else { i };
            let has_noun = (start..end).any(|k| doc.class[k] == WordClass::Noun);
            let inside_name = covered[start..end].iter().all(|&c| c);
            if has_noun && !inside_name {
                // The phrase, and shorter phrases inside it: suffixes ending on the head ("oil
                // spill" in "biggest oil spill") and its single nouns ("oil"). The ranker weighs
                // them. Pushed in (start, end) order, the order `find_mentions_with` sorts into.
                for (k, &cov) in covered.iter().enumerate().take(end).skip(start) {
                    if k + 1 < end && matches!(doc.class[k], WordClass::Noun | WordClass::Proper) && !cov {
                        out.push(Mention { start: k, end: k + 1, source: Source::SubPhrase });
                    }
                    let source = if k == start { Source::Phrase } else { Source::SubPhrase };
                    out.push(Mention { start: k, end, source });
                }
            }
        }
        i = j;
    }
}

fn ok_word(doc: &Document<'_>, i: usize) -> bool {
    doc.tokens[i].kind == TokenKind::Word
        && !doc.stop[i]
        && has_two_chars(doc, i)
        && !is_ticker(doc, i, i + 1)
}

/// Whether token `i` has two characters or more, read from its length and first byte when they
/// tell (a character takes at most four bytes, an ASCII one a single byte).
fn has_two_chars(doc: &Document<'_>, i: usize) -> bool {
    let t = &doc.tokens[i];
    let len = t.end - t.start;
    len > 4 || (len >= 2 && doc.text.as_bytes()[t.start] < 0x80) || doc.word(i).chars().nth(1).is_some()
}

/// Tag type for a gazetteer entry kind.
pub fn entry_type(kind: EntryKind) -> Kind {
    match kind {
        EntryKind::Country | EntryKind::Region | EntryKind::City => Kind::Place,
        EntryKind::Person => Kind::Person,
        EntryKind::Organization => Kind::Organization,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::GazetteerData;

    /// Candidate names of `text` (no title) under `policy`, with the spelling-based word classes.
    fn names(text: &str, policy: CandidatePolicy) -> Vec<(String, u32)> {
        let g = Gazetteer::from_data(GazetteerData::default()).unwrap();
        let mut doc = Document::new("", text);
        classify(&mut doc);
        let mentions = find_mentions_with(&doc, &g, &policy);
        let mut out: Vec<(String, u32)> = resolve(&doc, &g, &mentions)
            .into_iter()
            .map(|c| (c.name.to_lowercase(), c.word_mentions))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn past_the_lead_spans_match_in_any_case_and_names_as_written() {
        let text =
            "élysée reform and counterrevolutionary-antidisestablishmentarianism-supercalifragilistic \
                    policy with Zoë Picard . Then ÉLYSÉE Reform met \
                    Counterrevolutionary-Antidisestablishmentarianism-Supercalifragilistic POLICY , \
                    ZOË PICARD , Zoë Picard and élysée reforms .";
        let mut doc = Document::new("", text);
        let at = |doc: &Document<'_>, w: &str| (0..doc.tokens.len()).find(|&i| doc.word(i) == w).unwrap();
        let (then, compound, zoe) = (
            at(&doc, "Then"),
            at(&doc, "counterrevolutionary-antidisestablishmentarianism-supercalifragilistic"),
            at(&doc, "Zoë"),
        );
        doc.analysed = then;
        assert!(doc.word(compound).len() > 64, "a word too long for hash_lower's buffer is tested");
        let lead = vec![
            Mention { start: 0, end: 2, source: Source::Phrase },
            Mention { start: compound, end: compound + 2, source: Source::Phrase },
            Mention { start: zoe, end: zoe + 2, source: Source::Name(Kind::Person) },
        ];
        let mut out = lead.clone();
        let mut covered = vec![false; doc.tokens.len()];
        tail_mentions(&doc, &mut covered, &mut out);
        let later: Vec<(&str, usize, Source)> =
            out[lead.len()..].iter().map(|m| (doc.word(m.start), m.end - m.start, m.source)).collect();
        assert_eq!(
            later,
            [
                ("ÉLYSÉE", 2, Source::Phrase),
                ("Counterrevolutionary-Antidisestablishmentarianism-Supercalifragilistic", 2, Source::Phrase),
                ("Zoë", 2, Source::Name(Kind::Person)),
            ],
            "phrases in any case, the name only as written, \"reforms\" not as \"reform\""
        );
    }

    #[test]
    fn descriptive_compounds_are_not_names() {
        for w in ["Denver-based", "Kremlin-backed", "Icahn-led", "American-made", "Oscar-winning", "II-era"] {
            assert!(is_descriptive_compound(w), "{w}");
        }
        for w in [
            "Rolls-Royce",
            "al-Assad",
            "Ki-moon",
            "Geun-hye",
            "Ka-shing",
            "Ching-te",
            "based",
            "-led",
            "Coca-Cola",
        ] {
            assert!(!is_descriptive_compound(w), "{w}");
        }
        let text = "Denver-based Qwest said on Monday that CenturyLink would buy it. Qwest shares rose.";
        let names = names(text, CandidatePolicy::default());
        assert!(names.iter().any(|(n, _)| n == "qwest"), "{names:?}");
        assert!(!names.iter().any(|(n, _)| n.contains("based")), "{names:?}");
    }

    #[test]
    fn storms_laws_and_events() {
        let is = |name: &str| is_event_or_law(name.split_whitespace());
        for name in [
            "Hurricane Maria",
            "TYPHOON HAIYAN",
            "Tropical Storm Alberto",
            "Tropical Cyclone Alfred",
            "AI Act",
            "Online News Act",
            "General Data Protection Regulation",
            "Kyoto Protocol",
            "Rio Olympics",
            "NBA Finals",
            "Cannes Film Festival",
            "World War II",
            "Vietnam War",
        ] {
            assert!(is(name), "{name}");
        }
        for name in [
            "Maria",
            "Act",
            "State Administration for Market Regulation",
            "Ministry of Defence Act",
            "National Hurricane Center",
            "Storm",
            "Henry II",
            "Pope John Paul II",
            "Tropical Fish Company",
            "hurricane Maria",
        ] {
            assert!(!is(name), "{name}");
        }
    }

    #[test]
    fn names_of_no_kind_take_a_type_from_their_words() {
        for (name, want) in [
            ("Yellowstone National Park", TagType::Place),
            ("Lusail Stadium", TagType::Place),
            ("Mount Everest", TagType::Place),
            ("Lake Victoria", TagType::Place),
            ("Tornado Alley", TagType::Place),
            ("Cancer Research Institute", TagType::Organization),
            ("Novopharm Ltd", TagType::Organization),
            ("Hurricane Andrew", TagType::Topic),
            // An event held in a place is an event: "Cup" decides before "Stadium" could.
            ("Stadium Cup", TagType::Topic),
            ("ChatGPT", TagType::Topic),
            ("Hispanics", TagType::Topic),
            // One word alone says nothing of its kind.
            ("Park", TagType::Topic),
            ("Mount", TagType::Topic),
            ("", TagType::Topic),
        ] {
            assert_eq!(other_tag_type(name), want, "{name}");
        }
    }

    #[test]
    fn single_words_are_offered_only_when_asked() {
        let text = "The director Terrence Malick screened the film. Critics screened it again.";
        let plain = names(text, CandidatePolicy::default());
        let words = names(text, CandidatePolicy { single_words: true });
        let has = |v: &[(String, u32)], n: &str| v.iter().any(|(x, _)| x == n);
        // By default: names and noun phrases, no word mentions at all.
        assert!(plain.iter().all(|(_, w)| *w == 0), "{plain:?}");
        assert!(!has(&plain, "screened") && !has(&plain, "terrence"), "{plain:?}");
        // With single words: the verb (both mentions, one stem), a name's first word, the nouns.
        let screened = words.iter().find(|(x, _)| x == "screened");
        assert_eq!(screened.map(|s| s.1), Some(2), "{words:?}");
        for w in ["terrence", "malick", "film", "director"] {
            assert!(has(&words, w), "{w} missing from {words:?}");
        }
        // Stopwords and function words never are.
        for w in ["the", "it", "again"] {
            assert!(!has(&words, w), "{w} in {words:?}");
        }
        // Every default candidate is still there.
        for (n, _) in &plain {
            assert!(has(&words, n), "{n} lost in {words:?}");
        }
    }
}
