//! Database connection, pragmas, migrations and the write gate.

use std::sync::Arc;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::AppResult;

/// The connection pool plus, on SQLite, a gate that lets one write transaction run at a
/// time inside this process, so writers queue in Rust instead of failing with
/// "database is locked".
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    write_gate: Option<Arc<Mutex<()>>>,
}

/// A write transaction holding the SQLite gate (if any) until it is dropped.
pub struct WriteTxn {
    pub txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> AppResult<()> {
        self.txn.commit().await?;
        Ok(())
    }
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        let sqlite = url.starts_with("sqlite:");
        if sqlite {
            options.max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
                    .create_if_missing(true)
            });
        } else {
            options.max_connections(20).min_connections(1);
        }
        let conn = Database::connect(options).await?;
        Ok(Db { conn, write_gate: sqlite.then(|| Arc::new(Mutex::new(()))) })
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// (open connections, idle connections) of the pool.
    pub fn pool_usage(&self) -> (u32, u32) {
        match self.backend() {
            DbBackend::Sqlite => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            DbBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            _ => (0, 0),
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    pub async fn begin_write(&self) -> AppResult<WriteTxn> {
        let gate = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        let txn = self.conn.begin().await?;
        if gate.is_some() {
            // Take SQLite's write lock now, as BEGIN IMMEDIATE would: a transaction that
            // reads first and writes later fails with SQLITE_BUSY_SNAPSHOT if a write
            // outside the gate (audit log, token bookkeeping) landed in between, whereas
            // waiting for the lock here is covered by the busy timeout.
            txn.execute_unprepared("UPDATE users SET event_seq = event_seq WHERE id = -1").await?;
        }
        Ok(WriteTxn { txn, _gate: gate })
    }
}
