use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub session_id: i32,
    pub user_id: i32,
    /// 1-based number within the session (`index` is a reserved word in SQL).
    pub position: i32,
    pub started_at: DateTimeUtc,
    pub ended_at: DateTimeUtc,
    pub raw_ms: i64,
    pub paused_ms: i64,
    pub active_ms: i64,
    pub target_ms: i64,
    pub task_id: Option<String>,
    /// Read from the page by the overlay when the rater opted in; ≤ 64 characters.
    pub task_type: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
