//! Device tokens for the overlay: created, listed, used and revoked per user.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::db::{Db, WriteTxn};
use crate::entity::device_token;
use crate::error::{AppError, AppResult};

pub async fn create(txn: &WriteTxn, user_id: i32, name: &str, token_hash: String, now: DateTime<Utc>) -> AppResult<device_token::Model> {
    let db: &DatabaseTransaction = txn;
    let model = device_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        ..Default::default()
    };
    Ok(model.insert(db).await?)
}

pub async fn list(db: &impl ConnectionTrait, user_id: i32) -> AppResult<Vec<device_token::Model>> {
    Ok(device_token::Entity::find()
        .filter(device_token::Column::UserId.eq(user_id))
        .filter(device_token::Column::RevokedAt.is_null())
        .order_by_desc(device_token::Column::CreatedAt)
        .all(db)
        .await?)
}

/// The live token with this hash, marking it used (at most once a minute, to spare writes).
pub async fn authenticate(db: &Db, token_hash: &str, now: DateTime<Utc>) -> AppResult<Option<device_token::Model>> {
    let Some(token) = device_token::Entity::find()
        .filter(device_token::Column::TokenHash.eq(token_hash))
        .filter(device_token::Column::RevokedAt.is_null())
        .one(&db.conn)
        .await?
    else {
        return Ok(None);
    };
    if token.last_used_at.is_none_or(|at| now - at > Duration::minutes(1)) {
        let txn = db.begin_write().await?;
        device_token::Entity::update_many()
            .col_expr(device_token::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
            .filter(device_token::Column::Id.eq(token.id))
            .exec(&*txn)
            .await?;
        txn.txn.commit().await?;
    }
    Ok(Some(token))
}

pub async fn revoke(txn: &WriteTxn, user_id: i32, id: i32, now: DateTime<Utc>) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    let result = device_token::Entity::update_many()
        .col_expr(device_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(device_token::Column::Id.eq(id))
        .filter(device_token::Column::UserId.eq(user_id))
        .filter(device_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound("device token"));
    }
    Ok(())
}

pub async fn revoke_all(txn: &WriteTxn, user_id: i32, now: DateTime<Utc>) -> AppResult<()> {
    let db: &DatabaseTransaction = txn;
    device_token::Entity::update_many()
        .col_expr(device_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(device_token::Column::UserId.eq(user_id))
        .filter(device_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
