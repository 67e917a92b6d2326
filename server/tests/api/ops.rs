//! Metrics, request ids, backups and export/import.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use server::db::Db;
use server::ops;

use crate::common::*;

#[tokio::test]
async fn metrics_cover_requests_events_and_build_info() {
    let app = TestApp::new().await;
    let t = app.register("m@example.com").await;
    app.event(&t, "NEXT", base(5)).await;
    app.event(&t, "NEXT", base(4)).await;
    let (status, headers, text) = app.send(from_peer("127.0.0.1", None)).await;
    assert_eq!(status, 200);
    assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/plain"));
    for needle in [
        "rht_build_info",
        "rht_events_recorded_total{type=\"NEXT\"}",
        "rht_http_requests_total{",
        "rht_http_request_duration_seconds_bucket",
        "rht_graphql_operations_total{",
        "rht_active_sessions",
        "rht_db_pool_connections{state=\"idle\"}",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

/// A `/metrics` request from `peer`, optionally forwarded for `forwarded_for`.
fn from_peer(peer: &str, forwarded_for: Option<&str>) -> Request<Body> {
    let peer = std::net::SocketAddr::new(peer.parse().unwrap(), 40_000);
    let mut request = Request::get("/metrics").extension(axum::extract::ConnectInfo(peer));
    if let Some(client) = forwarded_for {
        request = request.header("x-forwarded-for", client);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn without_a_token_metrics_answer_loopback_clients_only() {
    let app = TestApp::with_config(|c| c.trusted_proxies = vec!["10.0.0.2/32".parse().unwrap()]).await;
    for (peer, forwarded, status) in [
        ("127.0.0.1", None, 200),
        ("::1", None, 200),
        ("::ffff:127.0.0.1", None, 200),
        ("203.0.113.9", None, 403),
        // A client can't claim loopback through an untrusted peer…
        ("203.0.113.9", Some("127.0.0.1"), 403),
        // …but a trusted proxy's word counts, both ways.
        ("10.0.0.2", Some("127.0.0.1"), 200),
        ("10.0.0.2", Some("198.51.100.7"), 403),
    ] {
        let (got, _, body) = app.send(from_peer(peer, forwarded)).await;
        assert_eq!(got, status, "{peer} for {forwarded:?}: {body}");
        if status == 403 {
            assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["code"], "FORBIDDEN");
        }
    }
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = TestApp::with_config(|c| c.metrics_token = Some("s3cret-metrics-token".into())).await;
    let (status, _, _) = app.send(Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 401);
    let (status, _, _) = app.send(Request::get("/metrics").header("authorization", "Bearer wrong").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 401);
    let (status, _, _) = app.send(Request::get("/metrics").header("authorization", "Bearer s3cret-metrics-token").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 200, "with a token, any client that has it may read the metrics");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::new().await;
    let (_, headers, _) = app.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    let id = headers.get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let (_, headers, _) = app.send(Request::get("/healthz").header("x-request-id", "from-proxy-123").body(Body::empty()).unwrap()).await;
    assert_eq!(headers.get("x-request-id").unwrap(), "from-proxy-123");
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let app = TestApp::new().await;
    if app.state.services.db.backend() != sea_orm::DbBackend::Sqlite {
        let err = ops::backup(&app.state.services.db, std::path::Path::new("/tmp/never.db")).await.unwrap_err();
        assert!(err.to_string().contains("pg_dump"));
        return;
    }
    let t = app.register("b@example.com").await;
    let at = base(30);
    for i in 0..3 {
        app.event(&t, "NEXT", at + secs(i * 60)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    ops::backup(&app.state.services.db, &file).await.unwrap();
    assert!(ops::backup(&app.state.services.db, &file).await.is_err(), "never overwrites");
    let copy = Db::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let questions = server::store::sessions::count_questions(&copy.conn, 1).await.unwrap();
    assert_eq!(questions, 2);
}

#[tokio::test]
async fn export_and_import_round_trip_idempotently() {
    let source = TestApp::new().await;
    let t = source.register("move@example.com").await;
    let at = base(90);
    source.event_with(&t, json!({"type": "NEXT", "clientEventId": "c1", "occurredAt": at.to_rfc3339(), "taskId": "t-1", "targetSeconds": 200.0})).await;
    source.event_with(&t, json!({"type": "PAUSE", "clientEventId": "c2", "occurredAt": (at + secs(30)).to_rfc3339()})).await;
    source.event_with(&t, json!({"type": "NEXT", "clientEventId": "c3", "occurredAt": (at + secs(90)).to_rfc3339()})).await;
    source.event_with(&t, json!({"type": "EXIT", "clientEventId": "c4", "occurredAt": (at + secs(150)).to_rfc3339()})).await;
    let dump = ops::export_user(&source.state.services.db, "move@example.com").await.unwrap();
    assert_eq!(dump.sessions.len(), 1);
    assert_eq!(dump.sessions[0].questions.len(), 2);
    assert_eq!(dump.events.len(), 4);
    let text = serde_json::to_string(&dump).unwrap();
    let parsed: ops::UserDump = serde_json::from_str(&text).unwrap();

    let target = TestApp::new().await;
    let first = ops::import_user(&target.state.services.db, &parsed).await.unwrap();
    assert!(first.contains("1 sessions, 2 questions, 4 events"), "{first}");
    let second = ops::import_user(&target.state.services.db, &parsed).await.unwrap();
    assert!(second.contains("0 sessions, 0 questions, 0 events"), "{second}");
    // The account signs in with its old password and sees the same history.
    let login = target.ok(None, "mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}", json!({"e": "move@example.com", "p": PASSWORD})).await;
    let token = login["login"]["token"].as_str().unwrap();
    let sessions = target.sessions(token).await;
    assert_eq!(sessions.len(), 1);
    let q = &sessions[0]["questions"];
    assert_eq!(q[0]["taskId"], "t-1");
    assert_eq!(f(&q[0]["pausedSeconds"]), 60.0);
    assert_eq!(f(&q[1]["activeSeconds"]), 60.0);
    // Replayed client ids are recognised after the move.
    let replay = target.event_with(token, json!({"type": "EXIT", "clientEventId": "c4", "occurredAt": (at + secs(150)).to_rfc3339()})).await;
    assert_eq!(replay["data"]["recordEvent"]["duplicate"], true);
    let again = ops::export_user(&target.state.services.db, "move@example.com").await.unwrap();
    assert_eq!((again.sessions, again.user), (dump.sessions, dump.user));
}

#[tokio::test]
async fn the_session_totals_migration_backfills_from_the_questions() {
    use migrations::{Migrator, MigratorTrait};
    let app = TestApp::new().await;
    let t = app.register("totals@example.com").await;
    let at = base(60);
    for (i, kind) in ["NEXT", "NEXT", "PAUSE", "PAUSE", "NEXT", "NEXT", "EXIT", "NEXT", "NEXT"].iter().enumerate() {
        app.event(&t, kind, at + secs(i as i64 * 45)).await;
    }
    let query = "{sessions(limit:10){questionCount rawSeconds pausedSeconds activeSeconds targetSeconds}}";
    let before = app.ok(Some(&t), query, json!({})).await;
    assert_eq!(before["sessions"][1]["questionCount"], 4, "{before}");
    assert_eq!(before["sessions"][1]["pausedSeconds"], 45.0, "{before}");
    // Undo the totals migration (dropping the columns) and apply it again: the backfill
    // must recompute exactly what the writes kept.
    let conn = &app.state.services.db.conn;
    Migrator::down(conn, Some(1)).await.unwrap();
    Migrator::up(conn, None).await.unwrap();
    assert_eq!(app.ok(Some(&t), query, json!({})).await, before);
}
