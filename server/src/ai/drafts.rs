//! A remote model's reply reaching the open widget while it is written.
//!
//! The provider streams raw text into a [`watch`] channel; [`Drafter::run`] reads it and sends
//! the visitor what is safe to show, a sentence (or a long clause) at a time, as
//! [`WidgetEvent::Draft`] pieces over the session's event stream. What the visitor sees of a
//! draft went through what the stored reply goes through: the handoff marker taken out, the
//! placeholders of redacted personal data put back, the reply safety check passed (the first
//! piece that fails it ends the draft; the stored reply replaces it). The stored reply, a
//! message with the draft's id, always has the last word.

use shared::api::WidgetEvent;
use tokio::sync::watch;

use super::openai::strip_marker;
use super::safety::{self, MergedLists};
use crate::realtime::DraftItem;
use crate::state::AppState;

/// Characters per draft piece: a PostgreSQL notification carries at most 8000 bytes.
const PIECE_CHARS: usize = 1000;
/// A clause this long without a sentence end is shown up to its last space.
const LONG_CLAUSE_BYTES: usize = 160;

/// Where a draft goes and what it is made of.
pub struct Drafter<'a> {
    pub state: &'a AppState,
    pub tenant_id: &'a str,
    pub session_id: &'a str,
    pub conversation_id: &'a str,
    /// The id the stored reply will have.
    pub reply_id: &'a str,
    pub author_name: &'a str,
    /// A handoff note that leads the reply.
    pub note: Option<&'a str>,
    /// Redacted personal data, to put back.
    pub placeholders: &'a [(String, String)],
    pub lists: &'a MergedLists,
}

impl Drafter<'_> {
    /// Sends the draft as `raw` grows, until the writer is done (the sender dropped) or the
    /// draft fails the safety check.
    pub async fn run(self, mut raw: watch::Receiver<String>) {
        let mut shown = String::new();
        while raw.changed().await.is_ok() {
            let upto = {
                let text = raw.borrow_and_update();
                showable_end(&text).map(|end| text[..end].to_owned())
            };
            let Some(upto) = upto else { continue };
            let Some(draft) = self.draft(&upto) else {
                return; // unsafe so far: the stored reply decides what the visitor sees
            };
            for (offset, text) in pieces(&shown, &draft) {
                let item = DraftItem {
                    session_id: self.session_id.to_owned(),
                    event: WidgetEvent::Draft {
                        conversation_id: self.conversation_id.to_owned(),
                        id: self.reply_id.to_owned(),
                        author_name: Some(self.author_name.to_owned()),
                        offset,
                        text,
                    },
                };
                if let Err(error) = self.state.hub.publish_draft(self.tenant_id, item).await {
                    // Only the live view suffers: the stored reply still arrives.
                    tracing::warn!(%error, "sending a reply draft");
                    return;
                }
            }
            shown = draft;
        }
    }

    /// What the visitor may see of the raw text so far; `None` when it fails the reply safety
    /// check.
    fn draft(&self, raw: &str) -> Option<String> {
        let (text, _) = strip_marker(raw);
        let text = safety::restore(&text, self.placeholders);
        let verdict = safety::check_reply(self.lists, &text);
        if verdict.blocked.is_some() || verdict.serious.is_some() {
            return None;
        }
        Some(match self.note {
            Some(note) if !text.is_empty() => format!("{note}\n\n{text}"),
            Some(note) => note.to_owned(),
            None => text,
        })
    }
}

/// The end (a byte index) of the part of `raw` ready to show: through the last sentence end
/// or line break, else, in a long clause, up to its last space. `None`: nothing yet.
fn showable_end(raw: &str) -> Option<usize> {
    let mut chars = raw.char_indices().peekable();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends_sentence =
            matches!(c, '.' | '!' | '?' | '…' | ':' | ';') && next.is_some_and(char::is_whitespace);
        if c == '\n' || ends_sentence {
            end = Some(i + c.len_utf8());
        }
    }
    let from = end.unwrap_or(0);
    if raw.len() - from > LONG_CLAUSE_BYTES {
        if let Some(space) = raw[from..].rfind(char::is_whitespace) {
            return Some(from + space).filter(|&e| e > 0);
        }
    }
    end
}

/// The pieces that turn `shown` into `draft`: from where they first differ, at most
/// [`PIECE_CHARS`] characters each, with the character offset each starts at.
fn pieces(shown: &str, draft: &str) -> Vec<(u32, String)> {
    let common = shown
        .chars()
        .zip(draft.chars())
        .take_while(|(a, b)| a == b)
        .count();
    if common == shown.chars().count() && common == draft.chars().count() {
        return Vec::new();
    }
    let rest: Vec<char> = draft.chars().skip(common).collect();
    if rest.is_empty() {
        // The draft got shorter (the writer took something back): cut it where they differ.
        return vec![(u32::try_from(common).unwrap_or(u32::MAX), String::new())];
    }
    rest.chunks(PIECE_CHARS)
        .enumerate()
        .map(|(n, chunk)| {
            let offset = common + n * PIECE_CHARS;
            (
                u32::try_from(offset).unwrap_or(u32::MAX),
                chunk.iter().collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finished_sentences_are_shown() {
        assert_eq!(showable_end("We roast on Mon"), None);
        let raw = "We roast on Mondays. Ship";
        assert_eq!(
            showable_end(raw).map(|e| &raw[..e]),
            Some("We roast on Mondays.")
        );
        // A full stop inside a number or a name is not a sentence end.
        let raw = "It costs $4.50 per bag and ships from Ore";
        assert_eq!(showable_end(raw), None);
        let raw = "Sure!\nWhat else";
        assert_eq!(showable_end(raw).map(|e| &raw[..e]), Some("Sure!\n"));
        let raw = "Is it you? I think";
        assert_eq!(showable_end(raw).map(|e| &raw[..e]), Some("Is it you?"));
    }

    #[test]
    fn a_long_clause_is_shown_up_to_its_last_space() {
        let raw = format!("{}tail", "word ".repeat(40));
        let end = showable_end(&raw).expect("shown");
        assert!(raw[..end].ends_with("word"), "{}", &raw[..end]);
        assert!(!raw[..end].contains("tail"));
    }

    #[test]
    fn pieces_extend_the_shown_draft_or_take_back_what_changed() {
        assert_eq!(pieces("", "Hi."), vec![(0, "Hi.".to_owned())]);
        assert_eq!(pieces("Hi.", "Hi. Yes."), vec![(3, " Yes.".to_owned())]);
        assert!(pieces("Hi.", "Hi.").is_empty());
        // A placeholder put back changes text already shown.
        assert_eq!(
            pieces("Card [CARD] ok.", "Card 4111 ok."),
            vec![(5, "4111 ok.".to_owned())]
        );
        assert_eq!(pieces("Hi there.", "Hi."), vec![(2, ".".to_owned())]);
        assert_eq!(pieces("Hi there", "Hi"), vec![(2, String::new())]);
        // Long text goes in pieces a notification can carry.
        let long = "é".repeat(2500);
        let parts = pieces("", &long);
        assert_eq!(
            parts
                .iter()
                .map(|(o, t)| (*o, t.chars().count()))
                .collect::<Vec<_>>(),
            vec![(0, 1000), (1000, 1000), (2000, 500)]
        );
    }
}
