//! Mail-driven pages: the "forgot password" form on the sign-in page, and the pages the
//! verification and address-change mails link to (`/verify-email?token=`, `/confirm-email?token=`).
//! All work signed in or out.

use yew::prelude::*;
use yew_router::prelude::*;

use super::{Field, bind};
use crate::admin::token_from_query;
use crate::gql::{self, ApiError, ConfirmEmailChange, Me, RequestPasswordReset, VerifyEmail};
use crate::hooks::use_app;
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
#[component(ForgotPassword)]
pub fn forgot_password() -> Html {
    let email = use_state(String::new);
    let outcome = use_state(|| None::<Result<(), ApiError>>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (email, outcome, busy) = (email.clone(), outcome.clone(), busy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let address = email.trim().to_string();
            if address.is_empty() {
                return;
            }
            busy.set(true);
            let (outcome, busy) = (outcome.clone(), busy.clone());
            yew::platform::spawn_local(async move {
                let vars = gql::request_password_reset::Variables { email: address };
                let r = gql::call::<RequestPasswordReset>(vars).await;
                busy.set(false);
                outcome.set(Some(r.map(|_| ())));
            });
        })
    };
    html! {
        <details class="forgot" id="forgot-password">
            <summary>{ "Forgot password?" }</summary>
            <form onsubmit={onsubmit} novalidate=true id="forgot-form">
                <Field id="forgot-email" label="Your account's email" kind="email" value={(*email).clone()}
                       oninput={bind(&email)} autocomplete="username" required=true />
                <button type="submit" disabled={*busy}>{ if *busy { "Sending…" } else { "Send me a reset link" } }</button>
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

    async fn send(self, token: String) -> Result<(), ApiError> {
        match self {
            TokenLink::VerifyEmail => {
                gql::call::<VerifyEmail>(gql::verify_email::Variables { token }).await?;
            }
            TokenLink::ConfirmEmailChange => {
                let vars = gql::confirm_email_change::Variables { token };
                gql::call::<ConfirmEmailChange>(vars).await?;
            }
        }
        Ok(())
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
    {
        let (outcome, token, link, ctx) = (outcome.clone(), token.clone(), p.link, ctx.clone());
        use_effect_with((), move |_| {
            if let Some(token) = token {
                yew::platform::spawn_local(async move {
                    let r = link.send(token).await;
                    // A signed-in user's address (or its verified state) just changed.
                    if r.is_ok()
                        && matches!(ctx.auth, Auth::SignedIn(_))
                        && let Ok(Some(u)) = gql::call::<Me>(gql::me::Variables).await.map(|d| d.me)
                    {
                        ctx.dispatch(Action::SignedIn(user_from!(&u)));
                    }
                    outcome.set(Some(r));
                });
            }
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
        html! { <Link<Route> to={Route::Today}>{ "Continue" }</Link<Route>> }
    } else {
        html! { <Link<Route> to={Route::Login}>{ "Go to sign in" }</Link<Route>> }
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
