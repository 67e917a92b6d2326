//! Running totals of finished questions on each session, kept by the writes that add or
//! remove questions, so recording an event or listing sessions never re-sums questions.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
}

/// Each new column and the aggregate over the session's questions it starts from.
const COLUMNS: [(&str, &str); 5] = [
    ("question_count", "COUNT(*)"),
    ("total_raw_ms", "SUM(q.raw_ms)"),
    ("total_paused_ms", "SUM(q.paused_ms)"),
    ("total_active_ms", "SUM(q.active_ms)"),
    ("total_target_ms", "SUM(q.target_ms)"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for (column, _) in COLUMNS {
            manager.alter_table(Table::alter().table(Sessions::Table).add_column(big_integer(Alias::new(column)).default(0)).to_owned()).await?;
        }
        let assignments: Vec<String> = COLUMNS
            .iter()
            .map(|(column, aggregate)| format!("{column} = COALESCE((SELECT {aggregate} FROM questions q WHERE q.session_id = sessions.id), 0)"))
            .collect();
        manager.get_connection().execute_unprepared(&format!("UPDATE sessions SET {}", assignments.join(", "))).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, _) in COLUMNS {
            manager.alter_table(Table::alter().table(Sessions::Table).drop_column(Alias::new(column)).to_owned()).await?;
        }
        Ok(())
    }
}
