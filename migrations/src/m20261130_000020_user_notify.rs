//! PostgreSQL: a change to a user row (settings, password, sign-out everywhere, deletion),
//! by any instance or the `admin` command, notifies channel `rht_users` with the user's id
//! when it commits, so every instance can drop its cached copy. The event counter
//! (`event_seq`) is not a change worth notifying. SQLite needs nothing: its one server
//! process sees its own writes.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION rht_notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM pg_notify('rht_users', OLD.id::text); RETURN NULL; END $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER rht_user_changed AFTER UPDATE ON users FOR EACH ROW \
             WHEN ((to_jsonb(OLD) - 'event_seq') IS DISTINCT FROM (to_jsonb(NEW) - 'event_seq')) \
             EXECUTE FUNCTION rht_notify_user_change()",
        )
        .await?;
        db.execute_unprepared("CREATE TRIGGER rht_user_deleted AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION rht_notify_user_change()").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS rht_user_changed ON users").await?;
        db.execute_unprepared("DROP TRIGGER IF EXISTS rht_user_deleted ON users").await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS rht_notify_user_change()").await?;
        Ok(())
    }
}
