//! Handoff: the message a customer sees when another assistant or the human team takes over,
//! and the guardrails that decide whether a routing change becomes a handoff at all.

use shared::routing::{HandoffSettings, MessageStyle, PLACEHOLDERS};

use super::Target;

/// `template` with `{agent_name}`, `{customer_intent}` and `{task_description}` filled in, in
/// one pass: a value containing a placeholder is left as written.
pub fn render_template(
    template: &str,
    agent_name: &str,
    customer_intent: &str,
    task_description: &str,
) -> String {
    let values = [agent_name, customer_intent, task_description];
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    'scan: while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        for (placeholder, value) in PLACEHOLDERS.iter().zip(values) {
            if let Some(tail) = after.strip_prefix(placeholder) {
                out.push_str(value);
                rest = tail;
                continue 'scan;
            }
        }
        out.push('{');
        rest = &after[1..];
    }
    out.push_str(rest);
    out
}

/// The handoff message by the workspace's settings without a remote model: its custom
/// template, else its style's; "AI generated" is [`compose_message`]. (With the
/// OpenAI-compatible provider, `ai::Responder::handoff_message` has the model word it.)
pub fn handoff_message(
    settings: &HandoffSettings,
    agent_name: &str,
    customer_intent: &str,
    task_description: &str,
) -> String {
    if settings.message_style == MessageStyle::AiGenerated {
        return compose_message(agent_name, customer_intent, task_description);
    }
    render_template(
        settings.template(),
        agent_name,
        customer_intent,
        task_description,
    )
}

/// Words that say nothing about a task beyond its topic ("billing questions" is billing).
const FILLER: [&str; 9] = [
    "question",
    "questions",
    "issue",
    "issues",
    "request",
    "requests",
    "enquiries",
    "inquiries",
    "help",
];

/// The "AI generated" style with the embedded assistant: one sentence composed from the
/// template's facts, saying what the customer asked about when the intent says something
/// (not the catch-all `general`), and what the assistant handles when that adds to it.
/// Deterministic, and it states nothing beyond the facts.
pub fn compose_message(agent_name: &str, customer_intent: &str, task_description: &str) -> String {
    let agent = agent_name.trim();
    let topic = customer_intent
        .trim()
        .replace(['_', '-'], " ")
        .to_lowercase();
    let task = task_description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let about = !topic.is_empty() && topic != "general";
    // The task adds something when a word of it is neither the topic's nor filler.
    let task_adds = task.split_whitespace().any(|word| {
        let word = word.to_lowercase();
        !FILLER.contains(&word.as_str()) && !topic.split(' ').any(|t| t == word)
    });
    match (about, task_adds) {
        (true, true) => format!(
            "Since your question is about {topic}, I'm bringing in {agent}, who handles {task} \
             and can take it from here."
        ),
        (true, false) => format!(
            "Since your question is about {topic}, I'm bringing in {agent}, who looks after \
             {topic} questions and can take it from here."
        ),
        (false, true) => {
            format!("I'm bringing in {agent}, who handles {task} and can take it from here.")
        }
        (false, false) => format!("I'm bringing in {agent}, who can take it from here."),
    }
}

/// Where a conversation stands, as the guardrails need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConversationState<'a> {
    /// The assistant answering now.
    pub assistant_id: Option<&'a str>,
    /// Handoffs so far in this conversation.
    pub handoffs: u32,
    /// Replies in a row that could not answer, this one included.
    pub failures_in_a_row: u32,
    /// The customer asked for a person.
    pub asked_for_human: bool,
}

/// Why the human team takes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HumanReason {
    /// A routing rule targets the human team.
    Rule,
    /// The customer asked for a person.
    Requested,
    /// `failures_before_human` replies in a row could not answer.
    RepeatedFailure,
    /// Another handoff would pass `max_handoffs`.
    HandoffLimit,
}

/// What to do after routing one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffStep {
    /// The current assistant keeps the conversation.
    Stay,
    /// Hand off to this assistant (show the handoff message).
    ToAssistant(String),
    /// Hand to the human team.
    ToHuman(HumanReason),
}

/// The guardrails as one decision. `routed` is the assistant routing picked (a rule's, or the
/// default resolved by the caller) or the human team. Handoffs disabled: the conversation stays
/// with its assistant, but humans still take over on request, repeated failure or a human
/// rule. Past `max_handoffs`, a further assistant change goes to humans instead. A conversation
/// that is starting (`assistant_id: None`) just takes the routed assistant: `Stay`, no message.
pub fn next_step(
    settings: &HandoffSettings,
    state: &ConversationState<'_>,
    routed: &Target,
) -> HandoffStep {
    if state.asked_for_human {
        return HandoffStep::ToHuman(HumanReason::Requested);
    }
    if state.failures_in_a_row >= u32::from(settings.failures_before_human) {
        return HandoffStep::ToHuman(HumanReason::RepeatedFailure);
    }
    match routed {
        Target::Human => HandoffStep::ToHuman(HumanReason::Rule),
        Target::Default => HandoffStep::Stay,
        Target::Assistant(id) => {
            if state.assistant_id.is_none_or(|current| current == id) || !settings.handoff_enabled {
                HandoffStep::Stay
            } else if state.handoffs >= u32::from(settings.max_handoffs) {
                HandoffStep::ToHuman(HumanReason::HandoffLimit)
            } else {
                HandoffStep::ToAssistant(id.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_unknown_braces_kept() {
        assert_eq!(
            render_template(
                "I'm passing you to {agent_name}, who handles {task_description} ({customer_intent}).",
                "Billing Bot",
                "billing",
                "refunds and invoices",
            ),
            "I'm passing you to Billing Bot, who handles refunds and invoices (billing)."
        );
        // A value that looks like a placeholder is not expanded again.
        assert_eq!(
            render_template(
                "{agent_name} {customer_intent}",
                "{customer_intent}",
                "x",
                "y"
            ),
            "{customer_intent} x"
        );
        assert_eq!(render_template("{other} {", "a", "b", "c"), "{other} {");
    }

    #[test]
    fn each_style_has_its_own_template_and_a_custom_one_wins() {
        let mut settings = HandoffSettings::default();
        let default = handoff_message(&settings, "Ada", "billing", "invoices");
        assert_eq!(default, "I'm passing you to Ada, who handles invoices.");
        settings.message_style = shared::routing::MessageStyle::Brief;
        assert_eq!(
            handoff_message(&settings, "Ada", "billing", "invoices"),
            "Transferring you to Ada."
        );
        settings.handoff_template = "{customer_intent}: over to {agent_name}".into();
        assert_eq!(
            handoff_message(&settings, "Ada", "billing", "invoices"),
            "billing: over to Ada"
        );
    }

    #[test]
    fn ai_generated_without_a_model_is_a_sentence_composed_from_the_facts() {
        let settings = HandoffSettings {
            message_style: shared::routing::MessageStyle::AiGenerated,
            ..HandoffSettings::default()
        };
        // The task only restates the topic: said once.
        assert_eq!(
            handoff_message(&settings, "Bea", "billing", "billing questions"),
            "Since your question is about billing, I'm bringing in Bea, who looks after billing \
             questions and can take it from here."
        );
        // A task that says more is kept; an intent key reads as words.
        assert_eq!(
            compose_message("Tom", "technical_support", "Router setup and Wi-Fi"),
            "Since your question is about technical support, I'm bringing in Tom, who handles \
             Router setup and Wi-Fi and can take it from here."
        );
        // The catch-all intent says nothing about the question: left out.
        assert_eq!(
            compose_message("Ada", "general", "wholesale orders"),
            "I'm bringing in Ada, who handles wholesale orders and can take it from here."
        );
        assert_eq!(
            compose_message("Ada", "general", "general"),
            "I'm bringing in Ada, who can take it from here."
        );
        // A custom template does not change the composed sentence (it is the model's guide and
        // fallback with a remote provider).
        let custom = HandoffSettings {
            handoff_template: "Over to {agent_name}.".into(),
            ..settings
        };
        assert!(handoff_message(&custom, "Bea", "billing", "billing").starts_with("Since"));
    }

    #[test]
    fn guardrails_limit_handoffs_and_send_failures_to_humans() {
        let settings = HandoffSettings::default();
        let billing = Target::Assistant("as_billing".into());
        let state = ConversationState {
            assistant_id: Some("as_general"),
            ..ConversationState::default()
        };
        assert_eq!(
            next_step(&settings, &state, &billing),
            HandoffStep::ToAssistant("as_billing".into())
        );
        let same = ConversationState {
            assistant_id: Some("as_billing"),
            ..state
        };
        assert_eq!(next_step(&settings, &same, &billing), HandoffStep::Stay);
        let limit = ConversationState {
            handoffs: 3,
            ..state
        };
        assert_eq!(
            next_step(&settings, &limit, &billing),
            HandoffStep::ToHuman(HumanReason::HandoffLimit)
        );
        let failing = ConversationState {
            failures_in_a_row: 2,
            ..state
        };
        assert_eq!(
            next_step(&settings, &failing, &Target::Default),
            HandoffStep::ToHuman(HumanReason::RepeatedFailure)
        );
        let one_failure = ConversationState {
            failures_in_a_row: 1,
            ..state
        };
        assert_eq!(
            next_step(&settings, &one_failure, &Target::Default),
            HandoffStep::Stay
        );
        let asked = ConversationState {
            asked_for_human: true,
            ..state
        };
        assert_eq!(
            next_step(&settings, &asked, &Target::Default),
            HandoffStep::ToHuman(HumanReason::Requested)
        );
        assert_eq!(
            next_step(&settings, &state, &Target::Human),
            HandoffStep::ToHuman(HumanReason::Rule)
        );
        let disabled = HandoffSettings {
            handoff_enabled: false,
            ..HandoffSettings::default()
        };
        assert_eq!(next_step(&disabled, &state, &billing), HandoffStep::Stay);
        assert_eq!(
            next_step(&disabled, &state, &Target::Human),
            HandoffStep::ToHuman(HumanReason::Rule)
        );
        // The first assistant of a conversation is no handoff.
        let fresh = ConversationState::default();
        assert_eq!(next_step(&settings, &fresh, &billing), HandoffStep::Stay);
    }
}
