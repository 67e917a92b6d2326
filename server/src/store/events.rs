//! Recording one event: one short write transaction per event, serialised per user.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, SqlErr};

use super::{closed_question, open_session};
use crate::db::Db;
use crate::engine::{self, Closed, Command, Context, Effect, Exited, OpenSession};
use crate::entity::{event, question, session, user};
use crate::error::{AppError, AppResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Next,
    Pause,
    Exit,
    Undo,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Next => "NEXT",
            EventKind::Pause => "PAUSE",
            EventKind::Exit => "EXIT",
            EventKind::Undo => "UNDO",
        }
    }
}

/// A validated event as received.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub kind: EventKind,
    pub client_event_id: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub task_id: Option<String>,
    pub target_ms: Option<i64>,
}

/// What an applied (or replayed) event touched.
#[derive(Clone, Copy, Debug)]
pub struct Recorded {
    pub session_id: Option<i32>,
    /// The question the event closed, if any.
    pub question_id: Option<i32>,
    pub duplicate: bool,
}

pub async fn record(db: &Db, user_id: i32, new: &NewEvent, now: DateTime<Utc>) -> AppResult<Recorded> {
    let txn = db.begin_write().await?;
    // Taking the user's row first serialises this user's events: a row lock on
    // PostgreSQL, the write lock on SQLite.
    let locked = user::Entity::update_many()
        .col_expr(user::Column::EventSeq, Expr::col(user::Column::EventSeq).add(1))
        .filter(user::Column::Id.eq(user_id))
        .exec(&*txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(AppError::Unauthenticated);
    }
    let user = user::Entity::find_by_id(user_id).one(&*txn).await?.ok_or(AppError::Unauthenticated)?;
    // An event without a time happens when it is applied, not when it arrived: a request
    // that waited for the lock must not land before the one it waited for.
    let now = std::cmp::max(now, Utc::now());

    if let Some(client_id) = &new.client_event_id {
        let earlier = event::Entity::find()
            .filter(event::Column::UserId.eq(user_id))
            .filter(event::Column::ClientEventId.eq(client_id.as_str()))
            .one(&*txn)
            .await?;
        if let Some(earlier) = earlier {
            return Ok(Recorded { session_id: earlier.session_id, question_id: earlier.question_id, duplicate: true });
        }
    }

    let at = engine::truncate_to_ms(new.occurred_at.unwrap_or(now));
    let idle_timeout = Duration::minutes(i64::from(user.idle_timeout_minutes));
    let mut active = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::IsActive.eq(true))
        .one(&*txn)
        .await?;
    if let Some(stale) = active.as_ref().filter(|s| open_session(s).is_idle_at(at, idle_timeout)) {
        end_forgotten_session(&*txn, stale).await?;
        active = None;
    }

    let command = match new.kind {
        EventKind::Next => Command::Next { target_ms: new.target_ms, task_id: new.task_id.clone() },
        EventKind::Pause => Command::Pause,
        EventKind::Exit => Command::Exit,
        EventKind::Undo => Command::Undo,
    };
    let mut ctx = Context { default_target_ms: user.target_ms, idle_timeout, ..Default::default() };
    if let Some(row) = &active {
        ctx.open = Some(open_session(row));
        if new.kind == EventKind::Undo {
            ctx.last_closed = last_question(&*txn, row.id).await?.as_ref().map(closed_question);
        }
    } else if new.kind == EventKind::Next {
        ctx.floor = latest_session(&*txn, user_id).await?.map(|s| s.last_event_at);
    } else if new.kind == EventKind::Undo {
        if let Some((row, exited)) = undoable_exit(&*txn, user_id).await? {
            ctx.exited = Some(exited);
            // UNDO of an EXIT works on that ended session.
            active = Some(row);
        }
    }

    let effect = engine::apply(&ctx, &command, at, now)?;
    let (session_id, question_id) = persist(&*txn, user_id, active.as_ref(), effect).await?;

    let log = event::ActiveModel {
        user_id: Set(user_id),
        session_id: Set(session_id),
        question_id: Set(question_id),
        client_event_id: Set(new.client_event_id.clone()),
        kind: Set(new.kind.as_str().to_owned()),
        occurred_at: Set(at),
        received_at: Set(now),
        ..Default::default()
    };
    log.insert(&*txn).await.map_err(|e| match e.sql_err() {
        // Only possible if the per-user lock were bypassed; never double-count.
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::internal("duplicate clientEventId raced"),
        _ => AppError::Db(e),
    })?;
    txn.commit().await?;
    Ok(Recorded { session_id, question_id, duplicate: false })
}

/// Rule 9: a forgotten session ends at its last event; its open question, of unknown
/// length, is dropped.
async fn end_forgotten_session(db: &impl ConnectionTrait, row: &session::Model) -> AppResult<()> {
    let mut model: session::ActiveModel = row.clone().into();
    model.is_active = Set(false);
    model.ended_at = Set(Some(row.last_event_at));
    model.cur_started_at = Set(None);
    model.cur_pause_started_at = Set(None);
    model.cur_paused_ms = Set(0);
    model.update(db).await?;
    Ok(())
}

async fn last_question(db: &impl ConnectionTrait, session_id: i32) -> AppResult<Option<question::Model>> {
    Ok(question::Entity::find()
        .filter(question::Column::SessionId.eq(session_id))
        .order_by_desc(question::Column::Position)
        .one(db)
        .await?)
}

async fn latest_session(db: &impl ConnectionTrait, user_id: i32) -> AppResult<Option<session::Model>> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_desc(session::Column::StartedAt)
        .order_by_desc(session::Column::Id)
        .one(db)
        .await?)
}

/// The session an UNDO may reopen: the user's latest event was its EXIT, and it is still
/// the user's latest session.
async fn undoable_exit(db: &impl ConnectionTrait, user_id: i32) -> AppResult<Option<(session::Model, Exited)>> {
    let latest_event = event::Entity::find()
        .filter(event::Column::UserId.eq(user_id))
        .order_by_desc(event::Column::Id)
        .one(db)
        .await?;
    let Some(session_id) = latest_event.filter(|e| e.kind == EventKind::Exit.as_str()).and_then(|e| e.session_id) else {
        return Ok(None);
    };
    let Some(row) = latest_session(db, user_id).await?.filter(|s| s.id == session_id && !s.is_active) else {
        return Ok(None);
    };
    let Some(ended_at) = row.ended_at else { return Ok(None) };
    let last = last_question(db, row.id).await?.as_ref().map(closed_question);
    let exited = Exited { started_at: row.started_at, ended_at, last };
    Ok(Some((row, exited)))
}

/// Writes the effect to `row` (the session it concerns); returns the session and the closed question's ids.
async fn persist(
    db: &impl ConnectionTrait,
    user_id: i32,
    row: Option<&session::Model>,
    effect: Effect,
) -> AppResult<(Option<i32>, Option<i32>)> {
    match effect {
        Effect::Start(open) => {
            let mut model = session::ActiveModel {
                user_id: Set(user_id),
                started_at: Set(open.started_at),
                ended_at: Set(None),
                is_active: Set(true),
                ..Default::default()
            };
            set_running(&mut model, &open);
            let row = model.insert(db).await?;
            Ok((Some(row.id), None))
        }
        Effect::Advance { closed, open } => {
            let row = row.ok_or_else(|| AppError::internal("advance without session"))?;
            let question_id = insert_question(db, user_id, row.id, &closed).await?;
            let mut model: session::ActiveModel = row.clone().into();
            set_running(&mut model, &open);
            model.update(db).await?;
            Ok((Some(row.id), Some(question_id)))
        }
        Effect::Toggle(open) => {
            let row = row.ok_or_else(|| AppError::internal("pause without session"))?;
            let mut model: session::ActiveModel = row.clone().into();
            set_running(&mut model, &open);
            model.update(db).await?;
            Ok((Some(row.id), None))
        }
        Effect::End { closed, ended_at } => {
            let row = row.ok_or_else(|| AppError::internal("exit without session"))?;
            let question_id = insert_question(db, user_id, row.id, &closed).await?;
            let mut model: session::ActiveModel = row.clone().into();
            model.is_active = Set(false);
            model.ended_at = Set(Some(ended_at));
            model.last_event_at = Set(ended_at);
            model.cur_started_at = Set(None);
            model.cur_pause_started_at = Set(None);
            model.cur_paused_ms = Set(0);
            model.update(db).await?;
            Ok((Some(row.id), Some(question_id)))
        }
        Effect::Reopen { reopened, open } => {
            let row = row.ok_or_else(|| AppError::internal("undo without session"))?;
            delete_question_at(db, row.id, reopened).await?;
            let mut model: session::ActiveModel = row.clone().into();
            set_running(&mut model, &open);
            model.update(db).await?;
            Ok((Some(row.id), None))
        }
        Effect::Discard => {
            let row = row.ok_or_else(|| AppError::internal("discard without session"))?;
            session::Entity::delete_by_id(row.id).exec(db).await?;
            Ok((None, None))
        }
        Effect::Resume { reopened, open } => {
            let row = row.ok_or_else(|| AppError::internal("resume without session"))?;
            delete_question_at(db, row.id, reopened).await?;
            let mut model: session::ActiveModel = row.clone().into();
            model.is_active = Set(true);
            model.ended_at = Set(None);
            set_running(&mut model, &open);
            model.update(db).await?;
            Ok((Some(row.id), None))
        }
    }
}

fn set_running(model: &mut session::ActiveModel, open: &OpenSession) {
    let r = &open.running;
    model.last_event_at = Set(open.last_event_at);
    model.cur_index = Set(r.index);
    model.cur_started_at = Set(Some(r.started_at));
    model.cur_paused_ms = Set(r.paused_ms);
    model.cur_pause_started_at = Set(r.pause_started_at);
    model.cur_target_ms = Set(r.target_ms);
    model.cur_task_id = Set(r.task_id.clone());
}

async fn insert_question(db: &impl ConnectionTrait, user_id: i32, session_id: i32, closed: &Closed) -> AppResult<i32> {
    let model = question::ActiveModel {
        session_id: Set(session_id),
        user_id: Set(user_id),
        position: Set(closed.index),
        started_at: Set(closed.started_at),
        ended_at: Set(closed.ended_at),
        raw_ms: Set(closed.raw_ms()),
        paused_ms: Set(closed.paused_ms),
        active_ms: Set(closed.active_ms()),
        target_ms: Set(closed.target_ms),
        task_id: Set(closed.task_id.clone()),
        ..Default::default()
    };
    Ok(model.insert(db).await?.id)
}

async fn delete_question_at(db: &impl ConnectionTrait, session_id: i32, position: i32) -> AppResult<()> {
    question::Entity::delete_many()
        .filter(question::Column::SessionId.eq(session_id))
        .filter(question::Column::Position.eq(position))
        .exec(db)
        .await?;
    Ok(())
}
