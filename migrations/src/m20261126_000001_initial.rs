//! Users, sessions, questions, the event log and device tokens.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    IsActive,
    TokenVersion,
    EventSeq,
    Timezone,
    TargetMs,
    IdleTimeoutMinutes,
    WeeklyGoalHours,
    WeekStartsOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    StartedAt,
    EndedAt,
    IsActive,
    LastEventAt,
    CurIndex,
    CurStartedAt,
    CurPausedMs,
    CurPauseStartedAt,
    CurTargetMs,
    CurTaskId,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    SessionId,
    UserId,
    Position,
    StartedAt,
    EndedAt,
    RawMs,
    PausedMs,
    ActiveMs,
    TargetMs,
    TaskId,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    UserId,
    SessionId,
    QuestionId,
    ClientEventId,
    Kind,
    OccurredAt,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum DeviceTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

fn user_fk(from: impl IntoIden + 'static, col: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string(Users::PasswordHash))
                    .col(string_len(Users::Role, 16).default("user"))
                    .col(boolean(Users::IsActive).default(true))
                    .col(integer(Users::TokenVersion).default(0))
                    .col(big_integer(Users::EventSeq).default(0))
                    .col(string_len(Users::Timezone, 64))
                    .col(big_integer(Users::TargetMs))
                    .col(integer(Users::IdleTimeoutMinutes))
                    .col(double(Users::WeeklyGoalHours))
                    .col(small_integer(Users::WeekStartsOn))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_auto(Sessions::Id))
                    .col(integer(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::StartedAt))
                    .col(timestamp_with_time_zone_null(Sessions::EndedAt))
                    .col(boolean(Sessions::IsActive))
                    .col(timestamp_with_time_zone(Sessions::LastEventAt))
                    .col(integer(Sessions::CurIndex))
                    .col(timestamp_with_time_zone_null(Sessions::CurStartedAt))
                    .col(big_integer(Sessions::CurPausedMs).default(0))
                    .col(timestamp_with_time_zone_null(Sessions::CurPauseStartedAt))
                    .col(big_integer(Sessions::CurTargetMs))
                    .col(string_len_null(Sessions::CurTaskId, 128))
                    .foreign_key(&mut user_fk(Sessions::Table, Sessions::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_sessions_user_started").table(Sessions::Table).col(Sessions::UserId).col(Sessions::StartedAt).to_owned())
            .await?;
        // At most one active session per user, enforced by the database itself.
        manager.get_connection().execute_unprepared("CREATE UNIQUE INDEX ux_sessions_one_active ON sessions (user_id) WHERE is_active").await?;

        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(pk_auto(Questions::Id))
                    .col(integer(Questions::SessionId))
                    .col(integer(Questions::UserId))
                    .col(integer(Questions::Position))
                    .col(timestamp_with_time_zone(Questions::StartedAt))
                    .col(timestamp_with_time_zone(Questions::EndedAt))
                    .col(big_integer(Questions::RawMs))
                    .col(big_integer(Questions::PausedMs))
                    .col(big_integer(Questions::ActiveMs))
                    .col(big_integer(Questions::TargetMs))
                    .col(string_len_null(Questions::TaskId, 128))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Questions::Table, Questions::SessionId)
                            .to(Sessions::Table, Sessions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut user_fk(Questions::Table, Questions::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_questions_session_position")
                    .table(Questions::Table)
                    .col(Questions::SessionId)
                    .col(Questions::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Day and week reports scan one user's questions by start time; covering the
        // summed columns keeps those scans inside the index.
        manager
            .create_index(
                Index::create()
                    .name("ix_questions_user_started")
                    .table(Questions::Table)
                    .col(Questions::UserId)
                    .col(Questions::StartedAt)
                    .col(Questions::ActiveMs)
                    .col(Questions::TargetMs)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(pk_auto(Events::Id))
                    .col(integer(Events::UserId))
                    .col(integer_null(Events::SessionId))
                    .col(integer_null(Events::QuestionId))
                    .col(string_len_null(Events::ClientEventId, 128))
                    .col(string_len(Events::Kind, 8))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .col(timestamp_with_time_zone(Events::ReceivedAt))
                    .foreign_key(&mut user_fk(Events::Table, Events::UserId))
                    .foreign_key(
                        ForeignKey::create().from(Events::Table, Events::SessionId).to(Sessions::Table, Sessions::Id).on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_events_user_client_id").table(Events::Table).col(Events::UserId).col(Events::ClientEventId).unique().to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_events_user_id").table(Events::Table).col(Events::UserId).col(Events::Id).to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(DeviceTokens::Table)
                    .col(pk_auto(DeviceTokens::Id))
                    .col(integer(DeviceTokens::UserId))
                    .col(string_len(DeviceTokens::Name, 100))
                    .col(string_len_uniq(DeviceTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(DeviceTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(DeviceTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(DeviceTokens::RevokedAt))
                    .foreign_key(&mut user_fk(DeviceTokens::Table, DeviceTokens::UserId))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [DeviceTokens::Table.into_iden(), Events::Table.into_iden(), Questions::Table.into_iden(), Sessions::Table.into_iden(), Users::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
