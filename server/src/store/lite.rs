//! `EventTxn` on the SQLite writer's rusqlite connection, where each statement runs inline
//! instead of on a driver thread. Every statement is built once per process from the
//! sea-orm entities (the selects are the very queries `txn::SeaTxn` sends, with numbered
//! placeholders), prepared once, and only bound per event: building SQL per statement
//! tripled the writer's cost per event.

use std::sync::LazyLock;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, QueryStatementWriter, SqliteQueryBuilder, ValueType};
use sea_orm::{ColumnTrait, EntityTrait, IdenStatic, Iterable, QueryFilter, QuerySelect, QueryTrait};

use super::txn::{self, EventRef, EventTxn, Settings, duplicate_raced, is};
use crate::db::rusqlite_exec::{self, execute, one, value_at, values};
use crate::entity::{event, question, session, user};
use crate::error::{AppError, AppResult};

/// The session columns an index covers. `update_session` writes them only when they change.
const SESSION_KEY_COLUMNS: [session::Column; 3] = [session::Column::UserId, session::Column::StartedAt, session::Column::IsActive];

/// The numbered placeholder `?n` (1-based), as an expression sea-query writes verbatim.
fn arg(n: usize) -> Expr {
    Expr::cust(format!("?{n}"))
}

fn sql(query: impl QueryTrait<QueryStatement: QueryStatementWriter>) -> String {
    query.into_query().to_string(SqliteQueryBuilder)
}

/// Every column of `E` but `skip`, in the entity's order.
fn columns_but<E: EntityTrait>(skip: E::Column) -> Vec<E::Column> {
    E::Column::iter().filter(|c| c.as_str() != skip.as_str()).collect()
}

/// `INSERT INTO e (columns…) VALUES (?1, ?2, …)`.
fn insert_sql<E: EntityTrait>(columns: &[E::Column]) -> String {
    Query::insert().into_table(E::default()).columns(columns.iter().copied()).values_panic((1..=columns.len()).map(arg)).to_string(SqliteQueryBuilder)
}

/// An insert of every column but the id, with its columns in bind order.
struct Insert<E: EntityTrait> {
    sql: String,
    columns: Vec<E::Column>,
}

impl<E: EntityTrait> Insert<E> {
    fn new(id: E::Column) -> Self {
        let columns = columns_but::<E>(id);
        Insert { sql: insert_sql::<E>(&columns), columns }
    }

    /// Inserts `row` (its id is ignored); returns the new row's id.
    fn run(&self, conn: &Connection, row: &E::Model) -> rusqlite::Result<i32> {
        let values = values(row, &self.columns).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.to_string().into()))?;
        execute(conn, &self.sql, rusqlite::params_from_iter(values))?;
        <i32 as TryFrom<i64>>::try_from(conn.last_insert_rowid()).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
    }
}

/// The writer's statements, built once.
struct Statements {
    lock_user: String,
    event_by_client_id: String,
    latest_event: String,
    session: String,
    active_session: String,
    latest_session: String,
    question: String,
    last_question: String,
    delete_question_at: String,
    insert_session: Insert<session::Entity>,
    insert_question: Insert<question::Entity>,
    insert_event: Insert<event::Entity>,
    /// Sets every session column but the id and the keys (`?1…`), by id (the last placeholder).
    update_session_rest: String,
    session_rest_columns: Vec<session::Column>,
    /// Sets the key columns (`?1…?3`) by id (`?4`), only where one of them differs.
    update_session_keys: String,
}

static STATEMENTS: LazyLock<Statements> = LazyLock::new(|| {
    let rest: Vec<session::Column> =
        columns_but::<session::Entity>(session::Column::Id).into_iter().filter(|c| !SESSION_KEY_COLUMNS.iter().any(|k| k.as_str() == c.as_str())).collect();
    let mut update_rest = session::Entity::update_many();
    for (n, column) in rest.iter().enumerate() {
        update_rest = update_rest.col_expr(*column, arg(n + 1));
    }
    let mut update_keys = session::Entity::update_many();
    let mut changed = Condition::any();
    for (n, column) in SESSION_KEY_COLUMNS.into_iter().enumerate() {
        update_keys = update_keys.col_expr(column, arg(n + 1));
        changed = changed.add(Expr::col(column).is_not(arg(n + 1)));
    }
    let mut delete_question_at = txn::question_at(arg(1), arg(2)).into_query();
    delete_question_at.returning(Query::returning().columns(question::Column::iter()));
    Statements {
        lock_user: sql(user::Entity::find()
            .select_only()
            .columns([user::Column::TargetMs, user::Column::IdleTimeoutMinutes])
            .filter(is(user::Column::Id, arg(1)))),
        event_by_client_id: sql(txn::event_by_client_id(arg(1), arg(2))),
        latest_event: sql(txn::latest_event(arg(1))),
        session: sql(txn::session(arg(1), arg(2))),
        active_session: sql(txn::active_session(arg(1))),
        latest_session: sql(txn::latest_session(arg(1))),
        question: sql(txn::question(arg(1), arg(2))),
        last_question: sql(txn::last_question(arg(1))),
        delete_question_at: delete_question_at.to_string(SqliteQueryBuilder),
        insert_session: Insert::new(session::Column::Id),
        insert_question: Insert::new(question::Column::Id),
        insert_event: Insert::new(event::Column::Id),
        update_session_rest: sql(update_rest.filter(is(session::Column::Id, arg(rest.len() + 1)))),
        session_rest_columns: rest,
        update_session_keys: sql(update_keys.filter(is(session::Column::Id, arg(SESSION_KEY_COLUMNS.len() + 1))).filter(changed)),
    }
});

/// The value at `index` in `row` as a Rust value.
fn typed<T: ValueType>(row: &rusqlite::Row, index: usize, column: impl ColumnTrait) -> AppResult<T> {
    T::try_from(value_at(row, index, column)?).map_err(|_| AppError::internal(format_args!("column {}: unexpected type", column.as_str())))
}

/// The writer's connection inside a transaction the writer began.
pub struct LiteTxn<'a>(pub &'a mut Connection);

impl LiteTxn<'_> {
    fn event_ref(&self, sql: &str, params: impl rusqlite::Params) -> AppResult<Option<EventRef>> {
        Ok(one::<event::Entity>(self.0, sql, params)?.map(txn::event_ref))
    }
}

#[async_trait::async_trait]
impl EventTxn for LiteTxn<'_> {
    async fn lock_user(&mut self, user_id: i32) -> AppResult<Option<Settings>> {
        // The writer's transaction already holds SQLite's write lock, so a read is enough
        // (a write would add the users page to every commit).
        let found = rusqlite_exec::query(self.0, &STATEMENTS.lock_user, params![user_id], |row| {
            Ok(Settings { target_ms: typed(row, 0, user::Column::TargetMs)?, idle_timeout_minutes: typed(row, 1, user::Column::IdleTimeoutMinutes)? })
        })?;
        Ok(found.into_iter().next())
    }

    async fn event_by_client_id(&mut self, user_id: i32, client_event_id: &str) -> AppResult<Option<EventRef>> {
        self.event_ref(&STATEMENTS.event_by_client_id, params![user_id, client_event_id])
    }

    async fn latest_event(&mut self, user_id: i32) -> AppResult<Option<EventRef>> {
        self.event_ref(&STATEMENTS.latest_event, params![user_id])
    }

    async fn session(&mut self, user_id: i32, id: i32) -> AppResult<Option<session::Model>> {
        one::<session::Entity>(self.0, &STATEMENTS.session, params![user_id, id])
    }

    async fn active_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        one::<session::Entity>(self.0, &STATEMENTS.active_session, params![user_id])
    }

    async fn latest_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        one::<session::Entity>(self.0, &STATEMENTS.latest_session, params![user_id])
    }

    async fn question(&mut self, user_id: i32, id: i32) -> AppResult<Option<question::Model>> {
        one::<question::Entity>(self.0, &STATEMENTS.question, params![user_id, id])
    }

    async fn last_question(&mut self, session_id: i32) -> AppResult<Option<question::Model>> {
        one::<question::Entity>(self.0, &STATEMENTS.last_question, params![session_id])
    }

    async fn insert_session(&mut self, row: session::Model) -> AppResult<session::Model> {
        let id = STATEMENTS.insert_session.run(self.0, &row)?;
        Ok(session::Model { id, ..row })
    }

    async fn update_session(&mut self, row: &session::Model) -> AppResult<()> {
        // SQLite rewrites an index entry whenever a column it covers is in the SET list,
        // changed or not. The columns the indexes cover (user, start, active flag) rarely
        // change, so they get a statement of their own that only matches when they do:
        // most events then leave the session indexes' pages alone, and every page left
        // alone is 4 KB less to append to the WAL and sync.
        let statements = &*STATEMENTS;
        let mut rest = values(row, &statements.session_rest_columns)?;
        rest.push(SqlValue::Integer(row.id.into()));
        execute(self.0, &statements.update_session_rest, rusqlite::params_from_iter(rest))?;
        let mut keys = values(row, &SESSION_KEY_COLUMNS)?;
        keys.push(SqlValue::Integer(row.id.into()));
        execute(self.0, &statements.update_session_keys, rusqlite::params_from_iter(keys))?;
        Ok(())
    }

    async fn delete_session(&mut self, id: i32) -> AppResult<()> {
        static DELETE: LazyLock<String> = LazyLock::new(|| sql(session::Entity::delete_many().filter(is(session::Column::Id, arg(1)))));
        execute(self.0, &DELETE, params![id])?;
        Ok(())
    }

    async fn insert_question(&mut self, row: question::Model) -> AppResult<question::Model> {
        let id = STATEMENTS.insert_question.run(self.0, &row)?;
        Ok(question::Model { id, ..row })
    }

    async fn delete_question_at(&mut self, session_id: i32, position: i32) -> AppResult<Vec<question::Model>> {
        rusqlite_exec::query(self.0, &STATEMENTS.delete_question_at, params![session_id, position], rusqlite_exec::model::<question::Entity>)
    }

    async fn insert_event(&mut self, row: event::Model) -> AppResult<()> {
        match STATEMENTS.insert_event.run(self.0, &row) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => Err(duplicate_raced()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins what the writer sends, so a change to a shared query or an entity shows up here
    /// as SQL a reviewer can read (the lib test in `events` checks the rows it writes).
    #[test]
    fn statements_are_the_shared_queries_with_numbered_placeholders() {
        // sea-query puts a custom expression in brackets: `= (?1)`.
        let plain = |sql: &str| (1..=30).fold(sql.to_owned(), |sql, n| sql.replace(&format!("(?{n})"), &format!("?{n}")));
        let s = &*STATEMENTS;
        assert_eq!(
            plain(&s.active_session),
            format!(
                r#"SELECT {} FROM "sessions" WHERE "sessions"."user_id" = ?1 AND "sessions"."is_active" = TRUE LIMIT 1"#,
                session::Column::iter().map(|c| format!(r#""sessions"."{}""#, c.as_str())).collect::<Vec<_>>().join(", ")
            )
        );
        assert!(
            plain(&s.event_by_client_id).ends_with(r#"WHERE "events"."user_id" = ?1 AND "events"."client_event_id" = ?2 LIMIT 1"#),
            "{}",
            s.event_by_client_id
        );
        assert!(
            plain(&s.update_session_keys).contains(r#"SET "user_id" = ?1, "started_at" = ?2, "is_active" = ?3 WHERE "sessions"."id" = ?4"#),
            "{}",
            s.update_session_keys
        );
        let placeholders = s.insert_event.sql.matches('?').count();
        assert_eq!(placeholders, event::Column::iter().count() - 1, "every column but the id is bound: {}", s.insert_event.sql);
        assert!(s.delete_question_at.contains("RETURNING"), "{}", s.delete_question_at);
    }
}
