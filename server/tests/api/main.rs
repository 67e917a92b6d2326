//! Integration tests through the real HTTP/GraphQL API.

mod accounts;
mod clients;
mod cluster;
mod common;
mod conformance;
mod deploy;
mod events;
mod hardening;
mod live;
mod logging;
mod mail;
mod mail_crash;
mod mail_sink;
mod ops;
mod pdf_reports;
mod playground;
mod process;
mod props;
mod readme;
mod report_mail;
mod reports;
mod schema;
mod security;
mod shared_backoff;
mod timeline;
mod toolkit;
