//! Two server processes on one PostgreSQL and one Redis behave as one server. Runs when
//! TEST_DATABASE_URL is set (CI) and Redis answers at REDIS_URL (default 127.0.0.1:6379).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub(crate) struct Instance {
    pub child: Child,
    pub port: u16,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh PostgreSQL database on `TEST_DATABASE_URL`: the admin connection, the new
/// database's name and its URL. None (the test is skipped) without a PostgreSQL URL.
pub(crate) async fn scratch_database(what: &str) -> Option<(sea_orm::DatabaseConnection, String, String)> {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to test {what}");
        return None;
    };
    let name = format!("rht_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE {name}")).await.unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    Some((admin, name, url))
}

/// Starts an instance; `ready` then waits for it to listen.
fn spawn(database_url: &str, redis_url: &str, prefix: &str) -> Child {
    spawn_server(
        database_url,
        &[
            ("REDIS_URL", redis_url),
            ("REDIS_KEY_PREFIX", prefix),
            // One sign-in a minute: the shared budget cannot refill between two requests.
            ("RATE_LIMIT_AUTH_PER_MINUTE", "1"),
            ("RATE_LIMIT_REQUESTS_PER_MINUTE", "0"),
            ("RATE_LIMIT_EVENTS_PER_MINUTE", "0"),
        ],
    )
}

/// Starts `raterhub-tracker serve` on `database_url` with extra environment.
pub(crate) fn spawn_server(database_url: &str, env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_raterhub-tracker"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("SECRET_KEY", "cluster-test-secret-key-0123456789abcdefghij")
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn server")
}

pub(crate) fn ready(mut child: Child) -> Instance {
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("no port in {line:?}"));
    Instance { child, port }
}

/// One GraphQL POST over a plain HTTP/1.1 connection.
pub(crate) async fn post(port: u16, token: Option<&str>, query: &str, variables: Value) -> Value {
    try_post(port, token, query, variables).await.unwrap_or_else(|| panic!("no answer from 127.0.0.1:{port}"))
}

/// `post`, or None when the server did not answer with a JSON body (it is gone).
pub(crate) async fn try_post(port: u16, token: Option<&str>, query: &str, variables: Value) -> Option<Value> {
    let body = json!({"query": query, "variables": variables}).to_string();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let text = String::from_utf8_lossy(&response);
    serde_json::from_str(text.split_once("\r\n\r\n")?.1).ok()
}

/// Reads the socket until a message contains `needle`; the limit is generous because a
/// busy machine may be slow, and only a missing message reaches it.
pub(crate) async fn next_containing<S>(ws: &mut S, needle: &str) -> bool
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let wait = async {
        while let Some(Ok(message)) = ws.next().await {
            if message.to_text().unwrap_or("").contains(needle) {
                return true;
            }
        }
        false
    };
    tokio::time::timeout(Duration::from_secs(60), wait).await.unwrap_or(false)
}

#[tokio::test]
async fn two_instances_share_events_limits_and_live_updates() {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server (and run Redis) to test two instances");
        return;
    };
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    if redis::Client::open(redis_url.as_str()).ok().map(|c| c.get_connection().is_ok()) != Some(true) {
        panic!("TEST_DATABASE_URL is set but Redis does not answer at {redis_url}");
    }
    let name = format!("rht_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE {name}")).await.unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let prefix = format!("rht-test-{}", uuid::Uuid::new_v4().simple());

    // Both start at once on the empty database, so their migrations race.
    let (one, two) = (spawn(&url, &redis_url, &prefix), spawn(&url, &redis_url, &prefix));
    let (one, two) = (ready(one), ready(two));
    let reg = post(one.port, None, "mutation{register(email:\"c@example.com\",password:\"correct horse battery staple\"){token}}", json!({})).await;
    let token = reg["data"]["register"]["token"].as_str().unwrap().to_owned();

    // One auth budget across both instances: the register on instance 1 used it up, so
    // instance 2 refuses a sign-in (its own budget would still be full), and so does 1.
    let login = "mutation{login(email:\"c@example.com\",password:\"wrong wrong wrong\"){token}}";
    for port in [two.port, one.port] {
        let r = post(port, None, login, json!({})).await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{r}");
        assert!(r["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap() > 1, "{r}");
    }

    // A subscriber on instance 1.
    let mut ws_request = format!("ws://127.0.0.1:{}/graphql/ws", one.port).into_client_request().unwrap();
    ws_request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request).await.unwrap();
    ws.send(Message::text(json!({"type": "connection_init", "payload": {"token": token}}).to_string())).await.unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(60), ws.next()).await.unwrap().unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    ws.send(Message::text(json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription{activity{eventType sessionId}}"}}).to_string()))
        .await
        .unwrap();
    // The server handles a socket's messages in order: its pong means the subscribe was read.
    ws.send(Message::text(json!({"type": "ping"}).to_string())).await.unwrap();
    assert!(next_containing(&mut ws, "pong").await, "no pong");

    // Events through both instances, in order, with a retry sent to the other one.
    let record = "mutation($i:EventInput!){recordEvent(input:$i){duplicate session{id} question{index}}}";
    let start_at = chrono::Utc::now() - chrono::Duration::minutes(30);
    for i in 0..10 {
        let port = if i % 2 == 0 { one.port } else { two.port };
        let input = json!({"type": "NEXT", "clientEventId": format!("n{i}"), "occurredAt": (start_at + chrono::Duration::seconds(i * 30)).to_rfc3339()});
        let r = post(port, Some(&token), record, json!({"i": input})).await;
        assert_eq!(r["data"]["recordEvent"]["duplicate"], false, "{r}");
        if i == 0 {
            // The subscription is live once it sees the first event (not after a sleep).
            assert!(next_containing(&mut ws, "NEXT").await, "the subscriber never saw the first NEXT");
        }
        let retry = post(if port == one.port { two.port } else { one.port }, Some(&token), record, json!({"i": input})).await;
        assert_eq!(retry["data"]["recordEvent"]["duplicate"], true, "{retry}");
    }
    // Concurrent NEXTs through both.
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let token = token.clone();
            let port = if i % 2 == 0 { one.port } else { two.port };
            tokio::spawn(async move { post(port, Some(&token), "mutation{recordEvent(input:{type:NEXT}){duplicate}}", json!({})).await })
        })
        .collect();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.get("errors").is_none(), "{r}");
    }
    let s = post(two.port, Some(&token), "{sessions{questions{index}} activeSession{current{index}}}", json!({})).await;
    let sessions = s["data"]["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{s}");
    let indexes: Vec<i64> = sessions[0]["questions"].as_array().unwrap().iter().map(|q| q["index"].as_i64().unwrap()).collect();
    assert_eq!(indexes, (1..20).collect::<Vec<_>>(), "each event applied exactly once, in order");
    assert_eq!(s["data"]["activeSession"]["current"]["index"], 20);

    // The subscriber on instance 1 sees an event recorded on instance 2.
    post(two.port, Some(&token), "mutation{recordEvent(input:{type:PAUSE}){duplicate}}", json!({})).await;
    assert!(next_containing(&mut ws, "PAUSE").await, "no live update crossed instances");
    post(one.port, Some(&token), "mutation{recordEvent(input:{type:PAUSE}){duplicate}}", json!({})).await;

    // A short load phase: clients at once through both instances, each NEXT retried on the
    // other instance; every event applies once and the questions stay numbered in order.
    let (clients, each) = (8, 10);
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (token, ports) = (token.clone(), [one.port, two.port]);
            tokio::spawn(async move {
                for n in 0..each {
                    let input = json!({"type": "NEXT", "clientEventId": format!("load{c}-{n}")});
                    let first = post(ports[(c + n) % 2], Some(&token), record, json!({"i": input})).await;
                    let retry = post(ports[(c + n + 1) % 2], Some(&token), record, json!({"i": input})).await;
                    assert_eq!(first["data"]["recordEvent"]["duplicate"], false, "{first}");
                    assert_eq!(retry["data"]["recordEvent"]["duplicate"], true, "{retry}");
                    assert_eq!(retry["data"]["recordEvent"]["question"], first["data"]["recordEvent"]["question"], "a retry answers what the event did");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let s = post(one.port, Some(&token), "{sessions{questions{index}} activeSession{current{index}}}", json!({})).await;
    let indexes: Vec<i64> = s["data"]["sessions"][0]["questions"].as_array().unwrap().iter().map(|q| q["index"].as_i64().unwrap()).collect();
    let last = 20 + (clients * each) as i64;
    assert_eq!(indexes, (1..last).collect::<Vec<_>>(), "every NEXT of the load phase applied exactly once, numbered in order");
    assert_eq!(s["data"]["activeSession"]["current"]["index"], last);

    drop((one, two));
    let _ = sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP DATABASE IF EXISTS {name}")).await;
}

/// On PostgreSQL a request that only records events takes its token from the instance's
/// trust cache and the event write confirms it under the user's row lock. So a token
/// revoked through one instance is refused at once by the other, whose cache still holds
/// it, and nothing is recorded with it.
#[tokio::test]
async fn a_token_revoked_on_one_instance_records_nothing_on_the_other() {
    let Some((admin, name, url)) = scratch_database("two instances").await else { return };
    let open = [("RATE_LIMIT_AUTH_PER_MINUTE", "0"), ("RATE_LIMIT_REQUESTS_PER_MINUTE", "0"), ("RATE_LIMIT_EVENTS_PER_MINUTE", "0")];
    let one = ready(spawn_server(&url, &open));
    let two = ready(spawn_server(&url, &open));

    let reg = post(one.port, None, "mutation{register(email:\"t@example.com\",password:\"correct horse battery staple\"){token}}", json!({})).await;
    let jwt = reg["data"]["register"]["token"].as_str().unwrap().to_owned();
    let created = post(one.port, Some(&jwt), "mutation{createDeviceToken(name:\"laptop\"){token device{id}}}", json!({})).await;
    let device = created["data"]["createDeviceToken"]["token"].as_str().unwrap().to_owned();
    let device_id = created["data"]["createDeviceToken"]["device"]["id"].as_str().unwrap().to_owned();

    let record = "mutation R($i: EventInput!) { recordEvent(input: $i) { duplicate session { questionCount } } }";
    let send = |token: String, id: String| async move { post(two.port, Some(&token), record, json!({"i": {"type": "NEXT", "clientEventId": id}})).await };
    // Twice each on instance two: the first reads the database and fills its cache, the
    // second is served from it (and confirmed by the write).
    for n in 0..2 {
        for (token, kind) in [(&jwt, "jwt"), (&device, "device")] {
            let r = send(token.clone(), format!("{kind}-{n}")).await;
            assert!(r["errors"].is_null(), "recording with a live token: {r}");
        }
    }
    let recorded = 4;

    // Revoked through instance one: every session token (logout), and the device token.
    let out = post(one.port, Some(&jwt), "mutation{logout}", json!({})).await;
    assert_eq!(out["data"]["logout"], true, "{out}");
    let fresh = post(one.port, None, "mutation{login(email:\"t@example.com\",password:\"correct horse battery staple\"){token}}", json!({})).await;
    let fresh = fresh["data"]["login"]["token"].as_str().unwrap().to_owned();
    let revoked = post(one.port, Some(&fresh), "mutation($id: ID!){revokeDeviceToken(id: $id)}", json!({"id": device_id})).await;
    assert_eq!(revoked["data"]["revokeDeviceToken"], true, "{revoked}");

    for (token, kind) in [(&jwt, "jwt"), (&device, "device")] {
        let r = send(token.clone(), format!("{kind}-revoked")).await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "a revoked token still records on the other instance: {r}");
    }
    // The new session token works on instance two, and the table holds only what the live
    // tokens recorded.
    let r = send(fresh.clone(), "fresh".into()).await;
    assert!(r["errors"].is_null(), "{r}");
    let db = sea_orm::Database::connect(&url).await.unwrap();
    let count = sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, "SELECT COUNT(*)::int AS n FROM events");
    let row = sea_orm::ConnectionTrait::query_one_raw(&db, count).await.unwrap().unwrap();
    assert_eq!(row.try_get::<i32>("", "n").unwrap(), recorded + 1);
    drop(db);
    drop((one, two));
    let _ = sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
}
