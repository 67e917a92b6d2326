//! Pay settings, presets and the pay figures on days, weeks and sessions.

use async_graphql::{Context, Enum, MaybeUndefined, Object, SimpleObject};
use sea_orm::Set;

use chrono::{Days, NaiveDate};

use super::types::{Pace, User, Weekday, seconds};
use super::{ContextExt, Date};
use crate::calendar;
use crate::entity::user;
use crate::error::{AppError, AppResult, GqlResult};
use crate::pay::{self, Currency, Totals};
use crate::store::{task_types, users};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "PayBasis")]
pub enum PayBasisGql {
    /// Each finished question is credited with its target (the AET upper bound).
    Aet,
    /// Each finished question is credited with its active time.
    Active,
}

impl From<pay::PayBasis> for PayBasisGql {
    fn from(b: pay::PayBasis) -> Self {
        match b {
            pay::PayBasis::Aet => PayBasisGql::Aet,
            pay::PayBasis::Active => PayBasisGql::Active,
        }
    }
}

impl From<PayBasisGql> for pay::PayBasis {
    fn from(b: PayBasisGql) -> Self {
        match b {
            PayBasisGql::Aet => pay::PayBasis::Aet,
            PayBasisGql::Active => pay::PayBasis::Active,
        }
    }
}

#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct Money {
    /// Rounded to the currency's minor unit (0 digits for JPY, 3 for KWD).
    pub amount: f64,
    /// ISO 4217 code.
    pub currency: String,
}

/// The user settings figures are computed with.
#[derive(Clone, Debug)]
pub struct PaySettings {
    basis: pay::PayBasis,
    rate: Option<f64>,
    currency: Option<Currency>,
    daily_cap_hours: Option<f64>,
    weekly_cap_hours: Option<f64>,
}

impl PaySettings {
    pub fn of(user: &user::Model) -> Self {
        PaySettings {
            basis: pay::PayBasis::parse(&user.pay_basis),
            rate: user.hourly_rate,
            currency: Currency::find(&user.currency),
            daily_cap_hours: user.daily_cap_hours,
            weekly_cap_hours: user.weekly_cap_hours,
        }
    }

    pub fn figures(&self, active_ms: i64, target_ms: i64) -> Figures {
        let totals = Totals { active_ms, target_ms };
        let credited_ms = totals.credited_ms(self.basis);
        let earnings = self
            .rate
            .zip(self.currency)
            .map(|(rate, currency)| Money { amount: pay::earnings(credited_ms, rate, currency), currency: currency.code.to_owned() });
        Figures { banked_seconds: totals.banked_ms() as f64 / 1000.0, credited_seconds: credited_ms as f64 / 1000.0, earnings, credited_ms }
    }

    /// Figures with the daily cap, for a local day `day_seconds` long.
    pub fn day(&self, active_ms: i64, target_ms: i64, day_seconds: f64) -> CappedFigures {
        CappedFigures::new(self.figures(active_ms, target_ms), self.daily_cap_hours, day_seconds)
    }

    pub fn week(&self, active_ms: i64, target_ms: i64, week_seconds: f64) -> CappedFigures {
        CappedFigures::new(self.figures(active_ms, target_ms), self.weekly_cap_hours, week_seconds)
    }
}

/// Banked time, credited time and earnings of a set of finished questions.
#[derive(SimpleObject, Clone, Debug)]
pub struct Figures {
    /// Σ(target − active) over finished questions: positive means ahead of the targets.
    pub banked_seconds: f64,
    /// Σtarget (AET basis) or Σactive (ACTIVE basis).
    pub credited_seconds: f64,
    /// Credited hours × hourly rate; null without a rate.
    pub earnings: Option<Money>,
    #[graphql(skip)]
    pub credited_ms: i64,
}

/// Figures with a cap: the day's or the week's.
#[derive(SimpleObject, Clone, Debug)]
pub struct CappedFigures {
    #[graphql(flatten)]
    pub figures: Figures,
    /// The cap in seconds (bounded by the period's length); null without a cap.
    pub cap_seconds: Option<f64>,
    /// What is left of the cap, never below zero; null without a cap.
    pub remaining_seconds: Option<f64>,
}

impl CappedFigures {
    fn new(figures: Figures, cap_hours: Option<f64>, period_seconds: f64) -> Self {
        let cap = pay::cap(cap_hours, period_seconds, figures.credited_ms);
        CappedFigures { cap_seconds: cap.map(|c| c.cap_seconds), remaining_seconds: cap.map(|c| c.remaining_seconds), figures }
    }
}

/// A preset's values, so a client can show them before applying.
#[derive(SimpleObject)]
pub struct Preset {
    name: String,
    description: String,
    week_starts_on: Weekday,
    /// Null: the preset leaves the timezone as it is.
    timezone: Option<String>,
    pay_basis: PayBasisGql,
    daily_cap_hours: Option<f64>,
    weekly_cap_hours: Option<f64>,
}

impl From<&pay::Preset> for Preset {
    fn from(p: &pay::Preset) -> Self {
        Preset {
            name: p.name.to_owned(),
            description: p.description.to_owned(),
            week_starts_on: Weekday::from_index(p.week_starts_on),
            timezone: p.timezone.map(str::to_owned),
            pay_basis: p.pay_basis.into(),
            daily_cap_hours: p.daily_cap_hours,
            weekly_cap_hours: p.weekly_cap_hours,
        }
    }
}

#[derive(Default)]
pub struct ToolkitQuery;

#[Object]
impl ToolkitQuery {
    /// The presets `applyPreset` accepts, with the values each sets.
    async fn presets(&self) -> Vec<Preset> {
        pay::PRESETS.iter().map(Preset::from).collect()
    }

    /// Finished questions started in the inclusive local-date range, one row per task type
    /// (`taskType` null: questions without one), most questions first.
    async fn type_stats(&self, ctx: &Context<'_>, from: Date, to: Date) -> async_graphql::Result<Vec<TypeStat>> {
        type_stats(ctx, from.0, to.0).await.gql()
    }
}

#[derive(SimpleObject)]
pub struct TypeStat {
    task_type: Option<String>,
    count: i64,
    active_seconds: f64,
    target_seconds: f64,
    /// Mean active time per question.
    average_seconds: f64,
    /// Σ(target − active).
    banked_seconds: f64,
    pace: Pace,
}

async fn type_stats(ctx: &Context<'_>, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<TypeStat>> {
    let days = (to - from).num_days() + 1;
    if !(1..=crate::report::figures::MAX_RANGE_DAYS).contains(&days) {
        return Err(AppError::bad_input(format!("`to` must be on or after `from`, at most {} days apart", crate::report::figures::MAX_RANGE_DAYS)));
    }
    let user = ctx.user()?;
    let tz = crate::validate::timezone(&user.timezone)?;
    let (start, end) = (calendar::day_start(tz, from), calendar::day_start(tz, to + Days::new(1)));
    let mut rows = task_types::totals_by_type(&ctx.services()?.db.conn, user.id, start, end).await?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.question_count));
    Ok(rows
        .into_iter()
        .map(|r| TypeStat {
            task_type: r.task_type,
            count: r.question_count,
            active_seconds: seconds(r.active_ms),
            target_seconds: seconds(r.target_ms),
            average_seconds: if r.question_count == 0 { 0.0 } else { seconds(r.active_ms) / r.question_count as f64 },
            banked_seconds: seconds(r.target_ms - r.active_ms),
            pace: Pace::of(r.question_count, r.active_ms, r.target_ms),
        })
        .collect())
}

#[derive(Default)]
pub struct ToolkitMutation;

#[Object]
impl ToolkitMutation {
    /// Sets the preset's week start, timezone (if it has one), pay basis and caps. Rate,
    /// currency and everything else stay; any value can be changed afterwards.
    async fn apply_preset(&self, ctx: &Context<'_>, name: String) -> async_graphql::Result<User> {
        apply_preset(ctx, &name).await.gql()
    }
}

async fn apply_preset(ctx: &Context<'_>, name: &str) -> AppResult<User> {
    let preset = pay::preset(name).ok_or_else(|| AppError::UnknownPreset(name.chars().take(64).collect()))?;
    let services = ctx.services()?;
    let mut model: user::ActiveModel = ctx.user()?.clone().into();
    model.week_starts_on = Set(preset.week_starts_on);
    if let Some(tz) = preset.timezone {
        model.timezone = Set(tz.to_owned());
    }
    model.pay_basis = Set(preset.pay_basis.as_str().to_owned());
    model.daily_cap_hours = Set(preset.daily_cap_hours);
    model.weekly_cap_hours = Set(preset.weekly_cap_hours);
    let txn = services.db.begin_write().await?;
    let user = users::save(&txn, model).await?;
    txn.commit().await?;
    ctx.audit("preset_applied", None, Some(format!("preset {}", preset.name))).await;
    Ok(User(user))
}

/// The pay fields of `SettingsInput`.
pub struct PayInput {
    pub pay_basis: Option<PayBasisGql>,
    pub hourly_rate: MaybeUndefined<f64>,
    pub currency: Option<String>,
    pub daily_cap_hours: MaybeUndefined<f64>,
    pub weekly_cap_hours: MaybeUndefined<f64>,
}

/// Validates and sets the pay fields; on any error nothing is saved by the caller.
pub fn apply_pay_input(model: &mut user::ActiveModel, input: PayInput) -> AppResult<Vec<&'static str>> {
    let mut changed = Vec::new();
    if let Some(basis) = input.pay_basis {
        model.pay_basis = Set(pay::PayBasis::from(basis).as_str().to_owned());
        changed.push("payBasis");
    }
    if let Some(rate) = optional(input.hourly_rate) {
        model.hourly_rate = Set(rate.map(|r| crate::validate::in_range("hourlyRate", r, 0.0, 1_000_000.0)).transpose()?);
        changed.push("hourlyRate");
    }
    if let Some(code) = input.currency {
        let currency = Currency::find(&code).ok_or_else(|| AppError::UnknownCurrency(code.chars().take(16).collect()))?;
        model.currency = Set(currency.code.to_owned());
        changed.push("currency");
    }
    if let Some(hours) = optional(input.daily_cap_hours) {
        model.daily_cap_hours = Set(hours.map(|h| crate::validate::in_range("dailyCapHours", h, 0.0, pay::MAX_DAILY_CAP_HOURS)).transpose()?);
        changed.push("dailyCapHours");
    }
    if let Some(hours) = optional(input.weekly_cap_hours) {
        model.weekly_cap_hours = Set(hours.map(|h| crate::validate::in_range("weeklyCapHours", h, 0.0, pay::MAX_WEEKLY_CAP_HOURS)).transpose()?);
        changed.push("weeklyCapHours");
    }
    Ok(changed)
}

/// Absent: leave as is (None); null: clear (Some(None)).
fn optional<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
