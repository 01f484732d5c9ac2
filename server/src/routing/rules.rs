//! Evaluating routing rules against one customer message. Pure: the rules, the message and the
//! business hours come in, a [`RoutingDecision`] with an explanation per rule goes out.

use shared::api::Channel;
use shared::assistant_settings::AssistantSummary;
use shared::routing::{RuleTarget, TimeWindow};

use super::hours::{is_open, BusinessHours};
use super::Rule;

/// What routing looks at in one message.
#[derive(Debug, Clone, Copy)]
pub struct RoutingInput<'a> {
    /// The customer's message.
    pub text: &'a str,
    /// The detected intent key and its confidence (0–1); `None`: unknown.
    pub intent: Option<(&'a str, f32)>,
    pub channel: Channel,
    /// When the message arrived, Unix milliseconds (for business hours).
    pub now_ms: i64,
}

/// A rule by id and name, for decisions and explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub id: String,
    pub name: String,
}

/// Where the message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A rule picked this assistant.
    Assistant(String),
    /// A rule picked the human team.
    Human,
    /// No rule matched: see [`resolve_default`].
    Default,
}

/// One rule's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCheck {
    pub rule: RuleRef,
    pub matched: bool,
    /// Each condition's result, e.g. `keyword "refund" found; intent billing (0.92 ≥ 0.60)`.
    pub why: String,
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingDecision {
    /// The rule that matched first, if any.
    pub rule: Option<RuleRef>,
    pub target: Target,
    /// Every rule in evaluation order (inactive ones last), each with why.
    pub explanation: Vec<RuleCheck>,
}

/// Lowercase words of `text`: letters and digits, everything else a separator.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `keyword` (a word or a phrase) occurs in `message_words` as whole words in a row.
fn contains_phrase(message_words: &[String], keyword: &str) -> bool {
    let phrase = words(keyword);
    !phrase.is_empty()
        && message_words
            .windows(phrase.len())
            .any(|window| window == phrase.as_slice())
}

/// The rules in the order they are tried: active ones by priority (higher first), then position,
/// then id (stable); inactive ones after them.
fn evaluation_order(rules: &[Rule]) -> Vec<&Rule> {
    let mut ordered: Vec<&Rule> = rules.iter().collect();
    ordered.sort_by(|a, b| {
        b.active
            .cmp(&a.active)
            .then(b.priority.cmp(&a.priority))
            .then(a.position.cmp(&b.position))
            .then(a.id.cmp(&b.id))
    });
    ordered
}

/// Checks every condition of `rule`; `(all hold, why)`.
fn check(
    rule: &Rule,
    input: &RoutingInput<'_>,
    message_words: &[String],
    hours: &BusinessHours,
    min_confidence: f32,
) -> (bool, String) {
    let mut holds = true;
    let mut why = Vec::new();
    let mut note = |ok: bool, text: String| {
        holds &= ok;
        why.push(text);
    };
    if let RuleTarget::Assistant { .. } = rule.target {
        if rule.target_name.is_none() {
            note(false, "its target assistant was deleted".to_owned());
        }
    }
    if !rule.keywords.is_empty() {
        match rule
            .keywords
            .iter()
            .find(|k| contains_phrase(message_words, k))
        {
            Some(keyword) => note(true, format!("keyword \"{keyword}\" found")),
            None => note(
                false,
                format!("none of the keywords ({}) found", rule.keywords.join(", ")),
            ),
        }
    }
    if let Some(wanted) = &rule.intent {
        match input.intent {
            None => note(false, format!("intent unknown (needs {wanted})")),
            Some((key, confidence)) if key == wanted && confidence >= min_confidence => note(
                true,
                format!("intent {key} ({confidence:.2} ≥ {min_confidence:.2})"),
            ),
            Some((key, confidence)) if key == wanted => note(
                false,
                format!("intent {key} only at {confidence:.2} (needs {min_confidence:.2})"),
            ),
            Some((key, _)) => note(false, format!("intent is {key}, not {wanted}")),
        }
    }
    if !rule.channels.is_empty() {
        let names: Vec<&str> = rule.channels.iter().map(|c| c.as_str()).collect();
        let channel = input.channel.as_str();
        if rule.channels.contains(&input.channel) {
            note(true, format!("channel {channel} allowed"));
        } else {
            note(
                false,
                format!("channel {channel} not in {}", names.join(", ")),
            );
        }
    }
    match rule.time_window {
        TimeWindow::Any => {}
        window => {
            let open = is_open(hours, input.now_ms);
            let wanted = window == TimeWindow::BusinessHours;
            let now = if open {
                "within business hours"
            } else {
                "outside business hours"
            };
            note(open == wanted, now.to_owned());
        }
    }
    if why.is_empty() {
        why.push("no conditions: matches every message".to_owned());
    }
    (holds, why.join("; "))
}

/// Routes one message: active rules only, by priority (higher first) then position (lower
/// first); a rule matches when every condition it sets holds (keywords: any of them as a whole
/// word or phrase, case-insensitive; intent: the same key with `confidence ≥ min_confidence`;
/// channel in its list; time window by `hours`). The first match wins; none is
/// [`Target::Default`]. Every rule gets a [`RuleCheck`].
pub fn evaluate(
    rules: &[Rule],
    input: &RoutingInput<'_>,
    hours: &BusinessHours,
    min_confidence: f32,
) -> RoutingDecision {
    let message_words = words(input.text);
    let mut decision = RoutingDecision {
        rule: None,
        target: Target::Default,
        explanation: Vec::with_capacity(rules.len()),
    };
    for rule in evaluation_order(rules) {
        let reference = RuleRef {
            id: rule.id.clone(),
            name: rule.name.clone(),
        };
        let (matched, why) = if !rule.active {
            (false, "inactive: skipped".to_owned())
        } else if let Some(winner) = &decision.rule {
            (
                false,
                format!("not tried: \"{}\" matched first", winner.name),
            )
        } else {
            check(rule, input, &message_words, hours, min_confidence)
        };
        if matched {
            decision.rule = Some(reference.clone());
            decision.target = match &rule.target {
                RuleTarget::Assistant { assistant_id } => Target::Assistant(assistant_id.clone()),
                RuleTarget::Human => Target::Human,
            };
        }
        decision.explanation.push(RuleCheck {
            rule: reference,
            matched,
            why,
        });
    }
    decision
}

/// The assistant for a message no rule matched: the channel's default (the workspace default
/// when it answers on `channel`, else the first assistant by name that does), else the
/// workspace default; `None` when the workspace has no assistant.
pub fn resolve_default(
    assistants: &[AssistantSummary],
    channel: Channel,
) -> Option<&AssistantSummary> {
    let mut ordered: Vec<&AssistantSummary> = assistants.iter().collect();
    ordered.sort_by(|a, b| {
        b.is_default
            .cmp(&a.is_default)
            .then(a.name.cmp(&b.name))
            .then(a.id.cmp(&b.id))
    });
    ordered
        .iter()
        .find(|a| a.channels.contains(&channel))
        .or_else(|| ordered.iter().find(|a| a.is_default))
        .copied()
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
