//! The sign-in backoff's state in Redis, so every instance sharing `REDIS_KEY_PREFIX`
//! counts the same failures. Each operation is one Lua script, so a check or a failure
//! is atomic across instances. The lock policy stays in Rust (`lock_for`): the script
//! gets the lock for each failure count as arguments. Times come from the caller's clock
//! (the same injected clock as the local guard); Redis expiry only collects garbage.
//!
//! Keys: `{prefix}:login:pair:{sha256(email)}:{ip}` (a hash: failures, until) and
//! `{prefix}:login:ip:{ip}` (a sorted set of failure times). Emails are hashed so Redis
//! holds no address; passwords never reach this module.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use redis::Script;
use sha2::{Digest, Sha256};

use super::login_guard::{IpBudget, MAX_LOCK, lock_for};
use crate::shared::Shared;

/// KEYS: pair, ip. ARGV: now ms, window ms, budget. Returns ms to wait (0: may try).
const CHECK: &str = r"
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local locked_until = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if locked_until > now then return locked_until - now end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if oldest[2] then return math.max(1, tonumber(oldest[2]) + window - now) end
end
return 0
";

/// KEYS: pair, ip. ARGV: now ms, window ms, unique member, keep ms, then the lock (ms, 0
/// for none) after 1, 2, … failures; counts beyond the list use its last entry.
/// Returns the pair's failure count.
const FAIL: &str = r"
local now = tonumber(ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local lock = tonumber(ARGV[4 + math.min(failures, #ARGV - 4)])
if lock > 0 then
  redis.call('HSET', KEYS[1], 'until', now + lock)
else
  redis.call('HDEL', KEYS[1], 'until')
end
redis.call('PEXPIRE', KEYS[1], lock + tonumber(ARGV[4]))
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]))
return failures
";

/// Enough entries for the lock to reach its cap (it doubles at most ten times).
const LOCK_STEPS: u32 = super::login_guard::FREE_FAILURES + 11;

pub struct RedisBackoff {
    shared: std::sync::Arc<Shared>,
    budget: IpBudget,
    check: Script,
    fail: Script,
}

impl RedisBackoff {
    pub fn new(shared: std::sync::Arc<Shared>, budget: IpBudget) -> Self {
        RedisBackoff { shared, budget, check: Script::new(CHECK), fail: Script::new(FAIL) }
    }

    fn pair_key(&self, email: &str, ip: IpAddr) -> String {
        let digest = Sha256::digest(email.as_bytes());
        self.shared.key(&format!("login:pair:{digest:x}:{ip}"))
    }

    fn ip_key(&self, ip: IpAddr) -> String {
        self.shared.key(&format!("login:ip:{ip}"))
    }

    /// `Ok(Err(seconds))` when this pair or IP must wait.
    pub async fn check(&self, email: &str, ip: IpAddr, now: DateTime<Utc>) -> redis::RedisResult<Result<(), u64>> {
        let wait_ms: i64 = self
            .check
            .key(self.pair_key(email, ip))
            .key(self.ip_key(ip))
            .arg(now.timestamp_millis())
            .arg(self.budget.window.num_milliseconds())
            .arg(self.budget.failures)
            .invoke_async(&mut self.shared.connection())
            .await?;
        Ok(match u64::try_from(wait_ms) {
            Ok(0) | Err(_) => Ok(()),
            Ok(ms) => Err(ms.div_ceil(1000).max(1)),
        })
    }

    pub async fn record_failure(&self, email: &str, ip: IpAddr, now: DateTime<Utc>) -> redis::RedisResult<()> {
        let mut call = self.fail.key(self.pair_key(email, ip));
        call.key(self.ip_key(ip))
            .arg(now.timestamp_millis())
            .arg(self.budget.window.num_milliseconds())
            .arg(uuid::Uuid::new_v4().simple().to_string())
            .arg(MAX_LOCK.num_milliseconds());
        for failures in 1..=LOCK_STEPS {
            call.arg(lock_for(failures).unwrap_or(Duration::zero()).num_milliseconds());
        }
        let _failures: i64 = call.invoke_async(&mut self.shared.connection()).await?;
        Ok(())
    }

    pub async fn record_success(&self, email: &str, ip: IpAddr) -> redis::RedisResult<()> {
        redis::cmd("DEL").arg(self.pair_key(email, ip)).exec_async(&mut self.shared.connection()).await
    }
}
