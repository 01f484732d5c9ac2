//! Customer messages a stopped server left unanswered. A text or a mail is stored first, then
//! answered by a task of its own (the provider's webhook must not wait for the model); a server
//! stopped in between would leave it unanswered for good. So at start, each SMS or email
//! conversation whose newest message is the customer's, unanswered, received within
//! [`WINDOW_MS`], and still the assistant's to answer, is answered through the same pipeline,
//! its reply queued to the same place. One reply per message is a unique index: another
//! instance answering the same message at the same moment stores nothing twice.

use serde_json::Value;
use shared::api::Channel;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::ai::pipeline::{self, Inbound};
use crate::channels::outbox::Delivery;
use crate::channels::{email, sms};
use crate::conversations;
use crate::db::now_ms;
use crate::state::AppState;

/// How old an unanswered message may be and still get its answer: after a day, an answer out
/// of nowhere would surprise more than help (agents see the conversation waiting).
pub const WINDOW_MS: i64 = 24 * 3600 * 1000;

/// At most this many per start: a backlog larger than that is the team's to look at.
const MAX_PER_START: i64 = 500;

/// One message to answer, as read.
struct Unanswered {
    message_id: String,
    tenant_id: String,
    client_id: Option<String>,
    channel: Channel,
    channel_ref: Option<String>,
    address: Option<String>,
    body: String,
    email_meta: Option<String>,
}

fn from_row(row: &AnyRow) -> sqlx::Result<Unanswered> {
    let channel: String = row.try_get("channel")?;
    Ok(Unanswered {
        message_id: row.try_get("message_id")?,
        tenant_id: row.try_get("tenant_id")?,
        client_id: row.try_get("client_id")?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| crate::db::decode_error("channel", &channel))?,
        channel_ref: row.try_get("channel_ref")?,
        address: row.try_get("contact_address")?,
        body: row.try_get("body")?,
        email_meta: row.try_get("email_meta")?,
    })
}

/// Answers what was left unanswered (see the module); answers how many replies it set going.
pub async fn answer_left_unanswered(state: &AppState) -> anyhow::Result<usize> {
    let rows = sqlx::query(
        "SELECT m.id AS message_id, c.tenant_id, c.client_id, c.channel, c.channel_ref,
                c.contact_address, m.body, m.email_meta
           FROM conversations c JOIN messages m ON m.seq = c.last_visitor_seq
          WHERE c.channel IN ('sms', 'email') AND c.last_message_author = 'visitor'
            AND c.last_message_at >= $1 AND c.ai_paused = 0
            AND c.status NOT IN ('escalated', 'resolved')
            AND m.conversation_id = c.id
            AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.reply_to = m.id)
          ORDER BY c.last_message_at
          LIMIT $2",
    )
    .bind(now_ms() - WINDOW_MS)
    .bind(MAX_PER_START)
    .fetch_all(&state.db.pool)
    .await?;
    let mut answered = 0;
    for row in &rows {
        let left = from_row(row)?;
        let Some(delivery) = delivery_for(state, &left).await? else {
            continue;
        };
        let Some(client_id) = left.client_id.clone() else {
            continue;
        };
        let Some(message) = conversations::find_message(&state.db, &left.message_id).await? else {
            continue;
        };
        let inbound = Inbound {
            tenant_id: left.tenant_id.clone(),
            session: None,
            client_id,
            channel: left.channel,
            message,
            conversation: None,
            // Looks for a stored reply first.
            fresh: false,
            message_count: None,
            delivery: Some(delivery),
        };
        match pipeline::answer_once(state, inbound).await {
            Ok(_) => answered += 1,
            Err(e) => {
                tracing::error!(error = %e, message = %left.message_id, "answering a message left unanswered")
            }
        }
    }
    if answered > 0 {
        tracing::info!(
            answered,
            "answered messages a stopped server left unanswered"
        );
        state.outbox_wake.notify_waiters();
    }
    Ok(answered)
}

/// Where the reply to `left` goes, as its channel's inbound would have sent it; `None` when it
/// must not be answered: an SMS keyword (STOP, START, HELP have their own answers) or a number
/// that opted out, an automatic mail (or one stored before that was recorded), a channel since
/// disconnected.
async fn delivery_for(state: &AppState, left: &Unanswered) -> anyhow::Result<Option<Delivery>> {
    let (Some(route), Some(address)) = (&left.channel_ref, &left.address) else {
        return Ok(None);
    };
    match left.channel {
        Channel::Sms => {
            if sms::keywords::classify(&left.body).is_some()
                || sms::store::find_by_id(&state.db, route).await?.is_none()
            {
                return Ok(None);
            }
            let mut conn = state.db.pool.acquire().await?;
            if sms::store::opted_out(&mut conn, &left.tenant_id, address).await? {
                return Ok(None);
            }
            Ok(Some(Delivery {
                channel: Channel::Sms,
                route: route.clone(),
                recipient: address.clone(),
                delay_ms: 0,
            }))
        }
        Channel::Email => {
            let meta: Value = left
                .email_meta
                .as_deref()
                .and_then(|m| serde_json::from_str(m).ok())
                .unwrap_or_default();
            if meta.get("autoSubmitted").and_then(Value::as_bool) != Some(false) {
                return Ok(None);
            }
            let Some(channel) = email::store::find_by_id(&state.db, route).await? else {
                return Ok(None);
            };
            let recipient = meta
                .get("replyTo")
                .and_then(Value::as_str)
                .unwrap_or(address)
                .to_owned();
            Ok(Some(Delivery {
                channel: Channel::Email,
                route: route.clone(),
                recipient,
                delay_ms: channel.reply_delay_secs.saturating_mul(1000),
            }))
        }
        Channel::Web | Channel::Voice => Ok(None),
    }
}
