//! Assistants and their knowledge entries, as stored per tenant.
//!
//! A tenant that has a default assistant always keeps one (migration 0005's triggers): the
//! default is changed by [`set_default`] on another assistant, never unset or deleted.
//! An assistant deleted while conversations name it is retired instead (`deleted_at`): the
//! conversations keep its id and name, the settings no longer list it and it has no knowledge.
//! Every settings write here is one transaction with its audit entry (see [`crate::audit`]),
//! whose `settings_changed { area: assistants }` event tells other tabs and instances, and
//! drops the [`roster::Roster`] the reply pipeline keeps of the workspace's assistants.

pub mod import;
pub mod knowledge;
pub mod roster;

use shared::api::Channel;
use shared::assistant_settings::{AssistantDetail, AssistantSettings, AssistantSummary};
use shared::dashboard::{AssistantBrief, SettingsArea};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::ai::{Assistant, AssistantSeed, Knowledge};
use crate::audit::{self, Actor};
use crate::db::{new_id, now_ms, Backend, Db, WriteTx};

/// An assistant with everything the AI needs to answer for it.
#[derive(Debug, Clone)]
pub struct LoadedAssistant {
    pub assistant: Assistant,
    /// With its search index, built once here.
    pub knowledge: Knowledge,
}

/// Why an assistant could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum AssistantError {
    #[error("no such assistant")]
    NotFound,
    /// The tenant's default assistant: make another one the default first.
    #[error("the tenant's default assistant cannot be removed")]
    DefaultRequired,
    /// A conversation started with it while it was being deleted.
    #[error("the assistant has conversations")]
    InUse,
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for AssistantError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            // Raised by the store's triggers (migration 0005).
            sqlx::Error::Database(db) if db.message().contains("default_assistant_required") => {
                Self::DefaultRequired
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Self::InUse,
            _ => Self::Database(e),
        }
    }
}

/// Channels are stored as `web,sms`.
fn channels_to_text(channels: &[Channel]) -> String {
    channels
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn channels_from_text(text: &str) -> Vec<Channel> {
    text.split(',')
        .filter_map(|c| Channel::parse(c.trim()))
        .collect()
}

/// ` FOR UPDATE` on PostgreSQL, so the row read is the row changed (SQLite's `BEGIN IMMEDIATE`
/// already holds the only write lock).
pub(crate) fn for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE",
    }
}

const DETAIL_COLUMNS: &str =
    "id, name, instructions, greeting, model, channels, is_default, created_at, updated_at";

fn detail_from_row(row: &AnyRow) -> sqlx::Result<AssistantDetail> {
    Ok(AssistantDetail {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        instructions: row.try_get("instructions")?,
        greeting: row.try_get("greeting")?,
        model: row.try_get("model")?,
        channels: channels_from_text(&row.try_get::<String, _>("channels")?),
        is_default: row.try_get::<i64, _>("is_default")? == 1,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// What an admin edits, for the audit log's before/after.
fn settings_of(detail: &AssistantDetail) -> AssistantSettings {
    AssistantSettings {
        name: detail.name.clone(),
        instructions: detail.instructions.clone(),
        greeting: detail.greeting.clone(),
        model: detail.model.clone(),
        channels: detail.channels.clone(),
    }
}

/// The tenant's (not retired) assistant, read inside `tx` and locked for the change.
async fn locked(
    tx: &mut WriteTx,
    backend: Backend,
    tenant_id: &str,
    assistant_id: &str,
) -> Result<AssistantDetail, AssistantError> {
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} FROM assistants
          WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL{}",
        for_update(backend)
    );
    let row = sqlx::query(&sql)
        .bind(assistant_id)
        .bind(tenant_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref()
        .map(detail_from_row)
        .transpose()?
        .ok_or(AssistantError::NotFound)
}

/// The tenant's assistants for the settings list: the default first, then by name.
pub async fn summaries(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<AssistantSummary>> {
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.is_default, a.channels, a.model, a.updated_at,
                (SELECT COUNT(*) FROM knowledge_entries k WHERE k.assistant_id = a.id)
                    AS knowledge_count
           FROM assistants a
          WHERE a.tenant_id = $1 AND a.deleted_at IS NULL
          ORDER BY a.is_default DESC, a.name, a.id",
    )
    .bind(tenant_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AssistantSummary {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                is_default: row.try_get::<i64, _>("is_default")? == 1,
                channels: channels_from_text(&row.try_get::<String, _>("channels")?),
                knowledge_count: row.try_get("knowledge_count")?,
                model: row.try_get("model")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect()
}

/// One of the tenant's assistants, if it exists and was not deleted.
pub async fn detail(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
) -> sqlx::Result<Option<AssistantDetail>> {
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} FROM assistants
          WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL"
    );
    let row = sqlx::query(&sql)
        .bind(assistant_id)
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(detail_from_row).transpose()
}

/// Adds an assistant; it becomes the default when the tenant has none.
pub async fn insert(
    db: &Db,
    tenant_id: &str,
    settings: &AssistantSettings,
    actor: Actor<'_>,
) -> Result<AssistantDetail, AssistantError> {
    let id = new_id("as");
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let has_default: Option<String> =
        sqlx::query_scalar("SELECT id FROM assistants WHERE tenant_id = $1 AND is_default = 1")
            .bind(tenant_id)
            .fetch_optional(&mut *tx)
            .await?;
    let is_default = has_default.is_none();
    sqlx::query(
        "INSERT INTO assistants
             (id, tenant_id, name, instructions, greeting, model, channels, is_default,
              created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(&settings.name)
    .bind(&settings.instructions)
    .bind(&settings.greeting)
    .bind(settings.model.as_deref())
    .bind(channels_to_text(&settings.channels))
    .bind(i64::from(is_default))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Assistants,
        action: "assistant.created",
        target: &settings.name,
        before: None,
        after: audit::json(settings),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(AssistantDetail {
        id,
        name: settings.name.clone(),
        instructions: settings.instructions.clone(),
        greeting: settings.greeting.clone(),
        model: settings.model.clone(),
        channels: settings.channels.clone(),
        is_default,
        created_at: now,
        updated_at: now,
    })
}

/// Replaces what an admin edits; a save that changes nothing writes nothing.
pub async fn update(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
    settings: &AssistantSettings,
    actor: Actor<'_>,
) -> Result<AssistantDetail, AssistantError> {
    let mut tx = db.begin_write().await?;
    let current = locked(&mut tx, db.backend, tenant_id, assistant_id).await?;
    let before = settings_of(&current);
    if &before == settings {
        tx.rollback().await?;
        return Ok(current);
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE assistants
            SET name = $1, instructions = $2, greeting = $3, model = $4, channels = $5,
                updated_at = $6
          WHERE id = $7 AND tenant_id = $8",
    )
    .bind(&settings.name)
    .bind(&settings.instructions)
    .bind(&settings.greeting)
    .bind(settings.model.as_deref())
    .bind(channels_to_text(&settings.channels))
    .bind(now)
    .bind(assistant_id)
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Assistants,
        action: "assistant.updated",
        target: &settings.name,
        before: audit::json(&before),
        after: audit::json(settings),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(AssistantDetail {
        name: settings.name.clone(),
        instructions: settings.instructions.clone(),
        greeting: settings.greeting.clone(),
        model: settings.model.clone(),
        channels: settings.channels.clone(),
        updated_at: now,
        ..current
    })
}

/// Makes the assistant the tenant's default; the previous default stops being it in the same
/// statement (migration 0005's trigger), so the tenant is never without one.
pub async fn set_default(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
    actor: Actor<'_>,
) -> Result<AssistantDetail, AssistantError> {
    let mut tx = db.begin_write().await?;
    let target = locked(&mut tx, db.backend, tenant_id, assistant_id).await?;
    if target.is_default {
        tx.rollback().await?;
        return Ok(target);
    }
    let previous: Option<String> =
        sqlx::query_scalar("SELECT name FROM assistants WHERE tenant_id = $1 AND is_default = 1")
            .bind(tenant_id)
            .fetch_optional(&mut *tx)
            .await?;
    let now = now_ms();
    sqlx::query(
        "UPDATE assistants SET is_default = 1, updated_at = $1 WHERE id = $2 AND tenant_id = $3",
    )
    .bind(now)
    .bind(assistant_id)
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Assistants,
        action: "assistant.default_changed",
        target: &target.name,
        before: previous.map(|name| serde_json::json!({ "default": name })),
        after: Some(serde_json::json!({ "default": target.name })),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(AssistantDetail {
        is_default: true,
        updated_at: now,
        ..target
    })
}

/// Deletes an assistant and its knowledge; refuses the tenant's default. One that conversations
/// name is retired rather than removed, so they keep its id and name.
pub async fn delete(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
    actor: Actor<'_>,
) -> Result<(), AssistantError> {
    let mut tx = db.begin_write().await?;
    let target = locked(&mut tx, db.backend, tenant_id, assistant_id).await?;
    if target.is_default {
        return Err(AssistantError::DefaultRequired);
    }
    let named: Option<String> =
        sqlx::query_scalar("SELECT id FROM conversations WHERE assistant_id = $1 LIMIT 1")
            .bind(assistant_id)
            .fetch_optional(&mut *tx)
            .await?;
    if named.is_some() {
        sqlx::query("DELETE FROM knowledge_entries WHERE assistant_id = $1")
            .bind(assistant_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE assistants SET deleted_at = $1, updated_at = $1
              WHERE id = $2 AND tenant_id = $3 AND is_default = 0",
        )
        .bind(now_ms())
        .bind(assistant_id)
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    } else {
        // The trigger refuses the default too, should it have become one meanwhile.
        sqlx::query("DELETE FROM assistants WHERE id = $1 AND tenant_id = $2")
            .bind(assistant_id)
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
    }
    let change = audit::Change {
        area: SettingsArea::Assistants,
        action: "assistant.deleted",
        target: &target.name,
        before: audit::json(&settings_of(&target)),
        after: None,
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Stores an assistant and its knowledge entries in one transaction (seeding, tests).
pub async fn create(
    db: &Db,
    tenant_id: &str,
    seed: &AssistantSeed,
    is_default: bool,
) -> sqlx::Result<String> {
    let id = new_id("as");
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO assistants
             (id, tenant_id, name, instructions, greeting, model, is_default, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $7)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(seed.name)
    .bind(seed.instructions)
    .bind(seed.greeting)
    .bind(i64::from(is_default))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (position, (question, answer, keywords)) in seed.entries.iter().enumerate() {
        sqlx::query(
            "INSERT INTO knowledge_entries
                 (id, assistant_id, question, answer, keywords, position, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(new_id("kn"))
        .bind(&id)
        .bind(*question)
        .bind(*answer)
        .bind(*keywords)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The tenant's default assistant with its knowledge, if it has one.
pub async fn load_default(db: &Db, tenant_id: &str) -> sqlx::Result<Option<LoadedAssistant>> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM assistants
          WHERE tenant_id = $1 AND is_default = 1 AND deleted_at IS NULL",
    )
    .bind(tenant_id)
    .fetch_optional(&db.pool)
    .await?;
    match id {
        Some(id) => load(db, tenant_id, &id).await,
        None => Ok(None),
    }
}

/// One of the tenant's assistants with its knowledge, as a reply needs it.
pub async fn load(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
) -> sqlx::Result<Option<LoadedAssistant>> {
    let row = sqlx::query(
        "SELECT id, name, instructions, greeting, model FROM assistants
          WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
    )
    .bind(assistant_id)
    .bind(tenant_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let assistant = Assistant {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        instructions: row.try_get("instructions")?,
        greeting: row.try_get("greeting")?,
        model: row.try_get("model")?,
    };
    let knowledge = Knowledge::new(knowledge::entries(db, &assistant.id).await?);
    Ok(Some(LoadedAssistant {
        assistant,
        knowledge,
    }))
}

/// The tenant's assistants by name, as the dashboard's filter lists them: deleted ones too,
/// while conversations name them.
pub async fn briefs(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<AssistantBrief>> {
    sqlx::query("SELECT id, name FROM assistants WHERE tenant_id = $1 ORDER BY name")
        .bind(tenant_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AssistantBrief {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}
