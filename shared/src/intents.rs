//! A workspace's intents as admins edit them (`/settings/intents`): the JSON of
//! `GET`/`PUT /api/dashboard/settings/intents` and of the "try it" box
//! (`POST /api/dashboard/settings/intents/test`), with the limits the server checks and the
//! settings page shows. Field names are camelCase on the wire; a 422 names the field as
//! [`field`] spells it, e.g. `intents[3].key`.

use serde::{Deserialize, Serialize};

/// At most this many intents per workspace.
pub const MAX_INTENTS: usize = 50;
/// At most this many example phrases per intent.
pub const MAX_EXAMPLES: usize = 200;
/// The longest example phrase, in characters.
pub const MAX_EXAMPLE_CHARS: usize = 300;
/// The longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 60;
/// The longest intent key (the server's `ai::intent::MAX_KEY_LEN`).
pub const MAX_KEY_CHARS: usize = 40;
/// The catch-all intent every workspace keeps: it cannot be removed.
pub const GENERAL: &str = "general";

/// One intent: its key (`[a-z0-9_]`, 1–40 characters, never changed once saved in practice,
/// since conversations keep it), what agents read, and the customer messages it is taught by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentView {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub examples: Vec<String>,
}

/// `PUT /api/dashboard/settings/intents` body: the whole list, in the order shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentsUpdate {
    pub intents: Vec<IntentView>,
}

/// `GET` and `PUT` answer: the workspace's intents (the defaults when it never saved any), the
/// keys of the default intents, and the confidence from which a message's intent becomes the
/// conversation's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentsPage {
    pub intents: Vec<IntentView>,
    pub defaults: Vec<String>,
    pub confident: f32,
}

/// `POST /api/dashboard/settings/intents/test` body: a message to classify.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentTest {
    pub text: String,
}

/// One intent's probability for the tried message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RankedIntent {
    pub key: String,
    /// In `0.0..=1.0`.
    pub confidence: f32,
}

/// What the saved intents make of the tried message: every intent, most probable first, and
/// whether the first is confident enough to set a conversation's intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentTestResult {
    pub ranked: Vec<RankedIntent>,
    pub confident: bool,
}

/// The wire name of a field of intent `index` (0-based), as a 422 names it: `intents[3].key`.
pub fn field(index: usize, name: &str) -> String {
    format!("intents[{index}].{name}")
}

/// Why a new intent's key cannot be added to a list with `existing` keys, as a sentence; the
/// settings page checks it before the server does.
pub fn new_key_problem<'a>(
    key: &str,
    mut existing: impl ExactSizeIterator<Item = &'a str>,
) -> Option<String> {
    let well_formed = !key.is_empty()
        && key.len() <= MAX_KEY_CHARS
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Some(format!(
            "A key is 1 to {MAX_KEY_CHARS} characters of lowercase a-z, 0-9 and _ (like returns)."
        ));
    }
    if existing.len() >= MAX_INTENTS {
        return Some(format!("A workspace has at most {MAX_INTENTS} intents."));
    }
    if existing.any(|k| k == key) {
        return Some(format!("There is already an intent with the key {key}."));
    }
    None
}

/// A textarea's text → example phrases: one per line, trimmed, blank lines dropped.
pub fn examples_from_text(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Example phrases → a textarea's text, one per line.
pub fn examples_to_text(examples: &[String]) -> String {
    examples.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_is_camel_case_and_a_missing_example_list_is_empty() {
        let page = IntentsPage {
            intents: vec![IntentView {
                key: "returns".into(),
                label: "Returns".into(),
                examples: vec!["I want to send it back".into()],
            }],
            defaults: vec!["general".into()],
            confident: 0.5,
        };
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["intents"][0]["examples"][0], "I want to send it back");
        assert_eq!(json["confident"], 0.5);
        let view: IntentView =
            serde_json::from_str(r#"{"key":"x","label":"X"}"#).expect("no examples");
        assert!(view.examples.is_empty());
    }

    #[test]
    fn a_new_key_must_be_well_formed_and_new() {
        let keys = ["general", "sales"];
        assert_eq!(new_key_problem("returns", keys.into_iter()), None);
        assert_eq!(new_key_problem("gift_cards_2", keys.into_iter()), None);
        for bad in ["Returns", "", "gift cards", "retours-é"] {
            assert!(new_key_problem(bad, keys.into_iter()).is_some(), "{bad:?}");
        }
        let long = "x".repeat(MAX_KEY_CHARS + 1);
        assert!(new_key_problem(&long, keys.into_iter()).is_some());
        assert!(new_key_problem(&long[1..], keys.into_iter()).is_none());
        assert!(new_key_problem("sales", keys.into_iter())
            .unwrap()
            .contains("already"));
        let full: Vec<String> = (0..MAX_INTENTS).map(|i| format!("k{i}")).collect();
        assert!(new_key_problem("returns", full.iter().map(String::as_str))
            .unwrap()
            .contains("at most"));
    }

    #[test]
    fn textarea_lines_become_trimmed_examples_and_back() {
        let examples = examples_from_text("  where is my parcel \n\n\t\nrefund please\r\n");
        assert_eq!(examples, ["where is my parcel", "refund please"]);
        assert_eq!(
            examples_to_text(&examples),
            "where is my parcel\nrefund please"
        );
        assert_eq!(field(3, "key"), "intents[3].key");
    }
}
