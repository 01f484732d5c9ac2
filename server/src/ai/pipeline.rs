//! The reply pipeline: what happens to every inbound customer message, whatever its channel.
//!
//! A channel's handler parses and authenticates the message, stores it (before any AI work, so
//! a failing provider never loses it) and calls [`answer_once`]. The pipeline then runs its
//! steps and stores the reply together with its [`Decision`] (what each step decided, shown to
//! agents beside the reply) and the conversation's changes, in one transaction:
//!
//! 1. the answering assistant: the conversation's own, else the workspace's default;
//! 2. the reply, from the provider (a remote model falls back to the embedded one);
//! 3. the handoff: to the team when the customer asks for a person or the assistant could not
//!    answer;
//! 4. store the reply and its decision, announce both.
//!
//! Copies of the same message (a client's retries, a double click) wait for the one reply being
//! produced instead of paying the provider twice.

use std::sync::Arc;

use shared::api::{Author, ConversationStatus};
use shared::decision::{Decision, HandoffReason, HandoffStep, ReplyStep};

use crate::ai::{ReplyRequest, Turn};
use crate::assistants::{self, LoadedAssistant};
use crate::conversations::{self, NewReply, ReplyEffects, StoredMessage};
use crate::error::{ApiError, Result};
use crate::state::AppState;

/// Messages of context the assistant sees.
const HISTORY_FOR_AI: i64 = 20;

/// A stored customer message to answer.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub tenant_id: String,
    /// The visitor session whose widget should see the reply (web chat).
    pub session_id: Option<String>,
    /// The client who wrote it.
    pub client_id: String,
    pub message: StoredMessage,
}

/// The stored reply and where the conversation stands after it.
#[derive(Debug, Clone)]
pub struct Answered {
    pub reply: StoredMessage,
    pub status: ConversationStatus,
    /// The configured remote provider failed and the embedded assistant answered instead.
    pub fallback: bool,
}

/// What one reply's work ends with, shared by every copy of the request waiting for it.
pub type ReplyResult = std::result::Result<Answered, Arc<ApiError>>;

/// [`answer`], once per customer message in this process. The work runs on its own, so the
/// reply is stored even if every requester disconnects; across processes the unique reply per
/// message keeps one stored reply.
pub async fn answer_once(state: &AppState, inbound: Inbound) -> Result<Answered> {
    let key = inbound.message.id.clone();
    let state = state.clone();
    let replies = state.replies.clone();
    let shared = replies
        .run(&key, move || async move {
            // The work that just ended may have stored it after the caller looked.
            let stored = conversations::find_reply(&state.db, &inbound.message.id).await;
            match stored.map_err(|e| Arc::new(e.into()))? {
                Some(reply) => {
                    let conversation = conversations::find_conversation(
                        &state.db,
                        &inbound.message.conversation_id,
                    )
                    .await
                    .map_err(|e| Arc::new(e.into()))?;
                    Ok(Answered {
                        reply,
                        status: conversation.status,
                        fallback: false,
                    })
                }
                None => answer(&state, &inbound).await.map_err(Arc::new),
            }
        })
        .await;
    match shared {
        Some(Ok(answered)) => Ok(answered),
        Some(Err(e)) => Err(copy_error(&e)),
        None => Err(anyhow::anyhow!("the reply task panicked").into()),
    }
}

/// The same error for every waiter (the original's cause stays in the log, once per waiter).
fn copy_error(error: &ApiError) -> ApiError {
    match error {
        ApiError::Client {
            status,
            code,
            message,
            field,
            retry_after_secs,
        } => ApiError::Client {
            status: *status,
            code,
            message: message.clone(),
            field: field.clone(),
            retry_after_secs: *retry_after_secs,
        },
        ApiError::Database(sqlx::Error::PoolTimedOut) => {
            ApiError::Database(sqlx::Error::PoolTimedOut)
        }
        other => ApiError::Internal(anyhow::anyhow!("{other:#}")),
    }
}

/// The workspace's default assistant, for a new conversation; a workspace without one is a
/// setup gap the customer can be told about (a 503), not a server failure.
pub async fn default_assistant(state: &AppState, tenant_id: &str) -> Result<LoadedAssistant> {
    assistants::load_default(&state.db, tenant_id)
        .await?
        .ok_or_else(no_assistant)
}

fn no_assistant() -> ApiError {
    ApiError::unavailable(
        "assistant_unavailable",
        "Chat isn't available right now. Please try again later.",
    )
}

/// The conversation's assistant, else (deleted since) the workspace's default.
async fn answering_assistant(state: &AppState, inbound: &Inbound) -> Result<LoadedAssistant> {
    let own = conversations::assistant_of(&state.db, &inbound.message.conversation_id).await?;
    if let Some(id) = own {
        if let Some(loaded) = assistants::load(&state.db, &inbound.tenant_id, &id).await? {
            return Ok(loaded);
        }
    }
    assistants::load_default(&state.db, &inbound.tenant_id)
        .await?
        .ok_or_else(|| {
            tracing::warn!(tenant = %inbound.tenant_id, "no reply: the tenant has no default assistant");
            no_assistant()
        })
}

/// Produces, stores and returns the reply to a stored customer message.
async fn answer(state: &AppState, inbound: &Inbound) -> Result<Answered> {
    let visitor = &inbound.message;
    let loaded = answering_assistant(state, inbound).await?;
    let history: Vec<Turn> = conversations::recent_messages(
        &state.db,
        &visitor.conversation_id,
        Some(visitor.seq),
        HISTORY_FOR_AI,
    )
    .await?
    .into_iter()
    .map(|m| Turn {
        author: m.author,
        body: m.body,
    })
    .collect();
    // Only what this customer said, or proved: a claimed email never lends a stored name.
    let visitor_name = match &inbound.session_id {
        Some(session_id) => {
            conversations::name_to_address(
                &state.db,
                &inbound.tenant_id,
                session_id,
                &inbound.client_id,
            )
            .await?
        }
        None => None,
    };
    let outcome = state
        .responder
        .reply(&ReplyRequest {
            assistant: &loaded.assistant,
            knowledge: &loaded.knowledge,
            history: &history,
            message: &visitor.body,
            visitor_name: visitor_name.as_deref(),
        })
        .await;
    let reply = &outcome.reply;

    let handoff = reply.needs_human.then(|| {
        let explicit = reply.used_entries.is_empty() && super::embedded::wants_human(&visitor.body);
        HandoffStep {
            to_human: true,
            assistant_name: None,
            reason: if explicit {
                HandoffReason::ExplicitRequest
            } else {
                HandoffReason::Unanswered
            },
            detail: if explicit {
                "The customer asked for a person.".to_owned()
            } else {
                format!("{} could not answer this.", loaded.assistant.name)
            },
        }
    });
    let decision = Decision {
        handoff,
        reply: ReplyStep {
            model: reply.model.clone(),
            tokens: reply.tokens,
            fallback: outcome.provider_error.clone(),
            used_entries: reply.used_entries.clone(),
            answered: !reply.needs_human,
        },
        ..Decision::default()
    };

    let effects = ReplyEffects {
        hand_to_human: reply.needs_human,
        flag_reason: outcome
            .provider_error
            .as_ref()
            .map(|e| format!("AI provider failed: {e}")),
    };
    let stored = conversations::insert_reply(
        &state.db,
        &NewReply {
            tenant_id: &inbound.tenant_id,
            conversation_id: &visitor.conversation_id,
            session_id: inbound.session_id.as_deref(),
            reply_to: visitor,
            author: Author::Assistant,
            author_name: Some(&loaded.assistant.name),
            body: &reply.text,
            model: &reply.model,
            tokens: reply.tokens,
            decision: Some(&decision),
        },
        &effects,
    )
    .await?;
    let conversation =
        conversations::find_conversation(&state.db, &visitor.conversation_id).await?;
    Ok(Answered {
        reply: stored,
        status: conversation.status,
        fallback: outcome.provider_error.is_some(),
    })
}
