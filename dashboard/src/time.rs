//! The two time types the API has, small enough for the wasm: an instant (the schema's
//! `DateTime`, RFC 3339 in UTC) and a calendar date (`Date`, `YYYY-MM-DD`). chrono's parsers
//! and calendar code cost tens of KB of wasm for what a few lines of arithmetic do here; zones
//! are the browser's business (`Intl`, see `tz`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant, as milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

/// A calendar date, as days since 1970-01-01.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month 1–12, day 1–31).
fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    pub fn from_ymd_opt(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then(|| Date(days_from_civil(year, month, day)))
    }

    pub fn year(self) -> i32 {
        civil_from_days(self.0).0
    }

    pub fn month(self) -> u32 {
        civil_from_days(self.0).1
    }

    /// The month counted from 0 (January).
    pub fn month0(self) -> u32 {
        self.month() - 1
    }

    pub fn day(self) -> u32 {
        civil_from_days(self.0).2
    }

    /// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
    pub fn days_from_monday(self) -> u32 {
        (self.0 + 3).rem_euclid(7) as u32
    }

    pub fn add_days(self, n: i64) -> Date {
        Date(self.0 + n as i32)
    }

    /// Days from `earlier` to `self`.
    pub fn days_since(self, earlier: Date) -> i64 {
        i64::from(self.0 - earlier.0)
    }

    /// Parses `YYYY-MM-DD` exactly.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Date::from_ymd_opt(s[..4].parse().ok()?, s[5..7].parse().ok()?, s[8..].parse().ok()?)
    }
}

/// `YYYY-MM-DD`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Instant {
    pub fn from_timestamp_millis(ms: i64) -> Instant {
        Instant(ms)
    }

    pub fn timestamp_millis(self) -> i64 {
        self.0
    }

    /// Seconds from `earlier` to `self`.
    pub fn seconds_since(self, earlier: Instant) -> f64 {
        (self.0 - earlier.0) as f64 / 1000.0
    }

    /// The UTC calendar date.
    pub fn utc_date(self) -> Date {
        Date(self.0.div_euclid(86_400_000) as i32)
    }

    /// (hour, minute, second) in UTC.
    pub fn utc_hms(self) -> (u32, u32, u32) {
        let s = self.0.div_euclid(1000).rem_euclid(86_400) as u32;
        (s / 3600, s / 60 % 60, s % 60)
    }

    /// `2026-11-26T10:05:30.250Z` (milliseconds only when there are some).
    pub fn to_rfc3339(self) -> String {
        let (h, m, s) = self.utc_hms();
        let ms = self.0.rem_euclid(1000);
        let frac = if ms == 0 { String::new() } else { format!(".{ms:03}") };
        format!("{}T{h:02}:{m:02}:{s:02}{frac}Z", self.utc_date())
    }

    /// Parses RFC 3339 (`…T…Z` or with an offset; fractions of a second to the millisecond).
    pub fn parse(s: &str) -> Option<Instant> {
        let b = s.as_bytes();
        if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let date = Date::parse(&s[..10])?;
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut rest = &s[19..];
        let mut ms = 0;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let first3: String = frac[..digits].chars().chain("00".chars()).take(3).collect();
            ms = first3.parse::<i64>().ok()?;
            rest = &frac[digits..];
        }
        let offset_minutes = match rest.as_bytes() {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), ..] if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
                let v = num(s.len() - 5..s.len() - 3)? * 60 + num(s.len() - 2..s.len())?;
                if *sign == b'-' { -v } else { v }
            }
            _ => return None,
        };
        let secs = i64::from(date.0) * 86_400 + h * 3600 + mi * 60 + sec - offset_minutes * 60;
        Some(Instant(secs * 1000 + ms))
    }
}

impl std::str::FromStr for Instant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Instant::parse(s).ok_or_else(|| format!("not an RFC 3339 time: {s}"))
    }
}

/// Both types travel as their text: serde reads it with `parse` and writes it with `$show`.
macro_rules! as_text {
    ($t:ty, $show:ident, $what:literal) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$t>::parse(&s).ok_or_else(|| serde::de::Error::custom(format_args!(concat!("not ", $what, ": {}"), s)))
            }
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.$show())
            }
        }
    };
}

as_text!(Instant, to_rfc3339, "an RFC 3339 time");
as_text!(Date, to_string, "a YYYY-MM-DD date");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_the_calendar() {
        // Compared with chrono over four centuries, leap days included.
        let mut day = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        let end = chrono::NaiveDate::from_ymd_opt(2300, 12, 31).unwrap();
        while day <= end {
            use chrono::Datelike;
            let ours = Date::from_ymd_opt(day.year(), day.month(), day.day()).unwrap();
            assert_eq!((ours.year(), ours.month(), ours.day()), (day.year(), day.month(), day.day()));
            assert_eq!(ours.days_from_monday(), day.weekday().num_days_from_monday());
            assert_eq!(ours.to_string(), day.to_string());
            assert_eq!(Date::parse(&day.to_string()), Some(ours));
            day = day.succ_opt().unwrap();
        }
        assert_eq!(Date::from_ymd_opt(2026, 2, 29), None);
        assert_eq!(Date::from_ymd_opt(2028, 2, 29).map(|d| d.to_string()).as_deref(), Some("2028-02-29"));
        assert_eq!(Date::from_ymd_opt(2026, 13, 1), None);
        assert_eq!(Date::parse("2026-1-05"), None);
        let a = Date::parse("2026-12-31").unwrap();
        assert_eq!(a.add_days(1).to_string(), "2027-01-01");
        assert_eq!(a.add_days(1).days_since(a), 1);
    }

    #[test]
    fn instants_read_and_write_rfc3339_like_chrono() {
        for s in
            ["2026-11-26T23:30:05Z", "2026-11-26T23:30:05.250Z", "2026-11-27T08:30:05+09:00", "1969-12-31T23:59:59.5-01:30", "2026-11-26T10:00:00.123456789Z"]
        {
            let theirs = chrono::DateTime::parse_from_rfc3339(s).unwrap();
            let ours = Instant::parse(s).unwrap();
            assert_eq!(ours.timestamp_millis(), theirs.timestamp_millis(), "{s}");
            let utc = theirs.with_timezone(&chrono::Utc);
            let expected = utc.to_rfc3339_opts(chrono::SecondsFormat::Millis, true).replace(".000Z", "Z");
            assert_eq!(ours.to_rfc3339(), expected, "{s}");
            assert_eq!(ours.utc_date().to_string(), utc.date_naive().to_string());
        }
        for bad in ["2026-11-26", "2026-11-26T25:00:00Z", "2026-11-26T10:00:00", "2026-11-26T10:00:00+0900", "2026-11-26T10:00:00.Z"] {
            assert_eq!(Instant::parse(bad), None, "{bad}");
        }
        let t = Instant::parse("2026-11-26T10:05:30Z").unwrap();
        assert_eq!(t.utc_hms(), (10, 5, 30));
        assert_eq!(t.seconds_since(Instant::parse("2026-11-26T10:00:00Z").unwrap()), 330.0);
    }

    #[test]
    fn serde_round_trips() {
        let t: Instant = serde_json::from_str("\"2026-11-26T10:05:30.5Z\"").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2026-11-26T10:05:30.500Z\"");
        let d: Date = serde_json::from_str("\"2026-11-26\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2026-11-26\"");
        assert!(serde_json::from_str::<Date>("\"26/11/2026\"").is_err());
    }
}
