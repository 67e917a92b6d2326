//! Operations: online SQLite backups and per-user JSON export and import.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::Db;
use crate::entity::{event, question, session, user};

pub const EXPORT_FORMAT: &str = "raterhub-tracker/1";

/// The `backup` command: copies the configured SQLite database, refusing one that does not
/// exist (connecting would create an empty one), and puts the signing key beside the copy
/// as `<file>.secret`. Returns what it did, line by line, including where the key is not.
pub async fn backup_with_key(config: &Config, file: &Path) -> anyhow::Result<Vec<String>> {
    let Some(path) = config.sqlite_path() else {
        bail!("`backup` copies SQLite databases; for PostgreSQL use pg_dump (see docs/operations.md)");
    };
    if !path.is_file() {
        bail!("no database at {}: check DATABASE_URL and the working directory (`backup` never creates one)", path.display());
    }
    let db = Db::connect(&format!("sqlite://{}?mode=rw", path.display())).await?;
    backup(&db, file).await?;
    let mut report = vec![format!("backed up {} to {}", path.display(), file.display())];
    let key_copy = PathBuf::from(format!("{}.secret", file.display()));
    let key_file = config.secret_file();
    report.push(if config.secret_key.is_some() {
        "the signing key comes from SECRET_KEY, so no key file was written: keep SECRET_KEY with the backup".into()
    } else if let Ok(key) = std::fs::read_to_string(&key_file) {
        write_private(&key_copy, &key).with_context(|| format!("writing {}", key_copy.display()))?;
        format!("signing key copied to {} (restore it beside the database as {})", key_copy.display(), key_file.display())
    } else {
        format!("no key file at {}, so no key was written: after a restore everyone signs in again", key_file.display())
    });
    Ok(report)
}

/// Writes a new file only its owner can read; never overwrites.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// A consistent copy of a SQLite database, safe while the server runs (`VACUUM INTO`).
pub async fn backup(db: &Db, file: &Path) -> anyhow::Result<()> {
    if db.backend() != DbBackend::Sqlite {
        bail!("`backup` copies SQLite databases; for PostgreSQL use pg_dump (see the README)");
    }
    if file.exists() {
        bail!("{} already exists", file.display());
    }
    let target = file.to_str().context("the backup path must be valid UTF-8")?.replace('\'', "''");
    db.conn.execute_unprepared(&format!("VACUUM INTO '{target}'")).await.context("VACUUM INTO failed")?;
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserDump {
    pub format: String,
    pub exported_at: DateTime<Utc>,
    pub user: UserRecord,
    pub sessions: Vec<SessionRecord>,
    pub events: Vec<EventRecord>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserRecord {
    pub email: String,
    /// The argon2 hash, so the account can sign in after a restore.
    pub password_hash: String,
    pub role: String,
    pub timezone: String,
    pub target_ms: i64,
    pub idle_timeout_minutes: i32,
    pub weekly_goal_hours: f64,
    pub week_starts_on: i16,
    pub created_at: DateTime<Utc>,
    /// Pay settings; absent in dumps from before the toolkit (the defaults then apply).
    #[serde(default)]
    pub pay_basis: Option<String>,
    #[serde(default)]
    pub hourly_rate: Option<f64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub daily_cap_hours: Option<f64>,
    #[serde(default)]
    pub weekly_cap_hours: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub is_active: bool,
    pub last_event_at: DateTime<Utc>,
    pub cur_index: i32,
    pub cur_started_at: Option<DateTime<Utc>>,
    pub cur_paused_ms: i64,
    pub cur_pause_started_at: Option<DateTime<Utc>>,
    pub cur_target_ms: i64,
    pub cur_task_id: Option<String>,
    #[serde(default)]
    pub cur_task_type: Option<String>,
    pub questions: Vec<QuestionRecord>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QuestionRecord {
    pub index: i32,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub raw_ms: i64,
    pub paused_ms: i64,
    pub active_ms: i64,
    pub target_ms: i64,
    pub task_id: Option<String>,
    #[serde(default)]
    pub task_type: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    pub client_event_id: Option<String>,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// Start of the session the event applied to, if it still exists.
    pub session_started_at: Option<DateTime<Utc>>,
}

pub async fn export_user(db: &Db, email: &str) -> anyhow::Result<UserDump> {
    let email = email.trim().to_lowercase();
    let conn = &db.conn;
    let u = user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(conn).await?.with_context(|| format!("no account with email {email}"))?;
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.eq(u.id))
        .order_by_asc(session::Column::StartedAt)
        .order_by_asc(session::Column::Id)
        .all(conn)
        .await?;
    let questions = question::Entity::find()
        .filter(question::Column::UserId.eq(u.id))
        .order_by_asc(question::Column::SessionId)
        .order_by_asc(question::Column::Position)
        .all(conn)
        .await?;
    let events = event::Entity::find().filter(event::Column::UserId.eq(u.id)).order_by_asc(event::Column::Id).all(conn).await?;
    let started_of = |id: Option<i32>| id.and_then(|id| sessions.iter().find(|s| s.id == id)).map(|s| s.started_at);
    Ok(UserDump {
        format: EXPORT_FORMAT.into(),
        exported_at: Utc::now(),
        user: UserRecord {
            email: u.email.clone(),
            password_hash: u.password_hash.clone(),
            role: u.role.clone(),
            timezone: u.timezone.clone(),
            target_ms: u.target_ms,
            idle_timeout_minutes: u.idle_timeout_minutes,
            weekly_goal_hours: u.weekly_goal_hours,
            week_starts_on: u.week_starts_on,
            created_at: u.created_at,
            pay_basis: Some(u.pay_basis.clone()),
            hourly_rate: u.hourly_rate,
            currency: Some(u.currency.clone()),
            daily_cap_hours: u.daily_cap_hours,
            weekly_cap_hours: u.weekly_cap_hours,
        },
        sessions: sessions
            .iter()
            .map(|s| SessionRecord {
                started_at: s.started_at,
                ended_at: s.ended_at,
                is_active: s.is_active,
                last_event_at: s.last_event_at,
                cur_index: s.cur_index,
                cur_started_at: s.cur_started_at,
                cur_paused_ms: s.cur_paused_ms,
                cur_pause_started_at: s.cur_pause_started_at,
                cur_target_ms: s.cur_target_ms,
                cur_task_id: s.cur_task_id.clone(),
                cur_task_type: s.cur_task_type.clone(),
                questions: questions
                    .iter()
                    .filter(|q| q.session_id == s.id)
                    .map(|q| QuestionRecord {
                        index: q.position,
                        started_at: q.started_at,
                        ended_at: q.ended_at,
                        raw_ms: q.raw_ms,
                        paused_ms: q.paused_ms,
                        active_ms: q.active_ms,
                        target_ms: q.target_ms,
                        task_id: q.task_id.clone(),
                        task_type: q.task_type.clone(),
                    })
                    .collect(),
            })
            .collect(),
        events: events
            .iter()
            .map(|e| EventRecord {
                client_event_id: e.client_event_id.clone(),
                kind: e.kind.clone(),
                occurred_at: e.occurred_at,
                received_at: e.received_at,
                session_started_at: started_of(e.session_id),
            })
            .collect(),
    })
}

/// Imports a dump. The account is matched by email (created if missing); sessions are
/// matched by start time and events by `clientEventId`, so a second import adds nothing.
pub async fn import_user(db: &Db, dump: &UserDump) -> anyhow::Result<String> {
    if dump.format != EXPORT_FORMAT {
        bail!("unknown export format {:?} (expected {EXPORT_FORMAT})", dump.format);
    }
    let txn = db.begin_write().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let r = &dump.user;
    let existing = user::Entity::find().filter(user::Column::Email.eq(r.email.as_str())).one(&*txn).await?;
    let user_id = match existing {
        Some(u) => u.id,
        None => {
            user::ActiveModel {
                email: Set(r.email.clone()),
                password_hash: Set(r.password_hash.clone()),
                role: Set(r.role.clone()),
                is_active: Set(true),
                token_version: Set(0),
                event_seq: Set(0),
                timezone: Set(r.timezone.clone()),
                target_ms: Set(r.target_ms),
                idle_timeout_minutes: Set(r.idle_timeout_minutes),
                weekly_goal_hours: Set(r.weekly_goal_hours),
                week_starts_on: Set(r.week_starts_on),
                created_at: Set(r.created_at),
                pay_basis: Set(crate::pay::PayBasis::parse(r.pay_basis.as_deref().unwrap_or("AET")).as_str().to_owned()),
                hourly_rate: Set(r.hourly_rate),
                currency: Set(r.currency.as_deref().and_then(crate::pay::Currency::find).map_or(crate::pay::DEFAULT_CURRENCY, |c| c.code).to_owned()),
                daily_cap_hours: Set(r.daily_cap_hours),
                weekly_cap_hours: Set(r.weekly_cap_hours),
                ..Default::default()
            }
            .insert(&*txn)
            .await?
            .id
        }
    };
    let has_active = session::Entity::find().filter(session::Column::UserId.eq(user_id)).filter(session::Column::IsActive.eq(true)).one(&*txn).await?.is_some();
    let (mut added_sessions, mut added_questions, mut added_events) = (0, 0, 0);
    for s in &dump.sessions {
        let found = session::Entity::find().filter(session::Column::UserId.eq(user_id)).filter(session::Column::StartedAt.eq(s.started_at)).one(&*txn).await?;
        if found.is_some() {
            continue;
        }
        // Never two active sessions: an imported running session ends at its last event.
        let active = s.is_active && !has_active;
        let row = session::ActiveModel {
            user_id: Set(user_id),
            started_at: Set(s.started_at),
            ended_at: Set(if s.is_active && !active { Some(s.last_event_at) } else { s.ended_at }),
            is_active: Set(active),
            last_event_at: Set(s.last_event_at),
            cur_index: Set(s.cur_index),
            cur_started_at: Set(s.cur_started_at.filter(|_| active)),
            cur_paused_ms: Set(s.cur_paused_ms),
            cur_pause_started_at: Set(s.cur_pause_started_at.filter(|_| active)),
            cur_target_ms: Set(s.cur_target_ms),
            cur_task_id: Set(s.cur_task_id.clone()),
            cur_task_type: Set(s.cur_task_type.clone()),
            question_count: Set(s.questions.len() as i64),
            total_raw_ms: Set(s.questions.iter().map(|q| q.raw_ms).sum()),
            total_paused_ms: Set(s.questions.iter().map(|q| q.paused_ms).sum()),
            total_active_ms: Set(s.questions.iter().map(|q| q.active_ms).sum()),
            total_target_ms: Set(s.questions.iter().map(|q| q.target_ms).sum()),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        added_sessions += 1;
        for q in &s.questions {
            question::ActiveModel {
                session_id: Set(row.id),
                user_id: Set(user_id),
                position: Set(q.index),
                started_at: Set(q.started_at),
                ended_at: Set(q.ended_at),
                raw_ms: Set(q.raw_ms),
                paused_ms: Set(q.paused_ms),
                active_ms: Set(q.active_ms),
                target_ms: Set(q.target_ms),
                task_id: Set(q.task_id.clone()),
                task_type: Set(q.task_type.clone()),
                ..Default::default()
            }
            .insert(&*txn)
            .await?;
            added_questions += 1;
        }
    }
    for e in dump.events.iter().filter(|e| e.client_event_id.is_some()) {
        let seen = event::Entity::find()
            .filter(event::Column::UserId.eq(user_id))
            .filter(event::Column::ClientEventId.eq(e.client_event_id.clone()))
            .one(&*txn)
            .await?;
        if seen.is_some() {
            continue;
        }
        let session_id = match e.session_started_at {
            Some(at) => {
                session::Entity::find().filter(session::Column::UserId.eq(user_id)).filter(session::Column::StartedAt.eq(at)).one(&*txn).await?.map(|s| s.id)
            }
            None => None,
        };
        event::ActiveModel {
            user_id: Set(user_id),
            session_id: Set(session_id),
            question_id: Set(None),
            client_event_id: Set(e.client_event_id.clone()),
            kind: Set(e.kind.clone()),
            occurred_at: Set(e.occurred_at),
            received_at: Set(e.received_at),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        added_events += 1;
    }
    txn.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(format!("imported {}: {added_sessions} sessions, {added_questions} questions, {added_events} events added", r.email))
}
