//! `POST /chat`: store the visitor's message first, then answer it.

use std::sync::Arc;

use axum::extract::State;
use shared::api::{Author, ChatRequest, ChatResponse, ReplyMetadata};
use tracing::instrument;

use super::sessions::session_not_found;
use super::WidgetAuth;
use crate::ai::{ReplyRequest, Turn};
use crate::assistants::{self, LoadedAssistant};
use crate::client_addr::ClientAddr;
use crate::conversations::{self, NewReply, ReplyEffects, StoredMessage};
use crate::error::{self, ApiError, AppJson, Result};
use crate::state::AppState;

/// Messages of context the assistant sees.
const HISTORY_FOR_AI: i64 = 20;

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn send(
    State(state): State<AppState>,
    auth: WidgetAuth,
    from: ClientAddr,
    AppJson(request): AppJson<ChatRequest>,
) -> Result<AppJson<ChatResponse>> {
    let text = error::message_text("message", &request.message)?;
    let client_message_id = error::client_message_id(&request.client_message_id)?;
    let tenant_id = auth.tenant.id.as_str();
    let session = conversations::find_session(&state.db, tenant_id, &request.session_id)
        .await?
        .ok_or_else(session_not_found)?;
    let Some(client_id) = session.client_id.as_deref() else {
        return Err(ApiError::conflict(
            "contact_required",
            "Please tell us your name and email before sending a message.",
        ));
    };

    // A retry: answer from the store, finishing the reply if the first attempt could not.
    if let Some(stored) =
        conversations::find_by_client_message_id(&state.db, &session.id, client_message_id.as_str())
            .await?
    {
        let conversation =
            conversations::find_conversation(&state.db, &stored.conversation_id).await?;
        if let Some(reply) = conversations::find_reply(&state.db, &stored.id).await? {
            return Ok(AppJson(response(
                &stored,
                Some(&reply),
                conversation.status,
                false,
            )));
        }
        if conversation.ai_paused {
            return Ok(AppJson(response(&stored, None, conversation.status, false)));
        }
        let loaded = default_assistant(&state, tenant_id).await?;
        return answer_once(&state, tenant_id, &session.id, client_id, loaded, stored)
            .await
            .map(AppJson);
    }

    state.limiters.message(&session.id, from, tenant_id)?;
    let loaded = default_assistant(&state, tenant_id).await?;
    let conversation =
        conversations::open_for_session(&state.db, tenant_id, &session, &loaded.assistant.id)
            .await?;
    // Stored before any AI work: if the AI fails, the message is not lost.
    let stored = conversations::insert_visitor_message(
        &state.db,
        tenant_id,
        &conversation.id,
        &session.id,
        text.as_str(),
        client_message_id.as_str(),
    )
    .await?;
    if conversation.ai_paused {
        // A teammate has it: their reply reaches the widget on the session's event stream.
        return Ok(AppJson(response(&stored, None, conversation.status, false)));
    }
    answer_once(&state, tenant_id, &session.id, client_id, loaded, stored)
        .await
        .map(AppJson)
}

/// What one reply's work ends with, shared by every copy of the request waiting for it.
pub type ReplyResult = std::result::Result<ChatResponse, Arc<ApiError>>;

/// [`answer`], once per visitor message in this process: copies of a request (a client's
/// retries, a double click) wait for the reply already being produced instead of paying the
/// provider again. The work runs on its own, so the reply is stored even if every requester
/// disconnects. Across processes the unique reply per message keeps one stored reply.
async fn answer_once(
    state: &AppState,
    tenant_id: &str,
    session_id: &str,
    client_id: &str,
    loaded: LoadedAssistant,
    visitor: StoredMessage,
) -> Result<ChatResponse> {
    let key = visitor.id.clone();
    let (state, tenant_id, session_id, client_id) = (
        state.clone(),
        tenant_id.to_owned(),
        session_id.to_owned(),
        client_id.to_owned(),
    );
    let replies = state.replies.clone();
    let shared = replies
        .run(&key, move || async move {
            // The work that just ended may have stored it after the caller looked.
            let stored = conversations::find_reply(&state.db, &visitor.id).await;
            match stored.map_err(|e| Arc::new(e.into()))? {
                Some(reply) => {
                    let conversation =
                        conversations::find_conversation(&state.db, &visitor.conversation_id)
                            .await
                            .map_err(|e| Arc::new(e.into()))?;
                    Ok(response(&visitor, Some(&reply), conversation.status, false))
                }
                None => answer(
                    &state,
                    &tenant_id,
                    &session_id,
                    &client_id,
                    &loaded,
                    &visitor,
                )
                .await
                .map_err(Arc::new),
            }
        })
        .await;
    match shared {
        Some(Ok(reply)) => Ok(reply),
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

/// The assistant that answers; a tenant without one is a setup gap the visitor can be told
/// about (a 503 the widget shows), not a server failure.
async fn default_assistant(state: &AppState, tenant_id: &str) -> Result<LoadedAssistant> {
    assistants::load_default(&state.db, tenant_id)
        .await?
        .ok_or_else(|| {
            tracing::warn!(tenant = %tenant_id, "chat refused: the tenant has no default assistant");
            ApiError::unavailable(
                "assistant_unavailable",
                "Chat isn't available right now. Please try again later.",
            )
        })
}

/// Produces, stores and returns the reply to a stored visitor message.
async fn answer(
    state: &AppState,
    tenant_id: &str,
    session_id: &str,
    client_id: &str,
    loaded: &LoadedAssistant,
    visitor: &StoredMessage,
) -> Result<ChatResponse> {
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
    // Only what this visitor said, or proved: a claimed email never lends a stored name.
    let visitor_name =
        conversations::name_to_address(&state.db, tenant_id, session_id, client_id).await?;
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
    let effects = ReplyEffects {
        hand_to_human: outcome.reply.needs_human,
        flag_reason: outcome
            .provider_error
            .as_ref()
            .map(|e| format!("AI provider failed: {e}")),
    };
    let reply = conversations::insert_reply(
        &state.db,
        &NewReply {
            tenant_id,
            conversation_id: &visitor.conversation_id,
            session_id: Some(session_id),
            reply_to: visitor,
            author: Author::Assistant,
            author_name: Some(&loaded.assistant.name),
            body: &outcome.reply.text,
            model: &outcome.reply.model,
            tokens: outcome.reply.tokens,
        },
        &effects,
    )
    .await?;
    let conversation =
        conversations::find_conversation(&state.db, &visitor.conversation_id).await?;
    Ok(response(
        visitor,
        Some(&reply),
        conversation.status,
        outcome.provider_error.is_some(),
    ))
}

fn response(
    visitor: &StoredMessage,
    reply: Option<&StoredMessage>,
    status: shared::api::ConversationStatus,
    fallback: bool,
) -> ChatResponse {
    ChatResponse {
        conversation_id: visitor.conversation_id.clone(),
        message: reply.map(StoredMessage::view),
        visitor_message: visitor.view(),
        conversation_status: status,
        metadata: ReplyMetadata {
            model: reply
                .and_then(|r| r.model.clone())
                .unwrap_or_else(|| "embedded".to_owned()),
            tokens: reply
                .and_then(|r| r.tokens)
                .and_then(|t| u32::try_from(t).ok()),
            fallback,
        },
    }
}
