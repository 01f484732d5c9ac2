//! The SMS channel: Twilio and Telnyx numbers a workspace connects, their signed webhooks (a
//! customer's text, a delivery report) in [`inbound`], and replies sent through the provider's
//! REST API by the outbox worker ([`sender`]), one segment ([`segments`]) at a time. The wire
//! formats are in [`twilio`], [`telnyx`] and [`wire`]; their signatures in [`signature`].

pub mod inbound;
pub mod keywords;
pub mod segments;
pub mod sender;
pub mod signature;
pub mod store;
pub mod telnyx;
pub mod twilio;
pub mod wire;
