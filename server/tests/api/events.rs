//! The event rules, each with explicit timestamps.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn next_pause_next_exit_time_questions() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    let r = app.event(&t, "NEXT", b).await;
    assert_eq!(r["data"]["recordEvent"]["session"]["current"]["index"], 1);
    assert!(r["data"]["recordEvent"]["question"].is_null());
    app.event(&t, "PAUSE", b + secs(60)).await;
    let r = app.event(&t, "PAUSE", b + secs(90)).await;
    assert_eq!(r["data"]["recordEvent"]["session"]["isPaused"], false);
    let r = app.event(&t, "NEXT", b + secs(200)).await;
    let q = &r["data"]["recordEvent"]["question"];
    assert_eq!((f(&q["rawSeconds"]), f(&q["pausedSeconds"]), f(&q["activeSeconds"])), (200.0, 30.0, 170.0));
    assert_eq!(q["index"], 1);
    assert_eq!(f(&q["targetSeconds"]), 330.0);
    let r = app.event(&t, "EXIT", b + secs(300)).await;
    let rec = &r["data"]["recordEvent"];
    assert_eq!(rec["question"]["index"], 2);
    assert_eq!(f(&rec["question"]["activeSeconds"]), 100.0);
    assert_eq!(rec["session"]["isActive"], false);
    assert_eq!(rec["session"]["questionCount"], 2);
    assert!(rec["session"]["current"].is_null());
    assert!(app.active(&t).await.is_null());

    let sessions = app.sessions(&t).await;
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!((f(&s["activeSeconds"]), f(&s["pausedSeconds"]), f(&s["rawSeconds"])), (270.0, 30.0, 300.0));
    assert_eq!(f(&s["averageSeconds"]), 135.0);
    assert_eq!(instant(&s["endedAt"]), b + secs(300));
}

#[tokio::test]
async fn pause_or_exit_without_session_is_rejected_and_stores_nothing() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    for kind in ["PAUSE", "EXIT"] {
        let r = app.event(&t, kind, base(10)).await;
        assert_eq!(code(&r), "NO_ACTIVE_SESSION");
    }
    assert!(app.sessions(&t).await.is_empty());
}

#[tokio::test]
async fn next_and_exit_while_paused_close_the_pause_at_their_time() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    app.event(&t, "NEXT", b).await;
    app.event(&t, "PAUSE", b + secs(10)).await;
    let r = app.event(&t, "NEXT", b + secs(50)).await;
    assert_eq!(f(&r["data"]["recordEvent"]["question"]["pausedSeconds"]), 40.0);
    assert_eq!(r["data"]["recordEvent"]["session"]["isPaused"], false);
    app.event(&t, "PAUSE", b + secs(60)).await;
    let r = app.event(&t, "EXIT", b + secs(100)).await;
    let q = &r["data"]["recordEvent"]["question"];
    assert_eq!((f(&q["rawSeconds"]), f(&q["pausedSeconds"]), f(&q["activeSeconds"])), (50.0, 40.0, 10.0));
}

#[tokio::test]
async fn undo_after_next_reopens_the_question_and_keeps_pauses_paused() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    app.event(&t, "NEXT", b).await;
    app.event(&t, "PAUSE", b + secs(20)).await;
    app.event(&t, "PAUSE", b + secs(30)).await; // 10 s paused in question 1
    app.event(&t, "NEXT", b + secs(100)).await;
    app.event(&t, "PAUSE", b + secs(150)).await;
    app.event(&t, "PAUSE", b + secs(250)).await; // 100 s paused in the undone part
    let r = app.event(&t, "UNDO", b + secs(300)).await;
    let rec = &r["data"]["recordEvent"];
    assert!(rec["question"].is_null());
    assert_eq!(rec["session"]["questionCount"], 0);
    let current = &rec["session"]["current"];
    assert_eq!(current["index"], 1);
    assert_eq!(instant(&current["startedAt"]), b);
    assert_eq!(f(&current["pausedSeconds"]), 110.0);
    let r = app.event(&t, "NEXT", b + secs(400)).await;
    let q = &r["data"]["recordEvent"]["question"];
    assert_eq!(q["index"], 1);
    assert_eq!((f(&q["rawSeconds"]), f(&q["pausedSeconds"]), f(&q["activeSeconds"])), (400.0, 110.0, 290.0));
}

#[tokio::test]
async fn undo_keeps_an_open_pause_open() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    app.event(&t, "NEXT", b).await;
    app.event(&t, "NEXT", b + secs(100)).await;
    app.event(&t, "PAUSE", b + secs(120)).await;
    let r = app.event(&t, "UNDO", b + secs(130)).await;
    let s = &r["data"]["recordEvent"]["session"];
    assert_eq!(s["isPaused"], true);
    assert_eq!(s["current"]["isPaused"], true);
    let r = app.event(&t, "NEXT", b + secs(200)).await;
    // 80 s of open pause (120→200) closed by the NEXT.
    assert_eq!(f(&r["data"]["recordEvent"]["question"]["pausedSeconds"]), 80.0);
    assert_eq!(f(&r["data"]["recordEvent"]["question"]["activeSeconds"]), 120.0);
}

#[tokio::test]
async fn undo_of_the_first_next_discards_the_session() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    app.event(&t, "NEXT", b).await;
    let r = app.event(&t, "UNDO", b + secs(5)).await;
    assert!(r.get("errors").is_none(), "{r}");
    assert!(r["data"]["recordEvent"]["session"].is_null());
    assert!(app.sessions(&t).await.is_empty());
    assert!(app.active(&t).await.is_null());
    let r = app.event(&t, "UNDO", b + secs(6)).await;
    assert_eq!(code(&r), "NOTHING_TO_UNDO");
}

#[tokio::test]
async fn undo_after_exit_reopens_with_the_gap_paused() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    app.event(&t, "NEXT", b).await;
    app.event(&t, "NEXT", b + secs(100)).await;
    app.event(&t, "EXIT", b + secs(200)).await;
    let r = app.event(&t, "UNDO", b + secs(260)).await;
    let s = &r["data"]["recordEvent"]["session"];
    assert_eq!(s["isActive"], true);
    assert!(s["endedAt"].is_null());
    assert_eq!(s["questionCount"], 1);
    assert_eq!(s["current"]["index"], 2);
    assert_eq!(f(&s["current"]["pausedSeconds"]), 60.0);
    let r = app.event(&t, "NEXT", b + secs(300)).await;
    let q = &r["data"]["recordEvent"]["question"];
    assert_eq!((q["index"].as_i64(), f(&q["rawSeconds"]), f(&q["pausedSeconds"]), f(&q["activeSeconds"])), (Some(2), 200.0, 60.0, 140.0));
}

#[tokio::test]
async fn undo_after_an_old_exit_or_a_newer_session_has_nothing_to_undo() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(180);
    app.event(&t, "NEXT", b).await;
    app.event(&t, "EXIT", b + secs(100)).await;
    // Older than the 60-minute idle timeout.
    let r = app.event(&t, "UNDO", b + secs(100 + 3601)).await;
    assert_eq!(code(&r), "NOTHING_TO_UNDO");
    assert_eq!(app.sessions(&t).await[0]["isActive"], false);

    // A newer session: UNDO reverts its first NEXT, and then the old EXIT is not the latest event.
    app.event(&t, "NEXT", b + secs(4000)).await;
    app.event(&t, "EXIT", b + secs(4100)).await;
    app.event(&t, "NEXT", b + secs(4200)).await;
    let r = app.event(&t, "UNDO", b + secs(4210)).await;
    assert!(r["data"]["recordEvent"]["session"].is_null(), "{r}");
    let r = app.event(&t, "UNDO", b + secs(4220)).await;
    assert_eq!(code(&r), "NOTHING_TO_UNDO");
    assert_eq!(app.sessions(&t).await.len(), 2);
}

#[tokio::test]
async fn future_and_out_of_order_times_are_rejected_without_changes() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let r = app.event(&t, "NEXT", chrono::Utc::now() + chrono::Duration::minutes(10)).await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("future"));
    let b = base(30);
    app.event(&t, "NEXT", b + secs(100)).await;
    let r = app.event(&t, "PAUSE", b + secs(50)).await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("earlier"));
    let active = app.active(&t).await;
    assert_eq!(active["isPaused"], false);
    // A new session can't start before the previous one ended either.
    app.event(&t, "EXIT", b + secs(200)).await;
    assert_eq!(code(&app.event(&t, "NEXT", b + secs(150)).await), "BAD_USER_INPUT");
    assert_eq!(app.sessions(&t).await.len(), 1);
    // No occurredAt means now.
    let r = app.event_with(&t, json!({"type": "NEXT"})).await;
    assert_eq!(r["data"]["recordEvent"]["session"]["isActive"], true);
}

#[tokio::test]
async fn client_event_ids_make_retries_idempotent() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    let first = app.event_with(&t, json!({"type": "NEXT", "clientEventId": "e1", "occurredAt": b.to_rfc3339()})).await;
    let again = app.event_with(&t, json!({"type": "NEXT", "clientEventId": "e1", "occurredAt": b.to_rfc3339()})).await;
    assert_eq!(first["data"]["recordEvent"]["duplicate"], false);
    assert_eq!(again["data"]["recordEvent"]["duplicate"], true);
    assert_eq!(first["data"]["recordEvent"]["session"]["id"], again["data"]["recordEvent"]["session"]["id"]);
    let second = app.event_with(&t, json!({"type": "NEXT", "clientEventId": "e2", "occurredAt": (b + secs(60)).to_rfc3339()})).await;
    let replay = app.event_with(&t, json!({"type": "NEXT", "clientEventId": "e2", "occurredAt": (b + secs(60)).to_rfc3339()})).await;
    assert_eq!(replay["data"]["recordEvent"]["duplicate"], true);
    assert_eq!(replay["data"]["recordEvent"]["question"]["id"], second["data"]["recordEvent"]["question"]["id"]);
    assert_eq!(app.active(&t).await["questionCount"], 1);
    assert_eq!(app.active(&t).await["current"]["index"], 2);

    // The same ids belong to each user separately.
    let other = app.register("b@example.com").await;
    let r = app.event_with(&other, json!({"type": "NEXT", "clientEventId": "e1", "occurredAt": b.to_rfc3339()})).await;
    assert_eq!(r["data"]["recordEvent"]["duplicate"], false);
}

#[tokio::test]
async fn record_events_applies_a_batch_in_order_and_reports_rejections() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    let inputs = json!([
        {"type": "PAUSE", "clientEventId": "x0", "occurredAt": b.to_rfc3339()},
        {"type": "NEXT", "clientEventId": "x1", "occurredAt": (b + secs(1)).to_rfc3339()},
        {"type": "NEXT", "clientEventId": "x2", "occurredAt": (b + secs(61)).to_rfc3339()},
        {"type": "NEXT", "clientEventId": "x2", "occurredAt": (b + secs(61)).to_rfc3339()},
        {"type": "NEXT", "clientEventId": "x3", "occurredAt": (b + secs(121)).to_rfc3339()},
    ]);
    let q = format!("mutation($i:[EventInput!]!){{recordEvents(inputs:$i){{{EVENT_RESULT}}}}}");
    let data = app.ok(Some(&t), &q, json!({"i": inputs})).await;
    let results = data["recordEvents"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0]["error"]["code"], "NO_ACTIVE_SESSION");
    assert!(results[1]["error"].is_null());
    assert_eq!(results[3]["duplicate"], true);
    assert_eq!(results[4]["question"]["index"], 2);
    assert_eq!(app.active(&t).await["questionCount"], 2);
    // Replaying the whole batch changes nothing.
    app.ok(Some(&t), &q, json!({"i": inputs})).await;
    assert_eq!(app.active(&t).await["questionCount"], 2);
}

/// Runs on SQLite (its own writer reads the setting) and, with TEST_DATABASE_URL, on PostgreSQL.
#[tokio::test]
async fn a_non_default_idle_timeout_is_the_one_applied() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    app.ok(Some(&t), "mutation{updateSettings(input:{idleTimeoutMinutes:5}){idleTimeoutMinutes}}", json!({})).await;
    let b = base(60);
    app.event(&t, "NEXT", b).await;
    // (The answers show sessions as of now, long after these times, so look at what each
    // NEXT closed.) Exactly 5 minutes later the session still runs: the rule is "more than".
    let r = app.event(&t, "NEXT", b + secs(5 * 60)).await;
    assert_eq!(r["data"]["recordEvent"]["question"]["index"], 1, "{r}");
    // 5 minutes and a second later it was forgotten: a new session starts, closing nothing.
    let r = app.event(&t, "NEXT", b + secs(10 * 60 + 1)).await;
    assert!(r["data"]["recordEvent"]["question"].is_null(), "{r}");
    let sessions = app.sessions(&t).await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(instant(&sessions[1]["endedAt"]), b + secs(5 * 60), "ended at its last event");
    // Raised to 30 minutes, a 20-minute gap no longer ends the session.
    app.ok(Some(&t), "mutation{updateSettings(input:{idleTimeoutMinutes:30}){idleTimeoutMinutes}}", json!({})).await;
    let r = app.event(&t, "NEXT", b + secs(30 * 60 + 1)).await;
    assert_eq!(r["data"]["recordEvent"]["question"]["index"], 1, "{r}");
    assert_eq!(f(&r["data"]["recordEvent"]["question"]["rawSeconds"]), 20.0 * 60.0);
}

#[tokio::test]
async fn idle_timeout_ends_a_forgotten_session_at_its_last_event() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(100);
    app.event(&t, "NEXT", b).await;
    app.event(&t, "NEXT", b + secs(100)).await;
    // Read more than an hour after the last event: not shown as running.
    assert!(app.active(&t).await.is_null());
    let listed = &app.sessions(&t).await[0];
    assert_eq!(listed["isActive"], false);
    assert_eq!(instant(&listed["endedAt"]), b + secs(100));

    // The next event ends it for good and starts afresh.
    let r = app.event(&t, "NEXT", b + secs(100 + 61 * 60)).await;
    assert_eq!(r["data"]["recordEvent"]["session"]["current"]["index"], 1);
    assert!(r["data"]["recordEvent"]["question"].is_null());
    let sessions = app.sessions(&t).await;
    assert_eq!(sessions.len(), 2);
    let old = &sessions[1];
    assert_eq!(old["questionCount"], 1, "the open question of unknown length is dropped");
    assert_eq!(f(&old["rawSeconds"]), 100.0);
    assert_eq!(instant(&old["endedAt"]), b + secs(100));

    // A paused session is never forgotten.
    let u = app.register("paused@example.com").await;
    let b = base(200);
    app.event(&u, "NEXT", b).await;
    app.event(&u, "PAUSE", b + secs(10)).await;
    assert_eq!(app.active(&u).await["isPaused"], true);
    let r = app.event(&u, "PAUSE", base(1)).await;
    assert_eq!(r["data"]["recordEvent"]["session"]["isActive"], true);
    assert_eq!(app.sessions(&u).await.len(), 1);
}

#[tokio::test]
async fn targets_and_task_ids_come_from_the_starting_next() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    app.event_with(&t, json!({"type": "NEXT", "occurredAt": b.to_rfc3339(), "targetSeconds": 90.0, "taskId": "task-1"})).await;
    let r = app.event_with(&t, json!({"type": "NEXT", "occurredAt": (b + secs(100)).to_rfc3339()})).await;
    let q = &r["data"]["recordEvent"]["question"];
    assert_eq!((f(&q["targetSeconds"]), q["taskId"].as_str()), (90.0, Some("task-1")));
    assert_eq!(f(&r["data"]["recordEvent"]["session"]["current"]["targetSeconds"]), 330.0);
    let active = app.active(&t).await;
    assert_eq!(f(&active["questions"][0]["deltaSeconds"]), 10.0);
    let bad = app.event_with(&t, json!({"type": "NEXT", "targetSeconds": -1.0})).await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    let long = app.event_with(&t, json!({"type": "NEXT", "taskId": "x".repeat(129)})).await;
    assert_eq!(code(&long), "BAD_USER_INPUT");
    let unknown = app.event_with(&t, json!({"type": "NEXTT"})).await;
    assert_eq!(code(&unknown), "BAD_USER_INPUT");
}

// Several worker threads, so that the NEXTs really race in the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nexts_get_consecutive_numbers_in_one_session() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let t = app.register("a@example.com").await;
    let n = 24;
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let app = app.clone();
            let t = t.clone();
            tokio::spawn(async move { app.gql(Some(&t), "mutation{recordEvent(input:{type:NEXT}){duplicate}}", json!({})).await })
        })
        .collect();
    for task in tasks {
        let body = task.await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
    }
    let sessions = app.sessions(&t).await;
    assert_eq!(sessions.len(), 1, "one active session per user");
    let s = &sessions[0];
    let indexes: Vec<i64> = s["questions"].as_array().unwrap().iter().map(|q| q["index"].as_i64().unwrap()).collect();
    assert_eq!(indexes, (1..n).collect::<Vec<_>>());
    assert_eq!(s["current"]["index"], n);
}

#[tokio::test]
async fn deleting_questions_renumbers_and_deleting_the_active_session_stops_tracking() {
    let app = TestApp::new().await;
    let t = app.register("a@example.com").await;
    let b = base(30);
    for i in 0..4 {
        app.event(&t, "NEXT", b + secs(i * 60)).await;
    }
    let active = app.active(&t).await;
    let ids: Vec<String> = active["questions"].as_array().unwrap().iter().map(|q| q["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 3);
    let r = app.ok(Some(&t), "mutation($id:ID!){deleteQuestion(id:$id)}", json!({"id": ids[0]})).await;
    assert_eq!(r["deleteQuestion"], true);
    let active = app.active(&t).await;
    let numbers: Vec<i64> = active["questions"].as_array().unwrap().iter().map(|q| q["index"].as_i64().unwrap()).collect();
    assert_eq!(numbers, vec![1, 2]);
    assert_eq!(active["current"]["index"], 3);
    // The session's running totals lose the deleted question.
    let totals = app.ok(Some(&t), "{activeSession{questionCount activeSeconds rawSeconds}}", json!({})).await;
    assert_eq!(totals["activeSession"]["questionCount"], 2);
    assert_eq!(totals["activeSession"]["activeSeconds"], 120.0);
    assert_eq!(totals["activeSession"]["rawSeconds"], 120.0);
    // The next NEXT continues the numbering without a gap.
    let r = app.event(&t, "NEXT", b + secs(300)).await;
    assert_eq!(r["data"]["recordEvent"]["question"]["index"], 3);

    let session_id = active["id"].as_str().unwrap().to_owned();
    let r = app.ok(Some(&t), "mutation($id:ID!){deleteSession(id:$id)}", json!({"id": session_id})).await;
    assert_eq!(r["deleteSession"], true);
    assert!(app.active(&t).await.is_null());
    let r = app.event(&t, "NEXT", b + secs(400)).await;
    assert_eq!(r["data"]["recordEvent"]["session"]["current"]["index"], 1);
    assert_ne!(r["data"]["recordEvent"]["session"]["id"].as_str().unwrap(), session_id);
    let missing = app.gql(Some(&t), "mutation($id:ID!){deleteSession(id:$id)}", json!({"id": session_id})).await;
    assert_eq!(code(&missing), "NOT_FOUND");
}
