//! Operations: online SQLite backups and per-user JSON export and import.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend};

use crate::config::Config;
use crate::db::Db;

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

pub use crate::store::dump::{EventRecord, QuestionRecord, SessionRecord, UserDump, UserRecord};

pub async fn export_user(db: &Db, email: &str) -> anyhow::Result<UserDump> {
    let email = email.trim().to_lowercase();
    let (u, sessions, questions, events) = crate::store::dump::everything_of(&db.conn, &email)
        .await
        .map_err(crate::error::AppError::for_operator)?
        .with_context(|| format!("no account with email {email}"))?;
    let started_of = |id: Option<i32>| id.and_then(|id| sessions.iter().find(|s| s.id == id)).map(|s| s.started_at);
    Ok(UserDump {
        format: EXPORT_FORMAT.into(),
        exported_at: Utc::now(),
        user: UserRecord {
            email: u.email.clone(),
            password_hash: u.password_hash.clone(),
            role: u.role.as_str().to_owned(),
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
                kind: e.kind.as_str().to_owned(),
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
    let added = crate::store::dump::import(db, dump).await.map_err(crate::error::AppError::for_operator)?;
    Ok(format!("imported {}: {} sessions, {} questions, {} events added", dump.user.email, added.sessions, added.questions, added.events))
}
