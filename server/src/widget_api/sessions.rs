//! Widget config, visitor sessions, contact details and history.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::api::{Contact, SessionCreated, SessionHistory, WidgetConfig};
use shared::{Email, PersonName};
use tracing::instrument;

use super::WidgetAuth;
use crate::ai::pipeline;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, AppJson, Result};
use crate::events;
use crate::realtime::TypingItem;
use crate::state::AppState;
use crate::{clients, conversations, identity};
use shared::api::Author;
use shared::dashboard::Typing;

/// How much history a returning visitor gets back.
const HISTORY_LIMIT: i64 = 200;

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn config(
    State(state): State<AppState>,
    auth: WidgetAuth,
) -> Result<AppJson<WidgetConfig>> {
    // From the pipeline's cache: every page load of every site asks for this.
    let assistant = pipeline::roster(&state, &auth.tenant.id)
        .await?
        .default_assistant();
    let tenant = auth.tenant;
    let (default_greeting, assistant_name) = assistant.map_or_else(
        || {
            (
                format!("Hi! How can {} help?", tenant.company_name),
                tenant.company_name.clone(),
            )
        },
        |a| (a.assistant.greeting.clone(), a.assistant.name.clone()),
    );
    // The widget settings' greeting wins; empty means the default assistant's.
    let greeting = if tenant.greeting.is_empty() {
        default_greeting
    } else {
        tenant.greeting
    };
    Ok(AppJson(WidgetConfig {
        tenant_id: tenant.id,
        company_name: tenant.company_name,
        primary_color: tenant.primary_color,
        greeting,
        assistant_name,
        position: tenant.position,
        theme: tenant.theme,
        avatar_url: tenant.avatar_url,
        header_logo_url: tenant.header_logo_url,
        wordmark_url: tenant.wordmark_url,
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

/// Records the visitor's name and email on the session. Without a valid `userHash` this is only
/// a claim: the conversation is linked to the client with that email as unverified, an existing
/// client is never changed, and the answer is what the visitor sent. With one, the session is
/// verified, the client may be updated, and the answer is the client's record.
#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn set_contact(
    State(state): State<AppState>,
    auth: WidgetAuth,
    from: ClientAddr,
    Path((_tenant, session_id)): Path<(String, String)>,
    AppJson(contact): AppJson<Contact>,
) -> Result<AppJson<Contact>> {
    // Validate before touching the store: a bad request changes nothing.
    let name = PersonName::parse(&contact.name)
        .map_err(|e| ApiError::invalid_field("name", "invalid_name", e.to_string()))?;
    let email = Email::parse(&contact.email)
        .map_err(|e| ApiError::invalid_field("email", "invalid_email", e.to_string()))?;
    let session = find_session(&state, &auth.tenant.id, &session_id, from).await?;
    let user_hash = contact.user_hash.as_deref().map(str::trim);
    let verified_by = match user_hash.filter(|h| !h.is_empty()) {
        Some(hash) => Some(check_user_hash(&state, &auth.tenant.id, &email, hash).await?),
        None => None,
    };
    let verified = verified_by.is_some();
    // The client, and the session and its conversation linked to them: one write.
    let step = conversations::ContactStep {
        tenant_id: auth.tenant.id.clone(),
        session_id: session.id.clone(),
        name: name.as_str().to_owned(),
        email: email.clone(),
        verified_by,
    };
    let client = conversations::set_contact(&state.db, step).await?;
    Ok(AppJson(if verified {
        Contact {
            name: client.name,
            email: client.email.unwrap_or_else(|| email.as_str().to_owned()),
            user_hash: None,
        }
    } else {
        Contact {
            name: name.as_str().to_owned(),
            email: email.as_str().to_owned(),
            user_hash: None,
        }
    }))
}

/// A `userHash` must be the tenant's HMAC of this email; anything else stores nothing. Answers
/// the id of the secret that verified it.
async fn check_user_hash(
    state: &AppState,
    tenant_id: &str,
    email: &Email,
    hash: &str,
) -> Result<String> {
    let Some(secret) = identity::find(&state.db, tenant_id).await? else {
        return Err(user_hash_error(
            "identity_verification_off",
            "This site sent a userHash, but identity verification is not set up for this \
             workspace: an admin must create the identity secret first.",
        ));
    };
    if secret.verifies(email, hash) {
        Ok(secret.id)
    } else {
        Err(user_hash_error(
            "invalid_user_hash",
            "The userHash does not match this email: the site must compute it as \
             HMAC-SHA256(identity secret, lowercase email) in hex.",
        ))
    }
}

fn user_hash_error(code: &'static str, message: &str) -> ApiError {
    ApiError::Client {
        status: StatusCode::FORBIDDEN,
        code,
        message: message.to_owned(),
        field: Some("userHash".into()),
        retry_after_secs: None,
    }
}

/// What a returning visitor sees: the details they gave and this session's conversation; a
/// verified visitor also gets the client's record and their earlier web conversations.
#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn history(
    State(state): State<AppState>,
    auth: WidgetAuth,
    from: ClientAddr,
    Path((_tenant, session_id)): Path<(String, String)>,
) -> Result<AppJson<SessionHistory>> {
    let session = find_session(&state, &auth.tenant.id, &session_id, from).await?;
    let verified_client = match (&session.client_id, session.verified) {
        (Some(id), true) => clients::find(&state.db, &auth.tenant.id, id).await?,
        _ => None,
    };
    let contact = match (
        &verified_client,
        &session.visitor_name,
        &session.visitor_email,
    ) {
        (Some(client), _, _) => Some(Contact {
            name: client.name.clone(),
            email: client.email.clone().unwrap_or_default(),
            user_hash: None,
        }),
        (None, Some(name), Some(email)) => Some(Contact {
            name: name.clone(),
            email: email.clone(),
            user_hash: None,
        }),
        _ => None,
    };
    // Read before the messages: the event stream opened after it then misses nothing.
    let last_event_seq = events::last_seq(&state.db, &auth.tenant.id).await?;
    let conversation = conversations::latest_for_session(&state.db, &session.id).await?;
    let messages = match &conversation {
        Some(c) => conversations::recent_messages(&state.db, &c.id, None, HISTORY_LIMIT).await?,
        None => Vec::new(),
    };
    let earlier = match &verified_client {
        Some(client) => {
            conversations::earlier_web_messages(
                &state.db,
                &auth.tenant.id,
                &client.id,
                conversation.as_ref().map(|c| c.id.as_str()),
                HISTORY_LIMIT,
            )
            .await?
        }
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
        verified: verified_client.is_some(),
        earlier_messages: earlier
            .iter()
            .map(conversations::StoredMessage::view)
            .collect(),
    }))
}

/// The visitor is typing: the dashboards of the tenant show it. Not stored.
#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn typing(
    State(state): State<AppState>,
    auth: WidgetAuth,
    from: ClientAddr,
    Path((_tenant, session_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let session = find_session(&state, &auth.tenant.id, &session_id, from).await?;
    let Some(conversation) = conversations::latest_for_session(&state.db, &session.id).await?
    else {
        return Ok(StatusCode::NO_CONTENT);
    };
    // The name given in this session: a claim never shows a stored client's name.
    let name = session.visitor_name;
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

/// The tenant's session `session_id`, named by a widget request from `from`. An address that
/// keeps naming sessions that do not exist is refused before the lookup (see
/// [`crate::ratelimit::Limiters::session_lookup`]).
pub async fn find_session(
    state: &AppState,
    tenant_id: &str,
    session_id: &str,
    from: ClientAddr,
) -> Result<conversations::Session> {
    state.limiters.session_lookup(from)?;
    conversations::find_session(&state.db, tenant_id, session_id)
        .await?
        .ok_or_else(|| session_missed(state, from))
}

/// `from` named a session that does not exist: counted, and answered 404.
pub fn session_missed(state: &AppState, from: ClientAddr) -> ApiError {
    state.limiters.session_missed(from);
    session_not_found()
}

pub fn session_not_found() -> ApiError {
    ApiError::not_found(
        "session_not_found",
        "This chat session does not exist. Start a new one.",
    )
}
