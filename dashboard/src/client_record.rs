//! The client page's rules as plain Rust: what a socket frame asks of the page, the timeline cut
//! into runs of one conversation, the tags input, and the words of a merge. The page itself is
//! `pages/client.rs`.

use shared::api::Channel;
use shared::dashboard::{
    ClientBrief, ClientRecord, DashboardEvent, MentionKind, MentionView, SocketFrame,
    TimelineMessage,
};

use crate::format::{client_label, ANONYMOUS};

/// What a frame of the dashboard socket asks of the page showing one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    Nothing,
    /// Something on the page changed: read the record again.
    Reload,
    /// The client was merged into this one and is gone: show it instead.
    MovedTo(String),
}

/// What `frame` asks of the page of client `client_id`. The page listens from "now", so every
/// (re)connection's `caught_up` and a `reset` reload it: whatever happened while it was not
/// listening is then on screen.
pub fn follow(client_id: &str, frame: &SocketFrame) -> Follow {
    let event = match frame {
        SocketFrame::Event { envelope } => &envelope.event,
        SocketFrame::CaughtUp { .. } | SocketFrame::Reset { .. } => return Follow::Reload,
        SocketFrame::Typing { .. } => return Follow::Nothing,
    };
    let ours = |c: &ClientBrief| c.id == client_id;
    match event {
        DashboardEvent::ClientsMerged { merged, into, .. } if merged == client_id => {
            Follow::MovedTo(into.id.clone())
        }
        DashboardEvent::ClientsMerged { into: client, .. }
        | DashboardEvent::ClientChanged { client, .. }
            if ours(client) =>
        {
            Follow::Reload
        }
        DashboardEvent::ConversationCreated { conversation }
        | DashboardEvent::ConversationUpdated { conversation }
        | DashboardEvent::MessageCreated { conversation, .. }
            if conversation.client.as_ref().is_some_and(ours) =>
        {
            Follow::Reload
        }
        _ => Follow::Nothing,
    }
}

/// Puts a delivery report `frame` carries on the message of `record`'s timeline it is about;
/// `true` when it changed one.
pub fn apply_delivery(record: &mut ClientRecord, frame: &SocketFrame) -> bool {
    let SocketFrame::Event { envelope } = frame else {
        return false;
    };
    let DashboardEvent::MessageDelivery {
        message_id,
        delivery,
        ..
    } = &envelope.event
    else {
        return false;
    };
    match record.timeline.iter_mut().find(|m| &m.id == message_id) {
        Some(message) => {
            message.delivery = Some(delivery.clone());
            true
        }
        None => false,
    }
}

/// A run of the timeline's messages from one conversation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimelineRun<'a> {
    pub conversation_id: &'a str,
    pub channel: Channel,
    pub messages: &'a [TimelineMessage],
}

/// The timeline (oldest first) cut where the conversation changes, so each run is shown as one
/// block under its conversation and channel. A conversation the customer came back to later
/// appears again as a later run: the order stays the order things were said.
pub fn runs(timeline: &[TimelineMessage]) -> Vec<TimelineRun<'_>> {
    timeline
        .chunk_by(|a, b| a.conversation_id == b.conversation_id)
        .map(|messages| TimelineRun {
            conversation_id: &messages[0].conversation_id,
            channel: messages[0].channel,
            messages,
        })
        .collect()
}

/// The tags as the input shows them: comma-separated.
pub fn tags_to_input(tags: &[String]) -> String {
    tags.join(", ")
}

/// The tags input split at commas; `ClientProfile::parse` trims, lower-cases and drops empty
/// ones and repeats.
pub fn tags_from_input(input: &str) -> Vec<String> {
    input.split(',').map(str::to_owned).collect()
}

/// What to call a client on its page and in merge sentences.
pub fn display_name(client: &ClientBrief) -> String {
    client_label(client).unwrap_or_else(|| ANONYMOUS.to_owned())
}

/// What merging `other` into `this` does, said before the agent confirms it.
pub fn merge_warning(other: &ClientBrief, this: &ClientBrief) -> String {
    let (other, this) = (display_name(other), display_name(this));
    format!(
        "Merge {other} into {this}? Every conversation of {other} moves to {this}; contact \
         details {this} lacks are taken over and differing ones wait here as verified \
         mentions; notes are joined and tags combined. {other} is then deleted: this cannot be \
         undone."
    )
}

/// "verified" for a detail the customer wrote in a verified conversation (or one kept from a
/// merge), "unverified" for anyone's claim.
pub fn mention_marker(mention: &MentionView) -> &'static str {
    if mention.trusted {
        "verified"
    } else {
        "unverified"
    }
}

/// The listed possible duplicate that already has the mentioned email or phone: applying the
/// mention is refused (409) while it does, and merging it is the way.
pub fn duplicate_holding<'a>(
    record: &'a ClientRecord,
    mention: &MentionView,
) -> Option<&'a ClientBrief> {
    let value = mention.value.trim();
    record.duplicates.iter().find(|d| match mention.kind {
        MentionKind::Email => d
            .email
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(value)),
        MentionKind::Phone => d.phone.as_deref() == Some(value),
        MentionKind::Name => false,
    })
}

#[cfg(test)]
mod tests {
    use shared::api::Author;
    use shared::dashboard::{ClientProfile, ConversationSummary, EventEnvelope, SettingsArea};

    use super::*;

    fn client(id: &str) -> ClientBrief {
        ClientBrief {
            id: id.into(),
            name: String::new(),
            email: None,
            phone: None,
            verified: true,
        }
    }

    fn summary(id: &str, client_id: Option<&str>) -> ConversationSummary {
        let json = serde_json::json!({
            "id": id, "channel": "web", "status": "open", "client": null,
            "assistantId": null, "assistantName": null, "intent": null,
            "assigneeId": null, "assigneeName": null, "aiPaused": false,
            "flagged": false, "flagReason": null, "lastMessage": null,
            "lastMessageAuthor": null, "lastMessageAt": 0, "createdAt": 0,
            "messageCount": 0, "unread": false
        });
        let mut c: ConversationSummary = serde_json::from_value(json).unwrap();
        c.client = client_id.map(client);
        c
    }

    fn message(id: &str, conversation: &str, channel: Channel) -> TimelineMessage {
        TimelineMessage {
            id: id.into(),
            conversation_id: conversation.into(),
            author: Author::Visitor,
            author_name: None,
            channel,
            body: String::new(),
            created_at: 0,
            client_message_id: None,
            why: Vec::new(),
            delivery: None,
        }
    }

    fn event(event: DashboardEvent) -> SocketFrame {
        SocketFrame::Event {
            envelope: EventEnvelope {
                seq: 1,
                at: 0,
                event,
            },
        }
    }

    #[test]
    fn a_merge_away_moves_the_page_and_a_merge_in_reloads_it() {
        let merged = |merged: &str, into: &str| {
            event(DashboardEvent::ClientsMerged {
                merged: merged.into(),
                into: client(into),
                mentions: Vec::new(),
            })
        };
        assert_eq!(
            follow("cl_a", &merged("cl_a", "cl_b")),
            Follow::MovedTo("cl_b".into())
        );
        assert_eq!(follow("cl_b", &merged("cl_a", "cl_b")), Follow::Reload);
        assert_eq!(follow("cl_c", &merged("cl_a", "cl_b")), Follow::Nothing);
    }

    #[test]
    fn changes_to_this_client_or_its_conversations_reload_the_page() {
        let changed = event(DashboardEvent::ClientChanged {
            client: client("cl_a"),
            mentions: Vec::new(),
        });
        assert_eq!(follow("cl_a", &changed), Follow::Reload);
        assert_eq!(follow("cl_b", &changed), Follow::Nothing);

        let ours = event(DashboardEvent::MessageCreated {
            conversation_id: "cv".into(),
            message: message("m", "cv", Channel::Web),
            conversation: summary("cv", Some("cl_a")),
        });
        assert_eq!(follow("cl_a", &ours), Follow::Reload);
        assert_eq!(follow("cl_b", &ours), Follow::Nothing);
        let anonymous = event(DashboardEvent::ConversationCreated {
            conversation: summary("cv", None),
        });
        assert_eq!(follow("cl_a", &anonymous), Follow::Nothing);
        let settings = event(DashboardEvent::SettingsChanged {
            area: SettingsArea::Channels,
        });
        assert_eq!(follow("cl_a", &settings), Follow::Nothing);
    }

    #[test]
    fn every_connection_catches_up_by_reloading() {
        assert_eq!(
            follow("cl_a", &SocketFrame::CaughtUp { seq: 3 }),
            Follow::Reload
        );
        assert_eq!(
            follow("cl_a", &SocketFrame::Reset { seq: 3 }),
            Follow::Reload
        );
    }

    #[test]
    fn the_timeline_is_cut_where_the_conversation_changes() {
        let timeline = [
            message("1", "web", Channel::Web),
            message("2", "web", Channel::Web),
            message("3", "sms", Channel::Sms),
            message("4", "web", Channel::Web),
        ];
        let runs = runs(&timeline);
        let shape: Vec<(&str, Channel, usize)> = runs
            .iter()
            .map(|r| (r.conversation_id, r.channel, r.messages.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("web", Channel::Web, 2),
                ("sms", Channel::Sms, 1),
                ("web", Channel::Web, 1)
            ]
        );
        assert_eq!(runs[1].messages[0].id, "3");
        assert!(super::runs(&[]).is_empty());
    }

    #[test]
    fn tags_go_through_the_input_and_the_shared_parser() {
        let typed = tags_from_input(" VIP, wholesale ,, vip ");
        let profile = ClientProfile {
            tags: typed,
            ..ClientProfile::default()
        }
        .parse()
        .unwrap();
        assert_eq!(profile.tags, ["vip", "wholesale"]);
        assert_eq!(tags_to_input(&profile.tags), "vip, wholesale");
        assert_eq!(tags_from_input(&tags_to_input(&profile.tags)).len(), 2);
    }

    #[test]
    fn a_merge_says_who_goes_where_before_it_happens() {
        let other = ClientBrief {
            phone: Some("+14155550100".into()),
            ..client("cl_b")
        };
        let this = ClientBrief {
            name: "Jane Doe".into(),
            ..client("cl_a")
        };
        let warning = merge_warning(&other, &this);
        assert!(warning.starts_with("Merge +14155550100 into Jane Doe?"));
        assert!(warning.contains("+14155550100 is then deleted"));
        assert_eq!(display_name(&client("x")), ANONYMOUS);
    }

    #[test]
    fn a_taken_detail_points_at_the_duplicate_holding_it() {
        let mention = |kind, value: &str, trusted| MentionView {
            id: "mn".into(),
            kind,
            value: value.into(),
            conversation_id: None,
            created_at: 0,
            trusted,
        };
        let record = ClientRecord {
            client: client("cl_a"),
            profile: ClientProfile::default(),
            created_at: 0,
            updated_at: 0,
            mentions: Vec::new(),
            duplicates: vec![
                ClientBrief {
                    email: Some("Bo@Example.com".into()),
                    ..client("cl_b")
                },
                ClientBrief {
                    phone: Some("+14155550123".into()),
                    ..client("cl_c")
                },
            ],
            conversations: Vec::new(),
            timeline: Vec::new(),
            timeline_truncated: false,
        };
        let holder = |m: &MentionView| duplicate_holding(&record, m).map(|c| c.id.as_str());
        assert_eq!(
            holder(&mention(MentionKind::Email, "bo@example.com", false)),
            Some("cl_b")
        );
        assert_eq!(
            holder(&mention(MentionKind::Phone, "+14155550123", true)),
            Some("cl_c")
        );
        assert_eq!(
            holder(&mention(MentionKind::Phone, "+14155550199", true)),
            None
        );
        assert_eq!(holder(&mention(MentionKind::Name, "Bo", true)), None);
        assert_eq!(
            mention_marker(&mention(MentionKind::Name, "Bo", true)),
            "verified"
        );
        assert_eq!(
            mention_marker(&mention(MentionKind::Name, "Bo", false)),
            "unverified"
        );
    }

    #[test]
    fn a_delivery_report_lands_on_its_message_in_the_timeline() {
        let mut record = ClientRecord {
            client: client("cl_a"),
            profile: ClientProfile::default(),
            created_at: 0,
            updated_at: 0,
            mentions: Vec::new(),
            duplicates: Vec::new(),
            conversations: Vec::new(),
            timeline: vec![message("m1", "cv_1", Channel::Sms)],
            timeline_truncated: false,
        };
        let report = |id: &str| {
            event(DashboardEvent::MessageDelivery {
                conversation_id: "cv_1".into(),
                message_id: id.into(),
                delivery: shared::dashboard::MessageDelivery {
                    status: shared::dashboard::DeliveryStatus::Delivered,
                    error: None,
                },
            })
        };
        assert!(!apply_delivery(&mut record, &report("m_other")));
        assert_eq!(record.timeline[0].delivery, None);
        assert!(apply_delivery(&mut record, &report("m1")));
        assert_eq!(
            record.timeline[0].delivery.as_ref().map(|d| d.status),
            Some(shared::dashboard::DeliveryStatus::Delivered)
        );
        assert_eq!(follow("cl_a", &report("m1")), Follow::Nothing);
    }
}
