//! Per-key token buckets (keys are visitor sessions): a burst, then a sustained rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys not seen for this long are forgotten, which bounds memory.
const IDLE_EVICTION: Duration = Duration::from_secs(600);
const SWEEP_EVERY: usize = 4096;

pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
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
        Self {
            capacity: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
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

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut guard = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let buckets = &mut *guard;
        if !buckets.map.contains_key(key) {
            buckets.inserts_since_sweep += 1;
            if buckets.inserts_since_sweep >= SWEEP_EVERY {
                buckets.inserts_since_sweep = 0;
                buckets
                    .map
                    .retain(|_, b| now.duration_since(b.updated) < IDLE_EVICTION);
            }
        }
        let bucket = buckets.map.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.capacity,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            // Float to integer: a positive wait of at most a minute or so, rounded up.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
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
}
