//! Pure calendar helpers for day, week and month navigation.

use serde::{Deserialize, Serialize};

pub use crate::time::Date;

/// The schema's `Weekday` enum (shared by all generated operations via `extern_enums`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] =
        [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday, Weekday::Saturday, Weekday::Sunday];

    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Weekday::Monday => "MONDAY",
            Weekday::Tuesday => "TUESDAY",
            Weekday::Wednesday => "WEDNESDAY",
            Weekday::Thursday => "THURSDAY",
            Weekday::Friday => "FRIDAY",
            Weekday::Saturday => "SATURDAY",
            Weekday::Sunday => "SUNDAY",
        }
    }

    pub fn from_key(key: &str) -> Option<Weekday> {
        Weekday::ALL.into_iter().find(|w| w.key() == key)
    }
}

// Dates are formatted by hand: chrono's strftime machinery costs ~20 KB of wasm.

const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let mut parts = s.trim().splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    Date::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

pub fn iso(d: Date) -> String {
    d.to_string()
}

/// "Mon" … "Sun".
pub fn short_weekday(d: Date) -> &'static str {
    &Weekday::ALL[d.days_from_monday() as usize].name()[..3]
}

fn month_name(d: Date) -> &'static str {
    MONTHS[d.month0() as usize]
}

fn short_month(d: Date) -> &'static str {
    &month_name(d)[..3]
}

pub fn add_days(d: Date, n: i64) -> Date {
    d.add_days(n)
}

/// The first day of the week containing `d`, for weeks starting on `starts_on`.
pub fn week_start(d: Date, starts_on: Weekday) -> Date {
    let back = (d.days_from_monday() + 7 - starts_on as u32) % 7;
    d.add_days(-i64::from(back))
}

/// First day of the month containing `d`.
pub fn month_start(d: Date) -> Date {
    Date::from_ymd_opt(d.year(), d.month(), 1).expect("day 1 exists")
}

/// First day of the month `n` months after (or before) the month of `d`.
pub fn add_months(d: Date, n: i32) -> Date {
    let total = d.year() * 12 + d.month0() as i32 + n;
    Date::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1).expect("valid month")
}

/// Parses `YYYY-MM` into the first day of that month.
pub fn parse_month(s: &str) -> Option<Date> {
    parse_date(&format!("{}-01", s.trim()))
}

pub fn month_key(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

pub fn days_in_month(d: Date) -> u32 {
    let first = month_start(d);
    add_months(first, 1).days_since(first) as u32
}

/// The six week starts that cover a month's calendar grid (always six, so a request has a fixed
/// shape; the last ones may lie entirely after the month).
pub fn month_week_starts(month: Date, starts_on: Weekday) -> [Date; 6] {
    let first = week_start(month_start(month), starts_on);
    std::array::from_fn(|i| add_days(first, 7 * i as i64))
}

/// Short labels for the seven columns of a week that starts on `starts_on`.
pub fn weekday_labels(starts_on: Weekday) -> Vec<&'static str> {
    let start = Weekday::ALL.iter().position(|w| *w == starts_on).unwrap_or(0);
    (0..7).map(|i| &Weekday::ALL[(start + i) % 7].name()[..3]).collect()
}

/// e.g. "Thu 26 Nov".
pub fn short_day(d: Date) -> String {
    format!("{} {} {}", short_weekday(d), d.day(), short_month(d))
}

/// e.g. "Thu 26 Nov 2026".
pub fn long_day(d: Date) -> String {
    format!("{} {} {} {}", short_weekday(d), d.day(), short_month(d), d.year())
}

/// e.g. "November 2026".
pub fn month_title(d: Date) -> String {
    format!("{} {}", month_name(d), d.year())
}

/// e.g. "23–29 Nov 2026" (or across months "30 Nov – 6 Dec 2026").
pub fn week_title(start: Date) -> String {
    let end = add_days(start, 6);
    let full = |d: Date| format!("{} {} {}", d.day(), short_month(d), d.year());
    if start.month() == end.month() {
        format!("{}–{}", start.day(), full(end))
    } else if start.year() == end.year() {
        format!("{} {} – {}", start.day(), short_month(start), full(end))
    } else {
        format!("{} – {}", full(start), full(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    #[test]
    fn day_navigation_crosses_months_and_years() {
        assert_eq!(add_days(d("2026-03-01"), -1), d("2026-02-28"));
        assert_eq!(add_days(d("2028-02-28"), 1), d("2028-02-29"));
        assert_eq!(add_days(d("2026-12-31"), 1), d("2027-01-01"));
        assert_eq!(iso(d("2026-01-05")), "2026-01-05");
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("26-01-01"), None);
        assert_eq!(parse_date("2026-1-5"), None);
        assert_eq!(parse_date(" 2026-01-05 "), Some(d("2026-01-05")));
        assert_eq!(short_weekday(d("2026-11-29")), "Sun");
    }

    #[test]
    fn week_starts_follow_the_setting() {
        // 2026-11-26 is a Thursday.
        assert_eq!(week_start(d("2026-11-26"), Weekday::Monday), d("2026-11-23"));
        assert_eq!(week_start(d("2026-11-26"), Weekday::Sunday), d("2026-11-22"));
        assert_eq!(week_start(d("2026-11-26"), Weekday::Thursday), d("2026-11-26"));
        assert_eq!(week_start(d("2026-11-26"), Weekday::Friday), d("2026-11-20"));
        assert_eq!(week_start(d("2026-11-23"), Weekday::Monday), d("2026-11-23"));
    }

    #[test]
    fn months() {
        assert_eq!(add_months(d("2026-11-26"), 1), d("2026-12-01"));
        assert_eq!(add_months(d("2026-12-15"), 1), d("2027-01-01"));
        assert_eq!(add_months(d("2026-01-31"), -1), d("2025-12-01"));
        assert_eq!(add_months(d("2026-01-31"), -13), d("2024-12-01"));
        assert_eq!(days_in_month(d("2028-02-10")), 29);
        assert_eq!(days_in_month(d("2026-02-10")), 28);
        assert_eq!(days_in_month(d("2026-11-10")), 30);
        assert_eq!(parse_month("2026-11"), Some(d("2026-11-01")));
        assert_eq!(month_key(d("2026-11-26")), "2026-11");
        let starts = month_week_starts(d("2026-11-26"), Weekday::Monday);
        assert_eq!(starts[0], d("2026-10-26"));
        assert_eq!(starts[5], d("2026-11-30"));
    }

    #[test]
    fn labels_and_titles() {
        assert_eq!(weekday_labels(Weekday::Sunday)[..2], ["Sun", "Mon"]);
        assert_eq!(weekday_labels(Weekday::Monday)[6], "Sun");
        assert_eq!(long_day(d("2026-11-26")), "Thu 26 Nov 2026");
        assert_eq!(week_title(d("2026-11-23")), "23–29 Nov 2026");
        assert_eq!(week_title(d("2026-11-30")), "30 Nov – 6 Dec 2026");
        assert_eq!(week_title(d("2026-12-28")), "28 Dec 2026 – 3 Jan 2027");
        assert_eq!(month_title(d("2026-11-26")), "November 2026");
        assert_eq!(Weekday::from_key("SUNDAY"), Some(Weekday::Sunday));
    }
}
