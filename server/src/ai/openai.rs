//! An OpenAI-compatible chat-completions provider (async-openai), grounded in the top
//! knowledge entries and bounded by one timeout.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, CreateChatCompletionRequest,
};
use async_openai::Client;
use futures::StreamExt;
use shared::api::Author;
use tokio::sync::watch;

use super::embedded::{relevant_entries, wants_human, HUMAN_TEXT};
use super::{AiConfig, Reply, ReplyRequest};

/// The line the model is told to add when a teammate should take over.
pub(crate) const HANDOFF_MARKER: &str = "[HANDOFF]";
const MAX_HISTORY: usize = 20;
const KNOWLEDGE_IN_PROMPT: usize = 3;

/// Why the remote provider gave no usable reply. Messages never contain the api key or the
/// provider's error text (which can quote request details).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("timeout after {}", human_duration(*.0))]
    Timeout(Duration),
    #[error("provider returned HTTP {0}")]
    Http(u16),
    #[error("could not reach provider: {0}")]
    Network(String),
    #[error("provider returned an unreadable response")]
    Decode,
    #[error("provider returned an empty reply")]
    Empty,
    #[error("the reply stream ended before the reply was finished")]
    Unfinished,
    #[error("provider request failed: {0}")]
    Other(String),
}

impl From<OpenAIError> for ProviderError {
    fn from(error: OpenAIError) -> Self {
        match error {
            OpenAIError::ApiError(e) => Self::Http(e.status_code.as_u16()),
            OpenAIError::Reqwest(e) => {
                if let Some(status) = e.status() {
                    Self::Http(status.as_u16())
                } else if e.is_timeout() {
                    Self::Network("request timed out".to_string())
                } else if e.is_connect() {
                    Self::Network("connection failed".to_string())
                } else {
                    Self::Network(e.without_url().to_string())
                }
            }
            OpenAIError::JSONDeserialize(..) => Self::Decode,
            OpenAIError::StreamError(_) => Self::Network("the reply stream broke off".to_string()),
            OpenAIError::InvalidArgument(message) => Self::Other(message),
            _ => Self::Other("unexpected client error".to_string()),
        }
    }
}

fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[derive(Debug)]
pub(crate) struct OpenAiProvider {
    conn: Connection,
}

/// The configured OpenAI-compatible model: a client, its base URL (no trailing `/`), the model
/// name and the bound on one call. Every call to the provider goes through one (replies, intent
/// classification, handoff lines); its `Debug` never shows the key.
pub(crate) struct Connection {
    pub client: Client<OpenAIConfig>,
    pub base_url: String,
    pub model: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A non-streamed answer: its first non-empty content, the model that wrote it and the tokens
/// it counted.
pub(crate) struct Completion {
    pub content: String,
    pub model: String,
    pub tokens: Option<u32>,
}

impl Connection {
    /// One call, bounded by the timeout. An answer with no text is [`ProviderError::Empty`].
    pub(crate) async fn complete(
        &self,
        request: CreateChatCompletionRequest,
    ) -> Result<Completion, ProviderError> {
        let asked = request.model.clone();
        let response = tokio::time::timeout(self.timeout, self.client.chat().create(request))
            .await
            .map_err(|_| ProviderError::Timeout(self.timeout))??;
        let content = response
            .choices
            .into_iter()
            .find_map(|c| c.message.content.filter(|t| !t.trim().is_empty()))
            .ok_or(ProviderError::Empty)?;
        Ok(Completion {
            content,
            model: if response.model.is_empty() {
                asked
            } else {
                response.model
            },
            tokens: response.usage.map(|u| u.total_tokens),
        })
    }
}

/// The connection every call to the provider uses: the base URL must be http(s), the key valid
/// in a header, the model named. Fails only on an unusable configuration.
pub(crate) fn connect(config: &AiConfig) -> anyhow::Result<Connection> {
    let base_url = config.base_url.trim().trim_end_matches('/').to_string();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        anyhow::bail!("AI base URL must start with http:// or https://: {base_url:?}");
    }
    let key = config.api_key.as_deref().unwrap_or_default().trim();
    // async-openai puts the key in a header and panics if that header is invalid.
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        anyhow::bail!("AI api key contains characters that are not allowed in a header");
    }
    if config.model.trim().is_empty() {
        anyhow::bail!("AI model name is empty");
    }
    // Explicit org/project so stray OPENAI_* environment variables don't leak in.
    let openai_config = OpenAIConfig::new()
        .with_api_base(base_url.as_str())
        .with_api_key(key)
        .with_org_id("")
        .with_project_id("");
    // The default executor retries 5xx/429/connect errors with backoff (honouring
    // Retry-After). A plain service disables that: the embedded fallback is the retry.
    let client = Client::with_config(openai_config).with_http_service(ReqwestService::default());
    Ok(Connection {
        client,
        base_url,
        model: config.model.trim().to_string(),
        timeout: config.timeout,
    })
}

/// A streamed reply: what arrived, and why it is not whole if it isn't.
pub(crate) struct Streamed {
    pub reply: Reply,
    /// The stream broke off (or timed out) after some text arrived: `reply.text` is that text.
    pub cut: Option<ProviderError>,
}

impl OpenAiProvider {
    pub(crate) fn new(config: &AiConfig) -> anyhow::Result<Self> {
        Ok(Self {
            conn: connect(config)?,
        })
    }

    pub(crate) async fn reply(&self, req: &ReplyRequest<'_>) -> Result<Reply, ProviderError> {
        let answer = self
            .conn
            .complete(build_request(req, &self.conn.model))
            .await?;
        let (text, marked) = strip_marker(&answer.content);
        let text = if text.is_empty() {
            if !marked {
                return Err(ProviderError::Empty);
            }
            HUMAN_TEXT.to_string()
        } else {
            text
        };
        Ok(self.finish(req, text, marked, answer.model, answer.tokens))
    }

    /// Like [`Self::reply`], with the reply streamed: `progress` holds the raw text so far
    /// (handoff marker included) while it arrives. A failure before any text is an error (the
    /// caller answers another way); after some text, what arrived is kept and the failure
    /// returned beside it. The timeout bounds the whole stream.
    pub(crate) async fn reply_streamed(
        &self,
        req: &ReplyRequest<'_>,
        progress: &watch::Sender<String>,
    ) -> Result<Streamed, ProviderError> {
        let mut request = build_request(req, &self.conn.model);
        request.stream_options = Some(ChatCompletionStreamOptions {
            include_usage: Some(true),
            ..Default::default()
        });
        let mut model = request.model.clone();
        let deadline = tokio::time::Instant::now() + self.conn.timeout;
        let timeout = || ProviderError::Timeout(self.conn.timeout);
        let mut stream =
            tokio::time::timeout_at(deadline, self.conn.client.chat().create_stream(request))
                .await
                .map_err(|_| timeout())??;
        let mut content = String::new();
        let mut tokens = None;
        let mut finished = false;
        let mut cut = None;
        loop {
            let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
                Err(_) => {
                    cut = Some(timeout());
                    break;
                }
                Ok(None) => break,
                Ok(Some(Err(error))) => {
                    cut = Some(error.into());
                    break;
                }
                Ok(Some(Ok(chunk))) => chunk,
            };
            if !chunk.model.is_empty() {
                model.clone_from(&chunk.model);
            }
            if let Some(usage) = chunk.usage {
                tokens = Some(usage.total_tokens);
            }
            // One choice is asked for; a server sending more is read for the first only.
            for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
                if let Some(delta) = choice.delta.content.filter(|d| !d.is_empty()) {
                    content.push_str(&delta);
                    progress.send_modify(|text| text.push_str(&delta));
                }
                finished |= choice.finish_reason.is_some();
            }
        }
        if cut.is_none() && !finished {
            cut = Some(ProviderError::Unfinished);
        }
        let (text, marked) = strip_marker(&content);
        if text.is_empty() {
            // Nothing usable arrived: the same as a failed call, unless the model only asked
            // for a teammate.
            return match cut {
                Some(error) => Err(error),
                None if marked => Ok(Streamed {
                    reply: self.finish(req, HUMAN_TEXT.to_string(), true, model, tokens),
                    cut: None,
                }),
                None => Err(ProviderError::Empty),
            };
        }
        Ok(Streamed {
            reply: self.finish(req, text, marked, model, tokens),
            cut,
        })
    }

    fn finish(
        &self,
        req: &ReplyRequest<'_>,
        text: String,
        marked: bool,
        model: String,
        tokens: Option<u32>,
    ) -> Reply {
        Reply {
            text,
            model,
            tokens,
            needs_human: marked || wants_human(req.message),
            // The same entries `system_prompt` showed the model.
            used_entries: relevant_entries(req, KNOWLEDGE_IN_PROMPT)
                .iter()
                .map(|e| e.id.clone())
                .collect(),
        }
    }
}

/// The reply without handoff markers, and whether there was one.
pub(crate) fn strip_marker(content: &str) -> (String, bool) {
    let marked = content.contains(HANDOFF_MARKER);
    let lines: Vec<&str> = content
        .lines()
        .map(|l| l.trim_end())
        .filter(|l| l.trim() != HANDOFF_MARKER)
        .collect();
    let text = lines.join("\n").replace(HANDOFF_MARKER, "");
    (text.trim().to_string(), marked)
}

fn system_prompt(req: &ReplyRequest<'_>) -> String {
    let mut prompt = req.assistant.instructions.trim().to_string();
    if prompt.is_empty() {
        prompt = format!(
            "You are {}, a helpful customer support assistant.",
            req.assistant.name
        );
    }
    prompt.push_str("\n\nRelevant knowledge:\n");
    let entries = relevant_entries(req, KNOWLEDGE_IN_PROMPT);
    if entries.is_empty() {
        prompt.push_str("(nothing in the knowledge base matches this message)\n");
    }
    for entry in entries {
        prompt.push_str(&format!(
            "- Q: {}\n  A: {}\n",
            entry.question.trim(),
            entry.answer.trim()
        ));
    }
    prompt.push_str(&format!(
        "\nAnswer only from the knowledge above and the conversation. If you are unsure, the \
         knowledge doesn't cover the question, or the visitor asks for a person, say you're \
         bringing in a teammate and end your reply with a line containing only {HANDOFF_MARKER}."
    ));
    if let Some(name) = req.visitor_name.map(str::trim).filter(|n| !n.is_empty()) {
        prompt.push_str(&format!("\nThe visitor's name is {name}."));
    }
    prompt
}

pub(crate) fn build_request(
    req: &ReplyRequest<'_>,
    default_model: &str,
) -> CreateChatCompletionRequest {
    let model = req
        .assistant
        .model
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or(default_model)
        .to_string();
    let mut messages: Vec<ChatCompletionRequestMessage> =
        vec![ChatCompletionRequestSystemMessage::from(system_prompt(req)).into()];
    let skip = req.history.len().saturating_sub(MAX_HISTORY);
    for turn in req.history.iter().skip(skip) {
        let body = turn.body.trim();
        if body.is_empty() {
            continue;
        }
        match turn.author {
            Author::Visitor => messages.push(ChatCompletionRequestUserMessage::from(body).into()),
            Author::Assistant | Author::Agent => {
                messages.push(ChatCompletionRequestAssistantMessage::from(body).into());
            }
            Author::System => {}
        }
    }
    messages.push(ChatCompletionRequestUserMessage::from(req.message.trim()).into());
    CreateChatCompletionRequest {
        model,
        messages,
        ..Default::default()
    }
}

#[cfg(test)]
#[path = "openai_tests.rs"]
mod tests;
