//! When to try a mail again. Pure: no clock, no I/O.

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// The delay after the first failure; it doubles with each further one.
    pub base: Duration,
    /// No delay grows past this.
    pub max_delay: Duration,
    /// A mail still unsent this long after it was queued is given up.
    pub give_up_after: Duration,
}

impl Policy {
    /// The next attempt after `failures` failed attempts at `now`, or None to give up. The
    /// last attempt happens at the deadline itself, so a day's outage still gets one try
    /// at its end.
    pub fn next_attempt(&self, queued_at: DateTime<Utc>, failures: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let deadline = queued_at + self.give_up_after;
        if now >= deadline {
            return None;
        }
        let doublings = failures.saturating_sub(1).min(30);
        let delay = self.base.checked_mul(1_i32 << doublings.min(30)).unwrap_or(self.max_delay).min(self.max_delay);
        Some((now + delay).min(deadline))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> Policy {
        Policy { base: Duration::seconds(30), max_delay: Duration::hours(1), give_up_after: Duration::hours(24) }
    }

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn delays_double_from_the_base_up_to_the_cap() {
        let p = policy();
        let delays: Vec<i64> = (1..=9).map(|n| (p.next_attempt(t0(), n, t0()).unwrap() - t0()).num_seconds()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }

    #[test]
    fn the_last_attempt_is_at_the_deadline_and_then_it_gives_up() {
        let p = policy();
        let almost = t0() + Duration::hours(24) - Duration::seconds(10);
        assert_eq!(p.next_attempt(t0(), 12, almost), Some(t0() + Duration::hours(24)));
        assert_eq!(p.next_attempt(t0(), 13, t0() + Duration::hours(24)), None);
    }

    proptest! {
        /// Whatever happened before, the next attempt is later than now and never past the
        /// deadline; after the deadline there is none.
        #[test]
        fn attempts_stay_within_the_day(failures in 0u32..200, elapsed in 0i64..200_000) {
            let p = policy();
            let now = t0() + Duration::seconds(elapsed);
            match p.next_attempt(t0(), failures, now) {
                Some(at) => {
                    prop_assert!(elapsed < 86_400);
                    prop_assert!(at > now);
                    prop_assert!(at <= t0() + Duration::hours(24));
                    prop_assert!(at - now <= Duration::hours(1));
                }
                None => prop_assert!(elapsed >= 86_400),
            }
        }
    }
}
