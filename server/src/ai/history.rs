//! The newest turns of each conversation the assistant answers, kept between messages: every
//! reply needs the conversation so far, and reading it back was a fifth of the chat path's
//! request-side CPU (twenty message rows, each on its own page, through a read connection whose
//! page cache every commit of the writer empties).
//!
//! An entry is only ever used for the exact state it was built for. Each message stored bumps
//! its conversation's `message_count` in the same transaction, and the store reports the count
//! it reached; an entry holds the turns of a conversation at one count. A message whose store
//! reported count `n` may use the entry of count `n - 1`: no other message came in between. A
//! teammate's reply, an SMS or email, another server on the same PostgreSQL, a racing second
//! message: any of them moves the count past the entry, which is then never used again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::Turn;

/// The most turns an entry keeps: the pipeline's history, plus the message and its reply.
pub const MOST_TURNS: usize = 20;
/// Bounds on what the cache holds; past either, the least recently used half goes.
const MOST_ENTRIES: usize = 20_000;
const MOST_BYTES: usize = 32 << 20;

/// A conversation's turns, newest last, as of its `count`.
struct Entry {
    count: i64,
    turns: Arc<[Turn]>,
    bytes: usize,
    used: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    bytes: usize,
    clock: u64,
}

/// Recent turns per conversation (see the module's notes).
#[derive(Default)]
pub struct Histories {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Histories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("Histories")
            .field("entries", &inner.entries.len())
            .field("bytes", &inner.bytes)
            .finish()
    }
}

impl Histories {
    /// The conversation's turns before a message whose store reported `count`, if they are
    /// kept: up to [`MOST_TURNS`], oldest first.
    pub fn before(&self, conversation_id: &str, count: i64) -> Option<Arc<[Turn]>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(conversation_id)?;
        if entry.count != count - 1 {
            return None;
        }
        entry.used = now;
        Some(entry.turns.clone())
    }

    /// Keeps `earlier` (the turns before the message) with the message and its reply, when the
    /// store put the reply right after the message: the message's count `message_count`, the
    /// reply's `reply_count`. Otherwise something came in between: the conversation is dropped.
    pub fn answered(
        &self,
        conversation_id: &str,
        earlier: &[Turn],
        message: Turn,
        message_count: i64,
        reply: Turn,
        reply_count: i64,
    ) {
        if reply_count != message_count + 1 {
            self.forget(conversation_id);
            return;
        }
        let keep = earlier.len().min(MOST_TURNS.saturating_sub(2));
        let turns: Arc<[Turn]> = earlier[earlier.len() - keep..]
            .iter()
            .cloned()
            .chain([message, reply])
            .collect();
        let bytes = conversation_id.len()
            + turns
                .iter()
                .map(|t| t.body.len() + std::mem::size_of::<Turn>())
                .sum::<usize>();
        let mut inner = self.lock();
        inner.clock += 1;
        let used = inner.clock;
        let entry = Entry {
            count: reply_count,
            turns,
            bytes,
            used,
        };
        inner.bytes += bytes;
        if let Some(old) = inner.entries.insert(conversation_id.to_owned(), entry) {
            inner.bytes -= old.bytes;
        }
        if inner.entries.len() > MOST_ENTRIES || inner.bytes > MOST_BYTES {
            inner.evict();
        }
    }

    /// Drops what is kept of the conversation.
    pub fn forget(&self, conversation_id: &str) {
        let mut inner = self.lock();
        if let Some(old) = inner.entries.remove(conversation_id) {
            inner.bytes -= old.bytes;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave an entry half made: every change is one insert/remove.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    /// Drops the least recently used half of the entries (amortised: one pass per half filled).
    fn evict(&mut self) {
        let mut uses: Vec<u64> = self.entries.values().map(|e| e.used).collect();
        let middle = uses.len() / 2;
        let (_, cutoff, _) = uses.select_nth_unstable(middle);
        let cutoff = *cutoff;
        self.entries.retain(|_, e| e.used >= cutoff);
        self.bytes = self.entries.values().map(|e| e.bytes).sum();
    }
}

#[cfg(test)]
mod tests {
    use shared::api::Author;

    use super::*;

    fn turn(author: Author, body: &str) -> Turn {
        Turn {
            author,
            body: body.into(),
        }
    }

    fn bodies(turns: &[Turn]) -> Vec<&str> {
        turns.iter().map(|t| &*t.body).collect()
    }

    #[test]
    fn turns_are_used_only_for_the_message_right_after_them() {
        let kept = Histories::default();
        assert!(kept.before("cv_1", 1).is_none(), "nothing kept yet");
        let hello = turn(Author::Visitor, "hello");
        let hi = turn(Author::Assistant, "hi there");
        kept.answered("cv_1", &[], hello, 1, hi, 2);
        // The next message (count 3) follows them directly.
        assert_eq!(
            bodies(&kept.before("cv_1", 3).expect("kept")),
            ["hello", "hi there"]
        );
        // Count 4: a message came in between (a teammate's, another server's): not used.
        assert!(kept.before("cv_1", 4).is_none());
        assert!(kept.before("cv_2", 3).is_none(), "another conversation");
    }

    #[test]
    fn a_message_between_a_question_and_its_reply_drops_the_conversation() {
        let kept = Histories::default();
        let q = || turn(Author::Visitor, "q");
        let a = || turn(Author::Assistant, "a");
        kept.answered("cv_1", &[], q(), 1, a(), 2);
        // The reply's count is not the message's + 1: a teammate wrote in between.
        kept.answered("cv_1", &[], q(), 3, a(), 5);
        assert!(kept.before("cv_1", 6).is_none());
        assert!(
            kept.before("cv_1", 3).is_none(),
            "the older entry is gone too"
        );
    }

    #[test]
    fn the_newest_turns_are_kept_up_to_the_limit() {
        let kept = Histories::default();
        let earlier: Vec<Turn> = (0..MOST_TURNS + 5)
            .map(|n| turn(Author::Visitor, &format!("t{n}")))
            .collect();
        let question = turn(Author::Visitor, "question");
        let reply = turn(Author::Assistant, "reply");
        kept.answered("cv_1", &earlier, question, 40, reply, 41);
        let turns = kept.before("cv_1", 42).expect("kept");
        assert_eq!(turns.len(), MOST_TURNS);
        let shown = bodies(&turns);
        assert_eq!(shown[0], format!("t{}", MOST_TURNS + 5 - (MOST_TURNS - 2)));
        assert_eq!(&shown[MOST_TURNS - 2..], ["question", "reply"]);
    }

    #[test]
    fn the_least_recently_used_conversations_go_first_when_full() {
        let kept = Histories::default();
        let big = "x".repeat(MOST_BYTES / 8);
        let add = |n: usize| {
            kept.answered(
                &format!("cv_{n}"),
                &[],
                turn(Author::Visitor, &big),
                1,
                turn(Author::Assistant, "ok"),
                2,
            );
        };
        for n in 0..7 {
            add(n);
        }
        // Used again: the first conversation is no longer the least recently used.
        assert!(kept.before("cv_0", 3).is_some());
        add(7); // past the byte budget
        let inner = kept.lock();
        assert!(inner.bytes <= MOST_BYTES, "{} bytes", inner.bytes);
        assert_eq!(
            inner.bytes,
            inner.entries.values().map(|e| e.bytes).sum::<usize>()
        );
        let mut left: Vec<&str> = inner.entries.keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["cv_0", "cv_5", "cv_6", "cv_7"]);
    }
}
