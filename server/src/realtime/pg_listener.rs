//! Several server instances on one PostgreSQL: each `LISTEN`s, so a commit on any instance wakes
//! the pumps of all of them, and typing indicators reach every instance's sockets.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::dashboard::Typing;
use sqlx::postgres::PgListener;

use super::{DraftItem, Hub, TypingItem};
use crate::db::Db;
use crate::events::PG_CHANNEL;

const TYPING_CHANNEL: &str = "livechat_typing";
const DRAFT_CHANNEL: &str = "livechat_draft";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypingNotice {
    tenant_id: String,
    session_id: Option<String>,
    typing: Typing,
}

pub async fn notify_typing(db: &Db, tenant_id: &str, item: &TypingItem) -> sqlx::Result<()> {
    let notice = TypingNotice {
        tenant_id: tenant_id.to_owned(),
        session_id: item.session_id.clone(),
        typing: item.typing.clone(),
    };
    notify(db, TYPING_CHANNEL, &notice).await
}

/// `payload` as JSON to every instance listening on `channel`.
async fn notify(db: &Db, channel: &str, payload: &impl Serialize) -> sqlx::Result<()> {
    let payload = serde_json::to_string(payload).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DraftNotice {
    tenant_id: String,
    #[serde(flatten)]
    item: DraftItem,
}

/// A draft piece to every instance (a notification carries at most 8000 bytes: the pipeline
/// sends drafts in pieces well under that).
pub async fn notify_draft(db: &Db, tenant_id: &str, item: &DraftItem) -> sqlx::Result<()> {
    let notice = DraftNotice {
        tenant_id: tenant_id.to_owned(),
        item: item.clone(),
    };
    notify(db, DRAFT_CHANNEL, &notice).await
}

pub fn spawn(hub: Weak<Hub>, database_url: String) {
    tokio::spawn(async move {
        loop {
            match listen(&hub, &database_url).await {
                Ok(()) => return, // the hub is gone
                Err(e) => {
                    tracing::warn!(error = %e, "LISTEN connection lost; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

async fn listen(hub: &Weak<Hub>, database_url: &str) -> sqlx::Result<()> {
    let mut listener = PgListener::connect(database_url).await?;
    listener
        .listen_all([PG_CHANNEL, TYPING_CHANNEL, DRAFT_CHANNEL])
        .await?;
    // Anything committed while we were not listening is picked up by a full wake.
    match hub.upgrade() {
        Some(hub) => hub.wake_all().await,
        None => return Ok(()),
    }
    loop {
        // `try_recv` answers `None` when the connection dropped (it reconnects on the next
        // call): notifications may have been missed, so every pump looks at the store.
        let notification = listener.try_recv().await?;
        let Some(hub) = hub.upgrade() else {
            return Ok(());
        };
        let Some(notification) = notification else {
            hub.wake_all().await;
            continue;
        };
        if notification.channel() == PG_CHANNEL {
            hub.wake(notification.payload()).await;
        } else if notification.channel() == DRAFT_CHANNEL {
            if let Ok(notice) = serde_json::from_str::<DraftNotice>(notification.payload()) {
                hub.deliver_draft(&notice.tenant_id, Arc::new(notice.item))
                    .await;
            }
        } else if let Ok(notice) = serde_json::from_str::<TypingNotice>(notification.payload()) {
            let item = TypingItem::new(notice.session_id, notice.typing);
            hub.deliver_typing(&notice.tenant_id, Arc::new(item)).await;
        }
    }
}
