//! A queued unit of writing and its reply, shared by the SQLite writer and the PostgreSQL
//! group-commit workers: both run several jobs in one transaction and answer each caller
//! only after the commit (or with the commit's failure).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::FutureExt;
use tokio::sync::oneshot;

use crate::error::{AppError, AppResult};

/// The future a write job returns; it borrows the connection, inside a transaction.
pub type TxnFuture<'a, T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send + 'a>>;

/// A unit of writing on a connection of type `C`. It may run twice (first in a shared
/// transaction that is rolled back when any job in it fails, then alone), so it must not
/// have effects outside the database.
pub type WorkOn<C, T> = Box<dyn for<'a> Fn(&'a mut C) -> TxnFuture<'a, T> + Send>;

pub(super) trait Job<C>: Send {
    /// Runs the work and keeps its result; false when it failed (the transaction must not commit).
    fn run<'a>(&'a mut self, conn: &'a mut C) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
    /// Sends the kept result, or `failure` when the transaction itself failed.
    fn finish(self: Box<Self>, failure: Option<AppError>);
}

/// A job and the caller waiting for its result.
pub(super) struct Pending<C, T> {
    work: WorkOn<C, T>,
    result: Option<AppResult<T>>,
    reply: oneshot::Sender<AppResult<T>>,
}

impl<C, T> Pending<C, T> {
    /// The job, and where its result arrives.
    pub(super) fn new(work: WorkOn<C, T>) -> (Self, oneshot::Receiver<AppResult<T>>) {
        let (reply, result) = oneshot::channel();
        (Pending { work, result: None, reply }, result)
    }
}

impl<C: Send + 'static, T: Send + 'static> Job<C> for Pending<C, T> {
    fn run<'a>(&'a mut self, conn: &'a mut C) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move {
            // A panicking job fails alone (its caller gets an internal error); the thread or
            // task that runs every write carries on.
            let result = match AssertUnwindSafe((self.work)(conn)).catch_unwind().await {
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
