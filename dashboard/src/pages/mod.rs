pub mod account;
pub mod admin;
pub mod admin_view;
pub mod auth;
pub mod email;
pub mod export;
pub mod history;
pub mod overlay;
pub mod pay;
pub mod reset;
pub mod session;
pub mod settings;
pub mod today;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The value of the `<input>` an event came from.
pub fn input_value(e: &Event) -> String {
    e.target_dyn_into::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

pub fn input_event_value(e: &InputEvent) -> String {
    e.target_dyn_into::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

pub fn select_value(e: &Event) -> String {
    e.target_dyn_into::<HtmlSelectElement>().map(|i| i.value()).unwrap_or_default()
}

/// `oninput` for a text field bound to a `String` state.
pub fn bind(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(input_event_value(&e)))
}

/// A labelled input with an inline error under it (`aria-invalid`/`aria-describedby` wired).
#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub oninput: Callback<InputEvent>,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub error: Option<String>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    #[prop_or_default]
    pub required: bool,
    #[prop_or_default]
    pub inputmode: Option<AttrValue>,
}

#[component(Field)]
pub fn field(p: &FieldProps) -> Html {
    let err_id = format!("{}-error", p.id);
    let hint_id = format!("{}-hint", p.id);
    let mut described = Vec::new();
    if p.hint.is_some() {
        described.push(hint_id.clone());
    }
    if p.error.is_some() {
        described.push(err_id.clone());
    }
    html! {
        <div class={classes!("field", p.error.is_some().then_some("invalid"))}>
            <label for={p.id.clone()}>{ p.label.clone() }</label>
            <input id={p.id.clone()} name={p.id.clone()} type={p.kind.clone()} value={p.value.clone()}
                   oninput={p.oninput.clone()} autocomplete={p.autocomplete.clone()} required={p.required}
                   inputmode={p.inputmode.clone()}
                   aria-invalid={p.error.is_some().then_some("true")}
                   aria-describedby={(!described.is_empty()).then(|| described.join(" "))} />
            if let Some(h) = &p.hint { <p class="hint" id={hint_id}>{ h.clone() }</p> }
            if let Some(e) = &p.error { <p class="field-error" id={err_id} role="alert">{ e.clone() }</p> }
        </div>
    }
}
