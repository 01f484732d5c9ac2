//! Merging two clients who are one person: an agent picks the client to keep, and the other's
//! conversations, web sessions and mentions move onto it, in one transaction with its audit
//! entry. Nothing is lost: a detail the kept client lacks is taken over, one that differs is kept
//! as a (trusted) mention an agent can apply, notes are joined, tags united, and the audit entry
//! holds both records as they were.
//!
//! Every table that points at a client is moved here: conversations, calls, web sessions and
//! mentions. A table that gains a `client_id` must be added here (the merge tests fail on the
//! foreign key otherwise).

use serde_json::json;
use shared::dashboard::{ClientBrief, ClientProfile, DashboardEvent, MentionKind};
use shared::Email;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::mentions;
use super::record::profile_from_row;
use crate::audit::{self, Actor, Change};
use crate::db::{new_id, now_ms, Db, WriteTx};
use shared::dashboard::SettingsArea;

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Either client is unknown to the workspace.
    #[error("no such client")]
    NotFound,
    #[error("a client cannot be merged into itself")]
    SameClient,
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// One client as it was before the merge.
#[derive(Debug, Clone)]
struct Full {
    id: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    profile: ClientProfile,
}

impl Full {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            phone: row.try_get("phone")?,
            profile: profile_from_row(row)?,
        })
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "company": self.profile.company,
            "notes": self.profile.notes,
            "tags": self.profile.tags,
        })
    }
}

/// What the kept client becomes, and the other's details that stay as mentions.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    profile: ClientProfile,
    mentions: Vec<(MentionKind, String)>,
}

/// The merge of `other` into `keep`, field by field; pure, so every rule is tested alone.
fn combine(keep: &Full, other: &Full) -> Outcome {
    let mut mentions = Vec::new();
    let name = if extends(&other.name, &keep.name) {
        other.name.clone()
    } else {
        if !other.name.trim().is_empty()
            && !other.name.eq_ignore_ascii_case(&keep.name)
            && !extends(&keep.name, &other.name)
        {
            mentions.push((MentionKind::Name, other.name.clone()));
        }
        keep.name.clone()
    };
    let same_email = |a: &str, b: &str| {
        Email::parse(a)
            .ok()
            .zip(Email::parse(b).ok())
            .is_some_and(|(a, b)| a.normalized() == b.normalized())
    };
    let email = match (&keep.email, &other.email) {
        (None, theirs) => theirs.clone(),
        (Some(ours), Some(theirs)) if !same_email(ours, theirs) => {
            mentions.push((MentionKind::Email, theirs.clone()));
            Some(ours.clone())
        }
        (ours, _) => ours.clone(),
    };
    let phone = match (&keep.phone, &other.phone) {
        (None, theirs) => theirs.clone(),
        (Some(ours), Some(theirs)) if ours != theirs => {
            mentions.push((MentionKind::Phone, theirs.clone()));
            Some(ours.clone())
        }
        (ours, _) => ours.clone(),
    };
    let (ours, theirs) = (&keep.profile, &other.profile);
    let company = if ours.company.is_empty() {
        theirs.company.clone()
    } else {
        ours.company.clone()
    };
    let mut notes = ours.notes.clone();
    let mut add_note = |text: &str| {
        if text.is_empty() || notes.contains(text) {
            return;
        }
        if !notes.is_empty() {
            notes.push_str("\n\n");
        }
        notes.push_str(text);
    };
    if !theirs.company.is_empty() && !theirs.company.eq_ignore_ascii_case(&company) {
        add_note(&format!("Company (merged record): {}", theirs.company));
    }
    add_note(&theirs.notes);
    let mut tags = ours.tags.clone();
    for tag in &theirs.tags {
        if !tags.contains(tag) && tags.len() < ClientProfile::MAX_TAGS {
            tags.push(tag.clone());
        }
    }
    Outcome {
        name,
        email,
        phone,
        profile: ClientProfile {
            company,
            notes,
            tags,
        },
        mentions,
    }
}

/// Whether `longer` extends `shorter` word by word ("Jane Doe" extends "Jane"; anything
/// extends an empty name).
fn extends(longer: &str, shorter: &str) -> bool {
    let long: Vec<String> = longer.split_whitespace().map(str::to_lowercase).collect();
    let short: Vec<String> = shorter.split_whitespace().map(str::to_lowercase).collect();
    long.len() > short.len() && long.starts_with(&short)
}

/// Moves `other_id` into `keep_id` (both of `tenant_id`), records it in the audit log and tells
/// open dashboards. Answers the kept client as it now is.
pub async fn merge(
    db: &Db,
    tenant_id: &str,
    keep_id: &str,
    other_id: &str,
    actor: Actor<'_>,
) -> Result<ClientBrief, MergeError> {
    if keep_id == other_id {
        return Err(MergeError::SameClient);
    }
    let mut tx = db.begin_write().await?;
    let keep = read(&mut tx, tenant_id, keep_id).await?;
    let other = read(&mut tx, tenant_id, other_id).await?;
    let outcome = combine(&keep, &other);
    let now = now_ms();

    sqlx::query("UPDATE conversations SET client_id = $1 WHERE client_id = $2 AND tenant_id = $3")
        .bind(keep_id)
        .bind(other_id)
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE calls SET client_id = $1 WHERE client_id = $2 AND tenant_id = $3")
        .bind(keep_id)
        .bind(other_id)
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE visitor_sessions SET client_id = $1 WHERE client_id = $2")
        .bind(keep_id)
        .bind(other_id)
        .execute(&mut *tx)
        .await?;
    // Mentions: the other's move over, but one the kept client already has stays once.
    sqlx::query(
        "DELETE FROM client_mentions WHERE client_id = $1 AND EXISTS (
           SELECT 1 FROM client_mentions k
            WHERE k.client_id = $2 AND k.kind = client_mentions.kind
              AND k.value = client_mentions.value)",
    )
    .bind(other_id)
    .bind(keep_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE client_mentions SET client_id = $1 WHERE client_id = $2")
        .bind(keep_id)
        .bind(other_id)
        .execute(&mut *tx)
        .await?;
    // The other goes before the kept client takes its email and phone (unique per workspace).
    sqlx::query("DELETE FROM clients WHERE id = $1")
        .bind(other_id)
        .execute(&mut *tx)
        .await?;
    let email = outcome.email.as_deref().and_then(|e| Email::parse(e).ok());
    let tags =
        serde_json::to_string(&outcome.profile.tags).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "UPDATE clients SET name = $1, email = $2, email_normalized = $3, phone = $4,
                company = $5, notes = $6, tags = $7, updated_at = $8
          WHERE id = $9",
    )
    .bind(&outcome.name)
    .bind(email.as_ref().map(Email::as_str))
    .bind(email.as_ref().map(Email::normalized))
    .bind(outcome.phone.as_deref())
    .bind((!outcome.profile.company.is_empty()).then_some(outcome.profile.company.as_str()))
    .bind(&outcome.profile.notes)
    .bind(tags)
    .bind(now)
    .bind(keep_id)
    .execute(&mut *tx)
    .await?;
    for (kind, value) in &outcome.mentions {
        sqlx::query(
            "INSERT INTO client_mentions
               (id, tenant_id, client_id, kind, value, created_at, trusted)
             VALUES ($1, $2, $3, $4, $5, $6, 1)
             ON CONFLICT (client_id, kind, value) DO UPDATE SET applied_at = NULL, trusted = 1",
        )
        .bind(new_id("mn"))
        .bind(tenant_id)
        .bind(keep_id)
        .bind(kind.as_str())
        .bind(value)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    // A pending mention of what the client now has is no longer news.
    sqlx::query(
        "DELETE FROM client_mentions
          WHERE client_id = $1 AND applied_at IS NULL
            AND ((kind = 'phone' AND value = $2) OR (kind = 'name' AND value = $3)
              OR (kind = 'email' AND LOWER(value) = $4))",
    )
    .bind(keep_id)
    .bind(outcome.phone.as_deref())
    .bind(&outcome.name)
    .bind(email.as_ref().map(Email::normalized))
    .execute(&mut *tx)
    .await?;

    let client = mentions::brief(&mut tx, tenant_id, keep_id).await?;
    let pending = mentions::pending_on(&mut tx, tenant_id, keep_id).await?;
    let event = DashboardEvent::ClientsMerged {
        merged: other_id.to_owned(),
        into: client.clone(),
        mentions: pending,
    };
    let seq = tx.record_event(tenant_id, None, &event).await?;
    let after = Full {
        id: keep.id.clone(),
        name: outcome.name.clone(),
        email: outcome.email.clone(),
        phone: outcome.phone.clone(),
        profile: outcome.profile.clone(),
    };
    let target = format!("{} ← {}", label(&keep), label(&other));
    audit::record_entry(
        &mut tx,
        tenant_id,
        seq,
        actor,
        Change {
            area: SettingsArea::Clients,
            action: "client.merged",
            target: &target,
            before: Some(json!({ "kept": keep.json(), "merged": other.json() })),
            after: Some(after.json()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(client)
}

/// How the audit log names a client: name and the first contact detail known.
fn label(client: &Full) -> String {
    match client.email.as_deref().or(client.phone.as_deref()) {
        Some(contact) => format!("{} <{contact}>", client.name),
        None => client.name.clone(),
    }
}

async fn read(tx: &mut WriteTx, tenant_id: &str, client_id: &str) -> Result<Full, MergeError> {
    let row = sqlx::query(
        "SELECT id, name, email, phone, company, notes, tags FROM clients
          WHERE id = $1 AND tenant_id = $2",
    )
    .bind(client_id)
    .bind(tenant_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(MergeError::NotFound)?;
    Ok(Full::from_row(&row)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(name: &str, email: Option<&str>, phone: Option<&str>) -> Full {
        Full {
            id: "cl".into(),
            name: name.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
            profile: ClientProfile::default(),
        }
    }

    #[test]
    fn gaps_are_filled_from_the_other_and_nothing_is_a_mention() {
        let keep = client("Jane", Some("jane@example.com"), None);
        let other = client("Jane Doe", None, Some("+14155550100"));
        let out = combine(&keep, &other);
        assert_eq!(out.name, "Jane Doe");
        assert_eq!(out.email.as_deref(), Some("jane@example.com"));
        assert_eq!(out.phone.as_deref(), Some("+14155550100"));
        assert!(out.mentions.is_empty());
    }

    #[test]
    fn differing_details_stay_as_mentions_and_the_kept_ones_win() {
        let keep = client("Jane Doe", Some("jane@example.com"), Some("+14155550100"));
        let other = client(
            "J. Smith",
            Some("jsmith@work.example"),
            Some("+447700900123"),
        );
        let out = combine(&keep, &other);
        assert_eq!(out.name, "Jane Doe");
        assert_eq!(out.email.as_deref(), Some("jane@example.com"));
        assert_eq!(out.phone.as_deref(), Some("+14155550100"));
        assert_eq!(
            out.mentions,
            vec![
                (MentionKind::Name, "J. Smith".into()),
                (MentionKind::Email, "jsmith@work.example".into()),
                (MentionKind::Phone, "+447700900123".into()),
            ]
        );
    }

    #[test]
    fn the_same_details_written_differently_are_not_mentions() {
        let keep = client("Jane Doe", Some("Jane@Example.com"), Some("+14155550100"));
        let other = client("jane", Some("jane@example.com"), Some("+14155550100"));
        let out = combine(&keep, &other);
        assert_eq!(out.name, "Jane Doe");
        assert!(out.mentions.is_empty(), "{:?}", out.mentions);
    }

    #[test]
    fn notes_are_joined_tags_united_and_a_second_company_kept_in_the_notes() {
        let mut keep = client("Jane", None, None);
        keep.profile = ClientProfile {
            company: "Acme".into(),
            notes: "Prefers email.".into(),
            tags: vec!["vip".into()],
        };
        let mut other = client("Jane", None, None);
        other.profile = ClientProfile {
            company: "Globex".into(),
            notes: "Called about a refund.".into(),
            tags: vec!["vip".into(), "wholesale".into()],
        };
        let out = combine(&keep, &other);
        assert_eq!(out.profile.company, "Acme");
        assert_eq!(
            out.profile.notes,
            "Prefers email.\n\nCompany (merged record): Globex\n\nCalled about a refund."
        );
        assert_eq!(out.profile.tags, vec!["vip", "wholesale"]);
        // A company only the other had is taken over.
        keep.profile.company.clear();
        assert_eq!(combine(&keep, &other).profile.company, "Globex");
    }
}
