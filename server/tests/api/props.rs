//! Property tests over random event sequences: a reference model built on the pure
//! engine checks the invariants, and the real API must store exactly what the model says.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use server::engine::{self, Closed, Command, Context, Effect, EngineError, Exited, OpenSession};

const IDLE: i64 = 60;

#[derive(Clone, Debug)]
pub(crate) struct ModelSession {
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) ended_at: Option<DateTime<Utc>>,
    pub(crate) last_event_at: DateTime<Utc>,
    pub(crate) open: Option<OpenSession>,
    pub(crate) closed: Vec<Closed>,
}

/// A user's sessions as the storage layer would keep them, driven by `engine::apply`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Model {
    pub(crate) sessions: Vec<ModelSession>,
    /// The latest applied event: was it an EXIT, and of which session (by position)?
    last_event_exit_of: Option<usize>,
}

impl Model {
    fn open_index(&self) -> Option<usize> {
        self.sessions.iter().position(|s| s.open.is_some())
    }

    pub(crate) fn apply(&mut self, cmd: &Command, at: DateTime<Utc>) -> Result<Effect, EngineError> {
        self.apply_at(cmd, at, at)
    }

    /// Applies `cmd` at `at` when the server clock reads `now`.
    pub(crate) fn apply_at(&mut self, cmd: &Command, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Effect, EngineError> {
        let before = self.clone();
        let idle = Duration::minutes(IDLE);
        if let Some(i) = self.open_index() {
            let s = &mut self.sessions[i];
            if s.open.as_ref().unwrap().is_idle_at(at, idle) {
                s.ended_at = Some(s.last_event_at);
                s.open = None;
            }
        }
        let open_index = self.open_index();
        let mut ctx = Context { default_target_ms: 330_000, idle_timeout: idle, ..Default::default() };
        let mut target = open_index;
        match open_index {
            Some(i) => {
                ctx.open = self.sessions[i].open.clone();
                ctx.last_closed = self.sessions[i].closed.last().cloned();
            }
            None if matches!(cmd, Command::Next { .. }) => ctx.floor = self.sessions.last().map(|s| s.last_event_at),
            None if matches!(cmd, Command::Undo) => {
                if let Some(i) = self.last_event_exit_of.filter(|i| *i + 1 == self.sessions.len()) {
                    let s = &self.sessions[i];
                    ctx.exited = Some(Exited { started_at: s.started_at, ended_at: s.ended_at.unwrap(), last: s.closed.last().cloned() });
                    target = Some(i);
                }
            }
            None => {}
        }
        let effect = match engine::apply(&ctx, cmd, at, now) {
            Ok(effect) => effect,
            Err(e) => {
                *self = before;
                return Err(e);
            }
        };
        self.last_event_exit_of = None;
        match effect.clone() {
            Effect::Start(open) => self.sessions.push(ModelSession { started_at: open.started_at, ended_at: None, last_event_at: at, open: Some(open), closed: vec![] }),
            Effect::Advance { closed, open } => {
                let s = &mut self.sessions[target.unwrap()];
                s.closed.push(closed);
                s.last_event_at = at;
                s.open = Some(open);
            }
            Effect::Reopen { open, .. } | Effect::Resume { open, .. } => {
                let s = &mut self.sessions[target.unwrap()];
                s.closed.pop();
                s.ended_at = None;
                s.last_event_at = at;
                s.open = Some(open);
            }
            Effect::Toggle(open) => {
                let s = &mut self.sessions[target.unwrap()];
                s.last_event_at = at;
                s.open = Some(open);
            }
            Effect::End { closed, ended_at } => {
                let i = target.unwrap();
                let s = &mut self.sessions[i];
                s.closed.push(closed);
                s.ended_at = Some(ended_at);
                s.last_event_at = ended_at;
                s.open = None;
                self.last_event_exit_of = Some(i);
            }
            Effect::Discard => {
                self.sessions.remove(target.unwrap());
            }
        }
        Ok(effect)
    }

    fn check_invariants(&self) -> Result<(), TestCaseError> {
        prop_assert!(self.sessions.iter().filter(|s| s.open.is_some()).count() <= 1);
        for s in &self.sessions {
            for (i, q) in s.closed.iter().enumerate() {
                prop_assert_eq!(q.index as usize, i + 1, "consecutive indexes");
                prop_assert_eq!(q.active_ms() + q.paused_ms, q.raw_ms());
                prop_assert!(q.active_ms() >= 0, "active ≥ 0: {:?}", q);
                prop_assert!(q.paused_ms >= 0);
                prop_assert!(q.started_at >= s.started_at && q.ended_at >= q.started_at);
            }
            if let Some(open) = &s.open {
                prop_assert_eq!(open.running.index as usize, s.closed.len() + 1);
                prop_assert!(open.running.paused_ms >= 0);
            }
            let raw: i64 = s.closed.iter().map(Closed::raw_ms).sum();
            let active: i64 = s.closed.iter().map(Closed::active_ms).sum();
            let paused: i64 = s.closed.iter().map(|q| q.paused_ms).sum();
            prop_assert_eq!(active + paused, raw);
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Next,
    Pause,
    Exit,
    Undo,
}

impl Kind {
    fn command(&self) -> Command {
        match self {
            Kind::Next => Command::Next { target_ms: None, task_id: None, task_type: None },
            Kind::Pause => Command::Pause,
            Kind::Exit => Command::Exit,
            Kind::Undo => Command::Undo,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Kind::Next => "NEXT",
            Kind::Pause => "PAUSE",
            Kind::Exit => "EXIT",
            Kind::Undo => "UNDO",
        }
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![5 => Just(Kind::Next), 2 => Just(Kind::Pause), 1 => Just(Kind::Exit), 2 => Just(Kind::Undo)]
}

/// Steps of (event, seconds since the previous one); mostly seconds to minutes, sometimes
/// past the idle timeout, sometimes backwards.
fn steps(max: usize) -> impl Strategy<Value = Vec<(Kind, i64)>> {
    prop::collection::vec((kind(), prop_oneof![8 => 0i64..400, 1 => 3000i64..5000, 1 => -60i64..0]), 1..max)
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn invariants_hold_for_any_sequence(steps in steps(60)) {
        let mut model = Model::default();
        let mut at = t0();
        for (kind, dt) in steps {
            at += Duration::seconds(dt);
            let _ = model.apply(&kind.command(), at);
            model.check_invariants()?;
        }
    }

    #[test]
    fn undo_after_next_restores_the_earlier_state_keeping_pauses(steps in steps(40), gap in 0i64..600, pauses in prop::collection::vec(0i64..300, 0..5), wait in 0i64..600) {
        let mut model = Model::default();
        let mut at = t0();
        for (kind, dt) in steps {
            at += Duration::seconds(dt);
            let _ = model.apply(&kind.command(), at);
        }
        let before = model.clone();
        let Some(i) = before.open_index() else { return Ok(()) };
        at += Duration::seconds(gap);
        if before.sessions[i].open.as_ref().unwrap().is_idle_at(at, Duration::minutes(IDLE)) || at < before.sessions[i].last_event_at {
            return Ok(());
        }
        model.apply(&Kind::Next.command(), at).unwrap();
        let next_at = at;
        // Pause toggles between the NEXT and the UNDO: their time must stay paused.
        let mut paused_between = 0;
        let mut open_pause: Option<DateTime<Utc>> = None;
        for dt in &pauses {
            at += Duration::seconds(*dt);
            model.apply(&Kind::Pause.command(), at).unwrap();
            match open_pause.take() {
                Some(since) => paused_between += (at - since).num_milliseconds(),
                None => open_pause = Some(at),
            }
        }
        at += Duration::seconds(wait);
        if model.sessions[i].open.as_ref().unwrap().is_idle_at(at, Duration::minutes(IDLE)) {
            return Ok(());
        }
        model.apply(&Kind::Undo.command(), at).unwrap();
        let (old, new) = (&before.sessions[i], &model.sessions[i]);
        prop_assert_eq!(&old.closed, &new.closed);
        let (a, b) = (&old.open.as_ref().unwrap().running, &new.open.as_ref().unwrap().running);
        prop_assert_eq!(a.index, b.index);
        prop_assert_eq!(a.started_at, b.started_at);
        prop_assert_eq!(a.target_ms, b.target_ms);
        // A pause open at the NEXT was closed by it and counts as paused up to the NEXT.
        prop_assert_eq!(b.paused_ms, a.paused_ms_at(next_at) + paused_between);
        prop_assert_eq!(b.pause_started_at, open_pause);
    }
}

mod through_the_api {
    use serde_json::json;

    use super::*;
    use crate::common::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// The server stores exactly the questions the model predicts.
        #[test]
        fn stored_questions_match_the_model(steps in steps(25)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let total: i64 = steps.iter().map(|(_, dt)| dt.abs()).sum();
                let start = base(total / 60 + 120);
                let app = TestApp::new().await;
                let token = app.register("prop@example.com").await;
                let mut model = Model::default();
                let mut at = start;
                for (kind, dt) in &steps {
                    at += Duration::seconds(*dt);
                    let expected = model.apply(&kind.command(), at);
                    let body = app.event_with(&token, json!({"type": kind.name(), "occurredAt": at.to_rfc3339()})).await;
                    let errored = body.get("errors").is_some();
                    prop_assert_eq!(errored, expected.is_err(), "{} at {}: {}", kind.name(), at, body);
                }
                let data = app.ok(Some(&token), "{sessions(limit:500){startedAt questionCount rawSeconds pausedSeconds activeSeconds questions{index startedAt endedAt rawSeconds pausedSeconds activeSeconds}}}", json!({})).await;
                let stored = data["sessions"].as_array().unwrap();
                prop_assert_eq!(stored.len(), model.sessions.len());
                for (s, m) in stored.iter().rev().zip(&model.sessions) {
                    prop_assert_eq!(instant(&s["startedAt"]), m.started_at);
                    let qs = s["questions"].as_array().unwrap();
                    prop_assert_eq!(qs.len(), m.closed.len());
                    // The session's running totals equal the sums over its stored questions.
                    prop_assert_eq!(s["questionCount"].as_i64().unwrap(), m.closed.len() as i64);
                    for field in ["rawSeconds", "pausedSeconds", "activeSeconds"] {
                        let sum: f64 = qs.iter().map(|q| f(&q[field])).sum();
                        prop_assert!((f(&s[field]) - sum).abs() < 1e-6, "{} {} != Σ {}", field, f(&s[field]), sum);
                    }
                    for (q, c) in qs.iter().zip(&m.closed) {
                        prop_assert_eq!(q["index"].as_i64().unwrap(), i64::from(c.index));
                        prop_assert_eq!(instant(&q["startedAt"]), c.started_at);
                        prop_assert_eq!(instant(&q["endedAt"]), c.ended_at);
                        prop_assert_eq!(f(&q["pausedSeconds"]), c.paused_ms as f64 / 1000.0);
                        prop_assert_eq!(f(&q["activeSeconds"]), c.active_ms() as f64 / 1000.0);
                    }
                }
                Ok(())
            })?;
        }
    }
}
