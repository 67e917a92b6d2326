//! Sign in and register, with errors next to the field they concern.

use yew::prelude::*;

use crate::hooks::{Answer, use_app, use_mutation_with};
use crate::route::Link;

use super::email::use_forgot_password;
use crate::components::{FieldProps, bind, field};
use crate::gql::{self, ApiError, Login, Register};
use crate::route::Route;
use crate::state::Action;
use crate::user_from;

/// Per-field errors of an auth form.
#[derive(Clone, Default, PartialEq, Debug)]
pub struct FormErrors {
    pub email: Option<String>,
    pub password: Option<String>,
    pub invite: Option<String>,
    pub form: Option<String>,
}

/// Places a server error next to the field it concerns.
pub fn place_error(err: &ApiError) -> FormErrors {
    let mut f = FormErrors::default();
    match err.code.as_str() {
        "INVALID_CREDENTIALS" | "WEAK_PASSWORD" => f.password = Some(err.friendly()),
        "EMAIL_TAKEN" => f.email = Some(err.friendly()),
        "FORBIDDEN" => f.form = Some("Registration is closed on this server. Ask its administrator for an account.".into()),
        "BAD_USER_INPUT" if err.message.to_ascii_lowercase().contains("invite") => f.invite = Some(err.friendly()),
        "BAD_USER_INPUT" => match err.field.as_deref() {
            Some(x) if x.contains("email") => f.email = Some(err.friendly()),
            Some(x) if x.contains("password") => f.password = Some(err.friendly()),
            _ if err.message.to_ascii_lowercase().contains("email") => f.email = Some(err.friendly()),
            _ if err.message.to_ascii_lowercase().contains("password") => f.password = Some(err.friendly()),
            _ => f.form = Some(err.friendly()),
        },
        _ => f.form = Some(err.friendly()),
    }
    f
}

/// Checks done before asking the server.
pub fn validate(email: &str, password: &str, registering: bool) -> FormErrors {
    let mut f = FormErrors::default();
    let e = email.trim();
    if e.is_empty() {
        f.email = Some("Enter your email address.".into());
    } else if !e.contains('@') || e.starts_with('@') || e.ends_with('@') {
        f.email = Some("This does not look like an email address.".into());
    }
    if password.is_empty() {
        f.password = Some("Enter your password.".into());
    } else if registering && password.chars().count() < 12 {
        f.password = Some("Use at least 12 characters.".into());
    }
    f
}

fn has_errors(f: &FormErrors) -> bool {
    f.email.is_some() || f.password.is_some() || f.invite.is_some() || f.form.is_some()
}

#[derive(Properties, PartialEq)]
pub struct LoginProps {
    #[prop_or_default]
    pub expired: bool,
}

#[component(LoginPage)]
pub fn login_page(p: &LoginProps) -> Html {
    let ctx = use_app();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let errors = use_state(FormErrors::default);
    let login = {
        let (ctx, done, failed) = (ctx.clone(), errors.clone(), errors.clone());
        use_mutation_with::<Login>(
            Callback::from(move |(_, d): Answer<Login>| {
                done.set(FormErrors::default());
                ctx.dispatch(Action::SignedIn(user_from!(&d.login.user)));
            }),
            Callback::from(move |(_, e)| failed.set(place_error(&e))),
        )
    };
    let busy = login.running;
    let onsubmit = {
        let (email, password, errors, run) = (email.clone(), password.clone(), errors.clone(), login.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let check = validate(&email, &password, false);
            if has_errors(&check) {
                errors.set(check);
                return;
            }
            run.emit(gql::login::Variables { email: email.trim().to_string(), password: (*password).clone() });
        })
    };
    let forgot = use_forgot_password();
    html! {
        <section class="page auth">
            <h1>{ "Sign in" }</h1>
            if p.expired {
                <p class="notice" role="status">{ "Your session has expired. Sign in again to continue where you were." }</p>
            }
            <form onsubmit={onsubmit} novalidate=true id="login-form">
                { field(&yew::props!(FieldProps { id: "email", label: "Email", kind: "email", value: (*email).clone(), oninput: bind(&email), error: errors.email.clone(), autocomplete: "username", required: true })) }
                { field(&yew::props!(FieldProps { id: "password", label: "Password", kind: "password", value: (*password).clone(), oninput: bind(&password), error: errors.password.clone(), autocomplete: "current-password", required: true })) }
                if let Some(f) = &errors.form { <p class="form-error" role="alert">{ f.clone() }</p> }
                <button type="submit" disabled={busy}>{ if busy { "Signing in…" } else { "Sign in" } }</button>
            </form>
            { forgot }
            <p>{ "No account yet? " }<Link to={Route::Register}>{ "Create one" }</Link></p>
        </section>
    }
}

#[component(RegisterPage)]
pub fn register_page() -> Html {
    let ctx = use_app();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let invite = use_state(String::new);
    let errors = use_state(FormErrors::default);
    let zone = crate::tz::browser_zone();
    let registered = {
        let (ctx, failed) = (ctx.clone(), errors.clone());
        use_mutation_with::<Register>(
            Callback::from(move |(_, d): Answer<Register>| ctx.dispatch(Action::SignedIn(user_from!(&d.register.user)))),
            Callback::from(move |(_, e)| failed.set(place_error(&e))),
        )
    };
    let busy = registered.running;
    let onsubmit = {
        let (email, password, invite, errors, run, zone) =
            (email.clone(), password.clone(), invite.clone(), errors.clone(), registered.run.clone(), zone.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let check = validate(&email, &password, true);
            if has_errors(&check) {
                errors.set(check);
                return;
            }
            run.emit(gql::register::Variables {
                email: email.trim().to_string(),
                password: (*password).clone(),
                timezone: zone.clone(),
                invite_code: Some(invite.trim().to_string()).filter(|c| !c.is_empty()),
            });
        })
    };
    html! {
        <section class="page auth">
            <h1>{ "Create your account" }</h1>
            <form onsubmit={onsubmit} novalidate=true id="register-form">
                { field(&yew::props!(FieldProps { id: "email", label: "Email", kind: "email", value: (*email).clone(), oninput: bind(&email), error: errors.email.clone(), autocomplete: "username", required: true })) }
                { field(&yew::props!(FieldProps { id: "password", label: "Password", kind: "password", value: (*password).clone(), oninput: bind(&password), error: errors.password.clone(), autocomplete: "new-password", required: true, hint: "At least 12 characters; avoid common phrases." })) }
                { field(&yew::props!(FieldProps { id: "invite", label: "Invite code (if this server asked you for one)", value: (*invite).clone(), oninput: bind(&invite), error: errors.invite.clone(), autocomplete: "off" })) }
                <p class="hint">{ format!("Times will show in {} (change it any time in Settings).", zone.as_deref().unwrap_or("UTC")) }</p>
                if let Some(f) = &errors.form { <p class="form-error" role="alert">{ f.clone() }</p> }
                <button type="submit" disabled={busy}>{ if busy { "Creating…" } else { "Create account" } }</button>
            </form>
            <p>{ "Already registered? " }<Link to={Route::Login}>{ "Sign in" }</Link></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str, message: &str) -> ApiError {
        ApiError { code: code.into(), message: message.into(), field: None, retry_after: None }
    }

    #[test]
    fn server_errors_go_next_to_their_field() {
        assert!(place_error(&err("INVALID_CREDENTIALS", "x")).password.is_some());
        assert!(place_error(&err("EMAIL_TAKEN", "x")).email.is_some());
        assert_eq!(place_error(&err("WEAK_PASSWORD", "Too short")).password.as_deref(), Some("Too short"));
        assert!(place_error(&err("RATE_LIMITED", "")).form.unwrap().contains("Too many"));
        assert!(place_error(&err("BAD_USER_INPUT", "invalid email")).email.is_some());
        assert!(place_error(&err("BAD_USER_INPUT", "an invite code is required to register")).invite.is_some());
        assert!(place_error(&err("FORBIDDEN", "")).form.unwrap().contains("closed"));
    }

    #[test]
    fn client_side_checks() {
        assert_eq!(validate("a@b.c", "x", false), FormErrors::default());
        assert!(validate("ab", "x", false).email.is_some());
        assert!(validate("a@b.c", "short", true).password.is_some());
        assert!(validate("a@b.c", "", false).password.is_some());
        assert_eq!(validate(" a@b.c ", "long enough pass", true), FormErrors::default());
    }
}
