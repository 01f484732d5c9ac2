//! AI replies: an embedded knowledge-base responder that needs no key or network, and an
//! optional OpenAI-compatible provider that falls back to it on any failure.

mod bm25;
pub mod demo;
mod drafts;
mod embedded;
pub mod embedded_eval;
pub mod handoff_line;
pub mod history;
pub mod intent;
mod openai;
pub mod pipeline;
pub mod safety;

use std::time::Duration;

use shared::api::Author;
use shared::routing::{HandoffSettings, MessageStyle};
use tokio::sync::watch;

pub use demo::{demo_assistant, demo_billing_assistant, AssistantSeed};
pub use handoff_line::HandoffFacts;
pub use openai::ProviderError;

/// Bridges a remote reply that was cut off midway to the embedded assistant's answer.
pub const CUT_TEXT: &str = "Sorry, I was cut off there.";

/// The assistant answering a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assistant {
    pub id: String,
    pub name: String,
    /// The system prompt for a remote model.
    pub instructions: String,
    /// First words to a visitor. May contain `{name}` for the visitor's first name.
    pub greeting: String,
    /// Overrides the configured model for this assistant.
    pub model: Option<String>,
}

/// One question/answer pair the assistant knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeEntry {
    pub id: String,
    pub question: String,
    pub answer: String,
    /// Space or comma separated.
    pub keywords: String,
}

/// One earlier message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub author: Author,
    pub body: std::sync::Arc<str>,
}

/// Everything needed to answer one visitor message.
#[derive(Debug, Clone, Copy)]
pub struct ReplyRequest<'a> {
    pub assistant: &'a Assistant,
    pub knowledge: &'a Knowledge,
    /// Earlier messages of the conversation, oldest first, NOT including the current message.
    pub history: &'a [Turn],
    pub message: &'a str,
    pub visitor_name: Option<&'a str>,
}

/// The assistant's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    /// The model that wrote the reply; `"embedded"` for the embedded provider.
    pub model: String,
    pub tokens: Option<u32>,
    /// A teammate should take over (nothing matched, or the visitor asked for a person).
    pub needs_human: bool,
    /// Ids of the knowledge entries the reply drew on: the ones the embedded provider answered
    /// from, or the ones a remote model was shown.
    pub used_entries: Vec<String>,
}

/// A reply, and why the configured remote provider did not write it, if it didn't.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub reply: Reply,
    /// Some(reason) when the configured remote provider failed and the embedded one answered instead.
    pub provider_error: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProviderKind {
    Embedded,
    OpenAi,
}

#[derive(Clone)]
pub struct AiConfig {
    pub provider: ProviderKind,
    /// e.g. `https://api.openai.com/v1`; requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
    /// Bounds each remote call as a whole, retries included.
    pub timeout: Duration,
}

impl std::fmt::Debug for AiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiConfig")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for AiConfig {
    fn default() -> Self {
        Self {
            provider: ProviderKind::Embedded,
            base_url: "https://api.openai.com/v1".to_string(),
            api_key: None,
            model: "gpt-4o-mini".to_string(),
            timeout: Duration::from_secs(20),
        }
    }
}

/// An assistant's knowledge with its search index, built once when the knowledge is loaded
/// rather than for every reply. Reads as the slice of entries.
#[derive(Clone)]
pub struct Knowledge {
    entries: Vec<KnowledgeEntry>,
    index: bm25::Index,
    /// Each entry's answer as the embedded assistant reads it, in the order of `entries`.
    readings: Vec<embedded::Reading>,
}

impl Knowledge {
    pub fn new(entries: Vec<KnowledgeEntry>) -> Self {
        let index = bm25::Index::for_knowledge(&entries);
        let readings = entries.iter().map(embedded::Reading::of).collect();
        Self {
            entries,
            index,
            readings,
        }
    }

    pub(crate) fn index(&self) -> &bm25::Index {
        &self.index
    }

    /// Entry `doc` (a position in the entries) and its reading.
    pub(crate) fn entry(&self, doc: usize) -> Option<(&KnowledgeEntry, &embedded::Reading)> {
        self.entries.get(doc).zip(self.readings.get(doc))
    }
}

impl std::ops::Deref for Knowledge {
    type Target = [KnowledgeEntry];

    fn deref(&self) -> &[KnowledgeEntry] {
        &self.entries
    }
}

impl std::fmt::Debug for Knowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.entries).finish()
    }
}

/// Positions in `entries` of those BM25 finds relevant to `query`, best first: the ranking the
/// embedded provider answers with, for searching the knowledge in the settings.
pub fn rank_knowledge(entries: &[KnowledgeEntry], query: &str) -> Vec<usize> {
    let index = bm25::Index::for_knowledge(entries);
    index
        .rank(&bm25::Query::from_text(query))
        .into_iter()
        .map(|hit| hit.doc)
        .collect()
}

/// The message a customer reads when another assistant takes over, and who worded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffLine {
    pub text: String,
    /// "written by the model …", "the template's words" and the like.
    pub worded_by: String,
}

/// Writes assistant replies. Cheap to share: put it in an `Arc`.
#[derive(Debug)]
pub struct Responder {
    embedded: embedded::Embedded,
    remote: Option<openai::OpenAiProvider>,
    /// Words "AI generated" handoff messages with the remote model.
    handoff: Option<handoff_line::HandoffWriter>,
}

impl Responder {
    /// Fails only on an unusable remote configuration (bad base URL, malformed key).
    pub fn new(config: &AiConfig) -> anyhow::Result<Self> {
        let (remote, handoff) = match config.provider {
            ProviderKind::Embedded => (None, None),
            ProviderKind::OpenAi => (
                Some(openai::OpenAiProvider::new(config)?),
                Some(handoff_line::HandoffWriter::new(config)?),
            ),
        };
        Ok(Self {
            embedded: embedded::Embedded,
            remote,
            handoff,
        })
    }

    /// The message a customer reads when another assistant takes over. "AI generated" with
    /// the remote provider: the model's line from the facts (the workspace's template shown as
    /// its guide), else, when the call fails or its line is unusable, the template in force.
    /// Every other case is [`crate::routing::handoff_message`]. Never fails; says who worded
    /// it, for the agent's "why this reply".
    pub async fn handoff_message(
        &self,
        settings: &HandoffSettings,
        agent_name: &str,
        customer_intent: &str,
        task_description: &str,
    ) -> HandoffLine {
        let template = || {
            crate::routing::render_template(
                settings.template(),
                agent_name,
                customer_intent,
                task_description,
            )
        };
        match &self.handoff {
            Some(writer) if settings.message_style == MessageStyle::AiGenerated => {
                let facts = HandoffFacts {
                    agent_name,
                    customer_intent,
                    task_description,
                };
                let guide = Some(settings.handoff_template.as_str()).filter(|t| !t.is_empty());
                match writer.write(&facts, guide).await {
                    Ok(text) => HandoffLine {
                        text,
                        worded_by: format!("written by the model {}", writer.model()),
                    },
                    Err(error) => {
                        tracing::warn!(
                            provider = "openai",
                            %error,
                            "the model gave no usable handoff line; the template words it"
                        );
                        HandoffLine {
                            text: template(),
                            worded_by: format!(
                                "the template's words: the model's line was unusable ({error})"
                            ),
                        }
                    }
                }
            }
            _ => HandoffLine {
                worded_by: if settings.message_style == MessageStyle::AiGenerated {
                    "composed by the embedded assistant".to_owned()
                } else {
                    "the template's words".to_owned()
                },
                text: crate::routing::handoff_message(
                    settings,
                    agent_name,
                    customer_intent,
                    task_description,
                ),
            },
        }
    }

    /// Never fails: remote error/timeout => embedded reply + provider_error set.
    pub async fn reply(&self, req: &ReplyRequest<'_>) -> Outcome {
        let Some(remote) = &self.remote else {
            return Outcome {
                reply: self.embedded.reply(req),
                provider_error: None,
            };
        };
        match remote.reply(req).await {
            Ok(reply) => Outcome {
                reply,
                provider_error: None,
            },
            Err(error) => self.instead(req, &error),
        }
    }

    /// The embedded assistant's answer when the remote provider failed with `error`.
    fn instead(&self, req: &ReplyRequest<'_>, error: &ProviderError) -> Outcome {
        tracing::warn!(
            provider = "openai",
            assistant = %req.assistant.id,
            %error,
            "AI provider failed; the embedded assistant answered instead"
        );
        Outcome {
            reply: self.embedded.reply(req),
            provider_error: Some(error.to_string()),
        }
    }

    /// Like [`Self::reply`], with a remote model's reply streamed into `progress` (the raw text
    /// so far) as it arrives; the embedded assistant answers at once and streams nothing. A
    /// stream cut midway keeps what arrived and finishes with the embedded assistant's answer,
    /// `provider_error` saying why.
    pub async fn reply_live(
        &self,
        req: &ReplyRequest<'_>,
        progress: &watch::Sender<String>,
    ) -> Outcome {
        let Some(remote) = &self.remote else {
            return self.reply(req).await;
        };
        let (mut reply, error) = match remote.reply_streamed(req, progress).await {
            Ok(openai::Streamed { reply, cut: None }) => {
                return Outcome {
                    reply,
                    provider_error: None,
                }
            }
            Ok(openai::Streamed {
                reply,
                cut: Some(error),
            }) => (reply, error),
            Err(error) => return self.instead(req, &error),
        };
        tracing::warn!(
            provider = "openai",
            assistant = %req.assistant.id,
            %error,
            "the AI provider's reply stream was cut; the embedded assistant finished it"
        );
        let rest = self.embedded.reply(req);
        reply.text = format!("{}…\n\n{CUT_TEXT} {}", reply.text, rest.text);
        reply.needs_human |= rest.needs_human;
        for id in rest.used_entries {
            if !reply.used_entries.contains(&id) {
                reply.used_entries.push(id);
            }
        }
        Outcome {
            reply,
            provider_error: Some(format!("the reply stream was cut: {error}")),
        }
    }

    /// `"embedded"` or `"openai"`.
    pub fn provider_name(&self) -> &'static str {
        match self.remote {
            Some(_) => "openai",
            None => "embedded",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_debug_redacts_the_api_key() {
        let config = AiConfig {
            provider: ProviderKind::OpenAi,
            api_key: Some("sk-very-secret-123".to_string()),
            ..AiConfig::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("sk-very-secret-123"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
        assert!(printed.contains("gpt-4o-mini"), "{printed}");
    }

    #[test]
    fn default_config_is_embedded_with_a_20s_timeout() {
        let config = AiConfig::default();
        assert_eq!(config.provider, ProviderKind::Embedded);
        assert_eq!(config.base_url, "https://api.openai.com/v1");
        assert_eq!(config.api_key, None);
        assert_eq!(config.model, "gpt-4o-mini");
        assert_eq!(config.timeout, Duration::from_secs(20));
    }

    #[test]
    fn responder_is_send_and_sync_and_names_its_provider() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Responder>();
        let embedded = Responder::new(&AiConfig::default()).expect("embedded responder");
        assert_eq!(embedded.provider_name(), "embedded");
        let remote = Responder::new(&AiConfig {
            provider: ProviderKind::OpenAi,
            api_key: Some("sk-test".to_string()),
            ..AiConfig::default()
        })
        .expect("openai responder");
        assert_eq!(remote.provider_name(), "openai");
    }

    #[test]
    fn responder_rejects_unusable_remote_settings_without_echoing_the_key() {
        let bad_key = AiConfig {
            provider: ProviderKind::OpenAi,
            api_key: Some("sk-secret\nline".to_string()),
            ..AiConfig::default()
        };
        let err = Responder::new(&bad_key).expect_err("bad key").to_string();
        assert!(!err.contains("sk-secret"), "{err}");
        let bad_url = AiConfig {
            provider: ProviderKind::OpenAi,
            base_url: "api.openai.com".to_string(),
            ..AiConfig::default()
        };
        assert!(Responder::new(&bad_url).is_err());
    }

    #[tokio::test]
    async fn embedded_responder_answers_without_provider_error() {
        let seed = demo::demo_assistant();
        let assistant = seed.to_assistant("a1");
        let knowledge = seed.to_knowledge();
        let responder = Responder::new(&AiConfig::default()).expect("responder");
        let outcome = responder
            .reply(&ReplyRequest {
                assistant: &assistant,
                knowledge: &Knowledge::new(knowledge),
                history: &[],
                message: "Can I get a refund?",
                visitor_name: None,
            })
            .await;
        assert_eq!(outcome.provider_error, None);
        assert_eq!(outcome.reply.model, "embedded");
        assert!(outcome.reply.text.contains("30 days"));
    }
}
