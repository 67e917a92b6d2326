//! The sign-in backoff across two instances sharing one database and one Redis:
//! alternating instances must not multiply the free failures. The backoff's clock is
//! frozen, so no lock can run out while the test runs, however slow the machine.
//! Runs when Redis answers at REDIS_URL (default 127.0.0.1:6379); required in CI.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use server::config::Config;
use server::security::login_guard::{Clock, FREE_FAILURES};

use crate::common::{PASSWORD, TestApp, code};

/// Redis's URL when it answers; a panic when CI (TEST_DATABASE_URL set) lacks it.
pub(crate) fn redis_url() -> Option<String> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let answers = redis::Client::open(url.as_str()).ok().is_some_and(|c| c.get_connection().is_ok());
    match (answers, std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())) {
        (true, _) => Some(url),
        (false, true) => panic!("TEST_DATABASE_URL is set but Redis does not answer at {url}"),
        (false, false) => {
            eprintln!("skipped: no Redis at {url} to share the sign-in backoff through");
            None
        }
    }
}

const LOGIN: &str = "mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}";

async fn login(app: &TestApp, email: &str, password: &str) -> serde_json::Value {
    app.gql(None, LOGIN, json!({"e": email, "p": password})).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alternating_instances_share_the_sign_in_backoff() {
    let Some(redis_url) = redis_url() else { return };
    let prefix = format!("rht-test-{}", uuid::Uuid::new_v4().simple());
    let frozen = DateTime::<Utc>::from_timestamp(1_900_000_000, 0).unwrap();
    let clock: Clock = Arc::new(move || frozen);
    let ip_budget = 5;
    let shared = |c: &mut Config| {
        c.redis_url = Some(redis_url.clone());
        c.redis_key_prefix.clone_from(&prefix);
        c.limits.login_ip_failures = ip_budget;
    };
    let one = TestApp::with_clock(clock.clone(), shared).await;
    let two = TestApp::on_with_clock(&one.url, clock, shared).await;
    assert!(one.state.services.login_guard.is_shared() && two.state.services.login_guard.is_shared());
    one.register("victim@example.com").await;
    let instances = [&one, &two];

    // The free failures, alternating instances: each instance sees only some of them.
    for i in 0..FREE_FAILURES as usize {
        let r = login(instances[i % 2], "victim@example.com", "wrong password").await;
        assert_eq!(code(&r), "INVALID_CREDENTIALS", "failure {} should be free: {r}", i + 1);
    }
    // The next try is refused on both instances, even with the right password.
    for app in [instances[FREE_FAILURES as usize % 2], instances[(FREE_FAILURES as usize + 1) % 2]] {
        let r = login(app, "victim@example.com", PASSWORD).await;
        assert_eq!(code(&r), "RATE_LIMITED", "{r}");
        assert_eq!(r["errors"][0]["extensions"]["retryAfter"], 30, "{r}");
    }

    // The per-IP budget is shared too: FREE_FAILURES failures so far, two more on other
    // addresses spend it, and a fresh address is then refused on either instance.
    for (i, email) in ["a@example.com", "b@example.com"].iter().enumerate() {
        let r = login(instances[i % 2], email, "wrong password").await;
        assert_eq!(code(&r), "INVALID_CREDENTIALS", "{r}");
    }
    for app in instances {
        let r = login(app, "fresh@example.com", "wrong password").await;
        assert_eq!(code(&r), "RATE_LIMITED", "{r}");
        assert_eq!(r["errors"][0]["extensions"]["retryAfter"], 15 * 60, "{r}");
    }

    // Namespaced keys, and neither the address nor a password is stored.
    let mut redis = redis::Client::open(redis_url.as_str()).unwrap().get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}:login:*")).query(&mut redis).unwrap();
    assert!(keys.len() >= 2, "{keys:?}");
    for key in &keys {
        assert!(!key.contains("example.com"), "{key}");
        let dump: Vec<u8> = redis::cmd("DUMP").arg(key).query(&mut redis).unwrap();
        let dump = String::from_utf8_lossy(&dump);
        assert!(!dump.contains("example.com") && !dump.contains("wrong password") && !dump.contains(PASSWORD), "{key}: {dump}");
    }
    let _: () = redis::cmd("DEL").arg(&keys).query(&mut redis).unwrap();
}

/// A TCP relay to Redis that the test can cut, as a Redis outage.
struct Relay {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(redis_url: &str) -> Relay {
        let target = redis_url.trim_start_matches("redis://").trim_end_matches('/').to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every relayed connection.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Relay { port, task }
    }

    /// Closes the listener and every connection: Redis is gone for the server.
    async fn cut(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_falls_back_to_counting_in_the_instance() {
    let Some(redis_url) = redis_url() else { return };
    let relay = Relay::start(&redis_url).await;
    let frozen = DateTime::<Utc>::from_timestamp(1_900_000_000, 0).unwrap();
    let app = TestApp::with_clock(Arc::new(move || frozen), |c| {
        c.redis_url = Some(format!("redis://127.0.0.1:{}", relay.port));
        c.redis_key_prefix = format!("rht-test-{}", uuid::Uuid::new_v4().simple());
    })
    .await;
    app.register("owner@example.com").await;
    for _ in 0..2 {
        assert_eq!(code(&login(&app, "owner@example.com", "wrong password").await), "INVALID_CREDENTIALS");
    }
    relay.cut().await;

    // Sign-in still works without Redis, and is still limited: the instance counts on its
    // own from zero, so after its free failures the next try is refused.
    let ok = login(&app, "owner@example.com", PASSWORD).await;
    assert!(ok["data"]["login"]["token"].is_string(), "{ok}");
    for i in 0..FREE_FAILURES {
        let r = login(&app, "owner@example.com", "wrong password").await;
        assert_eq!(code(&r), "INVALID_CREDENTIALS", "failure {} during the outage: {r}", i + 1);
    }
    let r = login(&app, "owner@example.com", PASSWORD).await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r}");
}

/// Rate-limit checks made at once go to Redis together, in one script call per group:
/// each key still gets exactly its own burst, whatever shares its call. One unit a minute,
/// so nothing refills while the test runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_rate_limit_checks_keep_each_keys_own_burst() {
    let Some(redis_url) = redis_url() else { return };
    let prefix = format!("rht-test-{}", uuid::Uuid::new_v4().simple());
    let shared = Arc::new(server::shared::Shared::connect(&redis_url, &prefix).await.expect("Redis"));
    let limits = [("a", 3u32), ("b", 7), ("c", 1)];
    let checks = (0..60).map(|i| {
        let shared = shared.clone();
        let (key, burst) = limits[i % limits.len()];
        async move { (key, shared.check("grouped", key, 1, burst).await) }
    });
    let results = futures_util::future::join_all(checks).await;
    for (key, burst) in limits {
        let mine: Vec<_> = results.iter().filter(|(k, _)| *k == key).map(|(_, r)| r.expect("Redis answered")).collect();
        assert_eq!(mine.iter().filter(|r| r.is_ok()).count(), burst as usize, "{key}: {mine:?}");
        assert!(mine.iter().all(|r| r.is_ok() || r.is_err_and(|secs| (1..=60 * u64::from(burst)).contains(&secs))), "{key}: {mine:?}");
    }
    let mut redis = redis::Client::open(redis_url.as_str()).unwrap().get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}:*")).query(&mut redis).unwrap();
    let _: () = redis::cmd("DEL").arg(&keys).query(&mut redis).unwrap();
}
