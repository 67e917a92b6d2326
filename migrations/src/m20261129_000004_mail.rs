//! Mail: the durable outbox, one-time e-mail tokens (verification, address change), and
//! the user columns the account flows need.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EmailVerified,
    DisplayName,
}

#[derive(DeriveIden)]
enum EmailTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    NewEmail,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    UserId,
    Kind,
    Recipient,
    MessageId,
    DedupeKey,
    Raw,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

fn cascade_to_user(table: impl IntoIden + 'static, col: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time. Accounts that
        // exist before mail did were never asked to verify: they count as verified.
        manager.alter_table(Table::alter().table(Users::Table).add_column(boolean(Users::EmailVerified).default(true)).to_owned()).await?;
        manager.alter_table(Table::alter().table(Users::Table).add_column(string_len_null(Users::DisplayName, 80)).to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailTokens::Table)
                    .col(pk_auto(EmailTokens::Id))
                    .col(integer(EmailTokens::UserId))
                    .col(string_len(EmailTokens::Purpose, 32))
                    .col(string_len_uniq(EmailTokens::TokenHash, 64))
                    .col(string_len_null(EmailTokens::NewEmail, 254))
                    .col(timestamp_with_time_zone(EmailTokens::CreatedAt))
                    .col(timestamp_with_time_zone(EmailTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(EmailTokens::UsedAt))
                    .foreign_key(&mut cascade_to_user(EmailTokens::Table, EmailTokens::UserId))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_email_tokens_user").table(EmailTokens::Table).col(EmailTokens::UserId).to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_auto(Outbox::Id))
                    .col(integer_null(Outbox::UserId))
                    .col(string_len(Outbox::Kind, 32))
                    .col(string_len(Outbox::Recipient, 254))
                    .col(string_len(Outbox::MessageId, 255))
                    .col(string_len_null(Outbox::DedupeKey, 128).unique_key())
                    .col(blob(Outbox::Raw))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .col(string_len_null(Outbox::LastError, 500))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .foreign_key(&mut cascade_to_user(Outbox::Table, Outbox::UserId))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_outbox_due").table(Outbox::Table).col(Outbox::Status).col(Outbox::NextAttemptAt).to_owned()).await?;
        manager.create_index(Index::create().name("ix_outbox_user").table(Outbox::Table).col(Outbox::UserId).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Outbox::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EmailTokens::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::DisplayName).to_owned()).await?;
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::EmailVerified).to_owned()).await?;
        Ok(())
    }
}
