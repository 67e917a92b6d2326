//! Day and hour roll-ups of finished questions in a user's timezone. Pure.
//!
//! The report documents (PDF, CSV, report mails) use `summarise_days` over single questions;
//! the GraphQL `day`/`week` resolvers use `summarise_slots` over the database's per-slot sums,
//! which a property test below holds to the same figures. Both sum weeks with `total`.

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

/// Questions (and session starts) that began in one stretch of UTC time, summed by the
/// database. A stretch is `slot_minutes` long and starts on a multiple of it, so it lies
/// within one local hour (see `slot_minutes`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub questions: Bucket,
    pub session_starts: i64,
}

/// How finely the database must group instants for each group to fall within one local
/// hour of `tz` between `from` and `to`: whole UTC hours when every offset in use is whole
/// hours (most zones), else quarter hours (India, Nepal, Newfoundland, Lord Howe …; every
/// offset in use since the 1970s is a multiple of 15 minutes). Offsets are sampled at each
/// UTC hour, which sees every transition of the span.
pub fn slot_minutes(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    use chrono::Offset;
    let whole_hours = |at: DateTime<Utc>| at.with_timezone(&tz).offset().fix().local_minus_utc() % 3600 == 0;
    let mut at = from;
    while at < to {
        if !whole_hours(at) {
            return 15;
        }
        at += chrono::Duration::hours(1);
    }
    if whole_hours(to) { 60 } else { 15 }
}

/// `summarise_days` over the database's slots instead of single questions: the same
/// figures from a few dozen rows a week instead of hundreds.
pub fn summarise_slots(tz: Tz, dates: &[NaiveDate], slots: &[Slot]) -> Vec<DaySummary> {
    let mut days: Vec<DaySummary> =
        dates.iter().map(|&date| DaySummary { date, totals: Bucket::default(), hours: [Bucket::default(); 24], session_count: 0 }).collect();
    for slot in slots {
        let local = slot.start.with_timezone(&tz);
        let Some(i) = dates.iter().position(|d| *d == local.date_naive()) else { continue };
        days[i].totals.merge(&slot.questions);
        days[i].hours[chrono::Timelike::hour(&local) as usize].merge(&slot.questions);
        days[i].session_count += slot.session_starts;
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

    /// The database's grouping, done here by hand: each point's instant truncated to the
    /// slot size in UTC (whole minutes since the epoch).
    fn by_slot(points: &[QuestionPoint], starts: &[DateTime<Utc>], minutes: u32) -> Vec<Slot> {
        let truncate = |at: DateTime<Utc>| {
            let step = i64::from(minutes) * 60;
            DateTime::from_timestamp(at.timestamp().div_euclid(step) * step, 0).unwrap()
        };
        let mut slots: std::collections::BTreeMap<DateTime<Utc>, Slot> = std::collections::BTreeMap::new();
        for p in points {
            let slot = slots.entry(truncate(p.started_at)).or_insert_with(|| Slot { start: truncate(p.started_at), ..Slot::default() });
            slot.questions.question_count += 1;
            slot.questions.active_ms += p.active_ms;
            slot.questions.target_ms += p.target_ms;
        }
        for &at in starts {
            slots.entry(truncate(at)).or_insert_with(|| Slot { start: truncate(at), ..Slot::default() }).session_starts += 1;
        }
        slots.into_values().collect()
    }

    proptest::proptest! {
        /// Grouped by the database first or not, every day and hour gets the same figures,
        /// in zones with half-hour, quarter-hour and half-hour-DST offsets, across DST days.
        #[test]
        fn slots_give_the_same_days_as_single_questions(
            zone in 0usize..6,
            start_day in 0i64..400,
            raw in proptest::collection::vec((0i64..(9 * 24 * 60), 1i64..600_000, 1i64..900_000), 0..120),
            session_minutes in proptest::collection::vec(0i64..(9 * 24 * 60), 0..6),
        ) {
            let tz = [chrono_tz::America::Los_Angeles, chrono_tz::Asia::Kolkata, chrono_tz::Asia::Kathmandu,
                      chrono_tz::Australia::Lord_Howe, chrono_tz::America::St_Johns, chrono_tz::Europe::Berlin][zone];
            let first = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(start_day as u64);
            let dates: Vec<NaiveDate> = (0..7).map(|i| first + chrono::Days::new(i)).collect();
            let base = crate::calendar::day_start(tz, first) - chrono::Duration::days(1);
            let points: Vec<QuestionPoint> = raw.iter().map(|&(m, active_ms, target_ms)| QuestionPoint {
                started_at: base + chrono::Duration::minutes(m) + chrono::Duration::seconds(m % 60),
                active_ms,
                target_ms,
            }).collect();
            let starts: Vec<DateTime<Utc>> = session_minutes.iter().map(|&m| base + chrono::Duration::minutes(m)).collect();
            let minutes = slot_minutes(tz, base, base + chrono::Duration::days(9));
            proptest::prop_assert_eq!(
                summarise_slots(tz, &dates, &by_slot(&points, &starts, minutes)),
                summarise_days(tz, &dates, &points, &starts)
            );
        }
    }

    #[test]
    fn half_hour_zones_need_quarter_hour_slots() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let week = at + chrono::Duration::days(7);
        assert_eq!(slot_minutes(chrono_tz::America::Los_Angeles, at, week), 60);
        assert_eq!(slot_minutes(chrono_tz::Asia::Kolkata, at, week), 15);
        assert_eq!(slot_minutes(chrono_tz::Asia::Kathmandu, at, week), 15);
    }
}
