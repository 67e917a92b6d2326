//! PostgreSQL: hears of user rows changed by any process (channel `rht_users`, notified by
//! a trigger, see migration 20) and drops this process's cached users, so the user cache
//! can serve several instances and the `admin` command. While not listening (at start, or
//! after the connection dropped) the cache is closed: a change could be missed then.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool};

use crate::store::users;

pub const CHANNEL: &str = "rht_users";

/// Listens in the background; `open` is true while notifications are being received.
pub fn spawn(pool: PgPool, open: Arc<AtomicBool>) {
    tokio::spawn(async move {
        loop {
            match listen(&pool, &open).await {
                Ok(()) => tracing::warn!("lost the user change notifications; listening again"),
                Err(e) => tracing::warn!(error = %e, "listening for user changes failed; trying again in a second"),
            }
            close(&open);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

/// Returns when the connection is lost.
async fn listen(pool: &PgPool, open: &AtomicBool) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    // Anything changed before LISTEN took effect was not heard: start from nothing.
    users::changed();
    open.store(true, Ordering::SeqCst);
    while listener.try_recv().await?.is_some() {
        users::changed();
    }
    Ok(())
}

fn close(open: &AtomicBool) {
    open.store(false, Ordering::SeqCst);
    users::changed();
}
