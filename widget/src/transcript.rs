//! The messages a visitor sees: those the server stored, then the visitor's own messages that
//! are not confirmed yet. Pure state transitions, so they are tested without a browser.

use shared::api::{Author, Draft, MessageView};

/// How many stored messages the local cache keeps (the server has the whole history).
pub const CACHED_MESSAGES: usize = 100;

/// A message the visitor sent that the server has not confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMessage {
    /// Reused on every retry, so the server stores the message once.
    pub client_message_id: String,
    pub body: String,
    /// Unix time in milliseconds.
    pub created_at: i64,
    /// Not persisted: after a reload a pending message waits for the visitor to retry it.
    pub state: SendState,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SendState {
    /// Waiting for the messages before it.
    #[default]
    Queued,
    /// A request is on its way.
    Sending,
    /// The last attempt failed; the sentence says why and what to do.
    Failed(String),
}

/// One line of the message list.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Stored(MessageView),
    Pending(PendingMessage),
    /// The assistant's reply while it is being written.
    Draft(Draft),
}

impl Entry {
    /// A key that changes whenever the line must be drawn again.
    pub fn key(&self) -> String {
        match self {
            Self::Stored(m) => format!("m:{}", m.id),
            Self::Pending(p) => {
                let state = match &p.state {
                    SendState::Queued => "q",
                    SendState::Sending => "s",
                    SendState::Failed(_) => "f",
                };
                format!("p:{}:{state}", p.client_message_id)
            }
            Self::Draft(d) => format!("d:{}:{}", d.id, d.text.len()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcript {
    /// Stored messages, oldest first, each id once.
    pub messages: Vec<MessageView>,
    /// Unconfirmed visitor messages, in the order they were written.
    pub pending: Vec<PendingMessage>,
    /// True while a teammate, not the assistant, answers.
    pub human: bool,
    /// Replies being written, shown after everything else until they are stored.
    pub drafts: Vec<Draft>,
}

impl Transcript {
    /// Restores a cached transcript; pending messages from an earlier page wait for a retry.
    pub fn restore(
        messages: Vec<MessageView>,
        pending: Vec<PendingMessage>,
        not_sent: &str,
    ) -> Self {
        let mut t = Self::default();
        t.merge(messages);
        t.pending = pending
            .into_iter()
            .map(|p| PendingMessage {
                state: SendState::Failed(not_sent.to_owned()),
                ..p
            })
            .collect();
        t.drop_confirmed_pending();
        t
    }

    /// Adds stored messages: unknown ids are added, known ones replaced, and the list kept in
    /// time order. Confirmed pending messages leave the queue unless a request for them is still
    /// on its way (its answer removes them).
    pub fn merge(&mut self, incoming: impl IntoIterator<Item = MessageView>) {
        for message in incoming {
            let same = |m: &MessageView| {
                m.id == message.id
                    || (message.client_message_id.is_some()
                        && m.client_message_id == message.client_message_id
                        && m.author == message.author)
            };
            if let Some(i) = self.messages.iter().position(same) {
                self.messages.remove(i);
            }
            // A stored reply has the last word over any draft.
            if message.author != Author::Visitor {
                self.drafts.clear();
            }
            // After every message of the same time or earlier: equal times keep arrival order.
            let at = self
                .messages
                .partition_point(|m| m.created_at <= message.created_at);
            self.messages.insert(at, message);
        }
        self.drop_confirmed_pending();
    }

    fn drop_confirmed_pending(&mut self) {
        let messages = &self.messages;
        self.pending.retain(|p| {
            p.state == SendState::Sending
                || !messages
                    .iter()
                    .any(|m| m.client_message_id.as_deref() == Some(p.client_message_id.as_str()))
        });
    }

    /// Puts a new message at the end of the queue.
    pub fn queue(&mut self, message: PendingMessage) {
        self.pending.push(PendingMessage {
            state: SendState::Queued,
            ..message
        });
    }

    /// The next message to send, marked as sending; `None` while one is on its way or while the
    /// oldest one failed (order is kept: nothing overtakes a failed message).
    pub fn start_next(&mut self) -> Option<(String, String)> {
        if self.pending.iter().any(|p| p.state == SendState::Sending) {
            return None;
        }
        let next = self.pending.first_mut()?;
        if next.state != SendState::Queued {
            return None;
        }
        next.state = SendState::Sending;
        Some((next.client_message_id.clone(), next.body.clone()))
    }

    /// The server stored the message and answered; no reply while a teammate has the
    /// conversation (theirs arrives as an event).
    pub fn confirm(
        &mut self,
        client_message_id: &str,
        stored: MessageView,
        reply: Option<MessageView>,
    ) {
        self.pending
            .retain(|p| p.client_message_id != client_message_id);
        self.drafts.clear();
        self.merge(std::iter::once(stored).chain(reply));
    }

    /// A message from the event stream: shown once, whether it is new, already here (a replayed
    /// event, or the answer to our own request came first), or the visitor's own message sent
    /// from another tab or still on its way from this one (matched by client message id).
    pub fn receive(&mut self, message: MessageView) {
        self.merge([message]);
    }

    /// A status change from the event stream. When a teammate takes over, a system line says
    /// so (`line`, in the panel's language), once per change (`at` is its time, Unix
    /// milliseconds); answers whether it was added.
    pub fn set_human(&mut self, human: bool, at: i64, line: &str) -> bool {
        let joined = human && !self.human;
        self.human = human;
        if joined {
            self.merge([MessageView {
                id: format!("local:human:{at}"),
                author: shared::api::Author::System,
                body: line.to_owned(),
                created_at: at,
                client_message_id: None,
                author_name: None,
            }]);
        }
        joined
    }

    /// A piece of a reply being written: `text` from character `offset` on. Ignored once the
    /// reply is stored, and when a piece before it was lost (the stored reply fills the gap).
    pub fn draft(&mut self, id: String, author_name: Option<String>, offset: u32, text: &str) {
        if self.messages.iter().any(|m| m.id == id) {
            return;
        }
        if let Some(draft) = self.drafts.iter_mut().find(|d| d.id == id) {
            draft.apply(offset, text);
            return;
        }
        let mut draft = Draft {
            id,
            author_name,
            text: String::new(),
        };
        if draft.apply(offset, text) {
            self.drafts.push(draft);
        }
    }

    pub fn fail(&mut self, client_message_id: &str, reason: String) {
        self.drafts.clear();
        self.set_state(client_message_id, SendState::Failed(reason));
    }

    /// Back in the queue without an error (e.g. while the visitor fills in the form again).
    pub fn requeue(&mut self, client_message_id: &str) {
        self.set_state(client_message_id, SendState::Queued);
    }

    /// Every failed message goes back in the queue, with its id unchanged.
    pub fn retry_failed(&mut self) {
        for p in &mut self.pending {
            if matches!(p.state, SendState::Failed(_)) {
                p.state = SendState::Queued;
            }
        }
    }

    pub fn discard(&mut self, client_message_id: &str) {
        self.pending
            .retain(|p| p.client_message_id != client_message_id || p.state == SendState::Sending);
    }

    fn set_state(&mut self, client_message_id: &str, state: SendState) {
        if let Some(p) = self
            .pending
            .iter_mut()
            .find(|p| p.client_message_id == client_message_id)
        {
            p.state = state;
        }
    }

    /// True while a reply is on its way (the typing indicator shows).
    pub fn awaiting_reply(&self) -> bool {
        self.pending.iter().any(|p| p.state == SendState::Sending)
    }

    /// What the list shows: stored messages, then pending ones not already stored.
    pub fn entries(&self) -> Vec<Entry> {
        let stored = |p: &PendingMessage| {
            self.messages
                .iter()
                .any(|m| m.client_message_id.as_deref() == Some(p.client_message_id.as_str()))
        };
        self.messages
            .iter()
            .cloned()
            .map(Entry::Stored)
            .chain(
                self.pending
                    .iter()
                    .filter(|p| !stored(p))
                    .cloned()
                    .map(Entry::Pending),
            )
            .chain(self.drafts.iter().cloned().map(Entry::Draft))
            .collect()
    }

    /// The newest stored messages, for the local cache.
    pub fn cached_messages(&self) -> &[MessageView] {
        let skip = self.messages.len().saturating_sub(CACHED_MESSAGES);
        &self.messages[skip..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::Author;

    fn msg(id: &str, author: Author, at: i64, cid: Option<&str>) -> MessageView {
        MessageView {
            id: id.into(),
            author,
            body: format!("body {id}"),
            created_at: at,
            client_message_id: cid.map(Into::into),
            author_name: None,
        }
    }

    fn pending(cid: &str) -> PendingMessage {
        PendingMessage {
            client_message_id: cid.into(),
            body: format!("text {cid}"),
            created_at: 0,
            state: SendState::Queued,
        }
    }

    #[test]
    fn a_confirmed_message_replaces_its_pending_copy_and_the_reply_follows() {
        let mut t = Transcript::default();
        t.queue(pending("c1"));
        assert_eq!(t.start_next(), Some(("c1".into(), "text c1".into())));
        assert!(t.awaiting_reply());
        t.confirm(
            "c1",
            msg("m1", Author::Visitor, 10, Some("c1")),
            Some(msg("m2", Author::Assistant, 11, None)),
        );
        assert!(t.pending.is_empty());
        assert!(!t.awaiting_reply());
        let ids: Vec<_> = t.messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m1", "m2"]);
    }

    #[test]
    fn merging_is_idempotent_and_ordered() {
        let mut t = Transcript::default();
        t.merge([
            msg("b", Author::Assistant, 20, None),
            msg("a", Author::Visitor, 10, Some("c")),
        ]);
        t.merge([
            msg("a", Author::Visitor, 10, Some("c")),
            msg("c", Author::Agent, 30, None),
        ]);
        let ids: Vec<_> = t.messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn a_visitor_message_is_recognised_by_its_client_id() {
        let mut t = Transcript::default();
        t.merge([msg("tmp", Author::Visitor, 10, Some("c1"))]);
        t.merge([msg("real", Author::Visitor, 10, Some("c1"))]);
        assert_eq!(t.messages.len(), 1);
        assert_eq!(t.messages[0].id, "real");
    }

    #[test]
    fn nothing_overtakes_a_failed_message_and_retry_keeps_the_id() {
        let mut t = Transcript::default();
        t.queue(pending("c1"));
        t.queue(pending("c2"));
        assert_eq!(t.start_next().unwrap().0, "c1");
        assert_eq!(t.start_next(), None, "one request at a time");
        t.fail("c1", "offline".into());
        assert_eq!(t.start_next(), None, "c2 waits behind the failed c1");
        assert!(matches!(t.pending[0].state, SendState::Failed(ref r) if r == "offline"));
        t.retry_failed();
        assert_eq!(t.start_next().unwrap().0, "c1");
    }

    #[test]
    fn history_drops_pending_messages_it_already_holds_unless_in_flight() {
        let mut t = Transcript::default();
        t.queue(pending("c1"));
        t.queue(pending("c2"));
        t.start_next();
        t.merge([
            msg("m1", Author::Visitor, 1, Some("c1")),
            msg("m2", Author::Visitor, 2, Some("c2")),
        ]);
        let cids: Vec<_> = t
            .pending
            .iter()
            .map(|p| p.client_message_id.as_str())
            .collect();
        assert_eq!(
            cids,
            ["c1"],
            "c1 is in flight, c2 was stored by an earlier attempt"
        );
        assert_eq!(
            t.entries().len(),
            2,
            "the in-flight copy is not shown twice"
        );
    }

    #[test]
    fn restored_pending_messages_wait_for_a_retry() {
        let t = Transcript::restore(
            vec![msg("m1", Author::Visitor, 1, Some("old"))],
            vec![pending("old"), pending("new")],
            "Not sent yet.",
        );
        assert_eq!(t.pending.len(), 1);
        assert_eq!(
            t.pending[0].state,
            SendState::Failed("Not sent yet.".into())
        );
    }

    #[test]
    fn entry_keys_change_with_the_send_state() {
        let mut p = pending("c1");
        let queued = Entry::Pending(p.clone()).key();
        p.state = SendState::Failed("x".into());
        assert_ne!(queued, Entry::Pending(p).key());
    }

    #[test]
    fn the_cache_keeps_the_newest_messages() {
        let mut t = Transcript::default();
        t.merge((0..150).map(|i| msg(&i.to_string(), Author::Visitor, i, None)));
        let cached = t.cached_messages();
        assert_eq!(cached.len(), CACHED_MESSAGES);
        assert_eq!(cached[0].id, "50");
    }

    #[test]
    fn discarding_keeps_a_message_in_flight() {
        let mut t = Transcript::default();
        t.queue(pending("c1"));
        t.start_next();
        t.discard("c1");
        assert_eq!(t.pending.len(), 1);
        t.fail("c1", "x".into());
        t.discard("c1");
        assert!(t.pending.is_empty());
    }
}
