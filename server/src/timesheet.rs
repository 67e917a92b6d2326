//! The daily timesheet: one row per local day, then a total row. Pure.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::calendar::local_date;
use crate::pay::{self, Currency, PayBasis, Totals};

/// What the timesheet needs of one finished question.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub active_ms: i64,
    pub target_ms: i64,
}

pub struct Pay {
    pub basis: PayBasis,
    pub rate: Option<f64>,
    pub currency: Option<Currency>,
}

#[derive(Default)]
struct DayRow {
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    count: i64,
    totals: Totals,
}

impl DayRow {
    fn add(&mut self, item: &Item) {
        self.first = Some(self.first.map_or(item.started_at, |f| f.min(item.started_at)));
        self.last = Some(self.last.map_or(item.ended_at, |l| l.max(item.ended_at)));
        self.count += 1;
        self.totals.active_ms += item.active_ms;
        self.totals.target_ms += item.target_ms;
    }
}

pub const HEADER: [&str; 8] = ["date", "first_start", "last_end", "active_hours", "credited_hours", "questions", "banked_hours", "earnings"];

/// Rows of text for `from..=to` (local dates in `tz`), then a total row. A question counts
/// on the day it started. Earnings are empty without a rate.
pub fn rows(tz: Tz, from: NaiveDate, to: NaiveDate, items: &[Item], pay: &Pay) -> Vec<[String; 8]> {
    let days = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
    let mut per_day: Vec<DayRow> = (0..days).map(|_| DayRow::default()).collect();
    let mut total = DayRow::default();
    for item in items {
        let offset = (local_date(tz, item.started_at) - from).num_days();
        if let Some(day) = usize::try_from(offset).ok().and_then(|i| per_day.get_mut(i)) {
            day.add(item);
            total.add(item);
        }
    }
    let time = |t: Option<DateTime<Utc>>, format: &str| t.map(|t| t.with_timezone(&tz).format(format).to_string()).unwrap_or_default();
    let mut out: Vec<[String; 8]> = per_day
        .iter()
        .enumerate()
        .map(|(i, day)| line((from + Days::new(i as u64)).to_string(), time(day.first, "%H:%M:%S"), time(day.last, "%H:%M:%S"), day, pay))
        .collect();
    out.push(line("total".into(), time(total.first, "%Y-%m-%d %H:%M:%S"), time(total.last, "%Y-%m-%d %H:%M:%S"), &total, pay));
    out
}

fn line(date: String, first: String, last: String, day: &DayRow, pay: &Pay) -> [String; 8] {
    let hours = |ms: i64| format!("{:.2}", ms as f64 / 3_600_000.0);
    let credited = day.totals.credited_ms(pay.basis);
    let earnings = match (pay.rate, pay.currency) {
        (Some(rate), Some(currency)) => format!("{:.*}", usize::from(currency.minor_units), pay::earnings(credited, rate, currency)),
        _ => String::new(),
    };
    [date, first, last, hours(day.totals.active_ms), hours(credited), day.count.to_string(), hours(day.totals.banked_ms()), earnings]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_then_a_total_in_local_time() {
        let tz = chrono_tz::America::Los_Angeles;
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        // 07:30 UTC on the 27th is 23:30 on the 26th in Los Angeles.
        let items = [
            Item { started_at: at(26, 17, 0), ended_at: at(26, 17, 30), active_ms: 1_800_000, target_ms: 3_600_000 },
            Item { started_at: at(27, 7, 30), ended_at: at(27, 8, 0), active_ms: 1_800_000, target_ms: 1_800_000 },
            Item { started_at: at(28, 18, 0), ended_at: at(28, 19, 0), active_ms: 3_600_000, target_ms: 1_800_000 },
        ];
        let pay = Pay { basis: PayBasis::Aet, rate: Some(10.0), currency: Currency::find("JPY") };
        let from = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let rows = rows(tz, from, from + Days::new(1), &items, &pay);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], ["2026-11-26", "09:00:00", "00:00:00", "1.00", "1.50", "2", "0.50", "15"].map(String::from));
        assert_eq!(rows[1], ["2026-11-27", "", "", "0.00", "0.00", "0", "0.00", "0"].map(String::from));
        assert_eq!(rows[2][0], "total");
        assert_eq!(rows[2][5], "2");
        let no_rate = Pay { basis: PayBasis::Active, rate: None, currency: Currency::find("USD") };
        let rows = super::rows(tz, from, from, &items, &no_rate);
        assert_eq!((rows[0][4].as_str(), rows[0][7].as_str()), ("1.00", ""));
    }
}
