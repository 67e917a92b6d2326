//! The per-user dump (`export` / `import` on the command line): its format, the reads that
//! fill it and the write that loads one back.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::entity::{event, question, session, user};
use crate::error::{AppError, AppResult};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserDump {
    pub format: String,
    pub exported_at: DateTime<Utc>,
    pub user: UserRecord,
    pub sessions: Vec<SessionRecord>,
    pub events: Vec<EventRecord>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserRecord {
    pub email: String,
    /// The argon2 hash, so the account can sign in after a restore.
    pub password_hash: String,
    pub role: String,
    pub timezone: String,
    pub target_ms: i64,
    pub idle_timeout_minutes: i32,
    pub weekly_goal_hours: f64,
    pub week_starts_on: i16,
    pub created_at: DateTime<Utc>,
    /// Pay settings; absent in dumps from before the toolkit (the defaults then apply).
    #[serde(default)]
    pub pay_basis: Option<String>,
    #[serde(default)]
    pub hourly_rate: Option<f64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub daily_cap_hours: Option<f64>,
    #[serde(default)]
    pub weekly_cap_hours: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub is_active: bool,
    pub last_event_at: DateTime<Utc>,
    pub cur_index: i32,
    pub cur_started_at: Option<DateTime<Utc>>,
    pub cur_paused_ms: i64,
    pub cur_pause_started_at: Option<DateTime<Utc>>,
    pub cur_target_ms: i64,
    pub cur_task_id: Option<String>,
    #[serde(default)]
    pub cur_task_type: Option<String>,
    pub questions: Vec<QuestionRecord>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QuestionRecord {
    pub index: i32,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub raw_ms: i64,
    pub paused_ms: i64,
    pub active_ms: i64,
    pub target_ms: i64,
    pub task_id: Option<String>,
    #[serde(default)]
    pub task_type: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    pub client_event_id: Option<String>,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// Start of the session the event applied to, if it still exists.
    pub session_started_at: Option<DateTime<Utc>>,
}

/// What an import added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub sessions: u32,
    pub questions: u32,
    pub events: u32,
}

/// The account with `email` and every session, question and event it owns, in order.
pub async fn everything_of(
    db: &impl ConnectionTrait,
    email: &str,
) -> AppResult<Option<(user::Model, Vec<session::Model>, Vec<question::Model>, Vec<event::Model>)>> {
    let Some(u) = user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await? else { return Ok(None) };
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.eq(u.id))
        .order_by_asc(session::Column::StartedAt)
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?;
    let questions = question::Entity::find()
        .filter(question::Column::UserId.eq(u.id))
        .order_by_asc(question::Column::SessionId)
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?;
    let events = super::txn::events_in_id_order(u.id).order_by_asc(event::Column::Id).all(db).await?;
    Ok(Some((u, sessions, questions, events)))
}

/// Loads a dump in one write: the account is matched by email (created if missing),
/// sessions by start time and events by `clientEventId`, so a second import adds nothing.
pub async fn import(db: &Db, dump: &UserDump) -> AppResult<Imported> {
    let txn = db.begin_write().await?;
    let r = &dump.user;
    let existing = user::Entity::find().filter(user::Column::Email.eq(r.email.as_str())).one(&*txn).await?;
    let user_id = match existing {
        Some(u) => u.id,
        None => {
            user::ActiveModel {
                email: Set(r.email.clone()),
                password_hash: Set(r.password_hash.clone()),
                role: Set(user::Role::try_from_value(&r.role).map_err(|_| AppError::bad_input(format!("unknown role {:?}", r.role)))?),
                is_active: Set(true),
                token_version: Set(0),
                event_seq: Set(0),
                timezone: Set(r.timezone.clone()),
                target_ms: Set(r.target_ms),
                idle_timeout_minutes: Set(r.idle_timeout_minutes),
                weekly_goal_hours: Set(r.weekly_goal_hours),
                week_starts_on: Set(r.week_starts_on),
                created_at: Set(r.created_at),
                pay_basis: Set(crate::pay::PayBasis::parse(r.pay_basis.as_deref().unwrap_or("AET")).as_str().to_owned()),
                hourly_rate: Set(r.hourly_rate),
                currency: Set(r.currency.as_deref().and_then(crate::pay::Currency::find).map_or(crate::pay::DEFAULT_CURRENCY, |c| c.code).to_owned()),
                daily_cap_hours: Set(r.daily_cap_hours),
                weekly_cap_hours: Set(r.weekly_cap_hours),
                ..Default::default()
            }
            .insert(&*txn)
            .await?
            .id
        }
    };
    let has_active = session::Entity::find().filter(session::Column::UserId.eq(user_id)).filter(session::Column::IsActive.eq(true)).one(&*txn).await?.is_some();
    let mut added = Imported::default();
    for s in &dump.sessions {
        let found = session::Entity::find().filter(session::Column::UserId.eq(user_id)).filter(session::Column::StartedAt.eq(s.started_at)).one(&*txn).await?;
        if found.is_some() {
            continue;
        }
        // Never two active sessions: an imported running session ends at its last event.
        let active = s.is_active && !has_active;
        let row = session::ActiveModel {
            user_id: Set(user_id),
            started_at: Set(s.started_at),
            ended_at: Set(if s.is_active && !active { Some(s.last_event_at) } else { s.ended_at }),
            is_active: Set(active),
            last_event_at: Set(s.last_event_at),
            cur_index: Set(s.cur_index),
            cur_started_at: Set(s.cur_started_at.filter(|_| active)),
            cur_paused_ms: Set(s.cur_paused_ms),
            cur_pause_started_at: Set(s.cur_pause_started_at.filter(|_| active)),
            cur_target_ms: Set(s.cur_target_ms),
            cur_task_id: Set(s.cur_task_id.clone()),
            cur_task_type: Set(s.cur_task_type.clone()),
            question_count: Set(s.questions.len() as i64),
            total_raw_ms: Set(s.questions.iter().map(|q| q.raw_ms).sum()),
            total_paused_ms: Set(s.questions.iter().map(|q| q.paused_ms).sum()),
            total_active_ms: Set(s.questions.iter().map(|q| q.active_ms).sum()),
            total_target_ms: Set(s.questions.iter().map(|q| q.target_ms).sum()),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        added.sessions += 1;
        for q in &s.questions {
            question::ActiveModel {
                session_id: Set(row.id),
                user_id: Set(user_id),
                position: Set(q.index),
                started_at: Set(q.started_at),
                ended_at: Set(q.ended_at),
                raw_ms: Set(q.raw_ms),
                paused_ms: Set(q.paused_ms),
                active_ms: Set(q.active_ms),
                target_ms: Set(q.target_ms),
                task_id: Set(q.task_id.clone()),
                task_type: Set(q.task_type.clone()),
                ..Default::default()
            }
            .insert(&*txn)
            .await?;
            added.questions += 1;
        }
    }
    for e in dump.events.iter().filter(|e| e.client_event_id.is_some()) {
        let seen = event::Entity::find()
            .filter(event::Column::UserId.eq(user_id))
            .filter(event::Column::ClientEventId.eq(e.client_event_id.clone()))
            .one(&*txn)
            .await?;
        if seen.is_some() {
            continue;
        }
        let session_id = match e.session_started_at {
            Some(at) => {
                session::Entity::find().filter(session::Column::UserId.eq(user_id)).filter(session::Column::StartedAt.eq(at)).one(&*txn).await?.map(|s| s.id)
            }
            None => None,
        };
        event::ActiveModel {
            user_id: Set(user_id),
            session_id: Set(session_id),
            question_id: Set(None),
            client_event_id: Set(e.client_event_id.clone()),
            kind: Set(event::EventKind::try_from_value(&e.kind).map_err(|_| AppError::bad_input(format!("unknown event kind {:?}", e.kind)))?),
            occurred_at: Set(e.occurred_at),
            received_at: Set(e.received_at),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        added.events += 1;
    }
    txn.commit().await?;
    Ok(added)
}
