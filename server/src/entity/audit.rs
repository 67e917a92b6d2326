use sea_orm::entity::prelude::*;

/// Who did what, from where. Never holds passwords or tokens.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The user who acted (None for anonymous, e.g. a failed sign-in for an unknown email).
    pub actor_id: Option<i32>,
    /// The user acted upon, when not the actor.
    pub subject_id: Option<i32>,
    pub action: String,
    pub ip: Option<String>,
    pub detail: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
