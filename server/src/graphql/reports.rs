//! Day and week reports, CSV export and the timezone list.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, ID, Object, SimpleObject};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;

use super::toolkit::{CappedFigures, PaySettings};
use super::types::{HourBucket, Pace, Session, parse_id, seconds, today_for};
use super::{ContextExt, Date};
use crate::calendar;
use crate::entity::user;
use crate::error::{AppError, AppResult, GqlResult};
use crate::report::figures::Period;
use crate::report::{DaySummary, csv_file, generate, slot_minutes, summarise_slots, total};
use crate::store::{reports as store, sessions as session_store, users};
use crate::validate;

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Day {
    date: Date,
    timezone: String,
    /// Sessions started on this local day.
    session_count: i64,
    /// Finished questions that started on this local day.
    question_count: i64,
    active_seconds: f64,
    /// Mean active time per question.
    average_seconds: f64,
    /// Sum of the questions' targets (Σtarget, the pace denominator); divide by
    /// `questionCount` for the mean target.
    target_seconds: f64,
    pace: Pace,
    /// 24 local hours; a question counts in the hour it started.
    hours: Vec<HourBucket>,
    /// Banked, credited, earnings and the daily cap (see `toolkit`).
    #[graphql(flatten)]
    figures: CappedFigures,
    #[graphql(skip)]
    tz: Tz,
    /// Whose day: the caller, or the user an admin asked for.
    #[graphql(skip)]
    owner: Arc<user::Model>,
}

impl Day {
    fn new(summary: &DaySummary, tz: Tz, owner: &Arc<user::Model>) -> Self {
        let pay = PaySettings::of(owner);
        let t = summary.totals;
        let (from, to) = calendar::day_range(tz, summary.date);
        Day {
            figures: pay.day(t.active_ms, t.target_ms, (to - from).num_milliseconds() as f64 / 1000.0),
            date: Date(summary.date),
            timezone: tz.name().to_owned(),
            session_count: summary.session_count,
            question_count: t.question_count,
            active_seconds: seconds(t.active_ms),
            average_seconds: t.average_ms() / 1000.0,
            target_seconds: seconds(t.target_ms),
            pace: Pace::of(t.question_count, t.active_ms, t.target_ms),
            hours: summary
                .hours
                .iter()
                .enumerate()
                .map(|(hour, b)| HourBucket { hour: hour as i32, question_count: b.question_count, active_seconds: seconds(b.active_ms) })
                .collect(),
            tz,
            owner: owner.clone(),
        }
    }
}

#[ComplexObject]
impl Day {
    /// Sessions started on this local day, oldest first.
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        async {
            let (from, to) = calendar::day_range(self.tz, self.date.0);
            let mut rows = session_store::list(&ctx.services()?.db.conn, self.owner.id, Some(from), Some(to), 1000, 0).await?;
            rows.reverse();
            let now = ctx.now();
            AppResult::Ok(rows.into_iter().map(|row| Session::new(row, &self.owner, now)).collect())
        }
        .await
        .gql()
    }
}

#[derive(SimpleObject)]
pub struct Week {
    start: Date,
    /// The last day of the week (inclusive).
    end: Date,
    days: Vec<Day>,
    question_count: i64,
    active_seconds: f64,
    goal_seconds: f64,
    pace: Pace,
    /// Banked, credited, earnings and the weekly cap (see `toolkit`).
    #[graphql(flatten)]
    figures: CappedFigures,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// One row per question.
    Questions,
    /// One row per local day.
    Daily,
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// One local day (default: today in the user's timezone). Admins may pass `userId`
    /// for a read-only look at another user's day; that user sees it in their `auditLog`.
    async fn day(&self, ctx: &Context<'_>, date: Option<Date>, user_id: Option<ID>) -> async_graphql::Result<Day> {
        async {
            let owner = subject(ctx, user_id).await?;
            let tz = validate::timezone(&owner.timezone)?;
            let date = date.unwrap_or_else(|| today_for(ctx, tz)).0;
            let days = summaries(ctx, &owner, tz, date, 1).await?;
            audit_view(ctx, &owner, format!("day {date}")).await;
            Ok(Day::new(&days[0], tz, &owner))
        }
        .await
        .gql()
    }

    /// The week containing `start` (default today), beginning on the user's `weekStartsOn`.
    /// Admins may pass `userId`, as for `day`.
    async fn week(&self, ctx: &Context<'_>, start: Option<Date>, user_id: Option<ID>) -> async_graphql::Result<Week> {
        async {
            let owner = subject(ctx, user_id).await?;
            let user = &*owner;
            let tz = validate::timezone(&user.timezone)?;
            let first_day = super::types::Weekday::from_index(user.week_starts_on).chrono();
            let start = calendar::week_start(start.unwrap_or_else(|| today_for(ctx, tz)).0, first_day);
            let pay = PaySettings::of(user);
            let summaries = summaries(ctx, user, tz, start, 7).await?;
            audit_view(ctx, user, format!("week {start} – {}", start + Days::new(6))).await;
            // The same sum a week report document prints.
            let (totals, _) = total(&summaries);
            let (from, to) = (calendar::day_start(tz, start), calendar::day_start(tz, start + Days::new(7)));
            Ok(Week {
                start: Date(start),
                end: Date(start + Days::new(6)),
                question_count: totals.question_count,
                active_seconds: seconds(totals.active_ms),
                goal_seconds: user.weekly_goal_hours * 3600.0,
                pace: Pace::of(totals.question_count, totals.active_ms, totals.target_ms),
                figures: pay.week(totals.active_ms, totals.target_ms, (to - from).num_milliseconds() as f64 / 1000.0),
                days: summaries.iter().map(|s| Day::new(s, tz, &owner)).collect(),
            })
        }
        .await
        .gql()
    }

    /// Every IANA timezone name, for pickers.
    async fn timezones(&self) -> Vec<&'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
    }

    /// CSV text for the inclusive local-date range, in the user's timezone.
    async fn export_csv(&self, ctx: &Context<'_>, kind: ExportKind, from: Date, to: Date) -> async_graphql::Result<String> {
        export(ctx, kind, from.0, to.0).await.gql()
    }
}

/// The caller, or with `user_id` that user: only an admin may ask for someone else.
async fn subject(ctx: &Context<'_>, user_id: Option<ID>) -> AppResult<Arc<user::Model>> {
    let caller = ctx.user()?;
    let Some(id) = user_id.map(|id| parse_id(&id)).transpose()?.filter(|id| *id != caller.id) else {
        return Ok(Arc::new(caller.clone()));
    };
    if caller.role != crate::entity::user::Role::Admin {
        return Err(AppError::Forbidden);
    }
    let user = users::find(&ctx.services()?.db.conn, id).await?.ok_or(AppError::NotFound("user"))?;
    Ok(Arc::new(user))
}

/// An admin's look at someone else's days is written where that user reads it.
async fn audit_view(ctx: &Context<'_>, owner: &user::Model, what: String) {
    if let Ok(caller) = ctx.user()
        && caller.id != owner.id
    {
        ctx.audit("admin_days_viewed", Some(owner.id), Some(format!("{what} viewed by {}", caller.email))).await;
    }
}

/// Summaries of `count` consecutive local days from `first`, summed by the database per
/// UTC stretch that lies within one local hour.
async fn summaries(ctx: &Context<'_>, user: &user::Model, tz: Tz, first: NaiveDate, count: u64) -> AppResult<Vec<DaySummary>> {
    let db = &ctx.services()?.db.conn;
    let dates: Vec<NaiveDate> = (0..count).map(|i| first + Days::new(i)).collect();
    let from = calendar::day_start(tz, first);
    let to = calendar::day_start(tz, first + Days::new(count));
    let slots = store::slots(db, user.id, from, to, slot_minutes(tz, from, to)).await?;
    Ok(summarise_slots(tz, &dates, &slots))
}

/// The CSV a report file holds, without the file's BOM.
async fn export(ctx: &Context<'_>, kind: ExportKind, from: NaiveDate, to: NaiveDate) -> AppResult<String> {
    let period = Period::range(from, to).map_err(AppError::bad_input)?;
    let _permit = generate::permit(period).await?;
    let report = generate::load(&ctx.services()?.db.conn, ctx.user()?, period, ctx.now()).await?;
    let bytes = match kind {
        ExportKind::Questions => csv_file::questions(&report, false),
        ExportKind::Daily => csv_file::daily(&report, false),
    }
    .map_err(AppError::internal)?;
    String::from_utf8(bytes).map_err(AppError::internal)
}
