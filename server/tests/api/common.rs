//! A fresh app on a fresh database per test: SQLite by default, PostgreSQL when
//! TEST_DATABASE_URL is set.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use server::config::{Config, LimitConfig, LogFormat, MailConfig, RegistrationMode};
use server::db::{Db, DbOptions, QueueLimits};
use server::{AppState, app};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The database URL, so a second instance can share the database.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

fn config(url: &str) -> Config {
    Config {
        database_url: url.to_owned(),
        listen_addr: "127.0.0.1:0".parse().unwrap(),
        secret_key: None,
        access_token_expire_minutes: 60,
        allowed_origins: vec![],
        public_url: None,
        trusted_proxies: vec![],
        dist_dir: None,
        registration_mode: RegistrationMode::Open,
        graphql_playground: true,
        limits: LimitConfig::unlimited(),
        pg_event_workers: None,
        metrics_token: None,
        log_format: LogFormat::Text,
        redis_url: None,
        redis_key_prefix: "rht".into(),
        mail: MailConfig::default(),
        log_file: None,
        log_file_retention: 14,
        report_paper: server::report::layout::Paper::A4,
    }
}

/// A database URL for one test.
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(admin_url) => {
            let name = format!("rht_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url).await.expect("connect TEST_DATABASE_URL");
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
            admin.close().await.ok();
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
            (format!("{base}/{name}"), None)
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, Some(dir))
        }
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    /// A fresh app whose configuration `adjust` may change (limits, registration mode …).
    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::with_clock(std::sync::Arc::new(Utc::now), adjust).await
    }

    /// Like `with_config`, with the clock the sign-in backoff reads.
    pub async fn with_clock(clock: server::security::login_guard::Clock, adjust: impl FnOnce(&mut Config)) -> Self {
        let (url, dir) = fresh_database().await;
        let mut app = Self::on_with_clock(&url, clock, adjust).await;
        app._dir = dir;
        app
    }

    /// An app on an existing database (a second instance beside another TestApp).
    pub async fn on(url: &str, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::on_with_clock(url, std::sync::Arc::new(Utc::now), adjust).await
    }

    pub async fn on_with_clock(url: &str, clock: server::security::login_guard::Clock, adjust: impl FnOnce(&mut Config)) -> Self {
        let db = Db::connect(url).await.expect("connect");
        db.migrate().await.expect("migrate");
        let mut config = config(url);
        adjust(&mut config);
        let state = AppState::with_clock(config, db, &[42u8; 48], clock).await.unwrap();
        TestApp { router: app(state.clone()), state, url: url.to_owned(), _dir: None }
    }

    /// A fresh SQLite app whose writer has `limits`; None when the suite runs on PostgreSQL
    /// (which has no writer queue).
    pub async fn sqlite_with_limits(limits: QueueLimits) -> Option<Self> {
        if std::env::var("TEST_DATABASE_URL").ok().is_some_and(|u| !u.is_empty()) {
            return None;
        }
        let (url, dir) = fresh_database().await;
        let db = Db::connect_with(&url, DbOptions { sqlite_queue: limits, ..DbOptions::default() }).await.expect("connect");
        db.migrate().await.expect("migrate");
        let state = AppState::new(config(&url), db, &[42u8; 48]).await.unwrap();
        Some(TestApp { router: app(state.clone()), state, url, _dir: dir })
    }

    /// Sends a raw request and returns (status, headers, body text).
    pub async fn send(&self, request: Request<Body>) -> (u16, axum::http::HeaderMap, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// POSTs a GraphQL operation with an optional bearer token; returns the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (_, _, text) = self.send(request.body(Body::from(body)).unwrap()).await;
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    }

    /// Like `gql` but panics on errors and returns `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    pub async fn register(&self, email: &str) -> String {
        self.register_in(email, "UTC").await
    }

    pub async fn register_in(&self, email: &str, timezone: &str) -> String {
        let data = self
            // A server set up behind a proxy wants the setup code for its first account.
            .ok(
                None,
                "mutation($e:String!,$p:String!,$t:String,$c:String){register(email:$e,password:$p,timezone:$t,inviteCode:$c){token}}",
                json!({"e": email, "p": PASSWORD, "t": timezone, "c": self.state.services.setup_code.code()}),
            )
            .await;
        data["register"]["token"].as_str().unwrap().to_owned()
    }

    /// Records one event at `at`; returns the whole response body.
    pub async fn event(&self, token: &str, kind: &str, at: DateTime<Utc>) -> Value {
        self.event_with(token, json!({"type": kind, "occurredAt": at.to_rfc3339()})).await
    }

    pub async fn event_with(&self, token: &str, input: Value) -> Value {
        self.gql(Some(token), &format!("mutation($i:EventInput!){{recordEvent(input:$i){{{EVENT_RESULT}}}}}"), json!({"i": input})).await
    }

    pub async fn active(&self, token: &str) -> Value {
        self.ok(Some(token), &format!("{{activeSession{{{SESSION}}}}}"), json!({})).await["activeSession"].clone()
    }

    pub async fn sessions(&self, token: &str) -> Vec<Value> {
        let data = self.ok(Some(token), &format!("{{sessions(limit:100){{{SESSION}}}}}"), json!({})).await;
        data["sessions"].as_array().unwrap().clone()
    }
}

pub const SESSION: &str = "id startedAt endedAt isActive isPaused questionCount activeSeconds rawSeconds pausedSeconds averageSeconds targetSeconds pace{ratio score label emoji} current{index startedAt pausedSeconds isPaused targetSeconds taskId} questions{id index startedAt endedAt rawSeconds activeSeconds pausedSeconds targetSeconds deltaSeconds taskId}";
pub const EVENT_RESULT: &str = "duplicate serverTime error{code message} session{id startedAt endedAt isActive isPaused questionCount activeSeconds current{index startedAt pausedSeconds isPaused targetSeconds taskId}} question{id index rawSeconds activeSeconds pausedSeconds targetSeconds taskId}";

/// A whole-second instant `minutes` before now, so explicit timestamps stay in the past.
pub fn base(minutes: i64) -> DateTime<Utc> {
    (Utc::now() - Duration::minutes(minutes)).trunc_subsecs(0)
}

pub fn secs(s: i64) -> Duration {
    Duration::seconds(s)
}

/// The `extensions.code` of the first error.
pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}"))
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

pub fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}"))).unwrap().with_timezone(&Utc)
}
