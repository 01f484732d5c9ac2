//! The outbox: what the channels send to customers (SMS now, email next), queued in the same
//! transaction that stores the message, and sent by a worker per channel with retries and
//! backoff, at most once per message part.
//!
//! At most once: a job is claimed (`in_flight_since`, `attempts + 1`) in its own committed
//! transaction before the provider is called, on PostgreSQL with `FOR UPDATE SKIP LOCKED` so
//! instances never claim the same job, on SQLite under the one writer. Only an answer that says
//! the provider did not take the message (a refused connection, 429, 5xx) puts it back, with
//! backoff; a job still in flight after [`RetryPolicy::stale_after`] (the worker stopped
//! mid-send) is never
//! sent again: its outcome is unknown, the message says so, and the provider's status callback
//! may still tell.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use shared::api::Channel;
use shared::dashboard::{DashboardEvent, DeliveryStatus, MessageDelivery};
use sqlx::any::AnyRow;
use sqlx::Row;
use tokio::sync::Notify;

use crate::db::{new_id, now_ms, Backend, Db, WriteTx};

/// Jobs a worker claims at a time.
const BATCH: i64 = 10;

/// Where a message goes: the channel, the workspace's own end of it (an SMS channel's id) and
/// the customer's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub channel: Channel,
    pub route: String,
    pub recipient: String,
    /// How long the message waits before its first send (an email channel's reply delay for
    /// the assistant's replies); 0: at once.
    pub delay_ms: i64,
}

/// How the workers retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first retry's wait; each next one waits five times longer.
    pub base: Duration,
    /// Attempts before a job fails for good.
    pub max_attempts: u32,
    /// How often an idle worker looks for due jobs (it is also woken when this process queues
    /// one).
    pub poll: Duration,
    /// A job in flight this long has lost its worker (a send is bounded far below it).
    pub stale_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max_attempts: 6,
            poll: Duration::from_secs(2),
            stale_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait after attempt number `attempts` (1-based) failed: base, 5×, 25×… capped at an
    /// hour.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 5u32.saturating_pow(attempts.saturating_sub(1).min(6));
        (self.base.saturating_mul(factor)).min(Duration::from_secs(3600))
    }
}

/// One part of one message to send.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub tenant_id: String,
    pub message_id: String,
    pub part: i64,
    pub route: String,
    pub recipient: String,
    pub body: String,
    /// Including this one.
    pub attempts: u32,
}

/// What the provider said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        provider_message_id: String,
    },
    /// It did not take the message; trying again later may work.
    Retry(String),
    /// It refused the message for good.
    Failed(String),
}

/// Queues the `parts` of message `message_id` inside the transaction that stores it.
pub async fn enqueue(
    tx: &mut WriteTx,
    tenant_id: &str,
    message_id: &str,
    delivery: &Delivery,
    parts: &[String],
) -> sqlx::Result<()> {
    let now = now_ms();
    for (part, body) in parts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO outbox
               (id, tenant_id, message_id, part, channel, route, recipient, body,
                created_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT DO NOTHING",
        )
        .bind(new_id("ob"))
        .bind(tenant_id)
        .bind(message_id)
        .bind(i64::try_from(part).unwrap_or(i64::MAX))
        .bind(delivery.channel.as_str())
        .bind(&delivery.route)
        .bind(&delivery.recipient)
        .bind(body)
        .bind(now)
        .bind(now.saturating_add(delivery.delay_ms.max(0)))
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE messages SET delivery_status = 'queued' WHERE id = $1")
        .bind(message_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets message `message_id`'s delivery to `status` (with `error`, or none) when `only_if` holds
/// of its row (a fixed SQL condition, never input), and records the `message_delivery` event so
/// open conversation views show it live. `true` when it changed.
pub async fn set_delivery(
    tx: &mut WriteTx,
    message_id: &str,
    status: DeliveryStatus,
    error: Option<&str>,
    only_if: &'static str,
) -> sqlx::Result<bool> {
    let sql = format!(
        "UPDATE messages SET delivery_status = $1, delivery_error = $2
          WHERE id = $3 AND ({only_if}) RETURNING tenant_id, conversation_id"
    );
    let row: Option<(String, String)> = sqlx::query_as(&sql)
        .bind(status.as_str())
        .bind(error)
        .bind(message_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some((tenant_id, conversation_id)) = row else {
        return Ok(false);
    };
    let event = DashboardEvent::MessageDelivery {
        conversation_id,
        message_id: message_id.to_owned(),
        delivery: MessageDelivery {
            status,
            error: error.map(str::to_owned),
        },
    };
    tx.record_event(&tenant_id, None, &event).await?;
    Ok(true)
}

fn job_from_row(row: &AnyRow) -> sqlx::Result<Job> {
    Ok(Job {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        message_id: row.try_get("message_id")?,
        part: row.try_get("part")?,
        route: row.try_get("route")?,
        recipient: row.try_get("recipient")?,
        body: row.try_get("body")?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
    })
}

/// Claims up to [`BATCH`] due jobs of `channel`, committed as in flight before anything is
/// sent. A message's parts go in order: a part is due only once every earlier one is sent.
pub async fn claim(db: &Db, channel: Channel) -> sqlx::Result<Vec<Job>> {
    let now = now_ms();
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        // One writer at a time: nobody else can claim between the select and the update.
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET in_flight_since = $1, attempts = attempts + 1
          WHERE id IN (
            SELECT id FROM outbox o
             WHERE channel = $2 AND next_attempt_at <= $1 AND in_flight_since IS NULL
               AND sent_at IS NULL AND failed_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM outbox e
                                WHERE e.message_id = o.message_id AND e.part < o.part
                                  AND e.sent_at IS NULL)
             ORDER BY next_attempt_at, id LIMIT $3 {lock})
         RETURNING id, tenant_id, message_id, part, route, recipient, body, attempts"
    );
    let mut tx = db.begin_write().await?;
    let rows = sqlx::query(&sql)
        .bind(now)
        .bind(channel.as_str())
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut jobs = rows
        .iter()
        .map(job_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    jobs.sort_by(|a, b| (&a.message_id, a.part).cmp(&(&b.message_id, b.part)));
    Ok(jobs)
}

/// Records what became of a claimed job, and of its message.
pub async fn settle(
    db: &Db,
    job: &Job,
    outcome: &Outcome,
    policy: &RetryPolicy,
) -> sqlx::Result<()> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    match outcome {
        Outcome::Sent {
            provider_message_id,
        } => {
            sqlx::query(
                "UPDATE outbox SET sent_at = $1, in_flight_since = NULL, provider_message_id = $2,
                        last_error = NULL
                  WHERE id = $3",
            )
            .bind(now)
            .bind(provider_message_id)
            .bind(&job.id)
            .execute(&mut *tx)
            .await?;
            // The message is sent once its every part is.
            set_delivery(
                &mut tx,
                &job.message_id,
                DeliveryStatus::Sent,
                None,
                "delivery_status IN ('queued', 'unknown')
                 AND NOT EXISTS (SELECT 1 FROM outbox
                                  WHERE outbox.message_id = messages.id AND sent_at IS NULL)",
            )
            .await?;
        }
        Outcome::Retry(error) if job.attempts < policy.max_attempts => {
            let wait = i64::try_from(policy.backoff(job.attempts).as_millis()).unwrap_or(i64::MAX);
            sqlx::query(
                "UPDATE outbox SET in_flight_since = NULL, next_attempt_at = $1, last_error = $2
                  WHERE id = $3",
            )
            .bind(now.saturating_add(wait))
            .bind(error)
            .bind(&job.id)
            .execute(&mut *tx)
            .await?;
        }
        Outcome::Retry(error) | Outcome::Failed(error) => {
            // This part and the ones after it: a message is not sent with a hole in it.
            sqlx::query(
                "UPDATE outbox SET failed_at = $1, in_flight_since = NULL, last_error = $2
                  WHERE message_id = $3 AND part >= $4 AND sent_at IS NULL AND failed_at IS NULL",
            )
            .bind(now)
            .bind(error)
            .bind(&job.message_id)
            .bind(job.part)
            .execute(&mut *tx)
            .await?;
            set_delivery(
                &mut tx,
                &job.message_id,
                DeliveryStatus::Failed,
                Some(error.as_str()),
                "1 = 1",
            )
            .await?;
        }
    }
    tx.commit().await
}

/// Jobs left in flight by a worker that stopped: never sent again (the provider may have taken
/// them), their messages marked `unknown`.
pub async fn give_up_stale(db: &Db, channel: Channel, stale_after: Duration) -> sqlx::Result<u64> {
    let now = now_ms();
    let cutoff = now.saturating_sub(i64::try_from(stale_after.as_millis()).unwrap_or(i64::MAX));
    let mut tx = db.begin_write().await?;
    let ids: Vec<String> = sqlx::query_scalar(
        "UPDATE outbox SET failed_at = $1, in_flight_since = NULL,
                last_error = 'the sender stopped while sending: not sent again, to send it at most once'
          WHERE channel = $2 AND in_flight_since < $3 AND sent_at IS NULL AND failed_at IS NULL
         RETURNING message_id",
    )
    .bind(now)
    .bind(channel.as_str())
    .bind(cutoff)
    .fetch_all(&mut *tx)
    .await?;
    for id in &ids {
        set_delivery(&mut tx, id, DeliveryStatus::Unknown, None, "1 = 1").await?;
    }
    tx.commit().await?;
    Ok(u64::try_from(ids.len()).unwrap_or(u64::MAX))
}

/// The route (the workspace's end, e.g. an SMS channel id) a message sent under the provider's
/// id went out on, for its delivery reports.
pub async fn route_of(db: &Db, provider_message_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT route FROM outbox WHERE provider_message_id = $1")
        .bind(provider_message_id)
        .fetch_optional(&db.pool)
        .await
}

/// Sends one job: the channel's provider call.
pub type SendFn = Arc<dyn Fn(Job) -> Pin<Box<dyn Future<Output = Outcome> + Send>> + Send + Sync>;

/// Runs `channel`'s worker until the process ends: gives up stale jobs, then claims due jobs
/// and sends them one after another (a message's parts in order), waking on `wake` or every
/// `policy.poll`.
pub fn spawn_worker(
    db: Db,
    channel: Channel,
    policy: RetryPolicy,
    wake: Arc<Notify>,
    send: SendFn,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_sweep = None::<tokio::time::Instant>;
        loop {
            let sweep_due = last_sweep.is_none_or(|at| at.elapsed() >= policy.stale_after / 5);
            if sweep_due {
                match give_up_stale(&db, channel, policy.stale_after).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(
                        channel = channel.as_str(),
                        jobs = n,
                        "outbox: gave up jobs left in flight"
                    ),
                    Err(e) => tracing::warn!(error = %e, "outbox: sweeping stale jobs"),
                }
                last_sweep = Some(tokio::time::Instant::now());
            }
            let jobs = match claim(&db, channel).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: claiming jobs");
                    Vec::new()
                }
            };
            let idle = jobs.is_empty();
            for job in jobs {
                let outcome = send(job.clone()).await;
                if let Outcome::Retry(e) | Outcome::Failed(e) = &outcome {
                    tracing::warn!(channel = channel.as_str(), job = %job.id, attempt = job.attempts, error = %e, "outbox: not sent");
                }
                if let Err(e) = settle(&db, &job, &outcome, &policy).await {
                    // Left in flight: the sweep marks it unknown rather than send it twice.
                    tracing::error!(error = %e, job = %job.id, "outbox: recording an outcome");
                }
            }
            if idle {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(policy.poll) => {}
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_five_fold_and_stops_at_an_hour() {
        let p = RetryPolicy {
            base: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(1), Duration::from_secs(5));
        assert_eq!(p.backoff(2), Duration::from_secs(25));
        assert_eq!(p.backoff(3), Duration::from_secs(125));
        assert_eq!(p.backoff(9), Duration::from_secs(3600));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(3600));
    }
}
