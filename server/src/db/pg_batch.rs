//! Group commit for PostgreSQL. Events wait in one queue; a few workers each take every
//! event waiting at that moment (up to a bound), apply them in one transaction (see
//! `store::pg::PgTxn`) and commit once, then answer each caller. A commit is an fsync and
//! several round trips, so sharing it is what lets PostgreSQL go past one commit per event.
//!
//! Per-user order and exactly-once hold as with one transaction per event: each group locks
//! its users' rows in user-id order before reading anything (so groups on other workers or
//! other instances wait for each other instead of deadlocking), and `clientEventId` stays
//! unique in the database. A caller hears back only after the commit, so a crash before it
//! loses nothing that was acknowledged, and a retry then applies the event once.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::PgPool;
use tokio::sync::{Mutex, mpsc};

use super::job::{self, Pending, WorkOn};
use super::pg_conn::{WorkerConn, connection_lost};
use crate::error::{AppError, AppResult};
use crate::store::pg::{Ending, Keys, PgTxn};

/// A unit of writing in a group's transaction (see `job::WorkOn`).
pub type Work<T> = WorkOn<PgTxn, T>;

/// The most jobs one transaction takes. Bounds how long the first one waits for its reply
/// and how many user rows one transaction holds locked.
const MAX_JOBS_PER_COMMIT: usize = 64;
/// Transactions in flight at once, by default: while one waits for its commit's fsync, the
/// others apply. Each holds a connection of the workers' own pool. Measured with the bench
/// at 100 users on 2 cores, PostgreSQL on the same host without TLS (events/s, p99): 2
/// workers 6,156 (29.6 ms); 3: 6,670 (30.1 ms); 4: 6,360 and 6,136 (30.1 and 38.5 ms); 8:
/// 5,264 (48.4 ms). With TLS on every statement, 8 had paid (each group took longer);
/// without it, more transactions in flight only make smaller groups for the same CPU.
pub const DEFAULT_WORKERS: u16 = 4;
/// The default with Redis, where instances share the database: two instances then keep the
/// same 4 in flight as one (see `Config::event_workers`).
pub const SHARED_WORKERS: u16 = 2;

/// A job and the rows it needs locked.
struct Keyed {
    keys: Keys,
    job: Box<dyn job::Job<PgTxn>>,
}

type Queue = Arc<Mutex<mpsc::UnboundedReceiver<Keyed>>>;

/// The handle requests use to queue event writes. The workers stop with the last handle.
#[derive(Clone)]
pub struct PgBatcher {
    jobs: mpsc::UnboundedSender<Keyed>,
}

impl PgBatcher {
    /// Starts the workers on the current runtime. Each takes a connection of `conn`'s pool
    /// when its first work arrives and keeps it, so this opens nothing.
    pub fn start(conn: DatabaseConnection, workers: u16) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        let queue: Queue = Arc::new(Mutex::new(queue));
        let pool = conn.get_postgres_connection_pool().clone();
        for _ in 0..workers {
            tokio::spawn(serve(pool.clone(), queue.clone()));
        }
        PgBatcher { jobs }
    }

    /// Queues `work` for the events `keys` describes; returns its result after the commit.
    pub async fn submit<T: Send + 'static>(&self, keys: Keys, work: Work<T>) -> AppResult<T> {
        let (job, result) = Pending::new(work);
        self.jobs.send(Keyed { keys, job: Box::new(job) }).map_err(|_| AppError::internal("the PostgreSQL event workers have stopped"))?;
        result.await.map_err(|_| AppError::internal("the PostgreSQL event workers dropped a job"))?
    }
}

async fn serve(pool: PgPool, queue: Queue) {
    let mut batch: Vec<Keyed> = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    let mut held: Option<WorkerConn> = None;
    loop {
        // One worker at a time waits on the queue; it takes everything waiting, so the
        // others find the next group once it has gone.
        if queue.lock().await.recv_many(&mut batch, MAX_JOBS_PER_COMMIT).await == 0 {
            return;
        }
        if batch.len() > 1 {
            match run_together(&pool, &mut held, &mut batch).await {
                Together::Committed => {
                    batch.drain(..).for_each(|keyed| keyed.job.finish(None));
                    continue;
                }
                // The commit may have happened (the connection can fail after the server
                // committed): running the jobs again could apply an event without a
                // clientEventId twice, so they fail, and their callers' retries decide.
                Together::CommitFailed => {
                    batch.drain(..).for_each(|keyed| keyed.job.finish(Some(AppError::internal("committing a group of events failed"))));
                    continue;
                }
                Together::RolledBack => {}
            }
        }
        // One job, or a group that was rolled back: each job in its own transaction, so
        // one job's failure never undoes another's write.
        for mut keyed in batch.drain(..) {
            let failure = run_alone(&pool, &mut held, &keyed.keys, keyed.job.as_mut()).await;
            keyed.job.finish(failure);
        }
    }
}

/// Begins a group's transaction on the worker's connection, or on a new one (with the hot
/// statements prepared) when it has none or the one it kept was lost since its last group:
/// PostgreSQL restarted, or an administrator ended the backend. Beginning writes nothing,
/// so starting again on a new connection is safe.
async fn begin(pool: &PgPool, held: &mut Option<WorkerConn>, keys: &[&Keys]) -> AppResult<PgTxn> {
    if let Some(conn) = held.take()
        && conn.is_alive().await
    {
        match PgTxn::begin(conn, keys).await {
            Err(AppError::Db(e)) if connection_lost(&e) => tracing::info!(error = %e, "an event worker's connection was lost; opening a new one"),
            begun => return begun,
        }
    }
    let conn = WorkerConn::acquire(pool).await?;
    PgTxn::prepare(&conn).await?;
    PgTxn::begin(conn, keys).await
}

enum Together {
    Committed,
    RolledBack,
    CommitFailed,
}

async fn run_together(pool: &PgPool, held: &mut Option<WorkerConn>, batch: &mut [Keyed]) -> Together {
    let keys: Vec<&Keys> = batch.iter().map(|k| &k.keys).collect();
    let mut txn = match begin(pool, held, &keys).await {
        Ok(txn) => txn,
        Err(e) => {
            tracing::warn!(error = %e, "beginning a group of events failed; applying them one by one");
            return Together::RolledBack;
        }
    };
    for keyed in batch.iter_mut() {
        if !keyed.job.run(&mut txn).await {
            *held = txn.rollback().await;
            return Together::RolledBack;
        }
    }
    match txn.commit().await {
        Ending::Committed(conn) => {
            *held = Some(conn);
            Together::Committed
        }
        Ending::NotCommitted(conn, e) => {
            tracing::warn!(error = %e, "writing a group of events failed; applying them one by one");
            *held = conn;
            Together::RolledBack
        }
        Ending::Unknown(e) => {
            tracing::error!(error = %e, "committing a group of events failed");
            Together::CommitFailed
        }
    }
}

/// Runs one job in its own transaction; `Some` only when beginning or committing failed.
async fn run_alone(pool: &PgPool, held: &mut Option<WorkerConn>, keys: &Keys, job: &mut dyn job::Job<PgTxn>) -> Option<AppError> {
    let mut txn = match begin(pool, held, &[keys]).await {
        Ok(txn) => txn,
        Err(e) => return Some(e),
    };
    if !job.run(&mut txn).await {
        *held = txn.rollback().await;
        return None;
    }
    match txn.commit().await {
        Ending::Committed(conn) => {
            *held = Some(conn);
            None
        }
        Ending::NotCommitted(conn, e) => {
            *held = conn;
            Some(e)
        }
        Ending::Unknown(e) => Some(e),
    }
}
