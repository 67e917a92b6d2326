//! Settings: timezone, targets and goals, pay and caps, password, devices, activity log, sign out everywhere.

use yew::prelude::*;

use super::account::{use_delete_account_panel, use_mail_sections};
use super::pay::pay_panel;
use crate::components::{AuditTable, ConfirmButton, error_box, spinner};
use crate::components::{FieldProps, bind, field, input_event_value, select_value};
use crate::dates::Weekday;
use crate::format;
use crate::gql::{self, ApiError, ChangePassword, DeviceTokens, Logout, RevokeDeviceToken, Timezones, UpdateSettings, update_settings};
use crate::hooks::{Answer, Load, use_app, use_mutation, use_mutation_with, use_query};
use crate::state::Action;
use crate::tz;
use crate::user_from;

/// Zones matching a search (case-insensitive; spaces match underscores), keeping `keep`.
pub fn filter_zones(all: &[String], query: &str, keep: &str) -> Vec<String> {
    let q = query.trim().to_ascii_lowercase().replace(' ', "_");
    all.iter().filter(|z| q.is_empty() || z.to_ascii_lowercase().contains(&q) || z.as_str() == keep).cloned().collect()
}

/// Validated preference values, or per-field messages.
#[derive(Debug, PartialEq, Default)]
pub struct PrefErrors {
    pub target: Option<String>,
    pub goal: Option<String>,
    pub idle: Option<String>,
}

pub fn parse_prefs(target: &str, goal: &str, idle: &str) -> Result<(f64, f64, i64), PrefErrors> {
    let mut e = PrefErrors::default();
    let t = format::parse_mss(target);
    if let Ok(v) = t
        && !(10.0..=7200.0).contains(&v)
    {
        e.target = Some("Choose a target between 0:10 and 2:00:00.".into());
    }
    let t = t.map_err(|m| e.target.get_or_insert(m).clone()).ok();
    let g = format::parse_number(goal).filter(|g| (0.0..=168.0).contains(g));
    if g.is_none() {
        e.goal = Some("Enter hours between 0 and 168.".into());
    }
    let i = idle.trim().parse::<i64>().ok().filter(|i| (1..=1440).contains(i));
    if i.is_none() {
        e.idle = Some("Enter minutes between 1 and 1440.".into());
    }
    match (t, g, i) {
        (Some(t), Some(g), Some(i)) if e == PrefErrors::default() => Ok((t, g, i)),
        _ => Err(e),
    }
}

#[component(SettingsPage)]
pub fn settings_page() -> Html {
    let pay = use_query::<gql::PaySettings>(gql::pay_settings::Variables, false);
    // Each section keeps its own state, through hooks of this page.
    let preferences = use_preferences();
    let mail = use_mail_sections();
    let password = use_password_form();
    let devices = use_devices();
    let activity = use_activity_log();
    let sign_out = use_sign_out_everywhere();
    let delete = use_delete_account_panel();
    html! {
        <section class="page settings">
            <h1>{ "Settings" }</h1>
            { preferences }
            { pay_panel(pay) }
            { mail }
            { password }
            { devices }
            { activity }
            { sign_out }
            { delete }
        </section>
    }
}

/// Called by the settings page as one of its hooks (no component of its own: issue #16, size).
#[hook]
fn use_preferences() -> Html {
    let ctx = use_app();
    let user = ctx.user().cloned().expect("signed in");
    let (zones, reload_zones) = use_query::<Timezones>(gql::timezones::Variables, false);
    let zone = use_state(|| user.timezone.clone());
    let search = use_state(String::new);
    let target = use_state(|| format::mss(user.target_seconds));
    let goal = use_state(|| crate::format::num(user.weekly_goal_hours));
    let idle = use_state(|| user.idle_timeout_minutes.to_string());
    let week = use_state(|| user.week_starts_on);
    let errors = use_state(PrefErrors::default);
    let saved = use_state(|| false);
    let update = {
        let (saved, ctx) = (saved.clone(), ctx.clone());
        use_mutation::<UpdateSettings>(Callback::from(move |(_, d): Answer<UpdateSettings>| {
            saved.set(true);
            ctx.dispatch(Action::UserUpdated(user_from!(&d.update_settings)));
        }))
    };
    let browser = tz::browser_zone();
    {
        // A preset may change the timezone and week start: the form follows.
        let (zone, week) = (zone.clone(), week.clone());
        use_effect_with((user.timezone.clone(), user.week_starts_on), move |(tz, starts)| {
            zone.set(tz.clone());
            week.set(*starts);
        });
    }

    let onsubmit = {
        let (zone, target, goal, idle, week, errors, saved, run) =
            (zone.clone(), target.clone(), goal.clone(), idle.clone(), week.clone(), errors.clone(), saved.clone(), update.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            saved.set(false);
            let (t, g, i) = match parse_prefs(&target, &goal, &idle) {
                Ok(v) => v,
                Err(e) => return errors.set(e),
            };
            errors.set(PrefErrors::default());
            let input = update_settings::SettingsInput {
                timezone: Some((*zone).clone()),
                target_seconds: Some(t),
                idle_timeout_minutes: Some(i),
                weekly_goal_hours: Some(g),
                week_starts_on: Some(*week),
                display_name: None,
                report_emails: None,
                pay_basis: None,
                hourly_rate: None,
                currency: None,
                daily_cap_hours: None,
                weekly_cap_hours: None,
            };
            run.emit(update_settings::Variables { input });
        })
    };

    let zone_list = match &zones {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(e, Some(reload_zones.clone())),
        Load::Ready(z) => {
            let shown = filter_zones(&z.timezones, &search, &zone);
            let count = shown.len();
            let on_pick = {
                let zone = zone.clone();
                Callback::from(move |e: Event| {
                    let v = select_value(&e);
                    if !v.is_empty() {
                        zone.set(v)
                    }
                })
            };
            html! {
                <>
                    <select id="timezone" size="8" aria-label="Timezone" aria-describedby="tz-count" onchange={on_pick}>
                        { for shown.iter().map(|z| html! { <option value={z.clone()} selected={*z == *zone}>{ z.clone() }</option> }) }
                    </select>
                    <p class="hint" id="tz-count">{ if count == 1 { "1 zone shown".to_string() } else { format!("{count} zones shown") } }</p>
                </>
            }
        }
    };
    let suggest = browser.filter(|b| *b != *zone).map(|b| {
        let zone = zone.clone();
        let b2 = b.clone();
        html! {
            <p class="hint">
                { "Your browser is in " }<strong>{ b.clone() }</strong>{ ". " }
                <button type="button" class="secondary small" id="use-browser-zone" onclick={move |_| zone.set(b2.clone())}>{ "Use it" }</button>
            </p>
        }
    });
    let on_search = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| search.set(input_event_value(&e)))
    };
    let on_week = {
        let week = week.clone();
        Callback::from(move |e: Event| {
            if let Some(w) = Weekday::from_key(&select_value(&e)) {
                week.set(w)
            }
        })
    };
    html! {
        <form class="panel" onsubmit={onsubmit} id="prefs-form" novalidate=true>
            <h2>{ "Preferences" }</h2>
            <fieldset>
                <legend>{ "Timezone" }</legend>
                <p>{ "Selected: " }<strong id="tz-selected">{ (*zone).clone() }</strong></p>
                { for suggest }
                <div class="field">
                    <label for="tz-search">{ "Search zones" }</label>
                    <input id="tz-search" type="search" placeholder="e.g. Paris, Tokyo, New York" value={(*search).clone()} oninput={on_search} />
                </div>
                { zone_list }
            </fieldset>
            <div class="row">
                { field(&yew::props!(FieldProps { id: "target", label: "Default target per question (m:ss)", value: (*target).clone(), oninput: bind(&target), error: errors.target.clone(), inputmode: "numeric", hint: "Used when the overlay sends no target." })) }
                { field(&yew::props!(FieldProps { id: "goal", label: "Weekly goal (hours)", value: (*goal).clone(), oninput: bind(&goal), error: errors.goal.clone(), inputmode: "decimal" })) }
            </div>
            <div class="row">
                <div class="field">
                    <label for="week-start">{ "Week starts on" }</label>
                    <select id="week-start" onchange={on_week}>
                        { for Weekday::ALL.iter().map(|w| html! { <option value={w.key()} selected={*w == *week}>{ w.name() }</option> }) }
                    </select>
                </div>
                { field(&yew::props!(FieldProps { id: "idle", label: "Idle timeout (minutes)", value: (*idle).clone(), oninput: bind(&idle), error: errors.idle.clone(), inputmode: "numeric", hint: "A session with no event for this long is ended at its last event." })) }
            </div>
            if let Some(e) = &update.error { { error_box(e, None) } }
            <button type="submit" id="save-prefs" disabled={update.running}>{ if update.running { "Saving…" } else { "Save preferences" } }</button>
            if *saved { <p class="notice" role="status" id="prefs-saved">{ "Saved." }</p> }
        </form>
    }
}

/// Called by the settings page as one of its hooks (no component of its own: issue #16, size).
#[hook]
fn use_password_form() -> Html {
    let current = use_state(String::new);
    let new = use_state(String::new);
    let confirm = use_state(String::new);
    let errs = use_state(|| (None::<String>, None::<String>, None::<String>, None::<String>));
    let done = use_state(|| false);
    let changed = {
        let (current, new, confirm, done, errs) = (current.clone(), new.clone(), confirm.clone(), done.clone(), errs.clone());
        use_mutation_with::<ChangePassword>(
            Callback::from(move |_| {
                current.set(String::new());
                new.set(String::new());
                confirm.set(String::new());
                done.set(true);
            }),
            Callback::from(move |(_, e): (_, ApiError)| {
                let msg = Some(e.friendly());
                match e.code.as_str() {
                    "INVALID_CREDENTIALS" => errs.set((Some("Your current password is wrong.".into()), None, None, None)),
                    "WEAK_PASSWORD" => errs.set((None, msg, None, None)),
                    // The app has gone back to sign-in (see `report`).
                    "UNAUTHENTICATED" => {}
                    _ => errs.set((None, None, None, msg)),
                }
            }),
        )
    };
    let busy = changed.running;
    let onsubmit = {
        let (current, new, confirm, errs, done, run) = (current.clone(), new.clone(), confirm.clone(), errs.clone(), done.clone(), changed.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            done.set(false);
            let mut v = (None, None, None, None);
            if current.is_empty() {
                v.0 = Some("Enter your current password.".to_string());
            }
            if new.chars().count() < 12 {
                v.1 = Some("Use at least 12 characters.".to_string());
            }
            if *new != *confirm {
                v.2 = Some("The two new passwords differ.".to_string());
            }
            if v.0.is_some() || v.1.is_some() || v.2.is_some() {
                return errs.set(v);
            }
            errs.set((None, None, None, None));
            run.emit(gql::change_password::Variables { current: (*current).clone(), new: (*new).clone() });
        })
    };
    html! {
        <form class="panel" onsubmit={onsubmit} id="password-form" novalidate=true>
            <h2>{ "Change password" }</h2>
            { field(&yew::props!(FieldProps { id: "current-password", label: "Current password", kind: "password", value: (*current).clone(), oninput: bind(&current), error: errs.0.clone(), autocomplete: "current-password" })) }
            <div class="row">
                { field(&yew::props!(FieldProps { id: "new-password", label: "New password", kind: "password", value: (*new).clone(), oninput: bind(&new), error: errs.1.clone(), autocomplete: "new-password", hint: "At least 12 characters." })) }
                { field(&yew::props!(FieldProps { id: "confirm-password", label: "Repeat new password", kind: "password", value: (*confirm).clone(), oninput: bind(&confirm), error: errs.2.clone(), autocomplete: "new-password" })) }
            </div>
            if let Some(f) = &errs.3 { <p class="form-error" role="alert">{ f.clone() }</p> }
            <button type="submit" disabled={busy}>{ if busy { "Changing…" } else { "Change password" } }</button>
            if *done { <p class="notice" role="status">{ "Password changed. Other devices and browsers were signed out." }</p> }
        </form>
    }
}

/// Called by the settings page as one of its hooks (no component of its own: issue #16, size).
#[hook]
fn use_devices() -> Html {
    let ctx = use_app();
    let tzname = ctx.timezone();
    let (load, reload) = use_query::<DeviceTokens>(gql::device_tokens::Variables, false);
    let revoked = use_mutation::<RevokeDeviceToken>(reload.reform(|_| ()));
    let body = match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload.clone())),
        Load::Ready(d) if d.device_tokens.is_empty() => {
            html! { <p class="empty">{ "No devices yet. The overlay adds one when you sign in there." }</p> }
        }
        Load::Ready(d) => html! {
            <ul class="devices">
                { for d.device_tokens.iter().map(|t| {
                    let revoke = {
                        let (id, run) = (t.id.clone(), revoked.run.clone());
                        Callback::from(move |_| run.emit(gql::revoke_device_token::Variables { id: id.clone() }))
                    };
                    let used = t.last_used_at.as_ref().map(|u| format!("last used {} {}", tz::local_date(u, &tzname), tz::hm(u, &tzname)))
                        .unwrap_or_else(|| "never used".into());
                    html! {
                        <li key={t.id.clone()}>
                            <span><strong>{ t.name.clone() }</strong>{ format!(" · added {} · {used}", tz::local_date(&t.created_at, &tzname)) }</span>
                            <ConfirmButton label="Revoke" question={format!("Revoke {}?", t.name)} on_confirm={revoke} />
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <section class="panel" aria-labelledby="devices-h">
            <h2 id="devices-h">{ "Overlay devices" }</h2>
            { body }
            if let Some(e) = &revoked.error { { error_box(e, Some(revoked.retry.clone())) } }
        </section>
    }
}

/// The caller's own audit log (the latest 50 entries).
/// Called by the settings page as one of its hooks (no component of its own: issue #16, size).
#[hook]
fn use_activity_log() -> Html {
    let ctx = use_app();
    let tzname = ctx.timezone();
    let (load, reload) = use_query::<gql::AuditLog>(gql::audit_log::Variables { limit: Some(50), all_users: None }, false);
    let body = match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload)),
        Load::Ready(d) => html! {
            <AuditTable rows={crate::components::audit_rows(&d.audit_log, None)} timezone={tzname}
                        id="activity-log" caption="Your account's activity, newest first" />
        },
    };
    html! {
        <section class="panel" aria-labelledby="activity-h">
            <h2 id="activity-h">{ "Activity log" }</h2>
            <p class="hint">{ "The latest 50 events on your account: sign-ins, password and setting changes (failed password changes too), devices, deletions and admin actions concerning you. Something you don't recognise? Change your password and sign out everywhere." }</p>
            { body }
        </section>
    }
}

/// Called by the settings page as one of its hooks (no component of its own: issue #16, size).
#[hook]
fn use_sign_out_everywhere() -> Html {
    let ctx = use_app();
    let signed_out = {
        let (done, gone) = (ctx.clone(), ctx.clone());
        use_mutation_with::<Logout>(
            Callback::from(move |_| done.dispatch(Action::SignedOut { expired: false })),
            // Already signed out: that is what was asked.
            Callback::from(move |(_, e): (_, ApiError)| {
                if e.is_unauthenticated() {
                    gone.dispatch(Action::SignedOut { expired: false })
                }
            }),
        )
    };
    let on = signed_out.run.reform(|_| gql::logout::Variables);
    html! {
        <section class="panel" aria-labelledby="signout-h">
            <h2 id="signout-h">{ "Sign out everywhere" }</h2>
            <p>{ "Signs out this browser and every other browser session. Overlay device tokens are listed above." }</p>
            <ConfirmButton label="Sign out everywhere" question="Sign out of every browser?" on_confirm={on} />
            if let Some(e) = signed_out.error.as_ref().filter(|e| !e.is_unauthenticated()) { { error_box(e, None) } }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_search() {
        let all: Vec<String> = ["America/New_York", "Asia/Tokyo", "Europe/Paris", "UTC"].iter().map(|s| s.to_string()).collect();
        assert_eq!(filter_zones(&all, "tok", "UTC"), vec!["Asia/Tokyo", "UTC"]);
        assert_eq!(filter_zones(&all, "new york", "UTC"), vec!["America/New_York", "UTC"]);
        assert_eq!(filter_zones(&all, "", "UTC").len(), 4);
        assert_eq!(filter_zones(&all, "PARIS", "Europe/Paris"), vec!["Europe/Paris"]);
    }

    #[test]
    fn preference_validation() {
        assert_eq!(parse_prefs("5:30", "40", "60"), Ok((330.0, 40.0, 60)));
        let e = parse_prefs("5:75", "-1", "0").unwrap_err();
        assert!(e.target.is_some() && e.goal.is_some() && e.idle.is_some());
        assert!(parse_prefs("0:05", "40", "60").unwrap_err().target.is_some());
    }
}
