//! The mail outbox: rows written with what caused them, claimed by workers with a lease.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Query};
use sea_orm::{ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::db::WriteTxn;
use crate::entity::outbox::{self, Column, Status};
use crate::error::AppResult;
use crate::mail::Outgoing;

/// Queues `mail` inside the caller's transaction. With a `dedupe_key`, a mail with the
/// same key queued earlier wins and this one is dropped: false.
pub async fn enqueue(txn: &WriteTxn, user_id: Option<i32>, kind: &str, mail: Outgoing, dedupe_key: Option<String>, now: DateTime<Utc>) -> AppResult<bool> {
    let db: &DatabaseTransaction = txn;
    let row = outbox::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_owned()),
        recipient: Set(mail.recipient),
        message_id: Set(mail.message_id),
        dedupe_key: Set(dedupe_key),
        raw: Set(mail.raw),
        status: Set(Status::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    let inserted = outbox::Entity::insert(row).on_conflict(OnConflict::column(Column::DedupeKey).do_nothing().to_owned()).exec_without_returning(db).await?;
    Ok(inserted == 1)
}

/// Takes up to `limit` due mails for `lease`. Concurrent workers skip each other's rows
/// (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite runs one write at a time), and a row a
/// crashed worker held becomes due again when its lease runs out.
pub async fn claim(txn: &WriteTxn, now: DateTime<Utc>, lease: Duration, limit: u64) -> AppResult<Vec<outbox::Model>> {
    let db: &DatabaseTransaction = txn;
    let mut due = Query::select();
    due.column(Column::Id)
        .from(outbox::Entity)
        .and_where(Column::Status.eq(Status::Queued))
        .and_where(Expr::col(Column::NextAttemptAt).lte(now))
        .and_where(Expr::col(Column::ClaimedUntil).is_null().or(Expr::col(Column::ClaimedUntil).lt(now)))
        .order_by(Column::Id, sea_orm::Order::Asc)
        .limit(limit);
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut claimed = outbox::Entity::update_many()
        .col_expr(Column::ClaimedUntil, Expr::value(now + lease))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .filter(Column::Id.in_subquery(due))
        .exec_with_returning(db)
        .await?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

/// Marks a claimed mail sent and forgets its body.
pub async fn sent(txn: &WriteTxn, id: i32, now: DateTime<Utc>) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    finish(db, id, Status::Sent, None, Some(now)).await
}

/// Gives a mail up for good, keeping why.
pub async fn failed(txn: &WriteTxn, id: i32, error: &str) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    finish(db, id, Status::Failed, Some(error), None).await
}

async fn finish(db: &impl ConnectionTrait, id: i32, status: Status, error: Option<&str>, sent_at: Option<DateTime<Utc>>) -> AppResult<()> {
    outbox::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status.into_value()))
        .col_expr(Column::Raw, Expr::value(Vec::<u8>::new()))
        .col_expr(Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(Column::LastError, Expr::value(error.map(truncate)))
        .col_expr(Column::SentAt, Expr::value(sent_at))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Releases a claimed mail for another attempt at `at`.
pub async fn retry_at(txn: &WriteTxn, id: i32, at: DateTime<Utc>, error: &str) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    outbox::Entity::update_many()
        .col_expr(Column::NextAttemptAt, Expr::value(at))
        .col_expr(Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(Column::LastError, Expr::value(truncate(error)))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// On SQLite the one server process owns the queue, so at start-up every claim is from a
/// run that is gone.
pub async fn release_all_claims(txn: &WriteTxn) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    outbox::Entity::update_many()
        .col_expr(Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(Column::Status.eq(Status::Queued))
        .filter(Column::ClaimedUntil.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Mails waiting to be sent.
pub async fn depth(db: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(outbox::Entity::find().filter(Column::Status.eq(Status::Queued)).count(db).await?)
}

/// The earliest time a queued mail is due, to sleep until then.
pub async fn next_due(db: &impl ConnectionTrait) -> AppResult<Option<DateTime<Utc>>> {
    Ok(outbox::Entity::find()
        .filter(Column::Status.eq(Status::Queued))
        .order_by_asc(Column::NextAttemptAt)
        .one(db)
        .await?
        .map(|m| m.claimed_until.map_or(m.next_attempt_at, |c| Ord::max(c, m.next_attempt_at))))
}

fn truncate(error: &str) -> String {
    error.chars().take(500).collect()
}
