//! The public password reset page: `/reset-password?token=reset_...`, from a link an admin (or
//! the CLI) issued. Works signed in or out.

use yew::prelude::*;

use crate::hooks::{Answer, use_app, use_mutation_with};
use crate::route::{Link, use_location};

use crate::accounts::{check_new_password, reset_error, token_from_query};
use crate::components::{FieldProps, bind, field};
use crate::gql::{self, CompletePasswordReset};
use crate::route::{NavLink, Route};
use crate::state::{Action, Auth};

#[derive(Clone, Default, PartialEq)]
struct Errors {
    password: Option<String>,
    confirm: Option<String>,
    form: Option<String>,
}

#[component(ResetPasswordPage)]
pub fn reset_password_page() -> Html {
    let ctx = use_app();
    let location = use_location();
    let token = location.and_then(|l| token_from_query(l.query_str()));
    let new = use_state(String::new);
    let confirm = use_state(String::new);
    let errors = use_state(Errors::default);
    let done = use_state(|| false);
    // The server revoked every session of that account; if it was this browser's, the app
    // would find out on its next request anyway, but asking now shows sign-in at once.
    let checked = {
        let (ctx, done, finish) = (ctx.clone(), done.clone(), done.clone());
        use_mutation_with::<gql::Me>(
            Callback::from(move |(_, d): Answer<gql::Me>| {
                if d.me.is_none() {
                    ctx.dispatch(Action::SignedOut { expired: false });
                }
                done.set(true)
            }),
            Callback::from(move |_| finish.set(true)),
        )
    };
    let reset = {
        let (signed_in, check, done, errors) = (matches!(ctx.auth, Auth::SignedIn(_)), checked.run.clone(), done.clone(), errors.clone());
        use_mutation_with::<CompletePasswordReset>(
            Callback::from(move |_| if signed_in { check.emit(gql::me::Variables) } else { done.set(true) }),
            Callback::from(move |(_, e)| {
                let (password, form) = reset_error(&e);
                errors.set(Errors { password, confirm: None, form });
            }),
        )
    };
    let busy = reset.running || checked.running;

    let Some(token) = token else {
        return html! {
            <section class="page auth" id="reset-page">
                <h1>{ "Choose a new password" }</h1>
                <p class="form-error" role="alert" id="reset-error">
                    { "This link has no reset token. Open the whole link from the e-mail (or from your administrator), or ask for a new one with \"Forgot password?\" on the sign-in page." }
                </p>
                <p><Link to={Route::Login}>{ "Go to sign in" }</Link></p>
            </section>
        };
    };
    if *done {
        let signed_in = matches!(ctx.auth, Auth::SignedIn(_));
        return html! {
            <section class="page auth" id="reset-page">
                <h1>{ "Password changed" }</h1>
                <p class="notice" role="status" id="reset-done">
                    { "Your new password is set, and browsers signed in to your account were signed out." }
                </p>
                if signed_in {
                    <p><Link to={Route::Today}>{ "Continue" }</Link></p>
                } else {
                    <p><NavLink to={Route::Login} classes={classes!("button")} id="reset-signin">{ "Sign in with your new password" }</NavLink></p>
                }
            </section>
        };
    }
    let onsubmit = {
        let (new, confirm, errors, run) = (new.clone(), confirm.clone(), errors.clone(), reset.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (p, c) = check_new_password(&new, &confirm);
            if p.is_some() || c.is_some() {
                return errors.set(Errors { password: p, confirm: c, form: None });
            }
            errors.set(Errors::default());
            run.emit(gql::complete_password_reset::Variables { token: token.clone(), new_password: (*new).clone() });
        })
    };
    html! {
        <section class="page auth" id="reset-page">
            <h1>{ "Choose a new password" }</h1>
            <form onsubmit={onsubmit} novalidate=true id="reset-form">
                { field(&yew::props!(FieldProps { id: "new-password", label: "New password", kind: "password", value: (*new).clone(), oninput: bind(&new), error: errors.password.clone(), autocomplete: "new-password", required: true, hint: "At least 12 characters; avoid common phrases and your email." })) }
                { field(&yew::props!(FieldProps { id: "confirm-password", label: "Repeat the new password", kind: "password", value: (*confirm).clone(), oninput: bind(&confirm), error: errors.confirm.clone(), autocomplete: "new-password", required: true })) }
                if let Some(f) = &errors.form { <p class="form-error" role="alert" id="reset-error">{ f.clone() }</p> }
                <button type="submit" disabled={busy}>{ if busy { "Saving…" } else { "Set new password" } }</button>
            </form>
            <p>{ "Remembered it? " }<Link to={Route::Login}>{ "Sign in" }</Link></p>
        </section>
    }
}
