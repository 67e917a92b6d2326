//! Settings sections that depend on the server's mail: the verification banner, report
//! e-mails and changing the address; and deleting the account.

use graphql_client::GraphQLQuery;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::{ConfirmButton, error_box, spinner};
use crate::components::{FieldProps, bind, field};
use crate::gql::{
    self, ApiError, ChangeEmail, DeleteAccount, MailSettings, ResendVerification, UpdateDisplayName, UpdateReportEmails, update_display_name,
    update_report_emails,
};
use crate::hooks::{Answer, Load, Mutation, use_app, use_mutation_with, use_query};
use crate::state::Action;

/// The hour field of the report e-mails form: a whole local hour, 0–23.
pub fn parse_hour(text: &str) -> Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(h) if (0..=23).contains(&h) => Ok(h),
        _ => Err("Enter an hour from 0 to 23.".into()),
    }
}

/// Where a change-email error goes: (new address, password, whole form).
pub fn change_email_error(e: &ApiError) -> (Option<String>, Option<String>, Option<String>) {
    match e.code.as_str() {
        "INVALID_CREDENTIALS" => (None, Some("Your password is wrong.".into()), None),
        "EMAIL_TAKEN" => (Some(e.friendly()), None, None),
        "BAD_USER_INPUT" if e.message.to_ascii_lowercase().contains("email") => (Some(e.friendly()), None, None),
        _ => (None, None, Some(e.friendly())),
    }
}

fn checked(e: &Event) -> bool {
    e.target_dyn_into::<HtmlInputElement>().is_some_and(|i| i.checked())
}

/// What an action answered: `ok` on success, else the error in words.
fn outcome_line(outcome: &Option<Result<(), ApiError>>, ok: &'static str, id: &'static str) -> Html {
    match outcome {
        Some(Ok(())) => html! { <p class="notice" role="status" id={id}>{ ok }</p> },
        Some(Err(e)) => html! { <p class="form-error" role="alert">{ e.friendly() }</p> },
        None => html! {},
    }
}

/// Runs `Q` and keeps its outcome for [`outcome_line`].
#[hook]
fn use_outcome<Q>() -> (UseStateHandle<Option<Result<(), ApiError>>>, Mutation<Q>)
where
    Q: GraphQLQuery + 'static,
    Q::Variables: Clone + 'static,
    Q::ResponseData: for<'de> serde::Deserialize<'de> + 'static,
{
    let outcome = use_state(|| None::<Result<(), ApiError>>);
    let (ok, failed) = (outcome.clone(), outcome.clone());
    let m = use_mutation_with::<Q>(Callback::from(move |_| ok.set(Some(Ok(())))), Callback::from(move |(_, e)| failed.set(Some(Err(e)))));
    (outcome, m)
}

/// The mail-dependent sections, once the server said what its mail can do.
/// Called by the settings page as one of its hooks (no component of its own: issue #16, size).
#[hook]
pub fn use_mail_sections() -> Html {
    let (load, reload) = use_query::<MailSettings>(gql::mail_settings::Variables, false);
    match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload)),
        Load::Ready(d) => {
            let enabled = d.mail_status.enabled;
            let Some(me) = &d.me else { return html! {} };
            let r = &me.report_emails;
            let initial = ReportEmails { daily: r.daily, weekly: r.weekly, hour: r.hour, include_empty: r.include_empty };
            html! {
                <>
                    if enabled && !me.email_verified { <VerifyBanner /> }
                    <DisplayNameForm initial={me.display_name.clone()} />
                    <ReportEmailsForm initial={initial} mail_enabled={enabled} />
                    <ChangeEmailForm mail_enabled={enabled} />
                </>
            }
        }
    }
}

/// "Your address is not verified" with a button that mails a new link.
#[component(VerifyBanner)]
pub fn verify_banner() -> Html {
    let (outcome, resend) = use_outcome::<ResendVerification>();
    let onclick = resend.run.reform(|_: MouseEvent| gql::resend_verification::Variables);
    html! {
        <div class="notice banner" role="status" id="verify-banner">
            <p>{ "Your e-mail address is not verified yet. Open the link we mailed you, or get a new one." }</p>
            <button type="button" class="secondary" onclick={onclick} id="resend-verification">{ "Resend" }</button>
            { outcome_line(&outcome, "Sent. Check your inbox.", "resend-done") }
        </div>
    }
}

/// The report e-mail settings as the form holds them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportEmails {
    pub daily: bool,
    pub weekly: bool,
    pub hour: i64,
    pub include_empty: bool,
}

#[derive(Properties, PartialEq)]
pub struct ReportEmailsProps {
    pub initial: ReportEmails,
    pub mail_enabled: bool,
}

/// Daily and weekly report mails, saved alone (only `reportEmails` is sent).
#[component(ReportEmailsForm)]
pub fn report_emails_form(p: &ReportEmailsProps) -> Html {
    let init = p.initial;
    let daily = use_state(|| init.daily);
    let weekly = use_state(|| init.weekly);
    let hour = use_state(|| init.hour.to_string());
    let include_empty = use_state(|| init.include_empty);
    let hour_error = use_state(|| None::<String>);
    let (outcome, saved) = use_outcome::<UpdateReportEmails>();
    let busy = saved.running;
    let toggle = |s: &UseStateHandle<bool>| {
        let s = s.clone();
        Callback::from(move |e: Event| s.set(checked(&e)))
    };
    let onsubmit = {
        let (daily, weekly, hour, include_empty) = (daily.clone(), weekly.clone(), hour.clone(), include_empty.clone());
        let (hour_error, run) = (hour_error.clone(), saved.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let h = match parse_hour(&hour) {
                Ok(h) => h,
                Err(m) => return hour_error.set(Some(m)),
            };
            hour_error.set(None);
            let input = update_report_emails::SettingsInput {
                report_emails: Some(update_report_emails::ReportEmailsInput { daily: *daily, weekly: *weekly, hour: h, include_empty: *include_empty }),
                timezone: None,
                target_seconds: None,
                idle_timeout_minutes: None,
                weekly_goal_hours: None,
                week_starts_on: None,
                display_name: None,
                pay_basis: None,
                hourly_rate: None,
                currency: None,
                daily_cap_hours: None,
                weekly_cap_hours: None,
            };
            run.emit(update_report_emails::Variables { input });
        })
    };
    let off = !p.mail_enabled;
    html! {
        <form class="panel" onsubmit={onsubmit} id="report-emails-form" novalidate=true>
            <h2>{ "Report e-mails" }</h2>
            if off {
                <p class="hint" id="report-emails-off">{ "This server can't send mail, so report e-mails are off. Its admin can set up mail (see the server's documentation)." }</p>
            }
            <fieldset disabled={off}>
                <label class="checkbox"><input type="checkbox" id="report-daily" checked={*daily} onchange={toggle(&daily)} />{ " Daily: yesterday's report, every day" }</label>
                <label class="checkbox"><input type="checkbox" id="report-weekly" checked={*weekly} onchange={toggle(&weekly)} />{ " Weekly: the week that just ended" }</label>
                { field(&yew::props!(FieldProps { id: "report-hour", label: "Send at (local hour, 0–23)", value: (*hour).clone(), oninput: bind(&hour), error: (*hour_error).clone(), inputmode: "numeric" })) }
                <label class="checkbox"><input type="checkbox" id="report-empty" checked={*include_empty} onchange={toggle(&include_empty)} />{ " Also when there were no questions" }</label>
                <button type="submit" disabled={busy}>{ if busy { "Saving…" } else { "Save report e-mails" } }</button>
            </fieldset>
            { outcome_line(&outcome, "Saved.", "report-emails-saved") }
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct DisplayNameProps {
    pub initial: Option<String>,
}

/// How mails and reports address the user; empty clears it.
#[component(DisplayNameForm)]
pub fn display_name_form(p: &DisplayNameProps) -> Html {
    let name = use_state(|| p.initial.clone().unwrap_or_default());
    let (outcome, saved) = use_outcome::<UpdateDisplayName>();
    let onsubmit = {
        let (name, run) = (name.clone(), saved.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = update_display_name::SettingsInput {
                display_name: Some((*name).clone()),
                report_emails: None,
                timezone: None,
                target_seconds: None,
                idle_timeout_minutes: None,
                weekly_goal_hours: None,
                week_starts_on: None,
                pay_basis: None,
                hourly_rate: None,
                currency: None,
                daily_cap_hours: None,
                weekly_cap_hours: None,
            };
            run.emit(update_display_name::Variables { input });
        })
    };
    html! {
        <form class="panel" onsubmit={onsubmit} id="display-name-form" novalidate=true>
            <h2>{ "Your name" }</h2>
            { field(&yew::props!(FieldProps { id: "display-name", label: "Display name: how mails and reports address you (up to 80 characters)", value: (*name).clone(), oninput: bind(&name) })) }
            <button type="submit">{ "Save name" }</button>
            { outcome_line(&outcome, "Saved.", "display-name-saved") }
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct MailEnabledProps {
    pub mail_enabled: bool,
}

/// Asks for a new address; the server mails it a link and changes nothing until it is used.
#[component(ChangeEmailForm)]
pub fn change_email_form(p: &MailEnabledProps) -> Html {
    let email = use_state(String::new);
    let password = use_state(String::new);
    let errs = use_state(|| (None::<String>, None::<String>, None::<String>));
    let sent = use_state(|| None::<String>);
    let asked = {
        let (password, sent, errs) = (password.clone(), sent.clone(), errs.clone());
        use_mutation_with::<ChangeEmail>(
            Callback::from(move |(vars, _): Answer<ChangeEmail>| {
                password.set(String::new());
                sent.set(Some(vars.new_email.clone()));
            }),
            Callback::from(move |(_, e)| errs.set(change_email_error(&e))),
        )
    };
    let busy = asked.running;
    let onsubmit = {
        let (email, password, errs, run) = (email.clone(), password.clone(), errs.clone(), asked.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let address = email.trim().to_string();
            if !address.contains('@') {
                return errs.set((Some("Enter the new address.".into()), None, None));
            }
            if password.is_empty() {
                return errs.set((None, Some("Enter your password.".into()), None));
            }
            errs.set((None, None, None));
            run.emit(gql::change_email::Variables { new_email: address, password: (*password).clone() });
        })
    };
    html! {
        <form class="panel" onsubmit={onsubmit} id="change-email-form" novalidate=true>
            <h2>{ "Change e-mail" }</h2>
            if !p.mail_enabled {
                <p class="hint">{ "This server can't send mail, so it can't confirm a new address. Ask its admin." }</p>
            }
            <fieldset disabled={!p.mail_enabled}>
                { field(&yew::props!(FieldProps { id: "new-email", label: "New e-mail address", kind: "email", value: (*email).clone(), oninput: bind(&email), error: errs.0.clone(), autocomplete: "email" })) }
                { field(&yew::props!(FieldProps { id: "change-email-password", label: "Your password", kind: "password", value: (*password).clone(), oninput: bind(&password), error: errs.1.clone(), autocomplete: "current-password" })) }
                if let Some(f) = &errs.2 { <p class="form-error" role="alert">{ f.clone() }</p> }
                <button type="submit" disabled={busy}>{ if busy { "Sending…" } else { "Send confirmation link" } }</button>
            </fieldset>
            if let Some(a) = &*sent {
                <p class="notice" role="status" id="change-email-sent">
                    { format!("We sent a link to {a}. Your address changes when you open it.") }
                </p>
            }
        </form>
    }
}

/// Deletes the account and all its data, after the password and a confirmation.
/// Called by the settings page as one of its hooks (no component of its own: issue #16, size).
#[hook]
pub fn use_delete_account_panel() -> Html {
    let ctx = use_app();
    let password = use_state(String::new);
    let error = use_state(|| None::<String>);
    let deleted = {
        let error = error.clone();
        use_mutation_with::<DeleteAccount>(
            Callback::from(move |_| ctx.dispatch(Action::SignedOut { expired: false })),
            Callback::from(move |(_, e): (_, ApiError)| {
                error.set(Some(match e.code.as_str() {
                    "INVALID_CREDENTIALS" => "Your password is wrong.".into(),
                    _ => e.friendly(),
                }))
            }),
        )
    };
    let on_confirm = {
        let (password, error, run) = (password.clone(), error.clone(), deleted.run.clone());
        Callback::from(move |_| {
            if password.is_empty() {
                return error.set(Some("Type your password first.".into()));
            }
            run.emit(gql::delete_account::Variables { password: (*password).clone() });
        })
    };
    html! {
        <section class="panel danger-zone" aria-labelledby="delete-account-h" id="delete-account">
            <h2 id="delete-account-h">{ "Delete my account" }</h2>
            <p>{ "Deletes your account with every session, question and setting. This cannot be undone; export what you want to keep first." }</p>
            { field(&yew::props!(FieldProps { id: "delete-password", label: "Type your password", kind: "password", value: (*password).clone(), oninput: bind(&password), error: (*error).clone(), autocomplete: "current-password" })) }
            <ConfirmButton label="Delete my account" question="Delete your account and all its data?" busy={deleted.running}
                           yes="Yes, delete everything" on_confirm={on_confirm} />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_and_errors() {
        assert_eq!(parse_hour(" 7 "), Ok(7));
        assert!(parse_hour("24").is_err() && parse_hour("-1").is_err() && parse_hour("x").is_err());
        let e = |code: &str| ApiError { code: code.into(), message: "m".into(), field: None, retry_after: None };
        assert!(change_email_error(&e("INVALID_CREDENTIALS")).1.is_some());
        assert!(change_email_error(&e("EMAIL_TAKEN")).0.is_some());
        assert!(change_email_error(&e("MAIL_DISABLED")).2.unwrap().contains("can't send mail"));
    }
}
