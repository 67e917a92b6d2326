//! A PostgreSQL connection that an event worker keeps for itself. Two things come from
//! keeping it instead of taking one from the pool for each group:
//! - several statements go in one message (`script`), so a group's transaction costs two
//!   round trips instead of six; values travel as quoted literals (`literal`), and the hot
//!   statements are prepared once per connection and run with `EXECUTE`;
//! - no ping each time the connection goes back to the pool.
//!
//! It also implements sea-orm's `ConnectionTrait`, so the rarer reads and writes of an event
//! run on it, inside the group's transaction, as ordinary prepared statements.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::{PgPool, Postgres};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, Either};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

/// A connection idle this long is pinged before use: the network may have dropped it.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(30);

pub struct WorkerConn {
    held: Mutex<Held>,
}

struct Held {
    conn: PoolConnection<Postgres>,
    last_used: Instant,
}

impl WorkerConn {
    /// Takes a connection from `pool` for good. It is closed when dropped, never handed
    /// back: it may be inside a transaction the pool knows nothing about, and it holds this
    /// worker's prepared statements.
    pub async fn acquire(pool: &PgPool) -> Result<Self, DbErr> {
        let mut conn = pool.acquire().await.map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))))?;
        conn.close_on_drop();
        Ok(WorkerConn { held: Mutex::new(Held { conn, last_used: Instant::now() }) })
    }

    /// Whether the connection still answers, when it sat idle long enough to doubt it.
    pub async fn is_alive(&self) -> bool {
        let mut held = self.held.lock().await;
        held.last_used.elapsed() < CHECK_AFTER_IDLE || held.conn.ping().await.is_ok()
    }

    /// Sends `script` (statements separated by `;`, values written in as literals) in one
    /// message and returns the rows of each statement, in order. After an error the
    /// statements behind it did not run.
    pub async fn script(&self, script: String) -> Result<Vec<Vec<QueryResult>>, DbErr> {
        let mut conn = self.conn().await;
        let mut stream = sqlx::raw_sql(AssertSqlSafe(script)).fetch_many(&mut **conn);
        let mut statements = vec![Vec::new()];
        while let Some(item) = stream.try_next().await.map_err(query_err)? {
            match item {
                // Each statement's rows come before its completion.
                Either::Left(_) => statements.push(Vec::new()),
                Either::Right(row) => statements.last_mut().expect("never empty").push(row.into()),
            }
        }
        statements.pop();
        Ok(statements)
    }

    /// The connection, for one use now.
    async fn conn(&self) -> MappedMutexGuard<'_, PoolConnection<Postgres>> {
        let mut held = self.held.lock().await;
        held.last_used = Instant::now();
        MutexGuard::map(held, |held| &mut held.conn)
    }
}

/// Whether `error` means the connection is gone (closed by the network, or its backend
/// was shut down or terminated) rather than that PostgreSQL refused a statement on a
/// connection that still works. After a lost connection, what the server did with the last
/// message is unknown.
pub fn connection_lost(error: &DbErr) -> bool {
    let Some(e) = sqlx_error(error) else { return true };
    match e {
        // Class 08: connection exception; 57P: the backend is shutting down or was terminated.
        sqlx::Error::Database(db) => db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => true,
    }
}

/// The sqlx error inside a sea-orm error from a connection, a statement or a query, if any.
pub fn sqlx_error(error: &DbErr) -> Option<&sqlx::Error> {
    match error {
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Conn(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// `text` as a PostgreSQL string literal. The escape-string form (`E'…'`) reads the same
/// whatever `standard_conforming_strings` is set to. A NUL would end the protocol message
/// early, so it goes as the escape `\000`, which the server refuses (no string holds a NUL).
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 3);
    out.push_str("E'");
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\000"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

fn prepared(stmt: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = stmt.values.clone().unwrap_or(sea_orm::sea_query::Values(Vec::new()));
    sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

#[async_trait::async_trait]
impl ConnectionTrait for WorkerConn {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let mut conn = self.conn().await;
        prepared(&stmt).execute(&mut **conn).await.map(Into::into).map_err(exec_err)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let mut conn = self.conn().await;
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut **conn).await.map(Into::into).map_err(exec_err)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let mut conn = self.conn().await;
        prepared(&stmt).fetch_optional(&mut **conn).await.map(|row| row.map(Into::into)).map_err(query_err)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut conn = self.conn().await;
        let rows = prepared(&stmt).fetch_all(&mut **conn).await.map_err(query_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
