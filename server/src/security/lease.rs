//! Rate-limit units an instance took from the shared (Redis) limit ahead of need.
//!
//! With several instances, every checked request was a Redis call; for a busy key (one
//! user's events, one address's requests) most of those calls now take a block of units
//! at once and the next requests of that key on this instance spend them locally. Units
//! not spent before the lease ends are given back at the key's next call from this
//! instance. So no more units are spent than Redis granted; what changes is where the
//! limit's edge falls: another instance may be refused while this one still holds up to
//! a block of units (for at most the lease's lifetime), and a burst may run over by up to
//! a block per instance, because units granted at one moment can be spent just after.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long leased units stay spendable on this instance.
pub const LEASE_LIFETIME: Duration = Duration::from_secs(1);

/// Units one call asks for: a thirty-second of the burst, at most 16. Limits with a burst
/// under 64 (sign-ins, mails) get 1, so they stay exact across instances.
pub fn block_for(burst: u32) -> u32 {
    (burst / 32).clamp(1, 16)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// A leased unit was spent here: no call needed.
    Spent,
    /// Ask the shared limit, giving back `refund` units of a lease that ended unspent.
    Ask { refund: u32 },
}

struct Lease {
    units: u32,
    until: Instant,
}

/// The leases of one instance, keyed by the limit's shared key.
pub struct Leases {
    lifetime: Duration,
    by_key: std::sync::Mutex<HashMap<String, Lease>>,
}

impl Leases {
    pub fn new(lifetime: Duration) -> Self {
        Leases { lifetime, by_key: Default::default() }
    }

    /// Spends a leased unit of `key` if one is left and its lease has not ended.
    pub fn take(&self, key: &str, now: Instant) -> Take {
        let mut by_key = self.by_key.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(lease) = by_key.get_mut(key) else { return Take::Ask { refund: 0 } };
        if now < lease.until && lease.units > 0 {
            lease.units -= 1;
            return Take::Spent;
        }
        let refund = if now < lease.until { 0 } else { lease.units };
        by_key.remove(key);
        Take::Ask { refund }
    }

    /// Keeps the `granted - 1` units a call granted beyond the one spent now.
    pub fn keep(&self, key: &str, granted: u32, now: Instant) {
        if granted <= 1 {
            return;
        }
        let mut by_key = self.by_key.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let until = now + self.lifetime;
        let lease = by_key.entry(key.to_owned()).or_insert(Lease { units: 0, until });
        // Two requests of one key may both have asked; the units of both are kept.
        lease.units += granted - 1;
        lease.until = until;
    }

    /// Forgets leases that ended; their units come back as the limit recovers.
    pub fn prune(&self, now: Instant) {
        self.by_key.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).retain(|_, lease| now < lease.until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "rl:events:7";

    #[test]
    fn blocks_grow_with_the_burst_and_small_limits_stay_exact() {
        assert_eq!(block_for(3), 1, "mail");
        assert_eq!(block_for(20), 1, "sign-ins");
        assert_eq!(block_for(63), 1);
        assert_eq!(block_for(64), 2);
        assert_eq!(block_for(300), 9, "events");
        assert_eq!(block_for(1500), 16, "requests");
        assert_eq!(block_for(u32::MAX), 16);
    }

    #[test]
    fn granted_units_are_spent_locally_until_they_run_out() {
        let leases = Leases::new(Duration::from_secs(1));
        let t0 = Instant::now();
        assert_eq!(leases.take(KEY, t0), Take::Ask { refund: 0 });
        leases.keep(KEY, 4, t0);
        for _ in 0..3 {
            assert_eq!(leases.take(KEY, t0), Take::Spent);
        }
        assert_eq!(leases.take(KEY, t0), Take::Ask { refund: 0 }, "all four spent: nothing to give back");
        assert_eq!(leases.take("rl:events:8", t0), Take::Ask { refund: 0 }, "another key has no lease");
    }

    #[test]
    fn units_left_when_the_lease_ends_are_given_back_once() {
        let leases = Leases::new(Duration::from_secs(1));
        let t0 = Instant::now();
        leases.keep(KEY, 16, t0);
        assert_eq!(leases.take(KEY, t0 + Duration::from_millis(999)), Take::Spent);
        let ended = t0 + Duration::from_secs(1);
        assert_eq!(leases.take(KEY, ended), Take::Ask { refund: 14 });
        assert_eq!(leases.take(KEY, ended), Take::Ask { refund: 0 }, "given back only once");
    }

    #[test]
    fn a_single_unit_grant_keeps_nothing_and_two_grants_add_up() {
        let leases = Leases::new(Duration::from_secs(1));
        let t0 = Instant::now();
        leases.keep(KEY, 1, t0);
        assert_eq!(leases.take(KEY, t0), Take::Ask { refund: 0 });
        leases.keep(KEY, 3, t0);
        leases.keep(KEY, 2, t0 + Duration::from_millis(500));
        let spent = (0..5).take_while(|_| leases.take(KEY, t0 + Duration::from_millis(600)) == Take::Spent).count();
        assert_eq!(spent, 3, "2 + 1 units kept from two grants");
    }

    #[test]
    fn pruning_forgets_only_ended_leases() {
        let leases = Leases::new(Duration::from_secs(1));
        let t0 = Instant::now();
        leases.keep("old", 5, t0);
        leases.keep("new", 5, t0 + Duration::from_millis(800));
        leases.prune(t0 + Duration::from_millis(1200));
        assert_eq!(leases.take("old", t0 + Duration::from_millis(1200)), Take::Ask { refund: 0 }, "pruned: its units recover with the limit");
        assert_eq!(leases.take("new", t0 + Duration::from_millis(1200)), Take::Spent);
    }
}
