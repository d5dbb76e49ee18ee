//! What the engine returns: tags with type, canonical name, score and mention offsets.

use serde::{Deserialize, Serialize};

/// The kind of thing a tag names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TagType {
    /// A person.
    Person,
    /// A place: country, region, city, natural feature.
    Place,
    /// An organisation: company, institution, party, agency.
    Organization,
    /// A topic: a subject, named by a noun phrase ("oil spill") or a name that is none of the
    /// other three (an event, a law, a product: "Hurricane Maria", "AI Act", "ChatGPT").
    Topic,
}

impl TagType {
    /// The lower-case name used in output.
    pub fn as_str(&self) -> &'static str {
        match self {
            TagType::Person => "person",
            TagType::Place => "place",
            TagType::Organization => "organization",
            TagType::Topic => "topic",
        }
    }
}

/// One tag of an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// Canonical name ("Xi Jinping", "Russia", "oil spill").
    pub name: String,
    /// What it names.
    #[serde(rename = "type")]
    pub tag_type: TagType,
    /// Score in [0, 1]; higher is more central to the article.
    pub score: f32,
    /// Byte ranges `[start, end)` of each mention in `title + "\n\n" + text` as given (also when
    /// the input was not NFC: the analysis runs on the NFC text, and its offsets are mapped back).
    pub mentions: Vec<[usize; 2]>,
}

/// The tags as `newstag tag` and the HTTP API print them: a JSON array of `{"name", "type",
/// "score", "mentions"}`, in the given order, each score rounded to four decimals.
pub fn tags_json(tags: &[Tag]) -> serde_json::Value {
    serde_json::Value::Array(
        tags.iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.name,
                    "type": t.tag_type.as_str(),
                    "score": (f64::from(t.score) * 10000.0).round() / 10000.0,
                    "mentions": t.mentions,
                })
            })
            .collect(),
    )
}
