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
    /// The rule that matched; `None` when none did (the default assistant took it, or small
    /// talk stayed with the assistant already answering).
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

/// One step of [`why`]: `Intent`, `Safety`, `Routing`, `Reply` or `Handoff`, and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyLine {
    pub step: String,
    pub text: String,
}

impl WhyLine {
    fn new(step: &str, text: String) -> Self {
        Self {
            step: step.to_owned(),
            text,
        }
    }
}

/// What the reply pipeline decided for a reply, one line per step in the pipeline's order:
/// what agents read under "Why this reply" (written by the server, so the inbox's download
/// carries no code for the structured decision).
pub fn why(decision: &Decision) -> Vec<WhyLine> {
    let mut lines = Vec::new();
    if let Some(intent) = &decision.intent {
        let mut text = format!(
            "{} ({:.0}%{})",
            intent.key,
            f64::from(intent.confidence) * 100.0,
            if intent.confident {
                ""
            } else {
                ", not confident"
            }
        );
        if let Some(why) = &intent.fallback {
            text.push_str(&format!("; the provider's classification failed: {why}"));
        }
        lines.push(WhyLine::new("Intent", text));
    }
    for check in &decision.safety {
        let stage = match check.stage {
            SafetyStage::Message => "message",
            SafetyStage::Reply => "reply",
        };
        let what = if check.category.is_empty() {
            check.verdict.clone()
        } else {
            format!("{} ({})", check.verdict, check.category.replace('_', " "))
        };
        lines.push(WhyLine::new(
            "Safety",
            format!(
                "{what} in the {stage}: “{}” → {}",
                check.trigger,
                check.action.replace('_', " ")
            ),
        ));
    }
    if let Some(routing) = &decision.routing {
        let to = routing
            .assistant_name
            .clone()
            .unwrap_or_else(|| "the team".to_owned());
        let text = match &routing.rule_name {
            Some(rule) => format!("rule “{rule}” → {to}: {}", routing.why),
            None => format!("no rule matched → {to}"),
        };
        lines.push(WhyLine::new("Routing", text));
    }
    let reply = &decision.reply;
    let mut text = reply.model.clone();
    if let Some(tokens) = reply.tokens {
        text.push_str(&format!(", {tokens} tokens"));
    }
    match reply.used_entries.len() {
        0 => {}
        1 => text.push_str(", from 1 knowledge entry"),
        n => text.push_str(&format!(", from {n} knowledge entries")),
    }
    if !reply.answered {
        text.push_str(", could not answer");
    }
    if let Some(why) = &reply.fallback {
        text.push_str(&format!(
            "; the AI provider failed ({why}), the embedded assistant answered"
        ));
    }
    lines.push(WhyLine::new("Reply", text));
    if let Some(handoff) = &decision.handoff {
        let to = if handoff.to_human {
            "the team".to_owned()
        } else {
            handoff
                .assistant_name
                .clone()
                .unwrap_or_else(|| "another assistant".to_owned())
        };
        let reason = match handoff.reason {
            HandoffReason::ExplicitRequest => "asked for a person",
            HandoffReason::Unanswered => "could not answer",
            HandoffReason::Safety => "safety",
            HandoffReason::Rule => "routing rule",
            HandoffReason::Assistant => "better-suited assistant",
            HandoffReason::Limit => "handoff limit reached",
        };
        lines.push(WhyLine::new(
            "Handoff",
            format!("to {to} ({reason}): {}", handoff.detail),
        ));
    }
    lines
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

    #[test]
    fn a_decision_reads_as_one_line_per_step() {
        let decision = Decision {
            intent: Some(IntentStep {
                key: "billing".into(),
                confidence: 0.912,
                confident: true,
                by: "embedded".into(),
                fallback: None,
            }),
            safety: vec![SafetyStep {
                stage: SafetyStage::Message,
                verdict: "serious".into(),
                category: "self_harm".into(),
                trigger: "hurt myself".into(),
                action: "careful_reply".into(),
            }],
            handoff: Some(HandoffStep {
                to_human: true,
                assistant_name: None,
                reason: HandoffReason::Unanswered,
                detail: "Nora could not answer this.".into(),
            }),
            reply: ReplyStep {
                model: "embedded".into(),
                used_entries: vec!["kb_1".into(), "kb_2".into()],
                answered: false,
                ..ReplyStep::default()
            },
            ..Decision::default()
        };
        let lines = why(&decision);
        let steps: Vec<&str> = lines.iter().map(|l| l.step.as_str()).collect();
        assert_eq!(steps, ["Intent", "Safety", "Reply", "Handoff"]);
        assert_eq!(lines[0].text, "billing (91%)");
        assert_eq!(
            lines[1].text,
            "serious (self harm) in the message: “hurt myself” → careful reply"
        );
        assert_eq!(
            lines[2].text,
            "embedded, from 2 knowledge entries, could not answer"
        );
        assert_eq!(
            lines[3].text,
            "to the team (could not answer): Nora could not answer this."
        );
    }
}
