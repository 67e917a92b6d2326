//! Sign-in backoff. Failures are counted per (email, IP) pair, so an attacker elsewhere
//! can't lock a user out, plus a per-IP budget across all emails against credential
//! stuffing. Time comes from an injectable clock.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Failures allowed before the first lock.
pub const FREE_FAILURES: u32 = 3;
pub const FIRST_LOCK: Duration = Duration::seconds(30);
pub const MAX_LOCK: Duration = Duration::minutes(15);

#[derive(Clone, Copy, Debug)]
pub struct IpBudget {
    pub failures: usize,
    pub window: Duration,
}

#[derive(Default)]
struct PairState {
    failures: u32,
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Default)]
struct State {
    pairs: HashMap<(String, IpAddr), PairState>,
    ip_failures: HashMap<IpAddr, VecDeque<DateTime<Utc>>>,
}

pub struct LoginGuard {
    clock: Clock,
    budget: IpBudget,
    state: Mutex<State>,
}

/// The lock after `failures` consecutive failures: none for the first three, then 30 s,
/// doubling, at most 15 minutes.
pub fn lock_for(failures: u32) -> Option<Duration> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES).min(10);
    Some((FIRST_LOCK * 2i32.pow(doublings)).min(MAX_LOCK))
}

impl LoginGuard {
    pub fn new(budget: IpBudget, clock: Clock) -> Self {
        LoginGuard { clock, budget, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(seconds to wait)` if this pair or this IP may not try now.
    pub fn check(&self, email: &str, ip: IpAddr) -> Result<(), u64> {
        let now = (self.clock)();
        let mut state = self.state();
        if let Some(until) = state.pairs.get(&(email.to_owned(), ip)).and_then(|p| p.locked_until)
            && until > now
        {
            return Err(seconds_until(now, until));
        }
        let window = self.budget.window;
        if let Some(times) = state.ip_failures.get_mut(&ip) {
            while times.front().is_some_and(|t| now - *t >= window) {
                times.pop_front();
            }
            if times.len() >= self.budget.failures {
                let oldest = *times.front().unwrap_or(&now);
                return Err(seconds_until(now, oldest + window));
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, email: &str, ip: IpAddr) {
        let now = (self.clock)();
        let mut state = self.state();
        let pair = state.pairs.entry((email.to_owned(), ip)).or_default();
        pair.failures += 1;
        pair.locked_until = lock_for(pair.failures).map(|d| now + d);
        state.ip_failures.entry(ip).or_default().push_back(now);
    }

    pub fn record_success(&self, email: &str, ip: IpAddr) {
        self.state().pairs.remove(&(email.to_owned(), ip));
    }

    /// Forgets expired entries so memory stays bounded.
    pub fn prune(&self) {
        let now = (self.clock)();
        let window = self.budget.window;
        let mut state = self.state();
        state.pairs.retain(|_, p| p.locked_until.is_some_and(|u| now - u < MAX_LOCK));
        state.ip_failures.retain(|_, times| times.back().is_some_and(|t| now - *t < window));
    }
}

fn seconds_until(now: DateTime<Utc>, until: DateTime<Utc>) -> u64 {
    u64::try_from((until - now).num_milliseconds().max(0)).unwrap_or(0).div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};

    fn fake_clock() -> (Clock, Arc<AtomicI64>) {
        let offset = Arc::new(AtomicI64::new(0));
        let base = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let o = offset.clone();
        (Arc::new(move || base + Duration::seconds(o.load(Ordering::SeqCst))), offset)
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn backoff_starts_after_three_failures_and_doubles_to_a_cap() {
        assert_eq!(lock_for(2), None);
        assert_eq!(lock_for(3), Some(Duration::seconds(30)));
        assert_eq!(lock_for(4), Some(Duration::seconds(60)));
        assert_eq!(lock_for(7), Some(Duration::seconds(480)));
        assert_eq!(lock_for(8), Some(Duration::minutes(15)));
        assert_eq!(lock_for(50), Some(Duration::minutes(15)));
    }

    #[test]
    fn a_locked_pair_recovers_when_the_lock_expires() {
        let (clock, t) = fake_clock();
        let guard = LoginGuard::new(IpBudget { failures: 100, window: Duration::minutes(15) }, clock);
        for _ in 0..3 {
            assert!(guard.check("a@x.io", ip(1)).is_ok());
            guard.record_failure("a@x.io", ip(1));
        }
        assert_eq!(guard.check("a@x.io", ip(1)), Err(30));
        t.store(29, Ordering::SeqCst);
        assert_eq!(guard.check("a@x.io", ip(1)), Err(1));
        t.store(30, Ordering::SeqCst);
        assert!(guard.check("a@x.io", ip(1)).is_ok());
        guard.record_failure("a@x.io", ip(1));
        assert_eq!(guard.check("a@x.io", ip(1)), Err(60));
    }

    #[test]
    fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
        let (clock, _) = fake_clock();
        let guard = LoginGuard::new(IpBudget { failures: 100, window: Duration::minutes(15) }, clock);
        for _ in 0..20 {
            guard.record_failure("victim@x.io", ip(66));
        }
        assert!(guard.check("victim@x.io", ip(66)).is_err());
        assert!(guard.check("victim@x.io", ip(1)).is_ok());
    }

    #[test]
    fn the_ip_budget_stops_credential_stuffing_and_slides() {
        let (clock, t) = fake_clock();
        let guard = LoginGuard::new(IpBudget { failures: 5, window: Duration::minutes(10) }, clock);
        for i in 0..5 {
            assert!(guard.check(&format!("u{i}@x.io"), ip(9)).is_ok());
            guard.record_failure(&format!("u{i}@x.io"), ip(9));
        }
        assert_eq!(guard.check("fresh@x.io", ip(9)), Err(600));
        assert!(guard.check("fresh@x.io", ip(10)).is_ok());
        t.store(600, Ordering::SeqCst);
        assert!(guard.check("fresh@x.io", ip(9)).is_ok());
    }

    #[test]
    fn success_clears_the_pair() {
        let (clock, _) = fake_clock();
        let guard = LoginGuard::new(IpBudget { failures: 100, window: Duration::minutes(15) }, clock);
        guard.record_failure("a@x.io", ip(1));
        guard.record_failure("a@x.io", ip(1));
        guard.record_success("a@x.io", ip(1));
        guard.record_failure("a@x.io", ip(1));
        guard.record_failure("a@x.io", ip(1));
        assert!(guard.check("a@x.io", ip(1)).is_ok());
    }
}
