//! Live updates for the dashboard's WebSocket (`dashboard_api::socket`) and the widget's event
//! stream (`widget_api::events`), both fed by one [`Hub`]. This module knows no HTTP API.
//!
//! The event log in the store is the source of truth ([`crate::events`]). For each tenant with
//! someone listening, the hub runs one pump that, when woken, reads the log after the last event
//! it forwarded and broadcasts what it finds, in order, to every subscriber of this process.
//! Wake-ups come from this process's commits ([`crate::db::WriteTx::commit`]) and, on PostgreSQL, from
//! `LISTEN` (commits of other server instances). A subscriber that falls behind the bounded
//! broadcast buffer is never waited for: it is told it lagged and catches up from the store.
//!
//! Dashboards hear every item of their tenant; a widget stream hears only its own visitor
//! session's items ([`Hub::subscribe_session`]), routed by the pump, so it is never woken (nor
//! made to lag) by other visitors' conversations.

mod pg_listener;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use shared::api::WidgetEvent;
use shared::dashboard::{DashboardEvent, SettingsArea, SocketFrame, Typing};
use tokio::sync::{broadcast, Mutex, Notify};

use crate::db::{Backend, Db};
use crate::events::{self, StoredEvent};

/// Items a tenant's subscribers receive.
#[derive(Debug, Clone)]
pub enum FeedItem {
    Event(Arc<StoredEvent>),
    Typing(Arc<TypingItem>),
    /// Reaches its visitor session's widget streams only.
    Draft(Arc<DraftItem>),
}

/// A piece of a reply being written ([`WidgetEvent::Draft`]), for one visitor session's widget.
/// Never stored: the stored reply replaces it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftItem {
    pub session_id: String,
    pub event: WidgetEvent,
}

/// Someone typing, with the dashboard frame pre-serialised.
#[derive(Debug)]
pub struct TypingItem {
    /// The visitor session of the conversation, so that session's widget sees a teammate typing.
    pub session_id: Option<String>,
    pub typing: Typing,
    pub frame: Utf8Bytes,
}

impl TypingItem {
    pub fn new(session_id: Option<String>, typing: Typing) -> Self {
        let frame = serde_json::to_string(&SocketFrame::Typing {
            typing: typing.clone(),
        })
        .unwrap_or_default();
        Self {
            session_id,
            typing,
            frame: frame.into(),
        }
    }
}

/// How many items a subscriber may be behind before it must catch up from the store.
const BUFFER: usize = 1024;
/// How many of its own items a visitor session's stream may be behind.
const SESSION_BUFFER: usize = 64;
/// Events read from the store per query.
pub const PAGE: i64 = 500;
const PAGE_LEN: usize = 500;
/// A pump also looks at the store this often, in case a wake-up was lost (a dropped `LISTEN`
/// connection), and stops when nobody listens any more.
const SAFETY_POLL: Duration = Duration::from_secs(5);

struct TenantFeed {
    /// Dashboards: every item of the tenant.
    tx: broadcast::Sender<FeedItem>,
    wake: Notify,
    /// Widget streams, by visitor session: each hears only its own session's items, so a busy
    /// tenant costs a stream nothing for other visitors' conversations.
    sessions: std::sync::Mutex<HashMap<String, broadcast::Sender<FeedItem>>>,
    /// How many of `tx`'s receivers only watch for settings changes (see [`Hub::watch_settings`]).
    watchers: AtomicUsize,
}

impl TenantFeed {
    fn new() -> Self {
        Self {
            tx: broadcast::channel(BUFFER).0,
            wake: Notify::new(),
            sessions: std::sync::Mutex::new(HashMap::new()),
            watchers: AtomicUsize::new(0),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, broadcast::Sender<FeedItem>>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// To the dashboards, and to the streams of the item's session only; a change of the
    /// widget's access (tokens, allowed domains) to every widget stream, which then checks it
    /// may stay open.
    fn deliver(&self, item: FeedItem) {
        let session_id = match &item {
            FeedItem::Event(event) => event.session_id.as_deref(),
            FeedItem::Typing(typing) => typing.session_id.as_deref(),
            FeedItem::Draft(draft) => {
                if let Some(session) = self.sessions().get(&draft.session_id).cloned() {
                    let _ = session.send(item.clone());
                }
                return;
            }
        };
        if let Some(session) = session_id.and_then(|id| self.sessions().get(id).cloned()) {
            let _ = session.send(item.clone());
        } else if matches!(&item, FeedItem::Event(e) if changes_widget_access(&e.envelope.event)) {
            let sessions: Vec<_> = self.sessions().values().cloned().collect();
            for session in sessions {
                let _ = session.send(item.clone());
            }
        }
        let _ = self.tx.send(item);
    }

    fn unused(&self) -> bool {
        self.tx.receiver_count() == 0 && self.sessions().is_empty()
    }

    /// Nobody but settings watchers listens: no dashboard, no widget stream.
    fn only_watched(&self) -> bool {
        self.tx.receiver_count() <= self.watchers.load(Ordering::Acquire)
            && self.sessions().is_empty()
    }
}

/// Settings changes that may end an open widget stream: its token revoked, its origin removed.
pub fn changes_widget_access(event: &DashboardEvent) -> bool {
    matches!(
        event,
        DashboardEvent::SettingsChanged {
            area: SettingsArea::Tokens | SettingsArea::Domains
        }
    )
}

/// What one subscriber holds: keep it alive as long as you listen.
pub struct Subscription {
    pub rx: broadcast::Receiver<FeedItem>,
    feed: Arc<TenantFeed>,
    /// A settings watcher's (counted in the feed's `watchers` while it lives).
    watcher: bool,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.watcher {
            self.feed.watchers.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// What one visitor session's stream holds: only that session's items reach `rx`.
pub struct SessionSubscription {
    pub rx: broadcast::Receiver<FeedItem>,
    feed: Arc<TenantFeed>,
    session_id: String,
}

impl Drop for SessionSubscription {
    fn drop(&mut self) {
        let mut sessions = self.feed.sessions();
        // `rx` is still alive here: one receiver left means it was the last.
        if sessions
            .get(&self.session_id)
            .is_some_and(|tx| tx.receiver_count() <= 1)
        {
            sessions.remove(&self.session_id);
        }
    }
}

pub struct Hub {
    db: Db,
    feeds: Mutex<HashMap<String, Arc<TenantFeed>>>,
}

impl Hub {
    /// Starts the hub: it listens to this process's announcements and, on PostgreSQL, to other
    /// instances' notifications (`database_url` is used for that one listening connection).
    pub fn start(db: &Db, database_url: &str) -> Arc<Self> {
        let hub = Arc::new(Self {
            db: db.clone(),
            feeds: Mutex::new(HashMap::new()),
        });
        let mut announcements = db.announcements();
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            loop {
                let next = announcements.recv().await;
                let Some(hub) = weak.upgrade() else { return };
                match next {
                    Ok(tenant) => hub.wake_local(&tenant).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => hub.wake_all().await,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        if db.backend == Backend::Postgres {
            pg_listener::spawn(Arc::downgrade(&hub), database_url.to_owned());
        }
        hub
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Subscribes to the tenant's live items. Everything committed before this returns is in
    /// the store; everything after reaches the receiver (or a `Lagged` error that says to catch
    /// up from the store).
    pub async fn subscribe(self: &Arc<Self>, tenant_id: &str) -> sqlx::Result<Subscription> {
        let mut feeds = self.feeds.lock().await;
        let feed = self.feed(&mut feeds, tenant_id).await?;
        Ok(Subscription {
            rx: feed.tx.subscribe(),
            feed,
            watcher: false,
        })
    }

    /// Like [`Hub::subscribe`], for a cache that only needs the tenant's `SettingsChanged`
    /// events made by other processes (this process's own bump the store's settings epoch,
    /// which every cache checks first). While only watchers listen, the feed does not read
    /// the store after each of this process's commits: it looks for settings changes when
    /// another instance's notification or its safety poll wakes it.
    pub async fn watch_settings(self: &Arc<Self>, tenant_id: &str) -> sqlx::Result<Subscription> {
        let mut feeds = self.feeds.lock().await;
        let feed = self.feed(&mut feeds, tenant_id).await?;
        let rx = feed.tx.subscribe();
        // Counted once it listens (and uncounted before it stops): a feed with a dashboard
        // never looks watched-only, even for a moment.
        feed.watchers.fetch_add(1, Ordering::AcqRel);
        Ok(Subscription {
            rx,
            feed,
            watcher: true,
        })
    }

    /// Subscribes to one visitor session's live items, with the same promise as
    /// [`Hub::subscribe`]; other sessions' items never reach it.
    pub async fn subscribe_session(
        self: &Arc<Self>,
        tenant_id: &str,
        session_id: &str,
    ) -> sqlx::Result<SessionSubscription> {
        let mut feeds = self.feeds.lock().await;
        let feed = self.feed(&mut feeds, tenant_id).await?;
        let rx = feed
            .sessions()
            .entry(session_id.to_owned())
            .or_insert_with(|| broadcast::channel(SESSION_BUFFER).0)
            .subscribe();
        Ok(SessionSubscription {
            rx,
            feed,
            session_id: session_id.to_owned(),
        })
    }

    /// The tenant's feed, started if nobody listened yet.
    async fn feed(
        self: &Arc<Self>,
        feeds: &mut HashMap<String, Arc<TenantFeed>>,
        tenant_id: &str,
    ) -> sqlx::Result<Arc<TenantFeed>> {
        if let Some(feed) = feeds.get(tenant_id) {
            return Ok(feed.clone());
        }
        // The pump starts after the tenant's current last event: earlier ones are in the store
        // for the subscriber's own catch-up read, which it makes after subscribing.
        let cursor = events::last_seq(&self.db, tenant_id).await?;
        let feed = Arc::new(TenantFeed::new());
        feeds.insert(tenant_id.to_owned(), feed.clone());
        tokio::spawn(pump(
            Arc::downgrade(self),
            tenant_id.to_owned(),
            feed.clone(),
            cursor,
        ));
        Ok(feed)
    }

    /// This process committed new events of the tenant. A feed that only settings watchers
    /// hear has nothing to do for them: the settings epoch told this process's caches already.
    async fn wake_local(&self, tenant_id: &str) {
        if let Some(feed) = self.feeds.lock().await.get(tenant_id) {
            if !feed.only_watched() {
                feed.wake.notify_one();
            }
        }
    }

    /// The tenant has new events in the store.
    pub async fn wake(&self, tenant_id: &str) {
        if let Some(feed) = self.feeds.lock().await.get(tenant_id) {
            feed.wake.notify_one();
        }
    }

    async fn wake_all(&self) {
        for feed in self.feeds.lock().await.values() {
            feed.wake.notify_one();
        }
    }

    /// Sends a typing indicator to this process's subscribers of the tenant.
    pub async fn deliver_typing(&self, tenant_id: &str, item: Arc<TypingItem>) {
        if let Some(feed) = self.feeds.lock().await.get(tenant_id) {
            feed.deliver(FeedItem::Typing(item));
        }
    }

    /// Sends a typing indicator to every subscriber of the tenant, on every instance.
    pub async fn publish_typing(&self, tenant_id: &str, item: TypingItem) -> sqlx::Result<()> {
        if self.db.backend == Backend::Postgres {
            // Every instance, this one included, delivers it when the notification arrives.
            pg_listener::notify_typing(&self.db, tenant_id, &item).await
        } else {
            self.deliver_typing(tenant_id, Arc::new(item)).await;
            Ok(())
        }
    }

    /// Sends a piece of a reply being written to this process's streams of its visitor session.
    pub async fn deliver_draft(&self, tenant_id: &str, item: Arc<DraftItem>) {
        if let Some(feed) = self.feeds.lock().await.get(tenant_id) {
            feed.deliver(FeedItem::Draft(item));
        }
    }

    /// Sends a piece of a reply being written to its visitor session's streams, on every
    /// instance.
    pub async fn publish_draft(&self, tenant_id: &str, item: DraftItem) -> sqlx::Result<()> {
        if self.db.backend == Backend::Postgres {
            pg_listener::notify_draft(&self.db, tenant_id, &item).await
        } else {
            self.deliver_draft(tenant_id, Arc::new(item)).await;
            Ok(())
        }
    }

    /// Stops the feed if nobody listens; true when stopped.
    async fn retire_if_unused(&self, tenant_id: &str) -> bool {
        let mut feeds = self.feeds.lock().await;
        match feeds.get(tenant_id) {
            Some(feed) if feed.unused() => {
                feeds.remove(tenant_id);
                true
            }
            _ => false,
        }
    }
}

/// The tenant's `SettingsChanged` events after `after`, and its latest event number: what a
/// feed heard only by settings watchers reads.
async fn settings_changes(
    db: &Db,
    tenant_id: &str,
    after: i64,
) -> sqlx::Result<(Vec<Arc<StoredEvent>>, i64)> {
    // The latest number first: a change committed after it is read next time.
    let last = events::last_seq(db, tenant_id).await?;
    let mut changes = Vec::new();
    let mut from = after;
    loop {
        let page = events::settings_changes_after(db, tenant_id, from, last, PAGE).await?;
        let full = page.len() == PAGE_LEN;
        from = page.last().map_or(from, |e| e.seq);
        changes.extend(page);
        if !full {
            return Ok((changes, last));
        }
    }
}

/// Forwards the tenant's new events from the store to its subscribers, in order, until nobody
/// listens any more.
async fn pump(hub: Weak<Hub>, tenant_id: String, feed: Arc<TenantFeed>, mut cursor: i64) {
    loop {
        let _ = tokio::time::timeout(SAFETY_POLL, feed.wake.notified()).await;
        let Some(hub) = hub.upgrade() else { return };
        if feed.unused() && hub.retire_if_unused(&tenant_id).await {
            return;
        }
        if feed.only_watched() {
            match settings_changes(&hub.db, &tenant_id, cursor).await {
                // Someone else may have started listening meanwhile: then they hear from the
                // old cursor on (a subscriber skips what it has seen).
                Ok((changes, last)) if feed.only_watched() => {
                    for event in changes {
                        feed.deliver(FeedItem::Event(event));
                    }
                    cursor = last;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, tenant = %tenant_id, "reading settings changes");
                    continue;
                }
            }
        }
        loop {
            let batch = match events::after(&hub.db, &tenant_id, cursor, PAGE).await {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(error = %e, tenant = %tenant_id, "reading new events");
                    break;
                }
            };
            let full = batch.len() == PAGE_LEN;
            for event in batch {
                cursor = event.seq;
                feed.deliver(FeedItem::Event(event));
            }
            if !full {
                break;
            }
        }
    }
}
