//! Links to the server's PDF and CSV reports. They are plain GET routes authenticated by the
//! session cookie, so an `<a href>` is enough: the browser downloads them itself.

use chrono::NaiveDate;
use yew::prelude::*;

/// The period a report covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReportPeriod {
    Day(NaiveDate),
    /// Any day of the week (the week start is clearest).
    Week(NaiveDate),
    /// Both dates included.
    Range(NaiveDate, NaiveDate),
}

impl ReportPeriod {
    /// The report's URL, `ext` being `pdf` or `csv`.
    pub fn url(self, ext: &str) -> String {
        let d = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        match self {
            ReportPeriod::Day(day) => format!("/reports/day/{}.{ext}", d(day)),
            ReportPeriod::Week(day) => format!("/reports/week/{}.{ext}", d(day)),
            ReportPeriod::Range(from, to) => {
                format!("/reports/range.{ext}?from={}&to={}", d(from), d(to))
            }
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ReportLinksProps {
    pub period: ReportPeriod,
}

/// "Download PDF" and "Download CSV" for one period.
#[component(ReportLinks)]
pub fn report_links(p: &ReportLinksProps) -> Html {
    html! {
        <div class="report-links" role="group" aria-label="Download the report">
            <a class="button secondary" href={p.period.url("pdf")} id="report-pdf">{ "Download PDF" }</a>
            <a class="button secondary" href={p.period.url("csv")} id="report-csv">{ "Download CSV" }</a>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_match_the_server_routes() {
        let a = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let b = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(ReportPeriod::Day(a).url("pdf"), "/reports/day/2026-11-02.pdf");
        assert_eq!(ReportPeriod::Week(a).url("csv"), "/reports/week/2026-11-02.csv");
        assert_eq!(ReportPeriod::Range(a, b).url("pdf"), "/reports/range.pdf?from=2026-11-02&to=2026-11-29");
    }
}
