//! Day and week reports, CSV export and the timezone list.

use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;

use super::sessions::outputs;
use super::toolkit::{CappedFigures, PaySettings};
use super::types::{HourBucket, Pace, Session, seconds, today_for};
use super::{ContextExt, Date};
use crate::calendar;
use crate::error::{AppError, AppResult, GqlResult};
use crate::report::{DaySummary, summarise_days};
use crate::store::{reports as store, sessions as session_store};
use crate::validate;

/// The longest range `exportCsv` accepts.
pub const MAX_EXPORT_DAYS: i64 = 366;

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
}

impl Day {
    fn new(summary: &DaySummary, tz: Tz, pay: &PaySettings) -> Self {
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
    /// One local day (default: today in the user's timezone).
    async fn day(&self, ctx: &Context<'_>, date: Option<Date>) -> async_graphql::Result<Day> {
        async {
            let tz = user_tz(ctx)?;
            let date = date.unwrap_or_else(|| today_for(ctx, tz)).0;
            let days = summaries(ctx, tz, date, 1).await?;
            Ok(Day::new(&days[0], tz, &PaySettings::of(ctx.user()?)))
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
            let pay = PaySettings::of(user);
            let summaries = summaries(ctx, tz, start, 7).await?;
            let days: Vec<Day> = summaries.iter().map(|s| Day::new(s, tz, &pay)).collect();
            let (week_active_ms, week_target_ms) = summaries.iter().fold((0, 0), |(a, t), s| (a + s.totals.active_ms, t + s.totals.target_ms));
            let (from, to) = (calendar::day_start(tz, start), calendar::day_start(tz, start + Days::new(7)));
            let (count, active_ms, target_ms) = days.iter().fold((0, 0.0, 0.0), |(c, a, t), d| (c + d.question_count, a + d.active_seconds, t + d.target_seconds));
            Ok(Week {
                start: Date(start),
                end: Date(start + Days::new(6)),
                question_count: count,
                active_seconds: active_ms,
                goal_seconds: user.weekly_goal_hours * 3600.0,
                pace: Pace::of(count, (active_ms * 1000.0).round() as i64, (target_ms * 1000.0).round() as i64),
                figures: pay.week(week_active_ms, week_target_ms, (to - from).num_milliseconds() as f64 / 1000.0),
                days,
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

async fn export(ctx: &Context<'_>, kind: ExportKind, from: NaiveDate, to: NaiveDate) -> AppResult<String> {
    let days = (to - from).num_days() + 1;
    if days < 1 {
        return Err(AppError::bad_input("`to` must not be before `from`"));
    }
    if days > MAX_EXPORT_DAYS {
        return Err(AppError::bad_input(format!("export at most {MAX_EXPORT_DAYS} days at a time")));
    }
    let tz = user_tz(ctx)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let local = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string();
    let secs = |ms: i64| format!("{:.3}", seconds(ms));
    let write = |out: &mut csv::Writer<Vec<u8>>, row: Vec<String>| out.write_record(row).map_err(AppError::internal);
    match kind {
        ExportKind::Questions => {
            let user = ctx.user()?;
            let rows = store::questions_between(&ctx.services()?.db.conn, user.id, calendar::day_start(tz, from), calendar::day_start(tz, to + Days::new(1))).await?;
            write(&mut out, ["date", "session_id", "question", "started_at", "ended_at", "active_seconds", "paused_seconds", "raw_seconds", "target_seconds", "delta_seconds", "task_id"].map(String::from).to_vec())?;
            for q in rows {
                write(&mut out, vec![
                    calendar::local_date(tz, q.started_at).to_string(),
                    q.session_id.to_string(),
                    q.position.to_string(),
                    local(q.started_at),
                    local(q.ended_at),
                    secs(q.active_ms),
                    secs(q.paused_ms),
                    secs(q.raw_ms),
                    secs(q.target_ms),
                    secs(q.active_ms - q.target_ms),
                    q.task_id.unwrap_or_default(),
                ])?;
            }
        }
        ExportKind::Daily => {
            let summaries = summaries(ctx, tz, from, days as u64).await?;
            write(&mut out, ["date", "sessions", "questions", "active_seconds", "active_hours", "average_seconds", "target_seconds", "pace_ratio"].map(String::from).to_vec())?;
            for s in summaries {
                let t = s.totals;
                let pace = Pace::of(t.question_count, t.active_ms, t.target_ms);
                write(&mut out, vec![
                    s.date.to_string(),
                    s.session_count.to_string(),
                    t.question_count.to_string(),
                    secs(t.active_ms),
                    format!("{:.2}", seconds(t.active_ms) / 3600.0),
                    format!("{:.3}", t.average_ms() / 1000.0),
                    secs(t.target_ms),
                    format!("{:.3}", pace.ratio),
                ])?;
            }
        }
    }
    let bytes = out.into_inner().map_err(AppError::internal)?;
    String::from_utf8(bytes).map_err(AppError::internal)
}
