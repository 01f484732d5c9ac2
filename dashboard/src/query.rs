//! The list's filters as a query string, and the date inputs as the Unix milliseconds the API
//! takes.

use shared::api::{Channel, ConversationStatus};
use shared::dashboard::ConversationQuery;

/// The filter controls as the page holds them: the raw values of the inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub q: String,
    pub channel: String,
    pub status: String,
    pub assistant: String,
    pub intent: String,
    /// `YYYY-MM-DD` or empty.
    pub from: String,
    pub to: String,
}

impl Filters {
    /// The API query. `midnight(y, m, d)` is the start of that day in Unix ms (the browser's
    /// time zone); it must accept `d` one past the month's end, meaning the next month's first.
    /// `to` is exclusive, so the end date counts whole: the query ends at the next midnight.
    pub fn to_query(&self, midnight: impl Fn(i32, u32, u32) -> Option<i64>) -> ConversationQuery {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        ConversationQuery {
            q: text(&self.q),
            channel: Channel::parse(&self.channel),
            status: ConversationStatus::parse(&self.status),
            assistant: text(&self.assistant),
            intent: text(&self.intent),
            from: parse_date(&self.from).and_then(|(y, m, d)| midnight(y, m, d)),
            to: parse_date(&self.to).and_then(|(y, m, d)| midnight(y, m, d + 1)),
            cursor: None,
            limit: None,
        }
    }
}

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
    let rows = if messages {
        "messages"
    } else {
        "conversations"
    };
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

    /// Midnight UTC, rolling day 32 etc. over like the browser's `Date` does.
    fn utc_midnight(y: i32, m: u32, d: u32) -> Option<i64> {
        let days_before_month = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let mut days = i64::from(d) - 1 + days_before_month[(m - 1) as usize];
        if leap && m > 2 {
            days += 1;
        }
        for year in 1970..y {
            days += if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                366
            } else {
                365
            };
        }
        Some(days * 86_400_000)
    }

    #[test]
    fn filters_become_a_query_with_a_whole_last_day() {
        let filters = Filters {
            q: "  refund ".into(),
            channel: "email".into(),
            status: "escalated".into(),
            assistant: String::new(),
            intent: "billing".into(),
            from: "2024-02-28".into(),
            to: "2024-02-29".into(),
        };
        let query = filters.to_query(utc_midnight);
        assert_eq!(query.q.as_deref(), Some("refund"));
        assert_eq!(query.channel, Some(Channel::Email));
        assert_eq!(query.status, Some(ConversationStatus::Escalated));
        assert_eq!(query.assistant, None);
        assert_eq!(query.intent.as_deref(), Some("billing"));
        // 2024-02-28T00:00Z and 2024-03-01T00:00Z: the 29th is included up to its end.
        assert_eq!(query.from, Some(1_709_078_400_000));
        assert_eq!(query.to, Some(1_709_251_200_000));
        assert_eq!(
            Filters::default().to_query(utc_midnight),
            ConversationQuery::default()
        );
    }

    #[test]
    fn date_inputs_parse() {
        assert_eq!(parse_date("2026-02-28"), Some((2026, 2, 28)));
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("2026-13-01"), None);
    }
}
