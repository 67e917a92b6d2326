//! The sign-in backoff the server uses: shared through Redis when `REDIS_URL` is set, so
//! alternating instances can't multiply the free failures, else in this process.
//!
//! When Redis fails, each call falls back to the in-process guard: sign-ins keep working
//! and keep being limited per instance (fail safe, not fail open to unlimited tries, and
//! not fail closed either, which would lock everybody out). The outage is logged once,
//! and its end once. A Redis that failed is left alone for a while, so an outage doesn't
//! add the client's reconnect attempts to every sign-in.

use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::login_guard::{Clock, IpBudget, LoginGuard};
use super::login_redis::RedisBackoff;
use crate::shared::Shared;

pub struct LoginBackoff {
    clock: Clock,
    local: LoginGuard,
    redis: Option<RedisBackoff>,
    /// When Redis last failed, while it is failing: logged once, and not asked again
    /// before `RETRY_AFTER`.
    failed_at: Mutex<Option<Instant>>,
}

/// The longest a sign-in waits for Redis before counting in this process.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a failed Redis is left alone before it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(10);

impl LoginBackoff {
    pub fn new(budget: IpBudget, clock: Clock, shared: Option<Arc<Shared>>) -> Self {
        LoginBackoff { local: LoginGuard::new(budget, clock.clone()), clock, redis: shared.map(|s| RedisBackoff::new(s, budget)), failed_at: Mutex::new(None) }
    }

    /// Whether failures are counted across instances.
    pub fn is_shared(&self) -> bool {
        self.redis.is_some()
    }

    /// `Err(seconds to wait)` if this pair or this IP may not try now.
    pub async fn check(&self, email: &str, ip: IpAddr) -> Result<(), u64> {
        if let Some(redis) = self.redis()
            && let Some(result) = self.ask(redis.check(email, ip, (self.clock)())).await
        {
            return result;
        }
        self.local.check(email, ip)
    }

    pub async fn record_failure(&self, email: &str, ip: IpAddr) {
        if let Some(redis) = self.redis()
            && self.ask(redis.record_failure(email, ip, (self.clock)())).await.is_some()
        {
            return;
        }
        self.local.record_failure(email, ip);
    }

    pub async fn record_success(&self, email: &str, ip: IpAddr) {
        if let Some(redis) = self.redis() {
            self.ask(redis.record_success(email, ip)).await;
        }
        // Also here: failures counted locally during an outage must not outlive a success.
        self.local.record_success(email, ip);
    }

    /// Forgets expired in-process entries (Redis expires its own).
    pub fn prune(&self) {
        self.local.prune();
    }

    fn failed_at(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.failed_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Redis, unless it failed less than `RETRY_AFTER` ago.
    fn redis(&self) -> Option<&RedisBackoff> {
        let resting = self.failed_at().is_some_and(|at| at.elapsed() < RETRY_AFTER);
        self.redis.as_ref().filter(|_| !resting)
    }

    /// The value when Redis answered in time; `None` (after logging a new outage) when not.
    async fn ask<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        let result = tokio::time::timeout(REDIS_TIMEOUT, call).await;
        let mut failed_at = self.failed_at();
        match result {
            Ok(Ok(value)) => {
                if failed_at.take().is_some() {
                    tracing::warn!("Redis answers again: the sign-in backoff is shared between instances again");
                }
                Some(value)
            }
            Ok(Err(e)) => {
                if failed_at.replace(Instant::now()).is_none() {
                    tracing::error!(error = %e, "Redis is unavailable: the sign-in backoff counts failures per instance until it answers");
                }
                None
            }
            Err(_) => {
                if failed_at.replace(Instant::now()).is_none() {
                    tracing::error!("Redis did not answer in time: the sign-in backoff counts failures per instance until it does");
                }
                None
            }
        }
    }
}
