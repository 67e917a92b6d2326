//! How the app says what is going on: loading, errors (with a retry), and a destructive
//! action's "are you sure?" step.

use yew::prelude::*;

use crate::gql::ApiError;

/// "Loading…", announced politely. A plain function, as are the other widgets without state:
/// each component costs its own share of Yew's machinery in the wasm (issue #16).
pub fn spinner() -> Html {
    html! { <p class="loading" role="status" aria-live="polite"><span class="dot" aria-hidden="true"></span>{ "Loading…" }</p> }
}

/// An error in words, with "Try again" when there is something to retry.
pub fn error_box(error: &ApiError, retry: Option<Callback<()>>) -> Html {
    let retry = retry.map(|r| {
        html! { <button type="button" class="secondary" onclick={move |_| r.emit(())}>{ "Try again" }</button> }
    });
    html! {
        <div class="error-box" role="alert">
            <p>{ error.friendly() }</p>
            { for retry }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ConfirmProps {
    /// The button's text, e.g. "Delete".
    pub label: AttrValue,
    /// The question asked, e.g. "Delete session 2?".
    pub question: AttrValue,
    pub on_confirm: Callback<()>,
    #[prop_or_default]
    pub busy: bool,
    /// The confirming button's text.
    #[prop_or(AttrValue::Static("Yes, delete"))]
    pub yes: AttrValue,
}

/// A destructive action behind an inline "Are you sure?" step (keyboard friendly: no dialog).
#[component(ConfirmButton)]
pub fn confirm_button(p: &ConfirmProps) -> Html {
    let asking = use_state(|| false);
    let cancel_ref = use_node_ref();
    {
        let cancel_ref = cancel_ref.clone();
        use_effect_with(*asking, move |asking| {
            if *asking && let Some(el) = cancel_ref.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    if p.busy {
        return html! { <span class="confirm busy" role="status">{ "Deleting…" }</span> };
    }
    if *asking {
        let yes = {
            let asking = asking.clone();
            let cb = p.on_confirm.clone();
            Callback::from(move |_: MouseEvent| {
                asking.set(false);
                cb.emit(())
            })
        };
        let no = {
            let asking = asking.clone();
            Callback::from(move |_: MouseEvent| asking.set(false))
        };
        html! {
            <span class="confirm" role="group" aria-label={p.question.clone()}>
                <span class="confirm-q">{ p.question.clone() }</span>
                <button type="button" class="danger confirm-yes" onclick={yes}>{ p.yes.clone() }</button>
                <button type="button" class="secondary" ref={cancel_ref} onclick={no}>{ "Cancel" }</button>
            </span>
        }
    } else {
        let ask = {
            let asking = asking.clone();
            Callback::from(move |_: MouseEvent| asking.set(true))
        };
        html! {
            <button type="button" class="danger-outline delete" aria-label={p.question.clone()} onclick={ask}>
                { p.label.clone() }
            </button>
        }
    }
}
