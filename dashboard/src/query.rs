//! The list's filters as a query string, and the date inputs as the Unix milliseconds the API
//! takes.

use shared::dashboard::ConversationQuery;

/// `ConversationQuery` as `application/x-www-form-urlencoded`, keys as serde names them
/// (camelCase), empty values left out. Goes through serde so the keys cannot drift from the
/// contract.
pub fn to_query_string(query: &ConversationQuery) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(query) else {
        return String::new();
    };
    let mut out = String::new();
    for (key, value) in fields {
        let value = match value {
            serde_json::Value::String(s) if s.trim().is_empty() => continue,
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode_component(&key));
        out.push('=');
        out.push_str(&encode_component(&value));
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// True when the query narrows the list (the cursor and page size do not).
pub fn is_filtered(query: &ConversationQuery) -> bool {
    let ConversationQuery {
        q,
        channel,
        status,
        assistant,
        intent,
        from,
        to,
        cursor: _,
        limit: _,
    } = query;
    q.as_deref().is_some_and(|q| !q.trim().is_empty())
        || channel.is_some()
        || status.is_some()
        || assistant.is_some()
        || intent.is_some()
        || from.is_some()
        || to.is_some()
}

/// The export link for the filters: one row per conversation, or per message.
pub fn export_href(query: &ConversationQuery, messages: bool) -> String {
    let query = ConversationQuery {
        cursor: None,
        limit: None,
        ..query.clone()
    };
    let mut params = to_query_string(&query);
    let rows = if messages { "messages" } else { "conversations" };
    if !params.is_empty() {
        params.push('&');
    }
    params.push_str("rows=");
    params.push_str(rows);
    format!("/api/dashboard/export.csv?{params}")
}

/// A date input's value, `YYYY-MM-DD`, as (year, month 1-12, day 1-31).
pub fn parse_date(value: &str) -> Option<(i32, u32, u32)> {
    let mut parts = value.trim().splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((year, month, day))
}

#[cfg(test)]
mod tests {
    use shared::api::{Channel, ConversationStatus};

    use super::*;

    #[test]
    fn an_empty_query_is_an_empty_string() {
        assert_eq!(to_query_string(&ConversationQuery::default()), "");
        let blank = ConversationQuery {
            q: Some("  ".into()),
            ..ConversationQuery::default()
        };
        assert_eq!(to_query_string(&blank), "");
        assert!(!is_filtered(&blank));
    }

    #[test]
    fn filters_use_the_wire_names_and_are_escaped() {
        let query = ConversationQuery {
            q: Some("jane doe&co".into()),
            channel: Some(Channel::Sms),
            status: Some(ConversationStatus::WaitingHuman),
            from: Some(1_700_000_000_000),
            cursor: Some("a/b=".into()),
            ..ConversationQuery::default()
        };
        let s = to_query_string(&query);
        for part in [
            "q=jane%20doe%26co",
            "channel=sms",
            "status=waiting_human",
            "from=1700000000000",
            "cursor=a%2Fb%3D",
        ] {
            assert!(s.split('&').any(|p| p == part), "{part} missing from {s}");
        }
        assert!(is_filtered(&query));
    }

    #[test]
    fn export_links_carry_the_filters_but_not_the_page() {
        let query = ConversationQuery {
            intent: Some("billing".into()),
            cursor: Some("next".into()),
            limit: Some(50),
            ..ConversationQuery::default()
        };
        assert_eq!(
            export_href(&query, false),
            "/api/dashboard/export.csv?intent=billing&rows=conversations"
        );
        assert_eq!(
            export_href(&ConversationQuery::default(), true),
            "/api/dashboard/export.csv?rows=messages"
        );
    }

    #[test]
    fn date_inputs_parse() {
        assert_eq!(parse_date("2026-02-28"), Some((2026, 2, 28)));
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("2026-13-01"), None);
    }
}
