//! Database schema migrations, applied in order at server start-up.
#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_initial;
mod m20261126_000002_security;
mod m20261126_000003_session_totals;
mod m20261129_000004_mail;
mod m20261129_000010_report_emails;
mod m20261129_000014_toolkit;
mod m20261201_000018_events_by_user_partial;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_initial::Migration),
            Box::new(m20261126_000002_security::Migration),
            Box::new(m20261126_000003_session_totals::Migration),
            Box::new(m20261129_000004_mail::Migration),
            Box::new(m20261129_000010_report_emails::Migration),
            Box::new(m20261129_000014_toolkit::Migration),
            Box::new(m20261201_000018_events_by_user_partial::Migration),
        ]
    }
}
