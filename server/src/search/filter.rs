//! A [`ConversationQuery`] checked and cleaned: the words to search, the filters, the cursor and
//! the page size. Parsing is pure (no database), so the export validates the same way as the list
//! before it starts streaming.

use shared::api::{Channel, ConversationStatus};
use shared::dashboard::ConversationQuery;

use super::SearchError;

/// Page size when the query names none.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page a caller may ask for.
pub const MAX_LIMIT: u32 = 100;
/// Words of `q` kept at most: a longer query narrows nothing but costs more.
const MAX_TERMS: usize = 8;
/// Characters of one word kept at most.
const MAX_TERM_CHARS: usize = 64;
/// Characters of the client name/email/phone substring kept at most.
const MAX_CLIENT_CHARS: usize = 200;

/// Where a page starts: strictly after the conversation with this (last activity, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub last_message_at: i64,
    pub id: String,
}

impl Cursor {
    /// The opaque `nextCursor` string.
    pub fn encode(&self) -> String {
        hex::encode(format!("{}:{}", self.last_message_at, self.id))
    }

    pub fn decode(s: &str) -> Option<Self> {
        let text = String::from_utf8(hex::decode(s).ok()?).ok()?;
        let (at, id) = text.split_once(':')?;
        let last_message_at = at.parse().ok()?;
        if id.is_empty() || id.len() > 100 || id.chars().any(char::is_control) {
            return None;
        }
        Some(Self {
            last_message_at,
            id: id.to_owned(),
        })
    }
}

/// The text search of `q`: words for the message index and a substring for the client fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSearch {
    /// Lower-case words made only of letters and digits (what both indexes tokenise).
    pub terms: Vec<String>,
    /// The words as SQLite's search documents hold them (accents removed too).
    pub folded: Vec<String>,
    /// The query as typed (trimmed, lower-cased), for the client's name, email and phone.
    pub client_substring: String,
    /// The word whose messages a lookup reads (an index into `terms` and `folded`): the
    /// longest, unless the list has measured a rarer one (see `search::rarest_word`).
    pub driver: usize,
}

impl TextSearch {
    /// `None` when nothing searchable is left after cleaning.
    pub fn parse(q: &str) -> Option<Self> {
        let terms: Vec<String> = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.chars()
                    .take(MAX_TERM_CHARS)
                    .collect::<String>()
                    .to_lowercase()
            })
            .take(MAX_TERMS)
            .collect();
        if terms.is_empty() {
            return None;
        }
        let client_substring = q.trim().chars().take(MAX_CLIENT_CHARS).collect::<String>();
        // Empty only for a query of combining marks alone, which no document holds.
        let folded: Vec<String> = super::document::words(q)
            .into_iter()
            .map(|t| t.chars().take(MAX_TERM_CHARS).collect())
            .take(MAX_TERMS)
            .collect();
        let driver = longest(&terms);
        Some(Self {
            terms,
            folded,
            driver,
            client_substring: client_substring.to_lowercase(),
        })
    }

    /// An FTS5 query: every word quoted (so nothing in it is syntax) and prefix-matched, all
    /// required.
    pub fn fts5_query(&self) -> String {
        self.terms
            .iter()
            .map(|t| Self::fts5_term(t))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// An FTS5 query for one word, quoted and prefix-matched.
    pub fn fts5_term(word: &str) -> String {
        format!("\"{}\"*", word.replace('"', "\"\""))
    }

    /// A `to_tsquery` text for one word, quoted and prefix-matched.
    pub fn tsquery_term(word: &str) -> String {
        format!("'{}':*", word.replace('\\', "\\\\").replace('\'', "''"))
    }

    /// The word the message index looks up.
    pub fn driver_term(&self) -> &str {
        pick(&self.terms, self.driver)
    }

    /// [`Self::driver_term`] as folded.
    pub fn driver_folded(&self) -> &str {
        pick(&self.folded, self.driver)
    }

    /// A PostgreSQL `to_tsquery` text: every word quoted as a lexeme, prefix-matched, all
    /// required.
    pub fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| Self::tsquery_term(t))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// A `LIKE` pattern (escape character `\`) matching the substring anywhere.
    pub fn like_pattern(&self) -> String {
        let mut pattern = String::from("%");
        for c in self.client_substring.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

/// The index of the longest word (the last of equals): likely the rarest.
fn longest(words: &[String]) -> usize {
    words
        .iter()
        .enumerate()
        .rev()
        .max_by_key(|(_, w)| w.chars().count())
        .map_or(0, |(i, _)| i)
}

/// Word `i`, or the last one when the lists differ in length (folding can merge words).
fn pick(words: &[String], i: usize) -> &str {
    words.get(i).or(words.last()).map_or("", String::as_str)
}

/// Which conversations: every part optional, all combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: Option<TextSearch>,
    pub channel: Option<Channel>,
    pub status: Option<ConversationStatus>,
    pub assistant_id: Option<String>,
    pub intent: Option<String>,
    /// Last activity at or after (Unix ms).
    pub from: Option<i64>,
    /// Last activity before (Unix ms).
    pub to: Option<i64>,
}

/// A checked list request: the filter, where the page starts, how many rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub filter: Filter,
    pub after: Option<Cursor>,
    pub limit: u32,
}

fn non_empty(value: Option<&String>) -> Option<String> {
    value
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Refuses a value holding NUL or another control character: PostgreSQL cannot even compare
/// text with NUL, so both backends answer the same 422 instead of one storing and one failing.
fn printable(field: &'static str, value: Option<&String>) -> Result<(), SearchError> {
    match value {
        Some(v) if v.chars().any(char::is_control) => Err(SearchError::Invalid(
            field,
            format!("`{field}` contains an invisible control character."),
        )),
        _ => Ok(()),
    }
}

impl Filter {
    pub fn parse(query: &ConversationQuery) -> Result<Self, SearchError> {
        printable("q", query.q.as_ref())?;
        printable("assistant", query.assistant.as_ref())?;
        printable("intent", query.intent.as_ref())?;
        if let (Some(from), Some(to)) = (query.from, query.to) {
            if from > to {
                return Err(SearchError::Invalid(
                    "from",
                    "`from` must not be after `to`.".to_owned(),
                ));
            }
        }
        Ok(Self {
            text: query.q.as_deref().and_then(TextSearch::parse),
            channel: query.channel,
            status: query.status,
            assistant_id: non_empty(query.assistant.as_ref()),
            intent: non_empty(query.intent.as_ref()),
            from: query.from,
            to: query.to,
        })
    }
}

impl PageRequest {
    pub fn parse(query: &ConversationQuery) -> Result<Self, SearchError> {
        let filter = Filter::parse(query)?;
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(SearchError::Invalid(
                "limit",
                format!("`limit` must be between 1 and {MAX_LIMIT}."),
            ));
        }
        let after = match query.cursor.as_deref() {
            None | Some("") => None,
            Some(s) => Some(Cursor::decode(s).ok_or_else(|| {
                SearchError::Invalid(
                    "cursor",
                    "`cursor` is not one this server gave out.".to_owned(),
                )
            })?),
        };
        Ok(Self {
            filter,
            after,
            limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_decodes_to_what_was_encoded() {
        let cursor = Cursor {
            last_message_at: 1_700_000_000_123,
            id: "cv_abc:def".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    }

    #[test]
    fn a_made_up_cursor_is_refused() {
        for bad in ["zz", "abc", &hex::encode("12"), &hex::encode("x:cv_1")] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn search_syntax_in_q_becomes_plain_quoted_words() {
        let text = TextSearch::parse(r#"  "refund" AND (card*) : & | ! o'brien NEAR/2 "#).unwrap();
        assert_eq!(
            text.terms,
            ["refund", "and", "card", "o", "brien", "near", "2"]
        );
        assert_eq!(
            text.fts5_query(),
            r#""refund"* "and"* "card"* "o"* "brien"* "near"* "2"*"#
        );
        assert!(text.tsquery().starts_with("'refund':* & 'and':*"));
    }

    #[test]
    fn a_query_of_only_punctuation_searches_nothing() {
        assert_eq!(TextSearch::parse(" \"*()&|!: "), None);
        assert_eq!(TextSearch::parse(""), None);
    }

    #[test]
    fn like_wildcards_in_q_are_escaped() {
        let text = TextSearch::parse("50%_off").unwrap();
        assert_eq!(text.like_pattern(), r"%50\%\_off%");
    }

    #[test]
    fn control_characters_in_q_and_filter_values_are_refused_naming_the_field() {
        let nul = Some("refund\0".to_owned());
        for (query, field) in [
            (
                ConversationQuery {
                    q: nul.clone(),
                    ..Default::default()
                },
                "q",
            ),
            (
                ConversationQuery {
                    assistant: nul.clone(),
                    ..Default::default()
                },
                "assistant",
            ),
            (
                ConversationQuery {
                    intent: nul,
                    ..Default::default()
                },
                "intent",
            ),
        ] {
            assert!(
                matches!(PageRequest::parse(&query), Err(SearchError::Invalid(f, _)) if f == field),
                "{field}"
            );
        }
        assert_eq!(Cursor::decode(&hex::encode("12:cv_\0")), None);
    }

    #[test]
    fn from_after_to_and_a_limit_out_of_range_are_refused() {
        let query = ConversationQuery {
            from: Some(10),
            to: Some(5),
            ..Default::default()
        };
        assert!(matches!(
            PageRequest::parse(&query),
            Err(SearchError::Invalid("from", _))
        ));
        for limit in [0, 101] {
            let query = ConversationQuery {
                limit: Some(limit),
                ..Default::default()
            };
            assert!(matches!(
                PageRequest::parse(&query),
                Err(SearchError::Invalid("limit", _))
            ));
        }
    }
}
