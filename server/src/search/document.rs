//! One search document per conversation, kept in the transaction that adds each message.
//!
//! The conversation list pages newest activity first. For a common word, finding every message
//! that has it and then sorting their conversations costs the whole history (663 ms on SQLite,
//! 867 ms on PostgreSQL at a million messages); walking conversations newest first and checking
//! each one's document stops after a page. The document is the conversation's words:
//! - SQLite: `conversations.search_terms`, the distinct folded words (lower case, accents
//!   removed, split at anything that is not a letter or digit), each preceded by a space, so a
//!   word prefix is `instr(search_terms, ' ' || prefix) > 0`;
//! - PostgreSQL: `conversations.search_doc`, `to_tsvector('simple', body)` of every message
//!   (what the `messages_body_fts` index holds), positions stripped.
//!
//! NULL means "not built yet": rows from before the documents existed. [`backfill`] builds them
//! at start-up, before the server answers.

use std::collections::HashSet;

use sqlx::{AnyConnection, Row};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::db::{Backend, Db};

/// A document stops growing past this many bytes (SQLite) or lexemes (PostgreSQL, whose
/// `tsvector` cannot exceed 1 MB): words first seen after that are found through the message
/// index only. Distinct words, so only very long, varied threads come near it.
pub const MAX_TERMS_BYTES: i64 = 256 * 1024;
pub const MAX_LEXEMES: i64 = 50_000;

/// Text as the SQLite document and its queries see it: decomposed, combining marks dropped,
/// lower-cased, split into runs of letters and digits (what FTS5's `unicode61` tokenizer with
/// `remove_diacritics 2` does for Latin text).
pub fn words(text: &str) -> Vec<String> {
    if text.is_ascii() {
        // Nothing to decompose: the same words without the Unicode tables.
        return text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
    }
    folded_words(text)
}

/// [`words`] of any text, through decomposition.
fn folded_words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `terms` (a document, " a b c") with the words of `body` it lacks appended; `None` when it
/// has them all, or is full.
pub fn merged(terms: &str, body: &str) -> Option<String> {
    if terms.len() as i64 >= MAX_TERMS_BYTES {
        return None;
    }
    // The message's distinct words (a handful), each looked for as " word " with a vectorised
    // substring search: the document (often kilobytes) is scanned without being split into its
    // words. This runs on SQLite's single writer for every message.
    let body_words = words(body);
    let mut missing: Vec<&str> = Vec::with_capacity(body_words.len());
    let mut needle = String::new();
    for word in &body_words {
        if missing.contains(&word.as_str()) {
            continue;
        }
        needle.clear();
        needle.push(' ');
        needle.push_str(word);
        needle.push(' ');
        let known = memchr::memmem::find(terms.as_bytes(), needle.as_bytes()).is_some()
            || terms.ends_with(&needle[..needle.len() - 1]);
        if !known {
            missing.push(word);
        }
    }
    if missing.is_empty() {
        return None;
    }
    let extra: usize = missing.iter().map(|w| w.len() + 1).sum();
    let mut out = String::with_capacity(terms.len() + extra);
    out.push_str(terms);
    for word in missing {
        out.push(' ');
        out.push_str(word);
    }
    Some(out)
}

/// The assignment that grows the document in the `UPDATE` of a new message, whose `$5` is the
/// body and `$8` is, on SQLite, [`sqlite_words`] of it and, on PostgreSQL, [`MAX_LEXEMES`]. No
/// read first (on SQLite each statement is a hop to its connection's thread): the words the
/// document lacks are picked out in SQL. A NULL document (not built yet) stays NULL for the
/// backfill; a full one stops growing.
pub fn update_set(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => format!(
            "search_terms = CASE WHEN length(search_terms) < {MAX_TERMS_BYTES}
                THEN search_terms || COALESCE(
                    (SELECT group_concat(' ' || value, '') FROM json_each($8)
                      WHERE instr(conversations.search_terms || ' ', ' ' || value || ' ') = 0),
                    '')
                ELSE search_terms END"
        ),
        Backend::Postgres => "search_doc = CASE WHEN length(search_doc) < $8
                               THEN strip(search_doc || to_tsvector('simple', $5))
                               ELSE search_doc END"
            .to_owned(),
    }
}

/// [`update_set`] for a transaction on SQLite's writer thread, which reads the document first
/// (no hop there: the row is in its page cache) and merges in Rust ([`merged`]): `$8` is the
/// new document, or NULL to keep it (it has every word, is full, or is not built yet). Picking
/// out the new words in SQL copied the document once per word of the message.
pub const SQLITE_SET_MERGED: &str = "search_terms = COALESCE($8, search_terms)";

/// The distinct words of `body`, as a JSON array, for [`update_set`] on SQLite.
pub fn sqlite_words(body: &str) -> String {
    let mut seen = HashSet::new();
    let words: Vec<String> = words(body)
        .into_iter()
        .filter(|w| seen.insert(w.clone()))
        .collect();
    serde_json::to_string(&words).unwrap_or_else(|_| "[]".to_owned())
}

/// Builds the document of `conversation_id` from all its messages (after an import or a seed
/// that wrote rows directly).
pub async fn rebuild(db: &Db, conversation_id: &str) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    rebuild_on(&mut tx, db.backend, conversation_id).await?;
    tx.commit().await
}

async fn rebuild_on(
    conn: &mut AnyConnection,
    backend: Backend,
    conversation_id: &str,
) -> sqlx::Result<()> {
    match backend {
        Backend::Sqlite => {
            let bodies =
                sqlx::query("SELECT body FROM messages WHERE conversation_id = $1 ORDER BY seq")
                    .bind(conversation_id)
                    .fetch_all(&mut *conn)
                    .await?;
            let mut terms = String::new();
            for row in &bodies {
                let body: String = row.try_get(0)?;
                if let Some(more) = merged(&terms, &body) {
                    terms = more;
                }
            }
            sqlx::query("UPDATE conversations SET search_terms = $1 WHERE id = $2")
                .bind(terms)
                .bind(conversation_id)
                .execute(&mut *conn)
                .await?;
        }
        Backend::Postgres => {
            sqlx::query(&postgres_build())
                .bind(conversation_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// A PostgreSQL document from all of conversation `c`'s messages at once. The text is cut at
/// 500,000 characters, which keeps a `tsvector` under its 1 MB limit.
const POSTGRES_DOCUMENT: &str = "COALESCE(
        (SELECT strip(to_tsvector('simple', left(string_agg(m.body, ' ' ORDER BY m.seq), 500000)))
           FROM messages m WHERE m.conversation_id = c.id),
        ''::tsvector)";

fn postgres_build() -> String {
    format!("UPDATE conversations c SET search_doc = {POSTGRES_DOCUMENT} WHERE c.id = $1")
}

/// Builds every document not built yet; answers how many. Run at start-up.
pub async fn backfill(db: &Db) -> sqlx::Result<u64> {
    let mut built = 0;
    loop {
        let done = match db.backend {
            Backend::Sqlite => backfill_sqlite(db).await?,
            Backend::Postgres => backfill_postgres(db).await?,
        };
        if done == 0 {
            return Ok(built);
        }
        built += done;
    }
}

/// Up to 500 documents, folded here.
async fn backfill_sqlite(db: &Db) -> sqlx::Result<u64> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM conversations WHERE search_terms IS NULL LIMIT 500")
            .fetch_all(&db.pool)
            .await?;
    let mut tx = db.begin_write().await?;
    for id in &ids {
        rebuild_on(&mut tx, Backend::Sqlite, id).await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}

/// Up to 1,000 documents in one statement.
async fn backfill_postgres(db: &Db) -> sqlx::Result<u64> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(&format!(
        "WITH batch AS (SELECT id FROM conversations WHERE search_doc IS NULL LIMIT 1000)
         UPDATE conversations c SET search_doc = {POSTGRES_DOCUMENT}
           FROM batch WHERE c.id = batch.id"
    ))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_split_like_the_message_index() {
        let got = words("Café RÉSUMÉ, naïve-ish e-mail: ada@example.com 2×4");
        assert_eq!(
            got,
            ["cafe", "resume", "naive", "ish", "e", "mail", "ada", "example", "com", "2", "4"]
        );
    }

    #[test]
    fn a_document_keeps_each_word_once_with_a_space_before_it() {
        let doc = merged("", "Refund my order, please: the ORDER is late").unwrap();
        assert_eq!(doc, " refund my order please the is late");
        assert_eq!(merged(&doc, "late order"), None);
        assert_eq!(
            merged(&doc, "Late grinder").unwrap(),
            format!("{doc} grinder")
        );
        // Whole words only: a known word's prefix or suffix, or one word's end and the next
        // one's start, is not the word.
        assert_eq!(
            merged(&doc, "ord fund rmy").unwrap(),
            format!("{doc} ord fund rmy")
        );
        // The first and the last word of the document are found like the others.
        assert_eq!(merged(&doc, "refund, late!"), None);
    }

    #[test]
    fn ascii_text_gives_the_words_the_unicode_path_gives() {
        for text in [
            "Refund my ORDER #1234, please: it's late!",
            "email me at Nina.New@example.com or +1 (555) 010-2030",
            "  tabs\tand\nnew lines, under_scores & dashes-too ",
            "",
        ] {
            assert_eq!(words(text), folded_words(text), "{text:?}");
        }
    }

    #[test]
    fn the_words_of_a_message_are_listed_once() {
        assert_eq!(
            sqlite_words("The order, the ORDER: \"late\""),
            r#"["the","order","late"]"#
        );
    }

    #[test]
    fn a_full_document_stops_growing() {
        let full = " w".repeat(MAX_TERMS_BYTES as usize / 2);
        assert_eq!(merged(&full, "something new"), None);
    }
}
