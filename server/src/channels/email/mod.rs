//! The email channel: inbound addresses a workspace connects, mail received by webhook
//! ([`inbound`]), forwarded by a Mailgun route ([`mailgun`]) or taken by the optional SMTP
//! listener ([`smtp_listener`], for direct delivery), parsed by a real MIME parser ([`parse`]),
//! threaded ([`thread`]) with quoted text trimmed ([`quotes`]), answered by the reply pipeline,
//! and replies sent over SMTP with lettre ([`outgoing`]) by the outbox worker ([`sender`]) after
//! the channel's reply delay.

pub mod inbound;
pub mod mailgun;
pub mod outgoing;
pub mod parse;
pub mod quotes;
pub mod sender;
pub mod smtp_listener;
pub mod store;
pub mod thread;

use crate::state::AppState;
use smtp_listener::{DeliverError, Envelope, ListenerConfig};

/// Receives mail for the workspaces' addresses on `listener` (`LIVECHAT_SMTP_LISTEN`): meant to
/// sit behind the MX or on a private network (no STARTTLS, no AUTH). Mail for an address no
/// workspace connected is refused with 554 after DATA.
pub fn spawn_listener(state: AppState, listener: tokio::net::TcpListener) {
    let hostname = state
        .config
        .public_url
        .as_deref()
        .and_then(|u| u.split("://").nth(1))
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or("localhost")
        .to_owned();
    let config = ListenerConfig::new(hostname, |_: &str| true);
    let deliver = smtp_listener::deliver_fn(move |envelope: Envelope| {
        let state = state.clone();
        async move { deliver(&state, envelope).await }
    });
    tokio::spawn(smtp_listener::serve(listener, config, deliver));
}

async fn deliver(state: &AppState, envelope: Envelope) -> Result<(), DeliverError> {
    let parsed = parse::parse(&envelope.data)
        .map_err(|e| DeliverError::Permanent(format!("the message does not read: {e}")))?;
    let mut recipients = envelope.rcpt_to.clone();
    recipients.extend(inbound::recipients(&parsed, None));
    let channel = store::find_receiving(&state.db, &recipients)
        .await
        .map_err(|e| DeliverError::Temporary(format!("store: {e}")))?
        .ok_or_else(|| DeliverError::Permanent("no such mailbox here".to_owned()))?;
    inbound::receive(state, &channel, &envelope.data, parsed)
        .await
        .map_err(|e| match e {
            crate::error::ApiError::Client { message, .. } => DeliverError::Permanent(message),
            other => DeliverError::Temporary(other.to_string()),
        })
}
