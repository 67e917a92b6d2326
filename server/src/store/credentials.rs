//! Password history, invite codes and one-time password resets.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::db::WriteTxn;
use crate::entity::{invite, password_history, password_reset};
use crate::error::{AppError, AppResult};

/// How many earlier passwords may not be reused.
pub const HISTORY_DEPTH: u64 = 5;

pub async fn remember_password(txn: &WriteTxn, user_id: i32, hash: &str, now: DateTime<Utc>) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    password_history::ActiveModel { user_id: Set(user_id), password_hash: Set(hash.to_owned()), created_at: Set(now), ..Default::default() }.insert(db).await?;
    Ok(())
}

pub async fn recent_hashes(db: &impl ConnectionTrait, user_id: i32) -> AppResult<Vec<String>> {
    Ok(password_history::Entity::find()
        .filter(password_history::Column::UserId.eq(user_id))
        .order_by_desc(password_history::Column::Id)
        .limit(HISTORY_DEPTH)
        .all(db)
        .await?
        .into_iter()
        .map(|h| h.password_hash)
        .collect())
}

pub async fn create_invite(txn: &WriteTxn, created_by: i32, code_hash: String, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> AppResult<invite::Model> {
    let db: &DatabaseTransaction = txn;
    Ok(invite::ActiveModel { code_hash: Set(code_hash), created_by: Set(created_by), created_at: Set(now), expires_at: Set(expires_at), ..Default::default() }
        .insert(db)
        .await?)
}

pub async fn list_invites(db: &impl ConnectionTrait) -> AppResult<Vec<invite::Model>> {
    Ok(invite::Entity::find().order_by_desc(invite::Column::Id).limit(500).all(db).await?)
}

pub async fn revoke_invite(txn: &WriteTxn, id: i32, now: DateTime<Utc>) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    let result = invite::Entity::update_many()
        .col_expr(invite::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(invite::Column::Id.eq(id))
        .filter(invite::Column::RevokedAt.is_null())
        .filter(invite::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound("invite"));
    }
    Ok(())
}

/// Marks a live invite used by `user_id`; false if the code is unknown, used, revoked or expired.
pub async fn redeem_invite(txn: &WriteTxn, code_hash: &str, user_id: i32, now: DateTime<Utc>) -> AppResult<bool> {
    let db: &DatabaseTransaction = txn;
    let result = invite::Entity::update_many()
        .col_expr(invite::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(invite::Column::UsedBy, sea_orm::sea_query::Expr::value(user_id))
        .filter(invite::Column::CodeHash.eq(code_hash))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::RevokedAt.is_null())
        .filter(invite::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn create_reset(txn: &WriteTxn, user_id: i32, token_hash: String, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    password_reset::ActiveModel { user_id: Set(user_id), token_hash: Set(token_hash), created_at: Set(now), expires_at: Set(expires_at), ..Default::default() }
        .insert(db)
        .await?;
    Ok(())
}

/// The user of an unused, unexpired reset token, without consuming it.
pub async fn live_reset_user(db: &impl ConnectionTrait, token_hash: &str, now: DateTime<Utc>) -> AppResult<Option<i32>> {
    Ok(password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(|r| r.user_id))
}

/// The user of a reset token that can still be used, without consuming it: `INVALID_TOKEN`
/// when unknown or used, `TOKEN_EXPIRED` when too old.
pub async fn reset_user(db: &impl ConnectionTrait, token_hash: &str, now: DateTime<Utc>) -> AppResult<i32> {
    let row = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .filter(password_reset::Column::UsedAt.is_null())
        .one(db)
        .await?
        .filter(|r| crate::auth::constant_time_eq(r.token_hash.as_bytes(), token_hash.as_bytes()))
        .ok_or(AppError::InvalidToken)?;
    if row.expires_at <= now {
        return Err(AppError::TokenExpired);
    }
    Ok(row.user_id)
}

/// Consumes a live reset token; returns its user (None if it was used in the meantime).
pub async fn redeem_reset(txn: &WriteTxn, token_hash: &str, now: DateTime<Utc>) -> AppResult<Option<i32>> {
    let db: &DatabaseTransaction = txn;
    let Some(user_id) = live_reset_user(db, token_hash, now).await? else { return Ok(None) };
    let result = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok((result.rows_affected == 1).then_some(user_id))
}
