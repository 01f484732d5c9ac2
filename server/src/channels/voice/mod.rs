//! The voice channel: call records a voice provider (or the bridge in front of it) posts when a
//! call ends, stored as a conversation of the caller's client whose messages are the call's
//! summary line and its speaker-labelled transcript, so a call sits in the same timeline as chat,
//! SMS and email; and the seed's voice analytics (overview and timeline).
//!
//! `POST /webhooks/voice` takes a [`shared::channels::CallRecord`] signed like the email webhook
//! (`X-Livechat-Timestamp`, `X-Livechat-Signature: sha256=<hex HMAC-SHA256 of
//! "{timestamp}.{body}">` with the number's webhook secret); the workspace is found from the
//! called number; a call id is stored once.

pub mod analytics;
pub mod inbound;
pub mod store;
