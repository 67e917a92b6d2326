//! When report mails are due. Pure: no clock, no I/O.
//!
//! A daily mail covers yesterday and goes out at the user's chosen local hour; a weekly
//! mail covers the week that just ended and goes out at that hour on the first day of the
//! next week. A mail whose time passed less than `CATCH_UP` ago is still due, so a server
//! that was down (or missed an hour) catches up; the caller keeps it to once per period.

use chrono::{DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

pub const CATCH_UP: Duration = Duration::hours(48);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportKind {
    Daily,
    Weekly,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Daily => "daily",
            ReportKind::Weekly => "weekly",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "daily" => Some(ReportKind::Daily),
            "weekly" => Some(ReportKind::Weekly),
            _ => None,
        }
    }
}

/// The local dates a report covers, `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub kind: ReportKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    /// One mail ever per user, kind and period: the outbox's unique key.
    pub fn dedupe_key(&self, user_id: i32) -> String {
        format!("report:{user_id}:{}:{}", self.kind.as_str(), self.first)
    }

    pub fn days(&self) -> u64 {
        (self.last - self.first).num_days() as u64 + 1
    }
}

/// What a user asked for.
#[derive(Clone, Copy, Debug)]
pub struct Subscription {
    pub tz: Tz,
    pub week_starts_on: Weekday,
    /// Local hour, 0–23.
    pub hour: u32,
    pub daily: bool,
    pub weekly: bool,
}

/// `hour`:00 local time on `date`. When DST makes it ambiguous, the first of the two; when
/// DST skips it, the first local time after the gap.
pub fn local_instant(tz: Tz, date: NaiveDate, hour: u32) -> DateTime<Utc> {
    let wanted = date.and_hms_opt(hour.min(23), 0, 0).unwrap_or_default();
    (0..=4)
        .find_map(|shift| match tz.from_local_datetime(&(wanted + Duration::minutes(30 * shift))) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
            LocalResult::None => None,
        })
        .unwrap_or_else(|| Utc.from_utc_datetime(&wanted))
}

/// The periods whose mail is due at `now`, oldest first.
pub fn due(sub: &Subscription, now: DateTime<Utc>) -> Vec<Period> {
    let today = now.with_timezone(&sub.tz).date_naive();
    let mut periods = Vec::new();
    for back in (0..=3).rev() {
        let send_day = today - Days::new(back);
        let at = local_instant(sub.tz, send_day, sub.hour);
        if at > now || now - at >= CATCH_UP {
            continue;
        }
        let yesterday = send_day - Days::new(1);
        if sub.daily {
            periods.push(Period { kind: ReportKind::Daily, first: yesterday, last: yesterday });
        }
        if sub.weekly && send_day.weekday() == sub.week_starts_on {
            periods.push(Period { kind: ReportKind::Weekly, first: send_day - Days::new(7), last: yesterday });
        }
    }
    periods
}

#[cfg(test)]
mod tests {
    use super::*;

    fn la() -> Tz {
        "America/Los_Angeles".parse().unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn sub(tz: Tz, hour: u32, week_starts_on: Weekday) -> Subscription {
        Subscription { tz, week_starts_on, hour, daily: true, weekly: true }
    }

    #[test]
    fn yesterday_is_due_from_the_chosen_local_hour() {
        let s = Subscription { weekly: false, ..sub(la(), 7, Weekday::Mon) };
        // 06:59 and 07:00 Pacific (PST, UTC-8) on Sunday 29 November 2026.
        let before = due(&s, at("2026-11-29T14:59:00Z"));
        assert!(!before.iter().any(|p| p.first == date("2026-11-28")), "{before:?}");
        let after = due(&s, at("2026-11-29T15:00:00Z"));
        assert_eq!(after.last(), Some(&Period { kind: ReportKind::Daily, first: date("2026-11-28"), last: date("2026-11-28") }));
    }

    #[test]
    fn a_missed_period_is_caught_up_for_48_hours_and_then_dropped() {
        let s = Subscription { weekly: false, ..sub(la(), 7, Weekday::Mon) };
        let send_time = at("2026-11-29T15:00:00Z");
        let kept = due(&s, send_time + Duration::hours(47));
        assert!(kept.iter().any(|p| p.first == date("2026-11-28")), "{kept:?}");
        let dropped = due(&s, send_time + Duration::hours(48));
        assert!(!dropped.iter().any(|p| p.first == date("2026-11-28")), "{dropped:?}");
    }

    #[test]
    fn the_weekly_mail_covers_the_week_that_ended_by_the_users_week_start() {
        // Monday 30 November 2026, 07:00 Pacific.
        let monday = due(&sub(la(), 7, Weekday::Mon), at("2026-11-30T15:00:00Z"));
        assert!(monday.contains(&Period { kind: ReportKind::Weekly, first: date("2026-11-23"), last: date("2026-11-29") }), "{monday:?}");
        // A Saturday–Friday week ends on Friday 27 November; its mail goes on Saturday 28th.
        let saturday = due(&sub(la(), 7, Weekday::Sat), at("2026-11-28T15:00:00Z"));
        assert!(saturday.contains(&Period { kind: ReportKind::Weekly, first: date("2026-11-21"), last: date("2026-11-27") }), "{saturday:?}");
        assert!(!due(&sub(la(), 7, Weekday::Sat), at("2026-11-30T15:00:00Z")).iter().any(|p| p.kind == ReportKind::Weekly && p.first == date("2026-11-23")));
    }

    #[test]
    fn dst_gaps_and_repeats_pick_a_real_local_time() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 29 March 2026: 02:00 does not exist in Berlin (clocks go 02:00 -> 03:00 CEST).
        assert_eq!(local_instant(berlin, date("2026-03-29"), 2), at("2026-03-29T01:00:00Z"));
        // 25 October 2026: 02:00 happens twice; the first is 02:00 CEST = 00:00 UTC.
        assert_eq!(local_instant(berlin, date("2026-10-25"), 2), at("2026-10-25T00:00:00Z"));
        // Los Angeles, 8 March 2026 (spring forward) and 1 November 2026 (fall back), 07:00.
        assert_eq!(local_instant(la(), date("2026-03-08"), 7), at("2026-03-08T14:00:00Z"));
        assert_eq!(local_instant(la(), date("2026-11-01"), 7), at("2026-11-01T15:00:00Z"));
    }

    #[test]
    fn the_dedupe_key_names_user_kind_and_period() {
        let p = Period { kind: ReportKind::Weekly, first: date("2026-11-23"), last: date("2026-11-29") };
        assert_eq!(p.dedupe_key(7), "report:7:weekly:2026-11-23");
        assert_eq!(p.days(), 7);
    }
}
