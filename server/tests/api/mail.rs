//! Mail end to end: the outbox, its worker and the account flows, against a real SMTP
//! server process on loopback.

use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::config::{Config, EmailVerification};
use server::entity::outbox;

use crate::common::{PASSWORD, TestApp, base, code};
use crate::mail_sink::Sink;

const NEW_PASSWORD: &str = "a brand new passphrase for tests";

fn configure(c: &mut Config, sink: &Sink) {
    c.public_url = Some("http://tracker.test".into());
    c.mail.smtp_url = Some(sink.url());
    c.mail.smtp_ca_file = sink.cert.clone();
    c.mail.mail_from = Some("RaterHub Tracker <tracker@tracker.test>".into());
    c.mail.retry_base_seconds = 1;
}

/// An app that sends through `sink`, with its mail worker running.
async fn mail_app(sink: &Sink, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let app = TestApp::with_config(|c| {
        configure(c, sink);
        adjust(c);
    })
    .await;
    app.state.spawn_housekeeping();
    app
}

async fn request_reset(app: &TestApp, email: &str) -> Value {
    app.gql(None, "mutation($e:String!){requestPasswordReset(email:$e)}", json!({"e": email})).await
}

async fn complete_reset(app: &TestApp, token: &str, password: &str) -> Value {
    app.gql(None, "mutation($t:String!,$p:String!){completePasswordReset(token:$t,newPassword:$p)}", json!({"t": token, "p": password})).await
}

async fn login(app: &TestApp, email: &str, password: &str) -> Value {
    app.gql(None, "mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}", json!({"e": email, "p": password})).await
}

async fn outbox_rows(app: &TestApp) -> Vec<outbox::Model> {
    outbox::Entity::find().all(&app.state.services.db.conn).await.unwrap()
}

/// Polls (with a generous limit) until `check` holds for the outbox.
async fn wait_for_outbox(app: &TestApp, what: &str, check: impl Fn(&[outbox::Model]) -> bool) -> Vec<outbox::Model> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = outbox_rows(app).await;
        if check(&rows) {
            return rows;
        }
        assert!(Instant::now() < deadline, "outbox never reached: {what}; rows: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{me{emailVerified}}", json!({})).await
}

async fn verify(app: &TestApp, token: Option<&str>, link_token: &str) -> Value {
    app.gql(token, "mutation($t:String!){verifyEmail(token:$t)}", json!({"t": link_token})).await
}

async fn id_of(app: &TestApp, token: &str) -> i64 {
    app.ok(Some(token), "{me{id}}", json!({})).await["me"]["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_reset_link_arrives_works_once_and_signs_out_everywhere() {
    let sink = Sink::start();
    let app = mail_app(&sink, |_| {}).await;
    let old_token = app.register("ann@example.com").await;
    let device = app
        .ok(None, "mutation($e:String!,$p:String!){login(email:$e,password:$p,deviceName:\"laptop\"){token}}", json!({"e": "ann@example.com", "p": PASSWORD}))
        .await["login"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(request_reset(&app, "Ann@Example.com").await["data"]["requestPasswordReset"], json!(true));
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].header("To"), "ann@example.com");
    assert_eq!(mails[0].header("Subject"), "Reset your RaterHub Tracker password");
    let (plain, html) = mails[0].texts();
    assert!(plain.contains("http://tracker.test/reset-password?token=reset_"), "{plain}");
    assert!(html.contains("http://tracker.test/reset-password?token=reset_"), "{html}");
    let token = mails[0].token("/reset-password");

    assert_eq!(complete_reset(&app, &token, NEW_PASSWORD).await["data"]["completePasswordReset"], json!(true));
    assert_eq!(code(&complete_reset(&app, &token, "yet another passphrase here").await), "INVALID_TOKEN", "the link works once");
    assert_eq!(code(&login(&app, "ann@example.com", PASSWORD).await), "INVALID_CREDENTIALS");
    assert!(login(&app, "ann@example.com", NEW_PASSWORD).await.get("errors").is_none());
    for revoked in [&old_token, &device] {
        assert_eq!(app.ok(Some(revoked), "{me{email}}", json!({})).await["me"], Value::Null, "a token from before the reset still works");
    }
    let mails = sink.wait_for(2).await;
    assert_eq!(mails[1].header("Subject"), "Your RaterHub Tracker password was changed");
    assert_eq!(mails.len(), 2);
}

#[tokio::test]
async fn an_unknown_or_deactivated_address_gets_the_same_answer_and_no_mail() {
    let sink = Sink::start();
    let app = mail_app(&sink, |c| c.mail.email_verification = Some(EmailVerification::Off)).await;
    let admin = app.register("admin@example.com").await;
    app.register("gone@example.com").await;
    let gone_id = app.ok(Some(&admin), "{users{id email}}", json!({})).await["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "gone@example.com")
        .unwrap()["id"]
        .clone();
    app.ok(Some(&admin), "mutation($id:ID!){setUserActive(id:$id,active:false){id}}", json!({"id": gone_id})).await;

    for email in ["nobody@example.com", "gone@example.com"] {
        let body = request_reset(&app, email).await;
        assert_eq!(body, json!({"data": {"requestPasswordReset": true}}), "{email}");
    }
    // The mail to a known address is the first one the server sends: none went before it.
    request_reset(&app, "admin@example.com").await;
    let mails = sink.wait_for(1).await;
    wait_for_outbox(&app, "the admin's mail sent", |rows| rows.iter().all(|r| r.status == outbox::Status::Sent)).await;
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(mails[0].header("To"), "admin@example.com");
    assert_eq!(outbox_rows(&app).await.len(), 1, "nothing was queued for the unknown or deactivated address");
}

#[tokio::test]
async fn bad_input_and_expired_or_foreign_tokens_get_clear_codes() {
    let sink = Sink::start();
    let app = mail_app(&sink, |_| {}).await;
    app.register("ann@example.com").await;
    for bad in ["not-an-address", "a@b", &format!("{}@example.com", "x".repeat(250))] {
        assert_eq!(code(&request_reset(&app, bad).await), "BAD_USER_INPUT", "{bad}");
    }
    assert_eq!(code(&complete_reset(&app, "reset_made_up", NEW_PASSWORD).await), "INVALID_TOKEN");

    request_reset(&app, "ann@example.com").await;
    let token = sink.wait_for(1).await[0].token("/reset-password");
    let db = &app.state.services.db.conn;
    db.execute_unprepared("UPDATE password_resets SET expires_at = created_at").await.unwrap();
    assert_eq!(code(&complete_reset(&app, &token, NEW_PASSWORD).await), "TOKEN_EXPIRED");
    assert!(login(&app, "ann@example.com", PASSWORD).await.get("errors").is_none(), "the password did not change");
}

#[tokio::test]
async fn without_mail_the_mail_features_say_mail_disabled() {
    let app = TestApp::new().await;
    let token = app.register("ann@example.com").await;
    assert_eq!(code(&request_reset(&app, "ann@example.com").await), "MAIL_DISABLED");
    assert_eq!(code(&app.gql(Some(&token), "mutation{resendVerification}", json!({})).await), "MAIL_DISABLED");
    let change =
        app.gql(Some(&token), "mutation($e:String!,$p:String!){changeEmail(newEmail:$e,password:$p)}", json!({"e": "new@example.com", "p": PASSWORD})).await;
    assert_eq!(code(&change), "MAIL_DISABLED");
    let status = app.ok(None, "{mailStatus{enabled emailVerification}}", json!({})).await;
    assert_eq!(status["mailStatus"], json!({"enabled": false, "emailVerification": "OFF"}));
    assert_eq!(app.ok(Some(&token), "{me{emailVerified}}", json!({})).await["me"]["emailVerified"], json!(true));
}

#[tokio::test]
async fn a_refusing_server_gets_the_mail_once_it_accepts() {
    let sink = Sink::start();
    sink.set_mode("refuse");
    let app = mail_app(&sink, |_| {}).await;
    app.register("ann@example.com").await;
    request_reset(&app, "ann@example.com").await;
    let rows = wait_for_outbox(&app, "a failed attempt", |rows| rows.len() == 1 && rows[0].attempts >= 1 && rows[0].last_error.is_some()).await;
    assert_eq!(rows[0].status, outbox::Status::Queued);
    assert!(rows[0].last_error.as_deref().unwrap().contains("451"), "{rows:?}");
    sink.set_mode("disconnect");
    wait_for_outbox(&app, "a second failed attempt", |rows| rows[0].attempts >= 2).await;
    sink.set_mode("accept");
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].header("To"), "ann@example.com");
    let rows = wait_for_outbox(&app, "sent", |rows| rows[0].status == outbox::Status::Sent).await;
    assert!(rows[0].raw.is_empty(), "the body is forgotten once sent");
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn mail_goes_over_starttls() {
    let sink = Sink::start_tls();
    let app = mail_app(&sink, |_| {}).await;
    app.register("ann@example.com").await;
    request_reset(&app, "ann@example.com").await;
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].header("To"), "ann@example.com");
}

#[tokio::test]
async fn required_verification_blocks_recording_until_the_link_is_used() {
    let sink = Sink::start();
    let app = mail_app(&sink, |c| c.mail.email_verification = Some(EmailVerification::Required)).await;
    let admin = app.register("admin@example.com").await;
    let ann = app.register("ann@example.com").await;
    let bob = app.register("bob@example.com").await;
    assert_eq!(me(&app, &admin).await["me"]["emailVerified"], json!(true), "the first admin counts as verified");
    assert_eq!(me(&app, &ann).await["me"]["emailVerified"], json!(false));
    assert_eq!(code(&app.event(&ann, "NEXT", base(5)).await), "EMAIL_NOT_VERIFIED");

    let mails = sink.wait_for(2).await;
    let ann_mail = mails.iter().find(|m| m.header("To") == "ann@example.com").unwrap();
    let token = ann_mail.token("/verify-email");
    assert_eq!(code(&verify(&app, Some(&bob), &token).await), "INVALID_TOKEN", "bob can't use ann's link");
    assert_eq!(verify(&app, None, &token).await["data"]["verifyEmail"], json!(true));
    assert_eq!(code(&verify(&app, None, &token).await), "INVALID_TOKEN", "the link works once");
    assert_eq!(me(&app, &ann).await["me"]["emailVerified"], json!(true));
    assert!(app.event(&ann, "NEXT", base(5)).await.get("errors").is_none());
    assert_eq!(me(&app, &bob).await["me"]["emailVerified"], json!(false));
}

#[tokio::test]
async fn an_address_changes_only_when_the_link_sent_to_it_is_used() {
    let sink = Sink::start();
    let app = mail_app(&sink, |_| {}).await;
    let ann = app.register("ann@example.com").await;
    let change = |email: &str, password: &str| {
        app.gql(Some(&ann), "mutation($e:String!,$p:String!){changeEmail(newEmail:$e,password:$p)}", json!({"e": email, "p": password}))
    };
    assert_eq!(code(&change("ann@new.example", "wrong password").await), "INVALID_CREDENTIALS");
    assert_eq!(code(&change("broken", PASSWORD).await), "BAD_USER_INPUT");
    assert_eq!(change("Ann@New.example", PASSWORD).await["data"]["changeEmail"], json!(true));
    let mails = sink.wait_for(2).await;
    let to = |addr: &str| mails.iter().find(|m| m.header("To") == addr).unwrap_or_else(|| panic!("no mail to {addr}"));
    assert!(to("ann@example.com").texts().0.contains("ann@new.example"), "the old address is told");
    let token = to("ann@new.example").token("/confirm-email");
    assert_eq!(app.ok(Some(&ann), "{me{email}}", json!({})).await["me"]["email"], "ann@example.com", "unchanged until confirmed");
    let confirm = app.gql(None, "mutation($t:String!){confirmEmailChange(token:$t)}", json!({"t": token})).await;
    assert_eq!(confirm["data"]["confirmEmailChange"], json!(true), "{confirm}");
    assert_eq!(app.ok(Some(&ann), "{me{email emailVerified}}", json!({})).await["me"], json!({"email": "ann@new.example", "emailVerified": true}));
    assert!(login(&app, "ann@new.example", PASSWORD).await.get("errors").is_none());
}

/// Every table with a user column, and that column.
const USER_TABLES: [(&str, &str); 9] = [
    ("sessions", "user_id"),
    ("questions", "user_id"),
    ("events", "user_id"),
    ("device_tokens", "user_id"),
    ("password_history", "user_id"),
    ("password_resets", "user_id"),
    ("email_tokens", "user_id"),
    ("outbox", "user_id"),
    ("users", "id"),
];

async fn rows_of(app: &TestApp, user_id: i64) -> Vec<(String, i64)> {
    let db = &app.state.services.db.conn;
    let mut counts = Vec::new();
    for (table, column) in USER_TABLES.iter().copied().chain([("audit_log", "actor_id"), ("audit_log", "subject_id")]) {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = {user_id}");
        let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        counts.push((format!("{table}.{column}"), row.try_get::<i64>("", "n").unwrap()));
    }
    counts
}

#[tokio::test]
async fn deleting_an_account_leaves_no_row_of_it_and_spares_everyone_else() {
    let sink = Sink::start();
    let app = mail_app(&sink, |_| {}).await;
    let admin = app.register("admin@example.com").await;
    let ann = app.register("ann@example.com").await;
    let bob = app.register("bob@example.com").await;
    for token in [&ann, &bob] {
        app.event(token, "NEXT", base(10)).await;
        app.event(token, "NEXT", base(9)).await;
    }
    app.ok(None, "mutation($e:String!,$p:String!){login(email:$e,password:$p,deviceName:\"phone\"){token}}", json!({"e": "ann@example.com", "p": PASSWORD}))
        .await;
    request_reset(&app, "ann@example.com").await;
    let (ann_id, bob_id) = (id_of(&app, &ann).await, id_of(&app, &bob).await);
    let bob_before = rows_of(&app, bob_id).await;
    assert!(rows_of(&app, ann_id).await.iter().filter(|(_, n)| *n > 0).count() >= 7, "ann has data everywhere first");

    let delete = |password: &str| app.gql(Some(&ann), "mutation($p:String!){deleteAccount(password:$p)}", json!({"p": password}));
    assert_eq!(code(&delete("wrong").await), "INVALID_CREDENTIALS");
    assert_eq!(delete(PASSWORD).await["data"]["deleteAccount"], json!(true));
    let left: Vec<_> = rows_of(&app, ann_id).await.into_iter().filter(|(_, n)| *n > 0).collect();
    assert!(left.is_empty(), "rows of the deleted user remain: {left:?}");
    assert_eq!(rows_of(&app, bob_id).await, bob_before, "bob's data changed");
    assert_eq!(app.ok(Some(&bob), "{sessions{questionCount}}", json!({})).await["sessions"][0]["questionCount"], json!(1));
    let trail = app.ok(Some(&admin), "{auditLog(allUsers:true,limit:200){action actorId detail}}", json!({})).await;
    assert!(trail["auditLog"].as_array().unwrap().iter().any(|e| e["action"] == "account_deleted" && e["actorId"].is_null()), "{trail}");
    assert_eq!(code(&login(&app, "ann@example.com", PASSWORD).await), "INVALID_CREDENTIALS");

    // The last admin can't go; an admin can delete another user.
    assert_eq!(code(&app.gql(Some(&admin), "mutation($p:String!){deleteAccount(password:$p)}", json!({"p": PASSWORD})).await), "LAST_ADMIN");
    assert_eq!(code(&app.gql(Some(&bob), "mutation($id:ID!){deleteUser(id:$id)}", json!({"id": bob_id.to_string()})).await), "FORBIDDEN");
    assert_eq!(app.ok(Some(&admin), "mutation($id:ID!){deleteUser(id:$id)}", json!({"id": bob_id.to_string()})).await["deleteUser"], json!(true));
    assert!(rows_of(&app, bob_id).await.iter().all(|(_, n)| *n == 0));
}

#[tokio::test]
async fn display_names_are_kept_checked_and_used_in_mails() {
    let sink = Sink::start();
    let app = mail_app(&sink, |_| {}).await;
    let data = app
        .ok(
            None,
            "mutation($e:String!,$p:String!,$c:String){register(email:$e,password:$p,inviteCode:$c,displayName:\" Ann \"){user{displayName}}}",
            json!({"e": "ann@example.com", "p": PASSWORD, "c": app.state.services.setup_code.code()}),
        )
        .await;
    assert_eq!(data["register"]["user"]["displayName"], "Ann");
    let token = app.ok(None, "mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}", json!({"e": "ann@example.com", "p": PASSWORD})).await["login"]["token"].as_str().unwrap().to_owned();
    let long = app.gql(Some(&token), "mutation($n:String!){updateSettings(input:{displayName:$n}){displayName}}", json!({"n": "x".repeat(81)})).await;
    assert_eq!(code(&long), "BAD_USER_INPUT");
    request_reset(&app, "ann@example.com").await;
    assert!(sink.wait_for(1).await[0].texts().0.starts_with("Hello Ann,"));
}

/// Two instances on one PostgreSQL database, both running the worker, send every mail
/// exactly once. The mail is queued first and both workers start together, so they race
/// for the same rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_send_each_mail_once() {
    let sink = Sink::start();
    let quiet = |c: &mut Config| {
        configure(c, &sink);
        c.mail.email_verification = Some(EmailVerification::Off);
    };
    let first = TestApp::with_config(quiet).await;
    if first.state.services.db.backend() != sea_orm::DbBackend::Postgres {
        eprintln!("skipped: needs TEST_DATABASE_URL (PostgreSQL); on SQLite one process owns the queue");
        return;
    }
    let second = TestApp::on(&first.url, quiet).await;
    const USERS: usize = 60;
    for i in 0..USERS {
        let email = format!("user{i}@example.com");
        first.register(&email).await;
        request_reset(if i % 2 == 0 { &first } else { &second }, &email).await;
    }
    assert_eq!(outbox_rows(&first).await.len(), USERS);
    first.state.spawn_housekeeping();
    second.state.spawn_housekeeping();
    wait_for_outbox(&first, "all sent", |rows| rows.iter().all(|r| r.status == outbox::Status::Sent)).await;
    let mails = sink.messages();
    let mut ids: Vec<String> = mails.iter().map(|m| m.header("Message-ID")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((mails.len(), ids.len()), (USERS, USERS), "each mail once");
    let twice = outbox::Entity::find().filter(outbox::Column::Attempts.ne(1)).count(&first.state.services.db.conn).await.unwrap();
    assert_eq!(twice, 0, "every mail was claimed once");
}

#[tokio::test]
async fn a_mail_not_sent_in_time_is_marked_failed_logged_and_counted() {
    let sink = Sink::start();
    sink.set_mode("refuse");
    let app = mail_app(&sink, |c| {
        c.mail.give_up_hours = 0;
        c.metrics_token = Some("metrics-test-token".into());
    })
    .await;
    app.register("ann@example.com").await;
    request_reset(&app, "ann@example.com").await;
    let rows = wait_for_outbox(&app, "given up", |rows| rows.len() == 1 && rows[0].status == outbox::Status::Failed).await;
    assert!(rows[0].raw.is_empty() && rows[0].last_error.as_deref().is_some_and(|e| e.contains("451")), "{rows:?}");
    let (status, _, metrics) =
        app.send(axum::http::Request::get("/metrics").header("authorization", "Bearer metrics-test-token").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(status, 200, "{metrics}");
    for needle in ["# HELP rht_mail_failed_total", "rht_mail_failed_total{kind=\"password_reset\"}", "# HELP rht_mail_queue_depth"] {
        assert!(metrics.contains(needle), "{needle} missing from:\n{metrics}");
    }
    sink.set_mode("accept");
    request_reset(&app, "ann@example.com").await;
    assert_eq!(sink.wait_for(1).await.len(), 1, "only the second mail is sent; the failed one stays failed");
}
