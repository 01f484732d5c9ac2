//! `GET /api/dashboard/ws?after={seq}`: the dashboard's WebSocket.
//!
//! Authenticated by the session cookie and checked against the dashboard's own origin before
//! the upgrade. It first replays the tenant's events after `after` from the store, sends
//! `caught_up`, then forwards live ones, each exactly once and in order (a gap in the dense
//! numbers, or a lag behind the bounded buffer, is filled from the store). A socket whose client
//! does not take a frame within [`SEND_TIMEOUT`], or answers no ping for [`IDLE_LIMIT`], is
//! closed: it never holds up anyone else, and it resumes where it stopped when it reconnects.

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use shared::dashboard::{DashboardEvent, SettingsArea, SocketFrame};
use tokio::sync::broadcast;
use tracing::instrument;

use super::{check_same_origin, DashboardUser};
use crate::accounts;
use crate::db::Db;
use crate::error::{AppQuery, Result};
use crate::events;
use crate::realtime::{FeedItem, Subscription, PAGE};
use crate::state::AppState;

const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const PING_EVERY: Duration = Duration::from_secs(20);
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// How often an open socket re-checks that its login is still valid (logout, expiry, disabled).
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(120);
/// Close code telling the dashboard to sign in again.
pub const CLOSE_SESSION_ENDED: u16 = 4001;

#[derive(Deserialize)]
pub struct SocketQuery {
    /// The last event the client has seen; omitted means "only what happens from now on".
    after: Option<i64>,
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn upgrade(
    State(state): State<AppState>,
    user: DashboardUser,
    AppQuery(query): AppQuery<SocketQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response> {
    // Browsers send Origin on every WebSocket handshake; another site's page must not ride on
    // the agent's cookie.
    check_same_origin(&headers, &state)?;
    let tenant_id = user.tenant_id().to_owned();
    let subscription = state.hub.subscribe(&tenant_id).await?;
    let after = match query.after {
        Some(after) => after.max(0),
        None => events::last_seq(&state.db, &tenant_id).await?,
    };
    let db = state.db.clone();
    // The dashboard only sends pongs and closes: small read buffers keep an idle socket cheap
    // (the default is 128 KiB each), and nothing large is accepted from it.
    let ws = ws
        .read_buffer_size(4 * 1024)
        .write_buffer_size(8 * 1024)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024);
    Ok(ws.on_upgrade(move |socket| async move {
        let session = Session {
            db,
            tenant_id,
            token: user.token,
            last: after,
        };
        session.run(socket, subscription).await;
    }))
}

struct Session {
    db: Db,
    tenant_id: String,
    token: String,
    last: i64,
}

enum Stop {
    /// The client left or is too slow: just drop the connection.
    Gone,
    /// The login ended: tell the client why.
    SessionEnded,
}

impl Session {
    async fn run(mut self, socket: WebSocket, mut subscription: Subscription) {
        let (mut sink, mut stream) = socket.split();
        let result: std::result::Result<(), Stop> = async {
            self.reset_if_pruned(&mut sink).await?;
            self.catch_up(&mut sink).await?;
            let mut ping = tokio::time::interval(PING_EVERY);
            ping.tick().await;
            let mut session_check = tokio::time::interval(SESSION_CHECK_EVERY);
            session_check.tick().await;
            let mut last_heard = Instant::now();
            loop {
                tokio::select! {
                    item = subscription.rx.recv() => match item {
                        Ok(FeedItem::Event(event)) => {
                            if event.seq <= self.last {
                                continue;
                            }
                            if event.seq > self.last + 1 {
                                // Something between is missing here: the store has it.
                                self.catch_up(&mut sink).await?;
                                if event.seq <= self.last {
                                    continue;
                                }
                            }
                            send(&mut sink, event.frame.clone()).await?;
                            self.last = event.seq;
                            if touches_teammates(&event.envelope.event) {
                                // Someone was deactivated or signed out everywhere: this very
                                // socket may be theirs. Checked now, on every instance.
                                self.check_session().await?;
                            }
                        }
                        Ok(FeedItem::Typing(item)) => send(&mut sink, item.frame.clone()).await?,
                        // Only widget streams hear drafts.
                        Ok(FeedItem::Draft(_)) => {}
                        Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up(&mut sink).await?,
                        Err(broadcast::error::RecvError::Closed) => return Err(Stop::Gone),
                    },
                    incoming = stream.next() => match incoming {
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Err(Stop::Gone),
                        Some(Ok(_)) => last_heard = Instant::now(),
                    },
                    _ = ping.tick() => {
                        if last_heard.elapsed() > IDLE_LIMIT {
                            return Err(Stop::Gone);
                        }
                        timed(sink.send(Message::Ping(Default::default()))).await?;
                    }
                    _ = session_check.tick() => self.check_session().await?,
                }
            }
        }
        .await;
        if let Err(Stop::SessionEnded) = result {
            let close = Message::Close(Some(CloseFrame {
                code: CLOSE_SESSION_ENDED,
                reason: Utf8Bytes::from_static("session ended"),
            }));
            let _ = timed(sink.send(close)).await;
        }
    }

    /// Ends the socket when its login no longer holds (logout, expiry, deactivation).
    async fn check_session(&self) -> std::result::Result<(), Stop> {
        match accounts::user_of_session(&self.db, &self.token).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(Stop::SessionEnded),
            Err(e) => {
                tracing::warn!(error = %e, "re-checking a socket's login");
                Ok(())
            }
        }
    }

    /// When the events after `last` are no longer kept, tells the client to reload and goes on
    /// from the tenant's current last event.
    async fn reset_if_pruned<S>(&mut self, sink: &mut S) -> std::result::Result<(), Stop>
    where
        S: futures::Sink<Message, Error = axum::Error> + Unpin,
    {
        let pruned = events::pruned_after(&self.db, &self.tenant_id, self.last)
            .await
            .map_err(|_| Stop::Gone)?;
        if !pruned {
            return Ok(());
        }
        let seq = events::last_seq(&self.db, &self.tenant_id)
            .await
            .map_err(|_| Stop::Gone)?;
        self.last = seq;
        let frame = serde_json::to_string(&SocketFrame::Reset { seq }).map_err(|_| Stop::Gone)?;
        send(sink, frame.into()).await
    }

    /// Sends every stored event after `last`, then `caught_up`.
    async fn catch_up<S>(&mut self, sink: &mut S) -> std::result::Result<(), Stop>
    where
        S: futures::Sink<Message, Error = axum::Error> + Unpin,
    {
        let mut recheck = false;
        loop {
            let batch = events::after(&self.db, &self.tenant_id, self.last, PAGE)
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "dashboard socket catch-up");
                    Stop::Gone
                })?;
            let n = batch.len();
            for event in batch {
                send(sink, event.frame.clone()).await?;
                self.last = event.seq;
                recheck |= touches_teammates(&event.envelope.event);
            }
            if i64::try_from(n).unwrap_or(0) < PAGE {
                break;
            }
        }
        if recheck {
            self.check_session().await?;
        }
        let frame = serde_json::to_string(&SocketFrame::CaughtUp { seq: self.last })
            .map_err(|_| Stop::Gone)?;
        send(sink, frame.into()).await
    }
}

/// A change to teammates or sessions, after which sockets re-check their login.
fn touches_teammates(event: &DashboardEvent) -> bool {
    matches!(
        event,
        DashboardEvent::SettingsChanged {
            area: SettingsArea::Teammates
        }
    )
}

async fn send<S>(sink: &mut S, text: Utf8Bytes) -> std::result::Result<(), Stop>
where
    S: futures::Sink<Message, Error = axum::Error> + Unpin,
{
    timed(sink.send(Message::Text(text))).await
}

async fn timed(
    sending: impl std::future::Future<Output = std::result::Result<(), axum::Error>>,
) -> std::result::Result<(), Stop> {
    match tokio::time::timeout(SEND_TIMEOUT, sending).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(Stop::Gone),
    }
}
