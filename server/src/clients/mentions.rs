//! What customers write about themselves ([`super::extract`]), and what becomes of it:
//!
//! - from a trusted source (a verified web session; a signed SMS webhook's sender, an email's
//!   sender once those channels land) a detail fills a gap on the client: a phone or email where
//!   there is none, a fuller name ("Jane Doe" where we knew "Jane"). Known data is never erased:
//!   a detail that would replace one is kept as a mention instead;
//! - from anyone else it is only kept as a mention (`client_mentions`), which the agent sees
//!   beside the conversation and applies with one click ([`apply`]); the value it replaces is
//!   kept as a mention in its turn, so nothing is lost either way.

use shared::dashboard::{ClientBrief, DashboardEvent, MentionKind, MentionView};
use shared::Email;
use sqlx::{AnyConnection, Row};

use super::extract::{self, Mentioned};
use crate::conversations::StoredMessage;
use crate::db::{is_unique_violation, new_id, now_ms, Db, WriteTx};
use crate::tenants::Tenant;

/// Newest mentions an agent is shown.
const SHOWN: i64 = 20;

/// Pending mentions a client can hold. Anyone who types a known customer's email in the widget
/// writes on that customer's record; past this, an unverified claim adds nothing, and a verified
/// customer's detail takes the place of the oldest unverified one.
pub const PENDING_CAP: i64 = 30;

/// Why a mention could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("no such mention")]
    NotFound,
    /// Another client of the workspace has this email or phone number: merge the two instead.
    #[error("another client has this {}", .0.as_str())]
    Taken(MentionKind),
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// The client's contact details as they stand.
struct Known {
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

/// Reads `message` for contact details of its author, the client `client_id` of `tenant`, and
/// records them: applied when `trusted`, where they fill a gap; kept as mentions otherwise.
/// Writes nothing when the message mentions nothing new (most messages).
pub async fn note(
    db: &Db,
    tenant: &Tenant,
    client_id: &str,
    message: &StoredMessage,
    trusted: bool,
) -> sqlx::Result<()> {
    // Cheap checks first: most messages hold no '@', no run of digits and no name cue.
    if !might_mention(&message.body) {
        return Ok(());
    }
    let tenant_id = tenant.id.as_str();
    let region = extract::region(&tenant.default_region).unwrap_or(phonenumber::country::Id::US);
    let mentioned = extract::extract(&message.body, region);
    if mentioned.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    let Some(known) = known(&mut tx, tenant_id, client_id).await? else {
        return Ok(());
    };
    let mut changed = false;
    for (kind, value) in details(&mentioned) {
        if is_known(&known, kind, &value) {
            continue;
        }
        if trusted
            && fills_gap(&known, kind, &value)
            && set(&mut tx, client_id, kind, &value).await?
        {
            changed = true;
            continue;
        }
        if !make_room(&mut tx, client_id, trusted).await? {
            continue;
        }
        let added = sqlx::query(
            "INSERT INTO client_mentions
               (id, tenant_id, client_id, kind, value, message_id, conversation_id, created_at,
                trusted)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT DO NOTHING",
        )
        .bind(new_id("mn"))
        .bind(tenant_id)
        .bind(client_id)
        .bind(kind.as_str())
        .bind(&value)
        .bind(&message.id)
        .bind(&message.conversation_id)
        .bind(now_ms())
        .bind(i64::from(trusted))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        changed |= added > 0;
    }
    if changed {
        announce(&mut tx, tenant_id, client_id).await?;
    }
    tx.commit().await
}

/// Whether one more pending mention fits under [`PENDING_CAP`]: a `trusted` one makes room by
/// dropping the oldest unverified claim.
async fn make_room(tx: &mut WriteTx, client_id: &str, trusted: bool) -> sqlx::Result<bool> {
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM client_mentions WHERE client_id = $1 AND applied_at IS NULL",
    )
    .bind(client_id)
    .fetch_one(&mut **tx)
    .await?;
    if pending < PENDING_CAP {
        return Ok(true);
    }
    if !trusted {
        return Ok(false);
    }
    let dropped = sqlx::query(
        "DELETE FROM client_mentions WHERE id = (
           SELECT id FROM client_mentions
            WHERE client_id = $1 AND applied_at IS NULL AND trusted = 0
            ORDER BY created_at, id LIMIT 1)",
    )
    .bind(client_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(dropped > 0)
}

/// Whether `text` could mention anything [`extract::extract`] finds.
fn might_mention(text: &str) -> bool {
    text.contains('@')
        || text.chars().filter(char::is_ascii_digit).count() >= 7
        || text.to_ascii_lowercase().contains("name")
}

fn details(m: &Mentioned) -> Vec<(MentionKind, String)> {
    let mut out: Vec<(MentionKind, String)> = Vec::new();
    out.extend(m.emails.iter().map(|e| (MentionKind::Email, e.clone())));
    out.extend(m.phones.iter().map(|p| (MentionKind::Phone, p.clone())));
    out.extend(m.name.iter().map(|n| (MentionKind::Name, n.clone())));
    out
}

fn is_known(known: &Known, kind: MentionKind, value: &str) -> bool {
    match kind {
        MentionKind::Email => known
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .zip(Email::parse(value).ok())
            .is_some_and(|(a, b)| a.normalized() == b.normalized()),
        MentionKind::Phone => known.phone.as_deref() == Some(value),
        MentionKind::Name => known.name == value,
    }
}

/// Whether a trusted `value` may go on the client as it is: where nothing is known, or a name
/// that extends the known one word by word ("Jane" → "Jane Doe").
fn fills_gap(known: &Known, kind: MentionKind, value: &str) -> bool {
    match kind {
        MentionKind::Email => known.email.is_none(),
        MentionKind::Phone => known.phone.is_none(),
        MentionKind::Name => {
            let old: Vec<String> = known
                .name
                .split_whitespace()
                .map(str::to_lowercase)
                .collect();
            let new: Vec<String> = value.split_whitespace().map(str::to_lowercase).collect();
            new.len() > old.len() && new.starts_with(&old)
        }
    }
}

async fn known(tx: &mut WriteTx, tenant_id: &str, client_id: &str) -> sqlx::Result<Option<Known>> {
    let row =
        sqlx::query("SELECT name, email, phone FROM clients WHERE id = $1 AND tenant_id = $2")
            .bind(client_id)
            .bind(tenant_id)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(|r| {
        Ok(Known {
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
        })
    })
    .transpose()
}

/// Puts `value` on the client; `false` when it cannot go there (an email or phone number another
/// client of the workspace has). The unique check is made before the update, so a refusal leaves
/// the transaction usable.
async fn set(
    tx: &mut WriteTx,
    client_id: &str,
    kind: MentionKind,
    value: &str,
) -> sqlx::Result<bool> {
    let now = now_ms();
    match kind {
        MentionKind::Email => {
            let Ok(email) = Email::parse(value) else {
                return Ok(false);
            };
            let taken: Option<String> = sqlx::query_scalar(
                "SELECT id FROM clients WHERE email_normalized = $1
                   AND tenant_id = (SELECT tenant_id FROM clients WHERE id = $2) AND id <> $2",
            )
            .bind(email.normalized())
            .bind(client_id)
            .fetch_optional(&mut **tx)
            .await?;
            if taken.is_some() {
                return Ok(false);
            }
            sqlx::query(
                "UPDATE clients SET email = $1, email_normalized = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(email.as_str())
            .bind(email.normalized())
            .bind(now)
            .bind(client_id)
            .execute(&mut **tx)
            .await?;
        }
        MentionKind::Phone => {
            let taken: Option<String> = sqlx::query_scalar(
                "SELECT id FROM clients WHERE phone = $1
                   AND tenant_id = (SELECT tenant_id FROM clients WHERE id = $2) AND id <> $2",
            )
            .bind(value)
            .bind(client_id)
            .fetch_optional(&mut **tx)
            .await?;
            if taken.is_some() {
                return Ok(false);
            }
            sqlx::query("UPDATE clients SET phone = $1, updated_at = $2 WHERE id = $3")
                .bind(value)
                .bind(now)
                .bind(client_id)
                .execute(&mut **tx)
                .await?;
        }
        MentionKind::Name => {
            sqlx::query("UPDATE clients SET name = $1, updated_at = $2 WHERE id = $3")
                .bind(value)
                .bind(now)
                .bind(client_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(true)
}

/// The client's mentions nobody applied yet, newest first.
pub async fn pending(db: &Db, tenant_id: &str, client_id: &str) -> sqlx::Result<Vec<MentionView>> {
    let mut conn = db.pool.acquire().await?;
    pending_on(&mut conn, tenant_id, client_id).await
}

pub(crate) async fn pending_on(
    conn: &mut AnyConnection,
    tenant_id: &str,
    client_id: &str,
) -> sqlx::Result<Vec<MentionView>> {
    let rows = sqlx::query(
        "SELECT id, kind, value, conversation_id, created_at, trusted FROM client_mentions
          WHERE tenant_id = $1 AND client_id = $2 AND applied_at IS NULL
          ORDER BY created_at DESC, id DESC LIMIT $3",
    )
    .bind(tenant_id)
    .bind(client_id)
    .bind(SHOWN)
    .fetch_all(&mut *conn)
    .await?;
    let mut mentions = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get("kind")?;
        // A kind this version does not know is left out rather than failing the page.
        let Some(kind) = MentionKind::parse(&kind) else {
            continue;
        };
        mentions.push(MentionView {
            id: r.try_get("id")?,
            kind,
            value: r.try_get("value")?,
            conversation_id: r.try_get("conversation_id")?,
            created_at: r.try_get("created_at")?,
            trusted: r.try_get::<i64, _>("trusted")? != 0,
        });
    }
    Ok(mentions)
}

/// The client as it now is, for answers and events (`verified` belongs to a conversation's
/// link, not to the client: `false` here).
pub(crate) async fn brief(
    conn: &mut AnyConnection,
    tenant_id: &str,
    client_id: &str,
) -> sqlx::Result<ClientBrief> {
    let client =
        sqlx::query("SELECT id, name, email, phone FROM clients WHERE id = $1 AND tenant_id = $2")
            .bind(client_id)
            .bind(tenant_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(ClientBrief {
        id: client.try_get("id")?,
        name: client.try_get("name")?,
        email: client.try_get("email")?,
        phone: client.try_get("phone")?,
        verified: false,
    })
}

/// Tells open dashboards the client's details and pending mentions, with the transaction.
async fn announce(tx: &mut WriteTx, tenant_id: &str, client_id: &str) -> sqlx::Result<ClientBrief> {
    let client = brief(tx, tenant_id, client_id).await?;
    let mentions = pending_on(tx, tenant_id, client_id).await?;
    let event = DashboardEvent::ClientChanged {
        client: client.clone(),
        mentions,
    };
    tx.record_event(tenant_id, None, &event).await?;
    Ok(client)
}

/// An agent applies a mention: the client takes the value, and the value it had (if any) is
/// kept as a mention, so nothing is lost. Answers the client as it now is, and the
/// conversation the mention came from (for the caller's event).
pub async fn apply(
    db: &Db,
    tenant_id: &str,
    client_id: &str,
    mention_id: &str,
) -> Result<ClientBrief, ApplyError> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "SELECT kind, value, message_id, conversation_id FROM client_mentions
          WHERE id = $1 AND tenant_id = $2 AND client_id = $3 AND applied_at IS NULL",
    )
    .bind(mention_id)
    .bind(tenant_id)
    .bind(client_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApplyError::NotFound)?;
    let kind: String = row.try_get("kind")?;
    let kind = MentionKind::parse(&kind).ok_or(ApplyError::NotFound)?;
    let value: String = row.try_get("value")?;
    let known = known(&mut tx, tenant_id, client_id)
        .await?
        .ok_or(ApplyError::NotFound)?;
    let replaced = match kind {
        MentionKind::Email => known.email.clone(),
        MentionKind::Phone => known.phone.clone(),
        MentionKind::Name => Some(known.name.clone()),
    };
    match set(&mut tx, client_id, kind, &value).await {
        Ok(true) => {}
        Ok(false) => return Err(ApplyError::Taken(kind)),
        Err(e) if is_unique_violation(&e) => return Err(ApplyError::Taken(kind)),
        Err(e) => return Err(e.into()),
    }
    let now = now_ms();
    sqlx::query("UPDATE client_mentions SET applied_at = $1 WHERE id = $2")
        .bind(now)
        .bind(mention_id)
        .execute(&mut *tx)
        .await?;
    if let Some(old) = replaced.filter(|old| *old != value) {
        // Kept, as a mention an agent can apply back (an earlier one of the same value is
        // offered again).
        sqlx::query(
            "INSERT INTO client_mentions
               (id, tenant_id, client_id, kind, value, message_id, conversation_id, created_at,
                trusted)
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, 1)
             ON CONFLICT (client_id, kind, value) DO UPDATE SET applied_at = NULL, trusted = 1",
        )
        .bind(new_id("mn"))
        .bind(tenant_id)
        .bind(client_id)
        .bind(kind.as_str())
        .bind(&old)
        .bind(row.try_get::<Option<String>, _>("conversation_id")?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let client = announce(&mut tx, tenant_id, client_id).await?;
    tx.commit().await?;
    Ok(client)
}
