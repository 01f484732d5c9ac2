//! `GET /api/widgets/{tenantId}/sessions/{sessionId}/events`: the visitor's live channel, as
//! server-sent events. A teammate's reply, a status change or a teammate typing reaches the open
//! widget at once. Stored events carry their sequence number as the SSE `id`, so a browser's
//! `EventSource` that reconnects sends `Last-Event-ID` and receives what it missed first.
//!
//! The stream ends when its widget token is revoked or its origin removed from the allowed
//! domains: on each change of the tenant's tokens or domains it checks both again.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream;
use serde::Deserialize;
use shared::api::{MessageView, WidgetEvent};
use shared::dashboard::DashboardEvent;
use tokio::sync::{broadcast, mpsc};
use tracing::instrument;

use super::sessions::find_session;
use super::WidgetAuth;
use crate::client_addr::ClientAddr;
use crate::error::{AppQuery, Result};
use crate::events::{self, StoredEvent};
use crate::realtime::{changes_widget_access, FeedItem, PAGE};
use crate::state::AppState;
use crate::{db::Db, origins, widget_tokens};

#[derive(Deserialize)]
pub struct StreamQuery {
    /// Resume after this event (the `lastEventSeq` of the session history). `Last-Event-ID`
    /// wins when the browser sends it.
    after: Option<i64>,
}

/// Items queued per stream between the feed and the HTTP body.
const QUEUE: usize = 64;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn events(
    State(state): State<AppState>,
    auth: WidgetAuth,
    from: ClientAddr,
    Path((_tenant, session_id)): Path<(String, String)>,
    AppQuery(query): AppQuery<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let tenant_id = auth.tenant.id;
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let session = find_session(&state, &tenant_id, &session_id, from).await?;
    // Held by the stream's task: the slot is freed when the stream ends.
    let slot = state.streams.open(&tenant_id, &session.id)?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let subscription = state.hub.subscribe_session(&tenant_id, &session.id).await?;
    let after = match last_event_id.or(query.after) {
        Some(after) => after,
        None => events::last_seq(&state.db, &tenant_id).await?,
    };
    let (tx, rx) = mpsc::channel::<Event>(QUEUE);
    let db = state.db.clone();
    tokio::spawn(async move {
        let _slot = slot;
        let mut subscription = subscription;
        let mut stream = SessionStream {
            db,
            tenant_id,
            session_id: session.id,
            last: after,
            tx,
            access: Access {
                token_id: auth.token_id,
                origin,
            },
        };
        // A revocation between the token check and the subscription would go unheard.
        if !stream.still_allowed().await || stream.catch_up().await.is_err() {
            return;
        }
        loop {
            let item = tokio::select! {
                item = subscription.rx.recv() => item,
                // The visitor left: free the slot now, not at the next event of this session.
                () = stream.tx.closed() => return,
            };
            let sent = match item {
                Ok(FeedItem::Event(event)) if changes_widget_access(&event.envelope.event) => {
                    if stream.still_allowed().await {
                        continue;
                    }
                    return; // revoked or no longer allowed: the widget's reconnect gets a 401/403
                }
                Ok(FeedItem::Event(event)) => stream.forward(&event).await,
                Ok(FeedItem::Draft(item)) => {
                    if item.session_id != stream.session_id {
                        continue;
                    }
                    stream.send(None, &item.event).await
                }
                Ok(FeedItem::Typing(item)) => {
                    if item.session_id.as_deref() != Some(stream.session_id.as_str())
                        || item.typing.author == shared::api::Author::Visitor
                    {
                        continue;
                    }
                    let event = WidgetEvent::Typing {
                        name: item.typing.name.clone(),
                        active: item.typing.active,
                    };
                    stream.send(None, &event).await
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if !stream.still_allowed().await {
                        return;
                    }
                    stream.catch_up().await
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if sent.is_err() {
                return; // the visitor left, or reads too slowly: it resumes on reconnect
            }
        }
    });
    let body = stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|event| (Ok::<_, Infallible>(event), rx))
    });
    Ok(Sse::new(body)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

struct SessionStream {
    db: Db,
    tenant_id: String,
    session_id: String,
    last: i64,
    tx: mpsc::Sender<Event>,
    access: Access,
}

/// What let the stream open, checked again when the tenant's tokens or domains change.
struct Access {
    token_id: String,
    /// The browser's `Origin`, if it sent one.
    origin: Option<String>,
}

struct Gone;

impl SessionStream {
    /// The token is still live and the origin still allowed (a store error counts as no: the
    /// widget reconnects and is checked afresh).
    async fn still_allowed(&self) -> bool {
        let token = widget_tokens::live_by_id(&self.db, &self.tenant_id, &self.access.token_id);
        if !token.await.unwrap_or(false) {
            return false;
        }
        let Some(origin) = &self.access.origin else {
            return true;
        };
        origins::allowed_origins(&self.db, &self.tenant_id)
            .await
            .is_ok_and(|allowed| origins::origin_allowed(&allowed, origin))
    }

    /// Sends the session's stored events after `last`, from the store.
    async fn catch_up(&mut self) -> Result<(), Gone> {
        loop {
            let batch = events::for_session_after(
                &self.db,
                &self.tenant_id,
                &self.session_id,
                self.last,
                PAGE,
            )
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "widget stream catch-up");
                Gone
            })?;
            let n = batch.len();
            for event in batch {
                self.forward(&event).await?;
            }
            if i64::try_from(n).unwrap_or(0) < PAGE {
                return Ok(());
            }
        }
    }

    async fn forward(&mut self, event: &StoredEvent) -> Result<(), Gone> {
        if event.seq <= self.last || event.session_id.as_deref() != Some(&self.session_id) {
            return Ok(());
        }
        self.last = event.seq;
        match widget_event(&event.envelope.event) {
            Some(widget_event) => self.send(Some(event.seq), &widget_event).await,
            None => Ok(()),
        }
    }

    async fn send(&self, id: Option<i64>, event: &WidgetEvent) -> Result<(), Gone> {
        let mut sse = Event::default().json_data(event).map_err(|_| Gone)?;
        if let Some(id) = id {
            sse = sse.id(id.to_string());
        }
        // A reader that does not take an event for this long is cut off rather than buffered
        // for: its EventSource reconnects and resumes from the store.
        match tokio::time::timeout(SEND_TIMEOUT, self.tx.send(sse)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(Gone),
        }
    }
}

/// What the visitor may see of an event: messages and status, never internal details.
fn widget_event(event: &DashboardEvent) -> Option<WidgetEvent> {
    match event {
        DashboardEvent::MessageCreated {
            conversation_id,
            message,
            ..
        } => Some(WidgetEvent::Message {
            conversation_id: conversation_id.clone(),
            message: MessageView {
                id: message.id.clone(),
                author: message.author,
                body: message.body.clone(),
                created_at: message.created_at,
                client_message_id: message.client_message_id.clone(),
                author_name: message.author_name.clone(),
            },
        }),
        DashboardEvent::ConversationCreated { conversation }
        | DashboardEvent::ConversationUpdated { conversation } => Some(WidgetEvent::Status {
            conversation_id: conversation.id.clone(),
            status: conversation.status,
            human: conversation.ai_paused,
        }),
        DashboardEvent::SettingsChanged { .. }
        | DashboardEvent::ClientChanged { .. }
        | DashboardEvent::ClientsMerged { .. }
        | DashboardEvent::MessageDelivery { .. } => None,
    }
}
