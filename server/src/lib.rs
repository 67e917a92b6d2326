//! RaterHub Tracker server: GraphQL API, event engine, storage and the embedded dashboard.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod auth;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod db;
pub mod engine;
pub mod entity;
pub mod error;
pub mod graphql;
pub mod http;
pub mod lifecycle;
pub mod mail;
pub mod metrics;
pub mod ops;
pub mod pace;
pub mod pay;
pub mod report;
pub mod report_mail;
pub mod report_schedule;
pub mod security;
pub mod shared;
pub mod store;
pub mod timesheet;
pub mod validate;

use std::sync::Arc;

use chrono::Duration;

pub use http::app;

use crate::auth::Keys;
use crate::config::Config;
use crate::db::Db;
use crate::graphql::{Activity, AppSchema, Services, build_schema};
use crate::security::limits::{Limit, RateLimits};
use crate::security::login_backoff::LoginBackoff;
use crate::security::login_guard::{Clock, IpBudget};
use crate::security::setup_code::SetupCode;
use crate::shared::Shared;
use crate::store::users::{TrustCache, UserCache};
use anyhow::Context as _;

/// Everything a request handler needs. Cloned for every extractor and middleware of every
/// request, so it is one shared pointer: cloning `Services` field by field (a dozen reference
/// counts) was a visible share of the server's CPU per event.
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

pub struct AppParts {
    pub services: Services,
    pub schema: AppSchema,
}

impl std::ops::Deref for AppState {
    type Target = AppParts;
    fn deref(&self) -> &AppParts {
        &self.0
    }
}

impl AppState {
    /// Builds the state on a migrated database. `secret` signs tokens.
    pub async fn new(config: Config, db: Db, secret: &[u8]) -> anyhow::Result<Self> {
        Self::with_clock(config, db, secret, Arc::new(chrono::Utc::now)).await
    }

    /// Like `new`, with the clock the sign-in backoff reads (tests freeze it).
    pub async fn with_clock(config: Config, db: Db, secret: &[u8], clock: Clock) -> anyhow::Result<Self> {
        metrics::handle();
        let keys = Keys::new(secret, Duration::minutes(config.access_token_expire_minutes));
        let shared = match &config.redis_url {
            Some(url) => Some(Arc::new(Shared::connect(url, &config.redis_key_prefix).await.context("connecting to REDIS_URL")?)),
            None => None,
        };
        let l = &config.limits;
        let limits = RateLimits {
            auth: Limit::new("auth", l.auth_per_minute, l.auth_per_minute),
            events: Limit::new("events", l.events_per_minute, l.events_burst),
            requests: Limit::new("requests", l.requests_per_minute, l.requests_per_minute / 2),
            // Reset and verification mails per address: three at once, then one a minute.
            mail: Limit::new("mail_address", if l.auth_per_minute == 0 { 0 } else { 1 }, 3),
            shared: shared.clone(),
        };
        let budget = IpBudget { failures: l.login_ip_failures as usize, window: Duration::minutes(15) };
        let login_guard = LoginBackoff::new(budget, clock, shared.clone());
        let sqlite = db.backend() == sea_orm::DbBackend::Sqlite;
        let mailer = crate::mail::Mailer::from_config(&config)?;
        let has_accounts = !accounts::is_first_account(&db.conn).await?;
        let behind_proxy = !config.trusted_proxies.is_empty() || config.public_url.is_some();
        let setup_code = SetupCode::for_server(config.listen_addr, behind_proxy, has_accounts, secret);
        if let Some(code) = setup_code.code() {
            tracing::warn!(
                "no account yet on a public server: the first registration needs the setup code {code} \
                 (the dashboard's invite code field), or create the admin with `raterhub-tracker admin create-user`"
            );
        }
        let services = Services {
            db,
            keys,
            config: Arc::new(config),
            activity: Activity::new(shared),
            dummy_hash: auth::DummyHash::start(),
            limits: Arc::new(limits),
            login_guard: Arc::new(login_guard),
            mailer,
            user_cache: sqlite.then(|| Arc::new(UserCache::new(std::time::Duration::from_secs(5)))),
            trust_cache: (!sqlite).then(|| Arc::new(TrustCache::new(std::time::Duration::from_secs(5)))),
            documents: Default::default(),
            setup_code: Arc::new(setup_code),
        };
        let schema = build_schema(Some(services.clone()));
        Ok(AppState(Arc::new(AppParts { services, schema })))
    }

    /// Starts the background work: the mail worker (when this instance runs it), and
    /// forgetting idle rate-limit and sign-in entries every minute so memory stays bounded.
    pub fn spawn_housekeeping(&self) {
        if self.services.config.mail.worker {
            self.services.mailer.spawn_worker(self.services.db.clone());
        }
        if self.services.mailer.enabled() && self.services.config.mail.report_scheduler {
            let services = self.services.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(report_mail::EVERY);
                loop {
                    tick.tick().await;
                    if let Err(e) = report_mail::send_due(&services, chrono::Utc::now()).await {
                        tracing::error!(error = %e, "the report scheduler failed; it tries again in 5 minutes");
                    }
                }
            });
        }
        let services = self.services.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                services.limits.prune();
                services.login_guard.prune();
            }
        });
    }
}
