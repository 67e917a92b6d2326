//! The SQLite writer under pressure: a caller whose write can't get in answers `OVERLOADED`
//! (GraphQL `extensions.code`, and the JSON `code` with HTTP 503), never hangs, and its
//! write is not made later behind its back.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use server::db::QueueLimits;

use crate::common::*;

#[tokio::test]
async fn a_stuck_writer_answers_overloaded_and_the_refused_write_never_lands() {
    let limits = QueueLimits { capacity: 8, wait: Duration::from_millis(300) };
    let Some(app) = TestApp::sqlite_with_limits(limits).await else { return };
    let token = app.register("busy@example.com").await;
    let login = "mutation($e:String!,$p:String!){login(email:$e,password:$p,deviceName:\"laptop\"){token}}";
    let device = app.ok(None, login, json!({"e": "busy@example.com", "p": PASSWORD})).await["login"]["token"].as_str().unwrap().to_owned();

    // Another write holds the writer for as long as this test wants.
    let turn = app.state.services.db.begin_write().await.unwrap();
    let at = base(10);
    let refused = app.event(&token, "NEXT", at).await;
    assert_eq!(code(&refused), "OVERLOADED", "{refused}");
    // A device token's first use records when it was used: that write is refused too.
    let request = Request::get("/reports/timesheet.csv").header("authorization", format!("Bearer {device}")).body(Body::empty()).unwrap();
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["code"], "OVERLOADED");
    drop(turn);

    // The refused NEXT never ran: this one opens the first session, closing no question.
    let ok = app.event(&token, "NEXT", at + secs(5)).await;
    assert!(ok.get("errors").is_none(), "{ok}");
    assert!(ok["data"]["recordEvent"]["question"].is_null(), "the refused NEXT was applied after all: {ok}");
    let sessions = app.sessions(&token).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["questionCount"], 0);
}
