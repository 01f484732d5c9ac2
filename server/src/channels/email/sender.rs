//! Sends the outbox's email jobs over the channel's SMTP account: a reply in the customer's
//! thread (Message-ID of its own, In-Reply-To the customer's latest mail, References the thread
//! plus that mail, "Re: " the subject) with the signature under it. The Message-ID is made from
//! the job's id, so it is the same on every attempt, and is kept on the message: the customer's
//! answer to it finds the conversation by its headers.
//!
//! At most once: only a 4xx answer or a connection that never opened is retried; a send that
//! timed out may have been delivered and is not sent again.

use std::sync::Arc;

use sqlx::Row;

use super::outgoing::{self, OutgoingReply, SendError};
use super::parse::Mailbox;
use super::store;
use crate::channels::outbox::{Job, Outcome, SendFn};
use crate::db::Db;

/// `public_only`: connect only to SMTP hosts on public addresses (`Config::smtp_public_only`).
pub fn send_fn(db: Db, public_only: bool) -> SendFn {
    Arc::new(move |job: Job| {
        let db = db.clone();
        Box::pin(async move { send(&db, &job, public_only).await })
    })
}

/// What the reply needs of its thread.
struct Thread {
    author_name: Option<String>,
    company: String,
    subject: String,
    in_reply_to: Option<String>,
    references: Vec<String>,
}

async fn thread(db: &Db, job: &Job) -> sqlx::Result<Option<Thread>> {
    let Some(reply) = sqlx::query(
        "SELECT m.author_name, m.seq, m.conversation_id, c.subject, t.company_name
           FROM messages m
           JOIN conversations c ON c.id = m.conversation_id
           JOIN tenants t ON t.id = m.tenant_id
          WHERE m.id = $1",
    )
    .bind(&job.message_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let conversation_id: String = reply.try_get("conversation_id")?;
    let seq: i64 = reply.try_get("seq")?;
    let customer = sqlx::query(
        "SELECT external_id, email_meta FROM messages
          WHERE conversation_id = $1 AND author = 'visitor' AND channel = 'email' AND seq < $2
          ORDER BY seq DESC LIMIT 1",
    )
    .bind(&conversation_id)
    .bind(seq)
    .fetch_optional(&db.pool)
    .await?;
    let (in_reply_to, meta) = match &customer {
        Some(row) => (
            row.try_get::<Option<String>, _>("external_id")?
                .filter(|id| !id.starts_with("sha256:")),
            row.try_get::<Option<String>, _>("email_meta")?
                .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok()),
        ),
        None => (None, None),
    };
    let subject = meta
        .as_ref()
        .and_then(|m| m["subject"].as_str().map(str::to_owned))
        .or(reply.try_get::<Option<String>, _>("subject")?)
        .unwrap_or_default();
    let references = meta
        .as_ref()
        .and_then(|m| m["references"].as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    Ok(Some(Thread {
        author_name: reply.try_get("author_name")?,
        company: reply.try_get("company_name")?,
        subject,
        in_reply_to,
        references,
    }))
}

async fn send(db: &Db, job: &Job, public_only: bool) -> Outcome {
    let channel = match store::find_by_id(db, &job.route).await {
        Ok(Some(channel)) => channel,
        Ok(None) => return Outcome::Failed("the email address was disconnected".to_owned()),
        Err(e) => return Outcome::Retry(format!("reading the email channel: {e}")),
    };
    let thread = match thread(db, job).await {
        Ok(Some(thread)) => thread,
        Ok(None) => return Outcome::Failed("the message is gone".to_owned()),
        Err(e) => return Outcome::Retry(format!("reading the thread: {e}")),
    };
    let domain = channel
        .inbound_address
        .rsplit('@')
        .next()
        .unwrap_or("localhost")
        .to_owned();
    let message_id = format!("{}@{domain}", job.id);
    let signature = match channel.signature.trim() {
        "" => match &thread.author_name {
            Some(name) => format!("{name}\n{}", thread.company),
            None => thread.company.clone(),
        },
        custom => custom.to_owned(),
    };
    let reply = OutgoingReply {
        from: Mailbox {
            name: (!channel.from_name.is_empty()).then(|| channel.from_name.clone()),
            address: channel.inbound_address.clone(),
        },
        to: vec![Mailbox {
            name: None,
            address: job.recipient.clone(),
        }],
        cc: Vec::new(),
        subject: thread.subject,
        body: job.body.clone(),
        signature: Some(signature),
        message_id: message_id.clone(),
        in_reply_to: thread.in_reply_to,
        references: thread.references,
    };
    let message = match outgoing::build(&reply) {
        Ok(message) => message,
        Err(e) => return Outcome::Failed(format!("the reply could not be written: {e}")),
    };
    match outgoing::send(&channel.smtp(public_only), message).await {
        Ok(()) => {
            let kept = sqlx::query(
                "UPDATE messages SET external_id = $1 WHERE id = $2 AND external_id IS NULL",
            )
            .bind(&message_id)
            .bind(&job.message_id)
            .execute(&db.pool)
            .await;
            if let Err(e) = kept {
                tracing::warn!(error = %e, "keeping a sent reply's Message-ID");
            }
            Outcome::Sent {
                provider_message_id: message_id,
            }
        }
        Err(SendError::Timeout(_)) => Outcome::Failed(
            "the SMTP server did not answer in time: not sent again, so it is sent at most once"
                .to_owned(),
        ),
        Err(e) if e.is_retryable() => Outcome::Retry(e.to_string()),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}
