//! Reuters-21578 tag codes as display names, so that `reuters/reuters-train.jsonl` can serve as a
//! gold set of names: `usa` -> "United States" (or "US", "U.S.", ...), `james-baker` ->
//! "James Baker" (or "Baker"), `imf` -> "IMF" (or "International Monetary Fund").
//!
//! Everything comes from the data folder at run time ([`ReutersNames::load`]); nothing of the
//! data set is built in. The sources:
//!
//! - places: `gazetteer/countries-en.jsonl` (name, official name, alternative spellings), looked up
//!   by the code, plus [`PLACES`] for the codes that changed name since 1987 or that the
//!   gazetteer spells differently (`west-germany`, `ussr`, `zaire`, `turkey`, ...) and for the
//!   usual short forms (`usa` -> "US", "U.S.", "America");
//! - people: `reuters/lists/cat-descriptions_120396.txt` lists every person code with a role and
//!   a full name ("Chairman of Federal Reserve Board Alan Greenspan (GREENSPAN)"): the name is the
//!   words that spell the code plus the capitalised words just before them, up to the role. When
//!   that gives only a surname, the article text is searched for a first name ("Paul Volcker");
//! - organisations: [`ORGS`], a hand table of the 32 codes that the training file uses, with the
//!   names from the same category description file.
//!
//! A code found nowhere becomes its words title-cased (`cayman-islands` -> "Cayman Islands").

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use newstag::{Error, Result};
use serde_json::Value;

use crate::dataset::Doc;

/// Display names for place codes: the names first, then the ISO alpha-3 code of the gazetteer
/// entry whose names are added after them ("" for none). Only codes that the gazetteer does not
/// find by their own words, or that need the usual short forms, are listed.
pub const PLACES: &[(&str, &[&str], &str)] = &[
    ("usa", &["United States", "US", "U.S.", "USA", "U.S.A.", "America"], "USA"),
    ("uk", &["United Kingdom", "Britain", "UK", "U.K.", "Great Britain"], "GBR"),
    ("ussr", &["Soviet Union", "USSR", "U.S.S.R."], ""),
    ("west-germany", &["West Germany"], ""),
    ("east-germany", &["East Germany"], ""),
    ("czechoslovakia", &["Czechoslovakia"], ""),
    ("yugoslavia", &["Yugoslavia"], ""),
    ("netherlands-antilles", &["Netherlands Antilles"], ""),
    ("yemen-arab-republic", &["North Yemen", "Yemen Arab Republic"], ""),
    ("yemen-demo-republic", &["South Yemen", "People's Democratic Republic of Yemen"], ""),
    ("kampuchea", &["Kampuchea", "Cambodia"], "KHM"),
    ("burma", &["Burma", "Myanmar"], "MMR"),
    ("zaire", &["Zaire"], "COD"),
    ("turkey", &["Turkey"], "TUR"),
    ("ivory-coast", &["Ivory Coast"], "CIV"),
    ("uae", &["United Arab Emirates", "UAE", "U.A.E."], "ARE"),
    ("trinidad-tobago", &["Trinidad and Tobago", "Trinidad"], "TTO"),
    ("antigua", &["Antigua and Barbuda", "Antigua"], "ATG"),
    ("swaziland", &["Swaziland"], "SWZ"),
    ("macao", &["Macao"], "MAC"),
    ("vatican", &["Vatican"], "VAT"),
    ("western-samoa", &["Western Samoa"], "WSM"),
    ("us-virgin-islands", &["U.S. Virgin Islands", "US Virgin Islands"], "VIR"),
    ("cape-verde", &["Cape Verde"], "CPV"),
    ("netherlands", &["Netherlands", "Holland"], "NLD"),
];

/// Display names for the 32 organisation codes used in `reuters-train.jsonl`, preferred name
/// first. Source: the "Organization Codes" list of Reuters-21578's
/// `cat-descriptions_120396.txt` (e.g. "International Monetary Fund (IMF)"), with the short
/// forms and the US/UK spellings the wire uses for them.
pub const ORGS: &[(&str, &[&str])] = &[
    ("ec", &["European Community", "EC", "European Economic Community", "EEC", "European Communities"]),
    ("worldbank", &["World Bank", "International Bank for Reconstruction and Development", "IBRD"]),
    ("imf", &["IMF", "International Monetary Fund"]),
    (
        "opec",
        &[
            "OPEC",
            "Organization of Petroleum Exporting Countries",
            "Organisation of Petroleum Exporting Countries",
        ],
    ),
    ("gatt", &["GATT", "General Agreement on Tariffs and Trade"]),
    ("ico-coffee", &["International Coffee Organization", "ICO", "International Coffee Organisation"]),
    (
        "oecd",
        &[
            "OECD",
            "Organisation for Economic Co-operation and Development",
            "Organization for Economic Cooperation and Development",
        ],
    ),
    ("icco", &["International Cocoa Organization", "ICCO", "International Cocoa Organisation"]),
    ("adb-asia", &["Asian Development Bank", "ADB"]),
    ("unctad", &["UNCTAD", "United Nations Conference on Trade and Development"]),
    ("itc", &["International Tin Council", "ITC"]),
    ("adb-africa", &["African Development Bank", "AfDB"]),
    ("iea", &["International Energy Agency", "IEA"]),
    ("un", &["United Nations", "UN", "U.N."]),
    ("fao", &["Food and Agriculture Organization", "FAO", "Food and Agriculture Organisation"]),
    (
        "inro",
        &["International Natural Rubber Organization", "INRO", "International Natural Rubber Organisation"],
    ),
    ("eib", &["European Investment Bank", "EIB"]),
    ("gcc", &["Gulf Cooperation Council", "GCC", "Gulf Co-operation Council"]),
    ("isa", &["International Sugar Agreement", "ISA"]),
    ("atpc", &["Association of Tin Producing Countries", "ATPC"]),
    (
        "oapec",
        &[
            "OAPEC",
            "Organization of Arab Petroleum Exporting Countries",
            "Organisation of Arab Petroleum Exporting Countries",
        ],
    ),
    ("iwc-wheat", &["International Wheat Council", "IWC"]),
    (
        "asean",
        &["ASEAN", "Association of South East Asian Nations", "Association of Southeast Asian Nations"],
    ),
    ("escap", &["ESCAP", "Economic and Social Commission for Asia and the Pacific"]),
    ("eca", &["Economic Commission for Africa", "ECA"]),
    (
        "imco",
        &[
            "Inter-Governmental Maritime Consultative Organisation",
            "IMCO",
            "International Maritime Organization",
            "IMO",
        ],
    ),
    ("bis", &["Bank for International Settlements", "BIS"]),
    ("euratom", &["Euratom", "European Atomic Energy Community"]),
    ("ida", &["International Development Association", "IDA"]),
    ("iwcc", &["International Wrought Copper Council", "IWCC"]),
    ("comecon", &["Comecon", "Council for Mutual Economic Assistance", "CMEA"]),
    ("efta", &["European Free Trade Association", "EFTA"]),
];

/// Words that end a name when walking back from a surname: roles, honorifics, and the last words
/// of the bodies that come before names in the description file.
const STOP_WORDS: &[&str] = &[
    "Affairs",
    "Agency",
    "Agriculture",
    "Association",
    "Ayatollah",
    "Bank",
    "Board",
    "Budget",
    "Central",
    "Chairman",
    "Chancellor",
    "Chief",
    "Commerce",
    "Commission",
    "Commissioner",
    "Council",
    "Deputy",
    "Development",
    "Director",
    "Director-General",
    "Dr",
    "Economist",
    "Economy",
    "Energy",
    "Exchequer",
    "Executive",
    "Federal",
    "Finance",
    "Fisheries",
    "Food",
    "Foreign",
    "Forestry",
    "Former",
    "Fund",
    "General",
    "Gov",
    "Governor",
    "Head",
    "Hojatoleslam",
    "Industry",
    "King",
    "Leader",
    "Lord",
    "Major-General",
    "Managing",
    "Mines",
    "Minister",
    "Mr",
    "Mrs",
    "Ms",
    "Negotiations",
    "Office",
    "Oil",
    "Party",
    "Petroleum",
    "Planning",
    "Policy",
    "Premier",
    "President",
    "Prime",
    "Privatisation",
    "Rep",
    "Representative",
    "Reserve",
    "Resources",
    "Said",
    "Says",
    "Secretary",
    "Secretary-General",
    "Sen",
    "Senator",
    "Sheikh",
    "Speaker",
    "Staff",
    "State",
    "Statesman",
    "The",
    "Trade",
    "Treasurer",
    "Treasury",
    "Vice",
];

/// Lower-case particles that belong inside a name ("Miguel de la Madrid").
const PARTICLES: &[&str] =
    &["al", "bin", "da", "de", "del", "der", "dos", "du", "el", "ibn", "la", "ul", "van", "von"];

/// The texts [`ReutersNames`] is built from, for building it from memory (tests) rather than from
/// the data folder.
#[derive(Debug, Clone, Copy)]
pub struct ReutersSources<'a> {
    /// `gazetteer/countries-en.jsonl`.
    pub countries_jsonl: &'a str,
    /// `reuters/lists/cat-descriptions_120396.txt`.
    pub descriptions: &'a str,
    /// `reuters/lists/all-places-strings.lc.txt`: one code per line.
    pub places: &'a str,
    /// `reuters/lists/all-people-strings.lc.txt`.
    pub people: &'a str,
    /// `reuters/lists/all-orgs-strings.lc.txt`.
    pub orgs: &'a str,
}

/// A person's names from the description file.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    /// Alternatives, the preferred first.
    names: Vec<String>,
    /// The surname alone, searched for in articles when the first name is unknown.
    surname: String,
    /// Whether the names include more than the surname.
    full: bool,
}

/// Reuters codes to display names with alternatives.
#[derive(Debug, Clone)]
pub struct ReutersNames {
    places: BTreeMap<String, Vec<String>>,
    people: BTreeMap<String, Person>,
    orgs: BTreeMap<String, Vec<String>>,
    /// Demonyms and similar capitalised words that are not first names ("Indonesian").
    not_given_names: BTreeSet<String>,
}

impl ReutersNames {
    /// Reads the gazetteer and the Reuters code lists under `data_dir` (the folder holding
    /// `gazetteer/` and `reuters/`, e.g. `/work/shared/data`).
    pub fn load(data_dir: impl AsRef<Path>) -> Result<Self> {
        let dir = data_dir.as_ref();
        let read = |rel: &str| -> Result<(String, String)> {
            let path = dir.join(rel);
            let bytes =
                std::fs::read(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            // The Reuters lists are ASCII; a stray byte must not stop an evaluation.
            Ok((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()))
        };
        let (countries_path, countries_jsonl) = read("gazetteer/countries-en.jsonl")?;
        let (_, descriptions) = read("reuters/lists/cat-descriptions_120396.txt")?;
        let (_, places) = read("reuters/lists/all-places-strings.lc.txt")?;
        let (_, people) = read("reuters/lists/all-people-strings.lc.txt")?;
        let (_, orgs) = read("reuters/lists/all-orgs-strings.lc.txt")?;
        let sources = ReutersSources {
            countries_jsonl: &countries_jsonl,
            descriptions: &descriptions,
            places: &places,
            people: &people,
            orgs: &orgs,
        };
        Self::from_sources(&sources).map_err(|e| match e {
            Error::Data { line, reason, .. } => Error::Data { path: countries_path, line, reason },
            other => other,
        })
    }

    /// Builds the tables from the texts of the files. Only a malformed gazetteer line is an
    /// error (`Error::Data` with its line number); anything missing from the lists falls back to
    /// the title-cased code.
    pub fn from_sources(src: &ReutersSources<'_>) -> Result<Self> {
        let countries = parse_countries(src.countries_jsonl)?;
        let mut not_given_names: BTreeSet<String> = BTreeSet::new();
        for c in &countries {
            not_given_names.extend(c.demonyms.iter().cloned());
            not_given_names.insert(c.name.clone());
        }

        let mut places = BTreeMap::new();
        let place_codes = codes(src.places).chain(PLACES.iter().map(|p| p.0));
        for code in place_codes {
            places.entry(code.to_string()).or_insert_with(|| place_names(code, &countries));
        }

        let mut people = BTreeMap::new();
        for entry in coded_entries(src.descriptions, "@heading[People Codes") {
            let code = entry.code.to_ascii_lowercase();
            if let Some(person) = person_from_entry(&entry.group, &entry.text, &code) {
                people.insert(code, person);
            }
        }
        for code in codes(src.people) {
            people.entry(code.to_string()).or_insert_with(|| fallback_person(code));
        }

        let mut orgs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (code, names) in ORGS {
            orgs.insert(code.to_string(), names.iter().map(|s| s.to_string()).collect());
        }
        // The hand table is complete for the codes it has; the others take the description's
        // full name and their code, when the code reads as an acronym.
        for entry in coded_entries(src.descriptions, "@heading[Organization Codes") {
            let code = entry.code.to_ascii_lowercase();
            if orgs.contains_key(&code) {
                continue;
            }
            let mut names = vec![clean_org_name(&entry.text)];
            if !entry.code.contains('-') {
                names.push(entry.code.clone());
            }
            dedup_names(&mut names);
            orgs.insert(code, names);
        }
        for code in codes(src.orgs) {
            orgs.entry(code.to_string()).or_insert_with(|| vec![code.to_ascii_uppercase()]);
        }

        Ok(ReutersNames { places, people, orgs, not_given_names })
    }

    /// The names of a place code, preferred first; the title-cased code when unknown.
    pub fn place(&self, code: &str) -> Vec<String> {
        self.places.get(code).cloned().unwrap_or_else(|| vec![title_case(code)])
    }

    /// The names of an organisation code, preferred first; the upper-cased code when unknown.
    pub fn org(&self, code: &str) -> Vec<String> {
        self.orgs.get(code).cloned().unwrap_or_else(|| vec![code.to_ascii_uppercase()])
    }

    /// The names of a person code, preferred first. When the description file gives only a
    /// surname, `article` is searched for "Firstname Surname" and that becomes the preferred name.
    pub fn person(&self, code: &str, article: &str) -> Vec<String> {
        let person = match self.people.get(code) {
            Some(p) => p.clone(),
            None => fallback_person(code),
        };
        if person.full {
            return person.names;
        }
        match self.find_full_name(&person.surname, article) {
            Some(full) => {
                let mut names = vec![full];
                names.extend(person.names);
                dedup_names(&mut names);
                names
            }
            None => person.names,
        }
    }

    /// "Given Surname" in `article`, where Given is a capitalised word that is not a role, a
    /// title or a demonym. The first such occurrence wins.
    fn find_full_name(&self, surname: &str, article: &str) -> Option<String> {
        if surname.is_empty() {
            return None;
        }
        let words: Vec<&str> = article.split_whitespace().collect();
        for (i, w) in words.iter().enumerate().skip(1) {
            if w.trim_end_matches(|c: char| !c.is_alphanumeric()) != surname {
                continue;
            }
            let given = words[i - 1];
            let looks_given = given.chars().next().is_some_and(char::is_uppercase)
                && given.chars().count() >= 2
                && given.chars().all(|c| c.is_alphabetic() || c == '.' || c == '-')
                && !STOP_WORDS.contains(&given.trim_end_matches('.'))
                && !self.not_given_names.contains(given)
                && !given.chars().all(|c| c.is_uppercase() || c == '.');
            if looks_given {
                return Some(format!("{given} {surname}"));
            }
        }
        None
    }

    /// The gold tags of a Reuters record: its `places`, then `people`, then `orgs` codes (the
    /// order of its `tags`), each as name alternatives. A record without those fields has its
    /// `tags` looked up as places, then organisations, then people.
    pub fn gold(&self, doc: &Doc) -> Vec<Vec<String>> {
        let typed = ["places", "people", "orgs"].iter().any(|k| doc.extra.contains_key(*k));
        if typed {
            let mut out = Vec::new();
            out.extend(doc.extra_strings("places").into_iter().map(|c| self.place(c)));
            out.extend(doc.extra_strings("people").into_iter().map(|c| self.person(c, &doc.text)));
            out.extend(doc.extra_strings("orgs").into_iter().map(|c| self.org(c)));
            return out;
        }
        doc.tags
            .iter()
            .flatten()
            .map(|code| {
                if self.places.contains_key(code.as_str()) {
                    self.place(code)
                } else if self.orgs.contains_key(code.as_str()) {
                    self.org(code)
                } else {
                    self.person(code, &doc.text)
                }
            })
            .collect()
    }
}

/// Whether a gold file is a Reuters file, whose tags are codes to be scored as names: its file
/// name starts with `reuters` (the default of `newstag eval` and `newstag score`).
pub fn is_reuters_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("reuters"))
}

/// The gold tags of a Reuters record as names (see [`ReutersNames::gold`]).
pub fn reuters_gold(names: &ReutersNames, doc: &Doc) -> Vec<Vec<String>> {
    names.gold(doc)
}

/// The non-blank lines of a code list.
fn codes(list: &str) -> impl Iterator<Item = &str> {
    list.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// One line of `countries-en.jsonl`, the fields used here.
struct Country {
    name: String,
    official_name: String,
    alt_spellings: Vec<String>,
    demonyms: Vec<String>,
    cca2: String,
    cca3: String,
}

fn parse_countries(jsonl: &str) -> Result<Vec<Country>> {
    let mut out = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let data_error =
            |reason: String| Error::Data { path: "countries-en.jsonl".into(), line: i + 1, reason };
        let v: Value = serde_json::from_str(line).map_err(|e| data_error(format!("invalid JSON: {e}")))?;
        let s = |key: &str| v.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        let list = |key: &str| -> Vec<String> {
            v.get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default()
        };
        let name = s("name");
        if name.is_empty() {
            return Err(data_error("missing `name`".into()));
        }
        out.push(Country {
            name,
            official_name: s("official_name"),
            alt_spellings: list("alt_spellings"),
            demonyms: list("demonyms"),
            cca2: s("cca2"),
            cca3: s("cca3"),
        });
    }
    Ok(out)
}

fn place_names(code: &str, countries: &[Country]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut country = None;
    if let Some((_, listed, cca3)) = PLACES.iter().find(|p| p.0 == code) {
        names.extend(listed.iter().map(|s| s.to_string()));
        if !cca3.is_empty() {
            country = countries.iter().find(|c| c.cca3 == *cca3);
        }
    } else {
        let spaced = code.replace('-', " ");
        let is = |s: &str| s.eq_ignore_ascii_case(code) || s.eq_ignore_ascii_case(&spaced);
        // Common names first: "congo" is the Republic of the Congo's name and only an alternative
        // spelling elsewhere.
        country = countries
            .iter()
            .find(|c| is(&c.name))
            .or_else(|| countries.iter().find(|c| is(&c.official_name)))
            .or_else(|| countries.iter().find(|c| c.alt_spellings.iter().any(|a| is(a))));
    }
    if let Some(c) = country {
        names.push(c.name.clone());
        names.push(c.official_name.clone());
        // The two-letter ISO code ("IN", "IS", "NO") is left out: it reads as a word.
        names.extend(c.alt_spellings.iter().filter(|a| **a != c.cca2).cloned());
    }
    if names.is_empty() {
        names.push(title_case(code));
    }
    dedup_names(&mut names);
    names
}

/// Drops empty names and case-insensitive repeats, keeping the first.
fn dedup_names(names: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    names.retain(|n| !n.trim().is_empty() && seen.insert(n.to_lowercase()));
}

/// `james-baker` -> "James Baker".
fn title_case(code: &str) -> String {
    code.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn fallback_person(code: &str) -> Person {
    let full = title_case(code);
    let surname = full.rsplit(' ').next().unwrap_or_default().to_string();
    let mut names = vec![full.clone(), surname.clone()];
    dedup_names(&mut names);
    Person { full: full.contains(' '), names, surname }
}

/// One "... (CODE)" entry of the description file.
#[derive(Debug, PartialEq)]
struct CodedEntry {
    /// The heading of the itemised group it is in ("China"), or "".
    group: String,
    /// The text before the code, lines joined by spaces.
    text: String,
    /// The code as written (upper case).
    code: String,
}

/// The entries of the section that starts with `heading`, up to the next `@heading`. An entry is
/// the text of one or more lines up to a parenthesised upper-case code; blank lines and
/// `@begin`/`@end` lines end an entry, and the text before a nested `@begin[itemize]` is the
/// group heading.
fn coded_entries(descriptions: &str, heading: &str) -> Vec<CodedEntry> {
    let Some(start) = descriptions.find(heading) else {
        return Vec::new();
    };
    let section = &descriptions[start + heading.len()..];
    let section = match section.find("@heading[") {
        Some(end) => &section[..end],
        None => section,
    };
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut group = String::new();
    let mut acc = String::new();
    // The rest of the heading line.
    for line in section.lines().skip(1) {
        let line = line.trim();
        if line.starts_with("@begin") {
            depth += 1;
            if depth >= 2 {
                group = acc.trim().to_string();
            }
            acc.clear();
            continue;
        }
        if line.starts_with("@end") {
            depth = depth.saturating_sub(1);
            if depth < 2 {
                group.clear();
            }
            acc.clear();
            continue;
        }
        if line.is_empty() || line.starts_with('@') {
            acc.clear();
            continue;
        }
        acc.push(' ');
        acc.push_str(line.trim_end_matches("@*"));
        if let Some((open, close)) = find_code(&acc) {
            out.push(CodedEntry {
                group: group.clone(),
                text: acc[..open].trim().to_string(),
                code: acc[open + 1..close].to_string(),
            });
            acc.clear();
        }
    }
    out
}

/// The byte positions of the parentheses around the first `(CODE)`: two or more of A-Z and '-'.
fn find_code(s: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(open) = s[from..].find('(').map(|i| i + from) {
        let close = open + s[open..].find(')')?;
        let inner = &s[open + 1..close];
        if inner.len() >= 2
            && inner.bytes().all(|b| b.is_ascii_uppercase() || b == b'-')
            && inner.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Some((open, close));
        }
        from = open + 1;
    }
    None
}

/// "Grupo de Paises ... Azucar [Group of ...]" -> the part before any bracket.
fn clean_org_name(text: &str) -> String {
    let text = text.split('[').next().unwrap_or_default();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A word of a description entry, and how it reads for matching.
struct Word {
    /// As written, without trailing commas and the like.
    text: String,
    /// Lower-cased, split on '-' and apostrophes: "O'Kennedy" -> ["o", "kennedy"].
    parts: Vec<String>,
    /// A one-word parenthetical such as "(Bob)": a nickname when inside a name.
    nickname: bool,
    /// "|": a longer parenthetical, which ends a name.
    barrier: bool,
    /// Followed by a comma or semicolon.
    clause_end: bool,
}

fn words_of_entry(text: &str) -> Vec<Word> {
    // Parentheticals: one capitalised word stays as "(Word)", anything longer becomes "|".
    let mut flat = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut inner = String::new();
    for c in text.chars() {
        match c {
            '(' => {
                if depth == 0 {
                    inner.clear();
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let w = inner.trim();
                    let one_name = !w.is_empty()
                        && !w.contains(char::is_whitespace)
                        && w.chars().next().is_some_and(char::is_uppercase)
                        && w.chars().all(char::is_alphabetic);
                    if one_name {
                        flat.push_str(&format!(" ({w}) "));
                    } else {
                        flat.push_str(" | ");
                    }
                }
            }
            _ if depth > 0 => inner.push(c),
            _ => flat.push(c),
        }
    }
    flat.split_whitespace()
        .map(|raw| {
            let text = raw.trim_end_matches([',', ';', ':']);
            let clause_end = text.len() != raw.len();
            let nickname = text.len() > 2 && text.starts_with('(') && text.ends_with(')');
            let parts = text
                .to_lowercase()
                .split(['-', '\'', '\u{2019}'])
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            Word { barrier: text == "|", text: text.to_string(), parts, nickname, clause_end }
        })
        .collect()
}

fn is_name_word(w: &Word) -> bool {
    if w.barrier || w.nickname || w.clause_end {
        return false;
    }
    let t = w.text.as_str();
    if PARTICLES.contains(&t) {
        return true;
    }
    t.chars().next().is_some_and(char::is_uppercase)
        && t.chars().all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\'' | '\u{2019}'))
        && !STOP_WORDS.contains(&t.trim_end_matches('.'))
}

/// The person named in one description entry, found from the words that spell `code`.
fn person_from_entry(group: &str, text: &str, code: &str) -> Option<Person> {
    let words = words_of_entry(text);
    let code_parts: Vec<&str> = code.split('-').filter(|p| !p.is_empty()).collect();
    // The first word from which the code can be spelled backwards, to its first part.
    let (start, end) = (0..words.len()).find_map(|end| {
        let mut remaining = code_parts.len();
        let mut i = end + 1;
        while remaining > 0 && i > 0 {
            let parts = &words[i - 1].parts;
            let n = parts.len();
            if n == 0 || n > remaining || code_parts[remaining - n..remaining] != parts[..] {
                break;
            }
            remaining -= n;
            i -= 1;
        }
        (remaining == 0 && i <= end).then_some((i, end))
    })?;

    // Given names: capitalised words before the code, up to a role, a comma or a parenthesis.
    let mut first = start;
    let mut nickname = None;
    let mut given = 0;
    while first > 0 && given < 4 {
        let w = &words[first - 1];
        if w.nickname && first >= 2 && is_name_word(&words[first - 2]) {
            nickname = Some(w.text.trim_matches(['(', ')']).to_string());
            first -= 1;
            continue;
        }
        if !is_name_word(w) {
            break;
        }
        first -= 1;
        given += 1;
    }
    // A name does not start with a particle.
    while first < start && PARTICLES.contains(&words[first].text.as_str()) {
        first += 1;
    }
    let name_words: Vec<&str> =
        words[first..=end].iter().filter(|w| !w.nickname).map(|w| w.text.as_str()).collect();
    let code_words: Vec<&str> = words[start..=end].iter().map(|w| w.text.as_str()).collect();
    let full_name = name_words.join(" ");
    let surname = if first < start {
        // The code is the surname: "de la Madrid", "Bresser Pereira".
        code_words.join(" ")
    } else if code_words.len() >= 2 {
        // The code is the whole name. Chinese names put the family name first.
        let family_first = ["China", "Taiwan"].iter().any(|g| group.starts_with(g));
        let pick = if family_first { code_words.first() } else { code_words.last() };
        pick.map(|s| s.to_string()).unwrap_or_default()
    } else {
        full_name.clone()
    };
    let mut names = vec![full_name.clone()];
    if let Some(nick) = nickname {
        names.push(format!("{nick} {surname}"));
    }
    names.push(surname.clone());
    names.push(title_case(code));
    dedup_names(&mut names);
    Some(Person { full: name_words.len() >= 2, names, surname })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made miniature of the data folder, in the files' formats.
    const COUNTRIES: &str = r#"{"name": "United States", "official_name": "United States of America", "alt_spellings": ["US", "USA", "United States of America"], "demonyms": ["American"], "cca2": "US", "cca3": "USA"}
{"name": "United Kingdom", "official_name": "United Kingdom of Great Britain and Northern Ireland", "alt_spellings": ["GB", "UK", "Great Britain"], "demonyms": ["British"], "cca2": "GB", "cca3": "GBR"}
{"name": "Congo", "official_name": "Republic of the Congo", "alt_spellings": ["CG", "Congo", "Congo-Brazzaville"], "demonyms": ["Congolese"], "cca2": "CG", "cca3": "COG"}
{"name": "DR Congo", "official_name": "Democratic Republic of the Congo", "alt_spellings": ["CD", "DR Congo", "Congo-Kinshasa"], "demonyms": ["Congolese"], "cca2": "CD", "cca3": "COD"}
{"name": "Indonesia", "official_name": "Republic of Indonesia", "alt_spellings": ["ID"], "demonyms": ["Indonesian"], "cca2": "ID", "cca3": "IDN"}
{"name": "Burkina Faso", "official_name": "Burkina Faso", "alt_spellings": ["BF"], "demonyms": ["Burkinabe"], "cca2": "BF", "cca3": "BFA"}
"#;

    const DESCRIPTIONS: &str = "\
@heading[Organization Codes (3)]
@begin[format]
European Community (EC)@*
International Monetary Fund (IMF)@*
Islamic Conference Organisation (ICO-ISLAM)@*
Grupo de Paises Exportadores de Azucar
[Group of Sugar Exporting Countries]
(GEPLACEA)@*
@end[format]
@heading[Exchange Codes (1)]
American Stock Exchange (AMEX)@*
@heading[People Codes (9)]
@begin[itemize]
China
@begin[itemize]
   Premier Li Peng (LI-PENG)
@end[itemize]

Indonesia
@begin[itemize]
   Mining and Energy Minister Subroto  (SUBROTO)
@end[itemize]

Ireland
@begin[itemize]
   Agriculture Minister Michael O'Kennedy  (O-KENNEDY)
@end[itemize]

Mexico
@begin[itemize]
   President Miguel de la Madrid  (DE-LA-MADRID)
@end[itemize]

Australia
@begin[itemize]
   Prime Minister Robert (Bob) Hawke  (HAWKE)
@end[itemize]

United States
@begin[itemize]
   Treasury Secretary James Baker  (JAMES-BAKER)

   Chairman of Federal Reserve Board Alan Greenspan  (GREENSPAN)

   President of New York Federal Reserve Bank E. Gerald Corrigan
                                                    (CORRIGAN)
@end[itemize]

Central Bank (Bundesbank) President Karl Otto Poehl  (POEHL)

Henry Kaufman, economist with Salomon Bros.  (KAUFMAN)

Alan Bond, chairman of Bond Corp Ltd  (BOND)
@end[itemize]
";

    fn names() -> ReutersNames {
        ReutersNames::from_sources(&ReutersSources {
            countries_jsonl: COUNTRIES,
            descriptions: DESCRIPTIONS,
            places: "usa\nuk\ncongo\nzaire\nburkina-faso\ncayman-islands\n",
            people: "james-baker\nvolcker\n",
            orgs: "ec\nimf\ngeplacea\nwho\n",
        })
        .unwrap()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn places() {
        let n = names();
        let cases: &[(&str, &[&str])] = &[
            ("usa", &["United States", "US", "U.S.", "USA", "U.S.A.", "America", "United States of America"]),
            (
                "uk",
                &[
                    "United Kingdom",
                    "Britain",
                    "UK",
                    "U.K.",
                    "Great Britain",
                    "United Kingdom of Great Britain and Northern Ireland",
                ],
            ),
            ("west-germany", &["West Germany"]),
            ("ussr", &["Soviet Union", "USSR", "U.S.S.R."]),
            ("congo", &["Congo", "Republic of the Congo", "Congo-Brazzaville"]),
            ("zaire", &["Zaire", "DR Congo", "Democratic Republic of the Congo", "Congo-Kinshasa"]),
            ("burkina-faso", &["Burkina Faso"]),
            ("cayman-islands", &["Cayman Islands"]),
            ("atlantis", &["Atlantis"]),
        ];
        for (code, want) in cases {
            assert_eq!(n.place(code), strings(want), "{code}");
        }
    }

    #[test]
    fn orgs() {
        let n = names();
        let cases: &[(&str, &[&str])] = &[
            ("imf", &["IMF", "International Monetary Fund"]),
            (
                "ec",
                &["European Community", "EC", "European Economic Community", "EEC", "European Communities"],
            ),
            ("geplacea", &["Grupo de Paises Exportadores de Azucar", "GEPLACEA"]),
            ("who", &["WHO"]),
            ("ico-islam", &["Islamic Conference Organisation"]),
            ("worldbank", &["World Bank", "International Bank for Reconstruction and Development", "IBRD"]),
            ("xyz", &["XYZ"]),
        ];
        for (code, want) in cases {
            assert_eq!(n.org(code), strings(want), "{code}");
        }
        assert_eq!(ORGS.len(), 32);
    }

    #[test]
    fn people_from_descriptions() {
        let n = names();
        let cases: &[(&str, &[&str])] = &[
            ("james-baker", &["James Baker", "Baker"]),
            ("greenspan", &["Alan Greenspan", "Greenspan"]),
            ("corrigan", &["E. Gerald Corrigan", "Corrigan"]),
            ("li-peng", &["Li Peng", "Li"]),
            ("o-kennedy", &["Michael O'Kennedy", "O'Kennedy", "O Kennedy"]),
            ("de-la-madrid", &["Miguel de la Madrid", "de la Madrid"]),
            ("hawke", &["Robert Hawke", "Bob Hawke", "Hawke"]),
            ("poehl", &["Karl Otto Poehl", "Poehl"]),
            ("kaufman", &["Henry Kaufman", "Kaufman"]),
            ("bond", &["Alan Bond", "Bond"]),
            // Not in the descriptions: the code, title-cased.
            ("volcker", &["Volcker"]),
            ("howard-baker", &["Howard Baker", "Baker"]),
        ];
        for (code, want) in cases {
            assert_eq!(n.person(code, ""), strings(want), "{code}");
        }
    }

    #[test]
    fn surname_only_people_take_a_first_name_from_the_article() {
        let n = names();
        let cases: &[(&str, &str, &[&str])] = &[
            ("volcker", "Fed chairman Paul Volcker said on Tuesday.", &["Paul Volcker", "Volcker"]),
            ("volcker", "Volcker said. Chairman Volcker agreed.", &["Volcker"]),
            ("subroto", "Indonesian Subroto said. Minister Subroto, OPEC.", &["Subroto"]),
            ("subroto", "The energy minister, Raden Subroto, said.", &["Raden Subroto", "Subroto"]),
            // A full name from the descriptions is not replaced.
            ("greenspan", "Mr Alan Greenspan and Bob Greenspan.", &["Alan Greenspan", "Greenspan"]),
        ];
        for (code, article, want) in cases {
            assert_eq!(n.person(code, article), strings(want), "{code}: {article}");
        }
    }

    #[test]
    fn gold_of_a_record() {
        let n = names();
        let line = r#"{"id": "r1", "title": "T", "text": "Treasury Secretary James Baker met the IMF.", "tags": ["usa", "james-baker", "imf"], "places": ["usa"], "people": ["james-baker"], "orgs": ["imf"]}"#;
        let doc = Doc::from_json(line).unwrap();
        let gold = reuters_gold(&n, &doc);
        assert_eq!(gold.len(), 3);
        assert_eq!(gold[0][0], "United States");
        assert_eq!(gold[1], strings(&["James Baker", "Baker"]));
        assert_eq!(gold[2], strings(&["IMF", "International Monetary Fund"]));

        // Without typed fields the tags are looked up in turn.
        let line = r#"{"id": "r2", "title": "", "text": "x", "tags": ["uk", "ec", "james-baker"]}"#;
        let gold = n.gold(&Doc::from_json(line).unwrap());
        assert_eq!(
            gold.iter().map(|g| g[0].as_str()).collect::<Vec<_>>(),
            ["United Kingdom", "European Community", "James Baker"]
        );
    }

    #[test]
    fn description_parsing() {
        let people = coded_entries(DESCRIPTIONS, "@heading[People Codes");
        let codes: Vec<&str> = people.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "LI-PENG",
                "SUBROTO",
                "O-KENNEDY",
                "DE-LA-MADRID",
                "HAWKE",
                "JAMES-BAKER",
                "GREENSPAN",
                "CORRIGAN",
                "POEHL",
                "KAUFMAN",
                "BOND"
            ]
        );
        assert_eq!(people[0].group, "China");
        assert_eq!(people[7].text, "President of New York Federal Reserve Bank E. Gerald Corrigan");
        assert_eq!(people[8].group, "");
        assert!(coded_entries(DESCRIPTIONS, "@heading[Nothing").is_empty());
        assert_eq!(find_code("King Fahd (Ibn Abdulaziz) (KING-FAHD)"), Some((26, 36)));
        assert_eq!(find_code("(Bob) (x) ()"), None);
    }

    #[test]
    fn bad_gazetteer_line_is_a_data_error() {
        let src = ReutersSources {
            countries_jsonl: "{\"name\": \"A\"}\nnot json\n",
            descriptions: "",
            places: "",
            people: "",
            orgs: "",
        };
        match ReutersNames::from_sources(&src) {
            Err(Error::Data { line, .. }) => assert_eq!(line, 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn title_case_codes() {
        assert_eq!(title_case("james-baker"), "James Baker");
        assert_eq!(title_case("usa"), "Usa");
        assert_eq!(title_case(""), "");
        assert_eq!(title_case("--x"), "X");
    }

    /// The real files, when the shared data folder is there: every code used in the training
    /// file has a name, and the names read as names.
    #[test]
    #[ignore = "reads /work/shared/data"]
    fn real_data_folder() {
        let n = ReutersNames::load("/work/shared/data").unwrap();
        assert_eq!(n.place("usa")[0], "United States");
        assert_eq!(n.place("turkey")[0], "Turkey");
        assert_eq!(n.person("volcker", "")[0], "Paul Volcker");
        assert_eq!(n.person("deng-xiaoping", ""), strings(&["Deng Xiaoping", "Deng"]));
        assert_eq!(n.person("jaruzelski", "")[0], "Wojciech Jaruzelski");
        assert_eq!(n.person("king-fahd", "")[0], "King Fahd");
        assert_eq!(n.org("worldbank")[0], "World Bank");
    }

    #[test]
    fn reuters_files_are_known_by_their_name() {
        let cases = [
            ("../shared/data/reuters/reuters-train.jsonl", true),
            ("reuters.jsonl", true),
            ("data/keyphrase/duc2001.jsonl", false),
            ("reuters/duc2001.jsonl", false),
            ("", false),
        ];
        for (path, want) in cases {
            assert_eq!(is_reuters_file(Path::new(path)), want, "{path}");
        }
    }
}
