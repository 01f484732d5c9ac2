//! Channels beyond web chat: each in its own module with its own router, inbound parser and
//! outbound sender. A channel only translates its wire format: what comes in is stored on the
//! sender's client and conversation (`conversations::by_address`) and answered by the one reply
//! pipeline (`ai::pipeline`); what goes out is queued in the [`outbox`] with the message that
//! says it, and sent by the channel's worker.

pub mod email;
pub mod outbox;
pub mod resume;
pub mod sms;
pub mod voice;
pub mod webhook;

use shared::api::Channel;
use sqlx::AnyConnection;

use outbox::Delivery;

/// The pieces `body` is sent as on `channel`: SMS segments (GSM-7 153 / UCS-2 67 a part when
/// it needs more than one), else the whole text.
pub fn parts(channel: Channel, body: &str) -> Vec<String> {
    match channel {
        Channel::Sms => sms::segments::segment(body).parts,
        Channel::Web | Channel::Email | Channel::Voice => vec![body.to_owned()],
    }
}

/// Whether the customer at the end of `delivery` asked for nothing more (an SMS number that
/// texted STOP).
pub async fn opted_out(
    conn: &mut AnyConnection,
    tenant_id: &str,
    delivery: &Delivery,
) -> sqlx::Result<bool> {
    match delivery.channel {
        Channel::Sms => sms::store::opted_out(conn, tenant_id, &delivery.recipient).await,
        Channel::Web | Channel::Email | Channel::Voice => Ok(false),
    }
}
