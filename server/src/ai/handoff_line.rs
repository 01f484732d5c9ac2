//! The "AI generated" handoff message with the OpenAI-compatible provider: the model words the
//! one line a customer reads when another assistant takes over, from the same facts a template
//! gets (who takes over, what they handle, what the customer asked about). Nothing the customer
//! wrote is sent: the facts are the workspace's own words and the detected intent's key. A line
//! that is empty, long, several paragraphs, leaves out who takes over or still holds a
//! placeholder is refused, and the caller falls back to the template.

use std::time::Duration;

use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest,
};

use super::openai as connect;
use super::{AiConfig, ProviderError};

/// Longest line taken from the model, in characters.
pub const MAX_LINE_CHARS: usize = 240;
/// A handoff line is a sentence: it must not hold up the reply that follows it for long.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// What a handoff message says, as the template placeholders name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoffFacts<'a> {
    /// `{agent_name}`: the assistant taking over.
    pub agent_name: &'a str,
    /// `{customer_intent}`: the detected intent's key, e.g. `billing`.
    pub customer_intent: &'a str,
    /// `{task_description}`: what that assistant handles (the rule's name, else the intent).
    pub task_description: &'a str,
}

/// Writes handoff lines with the configured OpenAI-compatible model. Cheap to share.
#[derive(Debug)]
pub struct HandoffWriter {
    conn: connect::Connection,
}

impl HandoffWriter {
    /// Builds the client as the reply provider does, waiting at most [`MAX_WAIT`]. Fails only
    /// on an unusable configuration.
    pub fn new(config: &AiConfig) -> anyhow::Result<Self> {
        let mut conn = connect::connect(config)?;
        conn.timeout = conn.timeout.min(MAX_WAIT);
        Ok(Self { conn })
    }

    /// The model that writes the lines.
    pub fn model(&self) -> &str {
        &self.conn.model
    }

    /// The model's line for `facts`; `guide`, the workspace's own template when it has one,
    /// is shown as the gist to keep. Errors on a failed call and on a line [`check_line`]
    /// refuses.
    pub async fn write(
        &self,
        facts: &HandoffFacts<'_>,
        guide: Option<&str>,
    ) -> Result<String, ProviderError> {
        let request = build_request(&self.conn.model, facts, guide);
        let answer = self.conn.complete(request).await?;
        check_line(&answer.content, facts)
    }
}

/// The model's answer as one line the customer can be shown, or why not.
pub fn check_line(content: &str, facts: &HandoffFacts<'_>) -> Result<String, ProviderError> {
    let paragraphs = content
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .count();
    if paragraphs > 1 {
        return Err(refused("more than one paragraph"));
    }
    let line = content.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line
        .trim_matches(|c: char| c == '"' || c == '“' || c == '”')
        .trim()
        .to_string();
    if line.is_empty() {
        return Err(ProviderError::Empty);
    }
    if line.chars().count() > MAX_LINE_CHARS {
        return Err(refused("longer than a line"));
    }
    if line.contains('{') || line.contains('}') {
        return Err(refused("a placeholder left in"));
    }
    let name = facts.agent_name.trim().to_lowercase();
    if !name.is_empty() && !line.to_lowercase().contains(&name) {
        return Err(refused("it does not name who takes over"));
    }
    Ok(line)
}

fn refused(why: &str) -> ProviderError {
    ProviderError::Other(format!("unusable handoff line: {why}"))
}

pub(crate) fn build_request(
    model: &str,
    facts: &HandoffFacts<'_>,
    guide: Option<&str>,
) -> CreateChatCompletionRequest {
    let mut system = String::from(
        "You write the one short sentence a customer support chat shows when it passes the \
         customer to a colleague better suited to help. Write one friendly sentence of at most \
         30 words: name the colleague, say briefly what they handle, and say they will take it \
         from here. Use only the facts given; promise nothing, invent nothing, no greeting, no \
         quotes, no placeholders.",
    );
    if let Some(guide) = guide.map(str::trim).filter(|g| !g.is_empty()) {
        system.push_str(&format!(
            "\nThe business words it like this (keep the gist, vary the wording): {guide}"
        ));
    }
    let user = format!(
        "Colleague: {}\nWhat they handle: {}\nThe customer's topic: {}",
        facts.agent_name.trim(),
        facts.task_description.trim(),
        facts.customer_intent.trim().replace(['_', '-'], " ")
    );
    let messages: Vec<ChatCompletionRequestMessage> = vec![
        ChatCompletionRequestSystemMessage::from(system).into(),
        ChatCompletionRequestUserMessage::from(user).into(),
    ];
    CreateChatCompletionRequest {
        model: model.to_string(),
        messages,
        ..Default::default()
    }
}

#[cfg(test)]
#[path = "handoff_line_tests.rs"]
mod tests;
