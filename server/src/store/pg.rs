//! Recording events on PostgreSQL, several callers' events in one transaction (group
//! commit, see `db::pg_batch`). Every round trip costs both processes CPU and the group
//! its wait, so this implementation of `EventTxn` does what it can per transaction instead
//! of per event, and sends its statements together (`WorkerConn::script`): two round
//! trips whatever the group's size.
//! - `BEGIN`, then one statement that locks every user of the group in user-id order (so
//!   two groups never deadlock), reserves the question ids and checks the group's device
//!   tokens, then one that reads the active sessions of those users and the events already
//!   stored with the group's client event ids. Each statement takes its own snapshot, so
//!   the read sees whatever was committed before the lock was granted.
//! - Session updates, new questions and events are kept and written at the end, in one
//!   statement (`jsonb_to_recordset` in data-modifying CTEs, fixed whatever the count),
//!   sent with the `COMMIT`.
//!
//! The three statements are prepared once per connection and run with `EXECUTE`, the
//! group's values written in as literals (JSON and integers only).
//!
//! The rows of a locked user only change through this transaction, so what it read at the
//! start plus what it wrote since answers the hot reads. Every other read or write first
//! writes out what is kept and then goes to the database, so it sees the same rows it
//! would have seen with the writes done one by one.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::{ActiveEnum, DbErr, FromQueryResult, QueryResult, SqlErr};
use serde_json::{Value as Json, json};

use super::txn::{Credential, EventRef, EventTxn, SeaTxn, Settings, duplicate_raced};
use crate::db::pg_conn::{WorkerConn, connection_lost, literal};
use crate::entity::{event, question, session};
use crate::error::{AppError, AppResult};

/// What one caller's events will ask for, so the group can read it up front.
#[derive(Clone, Debug)]
pub struct Keys {
    pub user_id: i32,
    pub client_event_ids: Vec<String>,
    /// At most this many questions are closed (one per event at most).
    pub events: usize,
    /// What the transaction must confirm before these events apply.
    pub unconfirmed: Option<Credential>,
}

#[derive(FromQueryResult)]
struct LockedUser {
    id: i32,
    target_ms: i64,
    idle_timeout_minutes: i32,
    is_active: bool,
    token_version: i32,
    /// The question ids reserved for the group (a JSON array), repeated on every row.
    question_ids: Option<Json>,
    /// Which of the group's device tokens are still live (a JSON array), on every row.
    live_devices: Option<Json>,
}

/// The active session of each locked user (None: none).
type ActiveSessions = HashMap<i32, Option<session::Model>>;
/// What each stored or recorded event touched, by (user, client event id).
type SeenEvents = HashMap<(i32, String), EventRef>;

/// One group's write transaction.
pub struct PgTxn {
    /// The worker's connection, inside the transaction.
    conn: WorkerConn,
    /// The locked users that still exist, with their settings.
    settings: HashMap<i32, Settings>,
    /// Each locked user's (is_active, token_version), and the group's live device tokens.
    accounts: HashMap<i32, (bool, i32)>,
    live_devices: HashSet<i32>,
    locked: HashSet<i32>,
    /// The active session of every locked user, as of now (None: no active session).
    active: ActiveSessions,
    /// The client event ids read at the start, and what each of those events touched
    /// (stored before, or recorded by this transaction).
    known_ids: HashSet<(i32, String)>,
    seen: SeenEvents,
    /// Question ids taken from the sequence at the start, next one last.
    question_ids: Vec<i32>,
    new_questions: Vec<question::Model>,
    /// Session rows to save, by id.
    changed_sessions: HashMap<i32, session::Model>,
    new_events: Vec<event::Model>,
}

// Reserving the question ids and checking the device tokens ride on the lock: an
// uncorrelated subquery runs once per statement, so one round trip does all three. The
// user rows come back as locked (their latest version), so a token version bumped or an
// account deactivated before the lock is seen. Each user is one probe of the primary key,
// in the order given (ascending ids): as `id = ANY (…)`, the generic plan scanned the whole
// table. `QUESTION_SEQ` is replaced by the sequence's name when the statement is prepared:
// `pg_get_serial_sequence` in the statement searched the catalog again for every id.
const LOCK_USERS: &str = "SELECT u.id, u.target_ms, u.idle_timeout_minutes, u.is_active, u.token_version, \
    (SELECT json_agg(nextval(QUESTION_SEQ::regclass)) FROM generate_series(1, $2)) AS question_ids, \
    (SELECT json_agg(id) FROM device_tokens WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text($3)::int)) \
    AND revoked_at IS NULL) AS live_devices FROM jsonb_array_elements_text($1) WITH ORDINALITY AS k(id, n) \
    CROSS JOIN LATERAL (SELECT * FROM users WHERE users.id = k.id::int FOR UPDATE) AS u ORDER BY k.n";
// After the lock, one statement reads the users' active sessions (one row each) and,
// folded into every row as JSON, the events already stored with the group's client ids:
// a retried event is answered with what it did the first time. Each client id is one
// probe of the unique index (a lateral subquery with LIMIT; as a plain join the planner
// guesses 100 rows from the record set and hashes the whole events table). With no
// active session the left join still gives one row, with a null session.
const SESSIONS_AND_SEEN: &str = "SELECT s.*, seen.events AS seen_events FROM (SELECT json_agg(json_build_object(\
    'user_id', e.user_id, 'client_event_id', e.client_event_id, 'kind', e.kind, 'session_id', e.session_id, \
    'question_id', e.question_id)) AS events FROM jsonb_to_recordset($2) AS k(user_id int, client_event_id text) \
    CROSS JOIN LATERAL (SELECT * FROM events WHERE events.user_id = k.user_id AND events.client_event_id = k.client_event_id LIMIT 1) AS e) AS seen \
    LEFT JOIN sessions s ON s.user_id = ANY (ARRAY(SELECT jsonb_array_elements_text($1)::int)) AND s.is_active";

#[derive(serde::Deserialize)]
struct SeenEvent {
    user_id: i32,
    client_event_id: String,
    kind: String,
    session_id: Option<i32>,
    question_id: Option<i32>,
}

// The kept writes go in one statement: questions, then session updates, then events, as
// data-modifying CTEs. Foreign keys are checked at the end of the statement, so an event
// may name a question inserted beside it. Event ids follow the order events were applied
// in (the latest event is the one with the highest id), hence `n`. The sessions are also
// picked by `id = ANY (ARRAY(…))`: joined on the record set alone, the planner guesses 100
// rows and scans the whole table, every dead row version included, on every group.
const WRITE_KEPT: &str = "WITH new_questions AS (INSERT INTO questions \
    (id, session_id, user_id, position, started_at, ended_at, raw_ms, paused_ms, active_ms, target_ms, task_id, task_type) \
    SELECT id, session_id, user_id, position, started_at, ended_at, raw_ms, paused_ms, active_ms, target_ms, task_id, task_type \
    FROM jsonb_to_recordset($1) AS q(id int, session_id int, user_id int, position int, started_at timestamptz, ended_at timestamptz, \
    raw_ms bigint, paused_ms bigint, active_ms bigint, target_ms bigint, task_id text, task_type text)), \
    changed_sessions AS (UPDATE sessions AS s SET started_at = v.started_at, ended_at = v.ended_at, is_active = v.is_active, \
    last_event_at = v.last_event_at, cur_index = v.cur_index, cur_started_at = v.cur_started_at, cur_paused_ms = v.cur_paused_ms, \
    cur_pause_started_at = v.cur_pause_started_at, cur_target_ms = v.cur_target_ms, cur_task_id = v.cur_task_id, \
    cur_task_type = v.cur_task_type, question_count = v.question_count, total_raw_ms = v.total_raw_ms, \
    total_paused_ms = v.total_paused_ms, total_active_ms = v.total_active_ms, total_target_ms = v.total_target_ms \
    FROM jsonb_to_recordset($2) AS v(id int, started_at timestamptz, ended_at timestamptz, is_active boolean, \
    last_event_at timestamptz, cur_index int, cur_started_at timestamptz, cur_paused_ms bigint, cur_pause_started_at timestamptz, \
    cur_target_ms bigint, cur_task_id text, cur_task_type text, question_count bigint, total_raw_ms bigint, total_paused_ms bigint, \
    total_active_ms bigint, total_target_ms bigint) \
    WHERE s.id = ANY (ARRAY(SELECT (r->>'id')::int FROM jsonb_array_elements($2) AS r)) AND s.id = v.id) \
    INSERT INTO events (user_id, session_id, question_id, client_event_id, kind, occurred_at, received_at) \
    SELECT user_id, session_id, question_id, client_event_id, kind, occurred_at, received_at \
    FROM jsonb_to_recordset($3) AS e(n int, user_id int, session_id int, question_id int, client_event_id text, kind text, \
    occurred_at timestamptz, received_at timestamptz) ORDER BY n";

/// The hot statements, prepared on each worker connection (see `PgTxn::prepare`).
const PREPARE: [(&str, &str, &str); 3] = [
    ("rht_lock_users", "jsonb, bigint, jsonb", LOCK_USERS),
    ("rht_sessions_and_seen", "jsonb, jsonb", SESSIONS_AND_SEEN),
    ("rht_write_kept", "jsonb, jsonb, jsonb", WRITE_KEPT),
];

/// How a group's transaction ended.
pub enum Ending {
    /// Committed; the connection is ready for the next group.
    Committed(WorkerConn),
    /// PostgreSQL refused the writes or the commit, so nothing was written. The connection
    /// comes back when the rollback after it worked.
    NotCommitted(Option<WorkerConn>, AppError),
    /// The connection failed: the commit may or may not have happened.
    Unknown(AppError),
}

impl PgTxn {
    /// Prepares the hot statements on a new worker connection.
    pub async fn prepare(conn: &WorkerConn) -> AppResult<()> {
        let found = conn.script("SELECT pg_get_serial_sequence('questions', 'id') AS seq".to_owned()).await?;
        let sequence: String = match found.first().and_then(|rows| rows.first()) {
            Some(row) => row.try_get("", "seq")?,
            None => return Err(AppError::internal("the questions table has no id sequence")),
        };
        let script: Vec<String> =
            PREPARE.iter().map(|(name, types, sql)| format!("PREPARE {name} ({types}) AS {}", sql.replace("QUESTION_SEQ", &literal(&sequence)))).collect();
        conn.script(script.join(";\n")).await?;
        Ok(())
    }

    /// Begins the transaction of a group whose callers declared `keys`, locks their users
    /// and reads what their events will ask for: one round trip. On an error the
    /// connection is dropped, which closes it and ends the transaction.
    pub async fn begin(conn: WorkerConn, keys: &[&Keys]) -> AppResult<Self> {
        let users: BTreeSet<i32> = keys.iter().map(|k| k.user_id).collect();
        let user_list = literal(&json!(users.iter().collect::<Vec<_>>()).to_string());
        let events: usize = keys.iter().map(|k| k.events).sum();
        let devices = json!(
            keys.iter()
                .filter_map(|k| match k.unconfirmed {
                    Some(Credential::Device { id }) => Some(id),
                    _ => None,
                })
                .collect::<Vec<_>>()
        );
        let known_ids: HashSet<(i32, String)> = keys.iter().flat_map(|k| k.client_event_ids.iter().map(|id| (k.user_id, id.clone()))).collect();
        let wanted = Json::Array(known_ids.iter().map(|(user_id, id)| json!({"user_id": user_id, "client_event_id": id})).collect());
        let script = format!(
            "BEGIN; EXECUTE rht_lock_users({user_list}, {events}, {}); EXECUTE rht_sessions_and_seen({user_list}, {})",
            literal(&devices.to_string()),
            literal(&wanted.to_string())
        );
        let mut results = conn.script(script).await?.into_iter().skip(1);
        let (Some(locked), Some(read)) = (results.next(), results.next()) else {
            return Err(AppError::internal("a statement of the group's start sent no result"));
        };
        let locked = locked.iter().map(|row| LockedUser::from_query_result(row, "")).collect::<Result<Vec<_>, DbErr>>()?;
        let mut question_ids = ids_in(locked.first().and_then(|r| r.question_ids.as_ref()))?;
        question_ids.reverse();
        let live_devices = ids_in(locked.first().and_then(|r| r.live_devices.as_ref()))?.into_iter().collect();
        let accounts = locked.iter().map(|u| (u.id, (u.is_active, u.token_version))).collect();
        let settings = locked.into_iter().map(|u| (u.id, Settings { target_ms: u.target_ms, idle_timeout_minutes: u.idle_timeout_minutes })).collect();
        let (active, seen) = sessions_and_seen(&users, &read)?;
        Ok(PgTxn {
            conn,
            settings,
            accounts,
            live_devices,
            locked: users.into_iter().collect(),
            active,
            known_ids,
            seen,
            question_ids,
            new_questions: Vec::new(),
            changed_sessions: HashMap::new(),
            new_events: Vec::new(),
        })
    }

    /// Whether `credential`, taken on trust for `user_id`, still holds: the account is
    /// active and the token is not revoked, as of the lock this transaction holds.
    pub fn confirms(&self, user_id: i32, credential: Credential) -> bool {
        let Some(&(is_active, token_version)) = self.accounts.get(&user_id) else { return false };
        is_active
            && match credential {
                Credential::Session { token_version: claimed } => claimed == token_version,
                Credential::Device { id } => self.live_devices.contains(&id),
            }
    }

    /// Writes what is kept and commits, in one round trip.
    pub async fn commit(mut self) -> Ending {
        let script = match self.kept_writes() {
            Some(write) => format!("{write}; COMMIT"),
            None => "COMMIT".to_owned(),
        };
        match self.conn.script(script).await {
            Ok(_) => Ending::Committed(self.conn),
            // PostgreSQL answers a commit with an error only when it did not commit, and
            // after a failed write the commit never ran; a lost connection tells nothing.
            Err(e) if !connection_lost(&e) => {
                let error = write_error(e);
                Ending::NotCommitted(self.rollback().await, error)
            }
            Err(e) => Ending::Unknown(AppError::Db(e)),
        }
    }

    /// Rolls back; the connection comes back when that worked.
    pub async fn rollback(self) -> Option<WorkerConn> {
        match self.conn.script("ROLLBACK".to_owned()).await {
            Ok(_) => Some(self.conn),
            Err(e) => {
                tracing::warn!(error = %e, "rolling back a group of events failed");
                None
            }
        }
    }

    /// The statement writing the kept questions, session updates and events, if any are
    /// kept; takes them.
    fn kept_writes(&mut self) -> Option<String> {
        if self.new_questions.is_empty() && self.changed_sessions.is_empty() && self.new_events.is_empty() {
            return None;
        }
        let questions = Json::Array(self.new_questions.drain(..).map(|q| question_json(&q)).collect());
        let sessions = Json::Array(self.changed_sessions.drain().map(|(_, s)| session_json(&s)).collect());
        let events = Json::Array(self.new_events.drain(..).enumerate().map(|(n, e)| event_json(n, &e)).collect());
        Some(format!("EXECUTE rht_write_kept({}, {}, {})", literal(&questions.to_string()), literal(&sessions.to_string()), literal(&events.to_string())))
    }

    /// The plain implementation, after writing out what is kept.
    async fn direct(&mut self) -> AppResult<SeaTxn<'_, WorkerConn>> {
        if let Some(write) = self.kept_writes() {
            self.conn.script(write).await.map_err(write_error)?;
        }
        Ok(SeaTxn(&self.conn))
    }

    /// Keeps the active-session map in step with a session row as written.
    fn track(&mut self, row: &session::Model) {
        let Some(active) = self.active.get_mut(&row.user_id) else { return };
        if row.is_active {
            *active = Some(row.clone());
        } else if active.as_ref().is_some_and(|a| a.id == row.id) {
            *active = None;
        }
    }
}

#[async_trait::async_trait]
impl EventTxn for PgTxn {
    async fn lock_user(&mut self, user_id: i32) -> AppResult<Option<Settings>> {
        if self.locked.contains(&user_id) {
            return Ok(self.settings.get(&user_id).copied());
        }
        self.direct().await?.lock_user(user_id).await
    }

    async fn event_by_client_id(&mut self, user_id: i32, client_event_id: &str) -> AppResult<Option<EventRef>> {
        let key = (user_id, client_event_id.to_owned());
        if self.known_ids.contains(&key) {
            return Ok(self.seen.get(&key).cloned());
        }
        self.direct().await?.event_by_client_id(user_id, client_event_id).await
    }

    async fn latest_event(&mut self, user_id: i32) -> AppResult<Option<EventRef>> {
        self.direct().await?.latest_event(user_id).await
    }

    async fn session(&mut self, user_id: i32, id: i32) -> AppResult<Option<session::Model>> {
        self.direct().await?.session(user_id, id).await
    }

    async fn active_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        if let Some(active) = self.active.get(&user_id) {
            return Ok(active.clone());
        }
        self.direct().await?.active_session(user_id).await
    }

    async fn latest_session(&mut self, user_id: i32) -> AppResult<Option<session::Model>> {
        self.direct().await?.latest_session(user_id).await
    }

    async fn question(&mut self, user_id: i32, id: i32) -> AppResult<Option<question::Model>> {
        self.direct().await?.question(user_id, id).await
    }

    async fn last_question(&mut self, session_id: i32) -> AppResult<Option<question::Model>> {
        self.direct().await?.last_question(session_id).await
    }

    async fn insert_session(&mut self, row: session::Model) -> AppResult<session::Model> {
        // Written now: it needs its id, and the kept update that ended the user's previous
        // session must land first (one active session per user is a unique index).
        let row = self.direct().await?.insert_session(row).await?;
        self.track(&row);
        Ok(row)
    }

    async fn update_session(&mut self, row: &session::Model) -> AppResult<()> {
        self.track(row);
        self.changed_sessions.insert(row.id, row.clone());
        Ok(())
    }

    async fn delete_session(&mut self, id: i32) -> AppResult<()> {
        self.direct().await?.delete_session(id).await?;
        for active in self.active.values_mut() {
            active.take_if(|a| a.id == id);
        }
        Ok(())
    }

    async fn insert_question(&mut self, row: question::Model) -> AppResult<question::Model> {
        let Some(id) = self.question_ids.pop() else { return self.direct().await?.insert_question(row).await };
        let row = question::Model { id, ..row };
        self.new_questions.push(row.clone());
        Ok(row)
    }

    async fn delete_question_at(&mut self, session_id: i32, position: i32) -> AppResult<Vec<question::Model>> {
        self.direct().await?.delete_question_at(session_id, position).await
    }

    async fn insert_event(&mut self, row: event::Model) -> AppResult<()> {
        if let Some(id) = &row.client_event_id {
            let key = (row.user_id, id.clone());
            if self.seen.contains_key(&key) {
                return Err(duplicate_raced());
            }
            self.known_ids.insert(key.clone());
            self.seen.insert(key, event_ref(&row));
        }
        self.new_events.push(row);
        Ok(())
    }
}

/// The active session of each of `users` (None: none) and the stored events the read
/// found, from the rows of `SESSIONS_AND_SEEN`.
fn sessions_and_seen(users: &BTreeSet<i32>, rows: &[QueryResult]) -> AppResult<(ActiveSessions, SeenEvents)> {
    let mut active: ActiveSessions = users.iter().map(|&id| (id, None)).collect();
    let mut seen = HashMap::new();
    for row in rows {
        if row.try_get::<Option<i32>>("", "id")?.is_some() {
            let session = session::Model::from_query_result(row, "")?;
            active.insert(session.user_id, Some(session));
        }
        if seen.is_empty() {
            seen = seen_events(row.try_get::<Option<Json>>("", "seen_events")?)?;
        }
    }
    Ok((active, seen))
}

/// A failed write: a unique violation is a client event id that raced past the lock.
fn write_error(e: DbErr) -> AppError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => duplicate_raced(),
        _ => AppError::Db(e),
    }
}

/// The ids in a JSON array the lock statement returned (absent: none).
fn ids_in(array: Option<&Json>) -> AppResult<Vec<i32>> {
    let Some(Json::Array(ids)) = array else { return Ok(Vec::new()) };
    ids.iter().map(|id| id.as_i64().and_then(|id| i32::try_from(id).ok()).ok_or_else(|| AppError::internal("id out of range"))).collect()
}

/// The stored events the read found, by (user, client id).
fn seen_events(found: Option<Json>) -> AppResult<SeenEvents> {
    let found: Vec<SeenEvent> = match found {
        Some(json) => serde_json::from_value(json).map_err(|e| AppError::internal(format!("reading stored events: {e}")))?,
        None => Vec::new(),
    };
    found
        .into_iter()
        .map(|e| {
            let kind = event::EventKind::try_from_value(&e.kind).map_err(|_| AppError::internal("unknown stored event kind"))?;
            Ok(((e.user_id, e.client_event_id), EventRef { kind, session_id: e.session_id, question_id: e.question_id }))
        })
        .collect()
}

fn event_ref(e: &event::Model) -> EventRef {
    EventRef { kind: e.kind, session_id: e.session_id, question_id: e.question_id }
}

fn question_json(q: &question::Model) -> Json {
    json!({
        "id": q.id, "session_id": q.session_id, "user_id": q.user_id, "position": q.position,
        "started_at": q.started_at, "ended_at": q.ended_at, "raw_ms": q.raw_ms, "paused_ms": q.paused_ms,
        "active_ms": q.active_ms, "target_ms": q.target_ms, "task_id": q.task_id, "task_type": q.task_type,
    })
}

fn session_json(s: &session::Model) -> Json {
    json!({
        "id": s.id, "started_at": s.started_at, "ended_at": s.ended_at, "is_active": s.is_active,
        "last_event_at": s.last_event_at, "cur_index": s.cur_index, "cur_started_at": s.cur_started_at,
        "cur_paused_ms": s.cur_paused_ms, "cur_pause_started_at": s.cur_pause_started_at, "cur_target_ms": s.cur_target_ms,
        "cur_task_id": s.cur_task_id, "cur_task_type": s.cur_task_type, "question_count": s.question_count,
        "total_raw_ms": s.total_raw_ms, "total_paused_ms": s.total_paused_ms, "total_active_ms": s.total_active_ms,
        "total_target_ms": s.total_target_ms,
    })
}

fn event_json(n: usize, e: &event::Model) -> Json {
    json!({
        "n": n, "user_id": e.user_id, "session_id": e.session_id, "question_id": e.question_id, "client_event_id": e.client_event_id,
        "kind": e.kind.as_str(), "occurred_at": e.occurred_at, "received_at": e.received_at,
    })
}
