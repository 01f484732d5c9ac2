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

/// Whether `keyword` (a word or a phrase, lowercase as stored) occurs in `message_words` as
/// whole words in a row. Allocates nothing: it runs for every keyword of every rule.
fn contains_phrase(message_words: &[String], keyword: &str) -> bool {
    let parts = keyword
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    let mut first = parts.clone();
    let Some(head) = first.next() else {
        return false;
    };
    message_words.iter().enumerate().any(|(i, word)| {
        word == head && {
            let mut rest = message_words[i + 1..].iter();
            first
                .clone()
                .all(|part| rest.next().is_some_and(|w| w == part))
        }
    })
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

/// How the intent condition fared.
#[derive(Clone, Copy)]
enum IntentVerdict {
    Unknown,
    Confident(f32),
    TooLow(f32),
    Other,
}

/// Each condition of one rule, checked without allocating; `None` where the rule sets none.
struct Verdict<'r> {
    target_gone: bool,
    /// `Some(None)`: no keyword found.
    keyword: Option<Option<&'r str>>,
    intent: Option<IntentVerdict>,
    channel: Option<bool>,
    /// Whether the time window holds.
    window: Option<bool>,
}

impl Verdict<'_> {
    fn holds(&self) -> bool {
        !self.target_gone
            && self.keyword.is_none_or(|k| k.is_some())
            && self
                .intent
                .is_none_or(|i| matches!(i, IntentVerdict::Confident(_)))
            && self.channel.is_none_or(|ok| ok)
            && self.window.is_none_or(|ok| ok)
    }
}

/// What [`check`] needs of one message, worked out once.
struct Message<'a> {
    input: &'a RoutingInput<'a>,
    words: Vec<String>,
    open: bool,
    /// Whether the workspace set business hours (without them, always `open`).
    hours_set: bool,
    min_confidence: f32,
}

fn check<'r>(rule: &'r Rule, message: &Message<'_>) -> Verdict<'r> {
    let input = message.input;
    Verdict {
        target_gone: matches!(rule.target, RuleTarget::Assistant { .. })
            && rule.target_name.is_none(),
        keyword: (!rule.keywords.is_empty()).then(|| {
            rule.keywords
                .iter()
                .find(|k| contains_phrase(&message.words, k))
                .map(String::as_str)
        }),
        intent: rule.intent.as_ref().map(|wanted| match input.intent {
            None => IntentVerdict::Unknown,
            Some((key, c)) if key == wanted && c >= message.min_confidence => {
                IntentVerdict::Confident(c)
            }
            Some((key, c)) if key == wanted => IntentVerdict::TooLow(c),
            Some(_) => IntentVerdict::Other,
        }),
        channel: (!rule.channels.is_empty()).then(|| rule.channels.contains(&input.channel)),
        window: match rule.time_window {
            TimeWindow::Any => None,
            TimeWindow::BusinessHours => Some(message.open),
            TimeWindow::AfterHours => Some(!message.open),
        },
    }
}

/// The verdict in words, condition by condition.
fn describe(rule: &Rule, verdict: &Verdict<'_>, message: &Message<'_>) -> String {
    let input = message.input;
    let min = message.min_confidence;
    let mut why = Vec::new();
    if verdict.target_gone {
        why.push("its target assistant was deleted".to_owned());
    }
    match verdict.keyword {
        None => {}
        Some(Some(keyword)) => why.push(format!("keyword \"{keyword}\" found")),
        Some(None) => why.push(format!(
            "none of the keywords ({}) found",
            rule.keywords.join(", ")
        )),
    }
    if let (Some(intent), Some(wanted)) = (verdict.intent, &rule.intent) {
        let key = input.intent.map_or("", |(key, _)| key);
        why.push(match intent {
            IntentVerdict::Unknown => format!("intent unknown (needs {wanted})"),
            IntentVerdict::Confident(c) => format!("intent {key} ({c:.2} ≥ {min:.2})"),
            IntentVerdict::TooLow(c) => format!("intent {key} only at {c:.2} (needs {min:.2})"),
            IntentVerdict::Other => format!("intent is {key}, not {wanted}"),
        });
    }
    if let Some(allowed) = verdict.channel {
        let channel = input.channel.as_str();
        if allowed {
            why.push(format!("channel {channel} allowed"));
        } else {
            let names: Vec<&str> = rule.channels.iter().map(|c| c.as_str()).collect();
            why.push(format!("channel {channel} not in {}", names.join(", ")));
        }
    }
    if verdict.window.is_some() {
        why.push(
            if !message.hours_set {
                "no business hours set: always within hours"
            } else if message.open {
                "within business hours"
            } else {
                "outside business hours"
            }
            .to_owned(),
        );
    }
    if why.is_empty() {
        why.push("no conditions: matches every message".to_owned());
    }
    why.join("; ")
}

impl<'a> Message<'a> {
    fn new(input: &'a RoutingInput<'a>, hours: &BusinessHours, min_confidence: f32) -> Self {
        Self {
            input,
            words: words(input.text),
            open: is_open(hours, input.now_ms),
            hours_set: hours.is_set(),
            min_confidence,
        }
    }
}

/// The rule [`evaluate`] would pick, without the explanation: for the reply pipeline's hot path.
pub fn first_match<'r>(
    rules: &'r [Rule],
    input: &RoutingInput<'_>,
    hours: &BusinessHours,
    min_confidence: f32,
) -> Option<&'r Rule> {
    let message = Message::new(input, hours, min_confidence);
    evaluation_order(rules)
        .into_iter()
        .take_while(|rule| rule.active)
        .find(|rule| check(rule, &message).holds())
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
    let message = Message::new(input, hours, min_confidence);
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
            let verdict = check(rule, &message);
            (verdict.holds(), describe(rule, &verdict, &message))
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
