//! The shared conformance fixture (`tests/fixtures/engine-conformance.json`): event sequences
//! and the per-question raw, paused and active times each must give. The engine (through the
//! storage model of `props.rs`) must give exactly these; the userscript's node tests run the
//! same file against the overlay's optimistic rules, so the two can never drift.
//!
//! `UPDATE_FIXTURE=1 cargo test -p server --test api conformance` rewrites the expectations
//! (and the generated sequences) from the engine; review the diff before committing it.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use server::engine::{Command, EngineError};

use crate::props::EngineDriver as Model;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/engine-conformance.json");
const GENERATED: usize = 24;

fn t0(fixture: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(fixture["t0"].as_str().expect("t0")).unwrap().with_timezone(&Utc)
}

fn instant(t0: DateTime<Utc>, seconds: f64) -> DateTime<Utc> {
    t0 + Duration::milliseconds((seconds * 1000.0).round() as i64)
}

fn seconds(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

fn since(t0: DateTime<Utc>, at: DateTime<Utc>) -> Value {
    seconds((at - t0).num_milliseconds())
}

/// One fixture event: `[type, seconds]` or `[type, seconds, {targetSeconds, taskId, now}]`.
fn command(event: &Value) -> (Command, f64, Option<f64>) {
    let kind = event[0].as_str().expect("event type");
    let at = event[1].as_f64().expect("event time");
    let extra = &event[2];
    let command = match kind {
        "NEXT" => Command::Next {
            target_ms: extra["targetSeconds"].as_f64().map(|s| (s * 1000.0).round() as i64),
            task_id: extra["taskId"].as_str().map(str::to_owned),
            task_type: extra["taskType"].as_str().map(str::to_owned),
        },
        "PAUSE" => Command::Pause,
        "EXIT" => Command::Exit,
        "UNDO" => Command::Undo,
        other => panic!("unknown event type {other}"),
    };
    (command, at, extra["now"].as_f64())
}

fn code(result: Result<(), EngineError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(EngineError::NoActiveSession) => "NO_ACTIVE_SESSION",
        Err(EngineError::NothingToUndo) => "NOTHING_TO_UNDO",
        Err(EngineError::InFuture | EngineError::BeforeLastEvent { .. }) => "BAD_USER_INPUT",
    }
}

/// What the engine makes of a case's events: each event's result and the sessions after them.
fn run(t0: DateTime<Utc>, events: &[Value]) -> Value {
    let mut model = Model::default();
    let mut results = Vec::new();
    for event in events {
        let (command, at, now) = command(event);
        let at = instant(t0, at);
        let now = now.map_or(at, |n| instant(t0, n));
        results.push(code(model.apply_at(&command, at, now).map(|_| ())));
    }
    let sessions: Vec<Value> = model.sessions.iter().map(|s| session_json(t0, s)).collect();
    json!({ "results": results, "sessions": sessions })
}

fn session_json(t0: DateTime<Utc>, s: &crate::props::ModelSession) -> Value {
    let task = |t: &Option<String>| t.clone().map_or(Value::Null, Value::String);
    let questions: Vec<Value> = s
        .closed
        .iter()
        .map(|q| json!({ "index": q.index, "raw": seconds(q.raw_ms()), "paused": seconds(q.paused_ms), "active": seconds(q.active_ms()), "target": seconds(q.target_ms), "taskId": task(&q.task_id) }))
        .collect();
    let running = s.open.as_ref().map_or(Value::Null, |o| {
        let r = &o.running;
        json!({ "index": r.index, "startedAt": since(t0, r.started_at), "paused": seconds(r.paused_ms), "pausedSince": r.pause_started_at.map_or(Value::Null, |p| since(t0, p)), "target": seconds(r.target_ms), "taskId": task(&r.task_id) })
    });
    json!({ "questions": questions, "running": running })
}

/// A small deterministic generator (xorshift), so the generated cases never change by accident.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Random sequences like the property tests': mostly seconds to minutes apart, sometimes past
/// the idle timeout, sometimes backwards; some NEXTs carry an AET target and a task id.
fn generated(n: usize) -> Vec<Value> {
    let mut rng = Rng(0x5eed_2026_1126);
    (0..n)
        .map(|i| {
            let mut at = 0.0;
            let events: Vec<Value> = (0..8 + rng.below(20))
                .map(|_| {
                    at += match rng.below(10) {
                        0 => 3000.0 + rng.below(2000) as f64,
                        1 => -(rng.below(60) as f64),
                        _ => rng.below(400) as f64 + rng.below(1000) as f64 / 1000.0,
                    };
                    let kind = ["NEXT", "NEXT", "NEXT", "NEXT", "NEXT", "PAUSE", "PAUSE", "EXIT", "UNDO", "UNDO"][rng.below(10) as usize];
                    if kind == "NEXT" && rng.below(3) == 0 {
                        json!([kind, at, { "targetSeconds": 60 + rng.below(300), "taskId": format!("task-{}", rng.below(1000)) }])
                    } else {
                        json!([kind, at])
                    }
                })
                .collect();
            json!({ "name": format!("generated sequence {}", i + 1), "rule": "generated", "events": events })
        })
        .collect()
}

#[test]
fn the_engine_gives_every_conformance_case() {
    let text = std::fs::read_to_string(FIXTURE).expect("fixture present");
    let mut fixture: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let t0 = t0(&fixture);
    if std::env::var_os("UPDATE_FIXTURE").is_some() {
        let cases = fixture["cases"].as_array_mut().unwrap();
        cases.retain(|c| c["rule"] != "generated");
        cases.extend(generated(GENERATED));
        for case in cases.iter_mut() {
            let expect = run(t0, case["events"].as_array().unwrap());
            case["expect"] = expect;
        }
        std::fs::write(FIXTURE, serde_json::to_string_pretty(&fixture).unwrap() + "\n").unwrap();
    }
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "at least 40 cases ({})", cases.len());
    for case in cases {
        let got = run(t0, case["events"].as_array().unwrap());
        assert_eq!(got, case["expect"], "case {:?}", case["name"]);
    }
}

/// Every rule of the README's "How time is counted" that the engine decides has its cases.
#[test]
fn the_fixture_covers_every_engine_rule() {
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let rules: Vec<String> = fixture["cases"].as_array().unwrap().iter().map(|c| c["rule"].to_string()).collect();
    for rule in ["1", "2", "3", "4", "5", "6", "9", "10", "\"generated\""] {
        assert!(rules.iter().filter(|r| *r == rule).count() >= 1, "no case for rule {rule}");
    }
}

/// The fixture through the real API as well: the same results, and the stored questions of
/// every session. (Running questions are left out: seen from today, every unpaused session of
/// a fixture is long idle and reported as ended.)
#[tokio::test]
async fn the_server_gives_every_conformance_case() {
    use crate::common::{TestApp, base};

    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let app = TestApp::new().await;
    let t0 = base(4 * 24 * 60);
    for (n, case) in fixture["cases"].as_array().unwrap().iter().enumerate() {
        let events = case["events"].as_array().unwrap();
        if events.iter().any(|e| !e[2]["now"].is_null()) {
            continue; // "now" is the server's own clock here
        }
        let token = app.register(&format!("conformance{n}@example.com")).await;
        let mut results = Vec::new();
        for event in events {
            let mut input = json!({ "type": event[0], "occurredAt": instant(t0, event[1].as_f64().unwrap()).to_rfc3339() });
            for key in ["targetSeconds", "taskId"] {
                if !event[2][key].is_null() {
                    input[key] = event[2][key].clone();
                }
            }
            let body = app.event_with(&token, input).await;
            results.push(body["errors"][0]["extensions"]["code"].as_str().unwrap_or("ok").to_owned());
        }
        assert_eq!(json!(results), case["expect"]["results"], "case {:?}", case["name"]);
        let stored: Vec<Value> = app.sessions(&token).await.into_iter().rev().collect();
        let expected = case["expect"]["sessions"].as_array().unwrap();
        assert_eq!(stored.len(), expected.len(), "case {:?}: sessions", case["name"]);
        for (s, e) in stored.iter().zip(expected) {
            let got: Vec<Value> = s["questions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| json!({ "index": q["index"], "raw": q["rawSeconds"], "paused": q["pausedSeconds"], "active": q["activeSeconds"], "target": q["targetSeconds"], "taskId": q["taskId"] }))
                .collect();
            assert_eq!(json!(got), e["questions"], "case {:?}: stored questions", case["name"]);
        }
    }
}
