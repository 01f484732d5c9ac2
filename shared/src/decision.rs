//! Why the assistant answered as it did: what each step of the reply pipeline decided for one
//! customer message (its intent, the routing rule that matched, the safety verdicts, the
//! handoff, the provider's part), kept with the reply and shown to agents in the conversation.
//!
//! Stored as JSON with the reply, so every part is optional and new parts default: a decision
//! written before a step existed still reads. Agents see it; visitors never do (the widget's
//! message type has no such field).

use serde::{Deserialize, Serialize};

/// The pipeline's steps for one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Decision {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<IntentStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<RoutingStep>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub safety: Vec<SafetyStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffStep>,
    pub reply: ReplyStep,
}

/// What the customer wants, as the classifier read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentStep {
    /// An intent key of the workspace, e.g. `billing`.
    pub key: String,
    /// 0 to 1.
    pub confidence: f32,
    /// Confident enough to become the conversation's intent.
    pub confident: bool,
    /// `embedded` or `provider`.
    pub by: String,
    /// Why the provider's classification was not used, when it was asked and failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

/// Which assistant (or the team) the message was routed to, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoutingStep {
    /// The rule that matched; `None` when the default assistant took it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    /// The assistant that answered, or `None` when the rule sends it to the team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant_name: Option<String>,
    /// In a sentence, e.g. "rule “Billing” matched: intent billing (0.91)".
    pub why: String,
}

/// Where in the pipeline a safety check ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SafetyStage {
    /// The customer's message, before any provider saw it.
    #[default]
    Message,
    /// The candidate reply, before the customer saw it.
    Reply,
}

/// A safety check that found something.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SafetyStep {
    pub stage: SafetyStage,
    /// `blocked` (a blocked phrase) or `serious` (threats, self-harm, legal, medical …).
    pub verdict: String,
    /// `threat`, `self_harm`, `legal`, `medical`, `other`; empty for a blocked phrase.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// The phrase or moderation category that triggered it.
    pub trigger: String,
    /// What was done: `hand_to_human`, `fallback_message`, `end_conversation`, `careful_reply`,
    /// `escalated`.
    pub action: String,
}

/// Why the conversation changed hands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The customer asked for a person.
    #[default]
    ExplicitRequest,
    /// Replies in a row that could not answer reached the workspace's limit.
    Unanswered,
    /// A safety check asked for a person.
    Safety,
    /// A routing rule sends it to the team.
    Rule,
    /// Routing picked another assistant.
    Assistant,
    /// The conversation reached its maximum number of assistant handoffs.
    Limit,
}

/// The conversation went to another assistant or to the team.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HandoffStep {
    /// `true`: to the human team; `false`: to [`HandoffStep::assistant_name`].
    pub to_human: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant_name: Option<String>,
    pub reason: HandoffReason,
    /// The reason in a sentence, for the agent.
    pub detail: String,
}

/// The provider's part: who wrote the reply and from what.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplyStep {
    /// `embedded`, a remote model's name, or `pipeline` for a fixed text (a handoff or safety
    /// message the pipeline wrote itself).
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u32>,
    /// Why the configured remote provider did not write it, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Ids of the knowledge entries the reply drew on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_entries: Vec<String>,
    /// The assistant could answer the question (a reply that could not counts towards a
    /// handoff to the team).
    pub answered: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_reads_back_and_old_ones_still_read() {
        let decision = Decision {
            intent: Some(IntentStep {
                key: "billing".into(),
                confidence: 0.91,
                confident: true,
                by: "embedded".into(),
                fallback: None,
            }),
            handoff: Some(HandoffStep {
                to_human: true,
                assistant_name: None,
                reason: HandoffReason::ExplicitRequest,
                detail: "The customer asked for a person.".into(),
            }),
            reply: ReplyStep {
                model: "embedded".into(),
                answered: true,
                ..ReplyStep::default()
            },
            ..Decision::default()
        };
        let json = serde_json::to_string(&decision).unwrap();
        assert!(json.contains("\"reason\":\"explicit_request\""), "{json}");
        assert!(!json.contains("routing"), "{json}");
        assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), decision);
        // Written before any step but the reply existed.
        let old: Decision = serde_json::from_str(r#"{"reply":{"model":"embedded"}}"#).unwrap();
        assert_eq!(old.reply.model, "embedded");
        assert!(old.intent.is_none() && old.safety.is_empty());
    }
}
