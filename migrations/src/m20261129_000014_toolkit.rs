//! Rater toolkit: pay basis, rate, currency and caps on users; task types on questions
//! and on a session's running question.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    PayBasis,
    HourlyRate,
    Currency,
    DailyCapHours,
    WeeklyCapHours,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    TaskType,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    CurTaskType,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let users = [
            string_len(Users::PayBasis, 8).default("AET").to_owned(),
            double_null(Users::HourlyRate),
            string_len(Users::Currency, 3).default("USD").to_owned(),
            double_null(Users::DailyCapHours),
            double_null(Users::WeeklyCapHours),
        ];
        for mut column in users {
            manager.alter_table(Table::alter().table(Users::Table).add_column(&mut column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Questions::Table).add_column(string_len_null(Questions::TaskType, 64)).to_owned()).await?;
        manager.alter_table(Table::alter().table(Sessions::Table).add_column(string_len_null(Sessions::CurTaskType, 64)).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Sessions::Table).drop_column(Sessions::CurTaskType).to_owned()).await?;
        manager.alter_table(Table::alter().table(Questions::Table).drop_column(Questions::TaskType).to_owned()).await?;
        for column in [Users::WeeklyCapHours, Users::DailyCapHours, Users::Currency, Users::HourlyRate, Users::PayBasis] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
