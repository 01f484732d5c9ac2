//! What the live channel's events do to the transcript. Pure state, so these run natively too.

use shared::api::{Author, MessageView};
use widget::i18n::EN;
use widget::transcript::{Entry, PendingMessage, SendState, Transcript};

fn message(id: &str, author: Author, at: i64, client_message_id: Option<&str>) -> MessageView {
    MessageView {
        id: id.into(),
        author,
        body: format!("body {id}"),
        created_at: at,
        client_message_id: client_message_id.map(Into::into),
        author_name: (author == Author::Agent).then(|| "Sam".into()),
    }
}

fn pending(client_message_id: &str) -> PendingMessage {
    PendingMessage {
        client_message_id: client_message_id.into(),
        body: "When do you open?".into(),
        created_at: 5,
        state: SendState::Queued,
    }
}

fn ids(t: &Transcript) -> Vec<String> {
    t.entries()
        .iter()
        .map(|e| match e {
            Entry::Stored(m) => m.id.clone(),
            Entry::Pending(p) => format!("pending {}", p.client_message_id),
            Entry::Draft(d) => format!("draft {}: {}", d.id, d.text),
        })
        .collect()
}

#[test]
fn an_event_message_is_added_once() {
    let mut t = Transcript::default();
    t.merge([message("m1", Author::Visitor, 1, Some("c1"))]);
    t.receive(message("m2", Author::Agent, 2, None));
    // A reconnecting stream replays what it sent; the next history load holds it too.
    t.receive(message("m2", Author::Agent, 2, None));
    t.merge([
        message("m1", Author::Visitor, 1, Some("c1")),
        message("m2", Author::Agent, 2, None),
    ]);
    assert_eq!(ids(&t), ["m1", "m2"]);
    assert_eq!(t.messages[1].author_name.as_deref(), Some("Sam"));
}

#[test]
fn the_visitors_own_message_from_the_stream_merges_with_the_one_being_sent() {
    let mut t = Transcript::default();
    t.queue(pending("c1"));
    assert!(t.start_next().is_some());
    // The stream is quicker than the chat answer.
    t.receive(message("v1", Author::Visitor, 5, Some("c1")));
    assert_eq!(ids(&t), ["v1"], "shown once, as stored");
    assert!(t.awaiting_reply(), "the answer is still on its way");
    t.confirm("c1", message("v1", Author::Visitor, 5, Some("c1")), None);
    assert_eq!(ids(&t), ["v1"]);
    assert!(t.pending.is_empty());
    assert!(!t.awaiting_reply(), "no reply: the typing indicator stops");
}

#[test]
fn a_message_sent_from_another_tab_shows_once_in_this_one() {
    // This tab had queued the same message (a restored copy that failed, say): the stream's
    // stored copy replaces it.
    let mut t = Transcript::default();
    t.queue(pending("c1"));
    t.fail("c1", "offline".into());
    t.receive(message("v1", Author::Visitor, 5, Some("c1")));
    assert_eq!(ids(&t), ["v1"]);
    assert!(t.pending.is_empty());

    // And a tab that never saw it just adds it.
    let mut other = Transcript::default();
    other.receive(message("v1", Author::Visitor, 5, Some("c1")));
    other.receive(message("v1", Author::Visitor, 5, Some("c1")));
    assert_eq!(ids(&other), ["v1"]);
}

#[test]
fn a_take_over_is_announced_once_per_change() {
    let mut t = Transcript::default();
    t.merge([message("m1", Author::Visitor, 1, Some("c1"))]);
    assert!(t.set_human(true, 10, EN.human_joined));
    assert!(
        !t.set_human(true, 11, EN.human_joined),
        "a repeated status says nothing new"
    );
    let lines: Vec<_> = t
        .messages
        .iter()
        .filter(|m| m.author == Author::System)
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(lines, [EN.human_joined]);
    assert_eq!(t.messages.last().unwrap().created_at, 10);

    // Handed back to the assistant, then taken over again: a second, new line.
    assert!(!t.set_human(false, 20, EN.human_joined));
    assert!(t.set_human(true, 30, EN.human_joined));
    let count = t
        .messages
        .iter()
        .filter(|m| m.author == Author::System)
        .count();
    assert_eq!(count, 2);
}

#[test]
fn an_answer_without_a_reply_shows_only_the_visitors_message() {
    let mut t = Transcript::default();
    t.queue(pending("c1"));
    t.start_next();
    t.confirm("c1", message("v1", Author::Visitor, 5, Some("c1")), None);
    assert_eq!(ids(&t), ["v1"]);
    assert!(!t.awaiting_reply());
    // The teammate's reply then arrives on the stream.
    t.receive(message("a1", Author::Agent, 6, None));
    assert_eq!(ids(&t), ["v1", "a1"]);
}

#[test]
fn a_draft_grows_below_the_messages_and_the_stored_reply_replaces_it() {
    let mut t = Transcript::default();
    t.queue(pending("c1"));
    assert!(t.start_next().is_some());
    t.receive(message("v1", Author::Visitor, 5, Some("c1")));
    t.draft("r1".into(), Some("Nora".into()), 0, "We roast on Mondays.");
    t.draft("r1".into(), Some("Nora".into()), 20, " Ship");
    assert_eq!(ids(&t), ["v1", "draft r1: We roast on Mondays. Ship"]);
    // A piece after a lost one is not glued on; the stored reply will say it all.
    t.draft("r1".into(), None, 90, "lost");
    assert_eq!(ids(&t), ["v1", "draft r1: We roast on Mondays. Ship"]);
    // The stream hears the stored reply first: the draft goes.
    t.receive(message("r1", Author::Assistant, 6, None));
    assert_eq!(ids(&t), ["v1", "r1"]);
    // A late piece of a stored reply never brings the draft back.
    t.draft("r1".into(), None, 0, "We roast");
    assert_eq!(ids(&t), ["v1", "r1"]);
    t.confirm(
        "c1",
        message("v1", Author::Visitor, 5, Some("c1")),
        Some(message("r1", Author::Assistant, 6, None)),
    );
    assert_eq!(ids(&t), ["v1", "r1"]);
}

#[test]
fn the_chat_answer_or_a_failure_ends_a_draft_the_stream_did_not() {
    let mut t = Transcript::default();
    t.queue(pending("c1"));
    assert!(t.start_next().is_some());
    // A draft whose stored reply took another id (a racing retry stored one first).
    t.draft("r-lost".into(), None, 0, "Half a sent");
    t.confirm(
        "c1",
        message("v1", Author::Visitor, 5, Some("c1")),
        Some(message("r1", Author::Assistant, 6, None)),
    );
    assert_eq!(ids(&t), ["v1", "r1"]);
    t.queue(pending("c2"));
    assert!(t.start_next().is_some());
    t.draft("r2".into(), None, 0, "Half.");
    t.fail("c2", "Not sent.".into());
    assert!(t.drafts.is_empty());
}
