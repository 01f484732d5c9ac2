//! Handoff settings as typed and stored: on/off, the guardrails, the message style or a custom
//! template, and the business hours.

use serde::{Deserialize, Serialize};

use super::hours::{parse_weekly_hours, HoursRange, Opening};
use super::{check_text, FieldError, HANDOFF_LIMITS, MAX_TEMPLATE_CHARS, PLACEHOLDERS};

/// How the handoff message reads when no custom template is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStyle {
    #[default]
    Default,
    Professional,
    Casual,
    Brief,
    Detailed,
    /// The assistant words the message itself from the template's facts: with the
    /// OpenAI-compatible provider the model writes a short line (the template in force when it
    /// fails); with the embedded assistant, a sentence composed from the same facts.
    AiGenerated,
}

impl MessageStyle {
    pub const ALL: [Self; 6] = [
        Self::Default,
        Self::Professional,
        Self::Casual,
        Self::Brief,
        Self::Detailed,
        Self::AiGenerated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Professional => "professional",
            Self::Casual => "casual",
            Self::Brief => "brief",
            Self::Detailed => "detailed",
            Self::AiGenerated => "ai_generated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }

    /// The fixed template of the style, used when the workspace has no custom one. "AI
    /// generated" has none of its own: the default's is what it falls back to.
    pub fn template(self) -> &'static str {
        match self {
            Self::Default | Self::AiGenerated => {
                "I'm passing you to {agent_name}, who handles {task_description}."
            }
            Self::Professional => {
                "Thank you for your patience. I am transferring you to {agent_name}, who \
                 specialises in {task_description}."
            }
            Self::Casual => {
                "Let me get {agent_name} for you, they're great with {task_description}!"
            }
            Self::Brief => "Transferring you to {agent_name}.",
            Self::Detailed => {
                "Your question is about {customer_intent}. I'm passing you to {agent_name}, who \
                 handles {task_description} and can help you best from here."
            }
        }
    }
}

/// The body of `PUT /handoff` and the settings in `GET /handoff`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HandoffForm {
    /// Off: conversations stay with the assistant routing first picked.
    pub handoff_enabled: bool,
    /// Per conversation, 1–10; past it the conversation goes to a human.
    pub max_handoffs: i64,
    /// Replies in a row that could not answer before a human takes over, 1–10.
    pub failures_before_human: i64,
    /// `default`, `professional`, `casual`, `brief`, `detailed` or `ai_generated`.
    pub message_style: String,
    /// Empty: the style's template. May use [`PLACEHOLDERS`]. With `ai_generated`, the gist the
    /// model is shown and what it falls back to.
    pub handoff_template: String,
    /// Off (the default): the workspace has not said when its team works, so the team counts as
    /// always available: no "we're back at…" message, business-hours rules always hold and
    /// after-hours rules never do. The time zone and hours below are kept but not used.
    pub business_hours_enabled: bool,
    /// An IANA time zone name, e.g. `Europe/London`.
    pub time_zone: String,
    /// When the human team answers, with `businessHoursEnabled`; empty: never (always after
    /// hours).
    pub weekly_hours: Vec<HoursRange>,
}

impl Default for HandoffForm {
    fn default() -> Self {
        HandoffSettings::default().to_form()
    }
}

/// A [`HandoffForm`] that passed [`HandoffForm::parse`] (the time zone is checked by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandoffSettings {
    pub handoff_enabled: bool,
    pub max_handoffs: u8,
    pub failures_before_human: u8,
    pub message_style: MessageStyle,
    pub handoff_template: String,
    /// Whether the workspace set business hours; see [`HandoffForm::business_hours_enabled`].
    pub business_hours_enabled: bool,
    pub time_zone: String,
    pub weekly_hours: Vec<Opening>,
}

impl Default for HandoffSettings {
    /// A workspace without saved settings: handoffs on, 3 per conversation, a human after 2
    /// failed replies, and no business hours (the team is never shown as away: a business that
    /// never said when it works must not be told "we're back Monday").
    fn default() -> Self {
        Self {
            handoff_enabled: true,
            max_handoffs: 3,
            failures_before_human: 2,
            message_style: MessageStyle::Default,
            handoff_template: String::new(),
            business_hours_enabled: false,
            time_zone: "UTC".to_owned(),
            weekly_hours: Vec::new(),
        }
    }
}

/// The hours the settings page offers when an admin first turns business hours on: Monday to
/// Friday, 9:00–17:00. A suggestion to edit, never in force until saved.
pub fn suggested_hours() -> Vec<HoursRange> {
    (0..5)
        .map(|weekday| {
            Opening {
                weekday,
                open_min: 9 * 60,
                close_min: 17 * 60,
            }
            .to_range()
        })
        .collect()
}

impl HandoffSettings {
    pub fn to_form(&self) -> HandoffForm {
        HandoffForm {
            handoff_enabled: self.handoff_enabled,
            max_handoffs: i64::from(self.max_handoffs),
            failures_before_human: i64::from(self.failures_before_human),
            message_style: self.message_style.as_str().to_owned(),
            handoff_template: self.handoff_template.clone(),
            business_hours_enabled: self.business_hours_enabled,
            time_zone: self.time_zone.clone(),
            weekly_hours: self.weekly_hours.iter().map(|o| o.to_range()).collect(),
        }
    }

    /// The template in force: the custom one, else the style's.
    pub fn template(&self) -> &str {
        if self.handoff_template.is_empty() {
            self.message_style.template()
        } else {
            &self.handoff_template
        }
    }
}

fn parse_limit(field: &'static str, value: i64) -> Result<u8, FieldError> {
    let (low, high) = HANDOFF_LIMITS;
    if (low..=high).contains(&value) {
        Ok(u8::try_from(value).unwrap_or_default())
    } else {
        Err(FieldError::new(
            field,
            "out_of_range",
            format!("{value} is out of range: choose from {low} to {high}."),
        ))
    }
}

/// A template: within [`MAX_TEMPLATE_CHARS`], and every `{…}` one of [`PLACEHOLDERS`].
pub fn parse_template(text: &str) -> Result<String, FieldError> {
    let template = text.trim().to_owned();
    check_text("handoffTemplate", "template", &template, MAX_TEMPLATE_CHARS)?;
    let mut rest = template.as_str();
    while let Some(start) = rest.find('{') {
        let after = &rest[start..];
        let end = after.find('}').map_or(after.len(), |e| e + 1);
        let placeholder = &after[..end];
        if !PLACEHOLDERS.contains(&placeholder) {
            return Err(FieldError::new(
                "handoffTemplate",
                "unknown_placeholder",
                format!(
                    "{placeholder} is not a placeholder; use {{agent_name}}, {{customer_intent}} \
                     or {{task_description}}."
                ),
            ));
        }
        rest = &after[end..];
    }
    Ok(template)
}

impl HandoffForm {
    /// Checks every field but the time zone's existence; the first bad one is named.
    pub fn parse(&self) -> Result<HandoffSettings, FieldError> {
        let max_handoffs = parse_limit("maxHandoffs", self.max_handoffs)?;
        let failures_before_human = parse_limit("failuresBeforeHuman", self.failures_before_human)?;
        let message_style = MessageStyle::parse(&self.message_style).ok_or_else(|| {
            FieldError::new(
                "messageStyle",
                "unknown_style",
                format!(
                    "{:?} is not a message style; choose default, professional, casual, brief, \
                     detailed or ai_generated.",
                    self.message_style
                ),
            )
        })?;
        let handoff_template = parse_template(&self.handoff_template)?;
        let time_zone = self.time_zone.trim().to_owned();
        if time_zone.is_empty() {
            return Err(FieldError::new(
                "timeZone",
                "required",
                "Choose a time zone, e.g. Europe/London.",
            ));
        }
        check_text("timeZone", "time zone", &time_zone, 64)?;
        let weekly_hours = parse_weekly_hours(&self.weekly_hours)?;
        Ok(HandoffSettings {
            handoff_enabled: self.handoff_enabled,
            max_handoffs,
            failures_before_human,
            message_style,
            handoff_template,
            business_hours_enabled: self.business_hours_enabled,
            time_zone,
            weekly_hours,
        })
    }
}

/// `GET|PUT /handoff` answer: the settings and what the hours mean right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandoffPage {
    pub settings: HandoffForm,
    /// Whether the human team is within business hours now (always, without business hours).
    pub open_now: bool,
    /// What a visitor handed to humans outside the hours is told, e.g. "We're back Monday at
    /// 9:00 (Europe/London)."; `None` while open or without business hours.
    pub closed_message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_that_never_saved_has_no_business_hours() {
        let settings = HandoffSettings::default();
        assert!(!settings.business_hours_enabled);
        assert!(settings.weekly_hours.is_empty());
        let form = settings.to_form();
        assert!(!form.business_hours_enabled);
        // A body without the flag (an older client) sets no hours either.
        let partial: HandoffForm = serde_json::from_str(r#"{"maxHandoffs": 4}"#).unwrap();
        assert!(!partial.parse().unwrap().business_hours_enabled);
        // The page's suggestion is valid hours, Monday to Friday.
        let on = HandoffForm {
            business_hours_enabled: true,
            weekly_hours: suggested_hours(),
            ..form
        };
        let parsed = on.parse().unwrap();
        assert!(parsed.business_hours_enabled);
        assert_eq!(parsed.weekly_hours.len(), 5);
        assert_eq!(parsed.to_form().weekly_hours, suggested_hours());
    }

    #[test]
    fn handoff_settings_are_checked_field_by_field() {
        let form = HandoffForm::default();
        assert_eq!(form.parse().unwrap(), HandoffSettings::default());
        let cases = [
            (
                "maxHandoffs",
                HandoffForm {
                    max_handoffs: 0,
                    ..form.clone()
                },
            ),
            (
                "maxHandoffs",
                HandoffForm {
                    max_handoffs: 11,
                    ..form.clone()
                },
            ),
            (
                "failuresBeforeHuman",
                HandoffForm {
                    failures_before_human: 11,
                    ..form.clone()
                },
            ),
            (
                "messageStyle",
                HandoffForm {
                    message_style: "loud".into(),
                    ..form.clone()
                },
            ),
            (
                "handoffTemplate",
                HandoffForm {
                    handoff_template: "x".repeat(501),
                    ..form.clone()
                },
            ),
            (
                "handoffTemplate",
                HandoffForm {
                    handoff_template: "Hi {name}".into(),
                    ..form.clone()
                },
            ),
            (
                "timeZone",
                HandoffForm {
                    time_zone: " ".into(),
                    ..form.clone()
                },
            ),
        ];
        for (field, input) in cases {
            assert_eq!(input.parse().unwrap_err().field, field);
        }
        let generated = HandoffForm {
            message_style: "ai_generated".into(),
            ..form.clone()
        };
        let parsed = generated.parse().unwrap();
        assert_eq!(parsed.message_style, MessageStyle::AiGenerated);
        assert_eq!(parsed.template(), MessageStyle::Default.template());
        assert_eq!(parsed.to_form().message_style, "ai_generated");
        let custom = HandoffForm {
            handoff_template: "Over to {agent_name} for {customer_intent}.".into(),
            ..form
        };
        assert_eq!(
            custom.parse().unwrap().template(),
            "Over to {agent_name} for {customer_intent}."
        );
    }
}
