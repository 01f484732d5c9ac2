//! Words for the screen: relative times, labels of statuses, channels and authors, what to call a
//! client.

use shared::api::{Author, Channel, ConversationStatus};
use shared::dashboard::{ClientBrief, ConversationSummary, MentionKind, TimelineMessage};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// "now", "5 min", "3 h", "2 d", "12 w": short enough for a list row.
pub fn relative_time(now_ms: i64, at_ms: i64) -> String {
    let ago = (now_ms - at_ms).max(0);
    match ago {
        a if a < MINUTE => "now".to_owned(),
        a if a < HOUR => format!("{} min", a / MINUTE),
        a if a < DAY => format!("{} h", a / HOUR),
        a if a < 7 * DAY => format!("{} d", a / DAY),
        a => format!("{} w", a / (7 * DAY)),
    }
}

pub fn status_label(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::Open => "Open",
        ConversationStatus::WaitingHuman => "Waiting for a human",
        ConversationStatus::Escalated => "Escalated",
        ConversationStatus::Resolved => "Resolved",
    }
}

pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "Web chat",
        Channel::Sms => "SMS",
        Channel::Email => "Email",
        Channel::Voice => "Voice",
    }
}

/// A short tag per channel for the list. Words, not emoji: an agent's machine may have no emoji
/// font, and then the icon is an empty box.
pub fn channel_tag(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "Web",
        Channel::Sms => "SMS",
        Channel::Email => "Email",
        Channel::Voice => "Voice",
    }
}

/// What to call someone who gave no name, phone or email.
pub const ANONYMOUS: &str = "Anonymous visitor";

/// What to call a client: the name, else the phone number (a client an SMS created has no
/// name), else the email; `None` when there is none of them.
pub fn client_label(client: &ClientBrief) -> Option<String> {
    [
        Some(client.name.as_str()),
        client.phone.as_deref(),
        client.email.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .find(|s| !s.is_empty())
    .map(str::to_owned)
}

/// The client's name (or phone, or email: [`client_label`]), or what to call someone who gave
/// none. An unverified claim shows the name the visitor gave, not the stored client's: who they
/// are is not proven.
pub fn client_name(conversation: &ConversationSummary) -> String {
    let given = conversation
        .visitor_name
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty());
    match (&conversation.client, given) {
        (Some(c), Some(given)) if !c.verified => given.to_owned(),
        (Some(c), _) => client_label(c).unwrap_or_else(|| ANONYMOUS.to_owned()),
        (None, _) => ANONYMOUS.to_owned(),
    }
}

/// The visitor only claimed the client's email: the link is not proven.
pub fn is_unverified_claim(conversation: &ConversationSummary) -> bool {
    conversation.client.as_ref().is_some_and(|c| !c.verified)
}

/// What kind of detail a mention is, in words.
pub fn mention_kind_label(kind: MentionKind) -> &'static str {
    match kind {
        MentionKind::Email => "Email",
        MentionKind::Phone => "Phone",
        MentionKind::Name => "Name",
    }
}

/// Who wrote a message, in words.
pub fn author_label(message: &TimelineMessage, visitor: &str) -> String {
    let named = |fallback: &str| {
        message
            .author_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| fallback.to_owned())
    };
    match message.author {
        Author::Visitor => visitor.to_owned(),
        Author::Assistant => named("Assistant"),
        Author::Agent => named("Agent"),
        Author::System => "System".to_owned(),
    }
}

/// The intents the assistant detects, for the filter.
pub const INTENTS: [&str; 5] = ["sales", "support", "billing", "technical", "general"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_short() {
        let now = 10 * DAY;
        assert_eq!(relative_time(now, now + 5_000), "now");
        assert_eq!(relative_time(now, now - 30_000), "now");
        assert_eq!(relative_time(now, now - 5 * MINUTE), "5 min");
        assert_eq!(relative_time(now, now - 3 * HOUR), "3 h");
        assert_eq!(relative_time(now, now - 2 * DAY), "2 d");
        assert_eq!(relative_time(now, now - 9 * DAY), "1 w");
    }

    #[test]
    fn an_unverified_claim_shows_the_name_the_visitor_gave() {
        let json = serde_json::json!({
            "id": "c", "channel": "web", "status": "open",
            "client": {"id": "cl", "name": "Jane Doe", "email": "jane@example.com",
                       "phone": null, "verified": false},
            "visitorName": "Mallory",
            "assistantId": null, "assistantName": null, "intent": null, "assigneeId": null,
            "assigneeName": null, "aiPaused": false, "flagged": false, "flagReason": null,
            "lastMessage": null, "lastMessageAuthor": null, "lastMessageAt": 0, "createdAt": 0,
            "messageCount": 0, "unread": false
        });
        let mut c: ConversationSummary = serde_json::from_value(json).unwrap();
        assert_eq!(client_name(&c), "Mallory");
        assert!(is_unverified_claim(&c));
        if let Some(client) = c.client.as_mut() {
            client.verified = true;
        }
        assert_eq!(client_name(&c), "Jane Doe");
        assert!(!is_unverified_claim(&c));
    }

    #[test]
    fn a_client_without_a_name_is_called_by_phone_then_email() {
        let mut client = ClientBrief {
            id: "cl".into(),
            name: "  ".into(),
            email: Some("sam@example.com".into()),
            phone: Some("+14155550100".into()),
            verified: true,
        };
        assert_eq!(client_label(&client).as_deref(), Some("+14155550100"));
        client.phone = None;
        assert_eq!(client_label(&client).as_deref(), Some("sam@example.com"));
        client.email = Some(String::new());
        assert_eq!(client_label(&client), None);
        client.name = " Sam ".into();
        assert_eq!(client_label(&client).as_deref(), Some("Sam"));

        // The list row of an SMS conversation: the number, not "Anonymous visitor".
        let json = serde_json::json!({
            "id": "c", "channel": "sms", "status": "open",
            "client": {"id": "cl", "name": "", "email": null,
                       "phone": "+14155550100", "verified": true},
            "assistantId": null, "assistantName": null, "intent": null, "assigneeId": null,
            "assigneeName": null, "aiPaused": false, "flagged": false, "flagReason": null,
            "lastMessage": null, "lastMessageAuthor": null, "lastMessageAt": 0, "createdAt": 0,
            "messageCount": 0, "unread": false
        });
        let mut c: ConversationSummary = serde_json::from_value(json).unwrap();
        assert_eq!(client_name(&c), "+14155550100");
        c.client = None;
        assert_eq!(client_name(&c), ANONYMOUS);
    }

    #[test]
    fn authors_are_named() {
        let mut m = TimelineMessage {
            id: "m".into(),
            conversation_id: "c".into(),
            author: Author::Agent,
            author_name: Some("Sam".into()),
            channel: Channel::Web,
            body: String::new(),
            created_at: 0,
            client_message_id: None,
            why: Vec::new(),
            delivery: None,
        };
        assert_eq!(author_label(&m, "Jane"), "Sam");
        m.author_name = None;
        assert_eq!(author_label(&m, "Jane"), "Agent");
        m.author = Author::Visitor;
        assert_eq!(author_label(&m, "Jane"), "Jane");
    }
}
