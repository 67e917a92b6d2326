//! Shared rate limits with leased units (`security::lease`): a busy key takes a block of
//! units per Redis call, and no instance ever spends more units than Redis granted. One
//! unit a minute, so nothing refills while a test runs; lease lifetimes are set by the
//! test, so no lease ends by the wall clock.

use std::time::Duration;

use server::shared::Shared;

use crate::shared_backoff::redis_url;

/// 320 units of burst: a block of 10 per call (`lease::block_for`).
const BURST: u32 = 320;
const INTERVAL_MS: i64 = 60_000;

async fn instance(redis_url: &str, prefix: &str, lease: Duration) -> Shared {
    Shared::connect_leasing(redis_url, prefix, lease).await.expect("Redis")
}

/// The key's theoretical arrival time minus Redis's clock, in whole intervals (rounded up).
fn intervals_ahead(redis: &mut redis::Connection, prefix: &str, key: &str) -> i64 {
    let tat: i64 = redis::cmd("GET").arg(format!("{prefix}:rl:lease:{key}")).query(redis).unwrap();
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query(redis).unwrap();
    (tat - (secs * 1000 + micros / 1000) + INTERVAL_MS - 1).div_euclid(INTERVAL_MS)
}

fn forget(redis: &mut redis::Connection, prefix: &str) {
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}:*")).query(redis).unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL").arg(&keys).query(redis).unwrap();
    }
}

#[tokio::test]
async fn a_busy_key_leases_blocks_and_two_instances_still_spend_exactly_the_burst() {
    let Some(redis_url) = redis_url() else { return };
    let prefix = format!("rht-test-{}", uuid::Uuid::new_v4().simple());
    let mut redis = redis::Client::open(redis_url.as_str()).unwrap().get_connection().unwrap();
    let hour = Duration::from_secs(3600);
    let (a, b) = (instance(&redis_url, &prefix, hour).await, instance(&redis_url, &prefix, hour).await);

    assert_eq!(a.check("lease", "u1", 1, BURST).await, Some(Ok(())));
    assert_eq!(intervals_ahead(&mut redis, &prefix, "u1"), 10, "one call took a block of 10 units");
    for _ in 0..9 {
        assert_eq!(a.check("lease", "u1", 1, BURST).await, Some(Ok(())));
    }
    assert_eq!(intervals_ahead(&mut redis, &prefix, "u1"), 10, "the next 9 were spent from the lease, without Redis");
    assert_eq!(a.check("lease", "u1", 1, BURST).await, Some(Ok(())));
    assert_eq!(intervals_ahead(&mut redis, &prefix, "u1"), 20, "the 11th took the next block");

    // Both instances until both refuse in a row: each spends its lease before asking
    // again, so together they spend exactly the burst, not a unit more or less.
    let mut allowed = 11;
    let mut refused_in_a_row = 0;
    for n in 0.. {
        let side = if n % 2 == 0 { &b } else { &a };
        match side.check("lease", "u1", 1, BURST).await.expect("Redis answered") {
            Ok(()) => (allowed, refused_in_a_row) = (allowed + 1, 0),
            Err(wait_secs) => {
                assert!((1..=60).contains(&wait_secs), "wait {wait_secs} s");
                refused_in_a_row += 1;
                if refused_in_a_row == 2 {
                    break;
                }
            }
        }
        assert!(n < 2 * BURST as usize, "never refused");
    }
    assert_eq!(allowed, BURST as usize);
    let third = instance(&redis_url, &prefix, hour).await;
    assert!(matches!(third.check("lease", "u1", 1, BURST).await, Some(Err(_))), "the units were counted in Redis, not per instance");
    assert_eq!(third.check("lease", "u2", 1, BURST).await, Some(Ok(())), "another key has its own burst");
    forget(&mut redis, &prefix);
}

/// A lease that ends unspent gives its units back at the key's next call. Leases that end
/// at once make every call give back the last one's units: one instance then spends the
/// whole burst, where without the refund it would spend one unit in ten.
#[tokio::test]
async fn units_of_an_ended_lease_are_given_back() {
    let Some(redis_url) = redis_url() else { return };
    let prefix = format!("rht-test-{}", uuid::Uuid::new_v4().simple());
    let mut redis = redis::Client::open(redis_url.as_str()).unwrap().get_connection().unwrap();
    let a = instance(&redis_url, &prefix, Duration::ZERO).await;
    assert_eq!(a.check("lease", "u1", 1, BURST).await, Some(Ok(())));
    assert_eq!(a.check("lease", "u1", 1, BURST).await, Some(Ok(())));
    assert_eq!(intervals_ahead(&mut redis, &prefix, "u1"), 11, "2 spent, 9 given back, 9 leased again");
    let mut allowed = 2;
    while a.check("lease", "u1", 1, BURST).await.expect("Redis answered").is_ok() {
        allowed += 1;
        assert!(allowed <= BURST as usize, "more than the burst");
    }
    assert_eq!(allowed, BURST as usize);
    forget(&mut redis, &prefix);
}
