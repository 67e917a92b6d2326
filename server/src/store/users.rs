//! Accounts and their settings.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set, SqlErr};

use crate::db::WriteTxn;
use crate::entity::{device_token, user};
use crate::error::{AppError, AppResult};

pub const DEFAULT_TARGET_MS: i64 = 330_000;
pub const DEFAULT_IDLE_TIMEOUT_MINUTES: i32 = 60;
pub const DEFAULT_WEEKLY_GOAL_HOURS: f64 = 20.0;

pub struct NewUser {
    pub email: String,
    pub password_hash: String,
    pub timezone: String,
    pub display_name: Option<String>,
    pub email_verified: bool,
}

pub async fn create(txn: &WriteTxn, new: NewUser, now: DateTime<Utc>) -> AppResult<user::Model> {
    let db: &DatabaseTransaction = txn;
    let model = user::ActiveModel {
        email: Set(new.email),
        password_hash: Set(new.password_hash),
        role: Set(user::Role::User),
        is_active: Set(true),
        token_version: Set(0),
        event_seq: Set(0),
        timezone: Set(new.timezone),
        target_ms: Set(DEFAULT_TARGET_MS),
        idle_timeout_minutes: Set(DEFAULT_IDLE_TIMEOUT_MINUTES),
        weekly_goal_hours: Set(DEFAULT_WEEKLY_GOAL_HOURS),
        week_starts_on: Set(0),
        created_at: Set(now),
        email_verified: Set(new.email_verified),
        display_name: Set(new.display_name),
        pay_basis: Set(crate::pay::PayBasis::Aet.as_str().into()),
        currency: Set(crate::pay::DEFAULT_CURRENCY.into()),
        ..Default::default()
    };
    model.insert(db).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::EmailTaken,
        _ => AppError::Db(e),
    })
}

/// Moves on with every write that may change a user row in this process, so a cached row
/// read before the write is never used after it.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Called after any write that may have changed user rows (and again after its commit).
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// The per-request user lookup, cached briefly. A write in this process (settings, password,
/// sign-out everywhere, deactivation) invalidates it at once; one from another process (the
/// `admin` CLI) shows within the time to live.
pub struct UserCache {
    ttl: Duration,
    entries: Mutex<HashMap<i32, Cached>>,
}

struct Cached {
    user: user::Model,
    generation: u64,
    fetched: Instant,
}

/// Beyond this many cached users the cache starts over, which bounds its memory.
const MAX_CACHED_USERS: usize = 10_000;

impl UserCache {
    pub fn new(ttl: Duration) -> Self {
        UserCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub async fn find(&self, db: &impl ConnectionTrait, id: i32) -> AppResult<Option<user::Model>> {
        // Read before the lookup: a write landing during it leaves this entry already stale.
        let generation = GENERATION.load(Ordering::SeqCst);
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(hit) = entries.get(&id).filter(|c| c.generation == generation && c.fetched.elapsed() < self.ttl) {
                return Ok(Some(hit.user.clone()));
            }
        }
        let found = find(db, id).await?;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match &found {
            Some(user) => {
                if entries.len() >= MAX_CACHED_USERS {
                    entries.clear();
                }
                entries.insert(id, Cached { user: user.clone(), generation, fetched: Instant::now() });
            }
            None => {
                entries.remove(&id);
            }
        }
        Ok(found)
    }
}

/// PostgreSQL's per-instance memory of who holds which token, for requests that only
/// record events. Other instances can change a user at any time, so what it returns is
/// never trusted alone: the event write confirms the credential under the user's row lock
/// (`store::pg::PgTxn::confirms`). The user row it keeps (for the answer's display
/// fields, such as the time zone) may lag another instance's change by `ttl`.
pub struct TrustCache {
    ttl: Duration,
    users: Mutex<HashMap<i32, (user::Model, Instant)>>,
    devices: Mutex<HashMap<String, device_token::Model>>,
}

impl TrustCache {
    pub fn new(ttl: Duration) -> Self {
        TrustCache { ttl, users: Mutex::new(HashMap::new()), devices: Mutex::new(HashMap::new()) }
    }

    pub fn user(&self, id: i32) -> Option<user::Model> {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.get(&id).filter(|(_, fetched)| fetched.elapsed() < self.ttl).map(|(user, _)| user.clone())
    }

    pub fn keep_user(&self, user: &user::Model) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if users.len() >= MAX_CACHED_USERS {
            users.clear();
        }
        users.insert(user.id, (user.clone(), Instant::now()));
    }

    /// The device token with this hash, while its `last_used_at` needs no update (within
    /// a minute of `now`; the full path writes it).
    pub fn device(&self, token_hash: &str, now: DateTime<Utc>) -> Option<device_token::Model> {
        let devices = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        devices.get(token_hash).filter(|d| d.last_used_at.is_some_and(|at| now - at <= chrono::Duration::minutes(1))).cloned()
    }

    /// Remembers a device token `devices::authenticate` returned at `now` (it stored `now`
    /// as `last_used_at` when the one it read was over a minute old).
    pub fn keep_device(&self, device: &device_token::Model, now: DateTime<Utc>) {
        let mut devices = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        if devices.len() >= MAX_CACHED_USERS {
            devices.clear();
        }
        let last_used_at = match device.last_used_at {
            Some(at) if now - at <= chrono::Duration::minutes(1) => Some(at),
            _ => Some(now),
        };
        devices.insert(device.token_hash.clone(), device_token::Model { last_used_at, ..device.clone() });
    }
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_by_email(db: &impl ConnectionTrait, email: &str) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await?)
}

/// Revokes every JWT issued so far; returns the new version.
pub async fn bump_token_version(txn: &WriteTxn, id: i32) -> AppResult<i32> {
    let db: &DatabaseTransaction = txn;
    user::Entity::update_many()
        .col_expr(user::Column::TokenVersion, Expr::col(user::Column::TokenVersion).add(1))
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    changed();
    let user = find(db, id).await?.ok_or(AppError::Unauthenticated)?;
    Ok(user.token_version)
}

pub async fn save(txn: &WriteTxn, model: user::ActiveModel) -> AppResult<user::Model> {
    let db: &DatabaseTransaction = txn;
    let saved = model.update(db).await?;
    changed();
    Ok(saved)
}

pub async fn delete(txn: &WriteTxn, id: i32) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    user::Entity::delete_by_id(id).exec(db).await?;
    changed();
    Ok(())
}

pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<user::Model>> {
    use sea_orm::QueryOrder;
    Ok(user::Entity::find().order_by_asc(user::Column::Id).all(db).await?)
}
