use shared::api::{Author, Channel, ConversationStatus};
use shared::dashboard::{
    ClientBrief, ConversationDetail, ConversationPage, ConversationQuery, ConversationSummary,
    DashboardEvent, DeliveryStatus, EventEnvelope, MentionKind, MentionView, MessageDelivery,
    SocketFrame, TimelineMessage, Typing,
};

use super::{FrameEffect, Inbox};

fn summary(id: &str, last_message_at: i64) -> ConversationSummary {
    ConversationSummary {
        id: id.into(),
        channel: Channel::Web,
        status: ConversationStatus::Open,
        client: None,
        visitor_name: None,
        assistant_id: None,
        assistant_name: None,
        intent: None,
        assignee_id: None,
        assignee_name: None,
        ai_paused: false,
        flagged: false,
        flag_reason: None,
        last_message: None,
        last_message_author: None,
        last_message_at,
        created_at: last_message_at,
        message_count: 0,
        unread: false,
    }
}

fn message(id: &str, conversation_id: &str, author: Author) -> TimelineMessage {
    TimelineMessage {
        id: id.into(),
        conversation_id: conversation_id.into(),
        author,
        author_name: None,
        channel: Channel::Web,
        body: format!("body of {id}"),
        created_at: 0,
        client_message_id: None,
        why: Vec::new(),
        delivery: None,
    }
}

fn page(conversations: Vec<ConversationSummary>, next_cursor: Option<&str>) -> ConversationPage {
    ConversationPage {
        conversations,
        next_cursor: next_cursor.map(Into::into),
        last_event_seq: 10,
    }
}

fn detail(conversation: ConversationSummary) -> ConversationDetail {
    ConversationDetail {
        conversation,
        messages: vec![],
        client: None,
        other_conversations: vec![],
        last_event_seq: 10,
        mentions: vec![],
    }
}

fn event(seq: i64, event: DashboardEvent) -> SocketFrame {
    SocketFrame::Event {
        envelope: EventEnvelope { seq, at: 0, event },
    }
}

fn message_event(seq: i64, msg: TimelineMessage, at: i64) -> SocketFrame {
    let mut conversation = summary(&msg.conversation_id, at);
    conversation.last_message = Some(msg.body.clone());
    event(
        seq,
        DashboardEvent::MessageCreated {
            conversation_id: msg.conversation_id.clone(),
            message: msg,
            conversation,
        },
    )
}

fn ids(inbox: &Inbox) -> Vec<&str> {
    inbox.conversations.iter().map(|c| c.id.as_str()).collect()
}

/// An inbox loaded with a, b, c (newest first), all of it, events applied up to seq 10.
fn loaded(query: ConversationQuery) -> Inbox {
    let mut inbox = Inbox {
        last_seq: 10,
        ..Inbox::default()
    };
    inbox.load_first_page(
        query,
        page(
            vec![summary("a", 300), summary("b", 200), summary("c", 100)],
            None,
        ),
    );
    inbox
}

#[test]
fn a_new_conversation_goes_on_top_of_an_unfiltered_list() {
    let mut inbox = loaded(ConversationQuery::default());
    let frame = event(
        11,
        DashboardEvent::ConversationCreated {
            conversation: summary("d", 400),
        },
    );
    assert_eq!(inbox.apply_frame(frame), FrameEffect::Applied);
    assert_eq!(ids(&inbox), ["d", "a", "b", "c"]);
    assert!(!inbox.stale);
}

#[test]
fn each_event_is_applied_once_even_when_replayed() {
    let mut inbox = loaded(ConversationQuery::default());
    let frame = event(
        11,
        DashboardEvent::ConversationCreated {
            conversation: summary("d", 400),
        },
    );
    assert_eq!(inbox.apply_frame(frame.clone()), FrameEffect::Applied);
    assert_eq!(inbox.apply_frame(frame), FrameEffect::Ignored);
    // An event older than the page the list came from is not applied either.
    let old = event(
        9,
        DashboardEvent::ConversationCreated {
            conversation: summary("e", 500),
        },
    );
    assert_eq!(inbox.apply_frame(old), FrameEffect::Ignored);
    assert_eq!(ids(&inbox), ["d", "a", "b", "c"]);
    assert_eq!(inbox.last_seq, 11);
}

#[test]
fn a_search_never_inserts_new_conversations_but_flags_the_list() {
    let mut inbox = loaded(ConversationQuery {
        q: Some("refund".into()),
        ..ConversationQuery::default()
    });
    inbox.apply_frame(event(
        11,
        DashboardEvent::ConversationCreated {
            conversation: summary("d", 400),
        },
    ));
    assert_eq!(ids(&inbox), ["a", "b", "c"]);
    assert!(inbox.stale);
}

#[test]
fn filters_decide_whether_a_new_conversation_belongs_in_the_list() {
    let mut inbox = loaded(ConversationQuery {
        channel: Some(Channel::Sms),
        ..ConversationQuery::default()
    });
    inbox.apply_frame(event(
        11,
        DashboardEvent::ConversationCreated {
            conversation: summary("web", 400),
        },
    ));
    let mut sms = summary("sms", 500);
    sms.channel = Channel::Sms;
    inbox.apply_frame(event(
        12,
        DashboardEvent::ConversationCreated { conversation: sms },
    ));
    assert_eq!(ids(&inbox), ["sms", "a", "b", "c"]);
}

#[test]
fn an_update_replaces_the_row_and_moves_it_by_last_activity() {
    let mut inbox = loaded(ConversationQuery::default());
    let mut c = summary("c", 250);
    c.status = ConversationStatus::Escalated;
    inbox.apply_frame(event(
        11,
        DashboardEvent::ConversationUpdated { conversation: c },
    ));
    assert_eq!(ids(&inbox), ["a", "c", "b"]);
    assert_eq!(inbox.conversations[1].status, ConversationStatus::Escalated);
    assert_eq!(inbox.conversations.len(), 3);
}

#[test]
fn a_visitor_message_marks_a_closed_conversation_unread_and_moves_it_up() {
    let mut inbox = loaded(ConversationQuery::default());
    inbox.apply_frame(message_event(11, message("m1", "b", Author::Visitor), 400));
    assert_eq!(ids(&inbox), ["b", "a", "c"]);
    assert!(inbox.is_unread("b"));
    assert_eq!(
        inbox.conversations[0].last_message.as_deref(),
        Some("body of m1")
    );
}

#[test]
fn later_events_do_not_clear_the_unread_marker() {
    let mut inbox = loaded(ConversationQuery::default());
    inbox.apply_frame(message_event(11, message("m1", "b", Author::Visitor), 400));
    // The assistant answers and the status changes: both summaries carry `unread: false`.
    inbox.apply_frame(message_event(
        12,
        message("m2", "b", Author::Assistant),
        410,
    ));
    inbox.apply_frame(event(
        13,
        DashboardEvent::ConversationUpdated {
            conversation: summary("b", 410),
        },
    ));
    assert!(inbox.is_unread("b"));
    // Reloading the list keeps it too, though the page says otherwise.
    inbox.load_first_page(
        ConversationQuery::default(),
        page(vec![summary("b", 410), summary("a", 300)], None),
    );
    assert!(inbox.is_unread("b"));
    // Opening it is what reads it.
    inbox.open_conversation(detail(summary("b", 410)));
    assert!(!inbox.is_unread("b"));
}

#[test]
fn the_open_conversation_gets_new_messages_once_and_stays_read() {
    let mut inbox = loaded(ConversationQuery::default());
    inbox.open_conversation(detail(summary("b", 200)));
    let m1 = message("m1", "b", Author::Visitor);
    inbox.apply_frame(message_event(11, m1.clone(), 400));
    // The same message again (our own send's answer, or a second event) is not duplicated.
    inbox.add_message(m1.clone());
    inbox.apply_frame(message_event(12, m1, 400));
    let open = inbox.open.as_ref().unwrap();
    assert_eq!(open.messages.len(), 1);
    assert_eq!(open.conversation.last_message_at, 400);
    assert!(!inbox.is_unread("b"));
}

#[test]
fn messages_of_other_conversations_stay_out_of_the_open_timeline() {
    let mut inbox = loaded(ConversationQuery::default());
    inbox.open_conversation(detail(summary("b", 200)));
    inbox.apply_frame(message_event(11, message("m1", "a", Author::Visitor), 400));
    assert!(inbox.open.as_ref().unwrap().messages.is_empty());
    assert!(inbox.is_unread("a"));
}

#[test]
fn updates_below_the_loaded_pages_wait_for_load_more() {
    let mut inbox = Inbox::default();
    inbox.load_first_page(
        ConversationQuery::default(),
        page(vec![summary("a", 300), summary("b", 200)], Some("cur")),
    );
    // Older than everything loaded: it belongs to a later page.
    inbox.apply_frame(event(
        1,
        DashboardEvent::ConversationUpdated {
            conversation: summary("z", 50),
        },
    ));
    assert_eq!(ids(&inbox), ["a", "b"]);
    // New activity brings an unloaded conversation to the top.
    inbox.apply_frame(message_event(2, message("m1", "z", Author::Visitor), 500));
    assert_eq!(ids(&inbox), ["z", "a", "b"]);
    // The next page does not show it twice.
    inbox.append_page(page(vec![summary("z", 500), summary("y", 100)], None));
    assert_eq!(ids(&inbox), ["z", "a", "b", "y"]);
    assert_eq!(inbox.next_cursor, None);
}

#[test]
fn action_results_update_the_row_and_the_open_conversation() {
    let mut inbox = loaded(ConversationQuery::default());
    inbox.open_conversation(detail(summary("a", 300)));
    let mut taken = summary("a", 300);
    taken.ai_paused = true;
    taken.assignee_name = Some("Sam".into());
    inbox.update_conversation(taken);
    assert!(inbox.open.as_ref().unwrap().conversation.ai_paused);
    assert_eq!(inbox.conversations[0].assignee_name.as_deref(), Some("Sam"));
}

#[test]
fn typing_only_matters_for_the_open_conversations_visitor() {
    let mut inbox = loaded(ConversationQuery::default());
    inbox.open_conversation(detail(summary("a", 300)));
    let typing = |conversation_id: &str, author| Typing {
        conversation_id: conversation_id.into(),
        author,
        name: None,
        active: true,
    };
    let visitor = typing("a", Author::Visitor);
    assert_eq!(
        inbox.apply_frame(SocketFrame::Typing {
            typing: visitor.clone()
        }),
        FrameEffect::Typing(visitor)
    );
    assert_eq!(
        inbox.apply_frame(SocketFrame::Typing {
            typing: typing("b", Author::Visitor)
        }),
        FrameEffect::Ignored
    );
    assert_eq!(
        inbox.apply_frame(SocketFrame::Typing {
            typing: typing("a", Author::Agent)
        }),
        FrameEffect::Ignored
    );
}

#[test]
fn caught_up_advances_the_last_seq() {
    let mut inbox = loaded(ConversationQuery::default());
    assert_eq!(
        inbox.apply_frame(SocketFrame::CaughtUp { seq: 42 }),
        FrameEffect::CaughtUp
    );
    assert_eq!(inbox.last_seq, 42);
}

#[test]
fn a_reset_asks_for_a_reload_and_continues_after_its_seq() {
    let mut inbox = loaded(ConversationQuery::default());
    assert_eq!(
        inbox.apply_frame(SocketFrame::Reset { seq: 900 }),
        FrameEffect::Reset
    );
    assert_eq!(inbox.last_seq, 900);
    // Events the reload already reflects are not applied twice.
    assert_eq!(
        inbox.apply_frame(message_event(900, message("m1", "b", Author::Visitor), 400)),
        FrameEffect::Ignored
    );
}

#[test]
fn messages_that_arrive_while_a_conversation_opens_are_not_lost() {
    let mut inbox = loaded(ConversationQuery::default());
    // The detail is requested; meanwhile the visitor writes (seq 11)...
    inbox.apply_frame(message_event(11, message("m1", "b", Author::Visitor), 400));
    // ...and the detail was read at seq 10, before that message.
    inbox.open_conversation(detail(summary("b", 200)));
    let open = inbox.open.as_ref().unwrap();
    assert_eq!(open.messages.len(), 1);
    assert_eq!(open.messages[0].id, "m1");
    // A detail read after the message already holds it: it is not added twice.
    let mut fresh = detail(summary("b", 400));
    fresh.last_event_seq = 11;
    fresh.messages.push(message("m1", "b", Author::Visitor));
    inbox.open_conversation(fresh);
    assert_eq!(inbox.open.as_ref().unwrap().messages.len(), 1);
}

#[test]
fn an_applied_mention_leaves_the_list_and_the_client_shows_the_detail_everywhere() {
    let client = ClientBrief {
        id: "cl-1".into(),
        name: "Jo".into(),
        email: Some("jo@example.com".into()),
        phone: None,
        verified: true,
    };
    let mut row = summary("a", 1);
    row.client = Some(client.clone());
    let mut inbox = Inbox::default();
    inbox.load_first_page(ConversationQuery::default(), page(vec![row.clone()], None));
    let mut open = detail(row);
    open.client = Some(client.clone());
    open.mentions = ["mn-1", "mn-2"]
        .into_iter()
        .map(|id| MentionView {
            id: id.into(),
            kind: MentionKind::Phone,
            value: format!("+1415555010{}", &id[3..]),
            conversation_id: Some("a".into()),
            created_at: 1,
            trusted: false,
        })
        .collect();
    inbox.open_conversation(open);

    // The answer says nothing of verification: what was known stays.
    let applied = ClientBrief {
        phone: Some("+14155550101".into()),
        verified: false,
        ..client
    };
    inbox.mention_applied("mn-1", &applied);
    let open = inbox.open.as_ref().expect("open");
    assert_eq!(
        open.mentions
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        ["mn-2"]
    );
    for shown in [
        open.client.as_ref(),
        open.conversation.client.as_ref(),
        inbox.conversations[0].client.as_ref(),
    ] {
        let shown = shown.expect("a client");
        assert_eq!(shown.phone.as_deref(), Some("+14155550101"));
        assert!(shown.verified);
    }
}

#[test]
fn a_client_changed_event_shows_the_new_mentions_in_that_clients_open_conversation_only() {
    let client = |id: &str| ClientBrief {
        id: id.into(),
        name: "Jo".into(),
        email: None,
        phone: None,
        verified: false,
    };
    let mention = MentionView {
        id: "mn-1".into(),
        kind: MentionKind::Email,
        value: "jo@work.example".into(),
        conversation_id: Some("a".into()),
        created_at: 1,
        trusted: false,
    };
    let mut row = summary("a", 1);
    row.client = Some(client("cl-1"));
    let mut inbox = Inbox::default();
    inbox.open_conversation(detail(row));

    let elsewhere = event(
        11,
        DashboardEvent::ClientChanged {
            client: client("cl-2"),
            mentions: vec![mention.clone()],
        },
    );
    inbox.apply_frame(elsewhere);
    assert!(inbox.open.as_ref().expect("open").mentions.is_empty());

    let ours = event(
        12,
        DashboardEvent::ClientChanged {
            client: client("cl-1"),
            mentions: vec![mention.clone()],
        },
    );
    inbox.apply_frame(ours);
    assert_eq!(inbox.open.as_ref().expect("open").mentions, [mention]);
}

#[test]
fn a_merge_shows_the_kept_client_on_every_row_of_the_merged_one() {
    let client = |id: &str, name: &str, verified: bool| ClientBrief {
        id: id.into(),
        name: name.into(),
        email: None,
        phone: None,
        verified,
    };
    let mut a = summary("a", 2);
    a.client = Some(client("cl-old", "Jo", true));
    let mut b = summary("b", 1);
    b.client = Some(client("cl-other", "Sam", false));
    let mut inbox = Inbox {
        conversations: vec![a.clone(), b],
        ..Inbox::default()
    };
    inbox.open_conversation(detail(a));
    let mention = MentionView {
        id: "mn-1".into(),
        kind: MentionKind::Phone,
        value: "+447700900123".into(),
        conversation_id: None,
        created_at: 1,
        trusted: true,
    };
    inbox.apply_frame(event(
        20,
        DashboardEvent::ClientsMerged {
            merged: "cl-old".into(),
            into: client("cl-new", "Jo Bloggs", false),
            mentions: vec![mention.clone()],
        },
    ));
    let shown = inbox.conversations[0].client.as_ref().expect("client");
    assert_eq!(
        (shown.id.as_str(), shown.name.as_str()),
        ("cl-new", "Jo Bloggs")
    );
    // The row's link was proven before the merge: it still is.
    assert!(shown.verified);
    let other = inbox.conversations[1].client.as_ref().expect("client");
    assert_eq!(other.id, "cl-other");
    let open = inbox.open.as_ref().expect("open");
    assert_eq!(
        open.conversation.client.as_ref().map(|c| c.id.as_str()),
        Some("cl-new")
    );
    assert_eq!(open.mentions, [mention]);
}

fn delivery_event(seq: i64, message_id: &str, status: DeliveryStatus) -> SocketFrame {
    event(
        seq,
        DashboardEvent::MessageDelivery {
            conversation_id: "b".into(),
            message_id: message_id.into(),
            delivery: MessageDelivery {
                status,
                error: status
                    .is_failure()
                    .then(|| "the customer opted out (STOP)".into()),
            },
        },
    )
}

#[test]
fn delivery_reports_show_on_the_open_conversations_reply_even_while_it_opens() {
    let mut inbox = loaded(ConversationQuery::default());
    let mut read = detail(summary("b", 200));
    read.messages.push(message("r1", "b", Author::Agent));
    read.messages.push(message("r2", "b", Author::Agent));
    // Reported while the detail (read at seq 10) was on its way.
    assert_eq!(
        inbox.apply_frame(delivery_event(11, "r1", DeliveryStatus::Sent)),
        FrameEffect::Applied
    );
    inbox.open_conversation(read);
    inbox.apply_frame(delivery_event(12, "r2", DeliveryStatus::Failed));
    // Another conversation's report changes nothing here.
    inbox.apply_frame(delivery_event(13, "elsewhere", DeliveryStatus::Delivered));
    let open = inbox.open.as_ref().unwrap();
    let status = |i: usize| open.messages[i].delivery.as_ref().map(|d| d.status);
    assert_eq!(status(0), Some(DeliveryStatus::Sent));
    assert_eq!(status(1), Some(DeliveryStatus::Failed));
    assert_eq!(
        open.messages[1]
            .delivery
            .as_ref()
            .and_then(|d| d.error.as_deref()),
        Some("the customer opted out (STOP)")
    );
    // A replay of an older report does not undo a newer one.
    inbox.apply_frame(delivery_event(11, "r1", DeliveryStatus::Sent));
    inbox.apply_frame(delivery_event(14, "r1", DeliveryStatus::Delivered));
    inbox.apply_frame(delivery_event(14, "r1", DeliveryStatus::Sent));
    let open = inbox.open.as_ref().unwrap();
    assert_eq!(
        open.messages[0].delivery.as_ref().map(|d| d.status),
        Some(DeliveryStatus::Delivered)
    );
}
