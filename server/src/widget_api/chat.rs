//! `POST /chat`: parse and authenticate, store the visitor's message first, then hand it to the
//! reply pipeline (`ai::pipeline`), and answer with what it stored.

use axum::extract::State;
use shared::api::{Channel, ChatRequest, ChatResponse, ReplyMetadata};
use tracing::instrument;

use super::sessions::session_missed;
use super::WidgetAuth;
use crate::ai::pipeline::{self, Answered, Inbound};
use crate::client_addr::ClientAddr;
use crate::clients;
use crate::conversations::{self, Arrival, Received, StoredMessage};
use crate::error::{self, ApiError, AppJson, Result};
use crate::state::AppState;

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
    // The session, its open conversation and whether this is a retry, and on the common path
    // the message stored: one write job. A first message opens the conversation in it too,
    // unless a capped plan must be checked first.
    state.limiters.session_lookup(from)?;
    let open_with = match crate::usage::may_cap(&state.config) {
        true => None,
        false => pipeline::roster(&state, tenant_id)
            .await?
            .default_assistant()
            .map(|loaded| loaded.assistant.id.clone()),
    };
    let limits = state.clone();
    let (tenant, ip) = (tenant_id.to_owned(), from);
    let arrival = conversations::receive(
        &state.db,
        tenant_id,
        &request.session_id,
        text.as_str(),
        client_message_id.as_str(),
        open_with,
        move |session| limits.limiters.message(&session.id, ip, &tenant),
    )
    .await?
    .ok_or_else(|| session_missed(&state, from))?;
    let context = match arrival {
        Arrival::Stored(received) => return after_store(&state, &auth, *received).await,
        Arrival::Refused(refused) => return Err(refused),
        Arrival::Unstored(context) => *context,
    };
    let session = context.session;
    let client_id = session.client_id.clone().ok_or_else(contact_required)?;

    // A retry: answer from the store, finishing the reply if the first attempt could not.
    if context.retry_of.is_some() {
        let stored = conversations::find_by_client_message_id(
            &state.db,
            &session.id,
            client_message_id.as_str(),
        )
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
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
        if !conversation.assistant_answers() {
            return Ok(AppJson(response(&stored, None, conversation.status, false)));
        }
        let inbound = Inbound {
            tenant_id: tenant_id.to_owned(),
            session: Some(session),
            client_id,
            channel: Channel::Web,
            message: stored.clone(),
            conversation: None,
            fresh: false,
            message_count: None,
            delivery: None,
        };
        let answered = pipeline::answer_once(&state, inbound).await?;
        return Ok(AppJson(answered_response(&stored, &answered)));
    }

    state.limiters.message(&session.id, from, tenant_id)?;
    let (conversation, routing) = match context.open {
        Some((conversation, routing)) => (conversation, Some(routing)),
        None => {
            // A new conversation: not past a capped plan's conversations of this cycle.
            if crate::usage::at_cap(&state.db, &state.config, tenant_id).await? {
                return Err(ApiError::client(
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    "usage_limit",
                    "We can't start new chats right now. Please try again later, or reach us \
                     another way.",
                ));
            }
            let loaded = pipeline::default_assistant(&state, tenant_id).await?;
            let conversation = conversations::open_for_session(
                &state.db,
                tenant_id,
                &session,
                &loaded.assistant.id,
            )
            .await?;
            // New (or just made by a racing first message): the pipeline reads it.
            (conversation, None)
        }
    };
    // Stored before any AI work: if the AI fails, the message is not lost.
    let (message, count) = conversations::insert_visitor_message(
        &state.db,
        tenant_id,
        &conversation.id,
        &session.id,
        text.as_str(),
        client_message_id.as_str(),
        context.last_seen_at,
    )
    .await?;
    let received = Received {
        session,
        conversation,
        routing,
        message,
        count,
    };
    after_store(&state, &auth, received).await
}

fn contact_required() -> ApiError {
    ApiError::conflict(
        "contact_required",
        "Please tell us your name and email before sending a message.",
    )
}

/// The visitor's message is stored: notes contact details it gives, then has the assistant
/// answer unless a teammate has the conversation.
async fn after_store(
    state: &AppState,
    auth: &WidgetAuth,
    received: Received,
) -> Result<AppJson<ChatResponse>> {
    let Received {
        session,
        conversation,
        routing,
        message: stored,
        count: message_count,
    } = received;
    let client_id = session.client_id.clone().ok_or_else(contact_required)?;
    let fresh = message_count.is_some();
    if fresh {
        // Contact details in the message: a verified visitor's fill gaps on their client, an
        // unverified one's are kept for an agent to apply. The message is stored either way.
        let noted = clients::mentions::note(
            &state.db,
            &auth.tenant,
            &client_id,
            &stored,
            session.verified,
        )
        .await;
        if let Err(e) = noted {
            tracing::warn!(error = %e, "reading contact details from a message");
        }
    }
    if !conversation.assistant_answers() {
        // A teammate has it (or must look first): their reply reaches the widget on the
        // session's event stream.
        return Ok(AppJson(response(&stored, None, conversation.status, false)));
    }
    let inbound = Inbound {
        tenant_id: auth.tenant.id.clone(),
        session: Some(session),
        client_id,
        channel: Channel::Web,
        message: stored.clone(),
        conversation: routing,
        fresh,
        message_count,
        delivery: None,
    };
    let answered = pipeline::answer_once(state, inbound).await?;
    Ok(AppJson(answered_response(&stored, &answered)))
}

fn answered_response(visitor: &StoredMessage, answered: &Answered) -> ChatResponse {
    response(
        visitor,
        Some(&answered.reply),
        answered.status,
        answered.fallback,
    )
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
