//! Assistants and their knowledge entries, as stored per tenant.

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
