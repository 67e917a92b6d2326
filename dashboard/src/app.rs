//! The app shell: routes, auth gate, navigation and the live-update connection.

use yew::prelude::*;

use crate::hooks::{use_app, use_session_check};
use crate::route::{Link, Location, Router, use_navigator, use_route};

use crate::components::spinner;
use crate::live::use_live_updates;
use crate::pages::{
    admin_view::AdminUserPage,
    auth::{LoginPage, RegisterPage},
    email::{TokenLink, TokenLinkPage},
    export::ExportPage,
    history::{HistoryPage, HistoryView},
    overlay::OverlayPage,
    reset::ResetPasswordPage,
    session::SessionPage,
    settings::SettingsPage,
    today::TodayPage,
    users::AdminPage,
};
use crate::state::{AppContext, AppState, Auth, LiveMode};

pub use crate::route::{NavLink, Route};

#[component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::default);
    html! {
        <ContextProvider<AppContext> context={state}>
            <Router>
                <Shell />
            </Router>
        </ContextProvider<AppContext>>
    }
}

/// The app with a fixed state and route, for server-side rendering in tests.
#[derive(Properties, PartialEq)]
pub struct StaticAppProps {
    pub state: AppState,
    pub path: AttrValue,
    /// A query string without `?` (`token=reset_x`), for pages that read one.
    #[prop_or_default]
    pub query: Option<AttrValue>,
}

#[component(StaticApp)]
pub fn static_app(p: &StaticAppProps) -> Html {
    let initial = p.state.clone();
    let state = use_reducer(move || initial);
    let at = Location { path: p.path.to_string(), query: p.query.as_ref().map(|q| format!("?{q}")).unwrap_or_default() };
    html! {
        <ContextProvider<AppContext> context={state}>
            <Router at={at}>
                <Shell />
            </Router>
        </ContextProvider<AppContext>>
    }
}

#[component(Shell)]
fn shell() -> Html {
    let ctx = use_app();
    use_session_check();
    let at = use_route();
    let route = at.clone().unwrap_or(Route::NotFound);
    let signed_in = ctx.user().is_some();
    let page = use_routed(&route);
    use_live_updates();
    html! {
        <>
            <a class="skip" href="#main">{ "Skip to content" }</a>
            <header class="top">
                <Link to={Route::Today} classes="brand">
                    <span aria-hidden="true">{ "⏱ " }</span>{ "RaterHub Tracker" }
                </Link>
                if signed_in { { nav(&ctx, at.unwrap_or(Route::Today)) } }
            </header>
            <main id="main" tabindex="-1">
                { page }
            </main>
        </>
    }
}

/// The main menu, for the route shown. A plain function of the shell (issue #16, size).
fn nav(ctx: &AppContext, route: Route) -> Html {
    let section = |r: &Route| match r {
        Route::Today | Route::Day { .. } | Route::Session { .. } => 0,
        Route::History | Route::HistoryWeek { .. } | Route::HistoryMonth { .. } => 1,
        Route::Export => 2,
        Route::Settings => 3,
        Route::Overlay => 4,
        Route::Admin | Route::AdminUser { .. } => 5,
        _ => 9,
    };
    let current = section(&route);
    let item = |to: Route, label: &str| {
        let active = section(&to) == current;
        html! {
            <li>
                <NavLink to={to} classes={classes!(active.then_some("active"))} current={active}>{ label.to_string() }</NavLink>
            </li>
        }
    };
    let (live_class, live_text) = match ctx.live_mode {
        LiveMode::Socket => ("live on", "live"),
        LiveMode::Polling => ("live polling", "polling"),
        LiveMode::Connecting => ("live", "connecting"),
        LiveMode::Off => ("live", "offline"),
    };
    html! {
        <nav aria-label="Main">
            <ul>
                { item(Route::Today, "Today") }
                { item(Route::History, "History") }
                { item(Route::Export, "Export") }
                { item(Route::Settings, "Settings") }
                { item(Route::Overlay, "Overlay") }
                if ctx.user().is_some_and(|u| u.is_admin) { { item(Route::Admin, "Admin") } }
            </ul>
            <span class={live_class} id="live-status" title="Live updates">{ live_text }</span>
        </nav>
    }
}

/// The document title for a route (screen readers announce it on navigation).
pub fn title(route: &Route) -> &'static str {
    match route {
        Route::Today | Route::Day { .. } => "Day",
        Route::Session { .. } => "Session",
        Route::History | Route::HistoryWeek { .. } | Route::HistoryMonth { .. } => "History",
        Route::Export => "Export",
        Route::Settings => "Settings",
        Route::Overlay => "Overlay",
        Route::Login => "Sign in",
        Route::Register => "Register",
        Route::ResetPassword => "Reset password",
        Route::VerifyEmail => "Verify e-mail",
        Route::ConfirmEmail => "Confirm e-mail",
        Route::Admin | Route::AdminUser { .. } => "Admin",
        Route::NotFound => "Not found",
    }
}

/// Pages shown to signed-out visitors as they are (everything else shows sign-in in place).
pub fn public(route: &Route) -> bool {
    matches!(route, Route::Register | Route::Overlay | Route::ResetPassword | Route::VerifyEmail | Route::ConfirmEmail)
}

/// The page for `route`, and the document title: a hook of the shell rather than a component
/// of its own (issue #16, size).
#[hook]
fn use_routed(route: &Route) -> Html {
    let ctx = use_app();
    // Signed in on the sign-in or register page: on to today, replacing the entry.
    let to_today = matches!(ctx.auth, Auth::SignedIn(_)) && matches!(route, Route::Login | Route::Register);
    let navigator = use_navigator();
    use_effect_with(to_today, move |&go| {
        if let (true, Some(n)) = (go, navigator) {
            n.replace(&Route::Today);
        }
    });
    {
        let signed_out = matches!(ctx.auth, Auth::SignedOut { .. }) && !public(route);
        let name = if signed_out { "Sign in" } else { title(route) };
        use_effect_with(name, |name| {
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                doc.set_title(&format!("{name} · RaterHub Tracker"));
            }
        });
    }
    match &ctx.auth {
        Auth::Checking => spinner(),
        Auth::SignedOut { expired } => match route {
            Route::Register => html! { <RegisterPage /> },
            Route::Overlay => html! { <OverlayPage /> },
            Route::ResetPassword => html! { <ResetPasswordPage /> },
            Route::VerifyEmail | Route::ConfirmEmail => token_page(route),
            _ => html! { <LoginPage expired={*expired} /> },
        },
        Auth::SignedIn(user) => match route {
            Route::Login | Route::Register => Html::default(),
            Route::Today => html! { <TodayPage /> },
            Route::Day { date } => {
                html! { <TodayPage date={Some(AttrValue::from(date.clone()))} /> }
            }
            Route::Session { id } => html! { <SessionPage id={AttrValue::from(id.clone())} /> },
            Route::History => html! { <HistoryPage view={HistoryView::Week(None)} /> },
            Route::HistoryWeek { start } => {
                html! { <HistoryPage view={HistoryView::Week(Some(start.clone()))} /> }
            }
            Route::HistoryMonth { month } => {
                html! { <HistoryPage view={HistoryView::Month(Some(month.clone()))} /> }
            }
            Route::Export => html! { <ExportPage /> },
            Route::Settings => html! { <SettingsPage /> },
            Route::Overlay => html! { <OverlayPage /> },
            Route::ResetPassword => html! { <ResetPasswordPage /> },
            Route::VerifyEmail | Route::ConfirmEmail => token_page(route),
            Route::Admin if user.is_admin => html! { <AdminPage /> },
            Route::AdminUser { id, date } if user.is_admin => html! {
                <AdminUserPage id={AttrValue::from(id.clone())} date={AttrValue::from(date.clone())} />
            },
            Route::Admin | Route::AdminUser { .. } => html! {
                <section class="page" id="admin-only">
                    <h1>{ "Administrators only" }</h1>
                    <p>{ "This page is for the server's administrators. Your account is a regular user account." }</p>
                    <p><Link to={Route::Today}>{ "Go to today" }</Link></p>
                </section>
            },
            Route::NotFound => html! {
                <section class="page">
                    <h1>{ "Page not found" }</h1>
                    <p><Link to={Route::Today}>{ "Go to today" }</Link></p>
                </section>
            },
        },
    }
}

/// The page a mailed link opens (`/verify-email`, `/confirm-email`).
fn token_page(route: &Route) -> Html {
    let link = match route {
        Route::ConfirmEmail => TokenLink::ConfirmEmailChange,
        _ => TokenLink::VerifyEmail,
    };
    html! { <TokenLinkPage link={link} /> }
}

/// Mounts the app on `#app` (replacing the boot message), or on `<body>`.
pub fn run() {
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}
