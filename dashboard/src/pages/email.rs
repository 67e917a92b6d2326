//! Mail-driven pages: the "forgot password" form on the sign-in page, and the pages the
//! verification and address-change mails link to (`/verify-email?token=`, `/confirm-email?token=`).
//! All work signed in or out.

use crate::route::{Link, use_location};
use yew::prelude::*;

use crate::accounts::token_from_query;
use crate::components::{FieldProps, bind, field};
use crate::gql::{self, ApiError, ConfirmEmailChange, Me, RequestPasswordReset, VerifyEmail};
use crate::hooks::{Answer, use_app, use_mutation_with};
use crate::route::Route;
use crate::state::{Action, Auth};
use crate::user_from;

/// What the forgot-password form says once the server answered.
pub fn reset_request_outcome(result: &Result<(), ApiError>) -> String {
    match result {
        Ok(()) => "If an account exists for that address, we sent a link.".into(),
        Err(e) if e.code == "MAIL_DISABLED" => "This server can't send mail; ask its admin to reset your password.".into(),
        Err(e) => e.friendly(),
    }
}

/// A link's token error in words (`what` names the action: "verification", "address change").
pub fn token_error(e: &ApiError, what: &str) -> String {
    match e.code.as_str() {
        "INVALID_TOKEN" => format!("This {what} link is invalid or was already used."),
        "TOKEN_EXPIRED" => format!("This {what} link has expired. Ask for a new one."),
        _ => e.friendly(),
    }
}

/// "Forgot password?": a disclosure under the sign-in form that asks for a reset mail.
/// A hook of the sign-in page rather than a component (issue #16, size).
#[hook]
pub fn use_forgot_password() -> Html {
    let email = use_state(String::new);
    let outcome = use_state(|| None::<Result<(), ApiError>>);
    let asked = {
        let (ok, failed) = (outcome.clone(), outcome.clone());
        use_mutation_with::<RequestPasswordReset>(Callback::from(move |_| ok.set(Some(Ok(())))), Callback::from(move |(_, e)| failed.set(Some(Err(e)))))
    };
    let onsubmit = {
        let (email, run) = (email.clone(), asked.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let address = email.trim().to_string();
            if !address.is_empty() {
                run.emit(gql::request_password_reset::Variables { email: address });
            }
        })
    };
    let busy = asked.running;
    html! {
        <details class="forgot" id="forgot-password">
            <summary>{ "Forgot password?" }</summary>
            <form onsubmit={onsubmit} novalidate=true id="forgot-form">
                { field(&yew::props!(FieldProps { id: "forgot-email", label: "Your account's email", kind: "email", value: (*email).clone(), oninput: bind(&email), autocomplete: "username", required: true })) }
                <button type="submit" disabled={busy}>{ if busy { "Sending…" } else { "Send me a reset link" } }</button>
            </form>
            if let Some(r) = &*outcome {
                <p class={if r.is_ok() { "notice" } else { "form-error" }} role="status" id="forgot-outcome">
                    { reset_request_outcome(r) }
                </p>
            }
        </details>
    }
}

/// Which mailed link a [`TokenLinkPage`] completes.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum TokenLink {
    VerifyEmail,
    ConfirmEmailChange,
}

impl TokenLink {
    fn title(self) -> &'static str {
        match self {
            TokenLink::VerifyEmail => "Verify your e-mail",
            TokenLink::ConfirmEmailChange => "Confirm your new e-mail",
        }
    }

    fn what(self) -> &'static str {
        match self {
            TokenLink::VerifyEmail => "verification",
            TokenLink::ConfirmEmailChange => "address change",
        }
    }

    fn success(self) -> &'static str {
        match self {
            TokenLink::VerifyEmail => "Your e-mail address is verified. Thank you!",
            TokenLink::ConfirmEmailChange => "Your account now uses the new e-mail address.",
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct TokenLinkProps {
    pub link: TokenLink,
}

/// Uses the link's token once, on arrival, and says how it went.
#[component(TokenLinkPage)]
pub fn token_link_page(p: &TokenLinkProps) -> Html {
    let ctx = use_app();
    let token = use_location().and_then(|l| token_from_query(l.query_str()));
    let outcome = use_state(|| None::<Result<(), ApiError>>);
    let signed_in = matches!(ctx.auth, Auth::SignedIn(_));
    let settle = {
        let outcome = outcome.clone();
        Callback::from(move |r: Result<(), ApiError>| outcome.set(Some(r)))
    };
    // A signed-in user's address (or its verified state) just changed: fetch it again first.
    let refreshed = {
        let (ctx, done) = (ctx.clone(), settle.clone());
        use_mutation_with::<Me>(
            Callback::from(move |(_, d): Answer<Me>| {
                if let Some(u) = &d.me {
                    ctx.dispatch(Action::SignedIn(user_from!(u)));
                }
                done.emit(Ok(()))
            }),
            settle.reform(|_| Ok(())),
        )
    };
    let used = {
        let (again, settle) = (refreshed.run.clone(), settle.clone());
        Callback::from(move |()| if signed_in { again.emit(gql::me::Variables) } else { settle.emit(Ok(())) })
    };
    let verify = use_mutation_with::<VerifyEmail>(used.reform(|_| ()), settle.reform(|(_, e)| Err(e)));
    let confirm = use_mutation_with::<ConfirmEmailChange>(used.reform(|_| ()), settle.reform(|(_, e)| Err(e)));
    {
        let (token, link, verify, confirm) = (token.clone(), p.link, verify.run, confirm.run);
        use_effect_with((), move |_| match (token, link) {
            (None, _) => {}
            (Some(token), TokenLink::VerifyEmail) => verify.emit(gql::verify_email::Variables { token }),
            (Some(token), TokenLink::ConfirmEmailChange) => confirm.emit(gql::confirm_email_change::Variables { token }),
        });
    }
    let body = match (&token, &*outcome) {
        (None, _) => html! {
            <p class="form-error" role="alert" id="token-error">
                { "This link has no token. Open the whole link from the e-mail." }
            </p>
        },
        (Some(_), None) => html! { <p role="status">{ "Checking the link…" }</p> },
        (Some(_), Some(Ok(()))) => html! {
            <p class="notice" role="status" id="token-done">{ p.link.success() }</p>
        },
        (Some(_), Some(Err(e))) => html! {
            <p class="form-error" role="alert" id="token-error">{ token_error(e, p.link.what()) }</p>
        },
    };
    let next = if matches!(ctx.auth, Auth::SignedIn(_)) {
        html! { <Link to={Route::Today}>{ "Continue" }</Link> }
    } else {
        html! { <Link to={Route::Login}>{ "Go to sign in" }</Link> }
    };
    html! {
        <section class="page auth" id="token-page">
            <h1>{ p.link.title() }</h1>
            { body }
            <p>{ next }</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str) -> ApiError {
        ApiError { code: code.into(), message: "m".into(), field: None, retry_after: None }
    }

    #[test]
    fn reset_request_never_says_whether_the_account_exists() {
        assert!(reset_request_outcome(&Ok(())).starts_with("If an account exists"));
        assert!(reset_request_outcome(&Err(err("MAIL_DISABLED"))).contains("ask its admin"));
        assert!(reset_request_outcome(&Err(err("RATE_LIMITED"))).contains("Too many"));
    }

    #[test]
    fn token_errors_in_words() {
        assert!(token_error(&err("INVALID_TOKEN"), "verification").contains("invalid"));
        assert!(token_error(&err("TOKEN_EXPIRED"), "address change").contains("expired"));
    }
}
