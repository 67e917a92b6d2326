//! RaterHub Tracker server: GraphQL API, event engine, storage and the embedded dashboard.
#![forbid(unsafe_code)]

pub mod auth;
pub mod calendar;
pub mod config;
pub mod db;
pub mod engine;
pub mod entity;
pub mod error;
pub mod graphql;
pub mod http;
pub mod pace;
pub mod report;
pub mod store;
pub mod validate;

use std::sync::Arc;

use chrono::Duration;

pub use http::app;

use crate::auth::Keys;
use crate::config::Config;
use crate::db::Db;
use crate::graphql::{Activity, AppSchema, Services, build_schema};

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub schema: AppSchema,
}

impl AppState {
    /// Builds the state on a migrated database. `secret` signs tokens.
    pub async fn new(config: Config, db: Db, secret: &[u8]) -> anyhow::Result<Self> {
        let keys = Keys::new(secret, Duration::minutes(config.access_token_expire_minutes));
        let dummy_hash = auth::hash_password("not a real password, only for timing".into()).await?;
        let services = Services { db, keys, config: Arc::new(config), activity: Activity::default(), dummy_hash: Arc::new(dummy_hash) };
        let schema = build_schema(Some(services.clone()));
        Ok(AppState { services, schema })
    }
}
