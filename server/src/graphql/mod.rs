//! The GraphQL API: one schema, split by feature and merged.

mod account;
mod activity;
mod admin;
mod depth;
mod devices;
mod loaders;
mod parse_cache;
mod recovery;
mod reports;
mod scalars;
mod sessions;
mod toolkit;
mod tracking;
mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, MergedObject, SDLExportOptions, Schema};
use chrono::{DateTime, Utc};

pub use activity::{Activity, ActivityUpdate, Subscription};
pub use parse_cache::ParseCache;
pub use scalars::Date;
pub use tracking::EVENT_FIELDS;

use crate::auth::Keys;
use crate::config::Config;
use crate::db::Db;
use crate::entity::user;
use crate::error::{AppError, AppResult};
use crate::security::limits::RateLimits;
use crate::security::login_backoff::LoginBackoff;
use crate::store::events::Credential;
use crate::store::users::{TrustCache, UserCache};

#[derive(MergedObject, Default)]
pub struct Query(
    account::AccountQuery,
    recovery::RecoveryQuery,
    sessions::SessionQuery,
    reports::ReportQuery,
    devices::DeviceQuery,
    admin::AdminQuery,
    toolkit::ToolkitQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    recovery::RecoveryMutation,
    tracking::TrackingMutation,
    sessions::SessionMutation,
    devices::DeviceMutation,
    admin::AdminMutation,
    toolkit::ToolkitMutation,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Shared services the resolvers need.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub keys: Keys,
    pub config: Arc<Config>,
    pub activity: Activity,
    /// Verified against when the email is unknown, so both paths take the same time.
    pub dummy_hash: crate::auth::DummyHash,
    pub limits: Arc<RateLimits>,
    pub login_guard: Arc<LoginBackoff>,
    pub mailer: crate::mail::Mailer,
    /// The per-request user lookup cache; SQLite only, where this process owns the data.
    pub user_cache: Option<Arc<UserCache>>,
    /// PostgreSQL only: tokens this instance has seen, for event writes that confirm them
    /// under the user's row lock instead of a read per request.
    pub trust_cache: Option<Arc<TrustCache>>,
    /// The parsed GraphQL documents, also asked what an operation selects.
    pub documents: ParseCache,
    /// What the first registration must show on a server reachable from outside.
    pub setup_code: Arc<crate::security::setup_code::SetupCode>,
}

/// Who is calling, resolved once per request from the bearer token or the cookie.
#[derive(Clone, Debug)]
pub struct Identity {
    pub user: user::Model,
    pub via: AuthSource,
    /// Set when the credential was taken from the trust cache: only an event write, which
    /// confirms it, may act on this identity.
    pub unconfirmed: Option<Credential>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthSource {
    Cookie,
    Bearer,
    Device(i32),
}

/// Facts about the HTTP request a resolver may need.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    /// HTTPS directly or via a trusted proxy: cookies get `Secure`.
    pub secure: bool,
    pub client_ip: std::net::IpAddr,
}

pub fn build_schema(services: Option<Services>) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .limit_complexity(2_000)
        // Outside the parse cache, so cached documents are checked too.
        .extension(depth::DepthLimit)
        .extension(services.as_ref().map(|s| s.documents.clone()).unwrap_or_default());
    if services.as_ref().is_some_and(|s| !s.config.graphql_playground) {
        builder = builder.disable_introspection();
    }
    if let Some(services) = services {
        builder = builder.data(DataLoader::new(loaders::QuestionLoader(services.db.clone()), tokio::spawn)).data(services);
    }
    builder.finish()
}

/// The SDL as checked into `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

/// Typed access to request data; missing data is an error, never a panic.
pub trait ContextExt {
    fn services(&self) -> AppResult<&Services>;
    fn identity(&self) -> AppResult<&Identity>;
    fn user(&self) -> AppResult<&user::Model> {
        Ok(&self.identity()?.user)
    }
    fn meta(&self) -> Option<&RequestMeta>;
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    /// The client IP as text, for the audit log.
    fn client_ip(&self) -> Option<String> {
        self.meta().map(|m| m.client_ip.to_string())
    }
    fn client_addr(&self) -> std::net::IpAddr {
        self.meta().map_or(std::net::IpAddr::from([0, 0, 0, 0]), |m| m.client_ip)
    }
    /// Writes an audit entry for the signed-in user (or anonymous) about `subject`.
    fn audit(&self, action: &str, subject_id: Option<i32>, detail: Option<String>) -> impl std::future::Future<Output = ()> + Send {
        let db = self.services().ok().map(|s| s.db.clone());
        let actor_id = self.identity().ok().map(|i| i.user.id);
        let ip = self.client_ip();
        let action = action.to_owned();
        async move {
            let Some(db) = db else { return };
            let entry = crate::store::audit::Entry { actor_id, subject_id, action: &action, ip, detail };
            crate::store::audit::record(&db, entry, Utc::now()).await;
        }
    }
}

impl ContextExt for Context<'_> {
    fn services(&self) -> AppResult<&Services> {
        self.data_opt::<Services>().ok_or_else(|| AppError::internal("schema built without services"))
    }

    fn identity(&self) -> AppResult<&Identity> {
        self.data_opt::<Identity>().ok_or(AppError::Unauthenticated)
    }

    fn meta(&self) -> Option<&RequestMeta> {
        self.data_opt::<RequestMeta>()
    }
}
