//! Figures on cards: a labelled value, and the pace badge.

use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub label: AttrValue,
    pub value: AttrValue,
    #[prop_or_default]
    pub detail: Option<AttrValue>,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

#[component(Card)]
pub fn card(p: &CardProps) -> Html {
    html! {
        <section class="card" id={p.id.clone()} aria-label={p.label.clone()}>
            <h3>{ p.label.clone() }</h3>
            <p class="value">{ p.value.clone() }</p>
            if let Some(d) = &p.detail { <p class="detail">{ d.clone() }</p> }
            { p.children.clone() }
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
