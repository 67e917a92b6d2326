//! PostgreSQL group commit under load: many users recording at once with retries, and a
//! server killed with SIGKILL while groups are in flight. Nothing acknowledged is lost and
//! nothing is applied twice. Runs when TEST_DATABASE_URL is a PostgreSQL server.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use crate::cluster::{post, ready, spawn_server};

const USERS: usize = 12;
const RECORD: &str = "mutation($i:EventInput!){recordEvent(input:$i){duplicate question{index}}}";

fn start(url: &str) -> crate::cluster::Instance {
    ready(spawn_server(url, &[("RATE_LIMIT_AUTH_PER_MINUTE", "0"), ("RATE_LIMIT_REQUESTS_PER_MINUTE", "0"), ("RATE_LIMIT_EVENTS_PER_MINUTE", "0")]))
}

/// The n-th NEXT of a user: its clientEventId and input.
fn next(user: usize, n: usize) -> (String, Value) {
    let id = format!("u{user}-n{n}");
    let at = chrono::Utc::now() - chrono::Duration::hours(2) + chrono::Duration::seconds(n as i64 * 10);
    (id.clone(), json!({"type": "NEXT", "clientEventId": id, "occurredAt": at.to_rfc3339()}))
}

/// Registers `count` users (`{prefix}{n}@example.com`); their session tokens.
async fn register(port: u16, prefix: &str, count: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for u in 0..count {
        let r = post(
            port,
            None,
            "mutation($e:String!){register(email:$e,password:\"correct horse battery staple\"){token}}",
            json!({"e": format!("{prefix}{u}@example.com")}),
        )
        .await;
        tokens.push(r["data"]["register"]["token"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned());
    }
    tokens
}

/// Sends one event; None when the server did not answer (it was killed).
async fn send(port: u16, token: &str, input: &Value) -> Option<Value> {
    crate::cluster::try_post(port, Some(token), RECORD, json!({"i": input})).await
}

#[tokio::test]
async fn grouped_events_survive_retries_and_kill_9_exactly_once() {
    let Some((admin, name, url)) = crate::cluster::scratch_database("group commit").await else { return };

    let first = start(&url);
    let tokens = Arc::new(register(first.port, "b", USERS).await);

    // Phase 1: every user at once, each event sent twice at the same time (a retry racing
    // its original, often into the same group): exactly one of the two applies.
    let mut tasks = Vec::new();
    for u in 0..USERS {
        let (tokens, port) = (tokens.clone(), first.port);
        tasks.push(tokio::spawn(async move {
            for n in 0..15 {
                let (_, input) = next(u, n);
                let (a, b) = tokio::join!(post(port, Some(&tokens[u]), RECORD, json!({"i": input})), post(port, Some(&tokens[u]), RECORD, json!({"i": input})));
                let fresh: Vec<bool> = [&a, &b].iter().map(|r| r["data"]["recordEvent"]["duplicate"].as_bool().unwrap_or_else(|| panic!("{r}"))).collect();
                assert_eq!(fresh.iter().filter(|d| !**d).count(), 1, "one of the two applies: {a} {b}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }

    // Phase 2: every user keeps recording; the server is killed once enough were
    // acknowledged, so groups are in flight. Each user remembers the event it had sent
    // without an answer.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for u in 0..USERS {
        let (tokens, port, acknowledged) = (tokens.clone(), first.port, acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            for n in 15..10_000 {
                let (_, input) = next(u, n);
                match send(port, &tokens[u], &input).await {
                    Some(r) => {
                        assert_eq!(r["data"]["recordEvent"]["duplicate"], false, "{r}");
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    None => return n,
                }
            }
            panic!("the server was never killed");
        }));
    }
    while acknowledged.load(Ordering::SeqCst) < USERS * 10 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    kill_9(first);
    let mut unanswered = Vec::new();
    for t in tasks {
        unanswered.push(t.await.unwrap());
    }

    // A new server; each user retries its unanswered event: applied now or a duplicate.
    let second = start(&url);
    for (u, &n) in unanswered.iter().enumerate() {
        let (_, input) = next(u, n);
        let r = send(second.port, &tokens[u], &input).await.expect("the new server answers");
        assert!(r["data"]["recordEvent"]["duplicate"].is_boolean(), "{r}");
    }

    // Recount from the tables: per user, events 0..=n each stored once, and one session
    // holding questions 1..n with no gap or duplicate.
    let rows = admin_query(
        &url,
        "SELECT u.email, count(e.id), count(DISTINCT e.client_event_id), \
         (SELECT count(*) FROM questions q WHERE q.user_id = u.id), (SELECT count(DISTINCT q.position) FROM questions q WHERE q.user_id = u.id), \
         (SELECT max(q.position) FROM questions q WHERE q.user_id = u.id) FROM users u JOIN events e ON e.user_id = u.id GROUP BY u.id, u.email",
    )
    .await;
    let by_email: HashMap<String, Vec<i64>> = rows.into_iter().collect();
    for (u, &n) in unanswered.iter().enumerate() {
        let sent = n as i64 + 1;
        let counts = &by_email[&format!("b{u}@example.com")];
        assert_eq!(counts, &vec![sent, sent, sent - 1, sent - 1, sent - 1], "user {u}: events, distinct ids, questions, distinct positions, last position");
    }
    drop(second);
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
}

fn kill_9(instance: crate::cluster::Instance) {
    let status = std::process::Command::new("kill").args(["-9", &instance.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    drop(instance);
}

/// (email, counts) rows of `sql`, read through a connection of its own.
async fn admin_query(url: &str, sql: &str) -> Vec<(String, Vec<i64>)> {
    let db = Database::connect(url).await.unwrap();
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    let result = rows
        .iter()
        .map(|r| {
            let email: String = r.try_get_by_index(0).unwrap();
            (email, (1..6).map(|i| r.try_get_by_index::<i64>(i).unwrap_or_else(|_| i64::from(r.try_get_by_index::<i32>(i).unwrap()))).collect())
        })
        .collect();
    db.close().await.ok();
    result
}

/// Start-up runs its queries one after another: each must find the connection the one
/// before it used back in the pool, or it opens a second one (on a cold start, a TLS
/// handshake and a new backend, about 90 ms). A current-thread runtime makes this exact:
/// sqlx returns a connection from a task that only runs when the caller waits.
#[tokio::test]
async fn start_up_reuses_its_one_connection() {
    let Some((admin, name, url)) = crate::cluster::scratch_database("start-up connections").await else { return };
    let db = server::db::Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    assert_eq!(db.pool_usage(), (1, 1), "(open, idle) right after the migrations");
    db.conn.close().await.ok();
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
}

/// The event workers write a group's values into their SQL as string literals
/// (`pg_conn::literal`): any text must read back unchanged, quotes, backslashes and dollar
/// signs included, whatever `standard_conforming_strings` says, and a NUL is refused.
#[tokio::test]
async fn literals_read_back_as_written() {
    use proptest::strategy::{Strategy, ValueTree};
    use server::db::pg_conn::{WorkerConn, literal};

    let Some((admin, name, url)) = crate::cluster::scratch_database("literals").await else { return };
    let db = Database::connect(&url).await.expect("connect");
    let conn = WorkerConn::acquire(db.get_postgres_connection_pool()).await.expect("a connection");
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let tricky = proptest::string::string_regex(r"([\\'$E\x22;\n]|\\\\'|''|\$\$|[a-zé€😀 ]){0,24}").unwrap();
    let mut texts: Vec<String> = vec![String::new(), "'".into(), "\\".into(), "\\'".into(), "'; SELECT 1; --".into(), "$$".into(), "E'x'".into()];
    for _ in 0..150 {
        texts.push(tricky.new_tree(&mut runner).unwrap().current());
        texts.push(proptest::arbitrary::any::<String>().prop_filter("no NUL", |t| !t.contains('\0')).new_tree(&mut runner).unwrap().current());
    }
    for setting in ["on", "off"] {
        conn.script(format!("SET standard_conforming_strings = {setting}")).await.expect("set");
        let script: Vec<String> = texts.iter().map(|t| format!("SELECT {} AS t", literal(t))).collect();
        let results = conn.script(script.join("; ")).await.expect("every literal parses");
        assert_eq!(results.len(), texts.len());
        for (text, rows) in texts.iter().zip(&results) {
            let back: String = rows[0].try_get("", "t").expect("a text");
            assert_eq!(&back, text, "with standard_conforming_strings = {setting}");
        }
    }
    let refused = conn.script(format!("SELECT {} AS t", literal("a\0b"))).await;
    assert!(refused.is_err(), "a NUL must be refused, not cut short: {refused:?}");
    let after = conn.script("SELECT 1 AS one".into()).await.expect("the connection still works");
    assert_eq!(after[0][0].try_get::<i32>("", "one").unwrap(), 1);
    drop(conn);
    db.close().await.ok();
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
}

/// Each event worker keeps its PostgreSQL connection between groups. When PostgreSQL drops
/// those connections (a restart, an administrator ending the backends), the next event on
/// each worker must still be applied on the first try, once, on a new connection.
#[tokio::test]
async fn event_workers_start_again_when_postgres_ends_their_connections() {
    let Some((admin, name, url)) = crate::cluster::scratch_database("lost worker connections").await else { return };
    let server = start(&url);
    let tokens = register(server.port, "lost", 3).await;
    let record = async |u: usize, n: usize| {
        let (_, input) = next(u, n);
        let r = post(server.port, Some(&tokens[u]), RECORD, json!({"i": input})).await;
        assert_eq!(r["data"]["recordEvent"]["duplicate"], json!(false), "user {u}, event {n}: {r}");
    };
    // The users' events at once, so that several workers hold a connection.
    for n in 0..4 {
        futures_util::future::join_all((0..3).map(|u| record(u, n))).await;
    }
    let workers =
        format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}' AND application_name = '{}'", server::db::EVENT_WORKERS_APPLICATION_NAME);
    let count = async |sql: &str| {
        admin.query_one_raw(Statement::from_string(admin.get_database_backend(), sql)).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
    };
    assert!(count(&workers).await >= 1, "the workers keep their connections");
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND application_name = '{}'",
            server::db::EVENT_WORKERS_APPLICATION_NAME
        ))
        .await
        .unwrap();
    // The backends end asynchronously; wait for them (a bounded number of looks).
    for look in 0.. {
        if count(&workers).await == 0 {
            break;
        }
        assert!(look < 1000, "the worker backends did not end");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // One at a time, then all at once: every worker meets its dead connection once.
    for n in 4..12 {
        record(n % 3, n).await;
    }
    for n in 12..16 {
        futures_util::future::join_all((0..3).map(|u| record(u, n))).await;
    }
    let db = Database::connect(&url).await.unwrap();
    let stored = db.query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT count(*) FROM events")).await.unwrap().unwrap();
    assert_eq!(stored.try_get_by_index::<i64>(0).unwrap(), 3 * 4 + 8 + 3 * 4, "every event stored once");
    db.close().await.ok();
    drop(server);
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
}

/// (application_name, encrypted) of every connection to database `name`.
async fn connections_tls(admin: &sea_orm::DatabaseConnection, name: &str) -> Vec<(String, bool)> {
    let sql = format!("SELECT a.application_name, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = '{name}' ORDER BY 1");
    let rows = admin.query_all_raw(Statement::from_string(admin.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap())).collect()
}

/// A URL that points at this host and names no `sslmode` connects without TLS (pool and
/// event workers alike): TLS on loopback protects nothing and cost 40 % of the event rate.
/// A URL that asks for TLS gets it.
#[tokio::test]
async fn connections_on_this_host_skip_tls_unless_the_url_asks() {
    let Some((admin, name, url)) = crate::cluster::scratch_database("TLS on this host").await else { return };
    assert!(url.contains("127.0.0.1") || url.contains("localhost"), "TEST_DATABASE_URL must point at this host: {url}");
    let server_offers_tls =
        admin.query_one_raw(Statement::from_string(admin.get_database_backend(), "SHOW ssl")).await.unwrap().unwrap().try_get_by_index::<String>(0).unwrap()
            == "on";
    let mut cases = vec![(url.clone(), false)];
    if server_offers_tls {
        cases.push((format!("{url}?sslmode=require"), true));
    } else {
        eprintln!("this PostgreSQL has ssl = off: only the plain half is tested");
    }
    for (url, encrypted) in cases {
        let server = start(&url);
        let tokens = register(server.port, &format!("tls{encrypted}"), 1).await;
        let (_, input) = next(0, 0);
        let r = post(server.port, Some(&tokens[0]), RECORD, json!({"i": input})).await;
        assert_eq!(r["data"]["recordEvent"]["duplicate"], json!(false), "{r}");
        let connections = connections_tls(&admin, &name).await;
        assert!(connections.iter().any(|(app, _)| app == server::db::EVENT_WORKERS_APPLICATION_NAME), "a worker's connection: {connections:?}");
        assert!(connections.iter().any(|(app, _)| app != server::db::EVENT_WORKERS_APPLICATION_NAME), "a pool connection: {connections:?}");
        assert!(connections.iter().all(|(_, tls)| *tls == encrypted), "{url}: every connection encrypted = {encrypted}: {connections:?}");
        drop(server);
        for look in 0.. {
            if connections_tls(&admin, &name).await.is_empty() {
                break;
            }
            assert!(look < 1000, "the server's connections did not end");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
}

/// On a database without statistics (a new install, until autovacuum's first ANALYZE) the
/// unique index and `ix_events_user_id` cost the same for looking an event up by client id,
/// and an event worker keeps the plan it made then: with the wrong one, every event
/// scanned all of its user's events. The worker's generic plan must probe the unique index,
/// and UNDO's read of the latest event must still reach `ix_events_user_id`.
#[tokio::test]
async fn a_worker_looks_up_retried_events_through_the_unique_index_on_a_new_database() {
    let Some((admin, name, url)) = crate::cluster::scratch_database("the event lookup's plan").await else { return };
    let db = server::db::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let conn = server::db::pg_conn::WorkerConn::acquire(db.conn.get_postgres_connection_pool()).await.unwrap();
    server::store::pg::PgTxn::prepare(&conn).await.unwrap();
    let explain = r#"SET plan_cache_mode = force_generic_plan; EXPLAIN EXECUTE rht_sessions_and_seen('[1]', '[{"user_id": 1, "client_event_id": "c1"}]')"#;
    let statements = conn.script(explain.to_owned()).await.unwrap();
    let plan: Vec<String> = statements.last().unwrap().iter().map(|row| row.try_get_by_index::<String>(0).unwrap()).collect();
    let plan = plan.join("\n");
    assert!(plan.contains("ux_events_user_client_id") && !plan.contains("ix_events_user_id"), "{plan}");
    let latest = sea_orm::QueryTrait::build(&server::store::txn::latest_event(1), sea_orm::DbBackend::Postgres);
    let explain =
        Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, format!("EXPLAIN {}", latest.sql), latest.values.expect("the user id is bound").0);
    let plan: Vec<String> = db.conn.query_all_raw(explain).await.unwrap().iter().map(|row| row.try_get_by_index::<String>(0).unwrap()).collect();
    assert!(plan.join("\n").contains("ix_events_user_id"), "{plan:?}");
    drop(conn);
    drop(db);
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
}
