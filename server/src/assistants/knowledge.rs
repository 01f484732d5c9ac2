//! An assistant's knowledge entries as the settings change them: list and search, add, edit,
//! delete, and import many at once. Each write is one transaction with its audit entry; the
//! next reply reads the entries afresh, so a change answers at once.

use shared::assistant_settings::{KnowledgeEntryView, KnowledgeFields};
use shared::dashboard::SettingsArea;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{for_update, AssistantError};
use crate::ai::{self, KnowledgeEntry};
use crate::audit::{self, Actor};
use crate::db::{new_id, now_ms, Backend, Db, WriteTx};

/// Rows per `INSERT` of an import: 7 parameters each stay far below SQLite's limit.
const IMPORT_BATCH: usize = 100;

/// The entries of an assistant in their order, as the responder reads them.
pub(crate) async fn entries(db: &Db, assistant_id: &str) -> sqlx::Result<Vec<KnowledgeEntry>> {
    sqlx::query(
        "SELECT id, question, answer, keywords FROM knowledge_entries
          WHERE assistant_id = $1 ORDER BY position, created_at, id",
    )
    .bind(assistant_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(KnowledgeEntry {
            id: r.try_get("id")?,
            question: r.try_get("question")?,
            answer: r.try_get("answer")?,
            keywords: r.try_get("keywords")?,
        })
    })
    .collect()
}

fn view_from_row(row: &AnyRow) -> sqlx::Result<KnowledgeEntryView> {
    Ok(KnowledgeEntryView {
        id: row.try_get("id")?,
        question: row.try_get("question")?,
        answer: row.try_get("answer")?,
        keywords: row.try_get("keywords")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The name of the tenant's (not deleted) assistant, or `NotFound`; locks it inside `tx` so
/// that it is not deleted under the change.
async fn assistant_name(
    tx: &mut WriteTx,
    backend: Backend,
    tenant_id: &str,
    assistant_id: &str,
) -> Result<String, AssistantError> {
    let sql = format!(
        "SELECT name FROM assistants
          WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL{}",
        for_update(backend)
    );
    sqlx::query_scalar(&sql)
        .bind(assistant_id)
        .bind(tenant_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(AssistantError::NotFound)
}

/// One entry of that assistant, inside `tx`.
async fn entry(
    tx: &mut WriteTx,
    assistant_id: &str,
    entry_id: &str,
) -> Result<KnowledgeEntryView, AssistantError> {
    let row = sqlx::query(
        "SELECT id, question, answer, keywords, updated_at FROM knowledge_entries
          WHERE id = $1 AND assistant_id = $2",
    )
    .bind(entry_id)
    .bind(assistant_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref()
        .map(view_from_row)
        .transpose()?
        .ok_or(AssistantError::NotFound)
}

fn fields_of(view: &KnowledgeEntryView) -> KnowledgeFields {
    KnowledgeFields {
        question: view.question.clone(),
        answer: view.answer.clone(),
        keywords: view.keywords.clone(),
    }
}

/// The assistant's entries; with a `query`, those whose question, answer or keywords contain it
/// (ignoring case) or that BM25 finds relevant to it, the most relevant first.
pub async fn list(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
    query: Option<&str>,
) -> Result<Vec<KnowledgeEntryView>, AssistantError> {
    let rows = sqlx::query(
        "SELECT k.id, k.question, k.answer, k.keywords, k.updated_at
           FROM knowledge_entries k
           JOIN assistants a ON a.id = k.assistant_id
          WHERE k.assistant_id = $1 AND a.tenant_id = $2 AND a.deleted_at IS NULL
          ORDER BY k.position, k.created_at, k.id",
    )
    .bind(assistant_id)
    .bind(tenant_id)
    .fetch_all(&db.pool)
    .await?;
    let views = rows
        .iter()
        .map(view_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    if views.is_empty() {
        // An assistant without entries, or none of the tenant's: tell them apart.
        let exists: Option<String> = sqlx::query_scalar(
            "SELECT id FROM assistants WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
        )
        .bind(assistant_id)
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await?;
        exists.ok_or(AssistantError::NotFound)?;
    }
    match query.map(str::trim).filter(|q| !q.is_empty()) {
        Some(query) => Ok(search(views, query)),
        None => Ok(views),
    }
}

/// BM25 hits first, best first; then the other entries that contain `query`, in their order.
fn search(views: Vec<KnowledgeEntryView>, query: &str) -> Vec<KnowledgeEntryView> {
    let entries: Vec<KnowledgeEntry> = views
        .iter()
        .map(|v| KnowledgeEntry {
            id: v.id.clone(),
            question: v.question.clone(),
            answer: v.answer.clone(),
            keywords: v.keywords.clone(),
        })
        .collect();
    let needle = query.to_lowercase();
    let contains = |v: &KnowledgeEntryView| {
        [&v.question, &v.answer, &v.keywords]
            .iter()
            .any(|text| text.to_lowercase().contains(&needle))
    };
    let mut order = ai::rank_knowledge(&entries, query);
    let substring_only: Vec<usize> = (0..views.len())
        .filter(|i| !order.contains(i) && contains(&views[*i]))
        .collect();
    order.extend(substring_only);
    let mut slots: Vec<Option<KnowledgeEntryView>> = views.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// Adds an entry after the assistant's last one.
pub async fn insert(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
    fields: &KnowledgeFields,
    actor: Actor<'_>,
) -> Result<KnowledgeEntryView, AssistantError> {
    let mut tx = db.begin_write().await?;
    let name = assistant_name(&mut tx, db.backend, tenant_id, assistant_id).await?;
    let id = new_id("kn");
    let now = now_ms();
    let position = next_position(&mut tx, assistant_id).await?;
    sqlx::query(
        "INSERT INTO knowledge_entries
             (id, assistant_id, question, answer, keywords, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(assistant_id)
    .bind(&fields.question)
    .bind(&fields.answer)
    .bind(&fields.keywords)
    .bind(position)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let target = format!("{name}: {}", fields.question);
    let change = audit::Change {
        area: SettingsArea::Assistants,
        action: "knowledge.created",
        target: &target,
        before: None,
        after: audit::json(fields),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(KnowledgeEntryView {
        id,
        question: fields.question.clone(),
        answer: fields.answer.clone(),
        keywords: fields.keywords.clone(),
        updated_at: now,
    })
}

async fn next_position(tx: &mut WriteTx, assistant_id: &str) -> sqlx::Result<i64> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(position) FROM knowledge_entries WHERE assistant_id = $1")
            .bind(assistant_id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(last.map_or(0, |p| p.saturating_add(1)))
}

/// Replaces an entry's question, answer and keywords; a save that changes nothing writes nothing.
pub async fn update(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
    entry_id: &str,
    fields: &KnowledgeFields,
    actor: Actor<'_>,
) -> Result<KnowledgeEntryView, AssistantError> {
    let mut tx = db.begin_write().await?;
    let name = assistant_name(&mut tx, db.backend, tenant_id, assistant_id).await?;
    let current = entry(&mut tx, assistant_id, entry_id).await?;
    let before = fields_of(&current);
    if &before == fields {
        tx.rollback().await?;
        return Ok(current);
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE knowledge_entries SET question = $1, answer = $2, keywords = $3, updated_at = $4
          WHERE id = $5 AND assistant_id = $6",
    )
    .bind(&fields.question)
    .bind(&fields.answer)
    .bind(&fields.keywords)
    .bind(now)
    .bind(entry_id)
    .bind(assistant_id)
    .execute(&mut *tx)
    .await?;
    let target = format!("{name}: {}", fields.question);
    let change = audit::Change {
        area: SettingsArea::Assistants,
        action: "knowledge.updated",
        target: &target,
        before: audit::json(&before),
        after: audit::json(fields),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(KnowledgeEntryView {
        id: current.id,
        question: fields.question.clone(),
        answer: fields.answer.clone(),
        keywords: fields.keywords.clone(),
        updated_at: now,
    })
}

pub async fn delete(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
    entry_id: &str,
    actor: Actor<'_>,
) -> Result<(), AssistantError> {
    let mut tx = db.begin_write().await?;
    let name = assistant_name(&mut tx, db.backend, tenant_id, assistant_id).await?;
    let current = entry(&mut tx, assistant_id, entry_id).await?;
    sqlx::query("DELETE FROM knowledge_entries WHERE id = $1 AND assistant_id = $2")
        .bind(entry_id)
        .bind(assistant_id)
        .execute(&mut *tx)
        .await?;
    let target = format!("{name}: {}", current.question);
    let change = audit::Change {
        area: SettingsArea::Assistants,
        action: "knowledge.deleted",
        target: &target,
        before: audit::json(&fields_of(&current)),
        after: None,
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds all `entries` after the assistant's last one, or none of them.
pub async fn import(
    db: &Db,
    tenant_id: &str,
    assistant_id: &str,
    entries: &[KnowledgeFields],
    actor: Actor<'_>,
) -> Result<usize, AssistantError> {
    let mut tx = db.begin_write().await?;
    let name = assistant_name(&mut tx, db.backend, tenant_id, assistant_id).await?;
    let first = next_position(&mut tx, assistant_id).await?;
    let now = now_ms();
    for (batch_index, batch) in entries.chunks(IMPORT_BATCH).enumerate() {
        let placeholders: Vec<String> = (0..batch.len())
            .map(|i| {
                let p = i * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6,
                    p + 7,
                    p + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO knowledge_entries
                 (id, assistant_id, question, answer, keywords, position, created_at, updated_at)
             VALUES {}",
            placeholders.join(", ")
        );
        let mut insert = sqlx::query(&sql);
        for (i, fields) in batch.iter().enumerate() {
            let offset = i64::try_from(batch_index * IMPORT_BATCH + i).unwrap_or(i64::MAX);
            insert = insert
                .bind(new_id("kn"))
                .bind(assistant_id)
                .bind(fields.question.clone())
                .bind(fields.answer.clone())
                .bind(fields.keywords.clone())
                .bind(first.saturating_add(offset))
                .bind(now);
        }
        insert.execute(&mut *tx).await?;
    }
    let change = audit::Change {
        area: SettingsArea::Assistants,
        action: "knowledge.imported",
        target: &name,
        before: None,
        after: Some(serde_json::json!({ "count": entries.len() })),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(entries.len())
}
