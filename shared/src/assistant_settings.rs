//! Assistants and their knowledge as the settings pages and `/api/dashboard/settings/assistants`
//! exchange them, with the parsers both the browser and the server run on what an admin types.
//!
//! Endpoints (all under `/api/dashboard/settings`; writes need an admin or owner):
//! - `GET /assistants` → `Vec<`[`AssistantSummary`]`>`; `POST /assistants` [`AssistantInput`] →
//!   201 [`AssistantDetail`].
//! - `GET|PUT /assistants/{id}` ([`AssistantInput`]) → [`AssistantDetail`]; `DELETE` → 204.
//! - `POST /assistants/{id}/default` → [`AssistantDetail`].
//! - `GET /assistants/{id}/knowledge?q=` → `Vec<`[`KnowledgeEntryView`]`>`; `POST` [`KnowledgeInput`]
//!   → 201 [`KnowledgeEntryView`]; `PUT|DELETE /assistants/{id}/knowledge/{entryId}`.
//! - `POST /assistants/{id}/knowledge/import` (a `text/csv` or `text/markdown` body) →
//!   [`ImportResult`].
//! - `POST /assistants/{id}/try` [`TryRequest`] → [`TryReply`].

use serde::{Deserialize, Serialize};

use crate::api::Channel;
use crate::text::is_forbidden_control;

pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_INSTRUCTIONS_CHARS: usize = 8_000;
pub const MAX_GREETING_CHARS: usize = 500;
pub const MAX_MODEL_CHARS: usize = 100;
pub const MAX_QUESTION_CHARS: usize = 300;
pub const MAX_ANSWER_CHARS: usize = 5_000;
pub const MAX_KEYWORDS_CHARS: usize = 500;
/// Entries one import may add.
pub const MAX_IMPORT_ENTRIES: usize = 1_000;
/// The channels an assistant can answer on, in the order the settings show them.
pub const CHANNELS: [Channel; 4] = [Channel::Web, Channel::Sms, Channel::Email, Channel::Voice];

/// One row of the assistants list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssistantSummary {
    pub id: String,
    pub name: String,
    pub is_default: bool,
    pub channels: Vec<Channel>,
    pub knowledge_count: i64,
    pub model: Option<String>,
    /// Unix milliseconds.
    pub updated_at: i64,
}

/// One assistant, everything an admin edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssistantDetail {
    pub id: String,
    pub name: String,
    pub instructions: String,
    pub greeting: String,
    /// The OpenAI-compatible provider's model for this assistant; `None`: the server's default.
    pub model: Option<String>,
    pub channels: Vec<Channel>,
    pub is_default: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The body of `POST` and `PUT /assistants/{id}`: the whole editable assistant. Missing fields
/// read as empty so that the answer is a 422 naming them, not a parse error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssistantInput {
    pub name: String,
    pub instructions: String,
    pub greeting: String,
    pub model: Option<String>,
    /// `web`, `sms`, `email`, `voice`; strings, so an unknown one is a 422 on `channels`.
    pub channels: Vec<String>,
}

/// An [`AssistantInput`] that passed [`AssistantInput::parse`]: trimmed, within limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssistantSettings {
    pub name: String,
    pub instructions: String,
    pub greeting: String,
    pub model: Option<String>,
    pub channels: Vec<Channel>,
}

pub use crate::form::FieldError;

/// Checks here word what is wrong as a phrase, so that an import can put it after "row 7: ".
fn reason(field: &'static str, code: &'static str, phrase: impl AsRef<str>) -> FieldError {
    FieldError::from_phrase(field, code, phrase.as_ref())
}

/// `input` trimmed, checked for length (in characters) and invisible control characters.
/// `what` names the field in the reason ("the name").
fn text(
    input: &str,
    field: &'static str,
    what: &str,
    min: usize,
    max: usize,
) -> Result<String, FieldError> {
    let value = input.trim();
    let chars = value.chars().count();
    if chars < min {
        return Err(reason(field, "required", format!("{what} is empty")));
    }
    if chars > max {
        return Err(reason(
            field,
            "too_long",
            format!("{what} is {chars} characters long; the limit is {max}"),
        ));
    }
    if value.chars().any(is_forbidden_control) {
        return Err(reason(
            field,
            "invalid_character",
            format!("{what} contains an invisible control character"),
        ));
    }
    Ok(value.to_owned())
}

/// A model name for the OpenAI-compatible provider: up to 100 of `A-Z a-z 0-9 . _ : / -`;
/// empty means the server's default.
pub fn parse_model(input: Option<&str>) -> Result<Option<String>, FieldError> {
    let value = input.unwrap_or_default().trim();
    if value.is_empty() {
        return Ok(None);
    }
    let chars = value.chars().count();
    if chars > MAX_MODEL_CHARS {
        return Err(reason(
            "model",
            "too_long",
            format!("the model name is {chars} characters long; the limit is {MAX_MODEL_CHARS}"),
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-');
    if !value.chars().all(allowed) {
        return Err(reason(
            "model",
            "invalid_model",
            "a model name may only hold letters, digits and . _ : / -",
        ));
    }
    Ok(Some(value.to_owned()))
}

/// A non-empty set of known channels, in [`CHANNELS`] order.
pub fn parse_channels(input: &[String]) -> Result<Vec<Channel>, FieldError> {
    let mut chosen = Vec::new();
    for name in input {
        let channel = Channel::parse(name.trim()).ok_or_else(|| {
            reason(
                "channels",
                "unknown_channel",
                format!("{name:?} is not a channel; choose from web, sms, email and voice"),
            )
        })?;
        chosen.push(channel);
    }
    let channels: Vec<Channel> = CHANNELS
        .into_iter()
        .filter(|c| chosen.contains(c))
        .collect();
    if channels.is_empty() {
        return Err(reason(
            "channels",
            "required",
            "choose at least one channel",
        ));
    }
    Ok(channels)
}

impl AssistantInput {
    /// Checks every field, the first problem found (in form order) named.
    pub fn parse(&self) -> Result<AssistantSettings, FieldError> {
        Ok(AssistantSettings {
            name: text(&self.name, "name", "the name", 1, MAX_NAME_CHARS)?,
            instructions: text(
                &self.instructions,
                "instructions",
                "the instructions",
                0,
                MAX_INSTRUCTIONS_CHARS,
            )?,
            greeting: text(
                &self.greeting,
                "greeting",
                "the greeting",
                1,
                MAX_GREETING_CHARS,
            )?,
            model: parse_model(self.model.as_deref())?,
            channels: parse_channels(&self.channels)?,
        })
    }
}

impl From<&AssistantDetail> for AssistantInput {
    fn from(detail: &AssistantDetail) -> Self {
        Self {
            name: detail.name.clone(),
            instructions: detail.instructions.clone(),
            greeting: detail.greeting.clone(),
            model: detail.model.clone(),
            channels: detail
                .channels
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        }
    }
}

/// One knowledge entry as the settings list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeEntryView {
    pub id: String,
    pub question: String,
    pub answer: String,
    pub keywords: String,
    pub updated_at: i64,
}

/// The body of `POST` and `PUT` of a knowledge entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KnowledgeInput {
    pub question: String,
    pub answer: String,
    pub keywords: String,
}

/// A [`KnowledgeInput`] that passed [`KnowledgeInput::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeFields {
    pub question: String,
    pub answer: String,
    pub keywords: String,
}

impl KnowledgeInput {
    pub fn parse(&self) -> Result<KnowledgeFields, FieldError> {
        Ok(KnowledgeFields {
            question: text(
                &self.question,
                "question",
                "the question",
                1,
                MAX_QUESTION_CHARS,
            )?,
            answer: text(&self.answer, "answer", "the answer", 1, MAX_ANSWER_CHARS)?,
            keywords: text(
                &self.keywords,
                "keywords",
                "the keywords",
                0,
                MAX_KEYWORDS_CHARS,
            )?,
        })
    }
}

/// What an import added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    pub imported: usize,
}

/// The body of `POST /assistants/{id}/try`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TryRequest {
    pub question: String,
}

/// How the assistant would answer, and from which entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TryReply {
    pub reply: String,
    pub used_entries: Vec<UsedEntry>,
    /// `embedded` or `openai`: the provider that wrote this reply (`embedded` when the remote
    /// one failed and the embedded one answered instead).
    pub provider: String,
    /// The remote model that wrote it; `None` for the embedded provider.
    pub model: Option<String>,
}

/// A knowledge entry a reply drew on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsedEntry {
    pub id: String,
    pub question: String,
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn input() -> AssistantInput {
        AssistantInput {
            name: "  Support  ".into(),
            instructions: String::new(),
            greeting: "Hi!".into(),
            model: Some(" ".into()),
            channels: vec!["sms".into(), "web".into(), "web".into()],
        }
    }

    #[test]
    fn a_valid_assistant_is_trimmed_and_its_channels_put_in_order() {
        let parsed = input().parse().expect("valid");
        assert_eq!(parsed.name, "Support");
        assert_eq!(parsed.model, None);
        assert_eq!(parsed.channels, vec![Channel::Web, Channel::Sms]);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(AssistantInput, &str)> = vec![
            (
                AssistantInput {
                    name: " ".into(),
                    ..input()
                },
                "name",
            ),
            (
                AssistantInput {
                    name: "n".repeat(81),
                    ..input()
                },
                "name",
            ),
            (
                AssistantInput {
                    instructions: "i".repeat(8_001),
                    ..input()
                },
                "instructions",
            ),
            (
                AssistantInput {
                    greeting: String::new(),
                    ..input()
                },
                "greeting",
            ),
            (
                AssistantInput {
                    model: Some("gpt 4".into()),
                    ..input()
                },
                "model",
            ),
            (
                AssistantInput {
                    model: Some("m".repeat(101)),
                    ..input()
                },
                "model",
            ),
            (
                AssistantInput {
                    channels: vec![],
                    ..input()
                },
                "channels",
            ),
            (
                AssistantInput {
                    channels: vec!["fax".into()],
                    ..input()
                },
                "channels",
            ),
        ];
        for (bad, field) in cases {
            assert_eq!(bad.parse().expect_err(field).field, field);
        }
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let ok = AssistantInput {
            name: "é".repeat(80),
            ..input()
        };
        assert!(ok.parse().is_ok());
    }

    #[test]
    fn model_names_of_common_providers_pass() {
        for model in [
            "gpt-4o-mini",
            "llama3.1:8b",
            "openai/gpt-4.1",
            "mistral_large",
        ] {
            assert_eq!(parse_model(Some(model)), Ok(Some(model.to_owned())));
        }
    }

    #[test]
    fn knowledge_reasons_read_after_a_row_number() {
        let err = KnowledgeInput {
            question: "Refunds?".into(),
            answer: "  ".into(),
            keywords: String::new(),
        }
        .parse()
        .expect_err("empty answer");
        assert_eq!(err.field, "answer");
        assert_eq!(err.phrase(), "the answer is empty");
        assert_eq!(err.message, "The answer is empty.");
    }

    #[test]
    fn control_characters_are_refused() {
        let err = KnowledgeInput {
            question: "a\u{0}b".into(),
            answer: "x".into(),
            keywords: String::new(),
        }
        .parse()
        .expect_err("nul");
        assert_eq!(err.code, "invalid_character");
    }
}
