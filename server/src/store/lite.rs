//! `EventTxn` on the SQLite writer's rusqlite connection, where each statement runs inline
//! instead of on a driver thread. The statements are built from the sea-orm entities, the
//! same queries `txn::SeaTxn` sends, and prepared once and cached by their text.

use rusqlite::Connection;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, ValueType};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, QueryTrait, Statement};

use super::txn::{EventRef, EventTxn, Settings, duplicate_raced, insertable};
use crate::db::rusqlite_exec::{self, column_value, execute, one};
use crate::entity::{event, question, session, user};
use crate::error::{AppError, AppResult};

/// The session columns an index covers. `update_session` writes them only when they change.
const SESSION_KEY_COLUMNS: [session::Column; 3] = [session::Column::UserId, session::Column::StartedAt, session::Column::IsActive];

fn sqlite(query: &impl QueryTrait) -> Statement {
    query.build(DbBackend::Sqlite)
}

/// The value of `column` in `row` as a Rust value.
fn typed<T: ValueType>(row: &rusqlite::Row, column: impl ColumnTrait) -> AppResult<T> {
    T::try_from(column_value(row, column)?).map_err(|_| AppError::internal(format_args!("column {}: unexpected type", column.as_str())))
}

/// The writer's connection inside a transaction the writer began.
pub struct LiteTxn<'a>(pub &'a mut Connection);

impl LiteTxn<'_> {
    fn event_ref(&self, statement: Statement) -> AppResult<Option<EventRef>> {
        Ok(one::<event::Entity>(self.0, &statement)?.map(super::txn::event_ref))
    }

    /// Inserts an active model; returns the new row's id.
    fn insert<A: ActiveModelTrait>(&self, model: A) -> AppResult<i32> {
        execute(self.0, &sqlite(&<A::Entity as EntityTrait>::insert(model)))?;
        <i32 as TryFrom<i64>>::try_from(self.0.last_insert_rowid()).map_err(AppError::internal)
    }
}

#[async_trait::async_trait]
impl EventTxn for LiteTxn<'_> {
    async fn lock_user(&mut self, user_id: i32) -> AppResult<Option<Settings>> {
        // The writer's transaction already holds SQLite's write lock, so a read is enough
        // (a write would add the users page to every commit).
        let query = user::Entity::find_by_id(user_id).select_only().columns([user::Column::TargetMs, user::Column::IdleTimeoutMinutes]);
        let found = rusqlite_exec::query(self.0, &sqlite(&query), |row| {
            Ok(Settings { target_ms: typed(row, user::Column::TargetMs)?, idle_timeout_minutes: typed(row, user::Column::IdleTimeoutMinutes)? })
        })?;
        Ok(found.into_iter().next())
    }

    async fn event_by_client_id(&mut self, user_id: i32, client_event_id: &str) -> AppResult<Option<EventRef>> {
        self.event_ref(sqlite(&super::txn::event_by_client_id(user_id, client_event_id)))
    }

    async fn latest_event(&mut self, user_id: i32) -> AppResult<Option<EventRef>> {
        self.event_ref(sqlite(&super::txn::latest_event(user_id)))
    }

    async fn session(&mut self, user_id: i32, id: i32) -> AppResult<Option<session::Model>> {
        one::<session::Entity>(self.0, &sqlite(&super::txn::session(user_id, id)))
    }

    async fn active_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        one::<session::Entity>(self.0, &sqlite(&super::txn::active_session(user_id)))
    }

    async fn latest_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        one::<session::Entity>(self.0, &sqlite(&super::txn::latest_session(user_id)))
    }

    async fn question(&mut self, user_id: i32, id: i32) -> AppResult<Option<question::Model>> {
        one::<question::Entity>(self.0, &sqlite(&super::txn::question(user_id, id)))
    }

    async fn last_question(&mut self, session_id: i32) -> AppResult<Option<question::Model>> {
        one::<question::Entity>(self.0, &sqlite(&super::txn::last_question(session_id)))
    }

    async fn insert_session(&mut self, row: session::Model) -> AppResult<session::Model> {
        let id = self.insert(insertable(row.clone().into_active_model(), session::Column::Id))?;
        Ok(session::Model { id, ..row })
    }

    async fn update_session(&mut self, row: &session::Model) -> AppResult<()> {
        // SQLite rewrites an index entry whenever a column it covers is in the SET list,
        // changed or not. The columns the indexes cover (user, start, active flag) rarely
        // change, so they get a statement of their own that only matches when they do:
        // most events then leave the session indexes' pages alone, and every page left
        // alone is 4 KB less to append to the WAL and sync.
        let mut rest = insertable(row.clone().into_active_model(), session::Column::Id);
        let mut keys = <session::ActiveModel as ActiveModelTrait>::default();
        let mut changed = Condition::any();
        for column in SESSION_KEY_COLUMNS {
            let value = rest.get(column).into_value().ok_or_else(|| AppError::internal("a session key column is not set"))?;
            rest.not_set(column);
            keys.set(column, value.clone());
            changed = changed.add(Expr::col(column).is_not(value));
        }
        let by_id = session::Entity::update_many().filter(session::Column::Id.eq(row.id));
        execute(self.0, &sqlite(&by_id.clone().set(rest)))?;
        execute(self.0, &sqlite(&by_id.set(keys).filter(changed)))?;
        Ok(())
    }

    async fn delete_session(&mut self, id: i32) -> AppResult<()> {
        execute(self.0, &sqlite(&session::Entity::delete_by_id(id)))?;
        Ok(())
    }

    async fn insert_question(&mut self, row: question::Model) -> AppResult<question::Model> {
        let id = self.insert(insertable(row.clone().into_active_model(), question::Column::Id))?;
        Ok(question::Model { id, ..row })
    }

    async fn delete_question_at(&mut self, session_id: i32, position: i32) -> AppResult<Vec<question::Model>> {
        let mut delete = super::txn::question_at(session_id, position).into_query();
        delete.returning_all();
        rusqlite_exec::query(self.0, &DbBackend::Sqlite.build(&delete), rusqlite_exec::model::<question::Entity>)
    }

    async fn insert_event(&mut self, row: event::Model) -> AppResult<()> {
        let model = insertable(row.into_active_model(), event::Column::Id);
        match execute(self.0, &sqlite(&event::Entity::insert(model))) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => Err(duplicate_raced()),
            Err(e) => Err(e.into()),
        }
    }
}
