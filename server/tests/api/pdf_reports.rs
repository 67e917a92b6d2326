//! Report downloads: the PDF's text (read back with poppler's `pdftotext`) and the CSV
//! carry the same figures as the `day` and `week` queries; errors, access and audit.
//! Every PDF is kept with PNG renderings of its pages under target/report-artifacts.

use std::path::PathBuf;
use std::process::Command;

use axum::body::Body;
use axum::http::Request;
use chrono::{DateTime, Duration, Utc};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

struct Download {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Download {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> Download {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Download { status, content_type, body }
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/report-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Keeps the PDF and its pages as PNGs, and returns its text in layout mode.
fn pdf_text(name: &str, pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let path = artifacts().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let run = |program: &str, args: &[&str]| {
        let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e} (install poppler-utils: scripts/setup.sh --test)"));
        assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let prefix = artifacts().join(name);
    run("pdftoppm", &["-png", "-r", "70", path.to_str().unwrap(), prefix.to_str().unwrap()]);
    run("pdftotext", &["-layout", path.to_str().unwrap(), "-"])
}

fn page_count(text: &str) -> usize {
    text.matches('\u{c}').count().max(1)
}

fn hms(seconds: f64) -> String {
    let t = seconds.round() as i64;
    format!("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

/// One session from `start`: back-to-back questions of (active s, paused s, task id),
/// each with a 60 s target, then EXIT.
async fn session(app: &TestApp, t: &str, start: DateTime<Utc>, questions: &[(i64, i64, &str)]) {
    let mut at = start;
    for (active, paused, task) in questions {
        let r = app.event_with(t, json!({"type": "NEXT", "occurredAt": at.to_rfc3339(), "taskId": task, "targetSeconds": 60})).await;
        assert!(r.get("errors").is_none(), "{r}");
        if *paused > 0 {
            app.event(t, "PAUSE", at + secs(10)).await;
            app.event(t, "PAUSE", at + secs(10 + paused)).await;
        }
        at += secs(active + paused);
    }
    let r = app.event(t, "EXIT", at).await;
    assert!(r.get("errors").is_none(), "{r}");
}

const DAY: &str = "query($d:Date){day(date:$d){sessionCount questionCount activeSeconds averageSeconds targetSeconds pace{label emoji score ratio} sessions{id questions{index startedAt activeSeconds pausedSeconds targetSeconds deltaSeconds taskId}}}}";
const WEEK: &str = "query($d:Date){week(start:$d){start end questionCount activeSeconds goalSeconds pace{label emoji score ratio} days{date sessionCount questionCount activeSeconds}}}";

fn emoji_words(emoji: &str) -> &'static str {
    match emoji {
        "💜✅" => "purple heart, check mark",
        "😴" => "sleeping face",
        "🐢" => "turtle",
        "🐌" => "snail",
        "🙂" => "smiling face",
        "🐇" => "rabbit",
        "⚡🐇" => "lightning rabbit",
        other => panic!("unexpected emoji {other}"),
    }
}

/// The summary lines of a PDF equal the API's `day` (or week) figures.
fn assert_summary(text: &str, sessions: i64, questions: i64, active: f64, target: f64, pace: &Value) {
    let must = |needle: String| assert!(text.contains(&needle), "PDF lacks `{needle}`:\n{text}");
    must(format!("Sessions: {sessions}"));
    must(format!("Questions: {questions}"));
    must(format!("Active: {} ({active:.1} s)", hms(active)));
    let (average, mean_target) = if questions == 0 { (0.0, 0.0) } else { (active / questions as f64, (target * 1000.0 / questions as f64).trunc() / 1000.0) };
    must(format!("Average: {average:.1} s per question, target {mean_target:.1} s"));
    let ratio = pace["ratio"].as_f64().unwrap();
    must(format!("Pace: {} [{}] · score {} · ratio {ratio:.3}", pace["label"].as_str().unwrap(), emoji_words(pace["emoji"].as_str().unwrap()), pace["score"]));
}

/// Text with every run of spaces made one: pdftotext guesses column gaps from positions.
fn squeeze(text: &str) -> String {
    text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
}

/// Every question of the API appears as a table row with the same start and figures.
fn assert_question_rows(text: &str, sessions: &Value, with_date: bool, tz: chrono_tz::Tz) {
    let text = &squeeze(text);
    for session in sessions.as_array().unwrap() {
        assert!(text.contains(&format!("Session {} ", session["id"].as_str().unwrap())), "no table for session {session}");
        for q in session["questions"].as_array().unwrap() {
            let start = instant(&q["startedAt"]).with_timezone(&tz);
            let start = if with_date { start.format("%Y-%m-%d %H:%M:%S").to_string() } else { start.format("%H:%M:%S").to_string() };
            let figures =
                format!("{:>10.1} {:>10.1} {:>10.1} {:>+10.1}", f(&q["activeSeconds"]), f(&q["pausedSeconds"]), f(&q["targetSeconds"]), f(&q["deltaSeconds"]));
            let line = format!("{:>4}  {start}  {figures}  {}", q["index"], q["taskId"].as_str().unwrap_or(""));
            let line = squeeze(&line);
            assert!(text.lines().any(|l| l == line), "PDF lacks row `{line}`:\n{text}");
        }
    }
}

#[tokio::test]
async fn dst_day_pdf_and_csv_match_the_day_query() {
    let app = TestApp::new().await;
    let t = app.register_in("ny@example.com", "America/New_York").await;
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    session(&app, &t, utc("2026-03-08T06:30:00Z"), &[(95, 20, "task-a"), (61, 0, "=HYPERLINK(\"x\")")]).await; // 01:30 EST
    session(&app, &t, utc("2026-03-08T07:33:06Z"), &[(40, 0, "b,\"c\"")]).await; // 03:33 EDT
    session(&app, &t, utc("2026-03-09T03:30:00Z"), &[(70, 5, "late")]).await; // 23:30 EDT
    let day = app.ok(Some(&t), DAY, json!({"d": "2026-03-08"})).await["day"].clone();
    assert_eq!(day["questionCount"], 4);
    let week = app.ok(Some(&t), WEEK, json!({"d": "2026-03-08"})).await["week"].clone();

    let pdf = get(&app, Some(&t), "/reports/day/2026-03-08.pdf").await;
    assert_eq!((pdf.status, pdf.content_type.as_str()), (200, "application/pdf"));
    let text = pdf_text("dst-day", &pdf.body);
    assert!(text.contains("Day report 2026-03-08"), "{text}");
    assert!(text.contains("ny@example.com · timezone America/New_York"), "{text}");
    assert_summary(&text, day["sessionCount"].as_i64().unwrap(), 4, f(&day["activeSeconds"]), f(&day["targetSeconds"]), &day["pace"]);
    assert_question_rows(&text, &day["sessions"], false, chrono_tz::America::New_York);
    // The day report shows its week's goal, as `week` computes it.
    let goal = format!("Goal progress: {} of {}", hms(f(&week["activeSeconds"])), hms(f(&week["goalSeconds"])));
    assert!(text.contains(&goal), "PDF lacks `{goal}`:\n{text}");
    assert!(text.contains("Page 1 of 1") && text.contains("Generated "), "{text}");
    let total = format!("TOTAL 4 questions {:.1} ", f(&day["activeSeconds"]));
    assert!(squeeze(&text).contains(&total), "PDF lacks `{total}`:\n{text}");

    let csv = get(&app, Some(&t), "/reports/day/2026-03-08.csv").await;
    assert_eq!((csv.status, csv.content_type.as_str()), (200, "text/csv; charset=utf-8"));
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    let mut reader = csv::Reader::from_reader(&csv.body[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5, "4 questions and TOTAL");
    let (questions, total) = rows.split_at(4);
    let sum = |c: &str| questions.iter().map(|r| r[col(c)].parse::<f64>().unwrap()).sum::<f64>();
    assert_eq!(&total[0][col("date")], "TOTAL");
    assert_eq!(&total[0][col("question")], "4");
    for c in ["active_seconds", "paused_seconds", "raw_seconds", "target_seconds", "delta_seconds"] {
        assert!((sum(c) - total[0][col(c)].parse::<f64>().unwrap()).abs() < 1e-6, "{c}");
    }
    assert_eq!(total[0][col("active_seconds")].parse::<f64>().unwrap(), f(&day["activeSeconds"]));
    assert_eq!(&total[0][col("pace_label")], day["pace"]["label"].as_str().unwrap());
    assert_eq!(&total[0][col("pace_emoji")], day["pace"]["emoji"].as_str().unwrap());
    assert_eq!(&questions[0][col("paused_seconds")], "20.000");
    assert_eq!(&questions[0][col("raw_seconds")], "115.000");
    assert_eq!(&questions[1][col("task_id")], "'=HYPERLINK(\"x\")", "a formula is escaped");
    assert_eq!(&questions[2][col("task_id")], "b,\"c\"", "RFC 4180 quoting round-trips");
    assert_eq!(&questions[2][col("started_at")], "2026-03-08 03:33:06", "local time after the jump");
}

#[tokio::test]
async fn an_empty_day_still_makes_a_report() {
    let app = TestApp::new().await;
    let t = app.register("empty@example.com").await;
    let pdf = get(&app, Some(&t), "/reports/day/2026-11-28.pdf").await;
    assert_eq!(pdf.status, 200);
    let text = pdf_text("empty-day", &pdf.body);
    assert!(text.contains("No questions in this period."), "{text}");
    let day = app.ok(Some(&t), DAY, json!({"d": "2026-11-28"})).await["day"].clone();
    assert_summary(&text, 0, 0, 0.0, 0.0, &day["pace"]);
    let csv = get(&app, Some(&t), "/reports/day/2026-11-28.csv").await;
    let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("TOTAL,,0,,,0.000,"), "{}", lines[1]);
}

#[tokio::test]
async fn three_hundred_questions_break_across_pages_with_headers() {
    let app = TestApp::new().await;
    let t = app.register("many@example.com").await;
    let start = utc("2026-11-24T06:00:00Z");
    let events: Vec<Value> = (0..=300)
        .map(|i| json!({"type": if i == 300 { "EXIT" } else { "NEXT" }, "occurredAt": (start + Duration::seconds(70 * i)).to_rfc3339(), "taskId": format!("task-{i}")}))
        .collect();
    let r = app.ok(Some(&t), "mutation($i:[EventInput!]!){recordEvents(inputs:$i){error{code}}}", json!({"i": events})).await;
    assert!(r["recordEvents"].as_array().unwrap().iter().all(|e| e["error"].is_null()), "{r}");
    let day = app.ok(Some(&t), DAY, json!({"d": "2026-11-24"})).await["day"].clone();
    assert_eq!(day["questionCount"], 300);
    let pdf = get(&app, Some(&t), "/reports/day/2026-11-24.pdf").await;
    let text = pdf_text("day-300-questions", &pdf.body);
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(pages.len() >= 4, "{} pages", pages.len());
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(&format!("Page {} of {}", i + 1, pages.len())), "page {i}:\n{page}");
        let has_rows =
            page.lines().any(|l| l.trim_start().split("  ").nth(1).is_some_and(|s| s.starts_with("06:") || s.starts_with("07:") || s.starts_with("11:")));
        if has_rows {
            assert!(page.contains("Active s") && page.contains("Paused s") && page.contains("Task id"), "page {i} lacks the column header");
        }
        if i > 0 && has_rows {
            assert!(page.contains("(continued)"), "page {i} lacks the session heading");
        }
    }
    assert_summary(&text, 1, 300, f(&day["activeSeconds"]), f(&day["targetSeconds"]), &day["pace"]);
    assert_question_rows(&text, &day["sessions"], false, chrono_tz::UTC);
}

#[tokio::test]
async fn a_week_with_a_deleted_question_matches_the_week_query() {
    let app = TestApp::new().await;
    let t = app.register_in("week@example.com", "Europe/Berlin").await;
    app.ok(Some(&t), "mutation{updateSettings(input:{weekStartsOn:SUNDAY, weeklyGoalHours:2}){id}}", json!({})).await;
    session(&app, &t, utc("2026-11-22T09:00:00Z"), &[(50, 0, "sun")]).await; // Sunday
    session(&app, &t, utc("2026-11-24T09:00:00Z"), &[(80, 10, "tue-1"), (30, 0, "tue-2"), (45, 0, "tue-3")]).await;
    session(&app, &t, utc("2026-11-28T22:50:00Z"), &[(30, 0, "sat-late")]).await; // 23:50 Saturday
    session(&app, &t, utc("2026-11-29T09:00:00Z"), &[(30, 0, "next-week")]).await; // next Sunday
    let sessions = app.sessions(&t).await;
    let tuesday = sessions.iter().find(|s| s["questionCount"] == 3).unwrap();
    let deleted = tuesday["questions"][1]["id"].as_str().unwrap().to_owned();
    app.ok(Some(&t), "mutation($id:ID!){deleteQuestion(id:$id)}", json!({"id": deleted})).await;

    let week = app.ok(Some(&t), WEEK, json!({"d": "2026-11-25"})).await["week"].clone();
    assert_eq!((week["start"].as_str(), week["questionCount"].as_i64()), (Some("2026-11-22"), Some(4)));
    let pdf = get(&app, Some(&t), "/reports/week/2026-11-25.pdf").await;
    assert_eq!(pdf.status, 200);
    let text = pdf_text("week-deleted-question", &pdf.body);
    assert!(text.contains("Week report 2026-11-22 – 2026-11-28"), "{text}");
    let sessions_started: i64 = week["days"].as_array().unwrap().iter().map(|d| d["sessionCount"].as_i64().unwrap()).sum();
    let day_targets = 4.0 * 60.0;
    assert_summary(&text, sessions_started, 4, f(&week["activeSeconds"]), day_targets, &week["pace"]);
    let goal = format!("Goal progress: {} of {}", hms(f(&week["activeSeconds"])), hms(f(&week["goalSeconds"])));
    assert!(text.contains(&goal), "PDF lacks `{goal}`:\n{text}");
    assert!(!text.contains("tue-2") && !text.contains("next-week"), "deleted or out-of-week question listed:\n{text}");
    for task in ["sun", "tue-1", "tue-3", "sat-late"] {
        assert!(text.contains(task), "{task} missing");
    }
    for day in week["days"].as_array().unwrap() {
        let date = day["date"].as_str().unwrap();
        let one = app.ok(Some(&t), DAY, json!({"d": date})).await["day"].clone();
        assert_question_rows(&text, &one["sessions"], true, chrono_tz::Europe::Berlin);
    }
    let csv = get(&app, Some(&t), "/reports/week/2026-11-25.csv").await;
    let body = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let total = body.lines().last().unwrap();
    assert!(total.starts_with(&format!("TOTAL,,4,,,{:.3},", f(&week["activeSeconds"]))), "{total}");
}

#[tokio::test]
async fn a_year_range_is_allowed_and_bad_dates_get_a_code() {
    let app = TestApp::new().await;
    let t = app.register("range@example.com").await;
    let ok = get(&app, Some(&t), "/reports/range.csv?from=2026-01-01&to=2027-01-01").await;
    assert_eq!(ok.status, 200);
    for path in [
        "/reports/day/2026-02-30.pdf",
        "/reports/day/2026-11-28.txt",
        "/reports/week/yesterday.csv",
        "/reports/range.pdf?from=2026-01-01&to=2027-01-02",
        "/reports/range.pdf?from=2026-02-01&to=2026-01-01",
        "/reports/range.csv?from=2026-01-01",
        "/reports/day/2026-11-28.pdf?user=abc",
    ] {
        let r = get(&app, Some(&t), path).await;
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.json()["code"], "BAD_USER_INPUT", "{path}");
    }
    let anonymous = get(&app, None, "/reports/day/2026-11-28.pdf").await;
    assert_eq!((anonymous.status, anonymous.json()["code"].as_str()), (401, Some("UNAUTHENTICATED")));
}

#[tokio::test]
async fn letter_paper_when_configured() {
    let app = TestApp::with_config(|c| c.report_paper = server::report::layout::Paper::Letter).await;
    let t = app.register("letter@example.com").await;
    let pdf = get(&app, Some(&t), "/reports/week/2026-11-28.pdf").await;
    let path = artifacts().join("letter.pdf");
    std::fs::write(&path, &pdf.body).unwrap();
    let info = Command::new("pdfinfo").arg(&path).output().expect("pdfinfo (poppler-utils)");
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
    assert_eq!(page_count(&pdf_text("letter", &pdf.body)), 1);
}

const AUDIT: &str = "{auditLog(limit:50){action actorId subjectId detail}}";

#[tokio::test]
async fn only_admins_reach_other_users_reports_and_the_user_sees_it() {
    let app = TestApp::new().await;
    let admin = app.register("admin@example.com").await; // the first account is the admin
    let rater = app.register("rater@example.com").await;
    let peer = app.register("peer@example.com").await;
    session(&app, &rater, utc("2026-11-28T10:00:00Z"), &[(75, 0, "secret-task")]).await;
    let me = |token: String| {
        let app = &app;
        async move { app.ok(Some(&token), "{me{id}}", json!({})).await["me"]["id"].as_str().unwrap().to_owned() }
    };
    let rater_id = me(rater.clone()).await;
    let admin_id = me(admin.clone()).await;

    let own = get(&app, Some(&rater), "/reports/day/2026-11-28.csv").await;
    assert!(String::from_utf8_lossy(&own.body).contains("secret-task"));
    for path in [format!("/reports/day/2026-11-28.csv?user={rater_id}"), format!("/reports/range.pdf?from=2026-11-01&to=2026-11-30&user={rater_id}")] {
        let denied = get(&app, Some(&peer), &path).await;
        assert_eq!((denied.status, denied.json()["code"].as_str()), (403, Some("FORBIDDEN")), "{path}");
    }
    let denied = get(&app, Some(&rater), &format!("/reports/day/2026-11-28.csv?user={admin_id}")).await;
    assert_eq!(denied.status, 403);
    let missing = get(&app, Some(&admin), "/reports/day/2026-11-28.csv?user=999999").await;
    assert_eq!((missing.status, missing.json()["code"].as_str()), (404, Some("NOT_FOUND")));

    let viewed = get(&app, Some(&admin), &format!("/reports/day/2026-11-28.pdf?user={rater_id}")).await;
    assert_eq!(viewed.status, 200);
    let text = pdf_text("admin-view", &viewed.body);
    assert!(text.contains("rater@example.com") && text.contains("secret-task"), "{text}");

    let log = app.ok(Some(&rater), AUDIT, json!({})).await["auditLog"].clone();
    let details: Vec<&str> = log.as_array().unwrap().iter().filter_map(|e| e["detail"].as_str()).collect();
    assert!(details.contains(&"report for 2026-11-28 viewed by admin@example.com"), "{details:?}");
    assert!(details.contains(&"report for 2026-11-28 (csv)"), "own download audited: {details:?}");
    let peer_log = app.ok(Some(&peer), AUDIT, json!({})).await["auditLog"].to_string();
    assert!(!peer_log.contains("viewed by"), "a peer sees nothing of it: {peer_log}");
}

#[tokio::test]
async fn the_session_cookie_works_but_not_from_another_site() {
    let app = TestApp::new().await;
    let t = app.register("cookie@example.com").await;
    let send = |site: &'static str| {
        let request = Request::get("/reports/day/2026-11-28.csv").header("cookie", format!("rht_session={t}")).header("sec-fetch-site", site);
        app.router.clone().oneshot(request.body(Body::empty()).unwrap())
    };
    assert_eq!(send("same-origin").await.unwrap().status().as_u16(), 200);
    assert_eq!(send("cross-site").await.unwrap().status().as_u16(), 403);
}

#[tokio::test]
async fn admins_read_another_users_days_read_only_and_audited() {
    let app = TestApp::new().await;
    let admin = app.register("boss@example.com").await;
    let rater = app.register_in("rater2@example.com", "Asia/Tokyo").await;
    let peer = app.register("peer2@example.com").await;
    session(&app, &rater, utc("2026-11-28T01:00:00Z"), &[(75, 0, "t1"), (40, 5, "t2")]).await;
    let rater_id = app.ok(Some(&rater), "{me{id}}", json!({})).await["me"]["id"].as_str().unwrap().to_owned();
    let q =
        "query($d:Date,$u:ID){day(date:$d,userId:$u){questionCount activeSeconds timezone sessions{questionCount}} week(start:$d,userId:$u){questionCount}}";

    let own = app.ok(Some(&rater), q, json!({"d": "2026-11-28"})).await;
    let seen = app.ok(Some(&admin), q, json!({"d": "2026-11-28", "u": rater_id})).await;
    assert_eq!(seen, own, "the admin sees exactly the rater's figures");
    assert_eq!((seen["day"]["questionCount"].as_i64(), seen["day"]["timezone"].as_str()), (Some(2), Some("Asia/Tokyo")));
    assert_eq!(seen["day"]["sessions"][0]["questionCount"], 2);

    let denied = app.gql(Some(&peer), q, json!({"d": "2026-11-28", "u": rater_id})).await;
    assert_eq!(code(&denied), "FORBIDDEN");
    let log = app.ok(Some(&rater), AUDIT, json!({})).await["auditLog"].to_string();
    assert!(log.contains("day 2026-11-28 viewed by boss@example.com"), "{log}");
    assert!(log.contains("week 2026-11-23 – 2026-11-29 viewed by boss@example.com"), "{log}");
    assert!(!app.ok(Some(&peer), AUDIT, json!({})).await["auditLog"].to_string().contains("viewed by"));
}
