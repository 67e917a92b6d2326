//! The timing engine: how one NEXT / PAUSE / EXIT / UNDO changes a rater's session.
//!
//! Pure functions over plain values. Storage loads the context an event needs, asks
//! [`apply`] for an [`Effect`], and persists it. All durations are whole milliseconds so
//! that `active + paused == raw` holds exactly.

use chrono::{DateTime, Duration, Utc};

/// How far ahead of the server clock an event time may be.
pub const MAX_FUTURE_SKEW: Duration = Duration::minutes(5);

/// The question currently being timed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Running {
    pub index: i32,
    pub started_at: DateTime<Utc>,
    /// Closed pauses inside this question.
    pub paused_ms: i64,
    /// Set while a pause is open.
    pub pause_started_at: Option<DateTime<Utc>>,
    pub target_ms: i64,
    pub task_id: Option<String>,
    /// The task type the overlay read from the page (opt-in), ≤ 64 characters.
    pub task_type: Option<String>,
}

impl Running {
    pub fn is_paused(&self) -> bool {
        self.pause_started_at.is_some()
    }

    /// Paused time up to `at`, counting an open pause.
    pub fn paused_ms_at(&self, at: DateTime<Utc>) -> i64 {
        self.paused_ms + self.pause_started_at.map_or(0, |p| ms_between(p, at))
    }
}

/// An active session, as far as the engine cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenSession {
    pub started_at: DateTime<Utc>,
    pub last_event_at: DateTime<Utc>,
    pub running: Running,
}

impl OpenSession {
    /// An unpaused session with no event for longer than the idle timeout was forgotten.
    pub fn is_idle_at(&self, at: DateTime<Utc>, idle_timeout: Duration) -> bool {
        !self.running.is_paused() && at - self.last_event_at > idle_timeout
    }
}

/// A finished question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    pub index: i32,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub paused_ms: i64,
    pub target_ms: i64,
    pub task_id: Option<String>,
    /// The task type the overlay read from the page (opt-in), ≤ 64 characters.
    pub task_type: Option<String>,
}

impl Closed {
    pub fn raw_ms(&self) -> i64 {
        ms_between(self.started_at, self.ended_at)
    }

    pub fn active_ms(&self) -> i64 {
        self.raw_ms() - self.paused_ms
    }
}

/// What the event asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Next { target_ms: Option<i64>, task_id: Option<String>, task_type: Option<String> },
    Pause,
    Exit,
    Undo,
}

/// A just-ended session that an UNDO may reopen: the user's latest event was its EXIT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exited {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// Its last question, if any is left.
    pub last: Option<Closed>,
}

/// Everything the engine needs to know to apply one event.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The user's active session (already checked for idleness).
    pub open: Option<OpenSession>,
    /// The highest-numbered finished question of `open`.
    pub last_closed: Option<Closed>,
    /// Set when there is no open session and the user's latest event was an EXIT.
    pub exited: Option<Exited>,
    /// The latest instant of the user's latest session: a new session can't start earlier.
    pub floor: Option<DateTime<Utc>>,
    pub default_target_ms: i64,
    pub idle_timeout: Duration,
}

/// The state change to persist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// NEXT without a session: a new session with question 1 running.
    Start(OpenSession),
    /// NEXT in a session: `closed` is stored and the session moves on.
    Advance { closed: Closed, open: OpenSession },
    /// PAUSE: the pause toggled.
    Toggle(OpenSession),
    /// EXIT: `closed` is stored and the session ends at `ended_at`.
    End { closed: Closed, ended_at: DateTime<Utc> },
    /// UNDO of a NEXT: question `reopened` is deleted and running again.
    Reopen { reopened: i32, open: OpenSession },
    /// UNDO of a session's first NEXT: the empty session goes away.
    Discard,
    /// UNDO of an EXIT: the session is active again with its last question `reopened` running.
    Resume { reopened: i32, open: OpenSession },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("no active session: press NEXT to start one")]
    NoActiveSession,
    #[error("nothing to undo")]
    NothingToUndo,
    #[error("occurredAt is more than 5 minutes in the future")]
    InFuture,
    #[error("occurredAt {at} is earlier than the session's last event at {last}")]
    BeforeLastEvent { at: DateTime<Utc>, last: DateTime<Utc> },
}

/// Whole milliseconds from `from` to `to` (negative if `to` is earlier).
pub fn ms_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_milliseconds()
}

/// Drops sub-millisecond precision so stored times and durations agree exactly.
pub fn truncate_to_ms(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// Applies one event at `at` (server time `now`) to `ctx`.
pub fn apply(ctx: &Context, command: &Command, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Effect, EngineError> {
    if at > now + MAX_FUTURE_SKEW {
        return Err(EngineError::InFuture);
    }
    let not_before = |last: DateTime<Utc>| {
        if at < last { Err(EngineError::BeforeLastEvent { at, last }) } else { Ok(()) }
    };

    match (command, &ctx.open) {
        (Command::Next { target_ms, task_id, task_type }, None) => {
            if let Some(floor) = ctx.floor {
                not_before(floor)?;
            }
            Ok(Effect::Start(OpenSession {
                started_at: at,
                last_event_at: at,
                running: Running {
                    index: 1,
                    started_at: at,
                    paused_ms: 0,
                    pause_started_at: None,
                    target_ms: target_ms.unwrap_or(ctx.default_target_ms),
                    task_id: task_id.clone(),
                    task_type: task_type.clone(),
                },
            }))
        }
        (Command::Next { target_ms, task_id, task_type }, Some(open)) => {
            not_before(open.last_event_at)?;
            let closed = close(&open.running, at);
            let running = Running {
                index: closed.index + 1,
                started_at: at,
                paused_ms: 0,
                pause_started_at: None,
                target_ms: target_ms.unwrap_or(ctx.default_target_ms),
                task_id: task_id.clone(),
                task_type: task_type.clone(),
            };
            Ok(Effect::Advance { closed, open: OpenSession { started_at: open.started_at, last_event_at: at, running } })
        }
        (Command::Pause, Some(open)) => {
            not_before(open.last_event_at)?;
            let mut running = open.running.clone();
            match running.pause_started_at.take() {
                Some(since) => running.paused_ms += ms_between(since, at),
                None => running.pause_started_at = Some(at),
            }
            Ok(Effect::Toggle(OpenSession { started_at: open.started_at, last_event_at: at, running }))
        }
        (Command::Exit, Some(open)) => {
            not_before(open.last_event_at)?;
            Ok(Effect::End { closed: close(&open.running, at), ended_at: at })
        }
        (Command::Pause | Command::Exit, None) => Err(EngineError::NoActiveSession),
        (Command::Undo, Some(open)) => {
            not_before(open.last_event_at)?;
            let Some(last) = &ctx.last_closed else {
                return Ok(Effect::Discard);
            };
            let current = &open.running;
            // The reopened question runs from its own start. Everything that was paused
            // stays paused: its own pauses, the undone part's pauses, and any gap left by
            // a deleted question in between. A pause open now stays open.
            let gap_ms = ms_between(last.ended_at, current.started_at).max(0);
            let running = Running {
                index: last.index,
                started_at: last.started_at,
                paused_ms: last.paused_ms + gap_ms + current.paused_ms,
                pause_started_at: current.pause_started_at,
                target_ms: last.target_ms,
                task_id: last.task_id.clone(),
                task_type: last.task_type.clone(),
            };
            Ok(Effect::Reopen { reopened: last.index, open: OpenSession { started_at: open.started_at, last_event_at: at, running } })
        }
        (Command::Undo, None) => {
            let Some(exited) = &ctx.exited else {
                return Err(EngineError::NothingToUndo);
            };
            let Some(last) = &exited.last else {
                return Err(EngineError::NothingToUndo);
            };
            not_before(exited.ended_at)?;
            if at - exited.ended_at > ctx.idle_timeout {
                return Err(EngineError::NothingToUndo);
            }
            // The time between the EXIT and this UNDO was not spent on the question.
            let running = Running {
                index: last.index,
                started_at: last.started_at,
                paused_ms: last.paused_ms + ms_between(last.ended_at, at),
                pause_started_at: None,
                target_ms: last.target_ms,
                task_id: last.task_id.clone(),
                task_type: last.task_type.clone(),
            };
            Ok(Effect::Resume { reopened: last.index, open: OpenSession { started_at: exited.started_at, last_event_at: at, running } })
        }
    }
}

/// Finishes the running question at `at`, closing an open pause first.
fn close(running: &Running, at: DateTime<Utc>) -> Closed {
    Closed {
        index: running.index,
        started_at: running.started_at,
        ended_at: at,
        paused_ms: running.paused_ms_at(at),
        target_ms: running.target_ms,
        task_id: running.task_id.clone(),
        task_type: running.task_type.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn ctx() -> Context {
        Context { default_target_ms: 330_000, idle_timeout: Duration::minutes(60), ..Default::default() }
    }

    fn next() -> Command {
        Command::Next { target_ms: None, task_id: None, task_type: None }
    }

    #[test]
    fn first_next_starts_question_one() {
        let Effect::Start(open) = apply(&ctx(), &next(), t(0), t(0)).unwrap() else { panic!() };
        assert_eq!(open.running.index, 1);
        assert_eq!(open.started_at, t(0));
        assert_eq!(open.running.target_ms, 330_000);
    }

    #[test]
    fn pause_then_next_excludes_pause() {
        let mut c = ctx();
        let Effect::Start(open) = apply(&c, &next(), t(0), t(0)).unwrap() else { panic!() };
        c.open = Some(open);
        let Effect::Toggle(open) = apply(&c, &Command::Pause, t(60), t(60)).unwrap() else { panic!() };
        c.open = Some(open);
        // NEXT while paused closes the pause at its own time.
        let Effect::Advance { closed, open } = apply(&c, &next(), t(100), t(100)).unwrap() else { panic!() };
        assert_eq!((closed.raw_ms(), closed.paused_ms, closed.active_ms()), (100_000, 40_000, 60_000));
        assert_eq!(open.running.index, 2);
        assert!(!open.running.is_paused());
    }

    #[test]
    fn undo_keeps_pause_time_paused() {
        // The original app's bug: NEXT@0, NEXT@100, PAUSE@150, PAUSE@250, UNDO@300, NEXT@400
        // turned the 100 s pause into active time.
        let mut c = ctx();
        let Effect::Start(open) = apply(&c, &next(), t(0), t(0)).unwrap() else { panic!() };
        c.open = Some(open);
        let Effect::Advance { closed, open } = apply(&c, &next(), t(100), t(100)).unwrap() else { panic!() };
        c.open = Some(open);
        c.last_closed = Some(closed);
        for at in [150, 250] {
            let Effect::Toggle(open) = apply(&c, &Command::Pause, t(at), t(at)).unwrap() else { panic!() };
            c.open = Some(open);
        }
        let Effect::Reopen { reopened, open } = apply(&c, &Command::Undo, t(300), t(300)).unwrap() else { panic!() };
        assert_eq!(reopened, 1);
        c.open = Some(open);
        c.last_closed = None;
        let Effect::Advance { closed, .. } = apply(&c, &next(), t(400), t(400)).unwrap() else { panic!() };
        assert_eq!((closed.index, closed.raw_ms(), closed.paused_ms, closed.active_ms()), (1, 400_000, 100_000, 300_000));
    }

    #[test]
    fn errors_without_session() {
        assert_eq!(apply(&ctx(), &Command::Pause, t(0), t(0)), Err(EngineError::NoActiveSession));
        assert_eq!(apply(&ctx(), &Command::Exit, t(0), t(0)), Err(EngineError::NoActiveSession));
        assert_eq!(apply(&ctx(), &Command::Undo, t(0), t(0)), Err(EngineError::NothingToUndo));
    }

    #[test]
    fn future_and_past_times_rejected() {
        assert_eq!(apply(&ctx(), &next(), t(301), t(0)), Err(EngineError::InFuture));
        assert!(apply(&ctx(), &next(), t(300), t(0)).is_ok());
        let mut c = ctx();
        let Effect::Start(open) = apply(&c, &next(), t(100), t(100)).unwrap() else { panic!() };
        c.open = Some(open);
        assert!(matches!(apply(&c, &Command::Pause, t(99), t(100)), Err(EngineError::BeforeLastEvent { .. })));
    }

    #[test]
    fn undo_exit_counts_gap_as_paused_and_expires() {
        let mut c = ctx();
        let last = Closed { index: 3, started_at: t(0), ended_at: t(100), paused_ms: 10_000, target_ms: 1, task_id: None, task_type: None };
        c.exited = Some(Exited { started_at: t(-500), ended_at: t(100), last: Some(last) });
        let Effect::Resume { reopened, open } = apply(&c, &Command::Undo, t(160), t(160)).unwrap() else { panic!() };
        assert_eq!(reopened, 3);
        assert_eq!(open.running.paused_ms, 70_000);
        assert_eq!(open.started_at, t(-500));
        assert_eq!(apply(&c, &Command::Undo, t(100 + 3601), t(100 + 3601)), Err(EngineError::NothingToUndo));
    }

    #[test]
    fn idle_rule_ignores_paused_sessions() {
        let running = Running { index: 1, started_at: t(0), paused_ms: 0, pause_started_at: None, target_ms: 1, task_id: None, task_type: None };
        let mut open = OpenSession { started_at: t(0), last_event_at: t(0), running };
        assert!(open.is_idle_at(t(3601), Duration::minutes(60)));
        assert!(!open.is_idle_at(t(3600), Duration::minutes(60)));
        open.running.pause_started_at = Some(t(0));
        assert!(!open.is_idle_at(t(99_999), Duration::minutes(60)));
    }
}
