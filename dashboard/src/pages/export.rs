//! CSV export of questions or daily totals, as a file download.

use crate::time::Date;
use yew::prelude::*;

use crate::components::error_box;
use crate::components::input_value;
use crate::dates::{self, Weekday, add_days, add_months, iso, month_start, week_start};
use crate::gql::{ApiError, ExportCsv, export_csv};
use crate::hooks::{Answer, use_app, use_mutation};
use crate::reports::{ReportLinksProps, ReportPeriod, report_links};
use crate::tz;

/// The file name for an export.
pub fn file_name(kind: &str, from: &str, to: &str) -> String {
    format!("raterhub-{}-{from}-to-{to}.csv", kind.to_ascii_lowercase())
}

/// Named ranges offered as shortcuts: (label, from, to), both inclusive.
pub fn presets(today: Date, starts_on: Weekday) -> Vec<(&'static str, Date, Date)> {
    let week = week_start(today, starts_on);
    let month = month_start(today);
    vec![
        ("This week", week, add_days(week, 6)),
        ("Last week", add_days(week, -7), add_days(week, -1)),
        ("This month", month, add_days(add_months(month, 1), -1)),
        ("Last month", add_months(month, -1), add_days(month, -1)),
    ]
}

/// Data rows of a CSV text (lines after the header, ignoring blank ones).
pub fn data_rows(csv: &str) -> usize {
    csv.lines().skip(1).filter(|l| !l.trim().is_empty()).count()
}

#[component(ExportPage)]
pub fn export_page() -> Html {
    let ctx = use_app();
    let tzname = ctx.timezone();
    let today = tz::local_date(&tz::now(), &tzname);
    let kind = use_state(|| "QUESTIONS".to_string());
    let from = use_state(|| iso(month_start(today)));
    let to = use_state(|| iso(today));
    let range_error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    // A failed download (the answer came, the browser refused the file).
    let saving_error = use_state(|| None::<ApiError>);
    let exported = use_mutation::<ExportCsv>({
        let (done, saving_error) = (done.clone(), saving_error.clone());
        Callback::from(move |(vars, data): Answer<ExportCsv>| {
            let kind = if vars.kind == export_csv::ExportKind::Daily { "DAILY" } else { "QUESTIONS" };
            let name = file_name(kind, &iso(vars.from), &iso(vars.to));
            let rows = data_rows(&data.export_csv);
            match download(&name, &data.export_csv) {
                Ok(()) => done.set(Some(format!("Downloaded {name} ({rows} rows)."))),
                Err(msg) => saving_error.set(Some(ApiError::network(msg))),
            }
        })
    });

    let onsubmit = {
        let (kind, from, to, range_error, done, saving_error, run) =
            (kind.clone(), from.clone(), to.clone(), range_error.clone(), done.clone(), saving_error.clone(), exported.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(f), Some(t)) = (dates::parse_date(&from), dates::parse_date(&to)) else {
                range_error.set(Some("Choose both dates.".into()));
                return;
            };
            if f > t {
                range_error.set(Some("The start date must not be after the end date.".into()));
                return;
            }
            range_error.set(None);
            done.set(None);
            saving_error.set(None);
            let export_kind = if *kind == "DAILY" { export_csv::ExportKind::Daily } else { export_csv::ExportKind::Questions };
            run.emit(export_csv::Variables { kind: export_kind, from: f, to: t });
        })
    };
    let error = exported.error.clone().or_else(|| (*saving_error).clone());
    let starts_on = ctx.user().map(|u| u.week_starts_on).unwrap_or(Weekday::Monday);
    let shortcuts = presets(today, starts_on).into_iter().map(|(label, f, t)| {
        let (from, to) = (from.clone(), to.clone());
        let pressed = *from == iso(f) && *to == iso(t);
        html! {
            <button type="button" class="secondary small" aria-pressed={pressed.to_string()}
                    onclick={move |_| { from.set(iso(f)); to.set(iso(t)); }}>{ label }</button>
        }
    });
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: Event| s.set(input_value(&e)))
    };
    let range = dates::parse_date(&from).zip(dates::parse_date(&to)).filter(|(f, t)| f <= t);
    html! {
        <section class="page export">
            <h1>{ "Export" }</h1>
            <p>{ format!("Dates and times are in your timezone ({tzname}). Both dates are included.") }</p>
            <form class="panel" onsubmit={onsubmit} id="export-form">
                <fieldset>
                    <legend>{ "What" }</legend>
                    <label class="radio">
                        <input type="radio" name="kind" value="QUESTIONS" checked={*kind == "QUESTIONS"} onchange={set(&kind)} />
                        { " Every question" }
                    </label>
                    <label class="radio">
                        <input type="radio" name="kind" value="DAILY" checked={*kind == "DAILY"} onchange={set(&kind)} />
                        { " Daily totals" }
                    </label>
                </fieldset>
                <div class="presets" role="group" aria-label="Quick ranges">{ for shortcuts }</div>
                <div class="row">
                    <div class="field">
                        <label for="export-from">{ "From" }</label>
                        <input type="date" id="export-from" value={(*from).clone()} onchange={set(&from)} />
                    </div>
                    <div class="field">
                        <label for="export-to">{ "To" }</label>
                        <input type="date" id="export-to" value={(*to).clone()} onchange={set(&to)} />
                    </div>
                </div>
                if let Some(r) = &*range_error { <p class="form-error" role="alert">{ r.clone() }</p> }
                <button type="submit" id="export-button" disabled={exported.running}>{ if exported.running { "Preparing…" } else { "Download CSV" } }</button>
                if let Some(d) = &*done { <p class="notice" role="status" id="export-done">{ d.clone() }</p> }
                if let Some(e) = error { { error_box(&e, None) } }
            </form>
            <section class="panel" aria-labelledby="report-h">
                <h2 id="report-h">{ "Report for these dates" }</h2>
                <p>{ "A summary with totals per day, as a PDF to share or a CSV for spreadsheets." }</p>
                if let Some((f, t)) = range {
                    { report_links(&yew::props!(ReportLinksProps { period: ReportPeriod::Range(f, t) })) }
                } else {
                    <p class="hint">{ "Choose a start date on or before the end date." }</p>
                }
            </section>
        </section>
    }
}

/// Saves `text` as a file through a Blob URL and a temporary `<a download>`.
#[cfg(target_arch = "wasm32")]
fn download(name: &str, text: &str) -> Result<(), String> {
    use wasm_bindgen::{JsCast, JsValue};
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|_| "cannot create file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "cannot create file URL")?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|_| "no anchor")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    let body = document.body().ok_or("no body")?;
    body.append_child(&a).map_err(|_| "cannot attach link")?;
    a.click();
    body.remove_child(&a).ok();
    // Revoke later: some browsers read the URL after click() returns.
    let url2 = url.clone();
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url2);
    })
    .forget();
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
fn download(_name: &str, _text: &str) -> Result<(), String> {
    Err("downloads need a browser".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_rows() {
        assert_eq!(file_name("QUESTIONS", "2026-11-01", "2026-11-26"), "raterhub-questions-2026-11-01-to-2026-11-26.csv");
        assert_eq!(data_rows("a,b\n1,2\n3,4\n"), 2);
        assert_eq!(data_rows("a,b\n"), 0);
        assert_eq!(data_rows("a,b\r\n1,2\r\n\r\n"), 1);
        let d = |s: &str| dates::parse_date(s).unwrap();
        let p = presets(d("2026-11-26"), Weekday::Monday);
        assert_eq!(p[0], ("This week", d("2026-11-23"), d("2026-11-29")));
        assert_eq!(p[1], ("Last week", d("2026-11-16"), d("2026-11-22")));
        assert_eq!(p[2], ("This month", d("2026-11-01"), d("2026-11-30")));
        assert_eq!(p[3], ("Last month", d("2026-10-01"), d("2026-10-31")));
    }
}
