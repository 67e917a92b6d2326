//! The app's routes, and the little router that follows them: the current location in a
//! context, `history.pushState` to move, `popstate` for Back and Forward. A module of its own,
//! below the pages and the shell, so that pages can link to each other without importing the
//! shell that holds them. (yew-router did this job for ~20 KB more wasm; issue #16.)

use std::rc::Rc;

use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    Today,
    Day {
        date: String,
    },
    Session {
        id: String,
    },
    History,
    HistoryWeek {
        start: String,
    },
    HistoryMonth {
        month: String,
    },
    Export,
    Settings,
    Overlay,
    Login,
    Register,
    ResetPassword,
    VerifyEmail,
    ConfirmEmail,
    Admin,
    /// An admin's read-only view of a user's day and week.
    AdminUser {
        id: String,
        date: String,
    },
    NotFound,
}

impl Route {
    /// The route a path names (`NotFound` for any other path).
    pub fn recognize(path: &str) -> Route {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let s = |i: usize| parts[i].to_string();
        let ok = |v: &str| !v.is_empty();
        match parts.as_slice() {
            [""] => Route::Today,
            ["day", d] if ok(d) => Route::Day { date: s(1) },
            ["sessions", id] if ok(id) => Route::Session { id: s(1) },
            ["history"] => Route::History,
            ["history", "week", w] if ok(w) => Route::HistoryWeek { start: s(2) },
            ["history", "month", m] if ok(m) => Route::HistoryMonth { month: s(2) },
            ["export"] => Route::Export,
            ["settings"] => Route::Settings,
            ["overlay"] => Route::Overlay,
            ["login"] => Route::Login,
            ["register"] => Route::Register,
            ["reset-password"] => Route::ResetPassword,
            ["verify-email"] => Route::VerifyEmail,
            ["confirm-email"] => Route::ConfirmEmail,
            ["admin"] => Route::Admin,
            ["admin", "users", id, d] if ok(id) && ok(d) => Route::AdminUser { id: s(2), date: s(3) },
            _ => Route::NotFound,
        }
    }

    pub fn to_path(&self) -> String {
        match self {
            Route::Today => "/".into(),
            Route::Day { date } => format!("/day/{date}"),
            Route::Session { id } => format!("/sessions/{id}"),
            Route::History => "/history".into(),
            Route::HistoryWeek { start } => format!("/history/week/{start}"),
            Route::HistoryMonth { month } => format!("/history/month/{month}"),
            Route::Export => "/export".into(),
            Route::Settings => "/settings".into(),
            Route::Overlay => "/overlay".into(),
            Route::Login => "/login".into(),
            Route::Register => "/register".into(),
            Route::ResetPassword => "/reset-password".into(),
            Route::VerifyEmail => "/verify-email".into(),
            Route::ConfirmEmail => "/confirm-email".into(),
            Route::Admin => "/admin".into(),
            Route::AdminUser { id, date } => format!("/admin/users/{id}/{date}"),
            Route::NotFound => "/404".into(),
        }
    }
}

/// Where the app is: a path and its query string (with its `?`, or empty).
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub path: String,
    pub query: String,
}

impl Location {
    pub fn query_str(&self) -> &str {
        &self.query
    }
}

/// Moves the app to another route.
#[derive(Clone, PartialEq)]
pub struct Navigator(Callback<(String, bool)>);

impl Navigator {
    /// A new history entry (Back returns here).
    pub fn push(&self, to: &Route) {
        self.0.emit((to.to_path(), false));
    }

    /// The current entry is replaced (a redirect).
    pub fn replace(&self, to: &Route) {
        self.0.emit((to.to_path(), true));
    }
}

#[derive(Clone, PartialEq)]
struct RouterState {
    location: Rc<Location>,
    navigator: Navigator,
}

#[derive(Properties, PartialEq)]
pub struct RouterProps {
    /// A fixed location (server-side rendering in tests); the browser's when absent.
    #[prop_or_default]
    pub at: Option<Location>,
    #[prop_or_default]
    pub children: Html,
}

#[cfg(target_arch = "wasm32")]
fn browser_location() -> Location {
    let loc = web_sys::window().map(|w| w.location());
    let get = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| loc.as_ref().and_then(|l| f(l).ok()).unwrap_or_default();
    Location { path: get(web_sys::Location::pathname), query: get(web_sys::Location::search) }
}

#[cfg(not(target_arch = "wasm32"))]
fn browser_location() -> Location {
    Location { path: "/".into(), query: String::new() }
}

/// Follows the browser's location (or the fixed one given) and provides it to the app.
#[component(Router)]
pub fn router(p: &RouterProps) -> Html {
    let fixed = p.at.clone();
    let location = use_state(move || Rc::new(fixed.unwrap_or_else(browser_location)));
    {
        let (location, follow) = (location.clone(), p.at.is_none());
        use_effect_with((), move |_| {
            let listener = follow
                .then(web_sys::window)
                .flatten()
                .map(|w| gloo_events::EventListener::new(&w, "popstate", move |_| location.set(Rc::new(browser_location()))));
            move || drop(listener)
        });
    }
    let navigator = {
        let location = location.clone();
        Navigator(Callback::from(move |(path, replace): (String, bool)| {
            #[cfg(target_arch = "wasm32")]
            if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = if replace {
                    h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path))
                } else {
                    h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path))
                };
            }
            let _ = replace;
            location.set(Rc::new(Location { path, query: String::new() }))
        }))
    };
    let state = RouterState { location: (*location).clone(), navigator };
    html! { <ContextProvider<RouterState> context={state}>{ p.children.clone() }</ContextProvider<RouterState>> }
}

#[hook]
pub fn use_navigator() -> Option<Navigator> {
    use_context::<RouterState>().map(|s| s.navigator)
}

#[hook]
pub fn use_location() -> Option<Rc<Location>> {
    use_context::<RouterState>().map(|s| s.location)
}

#[hook]
pub fn use_route() -> Option<Route> {
    use_location().map(|l| Route::recognize(&l.path))
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

/// A plain link to a route (a [`NavLink`] without ARIA extras).
pub type Link = NavLink;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_routes_round_trip() {
        let all = [
            Route::Today,
            Route::Day { date: "2026-11-26".into() },
            Route::Session { id: "42".into() },
            Route::History,
            Route::HistoryWeek { start: "2026-11-23".into() },
            Route::HistoryMonth { month: "2026-11".into() },
            Route::Export,
            Route::Settings,
            Route::Overlay,
            Route::Login,
            Route::Register,
            Route::ResetPassword,
            Route::VerifyEmail,
            Route::ConfirmEmail,
            Route::Admin,
            Route::AdminUser { id: "7".into(), date: "2026-11-28".into() },
        ];
        for r in all {
            assert_eq!(Route::recognize(&r.to_path()), r);
        }
        assert_eq!(Route::recognize("/admin/users/7/2026-11-28"), Route::AdminUser { id: "7".into(), date: "2026-11-28".into() });
        for other in ["/nope", "/day", "/day/", "/sessions/1/x", "/history/week/", "/admin/users/7", "/404"] {
            assert_eq!(Route::recognize(other), Route::NotFound, "{other}");
        }
    }
}
