//! One-time links sent by mail: address verification and address changes. Only a hash of
//! each token is stored; a token is redeemed by one conditional UPDATE, so it works once.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use crate::db::WriteTxn;
use crate::entity::email_token::{self, Column, Purpose};
use crate::error::{AppError, AppResult};

pub async fn create(
    txn: &WriteTxn,
    user_id: i32,
    purpose: Purpose,
    token_hash: String,
    new_email: Option<String>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    email_token::ActiveModel {
        user_id: Set(user_id),
        purpose: Set(purpose),
        token_hash: Set(token_hash),
        new_email: Set(new_email),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Uses a token: its row, or `INVALID_TOKEN` (unknown, used, or for another purpose) or
/// `TOKEN_EXPIRED`. `expected_user` (when signed in) must own it.
pub async fn redeem(txn: &WriteTxn, purpose: Purpose, token_hash: &str, expected_user: Option<i32>, now: DateTime<Utc>) -> AppResult<email_token::Model> {
    let db: &DatabaseTransaction = txn;
    let row = email_token::Entity::find()
        .filter(Column::TokenHash.eq(token_hash))
        .filter(Column::Purpose.eq(purpose))
        .one(db)
        .await?
        .filter(|t| t.used_at.is_none() && expected_user.is_none_or(|u| u == t.user_id))
        .ok_or(AppError::InvalidToken)?;
    if row.expires_at <= now {
        return Err(AppError::TokenExpired);
    }
    let used = email_token::Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .filter(Column::Id.eq(row.id))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if used.rows_affected != 1 {
        return Err(AppError::InvalidToken);
    }
    Ok(row)
}

/// Forgets a user's unused tokens of one kind (a new one replaces them).
pub async fn revoke(txn: &WriteTxn, user_id: i32, purpose: Purpose, now: DateTime<Utc>) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    email_token::Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Purpose.eq(purpose))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
