//! Day, week and export in the user's timezone, across DST changes.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use crate::common::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One finished question starting at `at`, in a session of its own.
async fn question_at(app: &TestApp, t: &str, at: DateTime<Utc>) {
    app.event(t, "NEXT", at).await;
    let r = app.event(t, "EXIT", at + secs(60)).await;
    assert!(r.get("errors").is_none(), "{r}");
}

const DAY: &str = "query($d:Date){day(date:$d){date timezone sessionCount questionCount activeSeconds averageSeconds pace{label emoji score ratio} hours{hour questionCount activeSeconds} sessions{id questionCount}}}";

#[tokio::test]
async fn new_york_spring_forward_day_has_23_hours_of_buckets() {
    let app = TestApp::new().await;
    let t = app.register_in("ny@example.com", "America/New_York").await;
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    question_at(&app, &t, utc("2026-03-08T04:30:00Z")).await; // 23:30 on the 7th
    question_at(&app, &t, utc("2026-03-08T06:30:00Z")).await; // 01:30 EST
    question_at(&app, &t, utc("2026-03-08T07:30:00Z")).await; // 03:30 EDT
    question_at(&app, &t, utc("2026-03-09T03:30:00Z")).await; // 23:30 EDT
    question_at(&app, &t, utc("2026-03-09T04:30:00Z")).await; // 00:30 on the 9th
    let day = &app.ok(Some(&t), DAY, json!({"d": "2026-03-08"})).await["day"];
    assert_eq!(day["timezone"], "America/New_York");
    assert_eq!(day["questionCount"], 3);
    assert_eq!(day["sessionCount"], 3);
    assert_eq!(day["sessions"].as_array().unwrap().len(), 3);
    let hours: Vec<i64> = day["hours"].as_array().unwrap().iter().map(|h| h["questionCount"].as_i64().unwrap()).collect();
    assert_eq!(hours.len(), 24);
    assert_eq!((hours[1], hours[2], hours[3], hours[23]), (1, 0, 1, 1));
    assert_eq!(f(&day["activeSeconds"]), 180.0);
    assert_eq!(f(&day["averageSeconds"]), 60.0);
    let before = &app.ok(Some(&t), DAY, json!({"d": "2026-03-07"})).await["day"];
    assert_eq!(before["questionCount"], 1);
}

#[tokio::test]
async fn berlin_fall_back_day_puts_both_two_oclocks_in_one_bucket() {
    let app = TestApp::new().await;
    let t = app.register_in("de@example.com", "Europe/Berlin").await;
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice.
    question_at(&app, &t, utc("2026-10-24T22:10:00Z")).await; // 00:10 CEST
    question_at(&app, &t, utc("2026-10-25T00:30:00Z")).await; // 02:30 CEST
    question_at(&app, &t, utc("2026-10-25T01:30:00Z")).await; // 02:30 CET
    question_at(&app, &t, utc("2026-10-25T22:50:00Z")).await; // 23:50 CET
    question_at(&app, &t, utc("2026-10-25T23:10:00Z")).await; // 00:10 on the 26th
    let day = &app.ok(Some(&t), DAY, json!({"d": "2026-10-25"})).await["day"];
    assert_eq!(day["questionCount"], 4);
    assert_eq!(day["hours"][0]["questionCount"], 1);
    assert_eq!(day["hours"][2]["questionCount"], 2);
    assert_eq!(day["hours"][23]["questionCount"], 1);
}

#[tokio::test]
async fn half_hour_zone_days_and_hours_split_on_the_local_half_hour() {
    // India is UTC+5:30, so a local hour starts at half past a UTC hour: the database's
    // grouping must not put 18:20 and 18:40 UTC (23:50 and 00:10 local) in one slot.
    let app = TestApp::new().await;
    let t = app.register_in("in@example.com", "Asia/Kolkata").await;
    question_at(&app, &t, utc("2026-11-20T18:20:00Z")).await; // 23:50 on the 20th
    question_at(&app, &t, utc("2026-11-20T18:40:00Z")).await; // 00:10 on the 21st
    question_at(&app, &t, utc("2026-11-20T19:10:00Z")).await; // 00:40 on the 21st
    question_at(&app, &t, utc("2026-11-20T19:35:00Z")).await; // 01:05 on the 21st
    let day20 = &app.ok(Some(&t), DAY, json!({"d": "2026-11-20"})).await["day"];
    assert_eq!((day20["questionCount"].as_i64(), day20["sessionCount"].as_i64()), (Some(1), Some(1)));
    assert_eq!(day20["hours"][23]["questionCount"], 1);
    let day21 = &app.ok(Some(&t), DAY, json!({"d": "2026-11-21"})).await["day"];
    assert_eq!((day21["questionCount"].as_i64(), day21["sessionCount"].as_i64()), (Some(3), Some(3)));
    assert_eq!((day21["hours"][0]["questionCount"].as_i64(), day21["hours"][1]["questionCount"].as_i64()), (Some(2), Some(1)));
    assert_eq!(f(&day21["hours"][0]["activeSeconds"]), 120.0);
}

#[tokio::test]
async fn changing_the_timezone_regroups_days() {
    let app = TestApp::new().await;
    let t = app.register("tz@example.com").await;
    question_at(&app, &t, Utc.with_ymd_and_hms(2026, 11, 20, 23, 30, 0).unwrap()).await;
    assert_eq!(app.ok(Some(&t), DAY, json!({"d": "2026-11-20"})).await["day"]["questionCount"], 1);
    app.ok(Some(&t), "mutation{updateSettings(input:{timezone:\"Asia/Tokyo\"}){timezone}}", json!({})).await;
    assert_eq!(app.ok(Some(&t), DAY, json!({"d": "2026-11-20"})).await["day"]["questionCount"], 0);
    let day = &app.ok(Some(&t), DAY, json!({"d": "2026-11-21"})).await["day"];
    assert_eq!(day["questionCount"], 1);
    assert_eq!(day["hours"][8]["questionCount"], 1);
}

#[tokio::test]
async fn week_starts_on_the_users_day_and_sums_its_days() {
    let app = TestApp::new().await;
    let t = app.register("w@example.com").await;
    app.ok(Some(&t), "mutation{updateSettings(input:{weekStartsOn:SUNDAY, weeklyGoalHours: 10}){weekStartsOn}}", json!({})).await;
    question_at(&app, &t, Utc.with_ymd_and_hms(2026, 11, 15, 10, 0, 0).unwrap()).await; // Sunday
    question_at(&app, &t, Utc.with_ymd_and_hms(2026, 11, 17, 10, 0, 0).unwrap()).await;
    question_at(&app, &t, Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()).await; // next week
    let q = "query($s:Date){week(start:$s){start end questionCount activeSeconds goalSeconds pace{ratio} days{date questionCount}}}";
    let week = &app.ok(Some(&t), q, json!({"s": "2026-11-19"})).await["week"];
    assert_eq!(week["start"], "2026-11-15");
    assert_eq!(week["end"], "2026-11-21");
    assert_eq!(week["days"].as_array().unwrap().len(), 7);
    assert_eq!(week["days"][0]["questionCount"], 1);
    assert_eq!(week["days"][2]["questionCount"], 1);
    assert_eq!(week["questionCount"], 2);
    assert_eq!(f(&week["activeSeconds"]), 120.0);
    assert_eq!(f(&week["goalSeconds"]), 36_000.0);
    let ratio = f(&week["pace"]["ratio"]);
    assert!((ratio - 60.0 / 330.0).abs() < 1e-9, "{ratio}");
}

#[tokio::test]
async fn pace_reflects_active_time_against_targets() {
    let app = TestApp::new().await;
    let t = app.register("p@example.com").await;
    let b = base(60);
    app.event_with(&t, json!({"type": "NEXT", "occurredAt": b.to_rfc3339(), "targetSeconds": 100.0})).await;
    app.event_with(&t, json!({"type": "NEXT", "occurredAt": (b + secs(80)).to_rfc3339(), "targetSeconds": 100.0})).await;
    app.event(&t, "EXIT", b + secs(170)).await;
    let s = &app.sessions(&t).await[0];
    assert_eq!(f(&s["pace"]["ratio"]), 0.85);
    assert_eq!(s["pace"]["score"], 84);
    assert_eq!(s["pace"]["label"], "slightly fast");
    assert_eq!(s["pace"]["emoji"], "🙂");
    let empty = &app.ok(Some(&t), DAY, json!({"d": "2020-01-01"})).await["day"];
    assert_eq!(empty["pace"]["label"], "No questions");
    assert_eq!(empty["pace"]["emoji"], "😴");
    assert_eq!(empty["pace"]["score"], 0);
}

#[tokio::test]
async fn export_csv_writes_questions_and_daily_totals_in_local_time() {
    let app = TestApp::new().await;
    let t = app.register_in("csv@example.com", "Asia/Tokyo").await;
    question_at(&app, &t, utc("2026-11-20T23:30:00Z")).await; // 08:30 on the 21st in Tokyo
    app.event_with(&t, json!({"type": "NEXT", "occurredAt": "2026-11-21T01:00:00Z", "taskId": "a,\"b\""})).await;
    app.event(&t, "EXIT", utc("2026-11-21T01:02:00Z")).await;
    let q = "query($k:ExportKind!,$f:Date!,$t:Date!){exportCsv(kind:$k,from:$f,to:$t)}";
    let csv = app.ok(Some(&t), q, json!({"k": "QUESTIONS", "f": "2026-11-21", "t": "2026-11-21"})).await["exportCsv"].as_str().unwrap().to_owned();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("date,session_id,question,started_at"));
    assert!(lines[1].starts_with("2026-11-21,"), "{}", lines[1]);
    assert!(lines[1].contains("2026-11-21 08:30:00"));
    assert!(lines[2].contains(",\"a,\"\"b\"\"\","), "{}", lines[2]);
    assert!(lines[3].starts_with("TOTAL,,2,,,"), "{}", lines[3]);
    let daily = app.ok(Some(&t), q, json!({"k": "DAILY", "f": "2026-11-20", "t": "2026-11-22"})).await["exportCsv"].as_str().unwrap().to_owned();
    let rows: Vec<&str> = daily.lines().collect();
    assert_eq!(rows.len(), 5);
    assert!(rows[4].starts_with("TOTAL,"), "{}", rows[4]);
    assert!(rows[2].starts_with("2026-11-21,2,2,180.000,0.05"), "{}", rows[2]);
    let backwards = app.gql(Some(&t), q, json!({"k": "DAILY", "f": "2026-11-22", "t": "2026-11-20"})).await;
    assert_eq!(code(&backwards), "BAD_USER_INPUT");
}
