//! Day and hour roll-ups of finished questions in a user's timezone. Pure.
//!
//! The GraphQL `day`/`week` resolvers and the report documents (PDF, CSV) all use
//! `summarise_days` and `total`, so a document's figures are the API's figures.

pub mod csv_file;
pub mod figures;
pub mod format;
pub mod generate;
pub mod glyphs;
pub mod layout;
pub mod pdf;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::calendar::{local_date, local_hour};

/// The columns a report needs of one question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuestionPoint {
    pub started_at: DateTime<Utc>,
    pub active_ms: i64,
    pub target_ms: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bucket {
    pub question_count: i64,
    pub active_ms: i64,
    pub target_ms: i64,
}

impl Bucket {
    /// Adds another bucket's counts (a week from its days).
    pub fn merge(&mut self, other: &Bucket) {
        self.question_count += other.question_count;
        self.active_ms += other.active_ms;
        self.target_ms += other.target_ms;
    }

    fn add(&mut self, p: &QuestionPoint) {
        self.question_count += 1;
        self.active_ms += p.active_ms;
        self.target_ms += p.target_ms;
    }

    pub fn average_ms(&self) -> f64 {
        if self.question_count == 0 { 0.0 } else { self.active_ms as f64 / self.question_count as f64 }
    }
}

/// One local day: totals, 24 local-hour buckets and the number of sessions started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaySummary {
    pub date: NaiveDate,
    pub totals: Bucket,
    pub hours: [Bucket; 24],
    pub session_count: i64,
}

/// The totals of several days (a week or a range), summed in whole milliseconds.
pub fn total(days: &[DaySummary]) -> (Bucket, i64) {
    days.iter().fold((Bucket::default(), 0), |(mut bucket, sessions), day| {
        bucket.merge(&day.totals);
        (bucket, sessions + day.session_count)
    })
}

/// Splits questions and session starts into the `dates` they began on (local time).
/// Points outside every date are ignored.
pub fn summarise_days(tz: Tz, dates: &[NaiveDate], points: &[QuestionPoint], session_starts: &[DateTime<Utc>]) -> Vec<DaySummary> {
    let mut days: Vec<DaySummary> =
        dates.iter().map(|&date| DaySummary { date, totals: Bucket::default(), hours: [Bucket::default(); 24], session_count: 0 }).collect();
    let slot = |at: DateTime<Utc>| {
        let date = local_date(tz, at);
        dates.iter().position(|d| *d == date)
    };
    for p in points {
        if let Some(i) = slot(p.started_at) {
            days[i].totals.add(p);
            days[i].hours[local_hour(tz, p.started_at) as usize].add(p);
        }
    }
    for &at in session_starts {
        if let Some(i) = slot(at) {
            days[i].session_count += 1;
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn questions_group_by_local_day_and_hour() {
        let tz = chrono_tz::Asia::Tokyo; // UTC+9
        let d1 = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let d2 = d1.succ_opt().unwrap();
        let p = |h: u32, m: u32| QuestionPoint { started_at: Utc.with_ymd_and_hms(2026, 11, 26, h, m, 0).unwrap(), active_ms: 1000, target_ms: 2000 };
        // 14:30 UTC is 23:30 in Tokyo; 15:10 UTC is 00:10 the next day.
        let days = summarise_days(tz, &[d1, d2], &[p(14, 30), p(15, 10), p(15, 20)], &[Utc.with_ymd_and_hms(2026, 11, 26, 14, 0, 0).unwrap()]);
        assert_eq!(days[0].totals.question_count, 1);
        assert_eq!(days[0].hours[23].question_count, 1);
        assert_eq!(days[1].totals.question_count, 2);
        assert_eq!(days[1].hours[0].active_ms, 2000);
        assert_eq!(days[0].session_count, 1);
        assert_eq!(days[1].session_count, 0);
    }
}
