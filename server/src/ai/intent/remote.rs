//! Intent classification by an OpenAI-compatible model as structured output: the request's
//! `response_format` is a JSON schema whose `intent` is an enum of the workspace's keys, and the
//! answer is checked again here (a provider may ignore the schema), so anything unusable is an
//! error the caller answers by falling back to the embedded classifier.

use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, ResponseFormat,
    ResponseFormatJsonSchema,
};
use serde::Deserialize;
use serde_json::json;

use super::super::openai as connect;
use super::super::{AiConfig, ProviderError};
use super::{Classification, Intent};

/// Examples of each intent shown to the model: enough to pin down what a label means, few
/// enough to keep the prompt short for a workspace with many intents.
const EXAMPLES_IN_PROMPT: usize = 3;
/// The schema's name in the request.
const SCHEMA_NAME: &str = "customer_intent";

/// Classifies messages with the configured OpenAI-compatible model. Cheap to share.
#[derive(Debug)]
pub struct RemoteClassifier {
    conn: connect::Connection,
}

/// The answer the schema asks for. Extra fields are ignored: a provider that does not enforce
/// the schema may add a reason.
#[derive(Deserialize)]
struct Answer {
    intent: String,
    confidence: f64,
}

impl RemoteClassifier {
    /// Builds the client as the reply provider does (same checks, no retrying executor: the
    /// embedded classifier is the retry). Fails only on an unusable configuration.
    pub fn new(config: &AiConfig) -> anyhow::Result<Self> {
        Ok(Self {
            conn: connect::connect(config)?,
        })
    }

    /// The intent of `text` among `intents`, as the model answers it. Errors on a failed call
    /// and on an answer that is not JSON, names no intent of `intents`, or has a confidence
    /// outside `0..=1`.
    pub async fn classify(
        &self,
        intents: &[Intent],
        text: &str,
    ) -> Result<Classification, ProviderError> {
        if intents.is_empty() {
            return Err(ProviderError::Other(
                "no intents to choose from".to_string(),
            ));
        }
        let request = build_request(&self.conn.model, intents, text);
        let answer = self.conn.complete(request).await?;
        parse_answer(&answer.content, intents)
    }
}

/// Checks the model's JSON against the workspace's intents.
pub(super) fn parse_answer(
    content: &str,
    intents: &[Intent],
) -> Result<Classification, ProviderError> {
    // Through `Value` so that only an object is read (serde would also take `["sales", 0.5]`).
    let answer: Answer = match serde_json::from_str(strip_code_fence(content)) {
        Ok(object @ serde_json::Value::Object(_)) => {
            serde_json::from_value(object).map_err(|_| ProviderError::Decode)?
        }
        _ => return Err(ProviderError::Decode),
    };
    if !intents.iter().any(|i| i.key == answer.intent) {
        return Err(ProviderError::Other(format!(
            "provider answered an unknown intent {:?}",
            truncate(&answer.intent, 40)
        )));
    }
    if !(0.0..=1.0).contains(&answer.confidence) {
        return Err(ProviderError::Other(format!(
            "provider answered confidence {} outside 0..1",
            answer.confidence
        )));
    }
    Ok(Classification {
        intent: answer.intent,
        confidence: answer.confidence as f32,
    })
}

/// Some OpenAI-compatible servers wrap JSON in a Markdown fence despite the schema.
fn strip_code_fence(content: &str) -> &str {
    let trimmed = content.trim();
    trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .map_or(trimmed, str::trim)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

pub(super) fn build_request(
    model: &str,
    intents: &[Intent],
    text: &str,
) -> CreateChatCompletionRequest {
    let keys: Vec<&str> = intents.iter().map(|i| i.key.as_str()).collect();
    let schema = json!({
        "type": "object",
        "properties": {
            "intent": {
                "type": "string",
                "enum": keys,
                "description": "The key of the intent the customer's message expresses."
            },
            "confidence": {
                "type": "number",
                "description": "Probability from 0 to 1 that the intent is right."
            }
        },
        "required": ["intent", "confidence"],
        "additionalProperties": false
    });
    let messages: Vec<ChatCompletionRequestMessage> = vec![
        ChatCompletionRequestSystemMessage::from(system_prompt(intents)).into(),
        ChatCompletionRequestUserMessage::from(text.trim()).into(),
    ];
    CreateChatCompletionRequest {
        model: model.to_string(),
        messages,
        response_format: Some(ResponseFormat::JsonSchema {
            json_schema: ResponseFormatJsonSchema {
                name: SCHEMA_NAME.to_string(),
                description: Some("The intent of one customer message.".to_string()),
                schema,
                strict: Some(true),
            },
        }),
        ..Default::default()
    }
}

fn system_prompt(intents: &[Intent]) -> String {
    let mut prompt = String::from(
        "You label customer messages sent to a business's support chat. Choose the one intent \
         that best describes what the customer wants, and how confident you are (0 to 1). \
         Greetings, thanks and messages with nothing to act on are \"general\" when that intent \
         exists.\n\nIntents:\n",
    );
    for intent in intents {
        prompt.push_str(&format!("- {}: {}", intent.key, intent.label.trim()));
        let examples: Vec<String> = intent
            .examples
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .take(EXAMPLES_IN_PROMPT)
            .map(|e| format!("{e:?}"))
            .collect();
        if !examples.is_empty() {
            prompt.push_str(&format!(" (e.g. {})", examples.join(", ")));
        }
        prompt.push('\n');
    }
    prompt
}

#[cfg(test)]
#[path = "remote_tests.rs"]
mod tests;
