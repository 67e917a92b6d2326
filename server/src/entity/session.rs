use sea_orm::entity::prelude::*;

/// A rating session. The `cur_*` columns hold the running question while active.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub started_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    pub is_active: bool,
    pub last_event_at: DateTimeUtc,
    pub cur_index: i32,
    pub cur_started_at: Option<DateTimeUtc>,
    pub cur_paused_ms: i64,
    pub cur_pause_started_at: Option<DateTimeUtc>,
    pub cur_target_ms: i64,
    pub cur_task_id: Option<String>,
    pub cur_task_type: Option<String>,
    /// Running totals of the finished questions, kept by every write that adds or removes one.
    pub question_count: i64,
    pub total_raw_ms: i64,
    pub total_paused_ms: i64,
    pub total_active_ms: i64,
    pub total_target_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
