//! Links to the server's PDF and CSV reports. They are plain GET routes authenticated by the
//! session cookie, so an `<a href>` is enough: the browser downloads them itself.

use crate::time::Date;
use yew::prelude::*;

/// The period a report covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReportPeriod {
    Day(Date),
    /// Any day of the week (the week start is clearest).
    Week(Date),
    /// Both dates included.
    Range(Date, Date),
}

impl ReportPeriod {
    /// The report's URL for another user (an admin's `?user=ID`), or the caller's own.
    pub fn url_for(self, ext: &str, user: Option<&str>) -> String {
        let url = self.url(ext);
        match user {
            Some(id) => format!("{url}{}user={id}", if url.contains('?') { '&' } else { '?' }),
            None => url,
        }
    }

    /// The report's URL, `ext` being `pdf` or `csv`.
    pub fn url(self, ext: &str) -> String {
        let d = crate::dates::iso;
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
    /// Another user's id (admins only; the server refuses anyone else).
    #[prop_or_default]
    pub user: Option<AttrValue>,
    /// Prefix of the links' ids (`report-pdf`, `report-csv`).
    #[prop_or(AttrValue::Static("report"))]
    pub id: AttrValue,
    /// What the links download, for their group's label.
    #[prop_or(AttrValue::Static("the report"))]
    pub what: AttrValue,
}

/// "Download PDF" and "Download CSV" for one period (a function, not a component: see charts).
pub fn report_links(p: &ReportLinksProps) -> Html {
    html! {
        <div class="report-links" role="group" aria-label={format!("Download {}", p.what)}>
            <a class="button secondary" href={p.period.url_for("pdf", p.user.as_deref())} id={format!("{}-pdf", p.id)}>{ "Download PDF" }</a>
            <a class="button secondary" href={p.period.url_for("csv", p.user.as_deref())} id={format!("{}-csv", p.id)}>{ "Download CSV" }</a>
        </div>
    }
}

/// A line shown only on paper (see `@media print` in style.css): whose report, which period,
/// which timezone, since the printed page has no navigation to tell.
pub fn print_head(who: &str, period: &str, tz: &str) -> Html {
    html! { <p class="print-head">{ format!("RaterHub Tracker · {who} · {period} · {tz}") }</p> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_match_the_server_routes() {
        let a = Date::from_ymd_opt(2026, 11, 2).unwrap();
        let b = Date::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(ReportPeriod::Day(a).url("pdf"), "/reports/day/2026-11-02.pdf");
        assert_eq!(ReportPeriod::Week(a).url("csv"), "/reports/week/2026-11-02.csv");
        assert_eq!(ReportPeriod::Range(a, b).url("pdf"), "/reports/range.pdf?from=2026-11-02&to=2026-11-29");
        assert_eq!(ReportPeriod::Day(a).url_for("pdf", Some("7")), "/reports/day/2026-11-02.pdf?user=7");
        assert_eq!(ReportPeriod::Range(a, b).url_for("csv", Some("7")), "/reports/range.csv?from=2026-11-02&to=2026-11-29&user=7");
        assert_eq!(ReportPeriod::Week(a).url_for("csv", None), "/reports/week/2026-11-02.csv");
    }
}
