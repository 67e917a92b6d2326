use sea_orm::entity::prelude::*;

/// What an account may do; stored as `user` or `admin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "user")]
    User,
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub is_active: bool,
    pub token_version: i32,
    pub event_seq: i64,
    pub timezone: String,
    pub target_ms: i64,
    pub idle_timeout_minutes: i32,
    pub weekly_goal_hours: f64,
    /// 0 = Monday … 6 = Sunday.
    pub week_starts_on: i16,
    pub created_at: DateTimeUtc,
    pub email_verified: bool,
    /// How mails and reports address the user (up to 80 characters).
    pub display_name: Option<String>,
    /// Mail yesterday's report every day.
    pub report_daily: bool,
    /// Mail last week's report when a week ends.
    pub report_weekly: bool,
    /// The local hour (0–23) report mails go out.
    pub report_hour: i16,
    /// Also mail a report for a period with no questions.
    pub report_include_empty: bool,
    /// "AET" or "ACTIVE": what a finished question is credited with.
    pub pay_basis: String,
    pub hourly_rate: Option<f64>,
    /// ISO 4217 code.
    pub currency: String,
    pub daily_cap_hours: Option<f64>,
    pub weekly_cap_hours: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
