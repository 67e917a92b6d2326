//! The narrow rows reports read: question start/active/target and session starts in a range.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{question, session};
use crate::error::AppResult;
use crate::report::QuestionPoint;

#[derive(FromQueryResult)]
struct PointRow {
    started_at: DateTime<Utc>,
    active_ms: i64,
    target_ms: i64,
}

/// Questions that started in `[from, to)`, read through `ix_questions_user_started`.
pub async fn question_points(db: &impl ConnectionTrait, user_id: i32, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<QuestionPoint>> {
    let rows = question::Entity::find()
        .select_only()
        .column(question::Column::StartedAt)
        .column(question::Column::ActiveMs)
        .column(question::Column::TargetMs)
        .filter(question::Column::UserId.eq(user_id))
        .filter(question::Column::StartedAt.gte(from))
        .filter(question::Column::StartedAt.lt(to))
        .into_model::<PointRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| QuestionPoint { started_at: r.started_at, active_ms: r.active_ms, target_ms: r.target_ms }).collect())
}

#[derive(FromQueryResult)]
struct StartRow {
    started_at: DateTime<Utc>,
}

pub async fn session_starts(db: &impl ConnectionTrait, user_id: i32, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<DateTime<Utc>>> {
    let rows = session::Entity::find()
        .select_only()
        .column(session::Column::StartedAt)
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::StartedAt.gte(from))
        .filter(session::Column::StartedAt.lt(to))
        .into_model::<StartRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.started_at).collect())
}

/// Full question rows in `[from, to)`, oldest first, for export.
pub async fn questions_between(db: &impl ConnectionTrait, user_id: i32, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<question::Model>> {
    Ok(question::Entity::find()
        .filter(question::Column::UserId.eq(user_id))
        .filter(question::Column::StartedAt.gte(from))
        .filter(question::Column::StartedAt.lt(to))
        .order_by_asc(question::Column::StartedAt)
        .order_by_asc(question::Column::Id)
        .all(db)
        .await?)
}
