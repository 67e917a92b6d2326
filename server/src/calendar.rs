//! Local days and weeks in a user's timezone, as UTC instants, DST included.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// The first instant of `date` in `tz`. Where midnight does not exist (a DST jump at
/// 00:00), the day starts at the first local time that does.
pub fn day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=180)
        .find_map(|minutes| tz.from_local_datetime(&(midnight + chrono::Duration::minutes(minutes))).earliest())
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// `[start, end)` of a local day in UTC. A DST day is 23 or 25 hours long.
pub fn day_range(tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (day_start(tz, date), day_start(tz, date + Days::new(1)))
}

/// The local date of an instant.
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The local hour (0–23) of an instant.
pub fn local_hour(tz: Tz, at: DateTime<Utc>) -> u32 {
    at.with_timezone(&tz).hour()
}

/// The first day of the week containing `date`, for weeks starting on `first`.
pub fn week_start(date: NaiveDate, first: Weekday) -> NaiveDate {
    let back = (7 + date.weekday().num_days_from_monday() - first.num_days_from_monday()) % 7;
    date - Days::new(u64::from(back))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dst_days_have_23_and_25_hours() {
        let cases = [
            (chrono_tz::America::New_York, d(2026, 3, 8), 23),
            (chrono_tz::America::New_York, d(2026, 11, 1), 25),
            (chrono_tz::Europe::Berlin, d(2026, 3, 29), 23),
            (chrono_tz::Europe::Berlin, d(2026, 10, 25), 25),
            (chrono_tz::Europe::Berlin, d(2026, 6, 1), 24),
        ];
        for (tz, date, hours) in cases {
            let (a, b) = day_range(tz, date);
            assert_eq!((b - a).num_hours(), hours, "{tz} {date}");
        }
    }

    #[test]
    fn missing_midnight_starts_at_first_valid_time() {
        // Chile springs forward at 00:00 → 01:00 (2026-09-06).
        let tz = chrono_tz::America::Santiago;
        let start = day_start(tz, d(2026, 9, 6));
        assert_eq!(start.with_timezone(&tz).hour(), 1);
    }

    #[test]
    fn week_start_respects_first_day() {
        let thursday = d(2026, 11, 26);
        assert_eq!(week_start(thursday, Weekday::Mon), d(2026, 11, 23));
        assert_eq!(week_start(thursday, Weekday::Sun), d(2026, 11, 22));
        assert_eq!(week_start(thursday, Weekday::Sat), d(2026, 11, 21));
        assert_eq!(week_start(thursday, Weekday::Thu), thursday);
        assert_eq!(week_start(thursday, Weekday::Fri), d(2026, 11, 20));
    }
}
