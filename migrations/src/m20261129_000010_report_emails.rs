//! Opt-in report e-mails: which ones and at what local hour.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    ReportDaily,
    ReportWeekly,
    ReportHour,
    ReportIncludeEmpty,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let columns = [
            boolean(Users::ReportDaily).default(false).to_owned(),
            boolean(Users::ReportWeekly).default(false).to_owned(),
            small_integer(Users::ReportHour).default(7).to_owned(),
            boolean(Users::ReportIncludeEmpty).default(false).to_owned(),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(Users::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Users::ReportIncludeEmpty, Users::ReportHour, Users::ReportWeekly, Users::ReportDaily] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
