//! A workspace's content-safety settings as admins edit them: the JSON of
//! `GET`/`PUT /api/dashboard/settings/safety`, and the checks the server and the settings page
//! share (the blocked-phrase action, the fallback message, a textarea's phrases). Checking the
//! phrases themselves needs the server's text folding, so their 422s come from the server only.
//! Field names are camelCase on the wire.

use serde::{Deserialize, Serialize};

use crate::form::FieldError;

/// The longest fallback message, in characters.
pub const MAX_FALLBACK_MESSAGE_CHARS: usize = 500;

/// A workspace's own phrase lists, one phrase per entry. They extend the built-in system lists;
/// they cannot remove anything from them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SafetyListsView {
    /// Never in a message or reply: the blocked action runs.
    pub blocked: Vec<String>,
    /// Always a serious situation.
    pub serious_high: Vec<String>,
    /// Possibly a serious situation, to be confirmed.
    pub serious_medium: Vec<String>,
}

/// `PUT /api/dashboard/settings/safety` body, and the settings part of the page. The action is
/// text so that an unknown one is a 422 naming `blockedAction`, not an unreadable body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetySettingsView {
    #[serde(default)]
    pub lists: SafetyListsView,
    /// `hand_to_human`, `fallback_message` or `end_conversation` ([`BlockedActionChoice`]).
    pub blocked_action: String,
    /// What the visitor reads when the action is `fallback_message` or `end_conversation`.
    pub fallback_message: String,
    /// Also replace emails and phone numbers (card numbers and SSNs always are) before a
    /// message reaches an outside model.
    #[serde(default)]
    pub redact_contact_details: bool,
    /// Also ask the AI provider's moderation endpoint about each message.
    #[serde(default)]
    pub moderation: bool,
}

/// One phrase of the built-in serious list, read-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemSeriousPhrase {
    pub phrase: String,
    /// `threat`, `self_harm`, `legal`, `medical` or `other`.
    pub category: String,
    /// `high` or `medium`.
    pub confidence: String,
}

/// The built-in lists every workspace inherits, read-only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemListsView {
    pub blocked: Vec<String>,
    pub serious: Vec<SystemSeriousPhrase>,
}

/// `GET /api/dashboard/settings/safety` and `PUT` answer: the settings, the system lists shown
/// beside them, and whether the moderation switch can do anything here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafetySettingsPage {
    pub settings: SafetySettingsView,
    pub system: SystemListsView,
    /// The server's AI provider is the OpenAI-compatible one, whose moderation endpoint the
    /// `moderation` setting calls; with the embedded assistant it has no effect.
    pub moderation_available: bool,
}

/// What happens when a blocked phrase is in a message or a reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum BlockedActionChoice {
    /// The conversation goes to the human team.
    #[default]
    HandToHuman,
    /// The fallback message is sent instead of a reply.
    FallbackMessage,
    /// The fallback message is sent and the conversation closed.
    EndConversation,
}

impl BlockedActionChoice {
    pub const ALL: [Self; 3] = [
        Self::HandToHuman,
        Self::FallbackMessage,
        Self::EndConversation,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HandToHuman => "hand_to_human",
            Self::FallbackMessage => "fallback_message",
            Self::EndConversation => "end_conversation",
        }
    }

    /// What the settings page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::HandToHuman => "Hand the conversation to a human",
            Self::FallbackMessage => "Send the fallback message",
            Self::EndConversation => "Send the fallback message and end the conversation",
        }
    }

    /// A wire name (surrounding spaces ignored) → the action; anything else is a 422 naming
    /// `blockedAction`.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::from_phrase(
                    "blockedAction",
                    "invalid_action",
                    "the action is hand_to_human, fallback_message or end_conversation",
                )
            })
    }
}

/// The fallback message trimmed: 1 to [`MAX_FALLBACK_MESSAGE_CHARS`] characters, line breaks
/// allowed, no other control characters.
pub fn parse_fallback_message(s: &str) -> Result<String, FieldError> {
    let error = |code: &'static str, reason: String| {
        FieldError::from_phrase("fallbackMessage", code, &reason)
    };
    let message = s.trim();
    let chars = message.chars().count();
    if chars == 0 {
        return Err(error(
            "required",
            "the fallback message is empty".to_owned(),
        ));
    }
    if chars > MAX_FALLBACK_MESSAGE_CHARS {
        return Err(error(
            "too_long",
            format!(
                "the fallback message is {chars} characters long; the limit is \
                 {MAX_FALLBACK_MESSAGE_CHARS}"
            ),
        ));
    }
    if message.chars().any(|c| c.is_control() && c != '\n') {
        return Err(error(
            "invalid_character",
            "the fallback message contains an invisible control character".to_owned(),
        ));
    }
    Ok(message.to_owned())
}

/// A list as submitted, cleaned: every phrase trimmed, empty ones dropped, order kept.
pub fn clean_phrases(phrases: &[String]) -> Vec<String> {
    phrases
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A textarea holding one phrase per line → the list (trimmed, blank lines dropped).
pub fn phrases_from_text(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A list → the textarea's text, one phrase per line.
pub fn phrases_to_text(phrases: &[String]) -> String {
    phrases.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_wire_name_and_nothing_else_does() {
        for action in BlockedActionChoice::ALL {
            assert_eq!(BlockedActionChoice::parse(action.as_str()), Ok(action));
        }
        assert_eq!(
            BlockedActionChoice::parse(" end_conversation "),
            Ok(BlockedActionChoice::EndConversation)
        );
        for bad in ["", "hand-to-human", "HandToHuman", "delete_account"] {
            let error = BlockedActionChoice::parse(bad).expect_err(bad);
            assert_eq!(error.field, "blockedAction");
        }
    }

    #[test]
    fn the_fallback_message_is_trimmed_and_bounded() {
        assert_eq!(
            parse_fallback_message("  Sorry!\nWe'll write back.  "),
            Ok("Sorry!\nWe'll write back.".to_owned())
        );
        let exactly = "é".repeat(MAX_FALLBACK_MESSAGE_CHARS);
        assert_eq!(parse_fallback_message(&exactly), Ok(exactly.clone()));
        for (bad, code) in [
            (" \n ".to_owned(), "required"),
            (format!("{exactly}x"), "too_long"),
            ("bell\u{7}".to_owned(), "invalid_character"),
        ] {
            let error = parse_fallback_message(&bad).expect_err(code);
            assert_eq!((error.field, error.code), ("fallbackMessage", code));
        }
    }

    #[test]
    fn phrases_are_trimmed_and_blank_lines_dropped() {
        let text = "  refund scam \n\n\t\r\nchargeback*\r\n   ";
        let phrases = phrases_from_text(text);
        assert_eq!(phrases, ["refund scam", "chargeback*"]);
        assert_eq!(phrases_from_text(&phrases_to_text(&phrases)), phrases);
        let submitted = vec![
            " a ".to_owned(),
            String::new(),
            "  ".to_owned(),
            "b".to_owned(),
        ];
        assert_eq!(clean_phrases(&submitted), ["a", "b"]);
    }

    #[test]
    fn settings_read_camel_case_with_missing_lists_and_switches_off() {
        let view: SafetySettingsView = serde_json::from_str(
            r#"{"blockedAction":"hand_to_human","fallbackMessage":"Sorry.",
                "lists":{"seriousHigh":["my lawyer"]}}"#,
        )
        .expect("json");
        assert_eq!(view.lists.serious_high, ["my lawyer"]);
        assert!(view.lists.blocked.is_empty() && view.lists.serious_medium.is_empty());
        assert!(!view.redact_contact_details && !view.moderation);
        let json = serde_json::to_value(&view).expect("to json");
        assert!(json["lists"]["seriousMedium"].is_array());
        assert_eq!(json["redactContactDetails"], false);
    }
}
