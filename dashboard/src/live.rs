//! The dashboard's WebSocket: one per tab, resuming after the last event it saw, so a dropped
//! connection replays exactly what it missed.
//!
//! The rules (where to resume, how long to wait) are plain functions tested natively; the socket
//! itself only exists in the browser.

use shared::dashboard::SocketFrame;

/// The server closes with this code when the session cookie is no longer valid.
pub const SESSION_ENDED: u16 = 4001;

const FIRST_DELAY_MS: f64 = 500.0;
const MAX_DELAY_MS: f64 = 10_000.0;

/// What the connection indicator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Offline,
}

impl Connection {
    /// The `data-state` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Offline => "offline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Connecting => "Connecting…",
            Self::Live => "Live",
            Self::Offline => "Offline, reconnecting…",
        }
    }
}

/// The last event the tab has seen: a new connection asks for everything after it. `None`
/// until the first frame when the page only wants what happens from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumePoint(Option<i64>);

impl ResumePoint {
    /// Starts after `seq`: the `lastEventSeq` of the first page loaded.
    pub fn after(seq: i64) -> Self {
        Self(Some(seq))
    }

    /// Starts with whatever happens from now on (the server's `caught_up` says where that is).
    pub fn now() -> Self {
        Self(None)
    }

    pub fn seq(self) -> Option<i64> {
        self.0
    }

    /// Moves past what `frame` says was sent. Never backwards.
    pub fn observe(&mut self, frame: &SocketFrame) {
        let seen = match frame {
            SocketFrame::Event { envelope } => envelope.seq,
            SocketFrame::CaughtUp { seq } | SocketFrame::Reset { seq } => *seq,
            SocketFrame::Typing { .. } => return,
        };
        self.0 = Some(self.0.map_or(seen, |s| s.max(seen)));
    }

    /// `ws(s)://<host>/api/dashboard/ws?after=<seq>` for a page served at `protocol//host`
    /// (without `after` before anything was seen from a [`ResumePoint::now`]).
    pub fn url(self, protocol: &str, host: &str) -> String {
        let scheme = if protocol == "https:" { "wss:" } else { "ws:" };
        match self.0 {
            Some(seq) => format!("{scheme}//{host}/api/dashboard/ws?after={seq}"),
            None => format!("{scheme}//{host}/api/dashboard/ws"),
        }
    }
}

/// Reconnect delays: 0.5 s doubling to 10 s, each shortened by up to a quarter at random so a
/// team's tabs do not all reconnect in the same instant after a server restart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The wait before the next attempt, in ms; `random` is in `0.0..1.0`.
    pub fn next_delay(&mut self, random: f64) -> u32 {
        let base = (FIRST_DELAY_MS * 2f64.powi(self.failures.min(16) as i32)).min(MAX_DELAY_MS);
        self.failures = self.failures.saturating_add(1);
        (base * (1.0 - 0.25 * random.clamp(0.0, 1.0))).round() as u32
    }

    /// The connection is healthy again: the next drop starts from the shortest wait.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(target_arch = "wasm32")]
mod socket;
#[cfg(target_arch = "wasm32")]
pub use socket::{Live, LiveHandlers};

#[cfg(test)]
mod tests {
    use shared::dashboard::Typing;

    use super::*;

    fn event(seq: i64) -> SocketFrame {
        // Any event will do: only its place in the sequence matters here.
        let json = serde_json::json!({
            "type": "event",
            "envelope": {"seq": seq, "at": 0, "event": {
                "type": "conversation_created",
                "conversation": {
                    "id": "cv", "channel": "web", "status": "open", "client": null,
                    "assistantId": null, "assistantName": null, "intent": null,
                    "assigneeId": null, "assigneeName": null, "aiPaused": false,
                    "flagged": false, "flagReason": null, "lastMessage": null,
                    "lastMessageAuthor": null, "lastMessageAt": 0, "createdAt": 0,
                    "messageCount": 0, "unread": false
                }
            }}
        });
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_reconnect_resumes_after_the_last_seq_seen() {
        let mut resume = ResumePoint::after(7);
        assert_eq!(
            resume.url("http:", "localhost:3000"),
            "ws://localhost:3000/api/dashboard/ws?after=7"
        );
        resume.observe(&event(8));
        resume.observe(&event(9));
        resume.observe(&SocketFrame::Typing {
            typing: Typing {
                conversation_id: "cv".into(),
                author: shared::api::Author::Visitor,
                name: None,
                active: true,
            },
        });
        assert_eq!(
            resume.url("https:", "chat.example.com"),
            "wss://chat.example.com/api/dashboard/ws?after=9"
        );
    }

    #[test]
    fn the_resume_point_never_goes_back() {
        let mut resume = ResumePoint::after(10);
        resume.observe(&event(4));
        assert_eq!(resume.seq(), Some(10));
        resume.observe(&SocketFrame::CaughtUp { seq: 12 });
        assert_eq!(resume.seq(), Some(12));
    }

    #[test]
    fn a_page_that_starts_from_now_asks_for_no_past_then_resumes_after_caught_up() {
        let mut resume = ResumePoint::now();
        assert_eq!(
            resume.url("http:", "localhost:3000"),
            "ws://localhost:3000/api/dashboard/ws"
        );
        resume.observe(&SocketFrame::CaughtUp { seq: 7 });
        assert_eq!(
            resume.url("http:", "localhost:3000"),
            "ws://localhost:3000/api/dashboard/ws?after=7"
        );
    }

    #[test]
    fn backoff_doubles_to_ten_seconds_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<u32> = (0..7).map(|_| backoff.next_delay(0.0)).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        backoff.reset();
        let jittered = backoff.next_delay(1.0);
        assert_eq!(jittered, 375);
    }
}
