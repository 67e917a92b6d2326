use sea_orm::entity::prelude::*;

/// The append-only log of applied events; the source of idempotency and of UNDO-after-EXIT.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub session_id: Option<i32>,
    /// The question this event closed, if any.
    pub question_id: Option<i32>,
    pub client_event_id: Option<String>,
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
