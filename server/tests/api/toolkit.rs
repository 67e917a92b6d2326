//! Rater toolkit: pay settings, presets, banked/credited/earnings and caps on days,
//! weeks and sessions.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::common::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const SETTINGS: &str = "payBasis hourlyRate currency dailyCapHours weeklyCapHours weekStartsOn timezone";

async fn settings(app: &TestApp, t: &str, input: Value) -> Value {
    app.gql(Some(t), &format!("mutation($i:SettingsInput!){{updateSettings(input:$i){{{SETTINGS}}}}}"), json!({"i": input})).await
}

async fn me(app: &TestApp, t: &str) -> Value {
    app.ok(Some(t), &format!("{{me{{{SETTINGS}}}}}"), json!({})).await["me"].clone()
}

/// One session with finished questions of (active, target) seconds, starting at `at`.
async fn questions_at(app: &TestApp, t: &str, at: DateTime<Utc>, questions: &[(i64, f64)]) {
    let mut now = at;
    for &(active, target) in questions {
        let r = app.event_with(t, json!({"type": "NEXT", "occurredAt": now.to_rfc3339(), "targetSeconds": target})).await;
        assert!(r.get("errors").is_none(), "{r}");
        now += secs(active);
    }
    let r = app.event(t, "EXIT", now).await;
    assert!(r.get("errors").is_none(), "{r}");
}

#[tokio::test]
async fn defaults_and_settings_round_trip() {
    let app = TestApp::new().await;
    let t = app.register("pay@example.com").await;
    let m = me(&app, &t).await;
    assert_eq!((m["payBasis"].as_str(), m["currency"].as_str()), (Some("AET"), Some("USD")));
    assert!(m["hourlyRate"].is_null() && m["dailyCapHours"].is_null() && m["weeklyCapHours"].is_null());
    let r = settings(&app, &t, json!({"payBasis": "ACTIVE", "hourlyRate": 14.5, "currency": "jpy", "dailyCapHours": 10, "weeklyCapHours": 40})).await;
    assert!(r.get("errors").is_none(), "{r}");
    let m = me(&app, &t).await;
    assert_eq!((m["payBasis"].as_str(), f(&m["hourlyRate"]), m["currency"].as_str()), (Some("ACTIVE"), 14.5, Some("JPY")));
    assert_eq!((f(&m["dailyCapHours"]), f(&m["weeklyCapHours"])), (10.0, 40.0));
    // null clears, absent leaves alone.
    assert!(settings(&app, &t, json!({"hourlyRate": null, "dailyCapHours": null})).await.get("errors").is_none());
    let m = me(&app, &t).await;
    assert!(m["hourlyRate"].is_null() && m["dailyCapHours"].is_null());
    assert_eq!(f(&m["weeklyCapHours"]), 40.0);
}

#[tokio::test]
async fn bad_settings_give_clear_codes_and_change_nothing() {
    let app = TestApp::new().await;
    let t = app.register("bad@example.com").await;
    assert!(settings(&app, &t, json!({"hourlyRate": 10, "dailyCapHours": 8, "weeklyCapHours": 40})).await.get("errors").is_none());
    let before = me(&app, &t).await;
    let cases = [
        (json!({"hourlyRate": -1, "payBasis": "ACTIVE"}), "BAD_USER_INPUT"),
        (json!({"currency": "XYZ", "hourlyRate": 99}), "UNKNOWN_CURRENCY"),
        (json!({"dailyCapHours": 24.5}), "BAD_USER_INPUT"),
        (json!({"weeklyCapHours": 168.1, "currency": "EUR"}), "BAD_USER_INPUT"),
        (json!({"dailyCapHours": -1}), "BAD_USER_INPUT"),
    ];
    for (input, want) in cases {
        let r = settings(&app, &t, input.clone()).await;
        assert_eq!(code(&r), want, "{input}: {r}");
        assert_eq!(me(&app, &t).await, before, "{input} changed something");
    }
    let r = app.gql(Some(&t), "mutation{applyPreset(name:\"nope\"){payBasis}}", json!({})).await;
    assert_eq!(code(&r), "UNKNOWN_PRESET");
    assert_eq!(me(&app, &t).await, before);
    // The edges are accepted.
    assert!(settings(&app, &t, json!({"hourlyRate": 0, "dailyCapHours": 24, "weeklyCapHours": 168})).await.get("errors").is_none());
}

#[tokio::test]
async fn presets_are_listed_and_applied_and_can_be_changed_after() {
    let app = TestApp::new().await;
    let t = app.register("preset@example.com").await;
    let list = app.ok(None, "{presets{name timezone weekStartsOn payBasis dailyCapHours weeklyCapHours description}}", json!({})).await;
    let names: Vec<&str> = list["presets"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["raterhub", "sat-fri-40h"]);
    assert!(settings(&app, &t, json!({"hourlyRate": 20, "currency": "EUR"})).await.get("errors").is_none());
    let u = app.ok(Some(&t), &format!("mutation{{applyPreset(name:\"raterhub\"){{{SETTINGS}}}}}"), json!({})).await["applyPreset"].clone();
    assert_eq!(u["timezone"], "America/Los_Angeles");
    assert_eq!(u["weekStartsOn"], "MONDAY");
    assert_eq!(u["payBasis"], "AET");
    assert_eq!((f(&u["dailyCapHours"]), f(&u["weeklyCapHours"])), (8.0, 40.0));
    // Rate and currency are the rater's own.
    assert_eq!((f(&u["hourlyRate"]), u["currency"].as_str()), (20.0, Some("EUR")));
    let u = app.ok(Some(&t), &format!("mutation{{applyPreset(name:\"sat-fri-40h\"){{{SETTINGS}}}}}"), json!({})).await["applyPreset"].clone();
    assert_eq!((u["weekStartsOn"].as_str(), u["timezone"].as_str()), (Some("SATURDAY"), Some("America/Los_Angeles")));
    assert!(u["dailyCapHours"].is_null());
    assert!(settings(&app, &t, json!({"weeklyCapHours": 30})).await.get("errors").is_none());
    assert_eq!(f(&me(&app, &t).await["weeklyCapHours"]), 30.0);
}

const FIGURES: &str = "bankedSeconds creditedSeconds earnings{amount currency}";

#[tokio::test]
async fn day_week_and_session_figures_follow_the_pay_basis() {
    let app = TestApp::new().await;
    let t = app.register("fig@example.com").await;
    // 2026-11-26 (Thursday): actives 100 + 500 s against targets 300 + 400 s.
    questions_at(&app, &t, utc("2026-11-26T10:00:00Z"), &[(100, 300.0), (500, 400.0)]).await;
    let q = format!(
        "{{day(date:\"2026-11-26\"){{{FIGURES} capSeconds remainingSeconds}} week(start:\"2026-11-26\"){{{FIGURES} capSeconds remainingSeconds}} sessions(limit:5){{{FIGURES}}}}}"
    );
    let d = app.ok(Some(&t), &q, json!({})).await;
    for figures in [&d["day"], &d["week"], &d["sessions"][0]] {
        assert_eq!(f(&figures["bankedSeconds"]), 100.0, "{figures}");
        assert_eq!(f(&figures["creditedSeconds"]), 700.0, "{figures}");
        assert!(figures["earnings"].is_null(), "no rate, no earnings: {figures}");
    }
    assert!(d["day"]["capSeconds"].is_null() && d["week"]["remainingSeconds"].is_null());

    // ACTIVE basis at 36 KWD/h: 600 s = 6 KWD exactly; 700 s at 10.01 JPY/h would be 1.946 → 2.
    assert!(
        settings(&app, &t, json!({"payBasis": "ACTIVE", "hourlyRate": 36, "currency": "KWD", "dailyCapHours": 0.1, "weeklyCapHours": 1}))
            .await
            .get("errors")
            .is_none()
    );
    let d = app.ok(Some(&t), &q, json!({})).await;
    for figures in [&d["day"], &d["week"], &d["sessions"][0]] {
        assert_eq!(f(&figures["creditedSeconds"]), 600.0, "{figures}");
        assert_eq!(f(&figures["bankedSeconds"]), 100.0, "{figures}");
        assert_eq!(figures["earnings"], json!({"amount": 6.0, "currency": "KWD"}));
    }
    // 0.1 h = 360 s cap, 600 credited: nothing left; 1 h week leaves 3000 s.
    assert_eq!((f(&d["day"]["capSeconds"]), f(&d["day"]["remainingSeconds"])), (360.0, 0.0));
    assert_eq!((f(&d["week"]["capSeconds"]), f(&d["week"]["remainingSeconds"])), (3600.0, 3000.0));

    assert!(settings(&app, &t, json!({"payBasis": "AET", "hourlyRate": 10.01, "currency": "JPY"})).await.get("errors").is_none());
    let d = app.ok(Some(&t), &q, json!({})).await;
    assert_eq!(d["day"]["earnings"], json!({"amount": 2.0, "currency": "JPY"}));
}

#[tokio::test]
async fn a_saturday_to_friday_week_caps_its_own_seven_days() {
    let app = TestApp::new().await;
    let t = app.register_in("satfri@example.com", "America/Los_Angeles").await;
    app.ok(Some(&t), "mutation{applyPreset(name:\"sat-fri-40h\"){weekStartsOn}}", json!({})).await;
    // Friday 2026-11-20 (previous week), Saturday 2026-11-21 and Friday 2026-11-27 (this week),
    // Saturday 2026-11-28 (next week); noon Pacific each, target 3600 s.
    for day in ["2026-11-20", "2026-11-21", "2026-11-27", "2026-11-28"] {
        questions_at(&app, &t, utc(&format!("{day}T20:00:00Z")), &[(60, 3600.0)]).await;
    }
    let w = app.ok(Some(&t), "{week(start:\"2026-11-24\"){start end creditedSeconds capSeconds remainingSeconds}}", json!({})).await["week"].clone();
    assert_eq!((w["start"].as_str(), w["end"].as_str()), (Some("2026-11-21"), Some("2026-11-27")));
    assert_eq!(f(&w["creditedSeconds"]), 7200.0);
    assert_eq!((f(&w["capSeconds"]), f(&w["remainingSeconds"])), (144_000.0, 136_800.0));
}

#[tokio::test]
async fn a_daily_cap_on_the_spring_forward_day_is_bounded_by_its_23_hours() {
    let app = TestApp::new().await;
    let t = app.register_in("dst@example.com", "America/Los_Angeles").await;
    assert!(settings(&app, &t, json!({"dailyCapHours": 24})).await.get("errors").is_none());
    let cap = |d: &Value| f(&d["capSeconds"]);
    let spring = app.ok(Some(&t), "{day(date:\"2026-03-08\"){capSeconds}}", json!({})).await["day"].clone();
    let autumn = app.ok(Some(&t), "{day(date:\"2026-11-01\"){capSeconds}}", json!({})).await["day"].clone();
    assert_eq!((cap(&spring), cap(&autumn)), (23.0 * 3600.0, 24.0 * 3600.0));
}

#[tokio::test]
async fn task_types_are_stored_and_summed_by_type() {
    let app = TestApp::new().await;
    let t = app.register("types@example.com").await;
    let at = utc("2026-11-26T10:00:00Z");
    let next = |at: DateTime<Utc>, task_type: Option<&str>, target: f64| {
        let mut input = json!({"type": "NEXT", "occurredAt": at.to_rfc3339(), "targetSeconds": target});
        if let Some(tt) = task_type {
            input["taskType"] = json!(tt);
        }
        input
    };
    for (offset, tt, target) in [(0, Some("Search"), 300.0), (100, Some("Search"), 300.0), (400, Some("Ads"), 60.0), (500, None, 100.0)] {
        let r = app.event_with(&t, next(at + secs(offset), tt, target)).await;
        assert!(r.get("errors").is_none(), "{r}");
    }
    // An over-long type is refused and changes nothing: the running question keeps its type.
    let r = app.event_with(&t, next(at + secs(550), Some(&"x".repeat(65)), 100.0)).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert!(app.event(&t, "EXIT", at + secs(600)).await.get("errors").is_none());
    let s = app.ok(Some(&t), "{sessions(limit:1){questions{index taskType activeSeconds}}}", json!({})).await;
    let types: Vec<Value> = s["sessions"][0]["questions"].as_array().unwrap().iter().map(|q| q["taskType"].clone()).collect();
    assert_eq!(types, [json!("Search"), json!("Search"), json!("Ads"), Value::Null]);

    let q = "{typeStats(from:\"2026-11-26\", to:\"2026-11-26\"){taskType count activeSeconds targetSeconds averageSeconds bankedSeconds pace{ratio}}}";
    let rows = app.ok(Some(&t), q, json!({})).await["typeStats"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let search = &rows[0];
    assert_eq!(search["taskType"], "Search");
    assert_eq!((search["count"].as_i64(), f(&search["activeSeconds"]), f(&search["targetSeconds"])), (Some(2), 400.0, 600.0));
    assert_eq!((f(&search["averageSeconds"]), f(&search["bankedSeconds"])), (200.0, 200.0));
    let ads = rows.iter().find(|r| r["taskType"] == "Ads").unwrap();
    assert_eq!((f(&ads["activeSeconds"]), f(&ads["bankedSeconds"]), f(&ads["pace"]["ratio"])), (100.0, -40.0, 100.0 / 60.0));
    let untyped = rows.iter().find(|r| r["taskType"].is_null()).unwrap();
    assert_eq!(untyped["count"], 1);
    // Another day, and a reversed range.
    assert_eq!(app.ok(Some(&t), "{typeStats(from:\"2026-11-27\", to:\"2026-11-27\"){count}}", json!({})).await["typeStats"], json!([]));
    let r = app.gql(Some(&t), "{typeStats(from:\"2026-11-27\", to:\"2026-11-26\"){count}}", json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
}

async fn timesheet(app: &TestApp, auth: Option<(&str, &str)>, query: &str) -> (u16, String) {
    use axum::body::Body;
    use axum::http::Request;
    let mut request = Request::get(format!("/reports/timesheet.csv{query}"));
    if let Some((name, value)) = auth {
        request = request.header(name, value);
    }
    let (status, _, body) = app.send(request.body(Body::empty()).unwrap()).await;
    (status, body)
}

#[tokio::test]
async fn timesheet_csv_is_owner_only_audited_and_refuses_bad_dates() {
    let app = TestApp::new().await;
    let t = app.register_in("sheet@example.com", "America/Los_Angeles").await;
    let other = app.register("other@example.com").await;
    assert!(settings(&app, &t, json!({"hourlyRate": 12, "currency": "USD"})).await.get("errors").is_none());
    // 2026-11-26 09:00 Pacific: 1800 s active against 3600 s target.
    questions_at(&app, &t, utc("2026-11-26T17:00:00Z"), &[(1800, 3600.0)]).await;
    let bearer = format!("Bearer {t}");
    let (status, body) = timesheet(&app, Some(("authorization", &bearer)), "?from=2026-11-26&to=2026-11-27").await;
    assert_eq!(status, 200, "{body}");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "date,first_start,last_end,active_hours,credited_hours,questions,banked_hours,earnings");
    assert_eq!(lines[1], "2026-11-26,09:00:00,09:30:00,0.50,1.00,1,0.50,12.00");
    assert_eq!(lines[2], "2026-11-27,,,0.00,0.00,0,0.00,0.00");
    assert!(lines[3].starts_with("total,2026-11-26 09:00:00,2026-11-26 09:30:00,0.50,1.00,1,"), "{}", lines[3]);
    assert_eq!(lines.len(), 4);
    // The session cookie works too; another user sees only their own (empty) sheet.
    let cookie = format!("rht_session={other}");
    let (status, body) = timesheet(&app, Some(("cookie", &cookie)), "?from=2026-11-26&to=2026-11-26").await;
    assert_eq!(status, 200);
    assert_eq!(body.lines().nth(1), Some("2026-11-26,,,0.00,0.00,0,0.00,"));
    // Audited.
    let log = app.ok(Some(&t), "{auditLog{action detail}}", json!({})).await;
    assert!(log["auditLog"].as_array().unwrap().iter().any(|e| e["action"] == "timesheet_exported" && e["detail"] == "2026-11-26 to 2026-11-27"), "{log}");
    // Anonymous and bad dates.
    let (status, body) = timesheet(&app, None, "?from=2026-11-26&to=2026-11-26").await;
    assert_eq!((status, serde_json::from_str::<Value>(&body).unwrap()["code"].as_str()), (401, Some("UNAUTHENTICATED")));
    for query in ["?from=2026-11-27&to=2026-11-26", "?from=yesterday&to=2026-11-26", "?to=2026-11-26", "?from=2025-01-01&to=2026-11-26"] {
        let (status, body) = timesheet(&app, Some(("authorization", &bearer)), query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], "BAD_USER_INPUT", "{query}");
    }
}

#[tokio::test]
async fn export_and_import_keep_pay_settings_and_task_types() {
    use server::ops;
    let source = TestApp::new().await;
    let t = source.register("carry@example.com").await;
    assert!(
        settings(&source, &t, json!({"payBasis": "ACTIVE", "hourlyRate": 9.5, "currency": "KWD", "dailyCapHours": 7, "weeklyCapHours": 35}))
            .await
            .get("errors")
            .is_none()
    );
    let at = base(60);
    source.event_with(&t, json!({"type": "NEXT", "occurredAt": at.to_rfc3339(), "taskType": "Ads"})).await;
    source.event_with(&t, json!({"type": "NEXT", "occurredAt": (at + secs(30)).to_rfc3339(), "taskType": "Search"})).await;
    let dump = ops::export_user(&source.state.services.db, "carry@example.com").await.unwrap();
    let parsed: ops::UserDump = serde_json::from_str(&serde_json::to_string(&dump).unwrap()).unwrap();
    let target = TestApp::new().await;
    ops::import_user(&target.state.services.db, &parsed).await.unwrap();
    let login = target.ok(None, "mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}", json!({"e": "carry@example.com", "p": PASSWORD})).await;
    let token = login["login"]["token"].as_str().unwrap();
    assert_eq!(me(&target, token).await, me(&source, &t).await);
    let s = target.ok(Some(token), "{activeSession{questions{taskType}}}", json!({})).await;
    assert_eq!(s["activeSession"]["questions"][0]["taskType"], "Ads");
    // The running question's type survives too: it is stored when the question closes.
    target.event(token, "EXIT", at + secs(90)).await;
    let s = target.ok(Some(token), "{sessions(limit:1){questions{taskType}}}", json!({})).await;
    assert_eq!(s["sessions"][0]["questions"][1]["taskType"], "Search");
}
