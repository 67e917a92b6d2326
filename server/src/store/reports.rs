//! The rows reports read: the narrow question/session-start rows of the `day` and `week`
//! resolvers, and the full rows of report documents.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sea_orm::sea_query::{Expr, Query, UnionType};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement, StreamTrait};

use crate::entity::{question, session};
use crate::error::{AppError, AppResult};
use crate::report::figures::{QuestionRow, SessionRow};
use crate::report::{Bucket, QuestionPoint, Slot};

#[derive(FromQueryResult)]
struct PointRow {
    is_session: i32,
    started_at: DateTime<Utc>,
    active_ms: i64,
    target_ms: i64,
}

/// Questions (through `ix_questions_user_started`) and session starts in `[from, to)`, in
/// one statement: a report's reads are dominated by round trips, not rows.
pub async fn points_and_starts(
    db: &impl ConnectionTrait,
    user_id: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<(Vec<QuestionPoint>, Vec<DateTime<Utc>>)> {
    let mut statement = Query::select()
        .expr_as(Expr::val(0), "is_session")
        .columns([question::Column::StartedAt, question::Column::ActiveMs, question::Column::TargetMs])
        .from(question::Entity)
        .and_where(question::Column::UserId.eq(user_id))
        .and_where(question::Column::StartedAt.gte(from))
        .and_where(question::Column::StartedAt.lt(to))
        .to_owned();
    let sessions = Query::select()
        .expr_as(Expr::val(1), "is_session")
        .column(session::Column::StartedAt)
        .expr_as(Expr::val(0_i64), "active_ms")
        .expr_as(Expr::val(0_i64), "target_ms")
        .from(session::Entity)
        .and_where(session::Column::UserId.eq(user_id))
        .and_where(session::Column::StartedAt.gte(from))
        .and_where(session::Column::StartedAt.lt(to))
        .to_owned();
    statement.union(UnionType::All, sessions);
    let rows = PointRow::find_by_statement(db.get_database_backend().build(&statement)).all(db).await?;
    let mut points = Vec::with_capacity(rows.len());
    let mut starts = Vec::new();
    for row in rows {
        if row.is_session == 1 {
            starts.push(row.started_at);
        } else {
            points.push(QuestionPoint { started_at: row.started_at, active_ms: row.active_ms, target_ms: row.target_ms });
        }
    }
    Ok((points, starts))
}

#[derive(FromQueryResult)]
struct SlotRow {
    is_session: i32,
    slot: String,
    n: i64,
    active_ms: i64,
    target_ms: i64,
}

/// The UTC stretch a slot key names: `YYYY-MM-DDTHH` (whole hours) or `YYYY-MM-DDTHH:M`
/// (quarter hours, minute 0, 15, 30 or 45).
fn slot_start(key: &str) -> Option<DateTime<Utc>> {
    let (date, time) = key.split_once(['T', ' '])?;
    let (hour, minute) = time.split_once(':').unwrap_or((time, "0"));
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(hour.parse().ok()?, minute.parse().ok()?, 0)?.and_utc())
}

/// Questions and session starts in `[from, to)`, summed per UTC stretch of `minutes` (60
/// or 15, see `report::slot_minutes`) by the database: a week is a few dozen rows instead
/// of one per question, and each row costs far more to hand over than to sum.
pub async fn slots(db: &impl ConnectionTrait, user_id: i32, from: DateTime<Utc>, to: DateTime<Utc>, minutes: u32) -> AppResult<Vec<Slot>> {
    let backend = db.get_database_backend();
    let quarter = minutes != 60;
    let sql = match (backend, quarter) {
        (DbBackend::Postgres, false) => SLOTS_PG.replace("{slot}", "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"),
        (DbBackend::Postgres, true) => SLOTS_PG.replace(
            "{slot}",
            "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:') || (floor(extract(minute from started_at AT TIME ZONE 'UTC') / 15) * 15)::int",
        ),
        (_, false) => SLOTS_SQLITE.replace("{slot}", "substr(started_at, 1, 13)"),
        (_, true) => SLOTS_SQLITE.replace("{slot}", "substr(started_at, 1, 14) || (CAST(substr(started_at, 15, 2) AS INTEGER) / 15 * 15)"),
    };
    let values: Vec<sea_orm::Value> = vec![user_id.into(), from.into(), to.into()];
    let rows = SlotRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).all(db).await?;
    let mut slots: Vec<Slot> = Vec::with_capacity(rows.len());
    for row in rows {
        let start = slot_start(&row.slot).ok_or_else(|| AppError::internal(format_args!("unexpected time slot {:?}", row.slot)))?;
        let slot = if row.is_session == 1 {
            Slot { start, session_starts: row.n, ..Slot::default() }
        } else {
            Slot { start, questions: Bucket { question_count: row.n, active_ms: row.active_ms, target_ms: row.target_ms }, ..Slot::default() }
        };
        slots.push(slot);
    }
    Ok(slots)
}

/// Through `ix_questions_user_started` and the sessions' user/start index; `{slot}` names
/// each row's UTC stretch.
const SLOTS_SQLITE: &str = "SELECT 0 AS is_session, {slot} AS slot, count(*) AS n, sum(active_ms) AS active_ms, sum(target_ms) AS target_ms \
     FROM questions WHERE user_id = ?1 AND started_at >= ?2 AND started_at < ?3 GROUP BY 2 \
     UNION ALL SELECT 1, {slot}, count(*), 0, 0 FROM sessions WHERE user_id = ?1 AND started_at >= ?2 AND started_at < ?3 GROUP BY 2";

const SLOTS_PG: &str = "SELECT 0 AS is_session, {slot} AS slot, count(*) AS n, sum(active_ms)::bigint AS active_ms, sum(target_ms)::bigint AS target_ms \
     FROM questions WHERE user_id = $1 AND started_at >= $2 AND started_at < $3 GROUP BY 2 \
     UNION ALL SELECT 1, {slot}, count(*), 0::bigint, 0::bigint FROM sessions WHERE user_id = $1 AND started_at >= $2 AND started_at < $3 GROUP BY 2";

/// Full question rows in `[from, to)`, oldest first, for export.
pub async fn questions_between(db: &impl ConnectionTrait, user_id: i32, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<question::Model>> {
    Ok(question::Entity::find()
        .filter(question::Column::UserId.eq(user_id))
        .filter(question::Column::StartedAt.gte(from))
        .filter(question::Column::StartedAt.lt(to))
        .order_by_asc(question::Column::StartedAt)
        .order_by_asc(question::Column::Id)
        .all(db)
        .await?)
}

/// The columns of a question a report document shows.
#[derive(FromQueryResult)]
struct ReportQuestion {
    session_id: i32,
    position: i32,
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    raw_ms: i64,
    paused_ms: i64,
    active_ms: i64,
    target_ms: i64,
    task_id: Option<String>,
}

/// What a report document needs: the questions that started in `[from, to)` and every
/// session overlapping it (a session may begin the evening before its questions). The
/// questions are streamed into their final shape: a year is 30,000 rows, and collecting
/// whole entity rows first held them twice.
pub async fn report_rows<C>(db: &C, user_id: i32, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<(Vec<QuestionRow>, Vec<SessionRow>)>
where
    C: ConnectionTrait + StreamTrait,
{
    let mut questions = Vec::new();
    let mut rows = question::Entity::find()
        .select_only()
        .columns([
            question::Column::SessionId,
            question::Column::Position,
            question::Column::StartedAt,
            question::Column::EndedAt,
            question::Column::RawMs,
            question::Column::PausedMs,
            question::Column::ActiveMs,
            question::Column::TargetMs,
            question::Column::TaskId,
        ])
        .filter(question::Column::UserId.eq(user_id))
        .filter(question::Column::StartedAt.gte(from))
        .filter(question::Column::StartedAt.lt(to))
        .order_by_asc(question::Column::StartedAt)
        .order_by_asc(question::Column::Id)
        .into_model::<ReportQuestion>()
        .stream(db)
        .await?;
    while let Some(q) = rows.try_next().await? {
        questions.push(QuestionRow {
            session_id: q.session_id,
            position: q.position,
            started_at: q.started_at,
            ended_at: q.ended_at,
            raw_ms: q.raw_ms,
            paused_ms: q.paused_ms,
            active_ms: q.active_ms,
            target_ms: q.target_ms,
            task_id: q.task_id,
        });
    }
    drop(rows);
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::StartedAt.lt(to))
        .filter(Condition::any().add(session::Column::EndedAt.is_null()).add(session::Column::EndedAt.gte(from)))
        .all(db)
        .await?;
    let sessions = sessions.into_iter().map(|s| SessionRow { id: s.id, started_at: s.started_at, ended_at: s.ended_at }).collect();
    Ok((questions, sessions))
}
