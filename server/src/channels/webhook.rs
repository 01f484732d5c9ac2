//! The signature of the webhooks whose scheme is ours (email, voice): `X-Livechat-Timestamp:
//! <unix seconds>` and `X-Livechat-Signature: sha256=<hex>`, the HMAC-SHA256 of
//! `"{timestamp}.{body}"` with the channel's webhook secret, within 5 minutes of now (older is a
//! replay). SMS providers sign in their own ways (`sms::signature`).

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{ApiError, Result};

/// How far a webhook's timestamp may be from now: older is a replay.
const TOLERANCE_SECS: i64 = 300;

/// The request's signature headers check out against `secret`, else the 403 that says so.
pub fn check(headers: &HeaderMap, body: &[u8], secret: &str) -> Result<()> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let signed = match (
        header("x-livechat-timestamp"),
        header("x-livechat-signature"),
    ) {
        (Some(ts), Some(sig)) => signature_ok(secret, ts, sig, body, crate::db::now_ms() / 1000),
        _ => false,
    };
    if signed {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "invalid_signature",
            "The webhook's signature does not match: nothing was stored.",
        ))
    }
}

/// The `X-Livechat-Signature` value for `body` sent at `timestamp` (Unix seconds): what a
/// sender of these webhooks computes (the voice settings' "send a test" does).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // An HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `signature` (`sha256=<hex>`) signs `"{timestamp}.{body}"` with `secret`, and the
/// timestamp is within [`TOLERANCE_SECS`] of `now`.
pub fn signature_ok(secret: &str, timestamp: &str, signature: &str, body: &[u8], now: i64) -> bool {
    let Ok(ts) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    if (now - ts).abs() > TOLERANCE_SECS {
        return false;
    }
    let Some(given) = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.trim().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, ts: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{ts}.").as_bytes());
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn a_webhook_signature_covers_the_timestamp_and_the_body() {
        let body = b"From: a@b.example\r\n\r\nhi";
        let good = sign("s3cret", "1000", body);
        assert!(signature_ok("s3cret", "1000", &good, body, 1100));
        assert!(!signature_ok("other", "1000", &good, body, 1100));
        assert!(!signature_ok("s3cret", "1001", &good, body, 1100));
        assert!(!signature_ok("s3cret", "1000", &good, b"changed", 1100));
        // A replay from long ago.
        assert!(!signature_ok(
            "s3cret",
            "1000",
            &good,
            body,
            1000 + TOLERANCE_SECS + 1
        ));
        assert!(!signature_ok("s3cret", "1000", "sha256=zz", body, 1100));
        assert!(!signature_ok("s3cret", "x", &good, body, 1100));
    }
}
