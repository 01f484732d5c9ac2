//! Which words are rare, from PostgreSQL's own statistics, so a search for one goes straight to
//! the indexes instead of first walking the newest conversations (about 20 ms at a million
//! messages, to find nothing).
//!
//! `ANALYZE` keeps, for the `tsvector` column `conversations.search_doc`, its most common
//! lexemes (about a thousand) and the share of conversations holding each. A word that no
//! common lexeme starts with is in fewer conversations than the least common of them (about
//! one in 75 at a million messages), so a page of it is not among the newest few thousand.
//! The statistics cover every workspace of the database: a wrong guess costs time, never a
//! result, since both ways find the same conversations.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Row;

use crate::db::{Backend, Db};

/// How long statistics are used before they are read again (autovacuum refreshes them as the
/// table grows).
const REFRESH: Duration = Duration::from_secs(300);

/// The common lexemes of the conversations' search documents, sorted.
#[derive(Debug, Default)]
pub struct WordStats {
    common: Vec<String>,
}

impl WordStats {
    pub fn new(mut common: Vec<String>) -> Self {
        common.sort_unstable();
        Self { common }
    }

    /// Whether no common lexeme starts with `prefix` (a search term matches every word it
    /// begins): the first one not sorted before it does not.
    pub fn is_rare(&self, prefix: &str) -> bool {
        let first = self
            .common
            .partition_point(|lexeme| lexeme.as_str() < prefix);
        self.common
            .get(first)
            .is_none_or(|lexeme| !lexeme.starts_with(prefix))
    }
}

/// The statistics of one database, read at most every [`REFRESH`].
#[derive(Debug, Default)]
pub struct Rarity {
    cached: Mutex<Option<(Instant, Option<Arc<WordStats>>)>>,
}

impl Rarity {
    /// The statistics, or `None` on SQLite and before PostgreSQL has analysed the table.
    pub async fn stats(&self, db: &Db) -> sqlx::Result<Option<Arc<WordStats>>> {
        if db.backend != Backend::Postgres {
            return Ok(None);
        }
        if let Some((at, stats)) = &*self.lock() {
            if at.elapsed() < REFRESH {
                return Ok(stats.clone());
            }
        }
        let stats = read(db).await?.map(Arc::new);
        *self.lock() = Some((Instant::now(), stats.clone()));
        Ok(stats)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Option<Arc<WordStats>>)>> {
        self.cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn read(db: &Db) -> sqlx::Result<Option<WordStats>> {
    let rows = sqlx::query(
        "SELECT unnest(CAST(CAST(most_common_elems AS TEXT) AS TEXT[])) AS lexeme FROM pg_stats
          WHERE schemaname = current_schema() AND tablename = 'conversations'
            AND attname = 'search_doc'",
    )
    .fetch_all(&db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let common = rows
        .iter()
        .map(|row| row.try_get("lexeme"))
        .collect::<sqlx::Result<_>>()?;
    Ok(Some(WordStats::new(common)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_rare_when_no_common_lexeme_starts_with_it() {
        let stats = WordStats::new(vec!["refund".to_owned(), "order".to_owned()]);
        assert!(!stats.is_rare("order"));
        assert!(!stats.is_rare("ord"), "a prefix of a common word is common");
        assert!(stats.is_rare("orders"));
        assert!(stats.is_rare("grinder"));
        assert!(stats.is_rare("zz"), "past the last common word");
        assert!(!stats.is_rare(""));
    }
}
