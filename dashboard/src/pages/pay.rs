//! Settings → "Pay and caps": pay basis, hourly rate, currency, daily and weekly caps, and the
//! presets, each previewed (what changes, from and to) before it is applied.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::{FieldProps, bind, field, select_value};
use crate::components::{error_box, spinner};
use crate::dates::Weekday;
use crate::gql::{ApiError, ApplyPreset, PayBasis, UpdatePay, apply_preset, pay_settings, update_pay};
use crate::hooks::{Answer, Load, use_app, use_mutation};
use crate::state::Action;
use crate::user_from;

/// The pay values as the form edits them.
#[derive(Clone, Debug, PartialEq)]
pub struct Pay {
    pub basis: PayBasis,
    pub rate: Option<f64>,
    pub currency: String,
    pub daily_cap: Option<f64>,
    pub weekly_cap: Option<f64>,
}

/// Builds [`Pay`] from any generated user selection with the pay fields.
macro_rules! pay_from {
    ($u:expr) => {{
        let u = &$u;
        Pay { basis: u.pay_basis, rate: u.hourly_rate, currency: u.currency.clone(), daily_cap: u.daily_cap_hours, weekly_cap: u.weekly_cap_hours }
    }};
}

/// A form field of the pay section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayField {
    Rate,
    Currency,
    DailyCap,
    WeeklyCap,
}

/// Per-field messages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PayErrors {
    pub rate: Option<String>,
    pub currency: Option<String>,
    pub daily: Option<String>,
    pub weekly: Option<String>,
}

impl PayErrors {
    fn set(&mut self, field: PayField, message: String) {
        let slot = match field {
            PayField::Rate => &mut self.rate,
            PayField::Currency => &mut self.currency,
            PayField::DailyCap => &mut self.daily,
            PayField::WeeklyCap => &mut self.weekly,
        };
        *slot = Some(message);
    }

    fn any_field(&self) -> bool {
        self.rate.is_some() || self.currency.is_some() || self.daily.is_some() || self.weekly.is_some()
    }
}

/// An optional number: empty is none; anything else must be a number (ranges are the
/// server's to check, so its codes are what the rater sees).
fn optional_number(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    crate::format::parse_number(&t).map(Some).ok_or_else(|| format!("“{}” is not a number.", text.trim()))
}

/// Reads the form's texts; errors name their fields.
pub fn parse_pay(basis: PayBasis, rate: &str, currency: &str, daily: &str, weekly: &str) -> Result<Pay, PayErrors> {
    let mut e = PayErrors::default();
    let mut take = |field, text: &str| optional_number(text).map_err(|m| e.set(field, m)).ok().flatten();
    let pay = Pay {
        basis,
        rate: take(PayField::Rate, rate),
        daily_cap: take(PayField::DailyCap, daily),
        weekly_cap: take(PayField::WeeklyCap, weekly),
        currency: currency.trim().to_ascii_uppercase(),
    };
    if pay.currency.is_empty() {
        e.currency = Some("Enter a currency code such as USD.".into());
    }
    if e.any_field() { Err(e) } else { Ok(pay) }
}

/// Places a server error by its code: the field it is about and words for it.
pub fn pay_error(e: &ApiError) -> Option<(PayField, String)> {
    let about = |name: &str| e.field.as_deref() == Some(name) || e.message.starts_with(name);
    match e.code.as_str() {
        "UNKNOWN_CURRENCY" => Some((PayField::Currency, "Unknown currency: use an ISO 4217 code such as USD, EUR or JPY.".into())),
        "BAD_USER_INPUT" if about("hourlyRate") => Some((PayField::Rate, "The rate must be 0 or more (up to 1,000,000).".into())),
        "BAD_USER_INPUT" if about("dailyCapHours") => Some((PayField::DailyCap, "A daily cap is 0 to 24 hours.".into())),
        "BAD_USER_INPUT" if about("weeklyCapHours") => Some((PayField::WeeklyCap, "A weekly cap is 0 to 168 hours.".into())),
        _ => None,
    }
}

pub fn basis_words(b: PayBasis) -> &'static str {
    match b {
        PayBasis::Aet => "AET: each question's target",
        PayBasis::Active => "Active time",
    }
}

fn hours_or_none(h: Option<f64>) -> String {
    h.map(|h| format!("{} h", crate::format::num(h))).unwrap_or_else(|| "none".into())
}

/// One line of a preset's preview: what, now, after.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub what: &'static str,
    pub now: String,
    pub after: String,
}

impl Change {
    pub fn changes(&self) -> bool {
        self.now != self.after
    }
}

/// What applying `preset` would set, against the current values (a preset without a
/// timezone keeps yours).
pub fn preview(preset: &pay_settings::PaySettingsPresets, pay: &Pay, week: Weekday, tz: &str) -> Vec<Change> {
    let line = |what, now: String, after: String| Change { what, now, after };
    vec![
        line("Week starts on", week.name().into(), preset.week_starts_on.name().into()),
        line("Timezone", tz.into(), preset.timezone.clone().unwrap_or_else(|| tz.into())),
        line("Pay basis", basis_words(pay.basis).into(), basis_words(preset.pay_basis).into()),
        line("Daily cap", hours_or_none(pay.daily_cap), hours_or_none(preset.daily_cap_hours)),
        line("Weekly cap", hours_or_none(pay.weekly_cap), hours_or_none(preset.weekly_cap_hours)),
    ]
}

/// The preview as a table; rows that change are marked in words as well as in bold.
pub fn preview_table(name: &str, changes: &[Change]) -> Html {
    let rows = changes.iter().map(|c| {
        let changes = c.changes();
        html! {
            <tr class={classes!(changes.then_some("changes"))}>
                <th scope="row">{ c.what }</th>
                <td>{ c.now.clone() }</td>
                <td>{ c.after.clone() }{ if changes { "" } else { " (unchanged)" } }</td>
            </tr>
        }
    });
    html! {
        <table class="preview" id="preset-preview">
            <caption>{ format!("Applying “{name}” sets:") }</caption>
            <thead><tr><th scope="col">{ "Setting" }</th><th scope="col">{ "Now" }</th><th scope="col">{ "After" }</th></tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

/// The section around the form. A function, not a component: the settings page runs its
/// query (components cost wasm, issue #16).
pub fn pay_panel((load, reload): (Load<pay_settings::ResponseData>, Callback<()>)) -> Html {
    let body = match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload)),
        Load::Ready(d) => match &d.me {
            Some(me) => html! { <PayForm initial={pay_from!(me)} presets={d.clone()} /> },
            None => html! {},
        },
    };
    html! {
        <section class="panel" aria-labelledby="pay-h" id="pay">
            <h2 id="pay-h">{ "Pay and caps" }</h2>
            <p class="hint">{ "Banked time, credited hours, earnings and cap progress on Today and History follow these. No rate, no earnings shown." }</p>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct PayFormProps {
    pub initial: Pay,
    /// The `PaySettings` answer, for its presets.
    pub presets: Rc<pay_settings::ResponseData>,
}

fn text(v: Option<f64>) -> String {
    v.map(crate::format::num).unwrap_or_default()
}

#[component(PayForm)]
pub fn pay_form(p: &PayFormProps) -> Html {
    let ctx = use_app();
    let user = ctx.user().cloned().expect("signed in");
    let pay = use_state(|| p.initial.clone());
    let basis = use_state(|| p.initial.basis);
    let rate = use_state(|| text(p.initial.rate));
    let currency = use_state(|| p.initial.currency.clone());
    let daily = use_state(|| text(p.initial.daily_cap));
    let weekly = use_state(|| text(p.initial.weekly_cap));
    let errors = use_state(PayErrors::default);
    let notice = use_state(|| None::<String>);
    let chosen = use_state(|| None::<String>);

    // Shows saved values in the fields (the server may normalise, e.g. `usd` → `USD`).
    let show = {
        let (pay, basis, rate, currency, daily, weekly) = (pay.clone(), basis.clone(), rate.clone(), currency.clone(), daily.clone(), weekly.clone());
        move |v: Pay| {
            basis.set(v.basis);
            rate.set(text(v.rate));
            currency.set(v.currency.clone());
            daily.set(text(v.daily_cap));
            weekly.set(text(v.weekly_cap));
            pay.set(v);
        }
    };
    let saved = use_mutation::<UpdatePay>({
        let (show, errors, notice) = (show.clone(), errors.clone(), notice.clone());
        Callback::from(move |(_, d): Answer<UpdatePay>| {
            show(pay_from!(d.update_settings));
            errors.set(PayErrors::default());
            notice.set(Some("Saved.".into()));
        })
    });
    let applied = use_mutation::<ApplyPreset>({
        let (show, notice, chosen, ctx) = (show.clone(), notice.clone(), chosen.clone(), ctx.clone());
        Callback::from(move |(_, d): Answer<ApplyPreset>| {
            show(pay_from!(d.apply_preset));
            notice.set(chosen.as_ref().map(|n| format!("Applied “{n}”. Change any value below if you like.")));
            chosen.set(None);
            ctx.dispatch(Action::UserUpdated(user_from!(&d.apply_preset)));
        })
    });
    // A server error by its code, next to its field.
    let mut server_errors = PayErrors::default();
    let mut form_error = None;
    if let Some(err) = &saved.error {
        match pay_error(err) {
            Some((field, message)) => server_errors.set(field, message),
            None => form_error = Some(err.clone()),
        }
    }
    let shown = |mine: &Option<String>, server: &Option<String>| mine.clone().or_else(|| server.clone());
    let field = |(id, label, state, error, hint): (&'static str, &'static str, &UseStateHandle<String>, Option<String>, &'static str)| {
        html! {
            { field(&yew::props!(FieldProps { id: id, label: label, value: (**state).clone(), oninput: bind(state), inputmode: (id != "currency").then_some("decimal"), error: error, hint: hint, autocomplete: "off" })) }
        }
    };
    let money_fields = [
        ("hourly-rate", "Hourly rate", &rate, shown(&errors.rate, &server_errors.rate), "Per credited hour. Empty: no earnings shown."),
        ("currency", "Currency", &currency, shown(&errors.currency, &server_errors.currency), "ISO 4217 code, e.g. USD, EUR, JPY."),
    ];
    let cap_fields = [
        ("daily-cap", "Daily cap (hours)", &daily, shown(&errors.daily, &server_errors.daily), "Empty: no cap."),
        ("weekly-cap", "Weekly cap (hours)", &weekly, shown(&errors.weekly, &server_errors.weekly), "Empty: no cap."),
    ];

    let onsubmit = {
        let (basis, rate, currency, daily, weekly, errors, notice, run) =
            (basis.clone(), rate.clone(), currency.clone(), daily.clone(), weekly.clone(), errors.clone(), notice.clone(), saved.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            notice.set(None);
            match parse_pay(*basis, &rate, &currency, &daily, &weekly) {
                Err(e) => errors.set(e),
                Ok(v) => {
                    errors.set(PayErrors::default());
                    run.emit(update_pay::Variables {
                        pay_basis: v.basis,
                        hourly_rate: v.rate,
                        currency: v.currency,
                        daily_cap_hours: v.daily_cap,
                        weekly_cap_hours: v.weekly_cap,
                    });
                }
            }
        })
    };
    let on_basis = {
        let basis = basis.clone();
        Callback::from(move |e: Event| basis.set(if select_value(&e) == "ACTIVE" { PayBasis::Active } else { PayBasis::Aet }))
    };

    let presets = p.presets.presets.iter().map(|preset| {
        let open = chosen.as_deref() == Some(preset.name.as_str());
        let pick = {
            let (chosen, notice, name) = (chosen.clone(), notice.clone(), preset.name.clone());
            Callback::from(move |_: MouseEvent| {
                notice.set(None);
                chosen.set(Some(name.clone()))
            })
        };
        let apply = {
            let (run, name) = (applied.run.clone(), preset.name.clone());
            Callback::from(move |_: MouseEvent| run.emit(apply_preset::Variables { name: name.clone() }))
        };
        let cancel = {
            let chosen = chosen.clone();
            Callback::from(move |_: MouseEvent| chosen.set(None))
        };
        html! {
            <li class="preset" id={format!("preset-{}", preset.name)}>
                <p><strong>{ preset.name.clone() }</strong>{ " — " }{ preset.description.clone() }</p>
                if open {
                    <div class="result-box">
                        { preview_table(&preset.name, &preview(preset, &pay, user.week_starts_on, &user.timezone)) }
                        <p class="hint">{ "Rate and currency stay as they are." }</p>
                        <button type="button" class="apply-preset" onclick={apply} disabled={applied.running}>
                            { if applied.running { "Applying…".to_string() } else { format!("Apply “{}”", preset.name) } }
                        </button>
                        { " " }
                        <button type="button" class="secondary" onclick={cancel}>{ "Cancel" }</button>
                    </div>
                } else {
                    <button type="button" class="secondary small preview-preset" onclick={pick}
                            aria-label={format!("Preview the preset {}", preset.name)}>{ "Preview" }</button>
                }
            </li>
        }
    });
    html! {
        <>
            <form id="pay-form" onsubmit={onsubmit} novalidate=true>
                <div class="row">
                    <div class="field">
                        <label for="pay-basis">{ "Pay basis" }</label>
                        <select id="pay-basis" onchange={on_basis}>
                            <option value="AET" selected={*basis == PayBasis::Aet}>{ "AET: each question's target (how RaterHub pays)" }</option>
                            <option value="ACTIVE" selected={*basis == PayBasis::Active}>{ "Active time" }</option>
                        </select>
                    </div>
                    { for money_fields.map(&field) }
                </div>
                <div class="row">{ for cap_fields.map(&field) }</div>
                if let Some(e) = form_error { { error_box(&e, None) } }
                <button type="submit" id="save-pay" disabled={saved.running}>{ if saved.running { "Saving…" } else { "Save pay and caps" } }</button>
            </form>
            if let Some(n) = &*notice { <p class="notice" role="status" id="pay-notice">{ n.clone() }</p> }
            <h3 class="sub">{ "Presets" }</h3>
            <p class="hint">{ "A preset sets the week, timezone, pay basis and caps in one go. Preview it first; change any value afterwards." }</p>
            if let Some(e) = &applied.error { { error_box(e, None) } }
            <ul class="presets-list">{ for presets }</ul>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_empty_as_none_and_leaves_ranges_to_the_server() {
        let p = parse_pay(PayBasis::Aet, " 20,5 ", "usd", "", "40").unwrap();
        assert_eq!(p, Pay { basis: PayBasis::Aet, rate: Some(20.5), currency: "USD".into(), daily_cap: None, weekly_cap: Some(40.0) });
        // A negative rate is the server's to refuse (BAD_USER_INPUT), so it goes through.
        assert_eq!(parse_pay(PayBasis::Active, "-1", "EUR", "30", "").unwrap().rate, Some(-1.0));
        let e = parse_pay(PayBasis::Aet, "ten", "", "x", "").unwrap_err();
        assert_eq!(e.rate.as_deref(), Some("“ten” is not a number."));
        assert!(e.currency.is_some() && e.daily.is_some() && e.weekly.is_none());
    }

    #[test]
    fn server_errors_land_on_their_fields_by_code() {
        let err = |code: &str, message: &str| ApiError { code: code.into(), message: message.into(), field: None, retry_after: None };
        assert_eq!(pay_error(&err("UNKNOWN_CURRENCY", "unknown currency XYZ")).unwrap().0, PayField::Currency);
        assert_eq!(pay_error(&err("BAD_USER_INPUT", "hourlyRate must be between 0 and 1000000")).unwrap().0, PayField::Rate);
        assert_eq!(pay_error(&err("BAD_USER_INPUT", "dailyCapHours must be between 0 and 24")).unwrap().0, PayField::DailyCap);
        assert_eq!(pay_error(&err("BAD_USER_INPUT", "weeklyCapHours must be between 0 and 168")).unwrap().0, PayField::WeeklyCap);
        assert_eq!(pay_error(&err("BAD_USER_INPUT", "something else")), None);
        assert_eq!(pay_error(&err("INTERNAL", "hourlyRate")), None);
    }

    #[test]
    fn a_preview_lists_what_changes() {
        let preset = pay_settings::PaySettingsPresets {
            name: "raterhub".into(),
            description: "RaterHub".into(),
            week_starts_on: Weekday::Monday,
            timezone: Some("America/Los_Angeles".into()),
            pay_basis: PayBasis::Aet,
            daily_cap_hours: Some(8.0),
            weekly_cap_hours: Some(40.0),
        };
        let pay = Pay { basis: PayBasis::Active, rate: Some(20.0), currency: "USD".into(), daily_cap: None, weekly_cap: Some(40.0) };
        let c = preview(&preset, &pay, Weekday::Sunday, "Europe/Paris");
        let rows: Vec<(&str, &str, &str, bool)> = c.iter().map(|c| (c.what, c.now.as_str(), c.after.as_str(), c.changes())).collect();
        assert_eq!(
            rows,
            vec![
                ("Week starts on", "Sunday", "Monday", true),
                ("Timezone", "Europe/Paris", "America/Los_Angeles", true),
                ("Pay basis", "Active time", "AET: each question's target", true),
                ("Daily cap", "none", "8 h", true),
                ("Weekly cap", "40 h", "40 h", false),
            ]
        );
        let keep = pay_settings::PaySettingsPresets { timezone: None, ..preset };
        assert!(!preview(&keep, &pay, Weekday::Sunday, "Europe/Paris")[1].changes(), "no timezone in the preset: yours stays");
    }
}
