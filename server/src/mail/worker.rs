//! The worker that sends queued mail: woken when this process queues one, and on a timer
//! for retries and for mail queued by other instances.

use std::str::FromStr;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use lettre::Address;
use lettre::address::Envelope;

use super::Mailer;
use crate::db::Db;
use crate::entity::outbox;
use crate::error::AppResult;
use crate::store::outbox as queue;

/// How long a claimed mail is held. Sending one takes seconds; a worker that died holding
/// it gives it up after this.
const LEASE: Duration = Duration::minutes(5);
/// The most mails one worker claims at a time.
pub const BATCH: u64 = 20;
/// The longest the worker sleeps without looking, for mail other instances queue.
const POLL: StdDuration = StdDuration::from_secs(5);
/// Keeps a worker whose database fails from spinning.
const MIN_PAUSE: StdDuration = StdDuration::from_millis(50);

impl Mailer {
    /// Starts the worker on this runtime (no-op when mail is off).
    pub fn spawn_worker(&self, db: Db) {
        if !self.enabled() {
            return;
        }
        let mailer = self.clone();
        tokio::spawn(async move {
            if db.backend() == sea_orm::DbBackend::Sqlite
                && let Err(e) = db.write(async |txn| queue::release_all_claims(txn).await).await
            {
                tracing::error!(error = %e, "could not release the outbox claims of an earlier run");
            }
            loop {
                let sent_full_batch = match mailer.send_due(&db, Utc::now()).await {
                    Ok(n) => n as u64 == BATCH,
                    Err(e) => {
                        tracing::error!(error = %e, "the mail worker failed; retrying");
                        false
                    }
                };
                if sent_full_batch {
                    continue;
                }
                let pause = mailer.pause_until_due(&db).await;
                tokio::select! {
                    _ = mailer.wake.notified() => {}
                    _ = tokio::time::sleep(pause) => {}
                }
            }
        });
    }

    /// Sends what is due at `now` once; returns how many mails it attempted.
    pub async fn send_due(&self, db: &Db, now: DateTime<Utc>) -> AppResult<usize> {
        let inner = self.require()?;
        let claimed = {
            let txn = db.begin_write().await?;
            let claimed = queue::claim(&txn, now, LEASE, BATCH).await?;
            txn.commit().await?;
            claimed
        };
        for mail in &claimed {
            let result = match envelope(&inner.from, &mail.recipient) {
                Ok(envelope) => inner.transport.send(&envelope, &mail.raw).await,
                Err(e) => Err(e),
            };
            self.settle(db, mail, result, Utc::now()).await?;
        }
        metrics::gauge!("rht_mail_queue_depth").set(queue::depth(&db.conn).await? as f64);
        Ok(claimed.len())
    }

    async fn settle(&self, db: &Db, mail: &outbox::Model, result: Result<(), String>, now: DateTime<Utc>) -> AppResult<()> {
        let inner = self.require()?;
        let txn = db.begin_write().await?;
        match result {
            Ok(()) => {
                queue::sent(&txn, mail.id, now).await?;
                metrics::counter!("rht_mail_sent_total", "kind" => mail.kind.clone()).increment(1);
                tracing::info!(mail_id = mail.id, kind = %mail.kind, attempts = mail.attempts, "mail sent");
            }
            Err(error) => match inner.policy.next_attempt(mail.created_at, mail.attempts.max(0) as u32, now) {
                Some(at) => {
                    queue::retry_at(&txn, mail.id, at, &error).await?;
                    tracing::warn!(mail_id = mail.id, kind = %mail.kind, attempts = mail.attempts, retry_at = %at, %error, "mail not sent; will retry");
                }
                None => {
                    queue::failed(&txn, mail.id, &error).await?;
                    metrics::counter!("rht_mail_failed_total", "kind" => mail.kind.clone()).increment(1);
                    tracing::error!(mail_id = mail.id, kind = %mail.kind, attempts = mail.attempts, %error, "mail given up after retrying");
                }
            },
        }
        txn.commit().await
    }

    async fn pause_until_due(&self, db: &Db) -> StdDuration {
        match queue::next_due(&db.conn).await {
            Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or(StdDuration::ZERO).clamp(MIN_PAUSE, POLL),
            _ => POLL,
        }
    }
}

fn envelope(from: &lettre::message::Mailbox, to: &str) -> Result<Envelope, String> {
    let to = Address::from_str(to).map_err(|e| format!("bad recipient: {e}"))?;
    Envelope::new(Some(from.email.clone()), vec![to]).map_err(|e| e.to_string())
}
