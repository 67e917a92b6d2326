//! Finished questions grouped by task type, summed by the database.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::question;
use crate::error::AppResult;

#[derive(Debug, FromQueryResult)]
pub struct TypeTotals {
    pub task_type: Option<String>,
    pub question_count: i64,
    pub active_ms: i64,
    pub target_ms: i64,
}

/// One row per task type (None: questions without one) for questions started in `[from, to)`.
pub async fn totals_by_type(db: &impl ConnectionTrait, user_id: i32, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<TypeTotals>> {
    // CAST keeps the sums BIGINT on PostgreSQL (SUM of BIGINT is NUMERIC there).
    Ok(question::Entity::find()
        .select_only()
        .column(question::Column::TaskType)
        .column_as(Expr::cust("COUNT(*)"), "question_count")
        .column_as(Expr::cust("CAST(SUM(active_ms) AS BIGINT)"), "active_ms")
        .column_as(Expr::cust("CAST(SUM(target_ms) AS BIGINT)"), "target_ms")
        .filter(question::Column::UserId.eq(user_id))
        .filter(question::Column::StartedAt.gte(from))
        .filter(question::Column::StartedAt.lt(to))
        .group_by(question::Column::TaskType)
        .order_by_asc(question::Column::TaskType)
        .into_model::<TypeTotals>()
        .all(db)
        .await?)
}
