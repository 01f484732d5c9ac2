//! Mailgun's signed forward of inbound mail: a route's `forward("<URL>")` action posting the raw
//! message to `POST /webhooks/email/mailgun/{channel_id}/mime` (Mailgun posts the raw MIME, in
//! `body-mime`, only to a URL that ends in `mime`), as `multipart/form-data` or
//! `application/x-www-form-urlencoded`.
//!
//! Mailgun signs `timestamp` + `token` (hex HMAC-SHA256 with the account's HTTP webhook signing
//! key, in `signature`); the message itself is not covered, so a signature is taken once: its
//! token is kept ([`take_nonce`]) and a second post with it is refused. Answers follow Mailgun's
//! retry rules: 200 stored (or already stored), 406 for what no retry can fix (no such channel,
//! no Mailgun key on it, no raw message, a message that does not read), 403 for a bad or reused
//! signature; anything else is retried by Mailgun for 8 hours.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::inbound::{receive, BODY_MAX};
use super::parse;
use super::store;
use crate::db::{is_unique_violation, now_ms, Db};
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;

/// How far Mailgun's timestamp may be from now.
const TOLERANCE_SECS: i64 = 300;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/webhooks/email/mailgun/{channel_id}/mime",
        post(webhook).layer(axum::extract::DefaultBodyLimit::max(BODY_MAX)),
    )
}

fn not_applicable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::client(StatusCode::NOT_ACCEPTABLE, code, message)
}

/// The fields of Mailgun's post this handler reads.
#[derive(Default)]
struct Post {
    body_mime: Option<Vec<u8>>,
    recipient: Option<String>,
    timestamp: Option<String>,
    token: Option<String>,
    signature: Option<String>,
}

impl Post {
    fn set(&mut self, name: &str, value: Vec<u8>) {
        let text = || String::from_utf8_lossy(&value).into_owned();
        match name {
            "body-mime" => self.body_mime = Some(value),
            "recipient" => self.recipient = Some(text()),
            "timestamp" => self.timestamp = Some(text()),
            "token" => self.token = Some(text()),
            "signature" => self.signature = Some(text()),
            _ => {}
        }
    }
}

async fn read_post(request: Request) -> Result<Post> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut post = Post::default();
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))?;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let value = field
                .bytes()
                .await
                .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))?;
            post.set(&name, value.to_vec());
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let body = Bytes::from_request(request, &())
            .await
            .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))?;
        for (name, value) in form_urlencoded_pairs(&body) {
            post.set(&name, value.into_bytes());
        }
    } else {
        return Err(ApiError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Mailgun posts multipart/form-data or application/x-www-form-urlencoded.",
        ));
    }
    Ok(post)
}

fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

/// Whether `signature` is Mailgun's for `timestamp` + `token` under `key`, within
/// [`TOLERANCE_SECS`] of `now` (Unix seconds).
pub fn signature_ok(key: &str, timestamp: &str, token: &str, signature: &str, now: i64) -> bool {
    let Ok(ts) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    if (now - ts).abs() > TOLERANCE_SECS || token.is_empty() || token.len() > 200 {
        return false;
    }
    let Ok(given) = hex::decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.trim().as_bytes());
    mac.update(token.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Keeps `nonce` as taken for `provider`; `false` when it was taken before. Forgets the ones
/// older than any signature could still be accepted.
pub async fn take_nonce(db: &Db, provider: &str, nonce: &str) -> sqlx::Result<bool> {
    let now = now_ms();
    sqlx::query("DELETE FROM webhook_nonces WHERE seen_at < $1")
        .bind(now - 2 * TOLERANCE_SECS * 1000)
        .execute(&db.pool)
        .await?;
    let inserted =
        sqlx::query("INSERT INTO webhook_nonces (provider, nonce, seen_at) VALUES ($1, $2, $3)")
            .bind(provider)
            .bind(nonce)
            .bind(now)
            .execute(&db.pool)
            .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Gives back a nonce [`take_nonce`] took, for a post that stored nothing.
pub async fn release_nonce(db: &Db, provider: &str, nonce: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM webhook_nonces WHERE provider = $1 AND nonce = $2")
        .bind(provider)
        .bind(nonce)
        .execute(&db.pool)
        .await?;
    Ok(())
}

async fn webhook(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    request: Request,
) -> Result<(StatusCode, AppJson<serde_json::Value>)> {
    let channel = store::find_by_id(&state.db, &channel_id)
        .await?
        .ok_or_else(|| {
            not_applicable(
                "channel_not_found",
                "No email channel has this URL (it was disconnected?): nothing was stored.",
            )
        })?;
    let Some(key) = channel.mailgun_signing_key.clone() else {
        return Err(not_applicable(
            "mailgun_not_configured",
            "This address has no Mailgun signing key in its settings: nothing was stored.",
        ));
    };
    let post = read_post(request).await?;
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    let (timestamp, token) = (field(&post.timestamp), field(&post.token));
    let signed = signature_ok(
        &key,
        &timestamp,
        &token,
        &field(&post.signature),
        now_ms() / 1000,
    );
    if !signed {
        return Err(ApiError::forbidden(
            "invalid_signature",
            "Mailgun's signature does not match the signing key, or is too old: nothing was stored.",
        ));
    }
    let Some(raw) = post.body_mime else {
        return Err(not_applicable(
            "missing_body_mime",
            "No body-mime field: point the Mailgun route at the URL ending in /mime.",
        ));
    };
    let parsed = parse::parse(&raw)
        .map_err(|e| not_applicable("invalid_email", format!("The message does not read: {e}.")))?;
    if !take_nonce(&state.db, "mailgun", &token).await? {
        return Err(ApiError::forbidden(
            "signature_reused",
            "This signature was used before: nothing was stored.",
        ));
    }
    tracing::debug!(recipient = ?post.recipient, channel = %channel.id, "mail from Mailgun");
    if let Err(e) = receive(&state, &channel, &raw, parsed).await {
        // Not stored: Mailgun's retry of this very post must not be refused as a reuse.
        if let Err(error) = release_nonce(&state.db, "mailgun", &token).await {
            tracing::warn!(%error, "releasing a Mailgun signature after a failed receive");
        }
        return Err(e);
    }
    Ok((StatusCode::OK, AppJson(json!({ "stored": true }))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(key: &str, ts: &str, token: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(format!("{ts}{token}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn mailguns_signature_covers_its_timestamp_and_token() {
        let good = sign("key-1", "1700000000", "tok");
        assert!(signature_ok(
            "key-1",
            "1700000000",
            "tok",
            &good,
            1700000100
        ));
        assert!(!signature_ok(
            "key-2",
            "1700000000",
            "tok",
            &good,
            1700000100
        ));
        assert!(!signature_ok(
            "key-1",
            "1700000000",
            "other",
            &good,
            1700000100
        ));
        assert!(!signature_ok(
            "key-1",
            "1700000001",
            "tok",
            &good,
            1700000100
        ));
        // Too old, or from the future.
        assert!(!signature_ok(
            "key-1",
            "1700000000",
            "tok",
            &good,
            1700000301
        ));
        assert!(!signature_ok(
            "key-1",
            "1700000000",
            "tok",
            &good,
            1699999699
        ));
        assert!(!signature_ok(
            "key-1",
            "1700000000",
            "tok",
            "zz",
            1700000100
        ));
        assert!(!signature_ok(
            "key-1",
            "1700000000",
            "",
            &sign("key-1", "1700000000", ""),
            1700000100
        ));
    }

    #[test]
    fn urlencoded_fields_read_with_their_escapes() {
        let pairs = form_urlencoded_pairs(b"recipient=a%40b.example&body-mime=Subject%3A+hi%0D%0A");
        assert_eq!(pairs[0], ("recipient".into(), "a@b.example".into()));
        assert_eq!(pairs[1], ("body-mime".into(), "Subject: hi\r\n".into()));
    }
}
