//! Integration tests through the real HTTP/GraphQL API.

mod accounts;
mod common;
mod events;
mod reports;
mod pdf_reports;
mod schema;
mod security;
mod props;
mod clients;
mod hardening;
mod ops;
mod deploy;
mod cluster;
mod process;
