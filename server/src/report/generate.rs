//! A report's files for one user and period: what the download routes serve and what
//! a scheduled e-mail attaches.

use chrono::{DateTime, Days, Utc, Weekday};
use sea_orm::{ConnectionTrait, StreamTrait};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::figures::{Owner, Period, PeriodKind, Report, build};
use super::layout::Paper;
use super::{csv_file, pdf};
use crate::calendar;
use crate::entity::user;
use crate::error::{AppError, AppResult};
use crate::store::reports as store;
use crate::validate;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Csv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// Both files of a report, named alike.
pub struct ReportFiles {
    pub pdf: Vec<u8>,
    pub csv: Vec<u8>,
    /// `raterhub-day-2026-11-28`, without extension.
    pub stem: String,
}

pub fn file_stem(period: Period) -> String {
    match period.kind {
        PeriodKind::Day => format!("raterhub-day-{}", period.first),
        PeriodKind::Week => format!("raterhub-week-{}", period.first),
        PeriodKind::Range => format!("raterhub-{}-to-{}", period.first, period.last),
    }
}

pub fn owner(user: &user::Model) -> AppResult<Owner> {
    Ok(Owner {
        label: user.email.clone(),
        timezone: validate::timezone(&user.timezone)?,
        week_start: week_start(user),
        weekly_goal_hours: user.weekly_goal_hours,
    })
}

/// The user's first day of the week (0 = Monday), as the `week` resolver reads it.
pub fn week_start(user: &user::Model) -> Weekday {
    Weekday::try_from(user.week_starts_on.clamp(0, 6) as u8).unwrap_or(Weekday::Mon)
}

/// Reports longer than a month hold up to a year of rows and pages in memory while they
/// are made (tens of MB); they are made one at a time, so two of them never double the
/// server's peak memory. Day, week and month reports never wait.
pub const LARGE_REPORT_DAYS: i64 = 31;
static LARGE_REPORTS: Semaphore = Semaphore::const_new(1);

/// Waits for the large-report slot when `period` is longer than `LARGE_REPORT_DAYS`; hold
/// the permit while the report is loaded and rendered.
pub async fn permit(period: Period) -> AppResult<Option<SemaphorePermit<'static>>> {
    // `last - first` is one less than the number of days.
    if (period.last - period.first).num_days() < LARGE_REPORT_DAYS {
        return Ok(None);
    }
    LARGE_REPORTS.acquire().await.map(Some).map_err(AppError::internal)
}

/// Reads `user`'s rows for `period` in their timezone and computes every figure.
pub async fn load(db: &(impl ConnectionTrait + StreamTrait), user: &user::Model, period: Period, now: DateTime<Utc>) -> AppResult<Report> {
    let owner = owner(user)?;
    let data = period.data_period(owner.week_start);
    let from = calendar::day_start(owner.timezone, data.first);
    let to = calendar::day_start(owner.timezone, data.last + Days::new(1));
    let (questions, sessions) = store::report_rows(db, user.id, from, to).await?;
    Ok(build(owner, period, questions, sessions, now))
}

/// The PDF, laid out off the async threads (a year of questions takes a while).
pub async fn render_pdf(report: Report, paper: Paper) -> AppResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || pdf::render(&report, paper)).await.map_err(AppError::internal)?.map_err(AppError::internal)
}

/// The per-question CSV with a BOM, for a file.
pub fn csv(report: &Report) -> AppResult<Vec<u8>> {
    csv_file::questions(report, true).map_err(AppError::internal)
}

/// Both files, for a mail's attachments.
pub async fn files(db: &(impl ConnectionTrait + StreamTrait), user: &user::Model, period: Period, paper: Paper, now: DateTime<Utc>) -> AppResult<ReportFiles> {
    let _permit = permit(period).await?;
    let report = load(db, user, period, now).await?;
    let csv = csv(&report)?;
    let pdf = render_pdf(report, paper).await?;
    Ok(ReportFiles { pdf, csv, stem: file_stem(period) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn large_reports_are_made_one_at_a_time() {
        let year = Period::range(d("2026-01-01"), d("2026-12-31")).unwrap();
        let first = permit(year).await.unwrap();
        assert!(first.is_some());
        // While one year report is being made, a second one waits...
        let mut second = Box::pin(permit(year));
        assert!(futures_util::poll!(second.as_mut()).is_pending());
        // ...and a day, a week or a month report does not.
        for short in [Period::day(d("2026-03-01")), Period::week(d("2026-03-01"), Weekday::Mon), Period::range(d("2026-03-01"), d("2026-03-31")).unwrap()] {
            assert!(permit(short).await.unwrap().is_none());
        }
        drop(first);
        assert!(second.await.unwrap().is_some());
    }
}
