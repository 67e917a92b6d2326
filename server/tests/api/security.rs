//! Ownership, transport rules and what errors reveal.

use axum::body::Body;
use axum::http::Request;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn users_can_neither_read_nor_delete_each_others_data() {
    let app = TestApp::new().await;
    let a = app.register("a@example.com").await;
    let b = app.register("b@example.com").await;
    let at = base(30);
    app.event(&a, "NEXT", at).await;
    let r = app.event(&a, "NEXT", at + secs(60)).await;
    let session_id = r["data"]["recordEvent"]["session"]["id"].as_str().unwrap().to_owned();
    let question_id = r["data"]["recordEvent"]["question"]["id"].as_str().unwrap().to_owned();

    assert!(app.ok(Some(&b), "query($id:ID!){session(id:$id){id}}", json!({"id": session_id})).await["session"].is_null());
    assert!(app.sessions(&b).await.is_empty());
    assert!(app.active(&b).await.is_null());
    assert_eq!(app.ok(Some(&b), "{day{questionCount}}", json!({})).await["day"]["questionCount"], 0);
    for (mutation, id) in [
        ("deleteSession", &session_id),
        ("deleteQuestion", &question_id),
        ("deleteQuestion", &"999999".to_owned()),
        ("deleteSession", &"not-a-number".to_owned()),
    ] {
        let r = app.gql(Some(&b), &format!("mutation($id:ID!){{{mutation}(id:$id)}}"), json!({"id": id})).await;
        assert_eq!(code(&r), "NOT_FOUND", "{mutation} {id}");
    }
    // B's NEXT never touches A's session.
    app.event(&b, "NEXT", at + secs(61)).await;
    let mine = app.active(&a).await;
    assert_eq!(mine["id"], session_id);
    assert_eq!(mine["questionCount"], 1);
    assert_eq!(app.ok(Some(&a), "query($id:ID!){session(id:$id){questionCount}}", json!({"id": session_id})).await["session"]["questionCount"], 1);
}

#[tokio::test]
async fn get_serves_the_playground_and_never_runs_a_mutation() {
    let app = TestApp::new().await;
    let (status, headers, body) = app
        .send(
            Request::get("/graphql?query=mutation%7Bregister(email%3A%22x%40y.com%22%2Cpassword%3A%22correct%20horse%20battery%22)%7Btoken%7D%7D")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    assert!(body.contains("graphiql") || body.contains("GraphiQL"));
    let login = app.gql(None, "mutation{login(email:\"x@y.com\",password:\"correct horse battery\"){token}}", json!({})).await;
    assert_eq!(code(&login), "INVALID_CREDENTIALS", "the GET must not have registered anyone");
}

#[tokio::test]
async fn non_json_posts_and_oversized_bodies_are_refused() {
    let app = TestApp::new().await;
    let form = Request::post("/graphql").header("content-type", "application/x-www-form-urlencoded").body(Body::from("query=mutation{logout}")).unwrap();
    let (status, _, body) = app.send(form).await;
    assert_eq!(status, 415);
    assert!(body.contains("BAD_USER_INPUT"));
    let huge = format!("{{\"query\":\"{{me{{email}}}}\",\"x\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let (status, _, _) = app.send(Request::post("/graphql").header("content-type", "application/json").body(Body::from(huge)).unwrap()).await;
    assert_eq!(status, 413);
    let (status, _, body) = app.send(Request::post("/graphql").header("content-type", "application/json").body(Body::from("{not json")).unwrap()).await;
    assert_eq!(status, 400);
    assert!(body.contains("BAD_USER_INPUT"));
}

#[tokio::test]
async fn malformed_operations_get_bad_user_input_codes() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    for query in ["{ nope }", "{ me { email ", "mutation { recordEvent(input: {type: SLEEP}) { duplicate } }", "query($d: Date) { day(date: $d) { date } }"] {
        let vars = if query.contains("$d") { json!({"d": "2026-13-45"}) } else { json!({}) };
        let r = app.gql(Some(&t), query, vars).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{query}: {r}");
    }
}

#[tokio::test]
async fn internal_errors_hide_sql_and_driver_text() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    // A session whose questions must be read back, and a NEXT that must store one.
    app.event(&t, "NEXT", base(2)).await;
    app.state.services.db.conn.execute_unprepared("DROP TABLE questions").await.unwrap();
    let read = app.gql(Some(&t), "{sessions{id questions{index}}}", json!({})).await;
    let write = app.event(&t, "NEXT", base(1)).await;
    for body in [read, write] {
        assert_eq!(code(&body), "INTERNAL", "{body}");
        // The error's path names the field (`questions`), so look at what it says.
        let error = &body["errors"][0];
        let text = format!("{} {}", error["message"], error["extensions"]).to_lowercase();
        for leak in ["questions", "sql", "select", "insert", "table", "sqlx", "relation"] {
            assert!(!text.contains(leak), "leaked {leak:?}: {body}");
        }
    }
    let r = app.gql(Some(&t), "{day{questionCount}}", json!({})).await;
    assert_eq!(code(&r), "INTERNAL");
    assert_eq!(r["errors"][0]["message"], "internal error");
}

#[tokio::test]
async fn health_schema_and_static_routes() {
    let app = TestApp::new().await;
    let (status, _, body) = app.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, _, sdl) = app.send(Request::get("/schema.graphql").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(sdl, server::graphql::sdl());
    let (status, headers, _) = app.send(Request::get("/missing.js").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 404);
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    app.state.services.db.conn.clone().close().await.unwrap();
    let (status, _, _) = app.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 503);
}

#[tokio::test]
async fn client_side_routes_get_the_app_or_a_clear_503() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::with_config(|c| c.dist_dir = Some(dir.path().to_owned())).await;
    let (status, _, body) = app.send(Request::get("/sessions/42").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.contains("dashboard not built")), (503, true), "{body}");
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>t</title>").unwrap();
    let (status, headers, body) = app.send(Request::get("/sessions/42").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.contains("<title>t</title>")), (200, true));
    assert!(headers.get("content-security-policy").unwrap().to_str().unwrap().contains("wasm-unsafe-eval"));
}

#[tokio::test]
async fn dashboard_assets_are_compressed_but_api_answers_are_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>t</title>").unwrap();
    std::fs::write(dir.path().join("app.wasm"), vec![0u8; 64 * 1024]).unwrap();
    let app = TestApp::with_config(|c| c.dist_dir = Some(dir.path().to_owned())).await;
    let (status, headers, _) = app.send(Request::get("/app.wasm").header("accept-encoding", "br, gzip").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("content-encoding").unwrap(), "br");
    let (status, _, body) = app.send(Request::get("/sessions/7").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.contains("<title>t</title>")), (200, true), "client-side routes get index.html");
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept-encoding", "br, gzip")
        .body(Body::from(json!({"query": "{timezones}"}).to_string()))
        .unwrap();
    let (_, headers, body) = app.send(request).await;
    assert!(headers.get("content-encoding").is_none());
    assert!(body.contains("Europe/Berlin"));
}
