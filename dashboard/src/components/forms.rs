//! Form pieces: a labelled field with its error, the event readers that bind inputs to state,
//! and a read-only value with a Copy button.

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

/// A plain function rather than a component: it keeps no state, and each component type costs
/// the wasm its own lifecycle code (issue #16, size). Build its props with `yew::props!`.
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

/// Copies text to the clipboard; false when the browser refuses (or outside a browser).
pub async fn copy_text(text: String) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        use js_sys::{Function, Promise, Reflect};
        use wasm_bindgen::{JsCast, JsValue};
        let Some(w) = web_sys::window() else {
            return false;
        };
        let Some(clip) = Reflect::get(&w.navigator(), &JsValue::from_str("clipboard")).ok().filter(|c| c.is_object()) else {
            return false;
        };
        let Some(write) = Reflect::get(&clip, &JsValue::from_str("writeText")).ok().and_then(|f| f.dyn_into::<Function>().ok()) else {
            return false;
        };
        match write.call1(&clip, &JsValue::from_str(&text)).ok().and_then(|p| p.dyn_into::<Promise>().ok()) {
            Some(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
            None => false,
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        false
    }
}

#[derive(Properties, PartialEq)]
pub struct CopyFieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

/// A read-only text (a link, a code) with a Copy button. When the clipboard is refused, the
/// text is selected so that Ctrl+C copies it.
#[component(CopyField)]
pub fn copy_field(p: &CopyFieldProps) -> Html {
    let status = use_state(|| None::<bool>);
    let input = use_node_ref();
    let onclick = {
        let (status, input, value) = (status.clone(), input.clone(), p.value.to_string());
        Callback::from(move |_: MouseEvent| {
            let (status, input, value) = (status.clone(), input.clone(), value.clone());
            yew::platform::spawn_local(async move {
                let ok = copy_text(value).await;
                if !ok && let Some(i) = input.cast::<web_sys::HtmlInputElement>() {
                    i.select();
                    let _ = i.focus();
                }
                status.set(Some(ok));
            });
        })
    };
    let select_all = Callback::from(|e: FocusEvent| {
        if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
            i.select();
        }
    });
    let hint_id = format!("{}-hint", p.id);
    html! {
        <div class="copy-field">
            <label for={p.id.clone()}>{ p.label.clone() }</label>
            <div class="copy-row">
                <input id={p.id.clone()} type="text" readonly=true value={p.value.clone()} ref={input}
                       onfocus={select_all} spellcheck="false" autocomplete="off"
                       aria-describedby={p.hint.as_ref().map(|_| hint_id.clone())} />
                <button type="button" class="secondary copy" onclick={onclick}>{ "Copy" }</button>
            </div>
            if let Some(h) = &p.hint { <p class="hint" id={hint_id}>{ h.clone() }</p> }
            <p class="hint copy-status" role="status" aria-live="polite">
                { match *status { Some(true) => "Copied.", Some(false) => "Copy it with Ctrl+C (or ⌘C): the text is selected.", None => "" } }
            </p>
        </div>
    }
}
