//! Compiles the gazetteer from the shared data folder (`newstag train gazetteer`).

use super::gazetteer::{alias_tokens, Alias, AliasForm, Entry, EntryKind, Gazetteer, GazetteerData};
use super::tables;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Deserialize)]
struct CountryLine {
    name: String,
    official_name: String,
    #[serde(default)]
    alt_spellings: Vec<String>,
    #[serde(default)]
    demonyms: Vec<String>,
    #[serde(default)]
    capitals: Vec<String>,
    cca2: String,
    #[serde(default)]
    cca3: String,
    /// False for dependent territories ("Caribbean Netherlands", "Northern Mariana Islands");
    /// null for disputed ones ("Kosovo"), which count as countries here.
    #[serde(default)]
    independent: Option<bool>,
}

/// Builds the gazetteer from `dir` (the shared `data/gazetteer` folder) and returns the model bytes.
pub fn compile_gazetteer(dir: &Path) -> Result<Vec<u8>> {
    let g = build(dir)?;
    Gazetteer::from_data(g)?.to_bytes()
}

fn read(dir: &Path, rel: &str) -> Result<String> {
    let path = dir.join(rel);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    // Some NLTK lists are Latin-1.
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    })
}

fn lines(s: &str) -> impl Iterator<Item = &str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

#[derive(Default)]
struct Builder {
    entries: Vec<Entry>,
    by_key: BTreeMap<(EntryKind, String), u32>,
    aliases: BTreeSet<(Vec<String>, u32, AliasForm)>,
}

impl Builder {
    fn entry(&mut self, name: &str, kind: EntryKind, country: Option<u32>, major: bool) -> u32 {
        if let Some(&id) = self.by_key.get(&(kind, name.to_string())) {
            if major {
                self.entries[id as usize].major = true;
            }
            return id;
        }
        let id = self.entries.len() as u32;
        self.entries.push(Entry { name: name.to_string(), kind, country, major });
        self.by_key.insert((kind, name.to_string()), id);
        self.alias(name, id, AliasForm::Canonical);
        id
    }

    fn alias(&mut self, text: &str, entry: u32, form: AliasForm) {
        let text = text.trim();
        // Two-letter codes other than well-known acronyms would match ordinary words ("IN", "IT").
        if text.is_empty() || (text.len() <= 2 && form == AliasForm::Name) {
            return;
        }
        if !text.chars().next().is_some_and(|c| c.is_uppercase() || c.is_numeric()) && !text.starts_with("al")
        {
            return;
        }
        let tokens = alias_tokens(text);
        if tokens.is_empty() || tokens.len() > 10 {
            return;
        }
        self.aliases.insert((tokens, entry, form));
    }
}

fn build(dir: &Path) -> Result<GazetteerData> {
    let mut b = Builder::default();
    let mut by_code: BTreeMap<String, u32> = BTreeMap::new();
    let countries = read(dir, "countries-en.jsonl")?;
    let mut capitals = Vec::new();
    // Dependent territories: an alias they share with a sovereign country is the country's.
    let mut territories: BTreeSet<u32> = BTreeSet::new();
    for (n, line) in lines(&countries).enumerate() {
        let c: CountryLine = serde_json::from_str(line).map_err(|e| Error::Data {
            path: dir.join("countries-en.jsonl").display().to_string(),
            line: n + 1,
            reason: e.to_string(),
        })?;
        let news_name = tables::NEWS_NAMES.iter().find(|(code, _)| *code == c.cca2).map(|(_, n)| *n);
        let id = b.entry(news_name.unwrap_or(&c.name), EntryKind::Country, None, true);
        if news_name.is_some() {
            b.alias(&c.name, id, AliasForm::Name);
        }
        by_code.insert(c.cca2.clone(), id);
        if c.independent == Some(false) {
            territories.insert(id);
        }
        b.alias(&c.official_name, id, AliasForm::Name);
        for alt in &c.alt_spellings {
            // Skip the bare ISO code (it equals cca2) unless it is a real acronym like "US", "UK".
            if alt == &c.cca2 && !matches!(alt.as_str(), "US" | "UK") {
                continue;
            }
            let form = if alt.chars().all(|ch| ch.is_ascii_uppercase()) {
                AliasForm::Acronym
            } else {
                AliasForm::Name
            };
            b.alias(alt, id, form);
        }
        if c.cca3 == "USA" {
            b.alias("USA", id, AliasForm::Acronym);
        }
        for d in &c.demonyms {
            b.alias(d, id, AliasForm::Demonym);
            b.alias(&plural(d), id, AliasForm::Demonym);
        }
        for cap in &c.capitals {
            capitals.push((cap.clone(), id));
        }
    }
    for (code, aliases) in tables::EXTRA_COUNTRY_ALIASES {
        if let Some(&id) = by_code.get(*code) {
            for a in *aliases {
                let form = if a.chars().all(|ch| ch.is_ascii_uppercase() || ch == '.') {
                    AliasForm::Acronym
                } else {
                    AliasForm::Name
                };
                b.alias(a, id, form);
            }
        }
    }
    for (code, forms) in tables::EXTRA_DEMONYMS {
        if let Some(&id) = by_code.get(*code) {
            for f in *forms {
                b.alias(f, id, AliasForm::Demonym);
            }
        }
    }
    for (name, aliases, demonyms) in tables::FORMER_COUNTRIES {
        let id = b.entry(name, EntryKind::Country, None, false);
        for a in *aliases {
            b.alias(a, id, AliasForm::Name);
        }
        for d in *demonyms {
            b.alias(d, id, AliasForm::Demonym);
        }
    }
    for (cap, country) in capitals {
        let name = cap.trim_end_matches(" D.C.").to_string();
        let id = b.entry(&name, EntryKind::City, Some(country), true);
        if name != cap {
            b.alias(&cap, id, AliasForm::Name);
        }
    }
    let us = by_code.get("US").copied();
    let ca = by_code.get("CA").copied();
    let mx = by_code.get("MX").copied();
    for (file, country) in
        [("nltk/usstates.txt", us), ("nltk/caprovinces.txt", ca), ("nltk/mexstates.txt", mx)]
    {
        for name in lines(&read(dir, file)?) {
            b.entry(name, EntryKind::Region, country, false);
        }
    }
    for name in lines(&read(dir, "nltk/uscities.txt")?) {
        // A US city whose name is also a state ("New York") stays the state; both are places.
        if b.by_key.contains_key(&(EntryKind::Region, name.to_string())) {
            continue;
        }
        let country = if tables::US_CITIES_ALSO_ABROAD.contains(&name) { None } else { us };
        b.entry(name, EntryKind::City, country, false);
    }
    // Countries in the NLTK list the country file lacks (e.g. "Abkhazia"), and its demonyms.
    for name in lines(&read(dir, "nltk/countries.txt")?) {
        if !b.aliases.iter().any(|(t, _, _)| t.join(" ") == alias_tokens(name).join(" ")) {
            b.entry(name, EntryKind::Country, None, false);
        }
    }
    for (name, aliases) in tables::ORGANIZATIONS {
        let id = b.entry(name, EntryKind::Organization, None, true);
        for a in *aliases {
            let form = if a.chars().any(|c| c.is_lowercase()) { AliasForm::Name } else { AliasForm::Acronym };
            b.alias(a, id, form);
        }
    }
    for (code, name, aliases) in tables::NATIONAL_ORGANIZATIONS {
        let country = by_code.get(*code).copied();
        let id = b.entry(name, EntryKind::Organization, country, true);
        for a in *aliases {
            b.alias(a, id, AliasForm::Name);
        }
    }
    add_leaders(&mut b, dir, &by_code)?;
    let aliases = drop_territories_shadowing_countries(b.aliases, &b.entries, &territories);
    let mut aliases: Vec<Alias> =
        aliases.into_iter().map(|(tokens, entry, form)| Alias { tokens, entry, form }).collect();
    aliases.sort_by(|a, b| (&a.tokens, a.entry, a.form).cmp(&(&b.tokens, b.entry, b.form)));
    Ok(GazetteerData { entries: b.entries, aliases })
}

/// Drops the aliases of dependent territories that a sovereign country also has: "American"
/// is the United States, not the Northern Mariana Islands; "French" is France, not the French
/// Southern and Antarctic Lands; "Dutch" the Netherlands, not the Caribbean Netherlands. (The
/// country file gives territories their sovereign's demonym, and matching takes an alias's
/// first entry.) Aliases only territories have ("Greenlandic") stay.
fn drop_territories_shadowing_countries(
    aliases: BTreeSet<(Vec<String>, u32, AliasForm)>,
    entries: &[Entry],
    territories: &BTreeSet<u32>,
) -> BTreeSet<(Vec<String>, u32, AliasForm)> {
    let sovereign = |id: u32| entries[id as usize].kind == EntryKind::Country && !territories.contains(&id);
    let mut shared: BTreeSet<&[String]> = BTreeSet::new();
    for (tokens, entry, _) in &aliases {
        if sovereign(*entry) {
            shared.insert(tokens);
        }
    }
    let shadowed: BTreeSet<(Vec<String>, u32)> = aliases
        .iter()
        .filter(|(tokens, entry, _)| territories.contains(entry) && shared.contains(tokens.as_slice()))
        .map(|(tokens, entry, _)| (tokens.clone(), *entry))
        .collect();
    aliases.into_iter().filter(|(tokens, entry, _)| !shadowed.contains(&(tokens.clone(), *entry))).collect()
}

/// "Russian" -> "Russians", "Chinese" -> "Chinese".
fn plural(demonym: &str) -> String {
    if demonym.ends_with("ese")
        || demonym.ends_with("ss")
        || demonym.ends_with("sh")
        || demonym.ends_with("ch")
    {
        demonym.to_string()
    } else {
        format!("{demonym}s")
    }
}

#[derive(Deserialize)]
struct CurrentLeaders {
    leaders: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
}

fn add_leaders(b: &mut Builder, dir: &Path, by_code: &BTreeMap<String, u32>) -> Result<()> {
    let name_to_country: BTreeMap<String, u32> = b
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntryKind::Country)
        .map(|(i, e)| (e.name.to_lowercase(), i as u32))
        .collect();
    let country_of = |name: &str| -> Option<u32> {
        let key = name.replace('_', " ").to_lowercase();
        let key = match key.as_str() {
            "usa" => "united states".to_string(),
            "uk" => "united kingdom".to_string(),
            _ => key,
        };
        name_to_country.get(&key).copied()
    };
    let family_first: BTreeSet<u32> =
        tables::FAMILY_NAME_FIRST.iter().filter_map(|c| by_code.get(*c).copied()).collect();
    // Current heads of state and government: full name and surname aliases.
    let current: CurrentLeaders = serde_json::from_str(&read(dir, "world-leaders/current-all-leaders.json")?)
        .map_err(|e| Error::Data {
            path: "world-leaders/current-all-leaders.json".into(),
            line: 0,
            reason: e.to_string(),
        })?;
    for (country, fields) in &current.leaders {
        let cid = country_of(country);
        for key in ["head_of_state", "head_of_government"] {
            if let Some(name) = fields.get(key).and_then(|v| v.as_str()) {
                let id = b.entry(name, EntryKind::Person, cid, true);
                let parts: Vec<&str> = name.split_whitespace().collect();
                if parts.len() >= 2 {
                    let surname = if cid.is_some_and(|c| family_first.contains(&c)) {
                        parts[0]
                    } else {
                        parts[parts.len() - 1]
                    };
                    if !tables::NOT_SURNAMES.contains(&surname) {
                        b.alias(surname, id, AliasForm::Surname);
                    }
                }
            }
        }
    }
    // Office holders 2013-2022 from Wikidata: full names only (surnames alone are too ambiguous).
    let csv = read(dir, "world-leaders/wikidata-2022.csv")?;
    for line in csv.lines().skip(1) {
        let cols = split_csv(line);
        if cols.len() < 6 {
            continue;
        }
        let cid = country_of(&cols[1]);
        let name = cols[5].trim();
        if name.is_empty() || name.starts_with('Q') && name[1..].chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        b.entry(name, EntryKind::Person, cid, false);
    }
    Ok(())
}

/// Splits one CSV line, honouring double-quoted fields.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv() {
        assert_eq!(split_csv(r#"a,"b, c",d"#), vec!["a", "b, c", "d"]);
        assert_eq!(split_csv(r#""say ""hi""",x"#), vec![r#"say "hi""#, "x"]);
    }

    #[test]
    fn plurals() {
        assert_eq!(plural("Russian"), "Russians");
        assert_eq!(plural("Chinese"), "Chinese");
    }
}
