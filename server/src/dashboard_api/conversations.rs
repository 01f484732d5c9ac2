//! The conversation list, one conversation, and what teammates do to it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::api::Author;
use shared::dashboard::{
    AgentReply, AssistantBrief, ConversationDetail, ConversationPage, ConversationQuery,
    ConversationSummary, TimelineMessage, Typing,
};
use tracing::instrument;

use super::DashboardUser;
use crate::conversations::actions::{self, Action, HandlingError};
use crate::error::{self, ApiError, AppJson, AppQuery, Result};
use crate::realtime::TypingItem;
use crate::search::{self, SearchError};
use crate::state::AppState;
use crate::{assistants, clients, conversations, events, inbox};

/// Messages a conversation view loads at most (the newest).
const TIMELINE_LIMIT: i64 = 1000;
/// The client's other conversations shown beside one.
const OTHER_CONVERSATIONS: i64 = 20;

fn not_found() -> ApiError {
    ApiError::not_found("conversation_not_found", "No such conversation.")
}

impl From<HandlingError> for ApiError {
    fn from(e: HandlingError) -> Self {
        match e {
            HandlingError::NotFound => not_found(),
            HandlingError::Conflict(code, message) => ApiError::conflict(code, message),
            HandlingError::Database(e) => ApiError::Database(e),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Invalid(field, message) => {
                ApiError::invalid_field(field, "invalid_query", message)
            }
            SearchError::Database(e) => ApiError::Database(e),
        }
    }
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list(
    State(state): State<AppState>,
    user: DashboardUser,
    AppQuery(query): AppQuery<ConversationQuery>,
) -> Result<AppJson<ConversationPage>> {
    let page = search::list(&state.db, user.tenant_id(), &user.user.id, &query).await?;
    Ok(AppJson(page))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn detail(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<AppJson<ConversationDetail>> {
    let tenant_id = user.tenant_id();
    // Read first: a socket opened after it then misses nothing of what follows.
    let last_event_seq = events::last_seq(&state.db, tenant_id).await?;
    if !actions::mark_read(&state.db, tenant_id, &user.user.id, &id).await? {
        return Err(not_found());
    }
    let mut conn = state.db.pool.acquire().await?;
    let conversation = inbox::summary(&mut conn, tenant_id, &id, &user.user.id)
        .await?
        .ok_or_else(not_found)?;
    let messages = inbox::timeline(&mut conn, &id, TIMELINE_LIMIT).await?;
    let other_conversations = match &conversation.client {
        Some(client) => {
            inbox::client_conversations(
                &mut conn,
                tenant_id,
                &user.user.id,
                &client.id,
                &id,
                OTHER_CONVERSATIONS,
            )
            .await?
        }
        None => Vec::new(),
    };
    drop(conn);
    let mentions = match &conversation.client {
        Some(client) => clients::mentions::pending(&state.db, tenant_id, &client.id).await?,
        None => Vec::new(),
    };
    Ok(AppJson(ConversationDetail {
        client: conversation.client.clone(),
        conversation,
        messages,
        other_conversations,
        last_event_seq,
        mentions,
    }))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn reply(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppJson(request): AppJson<AgentReply>,
) -> Result<(StatusCode, AppJson<TimelineMessage>)> {
    user.require_agent()?;
    let body = error::message_text("body", &request.body)?;
    let client_message_id = error::client_message_id(&request.client_message_id)?;
    let message = actions::reply(
        &state.db,
        user.tenant_id(),
        &id,
        &user.user,
        body.as_str(),
        client_message_id.as_str(),
    )
    .await?;
    // An SMS or email reply was queued with it: the sender need not wait for its next look.
    state.outbox_wake.notify_waiters();
    Ok((StatusCode::CREATED, AppJson(message)))
}

/// `POST /conversations/{id}/{action}`: applies a teammate's action and answers the
/// conversation as it now stands.
pub async fn act(
    state: AppState,
    user: DashboardUser,
    id: String,
    action: Action,
) -> Result<AppJson<ConversationSummary>> {
    user.require_agent()?;
    let summary = actions::apply(&state.db, user.tenant_id(), &id, &user.user, action).await?;
    Ok(AppJson(summary))
}

/// A teammate is typing in the conversation: the visitor's widget and the other dashboards show
/// it. Not stored.
pub async fn typing(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    user.require_agent()?;
    let session_id = conversations::session_of(&state.db, user.tenant_id(), &id)
        .await?
        .ok_or_else(not_found)?;
    let item = TypingItem::new(
        session_id,
        Typing {
            conversation_id: id,
            author: Author::Agent,
            name: Some(user.user.name.clone()),
            active: true,
        },
    );
    state.hub.publish_typing(user.tenant_id(), item).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn assistants(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<Vec<AssistantBrief>>> {
    let assistants = assistants::briefs(&state.db, user.tenant_id()).await?;
    Ok(AppJson(assistants))
}
