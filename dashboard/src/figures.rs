//! The rater toolkit's figures (banked time, credited hours, earnings, caps) as Today, History
//! and the admin's read-only view show them. Pure helpers with native tests below, and plain
//! render functions rather than components: every Yew component costs wasm (issue #16).

use crate::time::Date;
use yew::prelude::*;

use crate::dates::{iso, short_day};
use crate::format;
use crate::route::{NavLink, Route};

/// An amount in a currency, as the API's `Money`.
#[derive(Clone, Debug, PartialEq)]
pub struct Money {
    pub amount: f64,
    pub currency: String,
}

/// The toolkit figures of a day, a week or a session.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub credited: f64,
    pub banked: f64,
    /// None without an hourly rate (then no money is shown at all).
    pub earnings: Option<Money>,
    /// The cap in seconds; None without a cap.
    pub cap: Option<f64>,
    pub remaining: Option<f64>,
}

/// Builds [`Figures`] from any generated selection of `creditedSeconds bankedSeconds
/// earnings { amount currency } capSeconds remainingSeconds`.
#[macro_export]
macro_rules! figures {
    ($x:expr) => {{
        let x = &$x;
        $crate::figures::Figures {
            credited: x.credited_seconds,
            banked: x.banked_seconds,
            earnings: x.earnings.as_ref().map(|m| $crate::figures::Money { amount: m.amount, currency: m.currency.clone() }),
            cap: x.cap_seconds,
            remaining: x.remaining_seconds,
        }
    }};
}

/// Digits after the decimal point in a currency (ISO 4217); the server rounds to the same.
pub fn minor_digits(currency: &str) -> usize {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "PYG" | "XAF" | "XOF" | "KMF" | "GNF" | "RWF" | "VUV" | "XPF" | "BIF" | "DJF" => 0,
        "KWD" | "BHD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

/// `12.50 USD`, `1234 JPY`, `1.250 KWD`.
pub fn money(m: &Money) -> String {
    format!("{} {}", format::fixed(m.amount, minor_digits(&m.currency) as u32), m.currency)
}

/// Banked time with its sign in text (`+4:10`, `−2:30`), a CSS class for the colour, and words.
pub fn banked(secs: f64) -> (String, &'static str, &'static str) {
    let r = if secs.is_finite() { secs.round() } else { 0.0 };
    let (class, words) = if r > 0.0 {
        ("ahead", "ahead of the targets")
    } else if r < 0.0 {
        ("behind", "behind the targets")
    } else {
        ("even", "on the targets")
    };
    (format::delta(secs), class, words)
}

/// How full a cap is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapLevel {
    Under,
    /// 90 % or more.
    Near,
    /// 100 % or more.
    Reached,
}

impl CapLevel {
    pub fn class(self) -> &'static str {
        match self {
            CapLevel::Under => "cap under",
            CapLevel::Near => "cap near",
            CapLevel::Reached => "cap reached",
        }
    }
}

/// The share of a cap used (whole percent, may pass 100) and its level. A zero cap is reached.
pub fn cap_use(credited: f64, cap: f64) -> (f64, CapLevel) {
    let pct = if cap > 0.0 { (credited.max(0.0) / cap * 100.0).floor() } else { 100.0 };
    let level = if pct >= 100.0 {
        CapLevel::Reached
    } else if pct >= 90.0 {
        CapLevel::Near
    } else {
        CapLevel::Under
    };
    (pct, level)
}

/// The words under a cap bar: `92% of the daily cap · 0:38:00 left`.
pub fn cap_words(credited: f64, cap: f64, remaining: f64, which: &str) -> String {
    let (pct, level) = cap_use(credited, cap);
    match level {
        CapLevel::Reached => format!("{}% of the {which} cap · cap reached", format::fixed(pct, 0)),
        CapLevel::Near => format!("{}% of the {which} cap · nearly there, {} left", format::fixed(pct, 0), format::duration(remaining)),
        CapLevel::Under => format!("{}% of the {which} cap · {} left", format::fixed(pct, 0), format::duration(remaining)),
    }
}

/// A cap as a bar with its words (the state is in the words too, not in colour only).
pub fn cap_meter(credited: f64, cap: f64, remaining: f64, which: &str) -> Html {
    let (pct, level) = cap_use(credited, cap);
    html! {
        <div class={level.class()}>
            <div class="progress" role="progressbar" aria-label={format!("Credited time against the {which} cap")}
                 aria-valuemin="0" aria-valuemax="100" aria-valuenow={format::fixed(pct.min(100.0), 0)}>
                <span style={format!("width:{}%", format::fixed(pct.min(100.0), 0))}></span>
            </div>
            <p class="cap-words">{ cap_words(credited, cap, remaining, which) }</p>
        </div>
    }
}

/// The banked time as a card value: sign and words in text, colour as a help.
fn banked_value(secs: f64) -> Html {
    let (text, class, _) = banked(secs);
    html! { <span class={classes!("banked", class)}>{ text }</span> }
}

/// Cards for banked time, credited hours, earnings (only with a rate) and the cap (only with
/// one). `which` names the period's cap ("daily", "weekly"); `id` prefixes the card ids;
/// `extra` cards follow.
pub fn figure_cards(f: &Figures, which: &str, id: &str, extra: Html) -> Html {
    let (_, _, words) = banked(f.banked);
    let cap = cap_card(f.credited, f.cap, f.remaining, which, &format!("{id}-cap"));
    let earnings = f.earnings.as_ref().map(|m| {
        html! {
            <section class="card" id={format!("{id}-earnings")} aria-label="Earnings">
                <h3>{ "Earnings" }</h3>
                <p class="value">{ money(m) }</p>
                <p class="detail">{ "credited hours × your rate" }</p>
            </section>
        }
    });
    html! {
        <div class="cards toolkit" id={format!("{id}-figures")}>
            <section class="card" id={format!("{id}-banked")} aria-label="Banked time">
                <h3>{ "Banked" }</h3>
                <p class="value">{ banked_value(f.banked) }</p>
                <p class="detail">{ words }</p>
            </section>
            <section class="card" id={format!("{id}-credited")} aria-label="Credited hours">
                <h3>{ "Credited" }</h3>
                <p class="value">{ format::hours(f.credited) }</p>
                <p class="detail">{ format::duration(f.credited) }</p>
            </section>
            { for earnings }
            { for cap }
            { extra }
        </div>
    }
}

/// A card with a cap's bar, or nothing without a cap.
pub fn cap_card(credited: f64, cap: Option<f64>, remaining: Option<f64>, which: &str, id: &str) -> Option<Html> {
    cap.map(|cap| {
        html! {
            <section class="card" id={id.to_string()} aria-label={format!("{which} cap")}>
                <h3>{ format!("{} cap", capitalised(which)) }</h3>
                <p class="value">{ format!("{} / {}", format::hours(credited), format::hours(cap)) }</p>
                { cap_meter(credited, cap, remaining.unwrap_or(0.0), which) }
            </section>
        }
    })
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| std::iter::once(f.to_ascii_uppercase()).chain(c).collect()).unwrap_or_default()
}

/// One day of a week table.
#[derive(Clone, Debug, PartialEq)]
pub struct DayRow {
    pub date: Date,
    pub questions: i64,
    pub active: f64,
    pub figures: Figures,
}

/// Builds a [`DayRow`] from any generated day with the toolkit fields.
#[macro_export]
macro_rules! day_row {
    ($d:expr) => {{
        let d = &$d;
        $crate::figures::DayRow { date: d.date, questions: d.question_count, active: d.active_seconds, figures: $crate::figures!(d) }
    }};
}

fn cap_cell(f: &Figures) -> Html {
    match f.cap {
        Some(cap) => {
            let (pct, level) = cap_use(f.credited, cap);
            let words = match level {
                CapLevel::Reached => " reached",
                CapLevel::Near => " near",
                CapLevel::Under => "",
            };
            html! { <span class={level.class()}>{ format!("{}%{words}", format::fixed(pct, 0)) }</span> }
        }
        None => html! { <span class="muted">{ "—" }</span> },
    }
}

fn figure_cells(questions: i64, active: f64, f: &Figures, money_col: bool, cap_col: bool) -> Html {
    html! {
        <>
            <td class="num" data-label="Questions">{ questions }</td>
            <td class="num" data-label="Active">{ format::duration(active) }</td>
            <td class="num" data-label="Credited">{ format::duration(f.credited) }</td>
            <td class="num" data-label="Banked">{ banked_value(f.banked) }</td>
            if money_col {
                <td class="num" data-label="Earnings">{ f.earnings.as_ref().map(money).unwrap_or_else(|| "—".into()) }</td>
            }
            if cap_col { <td class="num" data-label="Cap">{ cap_cell(f) }</td> }
        </>
    }
}

/// The days of a week with their figures and the week's total row; each day links to `link`.
pub fn day_table(id: &str, days: &[DayRow], week: &DayRow, link: &dyn Fn(Date) -> Route) -> Html {
    let money_col = week.figures.earnings.is_some() || days.iter().any(|d| d.figures.earnings.is_some());
    let cap_col = days.iter().any(|d| d.figures.cap.is_some());
    let rows = days.iter().map(|d| {
        html! {
            <tr key={iso(d.date)}>
                <th scope="row" data-label="Day">
                    <NavLink to={link(d.date)}>{ short_day(d.date) }</NavLink>
                </th>
                { figure_cells(d.questions, d.active, &d.figures, money_col, cap_col) }
            </tr>
        }
    });
    html! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Days">
            <table id={id.to_string()} class="stack days">
                <thead><tr>
                    <th scope="col">{ "Day" }</th>
                    <th scope="col" class="num">{ "Questions" }</th>
                    <th scope="col" class="num">{ "Active" }</th>
                    <th scope="col" class="num">{ "Credited" }</th>
                    <th scope="col" class="num">{ "Banked" }</th>
                    if money_col { <th scope="col" class="num">{ "Earnings" }</th> }
                    if cap_col { <th scope="col" class="num">{ "Daily cap" }</th> }
                </tr></thead>
                <tbody>{ for rows }</tbody>
                <tfoot><tr>
                    <th scope="row" data-label="Day">{ "Week" }</th>
                    { figure_cells(week.questions, week.active, &week.figures, money_col, false) }
                    if cap_col { <td class="num" data-label="Cap"></td> }
                </tr></tfoot>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_uses_the_currencys_minor_unit() {
        let m = |a: f64, c: &str| money(&Money { amount: a, currency: c.into() });
        assert_eq!(m(12.5, "USD"), "12.50 USD");
        assert_eq!(m(1234.0, "JPY"), "1234 JPY");
        assert_eq!(m(1.25, "KWD"), "1.250 KWD");
        assert_eq!(m(0.0, "EUR"), "0.00 EUR");
    }

    #[test]
    fn banked_has_a_text_sign() {
        assert_eq!(banked(250.0), ("+4:10".to_string(), "ahead", "ahead of the targets"));
        assert_eq!(banked(-150.2), ("\u{2212}2:30".to_string(), "behind", "behind the targets"));
        assert_eq!(banked(0.3).1, "even");
        assert_eq!(banked(f64::NAN).1, "even");
    }

    #[test]
    fn caps_warn_at_90_and_100_percent() {
        assert_eq!(cap_use(0.0, 28800.0), (0.0, CapLevel::Under));
        assert_eq!(cap_use(25_919.0, 28800.0), (89.0, CapLevel::Under));
        assert_eq!(cap_use(25_920.0, 28800.0), (90.0, CapLevel::Near));
        assert_eq!(cap_use(28_799.0, 28800.0), (99.0, CapLevel::Near));
        assert_eq!(cap_use(28_800.0, 28800.0), (100.0, CapLevel::Reached));
        assert_eq!(cap_use(30_000.0, 28800.0), (104.0, CapLevel::Reached));
        assert_eq!(cap_use(0.0, 0.0), (100.0, CapLevel::Reached));
        assert_eq!(cap_words(330.0, 360.0, 30.0, "daily"), "91% of the daily cap · nearly there, 0:30 left");
        assert_eq!(cap_words(100.0, 3600.0, 3500.0, "weekly"), "2% of the weekly cap · 58:20 left");
        assert_eq!(cap_words(400.0, 360.0, 0.0, "daily"), "111% of the daily cap · cap reached");
    }
}
