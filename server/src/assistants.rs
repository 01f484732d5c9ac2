//! Assistants and their knowledge entries, as stored per tenant.
//!
//! A tenant that has a default assistant always keeps one (migration 0005's triggers): the
//! default is changed by [`set_default`] on another assistant, never unset or deleted.

use shared::dashboard::AssistantBrief;
use sqlx::Row;

use crate::ai::{Assistant, AssistantSeed, KnowledgeEntry};
use crate::db::{new_id, now_ms, Db};

/// An assistant with everything the AI needs to answer for it.
#[derive(Debug, Clone)]
pub struct LoadedAssistant {
    pub assistant: Assistant,
    pub knowledge: Vec<KnowledgeEntry>,
}

/// Why an assistant could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum AssistantError {
    #[error("no such assistant")]
    NotFound,
    /// The tenant's default assistant: make another one the default first.
    #[error("the tenant's default assistant cannot be removed")]
    DefaultRequired,
    /// Conversations were answered by it.
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

/// Makes the assistant the tenant's default; the previous default stops being it in the same
/// statement, so the tenant is never without one.
pub async fn set_default(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
) -> Result<(), AssistantError> {
    let updated =
        sqlx::query("UPDATE assistants SET is_default = 1 WHERE id = $1 AND tenant_id = $2")
            .bind(assistant_id)
            .bind(tenant_id)
            .execute(&db.pool)
            .await?
            .rows_affected();
    if updated == 0 {
        return Err(AssistantError::NotFound);
    }
    Ok(())
}

/// Deletes an assistant and its knowledge; refuses the tenant's default and one that answered
/// conversations.
pub async fn delete(db: &Db, tenant_id: &str, assistant_id: &str) -> Result<(), AssistantError> {
    let deleted = sqlx::query("DELETE FROM assistants WHERE id = $1 AND tenant_id = $2")
        .bind(assistant_id)
        .bind(tenant_id)
        .execute(&db.pool)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(AssistantError::NotFound);
    }
    Ok(())
}

/// Stores an assistant and its knowledge entries in one transaction.
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
        "INSERT INTO assistants (id, tenant_id, name, instructions, greeting, model, is_default, created_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
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
            "INSERT INTO knowledge_entries (id, assistant_id, question, answer, keywords, position, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
    let row = sqlx::query(
        "SELECT id, name, instructions, greeting, model FROM assistants
         WHERE tenant_id = $1 AND is_default = 1",
    )
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
    let knowledge = sqlx::query(
        "SELECT id, question, answer, keywords FROM knowledge_entries
         WHERE assistant_id = $1 ORDER BY position",
    )
    .bind(&assistant.id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(KnowledgeEntry {
            id: r.try_get("id")?,
            question: r.try_get("question")?,
            answer: r.try_get("answer")?,
            keywords: r.try_get("keywords")?,
        })
    })
    .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(Some(LoadedAssistant {
        assistant,
        knowledge,
    }))
}

/// The tenant's assistants by name, as the dashboard's filter lists them.
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
