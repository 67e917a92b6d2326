//! Request rate limits (governor GCRA), keyed by client IP or user.

use std::fmt::Display;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::shared::Shared;

type Limiter<K, C> = RateLimiter<K, DashMapStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A per-key limit of `per_minute` with bursts of `burst`; a rate of 0 disables it.
pub struct KeyedLimit<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    limiter: Option<Limiter<K, C>>,
    clock: C,
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> KeyedLimit<K, C> {
    pub fn with_clock(per_minute: u32, burst: u32, clock: C) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let quota = Quota::per_minute(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(rate));
            RateLimiter::dashmap_with_clock(quota, clock.clone())
        });
        KeyedLimit { limiter, clock }
    }

    /// Takes one unit; `Err(seconds)` tells how long to wait.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(key).map(|_| ()).map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    /// Drops keys that are back to full capacity.
    pub fn prune(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
        }
    }
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self::with_clock(per_minute, burst, DefaultClock::default())
    }
}

/// One named limit: in Redis when the server shares state, else in this process.
pub struct Limit<K: Hash + Eq + Clone> {
    pub name: &'static str,
    per_minute: u32,
    burst: u32,
    memory: KeyedLimit<K>,
}

impl<K: Hash + Eq + Clone + Display> Limit<K> {
    pub fn new(name: &'static str, per_minute: u32, burst: u32) -> Self {
        Limit { name, per_minute, burst, memory: KeyedLimit::new(per_minute, burst) }
    }
}

/// The limits the server applies.
pub struct RateLimits {
    /// `register` and `login`, per client IP.
    pub auth: Limit<IpAddr>,
    /// `recordEvent`/`recordEvents` calls, per user; a batch counts once.
    pub events: Limit<i32>,
    /// Every GraphQL request, per client IP.
    pub requests: Limit<IpAddr>,
    /// Account mails (password reset, verification) per address.
    pub mail: Limit<String>,
    pub shared: Option<Arc<Shared>>,
}

impl RateLimits {
    /// Takes one unit of `limit` for `key`; `Err(seconds)` says how long to wait.
    pub async fn check<K: Hash + Eq + Clone + Display>(&self, limit: &Limit<K>, key: &K) -> Result<(), u64> {
        if let Some(shared) = &self.shared
            && let Some(result) = shared.check(limit.name, &key.to_string(), limit.per_minute, limit.burst).await
        {
            return result;
        }
        limit.memory.check(key)
    }

    pub fn prune(&self) {
        self.auth.memory.prune();
        self.events.memory.prune();
        self.requests.memory.prune();
        self.mail.memory.prune();
        if let Some(shared) = &self.shared {
            shared.prune();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::time::Duration;

    #[test]
    fn trips_after_the_burst_and_recovers_with_time() {
        let clock = FakeRelativeClock::default();
        let limit: KeyedLimit<u8, FakeRelativeClock> = KeyedLimit::with_clock(6, 3, clock.clone());
        for _ in 0..3 {
            assert!(limit.check(&1).is_ok());
        }
        assert_eq!(limit.check(&1), Err(10));
        assert!(limit.check(&2).is_ok(), "other keys are independent");
        clock.advance(Duration::from_secs(10));
        assert!(limit.check(&1).is_ok());
        assert!(limit.check(&1).is_err());
    }

    #[test]
    fn zero_disables() {
        let limit: KeyedLimit<u8> = KeyedLimit::new(0, 0);
        for _ in 0..10_000 {
            assert!(limit.check(&1).is_ok());
        }
    }
}
