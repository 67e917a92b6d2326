//! Password history, invites, one-time password resets and the audit log.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PasswordHistory {
    Table,
    Id,
    UserId,
    PasswordHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    Id,
    CodeHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    UsedBy,
    RevokedAt,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    SubjectId,
    Action,
    Ip,
    Detail,
    CreatedAt,
}

fn cascade_to_user(table: impl IntoIden + 'static, col: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasswordHistory::Table)
                    .col(pk_auto(PasswordHistory::Id))
                    .col(integer(PasswordHistory::UserId))
                    .col(string(PasswordHistory::PasswordHash))
                    .col(timestamp_with_time_zone(PasswordHistory::CreatedAt))
                    .foreign_key(&mut cascade_to_user(PasswordHistory::Table, PasswordHistory::UserId))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_password_history_user").table(PasswordHistory::Table).col(PasswordHistory::UserId).to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(Invites::Table)
                    .col(pk_auto(Invites::Id))
                    .col(string_len_uniq(Invites::CodeHash, 64))
                    .col(integer(Invites::CreatedBy))
                    .col(timestamp_with_time_zone(Invites::CreatedAt))
                    .col(timestamp_with_time_zone(Invites::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invites::UsedAt))
                    .col(integer_null(Invites::UsedBy))
                    .col(timestamp_with_time_zone_null(Invites::RevokedAt))
                    .foreign_key(&mut cascade_to_user(Invites::Table, Invites::CreatedBy))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(pk_auto(PasswordResets::Id))
                    .col(integer(PasswordResets::UserId))
                    .col(string_len_uniq(PasswordResets::TokenHash, 64))
                    .col(timestamp_with_time_zone(PasswordResets::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordResets::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordResets::UsedAt))
                    .foreign_key(&mut cascade_to_user(PasswordResets::Table, PasswordResets::UserId))
                    .to_owned(),
            )
            .await?;

        // No foreign keys: the log outlives deleted accounts.
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(integer_null(AuditLog::ActorId))
                    .col(integer_null(AuditLog::SubjectId))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .col(string_len_null(AuditLog::Detail, 500))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_audit_actor").table(AuditLog::Table).col(AuditLog::ActorId).col(AuditLog::Id).to_owned()).await?;
        manager.create_index(Index::create().name("ix_audit_subject").table(AuditLog::Table).col(AuditLog::SubjectId).col(AuditLog::Id).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [AuditLog::Table.into_iden(), PasswordResets::Table.into_iden(), Invites::Table.into_iden(), PasswordHistory::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
