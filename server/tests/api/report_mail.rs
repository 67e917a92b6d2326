//! Scheduled report e-mails: exactly once per (user, period), catch-up, empty periods,
//! one-click unsubscribe and the `send-reports` command, through the real SMTP sink.

use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use server::config::{Config, EmailVerification};
use server::report_mail;

use crate::common::{TestApp, code};
use crate::mail_sink::Sink;

const LA: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

fn configure(c: &mut Config, sink: &Sink) {
    c.public_url = Some("http://tracker.test".into());
    c.mail.smtp_url = Some(sink.url());
    c.mail.mail_from = Some("tracker@tracker.test".into());
    c.mail.email_verification = Some(EmailVerification::Off);
    c.mail.retry_base_seconds = 1;
    // The tests drive the scheduler with their own clock.
    c.mail.report_scheduler = false;
}

/// The local day three days ago in Los Angeles, which the tests fill with work.
fn work_day() -> NaiveDate {
    Utc::now().with_timezone(&LA).date_naive() - Days::new(3)
}

fn local(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    LA.from_local_datetime(&date.and_hms_opt(hour, minute, 0).unwrap()).unwrap().with_timezone(&Utc)
}

/// A rater in Los Angeles with three questions on `work_day()`, subscribed as `reports` says.
async fn rater(app: &TestApp, email: &str, reports: Value) -> String {
    let token = app.register_in(email, "America/Los_Angeles").await;
    let set = app
        .gql(
            Some(&token),
            "mutation($r:ReportEmailsInput!){updateSettings(input:{reportEmails:$r}){reportEmails{daily weekly hour includeEmpty}}}",
            json!({"r": reports}),
        )
        .await;
    assert!(set.get("errors").is_none(), "{set}");
    let day = work_day();
    for (minute, kind) in [(0, "NEXT"), (5, "NEXT"), (11, "NEXT"), (18, "EXIT")] {
        let body = app.event(&token, kind, local(day, 10, minute)).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    token
}

async fn queue_at(app: &TestApp, now: DateTime<Utc>) -> usize {
    report_mail::send_due(&app.state.services, now).await.unwrap()
}

/// Seven in the morning, Los Angeles time, on the day after `work_day()`.
fn daily_send_time() -> DateTime<Utc> {
    local(work_day() + Days::new(1), 7, 0)
}

#[tokio::test]
async fn a_daily_report_is_mailed_once_with_its_figures_attachment_and_unsubscribe_link() {
    let sink = Sink::start();
    let app = TestApp::with_config(|c| configure(c, &sink)).await;
    rater(&app, "ann@example.com", json!({"daily": true, "weekly": false, "hour": 7})).await;
    assert_eq!(queue_at(&app, daily_send_time() - Duration::minutes(1)).await, 0, "not before the hour");
    assert_eq!(queue_at(&app, daily_send_time() + Duration::minutes(3)).await, 1);
    assert_eq!(queue_at(&app, daily_send_time() + Duration::minutes(8)).await, 0, "a second run queues nothing");
    app.state.spawn_housekeeping();
    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert!(mail.header("Subject").starts_with("Your RaterHub report: "), "{}", mail.header("Subject"));
    let (plain, _) = mail.texts();
    assert!(plain.contains("3 questions in 1 sessions"), "{plain}");
    let unsubscribe = mail.header("List-Unsubscribe");
    assert!(unsubscribe.starts_with("<http://tracker.test/reports/unsubscribe?token="), "{unsubscribe}");
    assert_eq!(mail.header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    let parsed = mail.parsed();
    let attached = |ext: &str| {
        let part = parsed
            .subparts
            .iter()
            .find(|p| p.get_content_disposition().params.get("filename").is_some_and(|f| f.ends_with(ext)))
            .unwrap_or_else(|| panic!("no {ext} attachment"));
        part.get_body_raw().unwrap()
    };
    let csv = String::from_utf8(attached(".csv")).unwrap();
    assert!(csv.contains("TOTAL"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.starts_with(&work_day().to_string())).count(), 3, "one row per question: {csv}");
    let pdf = attached(".pdf");
    assert!(pdf.starts_with(b"%PDF-"), "the PDF arrived intact");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.pdf"), &pdf).unwrap();
    let text = std::process::Command::new("pdftotext").arg(dir.path().join("r.pdf")).arg("-").output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("ann@example.com"), "{text}");

    // One click: the link works without signing in, and the mails stop.
    let token = unsubscribe.trim_matches(['<', '>']).split("token=").nth(1).unwrap().to_owned();
    let (status, _, page) = app.send(axum::http::Request::get(format!("/reports/unsubscribe?token={token}")).body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\""), "a GET changes nothing: {page}");
    let post = axum::http::Request::post(format!("/reports/unsubscribe?token={token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    let (status, _, page) = app.send(post).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Unsubscribed"), "{page}");
    assert_eq!(queue_at(&app, daily_send_time() + Duration::days(1)).await, 0, "no more daily mails");
    let (status, _, _) = app.send(axum::http::Request::post("/reports/unsubscribe?token=forged").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_running_the_scheduler_together_queue_each_period_once() {
    let sink = Sink::start();
    let first = TestApp::with_config(|c| configure(c, &sink)).await;
    let second = TestApp::on(&first.url, |c| configure(c, &sink)).await;
    for i in 0..5 {
        rater(&first, &format!("r{i}@example.com"), json!({"daily": true, "weekly": true, "hour": 7})).await;
    }
    let now = daily_send_time() + Duration::minutes(1);
    let (a, b) = tokio::join!(queue_at(&first, now), queue_at(&second, now));
    let rows = server::entity::outbox::Entity::find_all(&first).await;
    let daily = rows.iter().filter(|r| r.kind == "report_daily").count();
    assert_eq!(daily, 5, "one daily mail per user: {rows:?}");
    assert_eq!(a + b, rows.len(), "the two runs together queued each mail once");
    // A restart that runs the scheduler again (or a third run) adds nothing.
    assert_eq!(queue_at(&second, now + Duration::minutes(5)).await, 0);
}

#[tokio::test]
async fn a_missed_hour_is_caught_up_for_48_hours_and_empty_days_are_skipped_unless_asked() {
    let sink = Sink::start();
    let app = TestApp::with_config(|c| configure(c, &sink)).await;
    rater(&app, "ann@example.com", json!({"daily": true, "weekly": false, "hour": 7})).await;
    let idle = app.register_in("idle@example.com", "America/Los_Angeles").await;
    app.ok(Some(&idle), "mutation{updateSettings(input:{reportEmails:{daily:true,weekly:false,hour:7}}){id}}", json!({})).await;
    let keen = app.register_in("keen@example.com", "America/Los_Angeles").await;
    app.ok(Some(&keen), "mutation{updateSettings(input:{reportEmails:{daily:true,weekly:false,hour:7,includeEmpty:true}}){id}}", json!({})).await;

    // The server was down from before 07:00 until 47 hours later: ann's day still goes out.
    let queued = queue_at(&app, daily_send_time() + Duration::hours(47)).await;
    let rows = server::entity::outbox::Entity::find_all(&app).await;
    let ann_days: Vec<_> = rows.iter().filter(|r| r.recipient == "ann@example.com").filter_map(|r| r.dedupe_key.clone()).collect();
    assert!(ann_days.iter().any(|k| k.ends_with(&work_day().to_string())), "{ann_days:?}");
    assert!(rows.iter().all(|r| r.recipient != "idle@example.com"), "an empty day is not mailed: {rows:?}");
    assert!(rows.iter().any(|r| r.recipient == "keen@example.com"), "unless the user asked: {rows:?}");
    assert_eq!(queued, rows.len());
    // 48 hours late is too late.
    let other = TestApp::with_config(|c| configure(c, &sink)).await;
    rater(&other, "late@example.com", json!({"daily": true, "weekly": false, "hour": 7})).await;
    queue_at(&other, daily_send_time() + Duration::hours(48)).await;
    let late = server::entity::outbox::Entity::find_all(&other).await;
    assert!(!late.iter().any(|r| r.dedupe_key.as_deref().is_some_and(|k| k.ends_with(&work_day().to_string()))), "{late:?}");
}

#[tokio::test]
async fn report_settings_are_checked_and_need_mail() {
    let sink = Sink::start();
    let app = TestApp::with_config(|c| configure(c, &sink)).await;
    let token = app.register("ann@example.com").await;
    let set = |r: Value| {
        app.gql(
            Some(&token),
            "mutation($r:ReportEmailsInput!){updateSettings(input:{reportEmails:$r}){reportEmails{daily weekly hour includeEmpty}}}",
            json!({"r": r}),
        )
    };
    assert_eq!(code(&set(json!({"daily": true, "weekly": false, "hour": 24})).await), "BAD_USER_INPUT");
    assert_eq!(code(&set(json!({"daily": true, "weekly": false, "hour": -1})).await), "BAD_USER_INPUT");
    let me = app.ok(Some(&token), "{me{reportEmails{daily weekly hour includeEmpty}}}", json!({})).await;
    assert_eq!(me["me"]["reportEmails"], json!({"daily": false, "weekly": false, "hour": 7, "includeEmpty": false}), "off by default, nothing changed");
    let ok = set(json!({"daily": false, "weekly": true, "hour": 18})).await;
    assert_eq!(ok["data"]["updateSettings"]["reportEmails"], json!({"daily": false, "weekly": true, "hour": 18, "includeEmpty": false}));

    let plain = TestApp::new().await;
    let t = plain.register("bob@example.com").await;
    let refused = plain.gql(Some(&t), "mutation{updateSettings(input:{reportEmails:{daily:true,weekly:false,hour:7}}){id}}", json!({})).await;
    assert_eq!(code(&refused), "MAIL_DISABLED");
}

#[tokio::test]
async fn send_reports_on_the_command_line_queues_and_sends_once() {
    let sink = Sink::start();
    let app = TestApp::with_config(|c| configure(c, &sink)).await;
    rater(&app, "ann@example.com", json!({"daily": true, "weekly": false, "hour": 7})).await;
    let at = (daily_send_time() + Duration::minutes(2)).to_rfc3339();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_raterhub-tracker"))
            .args(["send-reports", "--at", &at])
            .env("DATABASE_URL", &app.url)
            .env("SECRET_KEY", "report-cli-test-secret-key-0123456789abcdefgh")
            .env("PUBLIC_URL", "http://tracker.test")
            .env("SMTP_URL", sink.url())
            .env("MAIL_FROM", "tracker@tracker.test")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("queued 1 report mail(s)"), "{}", String::from_utf8_lossy(&first.stdout));
    assert_eq!(sink.wait_for(1).await.len(), 1);
    let again = run();
    assert!(String::from_utf8_lossy(&again.stdout).contains("queued 0 report mail(s)"), "{}", String::from_utf8_lossy(&again.stdout));
    assert_eq!(sink.messages().len(), 1, "a second run sends nothing");
}

trait FindAll {
    async fn find_all(app: &TestApp) -> Vec<server::entity::outbox::Model>;
}

impl FindAll for server::entity::outbox::Entity {
    async fn find_all(app: &TestApp) -> Vec<server::entity::outbox::Model> {
        use sea_orm::EntityTrait;
        server::entity::outbox::Entity::find().all(&app.state.services.db.conn).await.unwrap()
    }
}
