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

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::FutureExt;
use sea_orm::DatabaseConnection;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::error::{AppError, AppResult};
use crate::store::pg::{Keys, PgTxn};

pub use super::writer::TxnFuture;

/// A unit of writing. It may run twice (first in a shared transaction that is rolled back
/// when any job in it fails, then alone), so it must not have effects outside the database.
pub type Work<T> = Box<dyn for<'a> Fn(&'a mut PgTxn) -> TxnFuture<'a, T> + Send>;

/// The most jobs one transaction takes. Bounds how long the first one waits for its reply
/// and how many user rows one transaction holds locked.
const MAX_JOBS_PER_COMMIT: usize = 64;
/// Transactions in flight at once: while one waits for its commit's fsync, the others
/// apply. Each holds a pool connection.
pub const WORKERS: usize = 4;

trait Job: Send {
    fn keys(&self) -> &Keys;
    /// Runs the work and keeps its result; false when it failed (the transaction must not commit).
    fn run<'a>(&'a mut self, txn: &'a mut PgTxn) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
    /// Sends the kept result, or `failure` when the transaction itself failed.
    fn finish(self: Box<Self>, failure: Option<AppError>);
}

struct Pending<T> {
    keys: Keys,
    work: Work<T>,
    result: Option<AppResult<T>>,
    reply: oneshot::Sender<AppResult<T>>,
}

impl<T: Send + 'static> Job for Pending<T> {
    fn keys(&self) -> &Keys {
        &self.keys
    }

    fn run<'a>(&'a mut self, txn: &'a mut PgTxn) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move {
            // A panicking job fails alone; the worker carries on.
            let result = match AssertUnwindSafe((self.work)(txn)).catch_unwind().await {
                Ok(result) => result,
                Err(_) => Err(AppError::internal("a write job panicked")),
            };
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
    }

    fn finish(self: Box<Self>, failure: Option<AppError>) {
        let result = match failure {
            Some(error) => Err(error),
            None => self.result.unwrap_or_else(|| Err(AppError::internal("write job finished without running"))),
        };
        // The caller may have gone away (client disconnected); the write stands either way.
        let _ = self.reply.send(result);
    }
}

type Queue = Arc<Mutex<mpsc::UnboundedReceiver<Box<dyn Job>>>>;

/// The handle requests use to queue event writes. The workers stop with the last handle.
#[derive(Clone)]
pub struct PgBatcher {
    jobs: mpsc::UnboundedSender<Box<dyn Job>>,
}

impl PgBatcher {
    /// Starts the workers on the current runtime. They take pool connections only while
    /// they have work, so this opens nothing.
    pub fn start(conn: DatabaseConnection) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        let queue: Queue = Arc::new(Mutex::new(queue));
        for _ in 0..WORKERS {
            tokio::spawn(serve(conn.clone(), queue.clone()));
        }
        PgBatcher { jobs }
    }

    /// Queues `work` for the events `keys` describes; returns its result after the commit.
    pub async fn submit<T: Send + 'static>(&self, keys: Keys, work: Work<T>) -> AppResult<T> {
        let (reply, result) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Pending { keys, work, result: None, reply });
        self.jobs.send(job).map_err(|_| AppError::internal("the PostgreSQL event workers have stopped"))?;
        result.await.map_err(|_| AppError::internal("the PostgreSQL event workers dropped a job"))?
    }
}

async fn serve(conn: DatabaseConnection, queue: Queue) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    loop {
        // One worker at a time waits on the queue; it takes everything waiting, so the
        // others find the next group once it has gone.
        if queue.lock().await.recv_many(&mut batch, MAX_JOBS_PER_COMMIT).await == 0 {
            return;
        }
        if batch.len() > 1 {
            match run_together(&conn, &mut batch).await {
                Together::Committed => {
                    batch.drain(..).for_each(|job| job.finish(None));
                    continue;
                }
                // The commit may have happened (the connection can fail after the server
                // committed): running the jobs again could apply an event without a
                // clientEventId twice, so they fail, and their callers' retries decide.
                Together::CommitFailed => {
                    batch.drain(..).for_each(|job| job.finish(Some(AppError::internal("committing a group of events failed"))));
                    continue;
                }
                Together::RolledBack => {}
            }
        }
        // One job, or a group that was rolled back: each job in its own transaction, so
        // one job's failure never undoes another's write.
        for mut job in batch.drain(..) {
            let failure = run_alone(&conn, job.as_mut()).await;
            job.finish(failure);
        }
    }
}

enum Together {
    Committed,
    RolledBack,
    CommitFailed,
}

async fn run_together(conn: &DatabaseConnection, batch: &mut [Box<dyn Job>]) -> Together {
    let keys: Vec<&Keys> = batch.iter().map(|j| j.keys()).collect();
    let mut txn = match PgTxn::begin(conn, &keys).await {
        Ok(txn) => txn,
        Err(e) => {
            tracing::warn!(error = %e, "beginning a group of events failed; applying them one by one");
            return Together::RolledBack;
        }
    };
    for job in batch.iter_mut() {
        if !job.run(&mut txn).await {
            txn.rollback().await;
            return Together::RolledBack;
        }
    }
    if let Err(e) = txn.flush().await {
        tracing::warn!(error = %e, "writing a group of events failed; applying them one by one");
        txn.rollback().await;
        return Together::RolledBack;
    }
    match txn.commit().await {
        Ok(()) => Together::Committed,
        Err(e) => {
            tracing::error!(error = %e, "committing a group of events failed");
            Together::CommitFailed
        }
    }
}

/// Runs one job in its own transaction; `Some` only when beginning or committing failed.
async fn run_alone(conn: &DatabaseConnection, job: &mut dyn Job) -> Option<AppError> {
    let mut txn = match PgTxn::begin(conn, &[job.keys()]).await {
        Ok(txn) => txn,
        Err(e) => return Some(e),
    };
    if !job.run(&mut txn).await {
        txn.rollback().await;
        return None;
    }
    if let Err(e) = txn.flush().await {
        txn.rollback().await;
        return Some(e);
    }
    txn.commit().await.err()
}
