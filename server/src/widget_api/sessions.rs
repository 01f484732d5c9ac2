//! Widget config, visitor sessions, contact details and history.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::api::{Contact, SessionCreated, SessionHistory, WidgetConfig};
use shared::{Email, PersonName};
use tracing::instrument;

use super::WidgetAuth;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, AppJson, Result};
use crate::events;
use crate::realtime::TypingItem;
use crate::state::AppState;
use crate::{assistants, clients, conversations};
use shared::api::Author;
use shared::dashboard::Typing;

/// How much history a returning visitor gets back.
const HISTORY_LIMIT: i64 = 200;

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn config(
    State(state): State<AppState>,
    auth: WidgetAuth,
) -> Result<AppJson<WidgetConfig>> {
    let assistant = assistants::load_default(&state.db, &auth.tenant.id).await?;
    let (greeting, assistant_name) = assistant.map_or_else(
        || {
            (
                format!("Hi! How can {} help?", auth.tenant.company_name),
                auth.tenant.company_name.clone(),
            )
        },
        |a| (a.assistant.greeting, a.assistant.name),
    );
    Ok(AppJson(WidgetConfig {
        tenant_id: auth.tenant.id,
        company_name: auth.tenant.company_name,
        primary_color: auth.tenant.primary_color,
        greeting,
        assistant_name,
    }))
}

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn create(
    State(state): State<AppState>,
    auth: WidgetAuth,
    from: ClientAddr,
) -> Result<(StatusCode, AppJson<SessionCreated>)> {
    // New sessions are limited too, or opening more would escape the per-session limits.
    state.limiters.session(from, &auth.tenant.id)?;
    let session_id = conversations::create_session(&state.db, &auth.tenant.id).await?;
    Ok((StatusCode::CREATED, AppJson(SessionCreated { session_id })))
}

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn set_contact(
    State(state): State<AppState>,
    auth: WidgetAuth,
    Path((_tenant, session_id)): Path<(String, String)>,
    AppJson(contact): AppJson<Contact>,
) -> Result<AppJson<Contact>> {
    // Validate before touching the store: a bad request changes nothing.
    let name = PersonName::parse(&contact.name)
        .map_err(|e| ApiError::invalid_field("name", "invalid_name", e.to_string()))?;
    let email = Email::parse(&contact.email)
        .map_err(|e| ApiError::invalid_field("email", "invalid_email", e.to_string()))?;
    let session = conversations::find_session(&state.db, &auth.tenant.id, &session_id)
        .await?
        .ok_or_else(session_not_found)?;
    let client = clients::upsert_by_email(&state.db, &auth.tenant.id, &name, &email).await?;
    conversations::link_client(&state.db, &auth.tenant.id, &session.id, &client.id).await?;
    Ok(AppJson(Contact {
        name: client.name,
        email: client.email.unwrap_or_else(|| email.as_str().to_owned()),
    }))
}

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn history(
    State(state): State<AppState>,
    auth: WidgetAuth,
    Path((_tenant, session_id)): Path<(String, String)>,
) -> Result<AppJson<SessionHistory>> {
    let session = conversations::find_session(&state.db, &auth.tenant.id, &session_id)
        .await?
        .ok_or_else(session_not_found)?;
    let contact = match &session.client_id {
        Some(id) => clients::find(&state.db, &auth.tenant.id, id)
            .await?
            .map(|c| Contact {
                name: c.name,
                email: c.email.unwrap_or_default(),
            }),
        None => None,
    };
    // Read before the messages: the event stream opened after it then misses nothing.
    let last_event_seq = events::last_seq(&state.db, &auth.tenant.id).await?;
    let conversation = conversations::latest_for_session(&state.db, &session.id).await?;
    let messages = match &conversation {
        Some(c) => conversations::recent_messages(&state.db, &c.id, None, HISTORY_LIMIT).await?,
        None => Vec::new(),
    };
    Ok(AppJson(SessionHistory {
        session_id: session.id,
        contact,
        conversation_id: conversation.as_ref().map(|c| c.id.clone()),
        conversation_status: conversation.map(|c| c.status),
        messages: messages
            .iter()
            .map(conversations::StoredMessage::view)
            .collect(),
        last_event_seq,
    }))
}

/// The visitor is typing: the dashboards of the tenant show it. Not stored.
#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn typing(
    State(state): State<AppState>,
    auth: WidgetAuth,
    Path((_tenant, session_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let session = conversations::find_session(&state.db, &auth.tenant.id, &session_id)
        .await?
        .ok_or_else(session_not_found)?;
    let Some(conversation) = conversations::latest_for_session(&state.db, &session.id).await?
    else {
        return Ok(StatusCode::NO_CONTENT);
    };
    let name = match &session.client_id {
        Some(id) => clients::find(&state.db, &auth.tenant.id, id)
            .await?
            .map(|c| c.name),
        None => None,
    };
    let item = TypingItem::new(
        Some(session.id),
        Typing {
            conversation_id: conversation.id,
            author: Author::Visitor,
            name,
            active: true,
        },
    );
    state.hub.publish_typing(&auth.tenant.id, item).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn session_not_found() -> ApiError {
    ApiError::not_found(
        "session_not_found",
        "This chat session does not exist. Start a new one.",
    )
}
