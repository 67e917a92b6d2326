//! The app's routes and the link that follows them. A module of its own, below the pages and
//! the shell, so that pages can link to each other without importing the shell that holds them.

use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Clone, Debug, PartialEq, Routable)]
pub enum Route {
    #[at("/")]
    Today,
    #[at("/day/:date")]
    Day { date: String },
    #[at("/sessions/:id")]
    Session { id: String },
    #[at("/history")]
    History,
    #[at("/history/week/:start")]
    HistoryWeek { start: String },
    #[at("/history/month/:month")]
    HistoryMonth { month: String },
    #[at("/export")]
    Export,
    #[at("/settings")]
    Settings,
    #[at("/overlay")]
    Overlay,
    #[at("/login")]
    Login,
    #[at("/register")]
    Register,
    #[at("/reset-password")]
    ResetPassword,
    #[at("/verify-email")]
    VerifyEmail,
    #[at("/confirm-email")]
    ConfirmEmail,
    #[at("/admin")]
    Admin,
    /// An admin's read-only view of a user's day and week.
    #[at("/admin/users/:id/:date")]
    AdminUser { id: String, date: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

#[derive(Properties, PartialEq)]
pub struct NavLinkProps {
    pub to: Route,
    #[prop_or_default]
    pub classes: Classes,
    /// Marks the link as the current page (`aria-current="page"`).
    #[prop_or_default]
    pub current: bool,
    #[prop_or_default]
    pub label: Option<AttrValue>,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

/// A router link that can carry ARIA attributes (yew-router's `Link` cannot). Ctrl/⌘/Shift
/// clicks keep the browser's behaviour (new tab or window).
#[component(NavLink)]
pub fn nav_link(p: &NavLinkProps) -> Html {
    let navigator = use_navigator();
    let onclick = {
        let to = p.to.clone();
        Callback::from(move |e: MouseEvent| {
            if e.button() != 0 || e.ctrl_key() || e.meta_key() || e.shift_key() || e.alt_key() {
                return;
            }
            if let Some(n) = &navigator {
                e.prevent_default();
                n.push(&to);
            }
        })
    };
    html! {
        <a href={p.to.to_path()} class={p.classes.clone()} id={p.id.clone()} aria-label={p.label.clone()}
           aria-current={p.current.then_some("page")} onclick={onclick}>
            { p.children.clone() }
        </a>
    }
}
