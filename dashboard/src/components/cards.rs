//! Figures on cards: a labelled value, and the pace badge.

use yew::prelude::*;

use crate::format;

/// A card: its label, its value, an optional detail line and anything under them. `id` is the
/// card's element id (none when empty). A plain function rather than a component: it keeps no
/// state, and each component type costs the wasm its own lifecycle code (issue #16, size).
#[inline]
pub fn card(id: &'static str, label: impl Into<AttrValue>, value: impl Into<AttrValue>, detail: Option<AttrValue>, children: Html) -> Html {
    card_html((!id.is_empty()).then_some(id), label.into(), value.into(), detail, children)
}

fn card_html(id: Option<&'static str>, label: AttrValue, value: AttrValue, detail: Option<AttrValue>, children: Html) -> Html {
    html! {
        <section class="card" id={id} aria-label={label.clone()}>
            <h3>{ label }</h3>
            <p class="value">{ value }</p>
            if let Some(d) = detail { <p class="detail">{ d }</p> }
            { children }
        </section>
    }
}

#[derive(PartialEq, Clone)]
pub struct PaceProps {
    pub emoji: AttrValue,
    pub label: AttrValue,
    pub score: i64,
    pub ratio: f64,
}

pub fn pace_badge(p: &PaceProps) -> Html {
    let title = format!("pace ratio {}", crate::format::fixed(p.ratio, 2));
    html! {
        <span class="pace" title={title}>
            <span class="emoji" aria-hidden="true">{ p.emoji.clone() }</span>
            { " " }<span class="pace-label">{ p.label.clone() }</span>
            { " · " }<span class="score">{ format::score(p.score) }</span>
        </span>
    }
}

/// Builds [`PaceProps`] from any generated `Pace` selection.
#[macro_export]
macro_rules! pace_props {
    ($p:expr) => {{
        let p = &$p;
        $crate::components::PaceProps { emoji: p.emoji.clone().into(), label: p.label.clone().into(), score: p.score, ratio: p.ratio }
    }};
}
