//! Database connection, pragmas, migrations and, on SQLite, the single writer.

mod job;
mod pg_batch;
pub mod pg_conn;
pub mod pg_tls;
pub mod rusqlite_exec;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};

use crate::error::AppResult;
pub use job::TxnFuture;
pub use pg_batch::PgBatcher;
pub use pg_batch::{DEFAULT_WORKERS as DEFAULT_PG_EVENT_WORKERS, SHARED_WORKERS as SHARED_PG_EVENT_WORKERS};
use pg_tls::Tls;
pub use writer::{QueueLimits, Turn, Work, Writer};

/// The connection pool (reads, and PostgreSQL's writes) plus, on SQLite, the writer every
/// write goes through: events as jobs on its own connection, everything else as a sea-orm
/// transaction that holds the writer's turn (`begin_write`).
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    writer: Option<Writer>,
    /// An in-memory URL runs on a file in here, deleted with the last `Db` clone.
    _scratch: Option<Arc<tempfile::TempDir>>,
    /// PostgreSQL: the group-commit workers for events.
    pg_batcher: Option<PgBatcher>,
}

/// A write transaction. On SQLite it holds the writer's turn until it is dropped, so it is
/// the only write in progress: it never waits for SQLite's lock and never finds its read
/// snapshot outdated. Store functions that write take one of these, never the pool.
pub struct WriteTxn {
    pub txn: DatabaseTransaction,
    _turn: Option<Turn>,
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

/// The `application_name` of the event workers' PostgreSQL connections, so operators can
/// tell them apart in `pg_stat_activity`.
pub const EVENT_WORKERS_APPLICATION_NAME: &str = "raterhub-tracker event worker";

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

/// How the database is driven, beyond its URL.
#[derive(Clone, Copy, Debug)]
pub struct DbOptions {
    /// SQLite: the writer's queue (ignored on PostgreSQL).
    pub sqlite_queue: QueueLimits,
    /// PostgreSQL: event transactions in flight (ignored on SQLite).
    pub pg_event_workers: u16,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { sqlite_queue: QueueLimits::default(), pg_event_workers: DEFAULT_PG_EVENT_WORKERS }
    }
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with(url, DbOptions::default()).await
    }

    pub async fn connect_with(url: &str, db_options: DbOptions) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(30));
        if !url.starts_with("sqlite:") {
            let tls = pg_tls::choose(url, std::env::var("PGSSLMODE").ok().as_deref(), std::env::var("PGHOST").ok().as_deref());
            // sea-orm quotes the whole URL when it can't parse it: mask the password.
            return match Self::connect_postgres(options.clone(), tls, db_options.pg_event_workers).await {
                Err(e) if tls == Tls::PlainOnThisHost && pg_tls::refused_as_configured(&e) => {
                    tracing::info!("PostgreSQL refused a connection without TLS on this host; connecting with sqlx's default (sslmode=prefer) instead");
                    Self::connect_postgres(options, Tls::AsConfigured, db_options.pg_event_workers).await
                }
                result => result,
            }
            .map_err(|e| anyhow::anyhow!(e.to_string().replace(url, &redacted(url))));
        }
        // An in-memory database is private to its connection, and the writer needs one of
        // its own: "in memory" is a file in a temporary directory instead, with the same
        // single write path as any other.
        let path = SqliteConnectOptions::from_str(url)?.get_filename().to_owned();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory") || path.as_os_str().is_empty();
        let (path, scratch) = if in_memory {
            let dir = tempfile::Builder::new().prefix("rht-memory-").tempdir()?;
            (dir.path().join("memory.db"), Some(Arc::new(dir)))
        } else {
            (path, None)
        };
        let pool_url = if in_memory { format!("sqlite://{}?mode=rwc", path.display()) } else { url.to_owned() };
        let mut options = ConnectOptions::new(pool_url);
        options.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(30));
        options.map_sqlx_sqlite_opts(|o| {
            // The busy timeout only matters for another process (the `admin` CLI, a backup)
            // holding the file's lock: in this one, writes never meet (see `writer`).
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .create_if_missing(true)
        });
        // sqlx pings every connection it hands out by default: one more round trip to the
        // connection's thread before each read, for a file that can't drop off a network.
        options.max_connections(8).min_connections(1).test_before_acquire(false);
        let conn = Database::connect(options).await?;
        let writer = Some(Writer::start(path, db_options.sqlite_queue).await?);
        Ok(Db { conn, writer, _scratch: scratch, pg_batcher: None })
    }

    /// The pool and the event workers' pool. Without TLS the pool's first connection is
    /// opened here, so a server that wants TLS says so before start-up goes on.
    async fn connect_postgres(mut options: ConnectOptions, tls: Tls, workers: u16) -> Result<Self, sea_orm::DbErr> {
        let ssl = move |opts: PgConnectOptions| if tls == Tls::PlainOnThisHost { opts.ssl_mode(PgSslMode::Disable) } else { opts };
        options.max_connections(20).min_connections(1);
        // sqlx pings a connection at every checkout by default: a round trip for each
        // transaction and each query outside one. Only one idle long enough to have been
        // dropped by the network is worth checking.
        options.test_before_acquire_if_idle_for(Duration::from_secs(30));
        // Connections open when first needed: with TLS each costs a handshake, and the
        // start-up needs only one (migrations), not the pool's minimum up front.
        options.connect_lazy(true);
        options.map_sqlx_postgres_opts(ssl);
        // The event workers get connections of their own, one each, so their prepared
        // statements stay warm on a few backends instead of being parsed and planned
        // again on every connection of the pool. Their statements read rows by key
        // whatever the parameters, so the plan is made once (generic), not at every
        // bind: measured, planning was a sixth of PostgreSQL's time per group.
        let mut batch_options = options.clone();
        batch_options.max_connections(u32::from(workers)).min_connections(0).map_sqlx_postgres_opts(move |opts| {
            ssl(opts).options([("plan_cache_mode", "force_generic_plan")]).application_name(EVENT_WORKERS_APPLICATION_NAME)
        });
        let conn = Database::connect(options).await?;
        if tls == Tls::PlainOnThisHost {
            conn.ping().await?;
        }
        let batch_conn = Database::connect(batch_options).await?;
        let db = Db { conn, writer: None, _scratch: None, pg_batcher: Some(PgBatcher::start(batch_conn, workers)) };
        db.settle().await;
        Ok(db)
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
        if let Some(writer) = &self.writer {
            let _turn = writer.turn().await?;
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
        self.settle().await;
        Ok(())
    }

    /// Waits (a few milliseconds at most) until the pool has an idle connection again.
    /// sqlx hands a connection back from a spawned task, after a ping; a query made before
    /// that opens a second connection, which on PostgreSQL is a TLS handshake and a new
    /// backend: measured, 90 of a cold start's 250 ms. Start-up runs one query after
    /// another, so each waits for the one before it to come back.
    pub async fn settle(&self) {
        if self.backend() != DbBackend::Postgres {
            return;
        }
        let pool = self.conn.get_postgres_connection_pool();
        for _ in 0..50 {
            if pool.num_idle() > 0 || pool.size() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// A write transaction; on SQLite it waits for the writer's turn (or fails with
    /// `OVERLOADED` when the writer is too busy).
    pub async fn begin_write(&self) -> AppResult<WriteTxn> {
        let turn = match &self.writer {
            Some(writer) => Some(writer.turn().await?),
            None => None,
        };
        Ok(WriteTxn { txn: self.conn.begin().await?, _turn: turn })
    }

    /// Runs `work` in a write transaction of its own and commits it.
    pub async fn write<T>(&self, work: impl AsyncFnOnce(&WriteTxn) -> AppResult<T>) -> AppResult<T> {
        let txn = self.begin_write().await?;
        let out = work(&txn).await?;
        txn.commit().await?;
        Ok(out)
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
