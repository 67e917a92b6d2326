use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Status {
    /// Waiting for its next attempt (possibly claimed by a worker right now).
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Given up after retrying for a day.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// One queued e-mail: the whole RFC 5322 message, rendered when it was queued, so a retry
/// sends the same bytes (and the same Message-ID). The body is cleared once the mail is
/// sent or given up, so links in it don't linger in the database.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: Option<i32>,
    pub kind: String,
    pub recipient: String,
    pub message_id: String,
    /// At most one mail per key ever (e.g. one report per user and period).
    pub dedupe_key: Option<String>,
    pub raw: Vec<u8>,
    pub status: Status,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds the row until then; after a crash another may take it.
    pub claimed_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
