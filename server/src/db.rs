//! Database connection, pragmas, migrations, the SQLite writer and the write gate.

mod pg_batch;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::AppResult;
pub use pg_batch::PgBatcher;
pub use writer::{TxnFuture, Writer};

/// The connection pool plus, on SQLite, a gate that lets one write transaction run at a
/// time inside this process, so writers queue in Rust instead of failing with
/// "database is locked", and the group-commit writer for the hot write path.
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    write_gate: Option<Arc<Mutex<()>>>,
    writer: Option<Writer>,
    /// PostgreSQL: the group-commit workers for events.
    pg_batcher: Option<PgBatcher>,
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
        // A request that read a user row between a write and this commit may have cached
        // the old row under the new generation; the users these transactions touch
        // (accounts, admin, import) are rare enough to drop the whole cache.
        crate::store::users::changed();
        Ok(())
    }
}

/// The PostgreSQL advisory lock key that serialises migrations ("rhtmigr" in ASCII).
const MIGRATION_LOCK: i64 = 0x0072_6874_6d69_6772;

/// `url` with any password replaced by `***`, for messages. The last `@` ends the user
/// part, so a password with an unescaped `/` or `@` is masked whole.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(30));
        let sqlite = url.starts_with("sqlite:");
        if !sqlite {
            options.max_connections(20).min_connections(1);
            // sqlx pings a connection at every checkout by default: a round trip for each
            // transaction and each query outside one. Only one idle long enough to have been
            // dropped by the network is worth checking.
            options.test_before_acquire_if_idle_for(Duration::from_secs(30));
            // Connections open when first needed: with TLS each costs a handshake, and the
            // start-up needs only one (migrations), not the pool's minimum up front.
            options.connect_lazy(true);
            // sea-orm quotes the whole URL when it can't parse it: mask the password.
            let conn = Database::connect(options).await.map_err(|e| anyhow::anyhow!(e.to_string().replace(url, &redacted(url))))?;
            let pg_batcher = Some(PgBatcher::start(conn.clone()));
            return Ok(Db { conn, write_gate: None, writer: None, pg_batcher });
        }
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .create_if_missing(true)
        });
        options.max_connections(8).min_connections(1);
        let conn = Database::connect(options).await?;
        // An in-memory database is private to its connection: no separate writer there.
        let path = SqliteConnectOptions::from_str(url)?.get_filename().to_owned();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory") || path.as_os_str().is_empty();
        let writer = if in_memory { None } else { Some(Writer::start(path).await?) };
        Ok(Db { conn, write_gate: Some(Arc::new(Mutex::new(()))), writer, pg_batcher: None })
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
        if self.backend() != DbBackend::Postgres {
            Migrator::up(&self.conn, None).await?;
            return Ok(());
        }
        // Instances starting together on one empty database would run the same migrations
        // at once and collide; a transaction-scoped advisory lock lets one run them while
        // the others wait and then find nothing left to do.
        let txn = self.conn.begin().await?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")).await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn begin_write(&self) -> AppResult<WriteTxn> {
        match &self.write_gate {
            Some(gate) => {
                let gate = gate.clone().lock_owned().await;
                Ok(WriteTxn { txn: begin_locked(&self.conn).await?, _gate: Some(gate) })
            }
            None => Ok(WriteTxn { txn: self.conn.begin().await?, _gate: None }),
        }
    }

    /// The SQLite writer thread (group commit), when this database has one.
    pub fn writer(&self) -> Option<&Writer> {
        self.writer.as_ref()
    }

    /// The PostgreSQL group-commit workers, on PostgreSQL.
    pub fn pg_batcher(&self) -> Option<&PgBatcher> {
        self.pg_batcher.as_ref()
    }
}

/// Begins a transaction that holds SQLite's write lock from the start, as BEGIN IMMEDIATE
/// would: one that read first and wrote later would fail with SQLITE_BUSY_SNAPSHOT if a
/// write from another connection (the writer thread, the audit log) landed in between,
/// whereas waiting for the lock here is covered by the busy timeout.
async fn begin_locked(conn: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    let txn = conn.begin().await?;
    txn.execute_unprepared("UPDATE users SET event_seq = event_seq WHERE id = -1").await?;
    Ok(txn)
}
