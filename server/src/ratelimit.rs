//! Per-key token buckets (a burst, then a sustained rate), and [`Limiters`]: every limit the API
//! applies, by visitor session, client address, tenant and sign-in email.
//!
//! Memory stays bounded: a bucket that has refilled is the same as no bucket, so it is dropped
//! (a sweep every few thousand new keys); and a hard cap on keys holds even against a flood of
//! distinct keys between sweeps.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::client_addr::ClientAddr;
use crate::config::Limits;
use crate::error::ApiError;

const SWEEP_EVERY: usize = 4096;
/// Keys one limiter holds at most (~100 bytes each).
pub const MAX_KEYS: usize = 100_000;

pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    max_keys: usize,
    buckets: Mutex<Buckets>,
}

struct Buckets {
    map: HashMap<String, Bucket>,
    inserts_since_sweep: usize,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `burst` requests at once, refilled at `per_minute` a minute.
    pub fn new(burst: u32, per_minute: u32) -> Self {
        Self::with_max_keys(burst, per_minute, MAX_KEYS)
    }

    pub fn with_max_keys(burst: u32, per_minute: u32, max_keys: usize) -> Self {
        Self {
            capacity: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                inserts_since_sweep: 0,
            }),
        }
    }

    /// Takes one token for `key`, or says in how many whole seconds one will be available.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    /// Whether `key` has a token now, taking none; `Err` says in how many whole seconds it will.
    pub fn peek(&self, key: &str) -> Result<(), u64> {
        self.peek_at(key, Instant::now())
    }

    fn peek_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        match self.lock().map.get(key) {
            Some(bucket) => self.wait_for_token(self.refilled(bucket, now)),
            None => Ok(()),
        }
    }

    /// Gives back the token a request took when a later check refused that request.
    pub fn refund(&self, key: &str) {
        if let Some(bucket) = self.lock().map.get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.capacity);
        }
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buckets> {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut guard = self.lock();
        let buckets = &mut *guard;
        if !buckets.map.contains_key(key) {
            buckets.inserts_since_sweep += 1;
            if buckets.inserts_since_sweep >= SWEEP_EVERY || buckets.map.len() >= self.max_keys {
                buckets.inserts_since_sweep = 0;
                self.drop_refilled(&mut buckets.map, now);
            }
            if buckets.map.len() >= self.max_keys {
                // Every key is in use: forget an arbitrary eighth (each starts afresh, a
                // small leniency) rather than refuse every newcomer or grow without bound.
                let mut forget = (self.max_keys / 8).max(1);
                buckets.map.retain(|_, _| {
                    if forget == 0 {
                        return true;
                    }
                    forget -= 1;
                    false
                });
                tracing::warn!(
                    max_keys = self.max_keys,
                    "rate limiter full: forgot some keys"
                );
            }
        }
        let bucket = buckets.map.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.capacity,
            updated: now,
        });
        bucket.tokens = self.refilled(bucket, now);
        bucket.updated = now;
        self.wait_for_token(bucket.tokens)?;
        bucket.tokens -= 1.0;
        Ok(())
    }

    /// `Ok` when `tokens` hold a whole one, else the whole seconds until they will.
    fn wait_for_token(&self, tokens: f64) -> Result<(), u64> {
        if tokens >= 1.0 {
            return Ok(());
        }
        let wait = (1.0 - tokens) / self.per_second;
        // Float to integer: a positive wait, rounded up.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Err(wait.ceil().max(1.0) as u64)
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.capacity)
    }

    /// A full bucket is the same as none: dropping it loses nothing.
    fn drop_refilled(&self, map: &mut HashMap<String, Bucket>, now: Instant) {
        map.retain(|_, b| self.refilled(b, now) < self.capacity);
    }
}

/// Takes a token from each bucket in order; when one refuses, gives back those already taken,
/// so a refused request costs nothing. Answers the index of the refusing check and its wait.
fn take_all(checks: &[(&RateLimiter, &str)]) -> Result<(), (usize, u64)> {
    for (i, (limiter, key)) in checks.iter().enumerate() {
        if let Err(wait) = limiter.check(key) {
            for (taken, key) in &checks[..i] {
                taken.refund(key);
            }
            return Err((i, wait));
        }
    }
    Ok(())
}

fn too_many(code: &'static str, message: &str, retry_after_secs: u64) -> ApiError {
    ApiError::Client {
        status: StatusCode::TOO_MANY_REQUESTS,
        code,
        message: format!("{message} Please wait {retry_after_secs} s and try again."),
        field: None,
        retry_after_secs: Some(retry_after_secs),
    }
}

/// Every rate limit of the API.
pub struct Limiters {
    messages_per_session: RateLimiter,
    messages_per_address: RateLimiter,
    messages_per_tenant: RateLimiter,
    sessions_per_address: RateLimiter,
    sessions_per_tenant: RateLimiter,
    /// Sign-in attempts, keyed `ip:<address>` and `email:<email>`.
    logins: RateLimiter,
    /// Proactive bubble reports (shown, opened, dismissed) per address.
    tracks_per_address: RateLimiter,
    /// Widget requests naming a session that does not exist, per address: a visitor misses
    /// rarely (a session deleted by retention, then the widget starts a new one); a stranger
    /// with the public token guessing session ids misses on every request.
    session_misses_per_address: RateLimiter,
}

/// Bubble reports one address may send: a visitor sends at most two per page and rule (shown,
/// then opened or dismissed); an office behind one address sends more, so the burst is wide.
const TRACK_BURST: u32 = 60;
const TRACKS_PER_MINUTE: u32 = 120;
/// Unknown session ids one address may name: room for an office of visitors whose sessions all
/// expired at once, and nothing like what guessing needs.
const SESSION_MISS_BURST: u32 = 30;
const SESSION_MISSES_PER_MINUTE: u32 = 30;

impl Limiters {
    pub fn new(limits: &Limits) -> Self {
        Self {
            messages_per_session: RateLimiter::new(
                limits.message_burst,
                limits.messages_per_minute,
            ),
            messages_per_address: RateLimiter::new(
                limits.address_message_burst,
                limits.address_messages_per_minute,
            ),
            messages_per_tenant: RateLimiter::new(
                limits.tenant_message_burst,
                limits.tenant_messages_per_minute,
            ),
            sessions_per_address: RateLimiter::new(
                limits.session_burst,
                limits.sessions_per_minute,
            ),
            sessions_per_tenant: RateLimiter::new(
                limits.tenant_session_burst,
                limits.tenant_sessions_per_minute,
            ),
            logins: RateLimiter::new(limits.login_burst, limits.logins_per_minute),
            tracks_per_address: RateLimiter::new(TRACK_BURST, TRACKS_PER_MINUTE),
            session_misses_per_address: RateLimiter::new(
                SESSION_MISS_BURST,
                SESSION_MISSES_PER_MINUTE,
            ),
        }
    }

    /// A new visitor message: per session, then per address, then per tenant (`rate_limited`).
    pub fn message(&self, session_id: &str, from: ClientAddr, tenant_id: &str) -> Result<()> {
        let address = from.rate_key();
        take_all(&[
            (&self.messages_per_session, session_id),
            (&self.messages_per_address, &address),
            (&self.messages_per_tenant, tenant_id),
        ])
        .map_err(|(which, wait)| match which {
            0 => ApiError::rate_limited(wait),
            1 => too_many(
                "rate_limited",
                "Too many messages from your network in a short time.",
                wait,
            ),
            _ => too_many(
                "rate_limited",
                "This chat is receiving too many messages right now.",
                wait,
            ),
        })
    }

    /// A new visitor session: per address, then per tenant (`too_many_sessions`).
    pub fn session(&self, from: ClientAddr, tenant_id: &str) -> Result<()> {
        let address = from.rate_key();
        take_all(&[
            (&self.sessions_per_address, &address),
            (&self.sessions_per_tenant, tenant_id),
        ])
        .map_err(|(which, wait)| {
            let message = if which == 0 {
                "Too many new chats from your network."
            } else {
                "This chat is starting too many conversations right now."
            };
            too_many("too_many_sessions", message, wait)
        })
    }

    /// Before looking up a session `from` names: refused (`too_many_unknown_sessions`) while
    /// the address has used up its misses, so a guesser costs the store nothing.
    pub fn session_lookup(&self, from: ClientAddr) -> Result<()> {
        self.session_misses_per_address
            .peek(&from.rate_key())
            .map_err(|wait| {
                too_many(
                    "too_many_unknown_sessions",
                    "Too many requests for chat sessions that do not exist from your network.",
                    wait,
                )
            })
    }

    /// `from` named a session that does not exist (see [`Self::session_lookup`]).
    pub fn session_missed(&self, from: ClientAddr) {
        // A refusal here changes nothing: the next lookup is refused.
        let _ = self.session_misses_per_address.check(&from.rate_key());
    }

    /// A proactive bubble report from `from` (`rate_limited`).
    pub fn track(&self, from: ClientAddr) -> Result<()> {
        take_all(&[(&self.tracks_per_address, &from.rate_key())]).map_err(|(_, wait)| {
            too_many(
                "rate_limited",
                "Too many reports from your network in a short time.",
                wait,
            )
        })
    }

    /// A sign-in attempt: one address guessing many accounts, many addresses guessing one
    /// (`too_many_attempts`).
    pub fn login(&self, from: ClientAddr, email: &str) -> Result<()> {
        let address = format!("ip:{}", from.rate_key());
        // A digest, not the address itself: a request may carry a 32 KB "email", and the key
        // is kept for minutes.
        let email = format!(
            "email:{}",
            hex::encode(Sha256::digest(email.trim().to_lowercase()))
        );
        take_all(&[(&self.logins, &address), (&self.logins, &email)])
            .map_err(|(_, wait)| ApiError::too_many_attempts(wait))
    }
}

type Result<T, E = ApiError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_applies() {
        let limiter = RateLimiter::new(3, 60);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("s", t0).is_ok());
        }
        assert_eq!(limiter.check_at("s", t0), Err(1));
        assert!(limiter
            .check_at("s", t0 + Duration::from_millis(1100))
            .is_ok());
    }

    #[test]
    fn keys_are_independent() {
        let limiter = RateLimiter::new(1, 1);
        let t0 = Instant::now();
        assert!(limiter.check_at("a", t0).is_ok());
        assert!(limiter.check_at("b", t0).is_ok());
        assert_eq!(limiter.check_at("a", t0), Err(60));
    }

    #[test]
    fn a_flood_of_distinct_keys_never_holds_more_than_the_cap() {
        let limiter = RateLimiter::with_max_keys(2, 1, 1000);
        let t0 = Instant::now();
        for i in 0..50_000 {
            assert!(limiter.check_at(&format!("k{i}"), t0).is_ok());
            assert!(limiter.len() <= 1000);
        }
    }

    #[test]
    fn refilled_buckets_are_swept_without_forgetting_drained_ones() {
        let limiter = RateLimiter::with_max_keys(1, 60, 10);
        let t0 = Instant::now();
        assert!(limiter.check_at("drained", t0).is_ok());
        for i in 0..9 {
            assert!(limiter.check_at(&format!("k{i}"), t0).is_ok());
        }
        // At the cap; a second later everyone has refilled except a freshly drained key.
        let t1 = t0 + Duration::from_secs(2);
        assert!(limiter.check_at("drained", t1).is_ok());
        assert!(limiter.check_at("newcomer", t1).is_ok());
        assert_eq!(limiter.len(), 2);
        assert_eq!(limiter.check_at("drained", t1), Err(1));
    }

    #[test]
    fn a_refused_request_gives_back_what_earlier_buckets_took() {
        let first = RateLimiter::new(2, 1);
        let second = RateLimiter::new(1, 1);
        assert!(take_all(&[(&first, "a"), (&second, "b")]).is_ok());
        assert_eq!(
            take_all(&[(&first, "a"), (&second, "b")]).map_err(|(i, _)| i),
            Err(1)
        );
        // `first` still has its second token: the refused request took none.
        assert!(first.check("a").is_ok());
        assert!(first.check("a").is_err());
    }

    #[test]
    fn a_peek_takes_nothing_and_sees_a_drained_bucket() {
        let limiter = RateLimiter::new(2, 60);
        let t0 = Instant::now();
        // No bucket yet: a token is there, and peeking does not create one.
        assert!(limiter.peek_at("a", t0).is_ok());
        assert!(limiter.is_empty());
        assert!(limiter.check_at("a", t0).is_ok());
        assert!(limiter.peek_at("a", t0).is_ok());
        assert!(limiter.peek_at("a", t0).is_ok());
        assert!(limiter.check_at("a", t0).is_ok());
        assert_eq!(limiter.peek_at("a", t0), Err(1));
        // Refilled a second later, and still untouched by the peeks.
        let t1 = t0 + Duration::from_millis(1100);
        assert!(limiter.peek_at("a", t1).is_ok());
        assert!(limiter.check_at("a", t1).is_ok());
        assert_eq!(limiter.check_at("a", t1), Err(1));
    }
}
