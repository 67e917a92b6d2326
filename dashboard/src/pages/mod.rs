//! The app's pages, thin: data from the hooks in `crate::hooks`, layout from `crate::components`.

pub mod account;
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
pub mod users;
