//! Day and week reports, CSV export and the timezone list.

use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;

use super::sessions::outputs;
use super::types::{HourBucket, Pace, Session, seconds, today_for};
use super::{ContextExt, Date};
use crate::calendar;
use crate::error::{AppError, AppResult, GqlResult};
use crate::report::figures::Period;
use crate::report::{DaySummary, csv_file, generate, summarise_days, total};
use crate::store::{reports as store, sessions as session_store};
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
    #[graphql(skip)]
    tz: Tz,
}

impl Day {
    fn new(summary: &DaySummary, tz: Tz) -> Self {
        let t = summary.totals;
        Day {
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
        }
    }
}

#[ComplexObject]
impl Day {
    /// Sessions started on this local day, oldest first.
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        async {
            let user = ctx.user()?;
            let (from, to) = calendar::day_range(self.tz, self.date.0);
            let mut rows = session_store::list(&ctx.services()?.db.conn, user.id, Some(from), Some(to), 1000, 0).await?;
            rows.reverse();
            outputs(ctx, rows)
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
    /// One local day (default: today in the user's timezone).
    async fn day(&self, ctx: &Context<'_>, date: Option<Date>) -> async_graphql::Result<Day> {
        async {
            let tz = user_tz(ctx)?;
            let date = date.unwrap_or_else(|| today_for(ctx, tz)).0;
            let days = summaries(ctx, tz, date, 1).await?;
            Ok(Day::new(&days[0], tz))
        }
        .await
        .gql()
    }

    /// The week containing `start` (default today), beginning on the user's `weekStartsOn`.
    async fn week(&self, ctx: &Context<'_>, start: Option<Date>) -> async_graphql::Result<Week> {
        async {
            let user = ctx.user()?;
            let tz = user_tz(ctx)?;
            let first_day = super::types::Weekday::from_index(user.week_starts_on).chrono();
            let start = calendar::week_start(start.unwrap_or_else(|| today_for(ctx, tz)).0, first_day);
            let summaries = summaries(ctx, tz, start, 7).await?;
            // The same sum a week report document prints.
            let (totals, _) = total(&summaries);
            Ok(Week {
                start: Date(start),
                end: Date(start + Days::new(6)),
                question_count: totals.question_count,
                active_seconds: seconds(totals.active_ms),
                goal_seconds: user.weekly_goal_hours * 3600.0,
                pace: Pace::of(totals.question_count, totals.active_ms, totals.target_ms),
                days: summaries.iter().map(|s| Day::new(s, tz)).collect(),
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

fn user_tz(ctx: &Context<'_>) -> AppResult<Tz> {
    validate::timezone(&ctx.user()?.timezone)
}

/// Summaries of `count` consecutive local days from `first`, from two range queries.
async fn summaries(ctx: &Context<'_>, tz: Tz, first: NaiveDate, count: u64) -> AppResult<Vec<DaySummary>> {
    let user = ctx.user()?;
    let db = &ctx.services()?.db.conn;
    let dates: Vec<NaiveDate> = (0..count).map(|i| first + Days::new(i)).collect();
    let from = calendar::day_start(tz, first);
    let to = calendar::day_start(tz, first + Days::new(count));
    let (points, starts) = store::points_and_starts(db, user.id, from, to).await?;
    Ok(summarise_days(tz, &dates, &points, &starts))
}

/// The CSV a report file holds, without the file's BOM.
async fn export(ctx: &Context<'_>, kind: ExportKind, from: NaiveDate, to: NaiveDate) -> AppResult<String> {
    let period = Period::range(from, to).map_err(AppError::bad_input)?;
    let report = generate::load(&ctx.services()?.db.conn, ctx.user()?, period, ctx.now()).await?;
    let bytes = match kind {
        ExportKind::Questions => csv_file::questions(&report, false),
        ExportKind::Daily => csv_file::daily(&report, false),
    }
    .map_err(AppError::internal)?;
    String::from_utf8(bytes).map_err(AppError::internal)
}
