//! Routing rules, handoff settings and business hours as `/api/dashboard/settings/routing/…`
//! exchanges them, with the parsers both the settings page and the server run on what an admin
//! types. Field names are camelCase on the wire. The time zone is the one thing only the server
//! can check (it holds the time zone database). Rules and the test box are here; business
//! hours in `hours` and handoff settings in `handoff`, both re-exported.
//!
//! Endpoints (under `/api/dashboard/settings/routing`; admins and owners only):
//! - `GET /rules` → `Vec<`[`RuleView`]`>` in evaluation order; `POST /rules` [`RuleInput`] → 201
//!   [`RuleView`]; `PUT /rules/{id}` [`RuleInput`] → [`RuleView`]; `DELETE /rules/{id}` → 204.
//! - `PUT /rules/order` [`RuleOrder`] → `Vec<`[`RuleView`]`>`.
//! - `GET|PUT /handoff` ([`HandoffForm`]) → [`HandoffPage`].
//! - `POST /test` [`TestRequest`] → [`TestResult`]: the message's intent, which rule would match,
//!   and why for each.

use serde::{Deserialize, Serialize};

use crate::api::Channel;
use crate::assistant_settings::CHANNELS;
use crate::text::is_forbidden_control;

mod handoff;
mod hours;

pub use handoff::*;
pub use hours::*;

pub const MAX_RULE_NAME_CHARS: usize = 80;
pub const MAX_PRIORITY: i64 = 100;
pub const MAX_KEYWORDS: usize = 50;
pub const MAX_KEYWORD_CHARS: usize = 60;
pub const MAX_INTENT_CHARS: usize = 40;
pub const MAX_TEMPLATE_CHARS: usize = 500;
pub const MAX_RANGES: usize = 28;
/// The allowed range of `maxHandoffs` and `failuresBeforeHuman`.
pub const HANDOFF_LIMITS: (i64, i64) = (1, 10);
/// The intents every workspace starts with; the settings page suggests them.
pub const DEFAULT_INTENTS: [&str; 5] = ["sales", "support", "billing", "technical", "general"];
/// The placeholders a handoff template may use.
pub const PLACEHOLDERS: [&str; 3] = ["{agent_name}", "{customer_intent}", "{task_description}"];

/// When a rule applies, by the workspace's business hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeWindow {
    #[default]
    Any,
    BusinessHours,
    AfterHours,
}

impl TimeWindow {
    pub const ALL: [Self; 3] = [Self::Any, Self::BusinessHours, Self::AfterHours];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::BusinessHours => "business_hours",
            Self::AfterHours => "after_hours",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s.trim())
    }
}

/// Where a matching rule sends the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum RuleTarget {
    /// One of the workspace's assistants.
    Assistant {
        #[serde(rename = "assistantId")]
        assistant_id: String,
    },
    /// The human team: the conversation waits for a teammate.
    Human,
}

pub use crate::form::FieldError;

/// The body of `POST /rules` and `PUT /rules/{id}`: the whole rule as an admin types it. Text
/// where a wrong value must be a 422 naming the field, not an unreadable body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleInput {
    pub name: String,
    /// 0–100, higher first.
    pub priority: i64,
    pub active: bool,
    /// Any of them, as a whole word or phrase, case-insensitive; empty: no keyword condition.
    pub keywords: Vec<String>,
    /// An intent key such as `billing`; `None` or empty: no intent condition.
    pub intent: Option<String>,
    /// `web`, `sms`, `email`, `voice`; empty: every channel.
    pub channels: Vec<String>,
    /// `any`, `business_hours` or `after_hours`.
    pub time_window: String,
    /// `assistant` or `human`.
    pub target_kind: String,
    /// With `targetKind: assistant`.
    pub target_assistant_id: Option<String>,
}

impl Default for RuleInput {
    fn default() -> Self {
        Self {
            name: String::new(),
            priority: 50,
            active: true,
            keywords: Vec::new(),
            intent: None,
            channels: Vec::new(),
            time_window: TimeWindow::Any.as_str().to_owned(),
            target_kind: "assistant".to_owned(),
            target_assistant_id: None,
        }
    }
}

/// A [`RuleInput`] that passed [`RuleInput::parse`]: what the server stores and audits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSettings {
    pub name: String,
    pub priority: u8,
    pub active: bool,
    /// Trimmed, lowercase, without duplicates.
    pub keywords: Vec<String>,
    pub intent: Option<String>,
    /// In [`CHANNELS`] order; empty: every channel.
    pub channels: Vec<Channel>,
    pub time_window: TimeWindow,
    pub target: RuleTarget,
}

pub(crate) fn check_text(
    field: &'static str,
    what: &str,
    text: &str,
    max: usize,
) -> Result<(), FieldError> {
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("The {what} is longer than {max} characters."),
        ));
    }
    if text.chars().any(is_forbidden_control) {
        return Err(FieldError::new(
            field,
            "control_character",
            format!("The {what} contains an invisible control character."),
        ));
    }
    Ok(())
}

/// An intent key: lowercase letters, digits, `_` and `-`.
pub fn parse_intent(text: &str) -> Result<Option<String>, FieldError> {
    let key = text.trim().to_lowercase();
    if key.is_empty() {
        return Ok(None);
    }
    check_text("intent", "intent", &key, MAX_INTENT_CHARS)?;
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(FieldError::new(
            "intent",
            "invalid_intent",
            format!("{key:?} is not an intent key: use letters, digits, _ and - (e.g. billing)."),
        ));
    }
    Ok(Some(key))
}

/// Known channels in [`CHANNELS`] order; an empty list means every channel.
pub fn parse_rule_channels(input: &[String]) -> Result<Vec<Channel>, FieldError> {
    let mut chosen = Vec::new();
    for name in input {
        let channel = Channel::parse(name.trim()).ok_or_else(|| {
            FieldError::new(
                "channels",
                "unknown_channel",
                format!("{name:?} is not a channel; choose from web, sms, email and voice."),
            )
        })?;
        chosen.push(channel);
    }
    Ok(CHANNELS
        .into_iter()
        .filter(|c| chosen.contains(c))
        .collect())
}

fn parse_keywords(input: &[String]) -> Result<Vec<String>, FieldError> {
    let mut keywords: Vec<String> = Vec::new();
    for raw in input {
        let keyword = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let keyword = keyword.to_lowercase();
        if keyword.is_empty() || keywords.contains(&keyword) {
            continue;
        }
        check_text("keywords", "keyword", &keyword, MAX_KEYWORD_CHARS)?;
        keywords.push(keyword);
    }
    if keywords.len() > MAX_KEYWORDS {
        return Err(FieldError::new(
            "keywords",
            "too_many",
            format!("A rule takes at most {MAX_KEYWORDS} keywords."),
        ));
    }
    Ok(keywords)
}

impl RuleInput {
    /// Checks every field; the first bad one is named.
    pub fn parse(&self) -> Result<RuleSettings, FieldError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(FieldError::new("name", "required", "Give the rule a name."));
        }
        check_text("name", "name", &name, MAX_RULE_NAME_CHARS)?;
        let priority = u8::try_from(self.priority)
            .ok()
            .filter(|p| i64::from(*p) <= MAX_PRIORITY)
            .ok_or_else(|| {
                FieldError::new(
                    "priority",
                    "out_of_range",
                    format!(
                        "The priority is {}; it must be from 0 to {MAX_PRIORITY}.",
                        self.priority
                    ),
                )
            })?;
        let keywords = parse_keywords(&self.keywords)?;
        let intent = parse_intent(self.intent.as_deref().unwrap_or_default())?;
        let channels = parse_rule_channels(&self.channels)?;
        let time_window = TimeWindow::parse(&self.time_window).ok_or_else(|| {
            FieldError::new(
                "timeWindow",
                "unknown_time_window",
                format!(
                    "{:?} is not a time window; choose any, business_hours or after_hours.",
                    self.time_window
                ),
            )
        })?;
        let target = match self.target_kind.trim() {
            "human" => RuleTarget::Human,
            "assistant" => {
                let id = self
                    .target_assistant_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| {
                        FieldError::new(
                            "targetAssistantId",
                            "required",
                            "Choose the assistant this rule routes to.",
                        )
                    })?;
                RuleTarget::Assistant {
                    assistant_id: id.to_owned(),
                }
            }
            other => {
                return Err(FieldError::new(
                    "targetKind",
                    "unknown_target",
                    format!("{other:?} is not a target; choose assistant or human."),
                ))
            }
        };
        Ok(RuleSettings {
            name,
            priority,
            active: self.active,
            keywords,
            intent,
            channels,
            time_window,
            target,
        })
    }
}

/// One rule as the settings list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub id: String,
    pub name: String,
    pub priority: u8,
    pub active: bool,
    pub keywords: Vec<String>,
    pub intent: Option<String>,
    pub channels: Vec<Channel>,
    pub time_window: TimeWindow,
    pub target: RuleTarget,
    /// The target assistant's name, when the target is an assistant that still exists.
    pub target_name: Option<String>,
    /// Breaks ties among rules of equal priority: lower first.
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RuleView {
    /// The form's starting values for editing this rule.
    pub fn to_input(&self) -> RuleInput {
        let (target_kind, target_assistant_id) = match &self.target {
            RuleTarget::Assistant { assistant_id } => ("assistant", Some(assistant_id.clone())),
            RuleTarget::Human => ("human", None),
        };
        RuleInput {
            name: self.name.clone(),
            priority: i64::from(self.priority),
            active: self.active,
            keywords: self.keywords.clone(),
            intent: self.intent.clone(),
            channels: self
                .channels
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            time_window: self.time_window.as_str().to_owned(),
            target_kind: target_kind.to_owned(),
            target_assistant_id,
        }
    }
}

/// `PUT /rules/order`: every rule id, in the order rules of equal priority are tried.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleOrder {
    pub ids: Vec<String>,
}

/// A detected intent as the test box gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentGuess {
    pub key: String,
    /// 0–1.
    pub confidence: f32,
}

/// `POST /test`: how would this message be routed?
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TestRequest {
    pub message: String,
    /// `web`, `sms`, `email` or `voice`; empty: `web`.
    pub channel: String,
    /// Absent: the workspace's classifier reads the message, as the reply pipeline does.
    pub intent: Option<IntentGuess>,
    /// Unix milliseconds to evaluate at; absent: now.
    pub at: Option<i64>,
}

/// One rule's verdict in a test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleCheckView {
    pub rule_id: String,
    pub rule_name: String,
    pub matched: bool,
    /// Why it matched or not, e.g. "keyword \"refund\" found; channel web allowed".
    pub why: String,
}

/// Where a test message goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum TestTarget {
    /// A rule picked this assistant.
    Assistant {
        #[serde(rename = "assistantId")]
        assistant_id: String,
        #[serde(rename = "assistantName")]
        assistant_name: String,
    },
    /// A rule picked the human team.
    Human,
    /// No rule matched: the channel's default assistant, else the workspace default (`None`
    /// when the workspace has no assistant).
    Default {
        #[serde(rename = "assistantId")]
        assistant_id: Option<String>,
        #[serde(rename = "assistantName")]
        assistant_name: Option<String>,
    },
}

/// The intent a test message was routed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestIntent {
    pub key: String,
    /// 0–1.
    pub confidence: f32,
    /// Whether a rule's intent condition takes it (the confidence reaches the routing
    /// threshold).
    pub confident: bool,
    /// Which classifier read it from the message (`embedded` or `openai`); `None` when the
    /// request named it.
    pub detected_by: Option<String>,
}

/// `POST /test` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    /// The rule that matched first, if any.
    pub rule_id: Option<String>,
    pub rule_name: Option<String>,
    pub target: TestTarget,
    /// The message's intent, as the rules saw it.
    pub intent: TestIntent,
    /// Every active rule in evaluation order up to the match (inactive ones are listed as
    /// skipped), each with why.
    pub checks: Vec<RuleCheckView>,
    /// Whether the time evaluated falls within business hours (always, without them).
    pub business_hours: bool,
    /// Whether the workspace set business hours at all.
    pub business_hours_set: bool,
    /// For a handoff to humans outside business hours: what the visitor is told.
    pub closed_message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> RuleInput {
        RuleInput {
            name: "  Billing  ".into(),
            priority: 90,
            keywords: vec!["Refund".into(), " refund ".into(), "charged  twice".into()],
            intent: Some(" Billing ".into()),
            channels: vec!["sms".into(), "web".into()],
            time_window: "business_hours".into(),
            target_kind: "assistant".into(),
            target_assistant_id: Some("as_1".into()),
            ..RuleInput::default()
        }
    }

    #[test]
    fn a_rule_is_trimmed_lowercased_and_deduplicated() {
        let parsed = rule().parse().unwrap();
        assert_eq!(parsed.name, "Billing");
        assert_eq!(parsed.keywords, vec!["refund", "charged twice"]);
        assert_eq!(parsed.intent.as_deref(), Some("billing"));
        assert_eq!(parsed.channels, vec![Channel::Web, Channel::Sms]);
        assert_eq!(parsed.time_window, TimeWindow::BusinessHours);
        assert_eq!(
            parsed.target,
            RuleTarget::Assistant {
                assistant_id: "as_1".into()
            }
        );
    }

    #[test]
    fn each_bad_rule_field_is_named() {
        let cases: Vec<(&str, RuleInput)> = vec![
            (
                "name",
                RuleInput {
                    name: " ".into(),
                    ..rule()
                },
            ),
            (
                "priority",
                RuleInput {
                    priority: 101,
                    ..rule()
                },
            ),
            (
                "priority",
                RuleInput {
                    priority: -1,
                    ..rule()
                },
            ),
            (
                "keywords",
                RuleInput {
                    keywords: vec!["x".repeat(61)],
                    ..rule()
                },
            ),
            (
                "intent",
                RuleInput {
                    intent: Some("bill ing".into()),
                    ..rule()
                },
            ),
            (
                "channels",
                RuleInput {
                    channels: vec!["fax".into()],
                    ..rule()
                },
            ),
            (
                "timeWindow",
                RuleInput {
                    time_window: "weekends".into(),
                    ..rule()
                },
            ),
            (
                "targetKind",
                RuleInput {
                    target_kind: "robot".into(),
                    ..rule()
                },
            ),
            (
                "targetAssistantId",
                RuleInput {
                    target_assistant_id: None,
                    ..rule()
                },
            ),
        ];
        for (field, input) in cases {
            assert_eq!(input.parse().unwrap_err().field, field, "{input:?}");
        }
        let human = RuleInput {
            target_kind: "human".into(),
            target_assistant_id: None,
            ..rule()
        };
        assert_eq!(human.parse().unwrap().target, RuleTarget::Human);
    }
}
