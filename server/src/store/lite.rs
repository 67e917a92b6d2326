//! `EventTxn` on a rusqlite connection, for the SQLite writer thread. The statements are
//! the ones sea-orm sends, prepared once and cached; times are stored in the same RFC 3339
//! text as sqlx writes them, so both drivers read and compare each other's rows.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::txn::{EventRef, EventTxn, Settings, duplicate_raced};
use crate::entity::{event, question, session};
use crate::error::{AppError, AppResult};

// Macros rather than consts so `concat!` builds each statement's text at compile time.
/// The columns the sessions indexes cover; `session_values` starts with them.
macro_rules! session_key_columns {
    () => {
        "user_id, started_at, is_active"
    };
}
const SESSION_KEY_COLUMNS: usize = 3;
/// The columns no index covers, in the order of `session_values` after the keys.
macro_rules! session_changing_columns {
    () => {
        "ended_at, last_event_at, cur_index, cur_started_at, cur_paused_ms, cur_pause_started_at, \
         cur_target_ms, cur_task_id, question_count, total_raw_ms, total_paused_ms, total_active_ms, total_target_ms, cur_task_type"
    };
}
/// Every column but the id, in the order of `session_values`.
macro_rules! session_written_columns {
    () => {
        concat!(session_key_columns!(), ", ", session_changing_columns!())
    };
}
macro_rules! session_columns {
    () => {
        concat!("id, ", session_written_columns!())
    };
}
macro_rules! question_columns {
    () => {
        "id, session_id, user_id, position, started_at, ended_at, raw_ms, paused_ms, active_ms, target_ms, task_id, task_type"
    };
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::internal(format_args!("sqlite: {e}"))
    }
}

/// Time as sqlx encodes a `DateTime<Utc>` for SQLite.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")).ok().map(|t| t.with_timezone(&Utc))
}

fn time(row: &Row, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(idx)?;
    parse_time(&text).ok_or_else(|| rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, format!("bad time {text:?}").into()))
}

fn optional_time(row: &Row, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(idx)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => time(row, idx).map(Some),
    }
}

fn session_row(row: &Row) -> rusqlite::Result<session::Model> {
    Ok(session::Model {
        id: row.get(0)?,
        user_id: row.get(1)?,
        started_at: time(row, 2)?,
        is_active: row.get(3)?,
        ended_at: optional_time(row, 4)?,
        last_event_at: time(row, 5)?,
        cur_index: row.get(6)?,
        cur_started_at: optional_time(row, 7)?,
        cur_paused_ms: row.get(8)?,
        cur_pause_started_at: optional_time(row, 9)?,
        cur_target_ms: row.get(10)?,
        cur_task_id: row.get(11)?,
        question_count: row.get(12)?,
        total_raw_ms: row.get(13)?,
        total_paused_ms: row.get(14)?,
        total_active_ms: row.get(15)?,
        total_target_ms: row.get(16)?,
        cur_task_type: row.get(17)?,
    })
}

fn session_values(row: &session::Model) -> Vec<Value> {
    vec![
        row.user_id.into(),
        time_text(row.started_at).into(),
        row.is_active.into(),
        row.ended_at.map(time_text).into(),
        time_text(row.last_event_at).into(),
        row.cur_index.into(),
        row.cur_started_at.map(time_text).into(),
        row.cur_paused_ms.into(),
        row.cur_pause_started_at.map(time_text).into(),
        row.cur_target_ms.into(),
        row.cur_task_id.clone().into(),
        row.question_count.into(),
        row.total_raw_ms.into(),
        row.total_paused_ms.into(),
        row.total_active_ms.into(),
        row.total_target_ms.into(),
        row.cur_task_type.clone().into(),
    ]
}

fn question_row(row: &Row) -> rusqlite::Result<question::Model> {
    Ok(question::Model {
        id: row.get(0)?,
        session_id: row.get(1)?,
        user_id: row.get(2)?,
        position: row.get(3)?,
        started_at: time(row, 4)?,
        ended_at: time(row, 5)?,
        raw_ms: row.get(6)?,
        paused_ms: row.get(7)?,
        active_ms: row.get(8)?,
        target_ms: row.get(9)?,
        task_id: row.get(10)?,
        task_type: row.get(11)?,
    })
}

fn event_ref(row: &Row) -> rusqlite::Result<EventRef> {
    Ok(EventRef { kind: row.get(0)?, session_id: row.get(1)?, question_id: row.get(2)? })
}

/// The writer's connection inside a transaction the writer began.
pub struct LiteTxn<'a>(pub &'a mut Connection);

impl LiteTxn<'_> {
    fn one<T>(&self, sql: &str, params: impl rusqlite::Params, map: impl FnOnce(&Row) -> rusqlite::Result<T>) -> AppResult<Option<T>> {
        Ok(self.0.prepare_cached(sql)?.query_row(params, map).optional()?)
    }
}

#[async_trait::async_trait]
impl EventTxn for LiteTxn<'_> {
    async fn lock_user(&mut self, user_id: i32) -> AppResult<Option<Settings>> {
        // The writer's transaction already holds SQLite's write lock, so a read is enough
        // (a write would add the users page to every commit).
        self.one("SELECT target_ms, idle_timeout_minutes FROM users WHERE id = ?1", params![user_id], |r| {
            Ok(Settings { target_ms: r.get(0)?, idle_timeout_minutes: r.get(1)? })
        })
    }

    async fn event_by_client_id(&mut self, user_id: i32, client_event_id: &str) -> AppResult<Option<EventRef>> {
        self.one(
            "SELECT kind, session_id, question_id FROM events WHERE user_id = ?1 AND client_event_id = ?2 LIMIT 1",
            params![user_id, client_event_id],
            event_ref,
        )
    }

    async fn latest_event(&mut self, user_id: i32) -> AppResult<Option<EventRef>> {
        self.one("SELECT kind, session_id, question_id FROM events WHERE user_id = ?1 ORDER BY id DESC LIMIT 1", params![user_id], event_ref)
    }

    async fn session(&mut self, user_id: i32, id: i32) -> AppResult<Option<session::Model>> {
        self.one(concat!("SELECT ", session_columns!(), " FROM sessions WHERE id = ?1 AND user_id = ?2"), params![id, user_id], session_row)
    }

    async fn active_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        self.one(concat!("SELECT ", session_columns!(), " FROM sessions WHERE user_id = ?1 AND is_active = 1 LIMIT 1"), params![user_id], session_row)
    }

    async fn latest_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        self.one(
            concat!("SELECT ", session_columns!(), " FROM sessions WHERE user_id = ?1 ORDER BY started_at DESC, id DESC LIMIT 1"),
            params![user_id],
            session_row,
        )
    }

    async fn question(&mut self, user_id: i32, id: i32) -> AppResult<Option<question::Model>> {
        self.one(concat!("SELECT ", question_columns!(), " FROM questions WHERE id = ?1 AND user_id = ?2"), params![id, user_id], question_row)
    }

    async fn last_question(&mut self, session_id: i32) -> AppResult<Option<question::Model>> {
        self.one(
            concat!("SELECT ", question_columns!(), " FROM questions WHERE session_id = ?1 ORDER BY position DESC LIMIT 1"),
            params![session_id],
            question_row,
        )
    }

    async fn insert_session(&mut self, row: session::Model) -> AppResult<session::Model> {
        let id: i32 = self
            .0
            .prepare_cached(concat!(
                "INSERT INTO sessions (",
                session_written_columns!(),
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) RETURNING id"
            ))?
            .query_row(params_from_iter(session_values(&row)), |r| r.get(0))?;
        Ok(session::Model { id, ..row })
    }

    async fn update_session(&mut self, row: &session::Model) -> AppResult<()> {
        // SQLite rewrites an index entry whenever a column it covers is in the SET list,
        // changed or not. The columns the indexes cover (user, start, active flag) rarely
        // change, so they get a statement of their own that only matches when they do:
        // most events then leave the session indexes' pages alone, and every page left
        // alone is 4 KB less to append to the WAL and sync.
        let values = session_values(row);
        let (keys, rest) = values.split_at(SESSION_KEY_COLUMNS);
        self.0
            .prepare_cached(concat!(
                "UPDATE sessions SET (",
                session_changing_columns!(),
                ") = (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) WHERE id = ?15"
            ))?
            .execute(params_from_iter(rest.iter().chain([&Value::from(row.id)])))?;
        self.0
            .prepare_cached(concat!(
                "UPDATE sessions SET (",
                session_key_columns!(),
                ") = (?1, ?2, ?3) WHERE id = ?4 ",
                "AND (user_id IS NOT ?1 OR started_at IS NOT ?2 OR is_active IS NOT ?3)"
            ))?
            .execute(params_from_iter(keys.iter().chain([&Value::from(row.id)])))?;
        Ok(())
    }

    async fn delete_session(&mut self, id: i32) -> AppResult<()> {
        self.0.prepare_cached("DELETE FROM sessions WHERE id = ?1")?.execute(params![id])?;
        Ok(())
    }

    async fn insert_question(&mut self, row: question::Model) -> AppResult<question::Model> {
        let id: i32 = self
            .0
            .prepare_cached(
                "INSERT INTO questions (session_id, user_id, position, started_at, ended_at, raw_ms, paused_ms, active_ms, target_ms, task_id, task_type) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            )?
            .query_row(
                params![
                    row.session_id,
                    row.user_id,
                    row.position,
                    time_text(row.started_at),
                    time_text(row.ended_at),
                    row.raw_ms,
                    row.paused_ms,
                    row.active_ms,
                    row.target_ms,
                    row.task_id,
                    row.task_type,
                ],
                |r| r.get(0),
            )?;
        Ok(question::Model { id, ..row })
    }

    async fn delete_question_at(&mut self, session_id: i32, position: i32) -> AppResult<Vec<question::Model>> {
        let mut statement =
            self.0.prepare_cached(concat!("DELETE FROM questions WHERE session_id = ?1 AND position = ?2 RETURNING ", question_columns!(), ""))?;
        let rows = statement.query_map(params![session_id, position], question_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    async fn insert_event(&mut self, row: event::Model) -> AppResult<()> {
        let inserted = self
            .0
            .prepare_cached(
                "INSERT INTO events (user_id, session_id, question_id, client_event_id, kind, occurred_at, received_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                row.user_id,
                row.session_id,
                row.question_id,
                row.client_event_id,
                row.kind,
                time_text(row.occurred_at),
                time_text(row.received_at),
            ]);
        match inserted {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => Err(duplicate_raced()),
            Err(e) => Err(e.into()),
        }
    }
}
