//! Integration tests through the real HTTP/GraphQL API.

mod accounts;
mod common;
mod events;
mod reports;
mod pdf_reports;
mod schema;
mod security;
mod props;
mod conformance;
mod timeline;
mod readme;
mod live;
mod clients;
mod hardening;
mod ops;
mod deploy;
mod cluster;
mod process;
mod mail;
mod mail_sink;
mod mail_crash;
mod logging;
mod report_mail;
mod playground;
mod toolkit;
