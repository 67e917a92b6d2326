//! `ix_events_user_id` (user_id, id) becomes partial on `id > 0`, a condition every row
//! meets. PostgreSQL uses a partial index only for queries that state its condition, so
//! the per-user id-order reads (the latest event, an export) keep it and the lookup of an
//! event by client id can no longer pick it. It did pick it on a table without
//! statistics, where both indexes cost the same: an event worker plans its lookup once,
//! so until autovacuum's first ANALYZE every event scanned all of its user's events
//! (about 10 % of the event rate in the bench) instead of probing the unique index.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Readers state the same condition: `store::txn::events_in_id_order` in the server.
const CREATE_PARTIAL: &str = "CREATE INDEX ix_events_user_id ON events (user_id, id) WHERE id > 0";
const CREATE_FULL: &str = "CREATE INDEX ix_events_user_id ON events (user_id, id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace_index(manager, CREATE_PARTIAL).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace_index(manager, CREATE_FULL).await
    }
}

/// One call for both statements: on SQLite, as two calls, the CREATE failed with "index
/// already exists" (the pool ran them on different connections).
async fn replace_index(manager: &SchemaManager<'_>, create: &str) -> Result<(), DbErr> {
    manager.get_connection().execute_unprepared(&format!("DROP INDEX ix_events_user_id; {create}")).await?;
    Ok(())
}
