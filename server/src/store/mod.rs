//! Storage: every read and write of the database, scoped to one user.

pub mod audit;
pub mod credentials;
pub mod devices;
pub mod dump;
pub mod email_tokens;
pub mod events;
pub mod lite;
pub mod outbox;
pub mod pg;
pub mod reports;
pub mod sessions;
pub mod task_types;
pub mod txn;
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
    /// The running totals a session row carries.
    pub fn of(row: &session::Model) -> Self {
        Totals {
            count: row.question_count,
            raw_ms: row.total_raw_ms,
            paused_ms: row.total_paused_ms,
            active_ms: row.total_active_ms,
            target_ms: row.total_target_ms,
        }
    }

    /// The totals after adding (`sign` 1) or removing (`sign` -1) a stored question.
    pub fn with(self, q: &question::Model, sign: i64) -> Self {
        Totals {
            count: self.count + sign,
            raw_ms: self.raw_ms + sign * q.raw_ms,
            paused_ms: self.paused_ms + sign * q.paused_ms,
            active_ms: self.active_ms + sign * q.active_ms,
            target_ms: self.target_ms + sign * q.target_ms,
        }
    }

    /// Writes these totals into a session row being saved.
    pub fn store(self, row: &mut session::Model) {
        row.question_count = self.count;
        row.total_raw_ms = self.raw_ms;
        row.total_paused_ms = self.paused_ms;
        row.total_active_ms = self.active_ms;
        row.total_target_ms = self.target_ms;
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
            task_type: row.cur_task_type.clone(),
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
        task_type: row.task_type.clone(),
    }
}
