//! `kill -9` with mail queued: the restarted server still delivers it, once.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::mail_sink::Sink;

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path, sink: &Sink) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_raterhub-tracker"))
        .current_dir(dir)
        .env("DATABASE_URL", dir.join("rht.db"))
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("SECRET_KEY", "mail-crash-test-secret-key-0123456789abcdef")
        .env("PUBLIC_URL", "http://tracker.test")
        .env("SMTP_URL", sink.url())
        .env("MAIL_FROM", "tracker@tracker.test")
        .env("MAIL_RETRY_BASE_SECONDS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("no port in {line:?}"));
    Server { child, port }
}

async fn post(port: u16, query: &str, variables: Value) -> Value {
    let body = json!({"query": query, "variables": variables}).to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    serde_json::from_str(text.split_once("\r\n\r\n").map_or("", |(_, b)| b)).unwrap_or_else(|_| panic!("bad response: {text}"))
}

/// (attempts, status) of the one outbox row, read straight from the database file.
async fn outbox_row(dir: &std::path::Path) -> Option<(i64, String)> {
    let db = Database::connect(format!("sqlite://{}", dir.join("rht.db").display())).await.unwrap();
    let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), "SELECT attempts, status FROM outbox")).await.ok()??;
    let result = (row.try_get::<i64>("", "attempts").ok()?, row.try_get::<String>("", "status").ok()?);
    db.close().await.ok();
    Some(result)
}

#[tokio::test]
async fn a_queued_mail_survives_kill_9_and_is_delivered_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    sink.set_mode("refuse");
    // The first account (the admin) comes from the CLI: this server has a PUBLIC_URL, so
    // registering it over the API would need the setup code from the log.
    let created = Command::new(env!("CARGO_BIN_EXE_raterhub-tracker"))
        .args(["admin", "create-user", "--email", "admin@example.com", "--password", crate::common::PASSWORD])
        .env("DATABASE_URL", dir.path().join("rht.db"))
        .env("SECRET_KEY", "mail-crash-test-secret-key-0123456789abcdef")
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let mut first = start(dir.path(), &sink);
    let register = "mutation($e:String!,$p:String!){register(email:$e,password:$p){token}}";
    let body = post(first.port, register, json!({"e": "ann@example.com", "p": crate::common::PASSWORD})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = post(first.port, "mutation{requestPasswordReset(email:\"ann@example.com\")}", json!({})).await;
    assert_eq!(body["data"]["requestPasswordReset"], json!(true));

    let deadline = Instant::now() + Duration::from_secs(60);
    while outbox_row(dir.path()).await.is_none_or(|(attempts, _)| attempts < 1) {
        assert!(Instant::now() < deadline, "the first attempt never happened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.child.kill().unwrap(); // SIGKILL: no graceful shutdown
    first.child.wait().unwrap();
    assert_eq!(outbox_row(dir.path()).await.map(|(_, s)| s).as_deref(), Some("queued"));
    assert!(sink.messages().is_empty());

    sink.set_mode("accept");
    let _second = start(dir.path(), &sink);
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].header("To"), "ann@example.com");
    while outbox_row(dir.path()).await.map(|(_, s)| s).as_deref() != Some("sent") {
        assert!(Instant::now() < deadline + Duration::from_secs(60), "never marked sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sink.messages().len(), 1, "delivered once");
}
