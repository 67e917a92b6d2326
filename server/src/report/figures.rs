//! Everything a report document shows for one user and period, built from plain rows
//! with the roll-up the GraphQL `day` and `week` resolvers use. Pure.

use chrono::{DateTime, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use super::{Bucket, DaySummary, QuestionPoint, summarise_days, total};
use crate::calendar;
use crate::pace::Pace;

/// The longest range report.
pub const MAX_RANGE_DAYS: i64 = 366;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodKind {
    Day,
    Week,
    Range,
}

/// An inclusive run of local dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    pub fn day(date: NaiveDate) -> Self {
        Period { kind: PeriodKind::Day, first: date, last: date }
    }

    /// The week containing `date`, for weeks starting on `week_start`.
    pub fn week(date: NaiveDate, week_start: Weekday) -> Self {
        let first = calendar::week_start(date, week_start);
        Period { kind: PeriodKind::Week, first, last: first + Days::new(6) }
    }

    /// `from..=to`, at most `MAX_RANGE_DAYS` long.
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Self, String> {
        let days = (to - from).num_days() + 1;
        if days < 1 {
            return Err("`to` must not be before `from`".into());
        }
        if days > MAX_RANGE_DAYS {
            return Err(format!("a report covers at most {MAX_RANGE_DAYS} days"));
        }
        Ok(Period { kind: PeriodKind::Range, first: from, last: to })
    }

    pub fn dates(&self) -> Vec<NaiveDate> {
        self.first.iter_days().take_while(|d| *d <= self.last).collect()
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        (self.first..=self.last).contains(&date)
    }

    /// "2026-11-28" or "2026-11-23 – 2026-11-29".
    pub fn label(&self) -> String {
        if self.first == self.last { self.first.to_string() } else { format!("{} – {}", self.first, self.last) }
    }

    /// The dates whose rows the report reads: a day report also shows its week's goal.
    pub fn data_period(&self, week_start: Weekday) -> Period {
        match self.kind {
            PeriodKind::Day => Period::week(self.first, week_start),
            _ => *self,
        }
    }
}

/// One finished question as a report shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionRow {
    pub session_id: i32,
    pub position: i32,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub raw_ms: i64,
    pub paused_ms: i64,
    pub active_ms: i64,
    pub target_ms: i64,
    pub task_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub id: i32,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Sums of question columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub questions: i64,
    pub raw_ms: i64,
    pub paused_ms: i64,
    pub active_ms: i64,
    pub target_ms: i64,
}

impl Totals {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a QuestionRow>) -> Self {
        rows.into_iter().fold(Totals::default(), |t, q| Totals {
            questions: t.questions + 1,
            raw_ms: t.raw_ms + q.raw_ms,
            paused_ms: t.paused_ms + q.paused_ms,
            active_ms: t.active_ms + q.active_ms,
            target_ms: t.target_ms + q.target_ms,
        })
    }

    pub fn delta_ms(&self) -> i64 {
        self.active_ms - self.target_ms
    }

    pub fn pace(&self) -> Pace {
        Pace::from_totals(self.questions, self.active_ms, self.target_ms)
    }
}

/// A session's questions that started inside the period, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionBlock {
    pub session: SessionRow,
    pub questions: Vec<QuestionRow>,
    pub totals: Totals,
}

/// Active time against the weekly goal (prorated by days for a range).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Goal {
    pub active_ms: i64,
    pub goal_ms: i64,
    /// The dates the goal covers.
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Goal {
    pub fn percent(&self) -> f64 {
        if self.goal_ms <= 0 { 0.0 } else { 100.0 * self.active_ms as f64 / self.goal_ms as f64 }
    }
}

/// The owner's settings a report needs.
#[derive(Clone, Debug)]
pub struct Owner {
    pub label: String,
    pub timezone: Tz,
    pub week_start: Weekday,
    pub weekly_goal_hours: f64,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub owner: Owner,
    pub period: Period,
    /// The period's days; their totals are the API's `day` figures.
    pub days: Vec<DaySummary>,
    /// The period's totals from the day buckets, as the API's `week` sums them.
    pub bucket: Bucket,
    /// Sessions started in the period (the API's `sessionCount`).
    pub session_count: i64,
    /// Raw and paused time too, from the same questions.
    pub totals: Totals,
    pub pace: Pace,
    pub goal: Goal,
    /// The period's questions, oldest first.
    pub questions: Vec<QuestionRow>,
    /// Sessions with at least one question in the period, oldest first.
    pub sessions: Vec<SessionBlock>,
    pub generated_at: DateTime<Utc>,
}

/// Builds the report from the questions and sessions of `period.data_period(..)`.
pub fn build(owner: Owner, period: Period, questions: Vec<QuestionRow>, sessions: Vec<SessionRow>, generated_at: DateTime<Utc>) -> Report {
    let tz = owner.timezone;
    let data = period.data_period(owner.week_start);
    let points: Vec<QuestionPoint> =
        questions.iter().map(|q| QuestionPoint { started_at: q.started_at, active_ms: q.active_ms, target_ms: q.target_ms }).collect();
    let starts: Vec<DateTime<Utc>> = sessions.iter().map(|s| s.started_at).collect();
    let all_days = summarise_days(tz, &data.dates(), &points, &starts);
    let goal = goal_of(&owner, period, data, &all_days);
    let days: Vec<DaySummary> = all_days.into_iter().filter(|d| period.contains(d.date)).collect();
    let (bucket, session_count) = total(&days);
    let mut in_period: Vec<QuestionRow> = questions.into_iter().filter(|q| period.contains(calendar::local_date(tz, q.started_at))).collect();
    in_period.sort_by_key(|q| (q.started_at, q.session_id, q.position));
    let totals = Totals::of(&in_period);
    Report {
        pace: Pace::from_totals(bucket.question_count, bucket.active_ms, bucket.target_ms),
        sessions: blocks(sessions, in_period.clone()),
        questions: in_period,
        owner,
        period,
        days,
        bucket,
        session_count,
        totals,
        goal,
        generated_at,
    }
}

fn goal_of(owner: &Owner, period: Period, data: Period, all_days: &[DaySummary]) -> Goal {
    let week_goal_ms = (owner.weekly_goal_hours * 3_600_000.0).round() as i64;
    let (bucket, _) = total(all_days);
    let goal_ms = match period.kind {
        PeriodKind::Range => week_goal_ms * (all_days.len() as i64) / 7,
        PeriodKind::Day | PeriodKind::Week => week_goal_ms,
    };
    Goal { active_ms: bucket.active_ms, goal_ms, first: data.first, last: data.last }
}

/// Groups questions under their sessions, both oldest first. A session without
/// questions in the period is left out: it has nothing to list.
fn blocks(mut sessions: Vec<SessionRow>, questions: Vec<QuestionRow>) -> Vec<SessionBlock> {
    sessions.sort_by_key(|s| (s.started_at, s.id));
    let mut out: Vec<SessionBlock> = sessions.into_iter().map(|session| SessionBlock { session, questions: Vec::new(), totals: Totals::default() }).collect();
    let index: std::collections::HashMap<i32, usize> = out.iter().enumerate().map(|(i, b)| (b.session.id, i)).collect();
    for q in questions {
        if let Some(&i) = index.get(&q.session_id) {
            out[i].questions.push(q);
        }
    }
    out.retain(|b| !b.questions.is_empty());
    for block in &mut out {
        block.questions.sort_by_key(|q| (q.started_at, q.position));
        block.totals = Totals::of(&block.questions);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn q(session_id: i32, at: DateTime<Utc>, active_ms: i64) -> QuestionRow {
        QuestionRow {
            session_id,
            position: 1,
            started_at: at,
            ended_at: at,
            raw_ms: active_ms + 500,
            paused_ms: 500,
            active_ms,
            target_ms: 60_000,
            task_id: None,
        }
    }

    #[test]
    fn range_limits() {
        assert!(Period::range(d("2026-01-02"), d("2026-01-01")).is_err());
        assert!(Period::range(d("2026-01-01"), d("2027-01-01")).is_ok()); // 366 days
        assert!(Period::range(d("2026-01-01"), d("2027-01-02")).is_err());
    }

    #[test]
    fn a_day_report_counts_its_day_and_its_weeks_goal() {
        let owner = Owner { label: "a@b".into(), timezone: chrono_tz::UTC, week_start: Weekday::Mon, weekly_goal_hours: 1.0 };
        let monday = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let tuesday = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let sessions = vec![SessionRow { id: 1, started_at: monday, ended_at: None }, SessionRow { id: 2, started_at: tuesday, ended_at: None }];
        let report = build(owner, Period::day(d("2026-11-24")), vec![q(1, monday, 60_000), q(2, tuesday, 90_000)], sessions, tuesday);
        assert_eq!((report.bucket.question_count, report.bucket.active_ms, report.session_count), (1, 90_000, 1));
        assert_eq!((report.totals.paused_ms, report.totals.raw_ms), (500, 90_500));
        assert_eq!(report.goal.active_ms, 150_000);
        assert_eq!(report.goal.goal_ms, 3_600_000);
        assert_eq!(report.sessions.len(), 1);
        assert_eq!(report.sessions[0].session.id, 2);
    }
}
