//! Scheduled report e-mails: finds every subscribed user's due periods and queues one
//! mail per (user, period) in the outbox, whose unique key makes it exactly once across
//! restarts, retries and instances.

use chrono::{DateTime, Days, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use crate::entity::{outbox, user};
use crate::error::AppResult;
use crate::graphql::Services;
use crate::mail::{Attachment, messages};
use crate::report::{DaySummary, summarise_days};
use crate::report_schedule::{self, Period, ReportKind, Subscription};
use crate::store::{outbox as queue, reports as store};
use crate::{calendar, lifecycle, validate};

/// How often the in-server scheduler looks for due reports.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Queues every report mail due at `now`; returns how many it queued.
pub async fn send_due(services: &Services, now: DateTime<Utc>) -> AppResult<usize> {
    services.mailer.link("/")?;
    let subscribers = user::Entity::find()
        .filter(user::Column::IsActive.eq(true))
        .filter(Condition::any().add(user::Column::ReportDaily.eq(true)).add(user::Column::ReportWeekly.eq(true)))
        .all(&services.db.conn)
        .await?;
    let mut queued = 0;
    for user in subscribers {
        for period in report_schedule::due(&subscription(&user)?, now) {
            match queue_report(services, &user, period, now).await {
                Ok(true) => queued += 1,
                Ok(false) => {}
                // One user's failure must not stop everyone else's reports.
                Err(e) => tracing::error!(user_id = user.id, error = %e, kind = period.kind.as_str(), "could not queue a report mail"),
            }
        }
    }
    Ok(queued)
}

fn subscription(user: &user::Model) -> AppResult<Subscription> {
    Ok(Subscription {
        tz: validate::timezone(&user.timezone)?,
        week_starts_on: chrono::Weekday::try_from(u8::try_from(user.week_starts_on).unwrap_or(0)).unwrap_or(chrono::Weekday::Mon),
        hour: user.report_hour.clamp(0, 23) as u32,
        daily: user.report_daily,
        weekly: user.report_weekly,
    })
}

/// Queues the mail for one period unless it was queued before (or is empty and the user
/// doesn't want empty reports). True when it queued one.
async fn queue_report(services: &Services, user: &user::Model, period: Period, now: DateTime<Utc>) -> AppResult<bool> {
    let key = period.dedupe_key(user.id);
    let db = &services.db;
    if outbox::Entity::find().filter(outbox::Column::DedupeKey.eq(key.as_str())).one(&db.conn).await?.is_some() {
        return Ok(false);
    }
    let tz = validate::timezone(&user.timezone)?;
    let days = summaries(services, user, tz, period).await?;
    let questions: i64 = days.iter().map(|d| d.totals.question_count).sum();
    if questions == 0 && !user.report_include_empty {
        return Ok(false);
    }
    let token = services.keys.unsubscribe_token(user.id, period.kind.as_str())?;
    let unsubscribe = services.mailer.link(&format!("/reports/unsubscribe?token={token}"))?;
    let mut content = messages::report(lifecycle::name_of(user), &title(period), headline(&days, tz), unsubscribe);
    content.attachments = documents(services, user, period, now).await?;
    let mail = services.mailer.compose(&user.email, &content)?;
    let txn = db.begin_write().await?;
    let inserted = queue::enqueue(&txn, Some(user.id), &format!("report_{}", period.kind.as_str()), mail, Some(key), now).await?;
    txn.commit().await?;
    if inserted {
        services.mailer.wake();
    }
    Ok(inserted)
}

async fn summaries(services: &Services, user: &user::Model, tz: chrono_tz::Tz, period: Period) -> AppResult<Vec<DaySummary>> {
    let dates: Vec<_> = (0..period.days()).map(|i| period.first + Days::new(i)).collect();
    let from = calendar::day_start(tz, period.first);
    let to = calendar::day_start(tz, period.last + Days::new(1));
    let (points, starts) = store::points_and_starts(&services.db.conn, user.id, from, to).await?;
    Ok(summarise_days(tz, &dates, &points, &starts))
}

fn title(period: Period) -> String {
    match period.kind {
        ReportKind::Daily => period.first.format("%A %-d %B %Y").to_string(),
        ReportKind::Weekly => format!("week of {} to {}", period.first.format("%-d %B"), period.last.format("%-d %B %Y")),
    }
}

fn headline(days: &[DaySummary], tz: chrono_tz::Tz) -> Vec<String> {
    let (questions, active_ms, target_ms, sessions) =
        days.iter().fold((0, 0, 0, 0), |(q, a, t, s), d| (q + d.totals.question_count, a + d.totals.active_ms, t + d.totals.target_ms, s + d.session_count));
    if questions == 0 {
        return vec!["No questions were recorded in this period.".into()];
    }
    let pace = crate::pace::Pace::from_totals(questions, active_ms, target_ms);
    vec![
        format!("{questions} questions in {sessions} sessions, {} active against {} of targets.", hms(active_ms), hms(target_ms)),
        format!("Pace: {} {} (score {}).", pace.emoji, pace.label, pace.score),
        format!("Times are in {}. The attached files hold every figure.", tz.name()),
    ]
}

fn hms(ms: i64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The files attached to a report mail: the same PDF and CSV as the download routes.
async fn documents(services: &Services, user: &user::Model, period: Period, now: DateTime<Utc>) -> AppResult<Vec<Attachment>> {
    let covered = match period.kind {
        ReportKind::Daily => crate::report::figures::Period::day(period.first),
        ReportKind::Weekly => crate::report::figures::Period::week(period.first, crate::report::generate::week_start(user)),
    };
    let files = crate::report::generate::files(&services.db.conn, user, covered, services.config.report_paper, now).await?;
    Ok(vec![
        Attachment { filename: format!("{}.pdf", files.stem), content_type: "application/pdf".into(), bytes: files.pdf },
        Attachment { filename: format!("{}.csv", files.stem), content_type: "text/csv; charset=utf-8".into(), bytes: files.csv },
    ])
}
