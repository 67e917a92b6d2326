//! Reading and deleting a user's sessions and questions. Every query is scoped by user.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::Db;
use crate::entity::{question, session};
use crate::error::{AppError, AppResult};

pub async fn active(db: &impl ConnectionTrait, user_id: i32) -> AppResult<Option<session::Model>> {
    Ok(session::Entity::find().filter(session::Column::UserId.eq(user_id)).filter(session::Column::IsActive.eq(true)).one(db).await?)
}

/// The session if it exists and belongs to `user_id`.
pub async fn get(db: &impl ConnectionTrait, user_id: i32, id: i32) -> AppResult<Option<session::Model>> {
    Ok(session::Entity::find_by_id(id).filter(session::Column::UserId.eq(user_id)).one(db).await?)
}

/// Sessions started in `[from, to)` (either bound optional), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: i32,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: u64,
    offset: u64,
) -> AppResult<Vec<session::Model>> {
    let mut query = session::Entity::find().filter(session::Column::UserId.eq(user_id));
    if let Some(from) = from {
        query = query.filter(session::Column::StartedAt.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(session::Column::StartedAt.lt(to));
    }
    Ok(query.order_by_desc(session::Column::StartedAt).order_by_desc(session::Column::Id).limit(limit).offset(offset).all(db).await?)
}

/// Questions of each session, in order, in one query.
pub async fn questions(db: &impl ConnectionTrait, session_ids: &[i32]) -> AppResult<HashMap<i32, Vec<question::Model>>> {
    let rows = question::Entity::find()
        .filter(question::Column::SessionId.is_in(session_ids.iter().copied()))
        .order_by_asc(question::Column::SessionId)
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?;
    let mut by_session: HashMap<i32, Vec<question::Model>> = HashMap::new();
    for row in rows {
        by_session.entry(row.session_id).or_default().push(row);
    }
    Ok(by_session)
}

pub async fn question(db: &impl ConnectionTrait, user_id: i32, id: i32) -> AppResult<Option<question::Model>> {
    Ok(question::Entity::find_by_id(id).filter(question::Column::UserId.eq(user_id)).one(db).await?)
}

pub async fn count_questions(db: &impl ConnectionTrait, session_id: i32) -> AppResult<u64> {
    Ok(question::Entity::find().filter(question::Column::SessionId.eq(session_id)).count(db).await?)
}

/// Deletes a session and its questions. Deleting the active one stops tracking.
/// Sessions active right now, everyone's (for `/metrics`).
pub async fn count_active(db: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(session::Entity::find().filter(session::Column::IsActive.eq(true)).count(db).await?)
}

pub async fn delete_session(db: &Db, user_id: i32, id: i32) -> AppResult<()> {
    let txn = db.begin_write().await?;
    let result = session::Entity::delete_many().filter(session::Column::Id.eq(id)).filter(session::Column::UserId.eq(user_id)).exec(&*txn).await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound("session"));
    }
    txn.commit().await
}

/// Deletes a question and renumbers the later ones (and the running one) of its session.
/// Returns the session id.
pub async fn delete_question(db: &Db, user_id: i32, id: i32) -> AppResult<i32> {
    let txn = db.begin_write().await?;
    let q = question(&*txn, user_id, id).await?.ok_or(AppError::NotFound("question"))?;
    question::Entity::delete_by_id(q.id).exec(&*txn).await?;
    // Two steps through negative numbers, so the unique (session, position) index never
    // sees two rows with the same number mid-update.
    question::Entity::update_many()
        .col_expr(question::Column::Position, Expr::val(1).sub(Expr::col(question::Column::Position)))
        .filter(question::Column::SessionId.eq(q.session_id))
        .filter(question::Column::Position.gt(q.position))
        .exec(&*txn)
        .await?;
    question::Entity::update_many()
        .col_expr(question::Column::Position, Expr::val(0).sub(Expr::col(question::Column::Position)))
        .filter(question::Column::SessionId.eq(q.session_id))
        .filter(question::Column::Position.lt(0))
        .exec(&*txn)
        .await?;
    // The running question moves down with the later ones (only while active), and the
    // running totals lose the deleted question.
    session::Entity::update_many()
        .col_expr(
            session::Column::CurIndex,
            Expr::case(
                Expr::col(session::Column::IsActive).and(Expr::col(session::Column::CurIndex).gt(q.position)),
                Expr::col(session::Column::CurIndex).sub(1),
            )
            .finally(Expr::col(session::Column::CurIndex))
            .into(),
        )
        .col_expr(session::Column::QuestionCount, Expr::col(session::Column::QuestionCount).sub(1))
        .col_expr(session::Column::TotalRawMs, Expr::col(session::Column::TotalRawMs).sub(q.raw_ms))
        .col_expr(session::Column::TotalPausedMs, Expr::col(session::Column::TotalPausedMs).sub(q.paused_ms))
        .col_expr(session::Column::TotalActiveMs, Expr::col(session::Column::TotalActiveMs).sub(q.active_ms))
        .col_expr(session::Column::TotalTargetMs, Expr::col(session::Column::TotalTargetMs).sub(q.target_ms))
        .filter(session::Column::Id.eq(q.session_id))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(q.session_id)
}
