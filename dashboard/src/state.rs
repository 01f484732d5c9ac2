//! The inbox as data: the loaded list, the open conversation and the unread markers, and how
//! pages, action results and socket frames change them. Pure: no browser, no signals, so every
//! rule here is a native unit test.

use std::cmp::Ordering;
use std::collections::HashSet;

use shared::api::Author;
use shared::dashboard::{
    ClientBrief, ConversationDetail, ConversationPage, ConversationQuery, ConversationSummary,
    DashboardEvent, EventEnvelope, MentionView, MessageDelivery, SocketFrame, TimelineMessage,
    Typing,
};

/// The list, as far as it is loaded, and the conversation on screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inbox {
    /// Newest activity first (`lastMessageAt`, then id, both descending: the server's order).
    pub conversations: Vec<ConversationSummary>,
    /// Where the next page starts; `None` once everything is loaded.
    pub next_cursor: Option<String>,
    /// The filters the list was loaded with: events are judged against them.
    pub query: ConversationQuery,
    /// The last event applied. Events at or before it are replays of what the state has.
    pub last_seq: i64,
    /// Our own unread markers: events always carry `unread: false`, so only opening a
    /// conversation clears one.
    unread: HashSet<String>,
    /// Something happened that the filtered list cannot place by itself: offer a refresh.
    pub stale: bool,
    pub open: Option<ConversationDetail>,
    /// Messages that arrived by event lately, so a conversation whose detail was read before
    /// them still shows them once the detail arrives.
    recent_messages: Vec<(i64, TimelineMessage)>,
    /// Delivery reports that arrived by event lately, for the same reason: (seq, message id,
    /// delivery).
    recent_deliveries: Vec<(i64, String, MessageDelivery)>,
}

/// How many event messages [`Inbox`] keeps for conversations being opened.
const RECENT_MESSAGES: usize = 200;

/// What a frame asks of the view besides the state change.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameEffect {
    /// A replayed or already-seen event: nothing changed.
    Ignored,
    Applied,
    /// Replay is over; the connection is current.
    CaughtUp,
    /// The visitor of the open conversation is typing (or stopped).
    Typing(Typing),
    /// The server no longer has what was missed: reload the list and the open conversation.
    Reset,
}

/// Newest activity first, ties by id, as the server pages them.
fn newest_first(a: &ConversationSummary, b: &ConversationSummary) -> Ordering {
    b.last_message_at
        .cmp(&a.last_message_at)
        .then_with(|| b.id.cmp(&a.id))
}

/// True when `conversation` passes every filter of `query` that can be checked here. The text
/// search (`q`) cannot: it also matches message bodies the list does not hold.
pub fn matches_locally(query: &ConversationQuery, conversation: &ConversationSummary) -> bool {
    query.channel.is_none_or(|c| c == conversation.channel)
        && query.status.is_none_or(|s| s == conversation.status)
        && query
            .assistant
            .as_ref()
            .is_none_or(|a| conversation.assistant_id.as_ref() == Some(a))
        && query
            .intent
            .as_ref()
            .is_none_or(|i| conversation.intent.as_ref() == Some(i))
        && query.from.is_none_or(|f| conversation.last_message_at >= f)
        && query.to.is_none_or(|t| conversation.last_message_at < t)
}

impl Inbox {
    /// True when `id` has visitor messages the user has not opened.
    pub fn is_unread(&self, id: &str) -> bool {
        self.unread.contains(id)
    }

    pub fn open_id(&self) -> Option<&str> {
        self.open.as_ref().map(|d| d.conversation.id.as_str())
    }

    /// Replaces the list with the first page of `query`. `last_seq` is kept: the socket, not the
    /// page, says which events were applied.
    pub fn load_first_page(&mut self, query: ConversationQuery, page: ConversationPage) {
        self.conversations.clear();
        self.query = query;
        self.stale = false;
        self.append_page(page);
    }

    /// Adds the next page under the loaded rows, skipping any row already shown (an event may
    /// have moved it in meanwhile).
    pub fn append_page(&mut self, page: ConversationPage) {
        for conversation in page.conversations {
            if conversation.unread {
                self.unread.insert(conversation.id.clone());
            }
            if !self.conversations.iter().any(|c| c.id == conversation.id) {
                self.conversations.push(conversation);
            }
        }
        self.next_cursor = page.next_cursor;
    }

    /// Shows a conversation's timeline. The server marked it read for the user when it answered.
    /// Messages whose events came after the detail was read are added to it.
    pub fn open_conversation(&mut self, detail: ConversationDetail) {
        self.unread.remove(&detail.conversation.id);
        self.replace_row(&detail.conversation);
        let read_at = detail.last_event_seq;
        self.open = Some(detail);
        let later: Vec<TimelineMessage> = self
            .recent_messages
            .iter()
            .filter(|(seq, _)| *seq > read_at)
            .map(|(_, m)| m.clone())
            .collect();
        for message in later {
            self.add_message(message);
        }
        let deliveries: Vec<(String, MessageDelivery)> = self
            .recent_deliveries
            .iter()
            .filter(|(seq, _, _)| *seq > read_at)
            .map(|(_, id, d)| (id.clone(), d.clone()))
            .collect();
        for (message_id, delivery) in deliveries {
            self.set_delivery(&message_id, delivery);
        }
    }

    /// A reply's delivery changed: the open conversation shows it when the message is there.
    fn set_delivery(&mut self, message_id: &str, delivery: MessageDelivery) {
        let message = self
            .open
            .as_mut()
            .and_then(|open| open.messages.iter_mut().find(|m| m.id == message_id));
        if let Some(message) = message {
            message.delivery = Some(delivery);
        }
    }

    pub fn close_conversation(&mut self) {
        self.open = None;
    }

    /// Takes an action's answer (take over, resolve...): the conversation as it now stands.
    pub fn update_conversation(&mut self, conversation: ConversationSummary) {
        if let Some(open) = self.open.as_mut() {
            if open.conversation.id == conversation.id {
                open.conversation = conversation.clone();
            }
            for other in &mut open.other_conversations {
                if other.id == conversation.id {
                    *other = conversation.clone();
                }
            }
        }
        self.place(conversation, false);
    }

    /// A client's details and pending mentions as they now are (a `client_changed` event):
    /// the open conversation of that client shows them.
    pub fn client_changed(&mut self, client: &ClientBrief, mentions: Vec<MentionView>) {
        if let Some(open) = self.open.as_mut() {
            let of_client = |c: &Option<ClientBrief>| c.as_ref().is_some_and(|c| c.id == client.id);
            if of_client(&open.client) || of_client(&open.conversation.client) {
                open.mentions = mentions;
            }
        }
        self.merge_client(client);
    }

    /// Two clients became one (a `clients_merged` event): every conversation of `merged` shows
    /// `into`, and the open conversation of either shows the merged client's mentions.
    pub fn clients_merged(&mut self, merged: &str, into: &ClientBrief, mentions: Vec<MentionView>) {
        let renamed = |c: &mut Option<ClientBrief>| {
            if let Some(c) = c.as_mut().filter(|c| c.id == merged) {
                let verified = c.verified;
                *c = into.clone();
                c.verified = verified;
            }
        };
        if let Some(open) = self.open.as_mut() {
            renamed(&mut open.client);
            renamed(&mut open.conversation.client);
            let of_client = |c: &Option<ClientBrief>| c.as_ref().is_some_and(|c| c.id == into.id);
            if of_client(&open.client) || of_client(&open.conversation.client) {
                open.mentions = mentions;
            }
            for other in &mut open.other_conversations {
                renamed(&mut other.client);
            }
        }
        for row in &mut self.conversations {
            renamed(&mut row.client);
        }
        self.merge_client(into);
    }

    /// Takes an applied mention's answer: the client as it now is. The mention leaves the open
    /// conversation's list, and the client shows the new detail there and in the list's rows.
    pub fn mention_applied(&mut self, mention_id: &str, client: &ClientBrief) {
        if let Some(open) = self.open.as_mut() {
            open.mentions.retain(|m| m.id != mention_id);
        }
        self.merge_client(client);
    }

    /// Shows a client's new details wherever it appears (the verified flag belongs to each
    /// conversation's link, so it is kept).
    fn merge_client(&mut self, client: &ClientBrief) {
        let merge = |c: &mut ClientBrief| {
            if c.id == client.id {
                // The answer does not say whether the link was proven: keep what was known.
                let verified = c.verified;
                *c = client.clone();
                c.verified = verified;
            }
        };
        if let Some(open) = self.open.as_mut() {
            if let Some(c) = open.client.as_mut() {
                merge(c);
            }
            if let Some(c) = open.conversation.client.as_mut() {
                merge(c);
            }
        }
        for row in &mut self.conversations {
            if let Some(c) = row.client.as_mut() {
                merge(c);
            }
        }
    }

    /// Adds a message to the open timeline, once (the sender's answer and the socket's event
    /// both bring it).
    pub fn add_message(&mut self, message: TimelineMessage) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        if open.conversation.id != message.conversation_id
            || open.messages.iter().any(|m| m.id == message.id)
        {
            return;
        }
        open.messages.push(message);
    }

    pub fn apply_frame(&mut self, frame: SocketFrame) -> FrameEffect {
        match frame {
            SocketFrame::Event { envelope } => {
                if self.apply_event(envelope) {
                    FrameEffect::Applied
                } else {
                    FrameEffect::Ignored
                }
            }
            SocketFrame::CaughtUp { seq } => {
                self.last_seq = self.last_seq.max(seq);
                FrameEffect::CaughtUp
            }
            SocketFrame::Reset { seq } => {
                // What is loaded is stale; live events go on after `seq`.
                self.last_seq = seq;
                FrameEffect::Reset
            }
            SocketFrame::Typing { typing } => {
                if typing.author == Author::Visitor
                    && self.open_id() == Some(typing.conversation_id.as_str())
                {
                    FrameEffect::Typing(typing)
                } else {
                    FrameEffect::Ignored
                }
            }
        }
    }

    /// Applies one stored event, once: answers false for an event at or before `last_seq`.
    pub fn apply_event(&mut self, envelope: EventEnvelope) -> bool {
        if envelope.seq <= self.last_seq {
            return false;
        }
        self.last_seq = envelope.seq;
        match envelope.event {
            DashboardEvent::ConversationCreated { conversation } => {
                self.place(conversation, true);
            }
            DashboardEvent::ConversationUpdated { conversation } => {
                self.update_conversation(conversation);
            }
            DashboardEvent::MessageCreated {
                conversation_id,
                message,
                conversation,
            } => {
                let is_open = self.open_id() == Some(conversation_id.as_str());
                if message.author == Author::Visitor && !is_open {
                    self.unread.insert(conversation_id);
                }
                if self.recent_messages.len() == RECENT_MESSAGES {
                    self.recent_messages.remove(0);
                }
                self.recent_messages.push((envelope.seq, message.clone()));
                self.add_message(message);
                self.update_conversation(conversation);
            }
            // The settings pages follow these (see `live`); the inbox has nothing to change.
            DashboardEvent::SettingsChanged { .. } => {}
            DashboardEvent::ClientChanged { client, mentions } => {
                self.client_changed(&client, mentions);
            }
            DashboardEvent::ClientsMerged {
                merged,
                into,
                mentions,
            } => {
                self.clients_merged(&merged, &into, mentions);
            }
            DashboardEvent::MessageDelivery {
                message_id,
                delivery,
                ..
            } => {
                if self.recent_deliveries.len() == RECENT_MESSAGES {
                    self.recent_deliveries.remove(0);
                }
                self.recent_deliveries
                    .push((envelope.seq, message_id.clone(), delivery.clone()));
                self.set_delivery(&message_id, delivery);
            }
        }
        true
    }

    /// Replaces the row with `conversation` if it is shown; otherwise inserts it when the loaded
    /// list is known to include it, or flags the list stale when only the server can tell.
    fn place(&mut self, conversation: ConversationSummary, created: bool) {
        let shown = self.replace_row(&conversation);
        if shown {
            self.sort_row(&conversation.id);
            return;
        }
        let searching = self
            .query
            .q
            .as_deref()
            .is_some_and(|q| !q.trim().is_empty());
        if searching {
            // A new message may make any conversation match the search.
            self.stale = true;
            return;
        }
        if !matches_locally(&self.query, &conversation) {
            return;
        }
        // Below the last loaded row it belongs to a page not loaded yet: "Load more" brings it.
        let within_loaded = self.next_cursor.is_none()
            || self
                .conversations
                .last()
                .is_some_and(|last| newest_first(&conversation, last) == Ordering::Less);
        if within_loaded {
            let at = self
                .conversations
                .partition_point(|c| newest_first(c, &conversation) == Ordering::Less);
            self.conversations.insert(at, conversation);
        } else if created {
            self.stale = true;
        }
    }

    /// Swaps in the newer summary; answers whether the row was shown.
    fn replace_row(&mut self, conversation: &ConversationSummary) -> bool {
        match self
            .conversations
            .iter_mut()
            .find(|c| c.id == conversation.id)
        {
            Some(row) => {
                *row = conversation.clone();
                true
            }
            None => false,
        }
    }

    /// Moves a replaced row to where its `lastMessageAt` puts it.
    fn sort_row(&mut self, id: &str) {
        let Some(from) = self.conversations.iter().position(|c| c.id == id) else {
            return;
        };
        let row = self.conversations.remove(from);
        let at = self
            .conversations
            .partition_point(|c| newest_first(c, &row) == Ordering::Less);
        self.conversations.insert(at, row);
    }
}

#[cfg(test)]
mod tests;
