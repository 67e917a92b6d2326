use sea_orm::entity::prelude::*;

/// The append-only log of applied events; the source of idempotency and of UNDO-after-EXIT.
/// The four things a rater does; stored as `NEXT`, `PAUSE`, `EXIT` or `UNDO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum EventKind {
    #[sea_orm(string_value = "NEXT")]
    Next,
    #[sea_orm(string_value = "PAUSE")]
    Pause,
    #[sea_orm(string_value = "EXIT")]
    Exit,
    #[sea_orm(string_value = "UNDO")]
    Undo,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Next => "NEXT",
            EventKind::Pause => "PAUSE",
            EventKind::Exit => "EXIT",
            EventKind::Undo => "UNDO",
        }
    }
}

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
    pub kind: EventKind,
    pub occurred_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
