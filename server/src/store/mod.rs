//! Storage: every read and write of the database, scoped to one user.

pub mod audit;
pub mod credentials;
pub mod devices;
pub mod events;
pub mod reports;
pub mod sessions;
pub mod users;

use crate::engine::{Closed, OpenSession, Running};
use crate::entity::{question, session};

/// Sums over a set of finished questions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: i64,
    pub raw_ms: i64,
    pub paused_ms: i64,
    pub active_ms: i64,
    pub target_ms: i64,
}

impl Totals {
    pub fn add_question(&mut self, q: &question::Model) {
        self.count += 1;
        self.raw_ms += q.raw_ms;
        self.paused_ms += q.paused_ms;
        self.active_ms += q.active_ms;
        self.target_ms += q.target_ms;
    }
}

/// The engine's view of an active session row.
pub fn open_session(row: &session::Model) -> OpenSession {
    OpenSession {
        started_at: row.started_at,
        last_event_at: row.last_event_at,
        running: Running {
            index: row.cur_index,
            started_at: row.cur_started_at.unwrap_or(row.last_event_at),
            paused_ms: row.cur_paused_ms,
            pause_started_at: row.cur_pause_started_at,
            target_ms: row.cur_target_ms,
            task_id: row.cur_task_id.clone(),
        },
    }
}

pub fn closed_question(row: &question::Model) -> Closed {
    Closed {
        index: row.position,
        started_at: row.started_at,
        ended_at: row.ended_at,
        paused_ms: row.paused_ms,
        target_ms: row.target_ms,
        task_id: row.task_id.clone(),
    }
}
