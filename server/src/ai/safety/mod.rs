//! Content safety: the phrase lists (a built-in system list every workspace extends but cannot
//! weaken), the check of a visitor's message and of a candidate reply, what to do when a blocked
//! phrase appears, the careful reply for a serious situation, the redaction of personal data
//! before any outside model sees a message, and the optional moderation endpoint of an
//! OpenAI-compatible provider.
//!
//! Pure logic apart from [`moderate`]: the reply pipeline compiles a workspace's lists once with
//! [`merged`], calls [`check_message`] before answering and [`check_reply`] on the candidate
//! reply, and wraps the provider call in [`redact`] / [`restore`].
//!
//! Matching is on whole words after folding case, accents and punctuation, and also reads
//! spelled-out letters ("k i l l you") and digits for letters ("k1ll"). A serious phrase with a
//! negation up to three words before it ("I'm not going to sue") is reported with medium
//! confidence, not dropped: a keyword list cannot tell denial from sarcasm, and medium means
//! "have it confirmed", which is the right answer to doubt. Threat phrases name a target ("kill
//! you"), so "this coffee is killer" and "I'd kill for a discount" flag nothing.

mod detect;
mod lists;
mod matcher;
mod moderation;
mod normalize;
mod redact;
pub mod store;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use lists::{
    system_lists, Category, Confidence, ListError, SafetyLists, SystemLists, SystemPhrase,
    MAX_ENTRIES, MAX_PHRASE_CHARS,
};
pub use matcher::{merged, MergedLists};
pub use moderation::{moderate, ModerationError, ModerationResult};
pub use redact::{redact, restore, Redacted};

use matcher::{Hit, Rule};

/// A serious situation found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Serious {
    pub category: Category,
    pub confidence: Confidence,
    /// The list phrase that matched, as the list wrote it.
    pub phrase: String,
}

impl std::fmt::Display for Serious {
    /// The escalation reason a teammate reads: `legal, high confidence: "my lawyer"`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let confidence = match self.confidence {
            Confidence::High => "high",
            Confidence::Medium => "medium",
        };
        write!(
            f,
            "{}, {confidence} confidence: \"{}\"",
            self.category, self.phrase
        )
    }
}

/// What the lists found in one text. Kept with the message so a teammate can see why the
/// assistant acted as it did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The first blocked phrase in the text.
    pub blocked: Option<String>,
    /// The most serious situation: high before medium, then self-harm, threat, medical, legal,
    /// other, then the earliest in the text.
    pub serious: Option<Serious>,
}

impl Verdict {
    /// Nothing was found.
    pub fn is_clean(&self) -> bool {
        self.blocked.is_none() && self.serious.is_none()
    }
}

/// Checks a visitor's message against the merged lists.
pub fn check_message(lists: &MergedLists, text: &str) -> Verdict {
    check(lists, text, Confidence::Medium)
}

/// Checks a candidate reply against the merged lists: blocked phrases, and serious phrases of
/// high confidence only. An assistant routinely names a topic while declining it ("I can't give
/// legal advice, a lawyer can"), so medium matches, and negated high ones, are not reported for
/// a reply.
pub fn check_reply(lists: &MergedLists, text: &str) -> Verdict {
    check(lists, text, Confidence::High)
}

fn check(lists: &MergedLists, text: &str, least: Confidence) -> Verdict {
    let (words, joined) = normalize::words(text);
    let hits: Vec<Hit<'_>> = lists
        .scan(&words)
        .chain(joined.iter().flat_map(|joined| lists.scan(joined)))
        .collect();
    let blocked = hits
        .iter()
        .find(|hit| hit.entry.rule == Rule::Blocked)
        .map(|hit| hit.entry.phrase.clone());
    let serious = hits
        .iter()
        .filter_map(|hit| match hit.entry.rule {
            Rule::Serious {
                category,
                confidence,
            } => {
                let confidence = if hit.negated {
                    Confidence::Medium
                } else {
                    confidence
                };
                Some((confidence, category, hit.position, hit.entry))
            }
            Rule::Blocked => None,
        })
        .filter(|(confidence, ..)| *confidence >= least)
        .min_by_key(|(confidence, category, position, _)| {
            (
                std::cmp::Reverse(*confidence),
                urgency(*category),
                *position,
            )
        })
        .map(|(confidence, category, _, entry)| Serious {
            category,
            confidence,
            phrase: entry.phrase.clone(),
        });
    Verdict { blocked, serious }
}

/// Which category's careful reply matters most when a text has several (lower first).
pub(crate) fn urgency(category: Category) -> u8 {
    match category {
        Category::SelfHarm => 0,
        Category::Threat => 1,
        Category::Medical => 2,
        Category::Legal => 3,
        Category::Other => 4,
    }
}

/// What happens when a blocked phrase is in a message or reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockedAction {
    /// The conversation goes to the human team; the assistant says nothing more.
    #[default]
    HandToHuman,
    /// The assistant sends the workspace's fallback message instead of a reply.
    FallbackMessage,
    /// The assistant sends the fallback message and closes the conversation.
    EndConversation,
}

/// The fallback message a workspace starts with.
pub const DEFAULT_FALLBACK_MESSAGE: &str =
    "Sorry, I can't help with that here. A member of our team will follow up with you.";

/// A workspace's safety settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SafetySettings {
    pub lists: SafetyLists,
    pub blocked_action: BlockedAction,
    /// Sent for [`BlockedAction::FallbackMessage`] and [`BlockedAction::EndConversation`].
    pub fallback_message: String,
    /// Replace emails and phone numbers too (card numbers and SSNs always are) before a message
    /// reaches an outside model.
    pub redact_contact_details: bool,
    /// Also ask the provider's moderation endpoint about each message.
    pub moderation: bool,
}

impl Default for SafetySettings {
    fn default() -> Self {
        Self {
            lists: SafetyLists::default(),
            blocked_action: BlockedAction::default(),
            fallback_message: DEFAULT_FALLBACK_MESSAGE.to_string(),
            redact_contact_details: false,
            moderation: false,
        }
    }
}

/// The reply sent instead of the assistant's when a serious situation is found: calm, no
/// advice, says a teammate will follow up; for self-harm it points to help first. None of them
/// trips [`check_reply`] with the system lists.
pub fn careful_reply(category: Category) -> &'static str {
    match category {
        Category::SelfHarm => {
            "I'm really sorry you're going through this, and I'm glad you told us. You don't \
             have to face it alone. If you are in immediate danger, call your local emergency \
             number now. In the US you can call or text 988 at any time to reach a trained \
             counselor; elsewhere, findahelpline.com lists free, confidential helplines. I've \
             also asked a member of our team to reach out to you."
        }
        Category::Threat => {
            "I've passed this conversation to a member of our team, who will follow up with \
             you. If anyone is in immediate danger, please contact your local emergency \
             services."
        }
        Category::Legal => {
            "Thank you for letting us know. I'm not able to help with this here, so I've \
             passed the conversation to a member of our team, who will follow up with you \
             directly."
        }
        Category::Medical => {
            "If this is an emergency, please call your local emergency number right away (911 \
             in the US). I've let a member of our team know, and they will follow up with you."
        }
        Category::Other => {
            "Thank you for telling us. I've passed this conversation to a member of our team, \
             who will follow up with you shortly."
        }
    }
}
