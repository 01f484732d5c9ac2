//! What a screen reader hears of the conversation: each message from someone else once, when it
//! arrives, and a typing state once, when it starts. Not the visitor's own messages (they just
//! wrote them), not a reply's draft as it streams in (only the stored reply, once), and not the
//! history shown on opening (the cached messages, and what the server sends back on return):
//! those are there to read, not news. The visual log is therefore not a live region itself; the
//! panel writes these lines into one.
//!
//! Pure state, tested without a browser.

use shared::api::{Author, MessageView};
use shared::rich_text::{read, Event};

/// One thing to say.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    /// A new message from the assistant, a teammate or the system.
    Message(&'a MessageView),
    /// Someone started typing.
    Typing,
}

#[derive(Debug, Default)]
pub struct Announcer {
    /// Ids of the stored messages already on screen (spoken or history). A list, not a set: a
    /// conversation on screen is a few hundred messages at most, and a hash set costs the
    /// widget's download kilobytes of hashing code.
    seen: Vec<String>,
    /// The history has been taken in: from now on a new message is news.
    live: bool,
    typing: bool,
}

impl Announcer {
    /// Looks at the conversation as it stands: `synced` once the session's history has been
    /// loaded (or there was none to load), `typing` while the typing indicator shows. Returns
    /// what to say, oldest first.
    pub fn next<'a>(
        &mut self,
        messages: &'a [MessageView],
        synced: bool,
        typing: bool,
    ) -> Vec<Line<'a>> {
        let mut lines = Vec::new();
        for message in messages {
            let new = !self.seen.contains(&message.id);
            if new {
                self.seen.push(message.id.clone());
            }
            if new && self.live && message.author != Author::Visitor {
                lines.push(Line::Message(message));
            }
        }
        // Whatever the first synced look finds is history; later arrivals are news.
        self.live |= synced;
        if typing && !self.typing {
            lines.push(Line::Typing);
        }
        self.typing = typing;
        lines
    }
}

/// A message's words without its formatting, for a screen reader: blocks and line breaks become
/// spaces, markup and link targets go (the link text stays).
pub fn plain_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    read(body, |event| match event {
        Event::Text { text, .. } => out.push_str(text),
        _ => {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        }
    });
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, author: Author) -> MessageView {
        MessageView {
            id: id.into(),
            author,
            body: format!("body {id}"),
            created_at: 0,
            client_message_id: None,
            author_name: None,
        }
    }

    fn ids(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| match l {
                Line::Message(m) => m.id.clone(),
                Line::Typing => "typing".into(),
            })
            .collect()
    }

    #[test]
    fn history_is_not_news_and_each_new_message_is_said_once() {
        let mut a = Announcer::default();
        // The cached messages on opening, then the history from the server.
        let cached = vec![msg("1", Author::Visitor), msg("2", Author::Assistant)];
        assert!(a.next(&cached, false, false).is_empty());
        let mut history = cached.clone();
        history.push(msg("3", Author::Agent));
        assert!(a.next(&history, true, false).is_empty());
        // The visitor writes, the assistant types, then answers.
        history.push(msg("4", Author::Visitor));
        assert!(a.next(&history, true, false).is_empty());
        assert_eq!(ids(&a.next(&history, true, true)), ["typing"]);
        assert!(a.next(&history, true, true).is_empty(), "typing said once");
        history.push(msg("5", Author::Assistant));
        assert_eq!(ids(&a.next(&history, true, false)), ["5"]);
        // Looking again (a draft grew, the list redrew) says nothing more.
        assert!(a.next(&history, true, false).is_empty());
        // Two at once (a teammate's reply and a system line), in order; typing again.
        history.push(msg("6", Author::System));
        history.push(msg("7", Author::Agent));
        assert_eq!(ids(&a.next(&history, true, true)), ["6", "7", "typing"]);
    }

    #[test]
    fn a_new_visitor_hears_the_first_reply() {
        let mut a = Announcer::default();
        assert!(a.next(&[], true, false).is_empty());
        let messages = vec![msg("1", Author::Visitor), msg("2", Author::Assistant)];
        assert_eq!(ids(&a.next(&messages, true, false)), ["2"]);
    }

    #[test]
    fn plain_text_drops_the_markup() {
        assert_eq!(
            plain_text("Our **hours**:\n- Mon: 9-5\n- [Sat](https://x.example): 10-2\n\nBye"),
            "Our hours: Mon: 9-5 Sat: 10-2 Bye"
        );
        assert_eq!(plain_text("plain"), "plain");
    }
}
