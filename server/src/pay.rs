//! Banked time, credited time, earnings and caps. Pure: no web or database types.

/// What a finished question is credited with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayBasis {
    /// The target (the AET upper bound): how RaterHub pays.
    Aet,
    /// The active time.
    Active,
}

impl PayBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            PayBasis::Aet => "AET",
            PayBasis::Active => "ACTIVE",
        }
    }

    /// Unknown stored text falls back to the default, AET.
    pub fn parse(text: &str) -> Self {
        if text == "ACTIVE" { PayBasis::Active } else { PayBasis::Aet }
    }
}

/// ISO 4217 codes with their minor units (digits after the decimal point). Not every
/// currency: the ones raters are paid in, plus the zero- and three-digit ones that make
/// rounding differ.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("GHS", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("LKR", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PEN", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("RON", 2),
    ("RSD", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("VND", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("ZAR", 2),
];

pub const DEFAULT_CURRENCY: &str = "USD";

/// A known currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency {
    pub code: &'static str,
    pub minor_units: u8,
}

impl Currency {
    /// Case-insensitive; None for a code not in the table.
    pub fn find(code: &str) -> Option<Self> {
        let code = code.trim().to_ascii_uppercase();
        CURRENCIES.iter().find(|(c, _)| *c == code).map(|&(code, minor_units)| Currency { code, minor_units })
    }

    /// `amount` rounded half away from zero to the currency's minor unit.
    pub fn round(self, amount: f64) -> f64 {
        let scale = 10f64.powi(i32::from(self.minor_units));
        (amount * scale).round() / scale
    }
}

/// Totals of finished questions, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub active_ms: i64,
    pub target_ms: i64,
}

impl Totals {
    /// Σtarget − Σactive: positive means ahead of the targets.
    pub fn banked_ms(self) -> i64 {
        self.target_ms - self.active_ms
    }

    pub fn credited_ms(self, basis: PayBasis) -> i64 {
        match basis {
            PayBasis::Aet => self.target_ms,
            PayBasis::Active => self.active_ms,
        }
    }
}

/// Pay for `credited_ms` at `hourly_rate`, rounded to the currency's minor unit.
pub fn earnings(credited_ms: i64, hourly_rate: f64, currency: Currency) -> f64 {
    currency.round(credited_ms as f64 / 3_600_000.0 * hourly_rate)
}

/// A cap in seconds and what is left of it (never below zero).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cap {
    pub cap_seconds: f64,
    pub remaining_seconds: f64,
}

/// The cap for a period `period_seconds` long (a DST day is 23 or 25 hours): a cap of
/// more hours than the period has is bounded by the period.
pub fn cap(cap_hours: Option<f64>, period_seconds: f64, credited_ms: i64) -> Option<Cap> {
    let cap_seconds = (cap_hours? * 3600.0).min(period_seconds);
    Some(Cap { cap_seconds, remaining_seconds: (cap_seconds - credited_ms as f64 / 1000.0).max(0.0) })
}

/// Longest caps a setting accepts.
pub const MAX_DAILY_CAP_HOURS: f64 = 24.0;
pub const MAX_WEEKLY_CAP_HOURS: f64 = 168.0;

/// A named bundle of settings a rater can apply and change afterwards.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    pub name: &'static str,
    pub description: &'static str,
    /// 0 = Monday … 6 = Sunday.
    pub week_starts_on: i16,
    pub timezone: Option<&'static str>,
    pub pay_basis: PayBasis,
    pub daily_cap_hours: Option<f64>,
    pub weekly_cap_hours: Option<f64>,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "raterhub",
        description: "RaterHub: Monday–Sunday weeks in Pacific time, paid by AET, 8 h day and 40 h week caps as guides",
        week_starts_on: 0,
        timezone: Some("America/Los_Angeles"),
        pay_basis: PayBasis::Aet,
        daily_cap_hours: Some(8.0),
        weekly_cap_hours: Some(40.0),
    },
    Preset {
        name: "sat-fri-40h",
        description: "Saturday–Friday weeks with a 40 h week cap and no day cap; timezone unchanged",
        week_starts_on: 5,
        timezone: None,
        pay_basis: PayBasis::Aet,
        daily_cap_hours: None,
        weekly_cap_hours: Some(40.0),
    },
];

pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Days, NaiveDate, Weekday};
    use proptest::prelude::*;

    use crate::calendar;

    fn usd() -> Currency {
        Currency::find("USD").unwrap()
    }

    #[test]
    fn minor_units_decide_the_rounding() {
        // 1 h 1 min at 10.005/h = 10.17175.
        let ms = 3_660_000;
        assert_eq!(earnings(ms, 10.005, usd()), 10.17);
        assert_eq!(earnings(ms, 10.005, Currency::find("jpy").unwrap()), 10.0);
        assert_eq!(earnings(ms, 10.005, Currency::find("KWD").unwrap()), 10.172);
        assert_eq!(earnings(ms, 10.005, Currency::find("BHD").unwrap()), 10.172);
        assert_eq!(earnings(1_800_000, 0.01, usd()), 0.01); // 0.005 rounds away from zero
    }

    #[test]
    fn unknown_currency_is_refused() {
        assert_eq!(Currency::find("XYZ"), None);
        assert_eq!(Currency::find(""), None);
        assert_eq!(Currency::find("US"), None);
    }

    #[test]
    fn credited_by_basis() {
        let t = Totals { active_ms: 250_000, target_ms: 400_000 };
        assert_eq!(t.credited_ms(PayBasis::Aet), 400_000);
        assert_eq!(t.credited_ms(PayBasis::Active), 250_000);
        assert_eq!(t.banked_ms(), 150_000);
        assert_eq!(Totals { active_ms: 500, target_ms: 200 }.banked_ms(), -300);
    }

    #[test]
    fn cap_remaining_never_below_zero() {
        assert_eq!(cap(None, 86_400.0, 0), None);
        assert_eq!(cap(Some(8.0), 86_400.0, 3_600_000), Some(Cap { cap_seconds: 28_800.0, remaining_seconds: 25_200.0 }));
        assert_eq!(cap(Some(1.0), 86_400.0, 7_200_000).unwrap().remaining_seconds, 0.0);
    }

    #[test]
    fn daily_caps_across_dst_days() {
        let tz = chrono_tz::America::Los_Angeles;
        let length = |date| {
            let (a, b) = calendar::day_range(tz, date);
            (b - a).num_seconds() as f64
        };
        let spring = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let autumn = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        // A 24 h cap on a 23 h day is the 23 h the day has; on a 25 h day it stays 24 h.
        assert_eq!(cap(Some(24.0), length(spring), 0).unwrap().cap_seconds, 23.0 * 3600.0);
        assert_eq!(cap(Some(24.0), length(autumn), 0).unwrap().cap_seconds, 24.0 * 3600.0);
        // An 8 h cap is the same on every day.
        assert_eq!(cap(Some(8.0), length(spring), 3_600_000).unwrap().remaining_seconds, 7.0 * 3600.0);
    }

    #[test]
    fn presets_are_found_by_name() {
        let p = preset("raterhub").unwrap();
        assert_eq!(
            (p.week_starts_on, p.timezone, p.pay_basis, p.daily_cap_hours, p.weekly_cap_hours),
            (0, Some("America/Los_Angeles"), PayBasis::Aet, Some(8.0), Some(40.0))
        );
        assert_eq!(preset("sat-fri-40h").unwrap().week_starts_on, 5);
        assert!(preset("nope").is_none());
    }

    /// The model: per question, in integer cents of a 2-digit currency, without `Totals`.
    fn model_cents(questions: &[(i64, i64)], aet: bool, rate_cents: i64) -> i64 {
        let credited: i64 = questions.iter().map(|&(active, target)| if aet { target } else { active }).sum();
        // cents = credited_ms × rate_cents / 3 600 000, rounded half up (all values ≥ 0).
        (2 * credited * rate_cents + 3_600_000) / 7_200_000
    }

    proptest! {
        #[test]
        fn banked_and_credited_match_a_per_question_model(questions in prop::collection::vec((0i64..4_000_000, 0i64..4_000_000), 0..50)) {
            let totals = questions.iter().fold(Totals::default(), |t, &(a, g)| Totals { active_ms: t.active_ms + a, target_ms: t.target_ms + g });
            let banked: i64 = questions.iter().map(|&(a, g)| g - a).sum();
            prop_assert_eq!(totals.banked_ms(), banked);
            prop_assert_eq!(totals.credited_ms(PayBasis::Aet) - totals.credited_ms(PayBasis::Active), banked);
        }

        #[test]
        fn earnings_match_integer_cents(questions in prop::collection::vec((0i64..4_000_000, 0i64..4_000_000), 0..30), rate_cents in 0i64..20_000, aet: bool) {
            let basis = if aet { PayBasis::Aet } else { PayBasis::Active };
            let totals = questions.iter().fold(Totals::default(), |t, &(a, g)| Totals { active_ms: t.active_ms + a, target_ms: t.target_ms + g });
            let got = earnings(totals.credited_ms(basis), rate_cents as f64 / 100.0, usd());
            let want = model_cents(&questions, aet, rate_cents);
            // Exact halves can land either side in binary floating point; nothing else may differ.
            prop_assert!((got * 100.0 - want as f64).abs() <= 1.0 + 1e-6, "got {got}, want {want} cents");
            prop_assert!((got * 100.0 - (got * 100.0).round()).abs() < 1e-6, "{got} has more than 2 decimals");
        }

        #[test]
        fn weekly_cap_over_a_saturday_to_friday_week(day in 0u64..3000, credited in prop::collection::vec(0i64..20_000_000, 21), cap_hours in 0.0f64..168.0) {
            let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Days::new(day);
            let start = calendar::week_start(date, Weekday::Sat);
            prop_assert_eq!(start.weekday(), Weekday::Sat);
            prop_assert!(start <= date && date < start + Days::new(7));
            // Three weeks of credited time, the middle one containing `date`.
            let first = start - Days::new(7);
            let in_week: i64 = (0..21u64).filter(|i| (first + Days::new(*i)) >= start && (first + Days::new(*i)) < start + Days::new(7)).map(|i| credited[i as usize]).sum();
            let week_ms: i64 = credited[7..14].iter().sum();
            prop_assert_eq!(in_week, week_ms);
            let c = cap(Some(cap_hours), 7.0 * 86_400.0, week_ms).unwrap();
            let left = cap_hours * 3600.0 - week_ms as f64 / 1000.0;
            let want = left.max(0.0);
            prop_assert!((c.remaining_seconds - want).abs() < 1e-6, "remaining {} want {}", c.remaining_seconds, want);
        }
    }
}
