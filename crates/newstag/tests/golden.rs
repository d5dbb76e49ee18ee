//! Golden tests: whole articles in, the tags an editor chose out.
//!
//! The articles are read from the shared data (never committed); only their ids and the expected
//! tags live here. The expected tags are the editors' own (Reuters place and people codes, as
//! names), not whatever newstag happened to print.

use newstag::{Article, Tag, TagType, Tagger};
use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::PathBuf;

/// The tag named `name` among the first `top` tags of the article; fails the test when it is not.
fn tag_named(tagger: &Tagger, title: &str, text: &str, name: &str, top: usize) -> Tag {
    let tags = tagger.tag_top(&Article::new(title, text), top).unwrap();
    let found = tags.iter().find(|t| t.name == name).cloned();
    found.unwrap_or_else(|| panic!("{name} is a tag: {tags:?}"))
}

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(rel)
}

/// (Reuters id, the editor's places and people, written as names).
const REUTERS: &[(&str, &[&str])] = &[
    ("reuters-63", &["Canada", "Michael Wilson"]),
    ("reuters-227", &["Australia", "Paul Keating"]),
    ("reuters-308", &["Japan", "Yasuhiro Nakasone"]),
];

fn reuters_articles() -> Vec<(String, String, String)> {
    let wanted: BTreeSet<&str> = REUTERS.iter().map(|(id, _)| *id).collect();
    let file = std::fs::File::open(shared("data/reuters/reuters-train.jsonl"))
        .expect("shared data beside the project");
    let mut out = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let id = v["id"].as_str().unwrap();
        if wanted.contains(id) {
            out.push((
                id.to_string(),
                v["title"].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
            ));
        }
        if out.len() == wanted.len() {
            break;
        }
    }
    out
}

#[test]
fn reuters_articles_get_their_editors_places_and_people() {
    let tagger = Tagger::new().unwrap();
    let articles = reuters_articles();
    assert_eq!(articles.len(), REUTERS.len());
    for (id, title, text) in articles {
        let want: BTreeSet<&str> =
            REUTERS.iter().find(|(i, _)| *i == id).unwrap().1.iter().copied().collect();
        let tags = tagger.tag(&Article::new(title.as_str(), text.as_str())).unwrap();
        // Reuters' editors coded places, people and organisations only (their subject codes are
        // another scheme), so the names are compared; topic tags may come beside them.
        let got: BTreeSet<&str> =
            tags.iter().filter(|t| t.tag_type != TagType::Topic).map(|t| t.name.as_str()).collect();
        // Every name the editor coded, and at most two the editor did not. Since the ranker
        // learnt from editor-tagged modern articles (2026-12-06) it tags more people and
        // organisations than Reuters' editors coded: reuters-63 gets "Financial Administration"
        // (from "the Financial Administration act", read as an organisation), reuters-308 the
        // quoted analyst Rei Shiratori and "LDP MPs".
        assert!(got.is_superset(&want), "{id}: {title}: {got:?}");
        assert!(got.len() <= want.len() + 2, "{id}: {title}: {got:?}");
        assert!(tags.len() <= 8, "{id}: {} tags", tags.len());
    }
}

#[test]
fn example_article_and_its_types() {
    let text = std::fs::read_to_string(shared("examples/putin-xi-visit.txt")).unwrap();
    let body_and_title = text.trim_end().rsplit_once('\n').unwrap().0;
    let tagger = Tagger::new().unwrap();
    let tags = tagger.tag(&Article::from_plain_text(body_and_title)).unwrap();
    let typed: BTreeSet<(&str, &str)> = tags.iter().map(|t| (t.name.as_str(), t.tag_type.as_str())).collect();
    let want: BTreeSet<(&str, &str)> =
        [("China", "place"), ("Russia", "place"), ("Putin", "person"), ("Xi Jinping", "person")]
            .into_iter()
            .collect();
    assert_eq!(typed, want);
    // Every mention's offsets slice the document to a real mention.
    let a = Article::from_plain_text(body_and_title);
    let doc = format!("{}\n\n{}", a.title, a.text);
    for t in &tags {
        for [s, e] in &t.mentions {
            let m = &doc[*s..*e];
            assert!(!m.trim().is_empty(), "{}: {s}..{e}", t.name);
        }
    }
    let xi = tags.iter().find(|t| t.name == "Xi Jinping").unwrap();
    let forms: BTreeSet<&str> = xi.mentions.iter().map(|[s, e]| &doc[*s..*e]).collect();
    assert_eq!(forms, ["Xi", "Xi Jinping"].into_iter().collect());
}

/// A company named in full and by its short name is one tag, under its full name; a name seen
/// only in a capitals-only headline is read in its usual casing ("OF" -> "of", "INC" -> "Inc").
#[test]
fn company_names_join_and_headline_capitals_are_read() {
    let tagger = Tagger::new().unwrap();
    let title = "CHRYSLER TO CUT 2,000 JOBS";
    let text = "Chrysler Corp said on Tuesday it would cut 2,000 jobs at its plants in Michigan \
                and Ohio as sales of its cars fell.\n\nChrysler said the cuts would save about \
                200 mln dlrs a year. The company's shares fell 50 cts to 38 dlrs on the New York \
                Stock Exchange, where Chrysler is one of the most traded stocks.";
    let tags = tagger.tag_top(&Article::new(title, text), 20).unwrap();
    let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    let chrysler: Vec<&str> =
        names.iter().copied().filter(|n| n.to_lowercase().contains("chrysler")).collect();
    assert_eq!(chrysler, ["Chrysler Corp"], "{names:?}");
    let corp = tags.iter().find(|t| t.name == "Chrysler Corp").unwrap();
    assert_eq!(corp.mentions.len(), 4, "the headline's and the body's three: {:?}", corp.mentions);
    let title = "HEALTHCO INTERNATIONAL INC 4TH QTR NET";
    let text = "Shr 41 cts vs 35 cts\nNet 3,412,000 vs 2,890,000\nRevs 77.1 mln vs 70.2 mln";
    let tags = tagger.tag_top(&Article::new(title, text), 5).unwrap();
    assert_eq!(tags[0].name, "Healthco International Inc");
    // Capitals that ordinary text writes are the name's own: "NASA" stays "NASA".
    let title = "NASA AND BOEING DELAY LAUNCH";
    let text = "NASA said the launch of the capsule built by Boeing would be delayed by a week.";
    let tags = tagger.tag_top(&Article::new(title, text), 5).unwrap();
    let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"NASA") && names.contains(&"Boeing"), "{names:?}");
}

/// A demonym names the sovereign country, not a territory the country file gives the same
/// demonym: "American" is the United States (not the Northern Mariana Islands), "French"
/// France, "Dutch" the Netherlands, "Danish" Denmark.
#[test]
fn demonyms_name_the_sovereign_country() {
    let tagger = Tagger::new().unwrap();
    let text = "American, French, Dutch and Danish officials met on Monday. The American and \
                French delegations left early; Dutch and Danish ministers stayed.";
    let tags = tagger.tag_top(&Article::new("Officials meet", text), 10).unwrap();
    let places: BTreeSet<&str> =
        tags.iter().filter(|t| t.tag_type == TagType::Place).map(|t| t.name.as_str()).collect();
    assert_eq!(places, ["Denmark", "France", "Netherlands", "United States"].into_iter().collect());
}

/// A city of the US list is a place only where the text reads as one: "High inflation",
/// "Mobile phone" and "Michael Jackson" name no city and so imply no United States, and
/// "Manchester" or "Birmingham" are cities abroad as much as in the US. A real US city still
/// implies its country.
#[test]
fn minor_places_need_a_place_reading() {
    let tagger = Tagger::new().unwrap();
    let places = |text: &str| -> BTreeSet<String> {
        let tags = tagger.tag_top(&Article::new("News", text), 12).unwrap();
        tags.iter().filter(|t| t.tag_type == TagType::Place).map(|t| t.name.clone()).collect()
    };
    let none: BTreeSet<String> = BTreeSet::new();
    assert_eq!(places("High inflation hit households. Mobile phone sales fell."), none);
    let people = tagger
        .tag_top(
            &Article::new("News", "Singer Michael Jackson and President Abraham Lincoln were honoured."),
            5,
        )
        .unwrap();
    let names: Vec<&str> = people.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"Michael Jackson") && names.contains(&"Abraham Lincoln"), "{names:?}");
    assert!(!names.contains(&"United States"), "{names:?}");
    let abroad = places("Manchester and Birmingham universities in England made cuts.");
    assert!(!abroad.contains("United States"), "{abroad:?}");
    let us = places("Floods hit Houston and Dallas in Texas. Officials in Chicago warned of storms.");
    assert!(us.contains("United States") && us.contains("Houston"), "{us:?}");
}

/// The names of one tag across an article's forms (the names of `tag_top`'s tags that contain
/// `part`, lower-cased).
fn names_with(tagger: &Tagger, title: &str, text: &str, part: &str) -> Vec<String> {
    let tags = tagger.tag_top(&Article::new(title, text), 20).unwrap();
    tags.iter().filter(|t| t.name.to_lowercase().contains(part)).map(|t| t.name.clone()).collect()
}

/// A family name that is also a place ("Hamilton", Bermuda's capital) is the person the article
/// names in full, in the headline too; short forms inside or at the end of a long name join it
/// ("Lula", "Al Sharaa", "de Gaulle"), and a one-word form joins the full name, not a shorter
/// form of it ("Gaulle" beside "de Gaulle").
#[test]
fn short_forms_join_the_full_name() {
    let tagger = Tagger::new().unwrap();
    let title = "Verstappen beats Hamilton to the title";
    let text = "Max Verstappen won his first world title on Sunday after passing Lewis Hamilton on \
                the last lap.\n\nHamilton had led for most of the race. Verstappen said he was \
                proud; Hamilton congratulated him.";
    let tags = tagger.tag_top(&Article::new(title, text), 10).unwrap();
    let hamilton: Vec<(&str, TagType, usize)> = tags
        .iter()
        .filter(|t| t.name.contains("Hamilton") || t.name == "Bermuda")
        .map(|t| (t.name.as_str(), t.tag_type, t.mentions.len()))
        .collect();
    assert_eq!(hamilton, [("Lewis Hamilton", TagType::Person, 4)], "{tags:?}");
    let text = "Luiz Inácio Lula da Silva was sworn in on Sunday. Lula promised to rebuild the \
                country, and supporters cheered Lula in the capital.";
    assert_eq!(
        names_with(&tagger, "New president takes office", text, "lula"),
        ["Luiz Inácio Lula da Silva"]
    );
    let text = "The country's leader, Ahmed Al Sharaa, spoke first. Al Sharaa said a deal was \
                close, and delegates praised Al Sharaa.";
    assert_eq!(names_with(&tagger, "Summit nears deal", text, "sharaa"), ["Ahmed Al Sharaa"]);
    let text = "The general, Charles de Gaulle, spoke first. Gaulle said a deal was close, and \
                delegates praised de Gaulle.";
    assert_eq!(names_with(&tagger, "Summit nears deal", text, "gaulle"), ["Charles de Gaulle"]);
}

/// A topical phrase keeps the capitals its writer gave a word inside a sentence: the adjectives
/// of names ("Chinese economy", "Emmy-winning"), which the POS tagger calls adjectives; its common
/// words are lower-cased, also at the start of a sentence.
#[test]
fn phrases_keep_the_capitals_of_names_adjectives() {
    let tagger = Tagger::new().unwrap();
    let text = "Growth slowed again in the second quarter, and economists said the Chinese economy \
                needed help. The Emmy-winning AMC series returns in March. Analysts expect the \
                Chinese economy to recover next year.";
    let names: Vec<String> = tagger
        .tag_top(&Article::new("Markets fall", text), 20)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.contains(&"Chinese economy".to_string()), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("Emmy-winning")), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("chinese") || n.starts_with("emmy")), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("Growth")), "{names:?}");
}

/// A wire story's dateline writes its place in capitals by convention: the tag is the place's
/// name ("Mbabane", "Nanjing"), while an acronym the casing lexicon knows stays one ("NATO").
#[test]
fn dateline_capitals_are_read_as_names() {
    let tagger = Tagger::new().unwrap();
    let text = "MBABANE, Swaziland - Media in Swaziland say a serial killer has been sentenced to \
                death. The judge sentenced him on Friday in the capital.";
    let names = names_with(&tagger, "Judge sentences killer to death", text, "mbabane");
    assert_eq!(names, ["Mbabane"]);
    let text = "NANJING, April 3 (Xinhua) -- Officials began a national survey of memorials on \
                Sunday, the ministry said.";
    assert_eq!(names_with(&tagger, "China launches survey", text, "nanjing"), ["Nanjing"]);
    let text = "NATO, the Western alliance, said on Monday it would send more troops to the east.";
    assert_eq!(names_with(&tagger, "Alliance to send troops", text, "nato"), ["NATO"]);
}

/// A Title Case or capitals-only headline capitalises every word, so the recogniser's names there
/// lose the words the body writes in lower case ("Escapes", "Appointee"), and a "name" made of
/// such words alone ("Panic Button App") is no name; company suffixes and names the body writes
/// stay.
#[test]
fn title_case_headlines_do_not_make_names_of_common_words() {
    let tagger = Tagger::new().unwrap();
    let all = |title: &str, text: &str| -> Vec<String> {
        tagger.tag_top(&Article::new(title, text), 30).unwrap().into_iter().map(|t| t.name).collect()
    };
    let text = "Marta Kowalski escaped from her burning car on Sunday after a crash on the opening \
                lap in Bahrain. Kowalski said she was lucky, and the team praised the marshals.";
    let names = all("Kowalski Escapes Fireball Crash In Bahrain", text);
    assert!(names.contains(&"Marta Kowalski".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("Escapes")), "{names:?}");
    let text = "The senate committee urged lawmakers to reject Gov. Dan Ostrowski's appointee to \
                the judicial council. The appointee said he would fight on, and Ostrowski backed him.";
    let names = all("Dan Ostrowski Appointee Faces Pushback", text);
    assert!(!names.iter().any(|n| n.contains("Appointee")), "{names:?}");
    let text = "The agency is building a panic button app for activists. The panic button deletes \
                contacts from a phone, and the app sends an alert to friends.";
    let names = all("Agency Builds A Panic Button App", text);
    assert!(
        !names.iter().any(|n| n.chars().next().is_some_and(char::is_uppercase) && n.contains("Button")),
        "{names:?}"
    );
    let text = "Halvorsen Shipping Inc said on Monday it would buy two tankers. Halvorsen Shipping \
                Inc shares rose, and income rose by 10 pct.";
    let names = all("HALVORSEN SHIPPING INC TO BUY TANKERS", text);
    assert!(names.contains(&"Halvorsen Shipping Inc".to_string()), "{names:?}");
}

/// An acronym joins the name it abbreviates: written in brackets after it, or spelling the
/// initials of all its words ("BOJ").
#[test]
fn acronyms_join_their_names() {
    let tagger = Tagger::new().unwrap();
    let text = "Marine Le Pen's National Rally (RN) won the vote. The RN now leads the polls, and \
                the RN's leader said the party would govern.";
    assert_eq!(names_with(&tagger, "Far right wins", text, "rally"), ["National Rally"]);
    assert!(names_with(&tagger, "Far right wins", text, "rn").iter().all(|n| n == "National Rally"));
    let text = "The Bank of Japan raised rates on Tuesday. The BOJ said prices were rising, and \
                the BOJ's governor spoke later.";
    let bank = names_with(&tagger, "Rates rise", text, "b");
    assert!(bank.contains(&"Bank of Japan".to_string()) && !bank.contains(&"BOJ".to_string()), "{bank:?}");
}

/// "Congress" is the US Congress only where the United States is the country the article is
/// about; Brazil's Congress is not.
#[test]
fn national_institutions_belong_to_their_country() {
    let tagger = Tagger::new().unwrap();
    let text = "Rioters stormed Brazil's Congress in Brasília on Sunday. Brazilian police \
                cleared Congress after three hours. Brazil's president condemned the attack, as \
                did the United States.";
    let names = names_with(&tagger, "Rioters storm Congress", text, "congress");
    assert!(!names.iter().any(|n| n.starts_with("US")), "{names:?}");
    let text = "The US Congress passed the budget on Friday. American lawmakers said Congress \
                had averted a shutdown; the United States Senate voted late.";
    assert_eq!(names_with(&tagger, "Budget passes", text, "congress"), ["US Congress"]);
}

/// Countries are named as English-language newsrooms name them.
#[test]
fn countries_have_their_news_names() {
    let tagger = Tagger::new().unwrap();
    let text = "Turkish rescuers searched the rubble. Türkiye asked for help, and the Czech \
                Republic and the Democratic Republic of the Congo sent teams.";
    let tags = tagger.tag_top(&Article::new("Quake hits Turkey", text), 10).unwrap();
    let names: BTreeSet<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    for want in ["Turkey", "Czech Republic", "Democratic Republic of the Congo"] {
        assert!(names.contains(want), "{want}: {names:?}");
    }
    assert!(!names.contains("Türkiye"), "{names:?}");
}

/// The editor-tagged development set (`data/editor/editor-dev.jsonl`, the project's own): mean
/// F1 of the chosen tags against the editor's, names compared case-insensitively. 0.64 when the
/// ranker was trained on `editor-train.jsonl` (2026-12-06; 0.39 before): a floor, so that a
/// change that makes newstag tag less like an editor fails here.
#[test]
fn editor_dev_set_stays_editorial() {
    let tagger = Tagger::new().unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/editor/editor-dev.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut f1 = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let gold: BTreeSet<String> =
            v["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_lowercase()).collect();
        let article = Article::new(v["title"].as_str().unwrap(), v["text"].as_str().unwrap());
        let got: BTreeSet<String> =
            tagger.tag(&article).unwrap().iter().map(|t| t.name.to_lowercase()).collect();
        let hits = got.intersection(&gold).count() as f64;
        f1.push(if hits == 0.0 { 0.0 } else { 2.0 * hits / (got.len() + gold.len()) as f64 });
    }
    assert_eq!(f1.len(), 40);
    let mean = f1.iter().sum::<f64>() / f1.len() as f64;
    assert!(mean >= 0.58, "mean F1 {mean:.3}");
    eprintln!("editor-dev mean F1 {mean:.3}");
}

/// The headline's participants are its people, places and organisations: an adjective-like
/// other name there ("Islamist") is not kept for being in the headline (it scores 0.06).
#[test]
fn other_names_are_not_headline_participants() {
    let tagger = Tagger::new().unwrap();
    let text = "Taylor Swift cancelled three sold-out concerts in Vienna on Thursday after Austrian \
                police arrested two men suspected of planning an attack on the crowds. Police said \
                the main suspect, a 19-year-old, had pledged allegiance to the Islamic State group.\n\n\
                Swift had been due to play at the Ernst Happel Stadium. Fans who had travelled from \
                across Europe gathered outside the stadium.";
    let title = "Singer cancels Vienna concerts after foiled Islamist attack plot";
    let tags = tagger.tag(&Article::new(title, text)).unwrap();
    let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"Taylor Swift") && names.contains(&"Vienna"), "{names:?}");
    assert!(!names.contains(&"Islamist"), "{names:?}");
}

/// The models read the lead ([`newstag::TaggerBuilder::lead`]); past it, the names and phrases
/// the lead found are still found and counted, with their offsets, and so are gazetteer names.
/// A name only the rest of the article mentions is not a candidate; reading all of it, it is.
#[test]
fn the_lead_is_read_and_the_rest_counted() {
    let title = "Merkel hosts Macron for talks on the debt crisis";
    let lead = "German Chancellor Angela Merkel met French President Emmanuel Macron in Berlin on \
                Monday for talks on the debt crisis. ";
    let middle = "The two leaders spoke for three hours. Their aides said the talks went well. ";
    let rest = "Merkel later told reporters that the debt crisis would take years to resolve. \
                Macron flew on to Portugal, where Antonio Sousa Pereira met him at the airport. \
                Merkel stayed in Berlin.";
    let text = format!("{lead}{middle}{rest}");
    let tagger = Tagger::builder().lead(Some(30)).build().unwrap();
    let article = Article::new(title, text.as_str());
    let doc = tagger.analyze(&article);
    assert!(doc.analysed < doc.tokens.len(), "the lead ends before the article does");
    let tags = tagger.rank(&article).unwrap().tags;
    let body_start = title.len() + 2;
    let rest_start = body_start + lead.len() + middle.len();
    let mentions = |name: &str| -> Vec<[usize; 2]> {
        tags.iter().find(|t| t.name == name).map(|t| t.mentions.clone()).unwrap_or_default()
    };
    // "Merkel" twice past the lead, joined to the full name; the offsets point at it.
    let input = format!("{title}\n\n{text}");
    let merkel = mentions("Angela Merkel");
    let later: Vec<&str> = merkel.iter().filter(|m| m[0] >= rest_start).map(|m| &input[m[0]..m[1]]).collect();
    assert_eq!(later, ["Merkel", "Merkel"], "{tags:?}");
    assert!(mentions("Emmanuel Macron").iter().any(|m| m[0] >= rest_start), "{tags:?}");
    // The topic phrase too, and a gazetteer country first named past the lead.
    assert!(mentions("debt crisis").iter().any(|m| m[0] >= rest_start), "{tags:?}");
    assert!(!mentions("Portugal").is_empty(), "{tags:?}");
    // A person only the rest names is found when the whole article is read.
    assert!(mentions("Antonio Sousa Pereira").is_empty(), "{tags:?}");
    let all = Tagger::builder().lead(None).build().unwrap().rank(&article).unwrap().tags;
    assert!(all.iter().any(|t| t.name == "Antonio Sousa Pereira"), "{all:?}");
}

/// Past the lead a phrase of the lead is found by all its words, not by its first and last
/// ones: with "debt crisis" and "bank reform" in the lead, "bank crisis" past it is neither.
#[test]
fn past_the_lead_phrases_are_matched_whole() {
    let title = "Talks on the debt crisis";
    let lead = "Finance ministers met in Brussels on Monday for talks on the debt crisis and the \
                bank reform. ";
    let middle = "The two leaders spoke for three hours. Their aides said the talks went well. ";
    let rest = "Greece has a bank crisis, and the bank reform waits. \
                Ireland has a debt crisis of its own.";
    let text = format!("{lead}{middle}{rest}");
    let tagger = Tagger::builder().lead(Some(24)).build().unwrap();
    let article = Article::new(title, text.as_str());
    let doc = tagger.analyze(&article);
    assert!(doc.analysed < doc.tokens.len(), "the lead ends before the article does");
    let input = format!("{title}\n\n{text}");
    let rest_start = title.len() + 2 + lead.len() + middle.len();
    let tags = tagger.rank(&article).unwrap().tags;
    assert!(!tags.iter().any(|t| t.name.eq_ignore_ascii_case("bank crisis")), "{tags:?}");
    let mut later = 0;
    for tag in &tags {
        for m in &tag.mentions {
            let said = input[m[0]..m[1]].to_lowercase();
            if m[0] >= rest_start && tag.name.to_lowercase().contains(' ') {
                // A multi-word phrase past the lead is the lead's phrase, word for word.
                assert_eq!(said, tag.name.to_lowercase(), "{tag:?}");
                later += 1;
            }
        }
    }
    assert!(later >= 2, "\"debt crisis\" and \"bank reform\" are found past the lead: {tags:?}");
}

#[test]
fn batches_are_tagged_as_articles_one_at_a_time() {
    let tagger = Tagger::builder().max_bytes(20_000).build().unwrap();
    let file =
        std::fs::File::open(shared("data/keyphrase/duc2001.jsonl")).expect("shared data beside the project");
    let mut texts: Vec<(String, String)> = std::io::BufReader::new(file)
        .lines()
        .take(40)
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            (v["title"].as_str().unwrap().to_string(), v["text"].as_str().unwrap().to_string())
        })
        .collect();
    // Refused articles among them (empty; larger than the limit) get their own errors only.
    texts.insert(3, (String::new(), String::new()));
    texts.insert(10, ("Too long".into(), "word ".repeat(5_000)));
    let articles: Vec<Article<'_>> =
        texts.iter().map(|(t, x)| Article::new(t.as_str(), x.as_str())).collect();
    let one: Vec<_> = articles.iter().map(|a| tagger.tag(a).map_err(|e| e.to_string())).collect();
    assert!(one[3].is_err() && one[10].is_err() && one.iter().filter(|r| r.is_ok()).count() == 40);
    for size in [1, 7, articles.len()] {
        let batched: Vec<_> = articles
            .chunks(size)
            .flat_map(|b| tagger.tag_batch(b, None))
            .map(|r| r.map_err(|e| e.to_string()))
            .collect();
        assert_eq!(batched, one, "batches of {size}");
    }
    let top: Vec<_> = articles.iter().map(|a| tagger.tag_top(a, 12).map_err(|e| e.to_string())).collect();
    let batched: Vec<_> =
        tagger.tag_batch(&articles, Some(12)).into_iter().map(|r| r.map_err(|e| e.to_string())).collect();
    assert_eq!(batched, top, "--top 12");
    assert!(tagger.tag_batch(&[], None).is_empty());
}

#[test]
fn json_lines_are_read_and_tagged_together_as_one_at_a_time() {
    use newstag::input::{parse_json_article, tag_json_lines, TaggedLine};
    let tagger = Tagger::builder().max_bytes(20_000).build().unwrap();
    let file =
        std::fs::File::open(shared("data/keyphrase/duc2001.jsonl")).expect("shared data beside the project");
    let mut lines: Vec<String> = std::io::BufReader::new(file).lines().take(12).map(|l| l.unwrap()).collect();
    lines.insert(2, "{not json".into());
    lines.insert(5, r#"{"id": "empty", "title": "", "text": ""}"#.into());
    lines.insert(7, "refused by the caller".into());
    let given = lines.iter().enumerate().map(|(i, l)| if i == 7 { Err(i) } else { Ok(l.as_bytes()) });
    let tagged = tag_json_lines(&tagger, given, Some(9));
    assert_eq!(tagged.len(), lines.len());
    for (i, (t, line)) in tagged.iter().zip(&lines).enumerate() {
        match (i, t) {
            (2, TaggedLine::Unread(e)) => assert!(e.to_string().contains("malformed JSON"), "{e}"),
            (7, TaggedLine::Refused(7)) => {}
            (5, TaggedLine::Read(a, Err(_))) => assert_eq!(a.passthrough["id"], "empty"),
            (_, TaggedLine::Read(a, Ok(tags))) if ![2, 5, 7].contains(&i) => {
                let alone = parse_json_article(line.as_bytes()).unwrap();
                assert_eq!(a, &alone, "line {i}");
                assert_eq!(tags, &tagger.tag_top(&alone.article, 9).unwrap(), "line {i}");
                assert_eq!(tags.len(), 9, "line {i}");
            }
            (_, other) => panic!("line {i}: {other:?}"),
        }
    }
    assert!(tag_json_lines::<()>(&tagger, [], None).is_empty());
}

/// The chosen tags do not repeat themselves: no single-word topic among them is a word of another
/// chosen tag ("button" beside "panic button", "calorie" beside "calorie counts"), and no topic
/// only adds a word to a chosen name ("Media Matters screams" beside "Media Matters").
#[test]
fn chosen_topics_are_not_nested_in_other_tags() {
    let tagger = Tagger::new().unwrap();
    let articles = [
        (
            "Panic button app built for activists",
            "The agency is building a panic button app for activists. The panic button deletes \
             contacts from a phone, and the app sends an alert to friends. The button works \
             offline, and the app is free.",
        ),
        (
            "Vending machines to show calorie counts",
            "Vending machines will show calorie counts under a new rule. Calories matter to \
             buyers, officials said, and calorie counts help them choose. The calories of each \
             snack will be printed on the front.",
        ),
    ];
    for (title, text) in articles {
        let tags = tagger.tag(&Article::new(title, text)).unwrap();
        let words = |name: &str| -> Vec<String> {
            newstag::text::porter::stem_phrase(name).split(' ').map(str::to_string).collect()
        };
        for (i, t) in tags.iter().enumerate().filter(|(_, t)| t.tag_type == TagType::Topic) {
            let mine = words(&t.name);
            for other in tags.iter().take(i) {
                let theirs = words(&other.name);
                let inside = mine.len() == 1 && theirs.contains(&mine[0]);
                let extends = other.tag_type != TagType::Topic && theirs.iter().all(|w| mine.contains(w));
                assert!(!inside && !extends, "{:?} beside {:?}: {tags:?}", t.name, other.name);
            }
        }
    }
}

/// A word that opens a sentence has a capital by convention: the recogniser's one-word name
/// there is no name when the lead writes the word in lower case and never capitalises it inside
/// a sentence (DUC-2001 AP890403-0123 opens sentences with "Tornadoes", LA101690-0040 with
/// "Tuberculosis"; neither is a person).
#[test]
fn sentence_openers_written_in_lower_case_are_not_names() {
    let tagger = Tagger::new().unwrap();
    let file =
        std::fs::File::open(shared("data/keyphrase/duc2001.jsonl")).expect("shared data beside the project");
    let mut seen = 0;
    for line in std::io::BufReader::new(file).lines() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let word = match v["id"].as_str().unwrap() {
            "AP890403-0123" => "tornado",
            "LA101690-0040" => "tuberculosis",
            _ => continue,
        };
        seen += 1;
        let article = Article::new(v["title"].as_str().unwrap(), v["text"].as_str().unwrap());
        let tags = tagger.tag_top(&article, 20).unwrap();
        let named: Vec<(&str, TagType)> = tags
            .iter()
            .filter(|t| t.tag_type != TagType::Topic && t.name.to_lowercase().starts_with(word))
            .map(|t| (t.name.as_str(), t.tag_type))
            .collect();
        assert!(named.is_empty(), "{named:?}");
    }
    assert_eq!(seen, 2);
}

/// A name that ends in a company suffix ("Spa", "Ltd") or an institution's word ("Ministry") is
/// an organisation even where the recogniser reads a person.
#[test]
fn company_suffixes_make_organisations() {
    let tagger = Tagger::new().unwrap();
    let text = "Finanziario Ligure Spa said on Monday it had sold its stake in the textile maker to a \
                group of banks. Finanziario Ligure Spa gave no price.";
    let tags = tagger.tag_top(&Article::new("Textile group sells stake", text), 5).unwrap();
    let spa = tags.iter().find(|t| t.name == "Finanziario Ligure Spa").expect("the company is a tag");
    assert_eq!(spa.tag_type, TagType::Organization, "{tags:?}");
}

/// Storms, laws and events are topics, whatever the recogniser reads in them: before,
/// "Hurricane Maria" was no tag but "Maria", a person, and "Rio Olympics" a place. The body that
/// runs one stays an organisation (a guard: it was one before too).
#[test]
fn storms_laws_and_events_are_things() {
    let tagger = Tagger::new().unwrap();
    let cases = [
        (
            "Hurricane Maria leaves Puerto Rico without power",
            "Hurricane Maria tore across Puerto Rico on Wednesday, knocking out power to the whole \
             island. Maria made landfall near Yabucoa with winds of 155 mph, the National \
             Hurricane Center said. Governor Ricardo Rossello said recovery would take months.",
            "Hurricane Maria",
        ),
        (
            "Bolt wins again at Rio Olympics",
            "Usain Bolt won the 100 metres at the Rio Olympics on Sunday, beating Justin Gatlin. \
             Bolt has now won the event at three Olympics. The Rio Olympics end on August 21.",
            "Rio Olympics",
        ),
    ];
    for (title, text, name) in cases {
        assert_eq!(tag_named(&tagger, title, text, name, 8).tag_type, TagType::Topic, "{name}");
    }
    let text = "The State Administration for Market Regulation fined the company on Friday. The \
                State Administration for Market Regulation said the fine was final.";
    let tags = tagger.tag_top(&Article::new("Regulator fines Meituan", text), 5).unwrap();
    let sa =
        tags.iter().find(|t| t.name.starts_with("State Administration")).expect("the regulator is a tag");
    assert_eq!(sa.tag_type, TagType::Organization, "{tags:?}");
}

/// A tag is a person, a place, an organisation or a topic. A name that resolution leaves of no
/// kind is typed by its words: a forest, a stadium or a park is a place, an event a topic. Before,
/// all three were of a fifth type, `other`.
#[test]
fn names_of_no_kind_are_typed_by_their_words() {
    let tagger = Tagger::new().unwrap();
    let forest = "A wildfire burned 4,000 acres of the Bridger-Teton National Forest in Wyoming on \
                  Monday, the Forest Service said. Crews from three states were fighting the blaze in \
                  the Bridger-Teton National Forest, where campgrounds were closed.";
    let stadium = "Athletes returned to the Olympic Stadium in London on Saturday for the Anniversary \
                   Games. The Olympic Stadium hosted the 2012 Games. Mo Farah won the 5,000 metres at \
                   the Olympic Stadium.";
    let cases = [
        (
            "Fire spreads in Bridger-Teton National Forest",
            forest,
            "Bridger-Teton National Forest",
            TagType::Place,
        ),
        ("Athletes return to Olympic Stadium", stadium, "Olympic Stadium", TagType::Place),
        ("Athletes return to Olympic Stadium", stadium, "Anniversary Games", TagType::Topic),
    ];
    for (title, text, name, want) in cases {
        assert_eq!(tag_named(&tagger, title, text, name, 8).tag_type, want, "{name}");
    }
}

/// A name the body writes as a company's is an organisation, whatever the recogniser reads:
/// "Fonterra, the world's biggest dairy exporter" and "Kroger shares rose" were people before. A
/// person's or organisation's name that is a site's is a place ("Lusail Stadium" was a person).
#[test]
fn context_types_companies_and_sites() {
    let tagger = Tagger::new().unwrap();
    let cases = [
        (
            "Fonterra cuts milk price forecast",
            "Fonterra, the world's biggest dairy exporter, on Thursday cut its forecast for the price \
             it pays farmers, citing weaker demand from China. Fonterra collects about 80 per cent of \
             New Zealand's milk. Farmers said the cut would hurt.",
            "Fonterra",
            TagType::Organization,
        ),
        (
            "Kroger deal blocked by judge",
            "A federal judge on Tuesday blocked Kroger's proposed acquisition of rival supermarket \
             chain Albertsons. Kroger, based in Cincinnati, Ohio, said it was disappointed. Kroger \
             shares rose 2.8 per cent.",
            "Kroger",
            TagType::Organization,
        ),
        (
            "Fans pack Lusail Stadium for final",
            "Thousands of fans filled Lusail Stadium in Doha on Sunday for the final. Lusail Stadium \
             holds 88,966 people. Qatar built Lusail Stadium for the tournament.",
            "Lusail Stadium",
            TagType::Place,
        ),
    ];
    for (title, text, name, want) in cases {
        assert_eq!(tag_named(&tagger, title, text, name, 8).tag_type, want, "{name}");
    }
}

/// A company the recogniser does not read is still a name: a proper noun alone that the body
/// writes twice, once inside a sentence, or once as a company's. Before, "Wirecard" was a topic with its headline mention
/// alone; now it is an organisation (its appositive says so) with all four, the one that opens
/// a sentence too.
#[test]
fn names_the_recogniser_misses_are_found() {
    let tagger = Tagger::new().unwrap();
    let text = "Investors fled Wirecard, the German payments group that was once the darling of \
                investors, on Thursday. The Philippine central bank said the documents purporting to \
                show Wirecard's accounts were forged. Wirecard's lenders, a group of 15 banks, had \
                extended credit lines.";
    let w = tag_named(&tagger, "Wirecard files for insolvency", text, "Wirecard", 5);
    assert_eq!(w.tag_type, TagType::Organization, "{w:?}");
    assert_eq!(w.mentions.len(), 4, "{w:?}");
    // Written once in the body, opening a sentence, but as a company's: before, a topic with its
    // headline mention alone.
    let text = "Optus, Australia's second-largest telecommunications company, said on Thursday that \
                the personal details of up to 9.8 million customers may have been stolen in a \
                cyberattack. Names, dates of birth and phone numbers were exposed, the company said. \
                Chief executive Kelly Bayer Rosmarin said she was angry.";
    let title = "Optus cyberattack exposes data of up to 10 million Australians";
    let optus = tag_named(&tagger, title, text, "Optus", 5);
    assert_eq!(optus.tag_type, TagType::Organization, "{optus:?}");
    assert_eq!(optus.mentions.len(), 2, "{optus:?}");
}

/// A name the recogniser types wrongly is typed by the pronouns that take it up: a one-word
/// "person" the body calls "it" is a company ("Netflix said on Tuesday it would ..."), and an
/// "organisation" whose own sentence is followed by "She ..." is a person. Before, Netflix was a
/// person and Brooke Shields (after "(CBS/AP)") an organisation.
#[test]
fn pronouns_type_names_the_recogniser_misreads() {
    let tagger = Tagger::new().unwrap();
    let netflix = "Netflix said on Tuesday it would raise the price of its standard plan in the United \
                   States by two dollars a month. Netflix said its subscriber numbers grew by nine \
                   million in the quarter, beating forecasts. Shares in Netflix rose 5 percent in \
                   after-hours trading.";
    let shields = "(CBS/AP) Brooke Shields is going to take Bebe Neuwirth's place as Morticia in \
                   Broadway's \"The Addams Family,\" producers say. June 26 will be Neuwirth's final \
                   performance, with Shields taking over two days after. Shields is no stranger to \
                   Broadway. She previously played Ruth in \"Wonderful Town\" and Roxie Hart in \
                   \"Chicago.\"";
    let cases = [
        ("Netflix raises prices again", netflix, "Netflix", TagType::Organization),
        (
            "Brooke Shields to return to Broadway in \"The Addams Family\"",
            shields,
            "Brooke Shields",
            TagType::Person,
        ),
    ];
    for (title, text, name, ty) in cases {
        assert_eq!(tag_named(&tagger, title, text, name, 5).tag_type, ty, "{name}");
    }
}
