//! Recording one event: a short write, serialised per user, that keeps the session's
//! running totals.

use chrono::{DateTime, Duration, Utc};

use super::lite::LiteTxn;
use super::pg::Keys;
pub use super::txn::Credential;
use super::txn::{EventRef, EventTxn, SeaTxn};
use super::{Totals, closed_question, open_session};
use crate::db::Db;
use crate::engine::{self, Closed, Command, Context, Effect, Exited, OpenSession};
use crate::entity::{event, question, session};
use crate::error::{AppError, AppResult};

pub use crate::entity::event::EventKind;

/// A validated event as received.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub kind: EventKind,
    pub client_event_id: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub task_id: Option<String>,
    pub task_type: Option<String>,
    pub target_ms: Option<i64>,
}

/// What an applied (or replayed) event touched, as stored after it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub session: Option<session::Model>,
    /// The question the event closed, if any.
    pub question: Option<question::Model>,
    pub duplicate: bool,
}

/// Applies one event in a write transaction shared with other waiting events (group
/// commit; SQLite with a database file, and PostgreSQL).
pub async fn record(db: &Db, user_id: i32, new: &NewEvent, now: DateTime<Utc>, unconfirmed: Option<Credential>) -> AppResult<Recorded> {
    record_all(db, user_id, vec![new.clone()], now, unconfirmed).await?.pop().unwrap_or_else(|| Err(AppError::internal("event without a result")))
}

/// Applies events in order in one write; each event's rejection is its own result and the
/// rest still apply. A database failure fails them all (nothing is written). On SQLite this
/// is a job for the writer thread (`LiteTxn`), on PostgreSQL a transaction (`SeaTxn`).
/// `unconfirmed`: a credential the write must confirm first (PostgreSQL only); when it
/// no longer holds, every event is refused with `Unauthenticated` and nothing is written.
pub async fn record_all(
    db: &Db,
    user_id: i32,
    events: Vec<NewEvent>,
    now: DateTime<Utc>,
    unconfirmed: Option<Credential>,
) -> AppResult<Vec<AppResult<Recorded>>> {
    if unconfirmed.is_some() && db.pg_batcher().is_none() {
        return Err(AppError::internal("an unconfirmed credential reached a store that can't confirm it"));
    }
    if let Some(writer) = db.writer() {
        return writer
            .submit(Box::new(move |conn| {
                let events = events.clone();
                Box::pin(async move { apply_all(&mut LiteTxn(conn), user_id, &events, now).await })
            }))
            .await;
    }
    if let Some(batcher) = db.pg_batcher() {
        let keys = Keys { user_id, client_event_ids: events.iter().filter_map(|e| e.client_event_id.clone()).collect(), events: events.len(), unconfirmed };
        return batcher
            .submit(
                keys,
                Box::new(move |txn| {
                    let events = events.clone();
                    Box::pin(async move {
                        if unconfirmed.is_some_and(|credential| !txn.confirms(user_id, credential)) {
                            return Ok(events.iter().map(|_| Err(AppError::Unauthenticated)).collect());
                        }
                        apply_all(txn, user_id, &events, now).await
                    })
                }),
            )
            .await;
    }
    let txn = db.begin_write().await?;
    let results = apply_all(&mut SeaTxn(&txn.txn), user_id, &events, now).await?;
    txn.commit().await?;
    Ok(results)
}

async fn apply_all(txn: &mut impl EventTxn, user_id: i32, events: &[NewEvent], now: DateTime<Utc>) -> AppResult<Vec<AppResult<Recorded>>> {
    let mut results = Vec::with_capacity(events.len());
    for new in events {
        results.push(apply(txn, user_id, new, now).await?);
    }
    Ok(results)
}

/// The outer error aborts the transaction. The inner one rejects the event (engine rule or
/// unknown user) and is returned before anything but the user's event counter was written,
/// so a shared transaction can still commit the other events.
async fn apply(txn: &mut impl EventTxn, user_id: i32, new: &NewEvent, now: DateTime<Utc>) -> AppResult<AppResult<Recorded>> {
    let Some(user) = txn.lock_user(user_id).await? else { return Ok(Err(AppError::Unauthenticated)) };
    // An event without a time happens when it is applied, not when it arrived: a request
    // that waited for the lock must not land before the one it waited for.
    let now = std::cmp::max(now, Utc::now());

    if let Some(client_id) = &new.client_event_id
        && let Some(earlier) = txn.event_by_client_id(user_id, client_id).await?
    {
        return Ok(Ok(replay(txn, user_id, earlier).await?));
    }

    let at = engine::truncate_to_ms(new.occurred_at.unwrap_or(now));
    let idle_timeout = Duration::minutes(i64::from(user.idle_timeout_minutes));
    let mut active = txn.active_session(user_id).await?;
    // A forgotten session is ended below, once the event is known to apply; reading the
    // latest session or event before that gives the same answers.
    let forgotten = active.take_if(|s| open_session(s).is_idle_at(at, idle_timeout));

    let command = match new.kind {
        EventKind::Next => Command::Next { target_ms: new.target_ms, task_id: new.task_id.clone(), task_type: new.task_type.clone() },
        EventKind::Pause => Command::Pause,
        EventKind::Exit => Command::Exit,
        EventKind::Undo => Command::Undo,
    };
    let mut ctx = Context { default_target_ms: user.target_ms, idle_timeout, ..Default::default() };
    if let Some(row) = &active {
        ctx.open = Some(open_session(row));
        if new.kind == EventKind::Undo {
            ctx.last_closed = txn.last_question(row.id).await?.as_ref().map(closed_question);
        }
    } else if new.kind == EventKind::Next {
        ctx.floor = txn.latest_session(user_id).await?.map(|s| s.last_event_at);
    } else if new.kind == EventKind::Undo
        && let Some((row, exited)) = undoable_exit(txn, user_id).await?
    {
        ctx.exited = Some(exited);
        // UNDO of an EXIT works on that ended session.
        active = Some(row);
    }

    let effect = match engine::apply(&ctx, &command, at, now) {
        Ok(effect) => effect,
        Err(rejected) => return Ok(Err(rejected.into())),
    };
    if let Some(stale) = forgotten {
        end_forgotten_session(txn, stale).await?;
    }
    let (session, question) = persist(txn, user_id, active, effect).await?;
    txn.insert_event(event::Model {
        id: 0,
        user_id,
        session_id: session.as_ref().map(|s| s.id),
        question_id: question.as_ref().map(|q| q.id),
        client_event_id: new.client_event_id.clone(),
        kind: new.kind,
        occurred_at: at,
        received_at: now,
    })
    .await?;
    Ok(Ok(Recorded { session, question, duplicate: false }))
}

/// A repeated `clientEventId`: what the first delivery touched, as it is now.
async fn replay(txn: &mut impl EventTxn, user_id: i32, earlier: EventRef) -> AppResult<Recorded> {
    let session = match earlier.session_id {
        Some(id) => txn.session(user_id, id).await?,
        None => None,
    };
    let question = match earlier.question_id {
        Some(id) => txn.question(user_id, id).await?,
        None => None,
    };
    Ok(Recorded { session, question, duplicate: true })
}

/// Rule 9: a forgotten session ends at its last event; its open question, of unknown
/// length, is dropped.
async fn end_forgotten_session(txn: &mut impl EventTxn, mut row: session::Model) -> AppResult<()> {
    row.is_active = false;
    row.ended_at = Some(row.last_event_at);
    stop_running(&mut row);
    txn.update_session(&row).await
}

/// The session an UNDO may reopen: the user's latest event was its EXIT, and it is still
/// the user's latest session.
async fn undoable_exit(txn: &mut impl EventTxn, user_id: i32) -> AppResult<Option<(session::Model, Exited)>> {
    let latest_event = txn.latest_event(user_id).await?;
    let Some(session_id) = latest_event.filter(|e| e.kind == EventKind::Exit).and_then(|e| e.session_id) else {
        return Ok(None);
    };
    let Some(row) = txn.latest_session(user_id).await?.filter(|s| s.id == session_id && !s.is_active) else {
        return Ok(None);
    };
    let Some(ended_at) = row.ended_at else { return Ok(None) };
    let last = txn.last_question(row.id).await?.as_ref().map(closed_question);
    let exited = Exited { started_at: row.started_at, ended_at, last };
    Ok(Some((row, exited)))
}

/// Writes the effect to `row` (the session it concerns); returns the session as stored
/// after it (None when discarded) and the question it closed.
async fn persist(
    txn: &mut impl EventTxn,
    user_id: i32,
    row: Option<session::Model>,
    effect: Effect,
) -> AppResult<(Option<session::Model>, Option<question::Model>)> {
    let missing = || AppError::internal("effect without its session");
    match effect {
        Effect::Start(open) => {
            let mut row = session::Model {
                id: 0,
                user_id,
                started_at: open.started_at,
                ended_at: None,
                is_active: true,
                last_event_at: open.last_event_at,
                cur_index: 0,
                cur_started_at: None,
                cur_paused_ms: 0,
                cur_pause_started_at: None,
                cur_target_ms: 0,
                cur_task_id: None,
                cur_task_type: None,
                question_count: 0,
                total_raw_ms: 0,
                total_paused_ms: 0,
                total_active_ms: 0,
                total_target_ms: 0,
            };
            set_running(&mut row, &open);
            Ok((Some(txn.insert_session(row).await?), None))
        }
        Effect::Advance { closed, open } => {
            let mut row = row.ok_or_else(missing)?;
            let question = insert_question(txn, &mut row, &closed).await?;
            set_running(&mut row, &open);
            txn.update_session(&row).await?;
            Ok((Some(row), Some(question)))
        }
        Effect::Toggle(open) => {
            let mut row = row.ok_or_else(missing)?;
            set_running(&mut row, &open);
            txn.update_session(&row).await?;
            Ok((Some(row), None))
        }
        Effect::End { closed, ended_at } => {
            let mut row = row.ok_or_else(missing)?;
            let question = insert_question(txn, &mut row, &closed).await?;
            row.is_active = false;
            row.ended_at = Some(ended_at);
            row.last_event_at = ended_at;
            stop_running(&mut row);
            txn.update_session(&row).await?;
            Ok((Some(row), Some(question)))
        }
        Effect::Reopen { reopened, open } => Ok((Some(reopen(txn, row.ok_or_else(missing)?, reopened, &open).await?), None)),
        Effect::Resume { reopened, open } => {
            let mut row = row.ok_or_else(missing)?;
            row.is_active = true;
            row.ended_at = None;
            Ok((Some(reopen(txn, row, reopened, &open).await?), None))
        }
        Effect::Discard => {
            txn.delete_session(row.ok_or_else(missing)?.id).await?;
            Ok((None, None))
        }
    }
}

/// UNDO: question `reopened` is deleted and running again.
async fn reopen(txn: &mut impl EventTxn, mut row: session::Model, reopened: i32, open: &OpenSession) -> AppResult<session::Model> {
    let mut totals = Totals::of(&row);
    for gone in txn.delete_question_at(row.id, reopened).await? {
        totals = totals.with(&gone, -1);
    }
    totals.store(&mut row);
    set_running(&mut row, open);
    txn.update_session(&row).await?;
    Ok(row)
}

fn set_running(row: &mut session::Model, open: &OpenSession) {
    let r = &open.running;
    row.last_event_at = open.last_event_at;
    row.cur_index = r.index;
    row.cur_started_at = Some(r.started_at);
    row.cur_paused_ms = r.paused_ms;
    row.cur_pause_started_at = r.pause_started_at;
    row.cur_target_ms = r.target_ms;
    row.cur_task_id = r.task_id.clone();
    row.cur_task_type = r.task_type.clone();
}

fn stop_running(row: &mut session::Model) {
    row.cur_started_at = None;
    row.cur_pause_started_at = None;
    row.cur_paused_ms = 0;
}

/// Stores the closed question and adds it to the session's running totals.
async fn insert_question(txn: &mut impl EventTxn, row: &mut session::Model, closed: &Closed) -> AppResult<question::Model> {
    let question = txn
        .insert_question(question::Model {
            id: 0,
            session_id: row.id,
            user_id: row.user_id,
            position: closed.index,
            started_at: closed.started_at,
            ended_at: closed.ended_at,
            raw_ms: closed.raw_ms(),
            paused_ms: closed.paused_ms,
            active_ms: closed.active_ms(),
            target_ms: closed.target_ms,
            task_id: closed.task_id.clone(),
            task_type: closed.task_type.clone(),
        })
        .await?;
    Totals::of(row).with(&question, 1).store(row);
    Ok(question)
}

#[cfg(test)]
mod tests {
    //! Both `EventTxn` implementations on SQLite, on the same events: `LiteTxn` (the writer
    //! thread, what SQLite runs) and `SeaTxn` (what PostgreSQL runs, here inside a writer
    //! turn), so a default `cargo test` checks that they store the same rows.

    use sea_orm::{EntityTrait, QueryOrder};

    use super::*;
    use crate::entity::{event, question, session};
    use crate::store::users;

    /// A fixed pseudo-random run of events: every kind, replays, gaps past the idle timeout.
    fn script() -> Vec<NewEvent> {
        let mut seed: u64 = 0x5eed;
        let mut next = move |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let mut at = DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z").unwrap().with_timezone(&Utc);
        let mut events = Vec::new();
        for i in 0..400 {
            at += Duration::milliseconds(if next(25) == 0 { 2 * 3_600_000 } else { 1 + next(400_000) as i64 });
            let kind = [EventKind::Next, EventKind::Next, EventKind::Next, EventKind::Pause, EventKind::Exit, EventKind::Undo][next(6) as usize];
            // Every tenth event repeats an earlier id: a replay, never applied twice.
            let id = if i % 10 == 9 { next(i) } else { i };
            events.push(NewEvent {
                kind,
                client_event_id: Some(format!("c{id}")),
                occurred_at: Some(at),
                task_id: (kind == EventKind::Next).then(|| format!("task-{}", next(5))),
                task_type: (next(3) == 0).then(|| "rating".to_owned()),
                target_ms: (next(4) == 0).then(|| 60_000 * (1 + next(9) as i64)),
            });
        }
        events
    }

    async fn fresh() -> (Db, i32) {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        db.migrate().await.unwrap();
        let new =
            users::NewUser { email: "both@example.com".into(), password_hash: "x".into(), timezone: "UTC".into(), display_name: None, email_verified: true };
        let user = db.write(async |txn| users::create(txn, new, Utc::now()).await).await.unwrap();
        (db, user.id)
    }

    /// Everything stored, minus what depends on when the test ran.
    async fn stored(db: &Db) -> (Vec<session::Model>, Vec<question::Model>, Vec<event::Model>) {
        let sessions = session::Entity::find().order_by_asc(session::Column::Id).all(&db.conn).await.unwrap();
        let questions = question::Entity::find().order_by_asc(question::Column::Id).all(&db.conn).await.unwrap();
        let mut events = event::Entity::find().order_by_asc(event::Column::Id).all(&db.conn).await.unwrap();
        for e in &mut events {
            e.received_at = DateTime::<Utc>::MIN_UTC;
        }
        (sessions, questions, events)
    }

    /// Each event's outcome as a comparable line.
    fn outcome(result: AppResult<Recorded>) -> String {
        match result {
            Ok(r) => format!("{:?} {:?} {}", r.session.map(|s| (s.id, s.question_count)), r.question.map(|q| q.id), r.duplicate),
            Err(e) => e.code().to_owned(),
        }
    }

    #[tokio::test]
    async fn the_rusqlite_and_the_sea_orm_implementations_store_the_same_rows() {
        let now = DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let (lite, lite_user) = fresh().await;
        let (sea, sea_user) = fresh().await;
        let (mut lite_outcomes, mut sea_outcomes) = (Vec::new(), Vec::new());
        for new in script() {
            // The writer path (`LiteTxn`), as `record` takes it on SQLite.
            lite_outcomes.push(outcome(record(&lite, lite_user, &new, now, None).await));
            // The sea-orm path, as on PostgreSQL, in a transaction holding the writer's turn.
            let txn = sea.begin_write().await.unwrap();
            let result = apply(&mut SeaTxn(&txn.txn), sea_user, &new, now).await.unwrap();
            txn.commit().await.unwrap();
            sea_outcomes.push(outcome(result));
        }
        assert_eq!(lite_outcomes, sea_outcomes);
        let (lite_rows, sea_rows) = (stored(&lite).await, stored(&sea).await);
        assert!(lite_rows.1.len() > 50 && lite_outcomes.iter().any(|o| o.ends_with("true")), "the script exercises questions and replays");
        assert_eq!(lite_rows, sea_rows);
    }
}
