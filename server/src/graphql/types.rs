//! Output types, built from storage rows but independent of them.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc, Weekday as ChronoWeekday};

use super::{ContextExt, Date};
use crate::entity::{device_token, question, session, user};
use crate::error::{AppError, AppResult, GqlResult};
use crate::pace;
use crate::store::{Totals, open_session};

pub fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

pub fn parse_id(id: &ID) -> AppResult<i32> {
    id.parse::<i32>().map_err(|_| AppError::NotFound("object"))
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    User,
    Admin,
}

impl From<user::Role> for Role {
    fn from(role: user::Role) -> Self {
        match role {
            user::Role::User => Role::User,
            user::Role::Admin => Role::Admin,
        }
    }
}

impl From<Role> for user::Role {
    fn from(role: Role) -> Self {
        match role {
            Role::User => user::Role::User,
            Role::Admin => user::Role::Admin,
        }
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    const ALL: [Weekday; 7] = [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday, Weekday::Saturday, Weekday::Sunday];

    pub fn from_index(i: i16) -> Self {
        Self::ALL[usize::try_from(i).unwrap_or(0).min(6)]
    }

    pub fn index(self) -> i16 {
        Self::ALL.iter().position(|d| *d == self).unwrap_or(0) as i16
    }

    pub fn chrono(self) -> ChronoWeekday {
        ChronoWeekday::try_from(self.index() as u8).unwrap_or(ChronoWeekday::Mon)
    }
}

pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// IANA timezone used for days, hours and weeks.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// Default target per question when the overlay sends none.
    async fn target_seconds(&self) -> f64 {
        seconds(self.0.target_ms)
    }
    /// An unpaused session with no event for this long is ended at its last event.
    async fn idle_timeout_minutes(&self) -> i32 {
        self.0.idle_timeout_minutes
    }
    async fn weekly_goal_hours(&self) -> f64 {
        self.0.weekly_goal_hours
    }
    async fn week_starts_on(&self) -> Weekday {
        Weekday::from_index(self.0.week_starts_on)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Deactivated accounts cannot sign in.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// False until the link from the verification mail is used (accounts made by an
    /// admin, the first admin and accounts from before mail count as verified).
    async fn email_verified(&self) -> bool {
        self.0.email_verified
    }
    /// How mails and reports address the user.
    async fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }
    /// Scheduled report e-mails (off by default).
    async fn report_emails(&self) -> ReportEmails {
        ReportEmails {
            daily: self.0.report_daily,
            weekly: self.0.report_weekly,
            hour: i32::from(self.0.report_hour),
            include_empty: self.0.report_include_empty,
        }
    }
    /// What a finished question is credited with.
    async fn pay_basis(&self) -> super::toolkit::PayBasisGql {
        crate::pay::PayBasis::parse(&self.0.pay_basis).into()
    }
    /// Pay per credited hour; null means no earnings are shown.
    async fn hourly_rate(&self) -> Option<f64> {
        self.0.hourly_rate
    }
    /// ISO 4217 code of `hourlyRate`.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Credited hours a day may hold; null = no cap.
    async fn daily_cap_hours(&self) -> Option<f64> {
        self.0.daily_cap_hours
    }
    /// Credited hours a week may hold; null = no cap.
    async fn weekly_cap_hours(&self) -> Option<f64> {
        self.0.weekly_cap_hours
    }
}

/// Which report mails a user gets, and when.
#[derive(SimpleObject, async_graphql::InputObject, Clone, Copy)]
#[graphql(input_name = "ReportEmailsInput")]
pub struct ReportEmails {
    /// Yesterday's report, every day.
    pub daily: bool,
    /// The week that just ended, on the first day of the next week.
    pub weekly: bool,
    /// The local hour (0–23) they go out.
    pub hour: i32,
    /// Also mail a report for a period without questions.
    #[graphql(default)]
    pub include_empty: bool,
}

#[derive(SimpleObject)]
pub struct AuthPayload {
    pub token: String,
    pub user: User,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct Pace {
    /// Σactive ÷ Σtarget.
    pub ratio: f64,
    /// 0–100, 100 on target.
    pub score: i32,
    pub label: String,
    pub emoji: String,
}

impl Pace {
    pub fn of(count: i64, active_ms: i64, target_ms: i64) -> Self {
        let p = pace::Pace::from_totals(count, active_ms, target_ms);
        Pace { ratio: p.ratio, score: p.score, label: p.label.to_owned(), emoji: p.emoji.to_owned() }
    }
}

pub struct Question(pub question::Model);

#[Object]
impl Question {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn session_id(&self) -> ID {
        ID(self.0.session_id.to_string())
    }
    /// 1-based number within the session.
    async fn index(&self) -> i32 {
        self.0.position
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    async fn ended_at(&self) -> DateTime<Utc> {
        self.0.ended_at
    }
    async fn raw_seconds(&self) -> f64 {
        seconds(self.0.raw_ms)
    }
    /// Raw time minus pauses.
    async fn active_seconds(&self) -> f64 {
        seconds(self.0.active_ms)
    }
    async fn paused_seconds(&self) -> f64 {
        seconds(self.0.paused_ms)
    }
    async fn target_seconds(&self) -> f64 {
        seconds(self.0.target_ms)
    }
    /// Active minus target: negative is faster than the target.
    async fn delta_seconds(&self) -> f64 {
        seconds(self.0.active_ms - self.0.target_ms)
    }
    async fn task_id(&self) -> Option<&str> {
        self.0.task_id.as_deref()
    }
    /// The task type the overlay read from the page, if the rater opted in.
    async fn task_type(&self) -> Option<&str> {
        self.0.task_type.as_deref()
    }
}

/// The question being timed, so a client can draw a live timer.
#[derive(SimpleObject)]
pub struct CurrentQuestion {
    pub index: i32,
    pub started_at: DateTime<Utc>,
    /// Closed pauses inside this question (an open pause is not included).
    pub paused_seconds: f64,
    pub is_paused: bool,
    /// When the open pause began, if paused.
    pub paused_at: Option<DateTime<Utc>>,
    pub target_seconds: f64,
    pub task_id: Option<String>,
}

pub struct Session {
    row: session::Model,
    totals: Totals,
    pay: super::toolkit::PaySettings,
    /// Active in storage but forgotten (idle timeout): shown as ended at its last event.
    stale: bool,
}

impl Session {
    pub fn new(row: session::Model, user: &user::Model, now: DateTime<Utc>) -> Self {
        let idle = Duration::minutes(i64::from(user.idle_timeout_minutes));
        let stale = row.is_active && open_session(&row).is_idle_at(now, idle);
        Session { totals: Totals::of(&row), pay: super::toolkit::PaySettings::of(user), row, stale }
    }

    pub fn is_running(&self) -> bool {
        self.row.is_active && !self.stale
    }
}

#[Object]
impl Session {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.row.started_at
    }
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        if self.stale { Some(self.row.last_event_at) } else { self.row.ended_at }
    }
    async fn is_active(&self) -> bool {
        self.is_running()
    }
    async fn is_paused(&self) -> bool {
        self.is_running() && self.row.cur_pause_started_at.is_some()
    }
    /// Finished questions (the running one is in `current`).
    async fn question_count(&self) -> i64 {
        self.totals.count
    }
    async fn active_seconds(&self) -> f64 {
        seconds(self.totals.active_ms)
    }
    async fn raw_seconds(&self) -> f64 {
        seconds(self.totals.raw_ms)
    }
    async fn paused_seconds(&self) -> f64 {
        seconds(self.totals.paused_ms)
    }
    /// Mean active time per finished question.
    async fn average_seconds(&self) -> f64 {
        if self.totals.count == 0 { 0.0 } else { seconds(self.totals.active_ms) / self.totals.count as f64 }
    }
    /// Mean target of the finished questions, or the running question's target.
    async fn target_seconds(&self) -> f64 {
        if self.totals.count == 0 { seconds(self.row.cur_target_ms) } else { seconds(self.totals.target_ms) / self.totals.count as f64 }
    }
    async fn pace(&self) -> Pace {
        Pace::of(self.totals.count, self.totals.active_ms, self.totals.target_ms)
    }
    /// Σ(target − active) over the finished questions: positive means ahead.
    async fn banked_seconds(&self) -> f64 {
        self.pay.figures(self.totals.active_ms, self.totals.target_ms).banked_seconds
    }
    /// Σtarget or Σactive of the finished questions, by the user's pay basis.
    async fn credited_seconds(&self) -> f64 {
        self.pay.figures(self.totals.active_ms, self.totals.target_ms).credited_seconds
    }
    /// Credited hours × hourly rate; null without a rate.
    async fn earnings(&self) -> Option<super::toolkit::Money> {
        self.pay.figures(self.totals.active_ms, self.totals.target_ms).earnings
    }
    async fn questions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Question>> {
        let loader = ctx.data_opt::<async_graphql::dataloader::DataLoader<super::loaders::QuestionLoader>>();
        let Some(loader) = loader else { return Err(AppError::internal("no question loader")).gql() };
        let rows = loader.load_one(self.row.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Question).collect())
    }
    async fn current(&self) -> Option<CurrentQuestion> {
        if !self.is_running() {
            return None;
        }
        let open = open_session(&self.row);
        let r = open.running;
        Some(CurrentQuestion {
            index: r.index,
            started_at: r.started_at,
            paused_seconds: seconds(r.paused_ms),
            is_paused: r.pause_started_at.is_some(),
            paused_at: r.pause_started_at,
            target_seconds: seconds(r.target_ms),
            task_id: r.task_id,
        })
    }
}

#[derive(SimpleObject, Clone, Copy)]
pub struct HourBucket {
    /// Local hour, 0–23.
    pub hour: i32,
    pub question_count: i64,
    pub active_seconds: f64,
}

#[derive(SimpleObject)]
pub struct DeviceToken {
    pub id: ID,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<device_token::Model> for DeviceToken {
    fn from(m: device_token::Model) -> Self {
        DeviceToken { id: ID(m.id.to_string()), name: m.name, created_at: m.created_at, last_used_at: m.last_used_at }
    }
}

#[derive(SimpleObject)]
pub struct NewDeviceToken {
    /// Shown once; only its hash is stored.
    pub token: String,
    pub device: DeviceToken,
}

/// Helper for resolvers that need a date default of "today" for the caller.
pub fn today_for(ctx: &Context<'_>, tz: chrono_tz::Tz) -> Date {
    Date(ctx.now().with_timezone(&tz).date_naive())
}
