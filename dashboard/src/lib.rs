//! RaterHub Tracker dashboard: a Yew single-page app (client-side rendered to wasm).
//!
//! Pure logic (formatting, dates, chart maths, timers) lives in plain modules with native unit
//! tests; components are tested with Yew's server-side renderer in `tests/ssr.rs`.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod chart;
pub mod components;
pub mod dates;
pub mod figures;
pub mod format;
pub mod gql;
pub mod hooks;
#[cfg(target_arch = "wasm32")]
mod jsde;
pub mod live;
pub mod pages;
pub mod reports;
pub mod route;
pub mod state;
pub mod time;
pub mod timer;
pub mod tz;

/// Starts the app (the wasm entry point calls this).
pub fn run() {
    app::run();
}
