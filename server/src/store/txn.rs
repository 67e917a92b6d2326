//! The reads and writes that recording an event needs inside its write transaction, so
//! the recording rules in `events` are written once over two implementations: sea-orm
//! (PostgreSQL) here, and rusqlite (the SQLite writer thread, where each statement runs
//! inline instead of on a driver thread) in `lite`. Both send the queries built below.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DatabaseTransaction, DeleteMany, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Select, SqlErr,
};

use crate::entity::{event, question, session, user};
use crate::error::{AppError, AppResult};

/// The user settings an event is applied with.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub target_ms: i64,
    pub idle_timeout_minutes: i32,
}

/// What an earlier event touched.
#[derive(Clone, Debug)]
pub struct EventRef {
    pub kind: event::EventKind,
    pub session_id: Option<i32>,
    pub question_id: Option<i32>,
}

#[async_trait::async_trait]
pub trait EventTxn: Send {
    /// Locks the user's row, which serialises their events on PostgreSQL, and reads their
    /// settings; None when the user is gone.
    async fn lock_user(&mut self, user_id: i32) -> AppResult<Option<Settings>>;
    async fn event_by_client_id(&mut self, user_id: i32, client_event_id: &str) -> AppResult<Option<EventRef>>;
    async fn latest_event(&mut self, user_id: i32) -> AppResult<Option<EventRef>>;
    async fn session(&mut self, user_id: i32, id: i32) -> AppResult<Option<session::Model>>;
    async fn active_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>>;
    async fn latest_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>>;
    async fn question(&mut self, user_id: i32, id: i32) -> AppResult<Option<question::Model>>;
    async fn last_question(&mut self, session_id: i32) -> AppResult<Option<question::Model>>;
    /// Inserts `row` (its id is ignored); returns it as stored.
    async fn insert_session(&mut self, row: session::Model) -> AppResult<session::Model>;
    /// Saves every column of `row`.
    async fn update_session(&mut self, row: &session::Model) -> AppResult<()>;
    async fn delete_session(&mut self, id: i32) -> AppResult<()>;
    /// Inserts `row` (its id is ignored); returns it as stored.
    async fn insert_question(&mut self, row: question::Model) -> AppResult<question::Model>;
    /// Deletes the session's question at `position`; returns what was deleted.
    async fn delete_question_at(&mut self, session_id: i32, position: i32) -> AppResult<Vec<question::Model>>;
    /// Inserts `row` (its id is ignored).
    async fn insert_event(&mut self, row: event::Model) -> AppResult<()>;
}

/// A credential the request took from this instance's cache without reading the database
/// (PostgreSQL, requests that only record events; see `http::identity`). The event write
/// confirms it under the user's row lock, so a revocation on any instance is seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A session token (JWT) of this token version.
    Session { token_version: i32 },
    /// This device token.
    Device { id: i32 },
}

/// A repeated client event id that got past the per-user lock: never double-count.
pub fn duplicate_raced() -> AppError {
    AppError::internal("duplicate clientEventId raced")
}

/// An active model that writes every column but the id, which the database assigns.
pub(super) fn insertable<A: ActiveModelTrait>(model: A, id: <A::Entity as EntityTrait>::Column) -> A {
    let mut model = model.reset_all();
    model.not_set(id);
    model
}

/// The plain implementation: each read and write a statement of its own, on `C` (a
/// transaction, or a worker connection inside one).
pub struct SeaTxn<'a, C = DatabaseTransaction>(pub &'a C);

#[async_trait::async_trait]
impl<C: ConnectionTrait + Send + Sync> EventTxn for SeaTxn<'_, C> {
    async fn lock_user(&mut self, user_id: i32) -> AppResult<Option<Settings>> {
        let locked = user::Entity::update_many()
            .col_expr(user::Column::EventSeq, Expr::col(user::Column::EventSeq).add(1))
            .filter(user::Column::Id.eq(user_id))
            .exec_with_returning(self.0)
            .await?;
        Ok(locked.into_iter().next().map(|u| Settings { target_ms: u.target_ms, idle_timeout_minutes: u.idle_timeout_minutes }))
    }

    async fn event_by_client_id(&mut self, user_id: i32, client_event_id: &str) -> AppResult<Option<EventRef>> {
        Ok(event_by_client_id(user_id, client_event_id).one(self.0).await?.map(event_ref))
    }

    async fn latest_event(&mut self, user_id: i32) -> AppResult<Option<EventRef>> {
        Ok(latest_event(user_id).one(self.0).await?.map(event_ref))
    }

    async fn session(&mut self, user_id: i32, id: i32) -> AppResult<Option<session::Model>> {
        Ok(session(user_id, id).one(self.0).await?)
    }

    async fn active_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        Ok(active_session(user_id).one(self.0).await?)
    }

    async fn latest_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        Ok(latest_session(user_id).one(self.0).await?)
    }

    async fn question(&mut self, user_id: i32, id: i32) -> AppResult<Option<question::Model>> {
        Ok(question(user_id, id).one(self.0).await?)
    }

    async fn last_question(&mut self, session_id: i32) -> AppResult<Option<question::Model>> {
        Ok(last_question(session_id).one(self.0).await?)
    }

    async fn insert_session(&mut self, row: session::Model) -> AppResult<session::Model> {
        Ok(insertable(row.into_active_model(), session::Column::Id).insert(self.0).await?)
    }

    async fn update_session(&mut self, row: &session::Model) -> AppResult<()> {
        let mut model = row.clone().into_active_model().reset_all();
        model.id = ActiveValue::Unchanged(row.id);
        session::Entity::update(model).exec(self.0).await?;
        Ok(())
    }

    async fn delete_session(&mut self, id: i32) -> AppResult<()> {
        session::Entity::delete_by_id(id).exec(self.0).await?;
        Ok(())
    }

    async fn insert_question(&mut self, row: question::Model) -> AppResult<question::Model> {
        Ok(insertable(row.into_active_model(), question::Column::Id).insert(self.0).await?)
    }

    async fn delete_question_at(&mut self, session_id: i32, position: i32) -> AppResult<Vec<question::Model>> {
        Ok(question_at(session_id, position).exec_with_returning(self.0).await?)
    }

    async fn insert_event(&mut self, row: event::Model) -> AppResult<()> {
        let model = insertable(row.into_active_model(), event::Column::Id);
        event::Entity::insert(model).exec_without_returning(self.0).await.map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => duplicate_raced(),
            _ => AppError::Db(e),
        })?;
        Ok(())
    }
}

// The queries both implementations send: `SeaTxn` with the arguments as values, `lite`
// once per process with numbered placeholders (`?1`) that it binds per call, so the SQLite
// writer never builds SQL on its hot path. `.one()` adds the LIMIT 1.

/// `column = arg` as sea-orm's `ColumnTrait::eq` writes it, for any expression `arg`.
pub(super) fn is<C: ColumnTrait>(column: C, arg: impl Into<Expr>) -> Expr {
    Expr::col(column.as_column_ref()).eq(column.save_as(arg.into()))
}

pub(super) fn event_by_client_id(user_id: impl Into<Expr>, client_event_id: impl Into<Expr>) -> Select<event::Entity> {
    event::Entity::find().filter(is(event::Column::UserId, user_id)).filter(is(event::Column::ClientEventId, client_event_id)).limit(1)
}

/// The user's latest event (UNDO reads it); public so a test can check its plan.
pub fn latest_event(user_id: impl Into<Expr>) -> Select<event::Entity> {
    events_in_id_order(user_id).order_by_desc(event::Column::Id).limit(1)
}

/// A user's events, for reading in id order through `ix_events_user_id`. That index is
/// partial on `id > 0` (true of every row) so that looking an event up by client id never
/// picks it; a query reaches it only by stating the condition, as a literal (a bound
/// parameter proves nothing to either database's planner).
pub(super) fn events_in_id_order(user_id: impl Into<Expr>) -> Select<event::Entity> {
    event::Entity::find().filter(is(event::Column::UserId, user_id)).filter(Expr::col((event::Entity, event::Column::Id)).gt(Expr::cust("0")))
}

pub(super) fn session(user_id: impl Into<Expr>, id: impl Into<Expr>) -> Select<session::Entity> {
    session::Entity::find().filter(is(session::Column::Id, id)).filter(is(session::Column::UserId, user_id))
}

pub(super) fn active_session(user_id: impl Into<Expr>) -> Select<session::Entity> {
    session::Entity::find().filter(is(session::Column::UserId, user_id)).filter(session::Column::IsActive.eq(true)).limit(1)
}

pub(super) fn latest_session(user_id: impl Into<Expr>) -> Select<session::Entity> {
    session::Entity::find().filter(is(session::Column::UserId, user_id)).order_by_desc(session::Column::StartedAt).order_by_desc(session::Column::Id).limit(1)
}

pub(super) fn question(user_id: impl Into<Expr>, id: impl Into<Expr>) -> Select<question::Entity> {
    question::Entity::find().filter(is(question::Column::Id, id)).filter(is(question::Column::UserId, user_id))
}

pub(super) fn last_question(session_id: impl Into<Expr>) -> Select<question::Entity> {
    question::Entity::find().filter(is(question::Column::SessionId, session_id)).order_by_desc(question::Column::Position).limit(1)
}

pub(super) fn question_at(session_id: impl Into<Expr>, position: impl Into<Expr>) -> DeleteMany<question::Entity> {
    question::Entity::delete_many().filter(is(question::Column::SessionId, session_id)).filter(is(question::Column::Position, position))
}

pub(super) fn event_ref(e: event::Model) -> EventRef {
    EventRef { kind: e.kind, session_id: e.session_id, question_id: e.question_id }
}
