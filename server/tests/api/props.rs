//! Property tests over random event sequences. [`Timeline`] is a model of the rules that
//! shares no code with the engine; the engine (driven the way storage drives it) and the
//! real API must both agree with it on which events are accepted, on every question's
//! raw, paused and active time, and on every session total.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use server::engine::{self, Closed, Command, Context, Effect, EngineError, Exited, OpenSession};

use crate::timeline::{Current, IDLE_S, Kind, Question, Timeline};

const IDLE: i64 = IDLE_S / 60;

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
pub(crate) struct EngineDriver {
    pub(crate) sessions: Vec<ModelSession>,
    /// The latest applied event: was it an EXIT, and of which session (by position)?
    last_event_exit_of: Option<usize>,
}

impl EngineDriver {
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
            Effect::Start(open) => {
                self.sessions.push(ModelSession { started_at: open.started_at, ended_at: None, last_event_at: at, open: Some(open), closed: vec![] })
            }
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
}

fn command(kind: Kind) -> Command {
    match kind {
        Kind::Next => Command::Next { target_ms: None, task_id: None, task_type: None },
        Kind::Pause => Command::Pause,
        Kind::Exit => Command::Exit,
        Kind::Undo => Command::Undo,
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![5 => Just(Kind::Next), 2 => Just(Kind::Pause), 1 => Just(Kind::Exit), 2 => Just(Kind::Undo)]
}

/// Steps of (event, seconds since the previous one); mostly seconds to minutes, sometimes
/// around or past the idle timeout, sometimes backwards.
fn steps(max: usize) -> impl Strategy<Value = Vec<(Kind, i64)>> {
    let gap = prop_oneof![16 => 0i64..400, 2 => 3000i64..5000, 1 => Just(IDLE_S), 1 => Just(IDLE_S + 1), 2 => -60i64..0];
    prop::collection::vec((kind(), gap), 1..max)
}

/// Whole seconds since `origin`.
fn seconds(origin: DateTime<Utc>, at: DateTime<Utc>) -> i64 {
    (at - origin).num_seconds()
}

/// The engine's sessions must be the ones the timeline derives.
fn engine_matches(engine: &EngineDriver, timeline: &Timeline, origin: DateTime<Utc>) -> Result<(), TestCaseError> {
    let derived = timeline.sessions();
    prop_assert_eq!(engine.sessions.len(), derived.len());
    for (s, d) in engine.sessions.iter().zip(&derived) {
        prop_assert_eq!(seconds(origin, s.started_at), d.start);
        let questions: Vec<Question> =
            s.closed.iter().map(|c| Question { start: seconds(origin, c.started_at), end: seconds(origin, c.ended_at), paused: c.paused_ms / 1000 }).collect();
        prop_assert_eq!(&questions, &d.questions);
        for ((c, q), n) in s.closed.iter().zip(&d.questions).zip(1..) {
            prop_assert_eq!(c.index, n);
            prop_assert_eq!((c.raw_ms(), c.paused_ms, c.active_ms()), (q.raw() * 1000, q.paused * 1000, q.active() * 1000));
            prop_assert!(q.paused >= 0 && q.active() >= 0, "{:?}", q);
        }
        let current = s.open.as_ref().map(|o| Current {
            index: o.running.index as usize,
            start: seconds(origin, o.running.started_at),
            paused_now: o.running.is_paused(),
        });
        prop_assert_eq!(current, d.current);
    }
    Ok(())
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, max_global_rejects: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_agrees_with_the_independent_model(steps in steps(60)) {
        let mut engine = EngineDriver::default();
        let mut timeline = Timeline::default();
        let mut at = t0();
        for (kind, dt) in steps {
            at += Duration::seconds(dt);
            let by_engine = engine.apply(&command(kind), at);
            let by_model = timeline.event(kind, seconds(t0(), at));
            prop_assert_eq!(by_engine.is_ok(), by_model, "{} at {}: engine says {:?}", kind.name(), at, by_engine);
            engine_matches(&engine, &timeline, t0())?;
        }
    }

    #[test]
    fn undo_after_next_restores_the_earlier_state_keeping_pauses(steps in steps(40), gap in 0i64..600, pauses in prop::collection::vec(0i64..300, 0..5), wait in 0i64..600) {
        let mut model = EngineDriver::default();
        let mut at = t0();
        for (kind, dt) in steps {
            at += Duration::seconds(dt);
            let _ = model.apply(&command(kind), at);
        }
        let before = model.clone();
        let i = before.open_index();
        prop_assume!(i.is_some());
        let i = i.unwrap();
        at += Duration::seconds(gap);
        prop_assume!(!before.sessions[i].open.as_ref().unwrap().is_idle_at(at, Duration::minutes(IDLE)) && at >= before.sessions[i].last_event_at);
        model.apply(&command(Kind::Next), at).unwrap();
        let next_at = at;
        // Pause toggles between the NEXT and the UNDO: their time must stay paused.
        let mut paused_between = 0;
        let mut open_pause: Option<DateTime<Utc>> = None;
        for dt in &pauses {
            at += Duration::seconds(*dt);
            model.apply(&command(Kind::Pause), at).unwrap();
            match open_pause.take() {
                Some(since) => paused_between += (at - since).num_milliseconds(),
                None => open_pause = Some(at),
            }
        }
        at += Duration::seconds(wait);
        prop_assume!(!model.sessions[i].open.as_ref().unwrap().is_idle_at(at, Duration::minutes(IDLE)));
        model.apply(&command(Kind::Undo), at).unwrap();
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
    use serde_json::{Value, json};

    use super::*;
    use crate::common::*;
    use crate::timeline::Derived;

    /// A stored session must be the one the timeline derives, totals included.
    fn stored_matches(stored: &Value, d: &Derived, origin: DateTime<Utc>) -> Result<(), TestCaseError> {
        let s = stored;
        prop_assert_eq!(seconds(origin, instant(&s["startedAt"])), d.start);
        let qs = s["questions"].as_array().unwrap();
        prop_assert_eq!(qs.len(), d.questions.len());
        prop_assert_eq!(s["questionCount"].as_i64().unwrap(), d.questions.len() as i64);
        for (q, m) in qs.iter().zip(&d.questions) {
            let got = Question {
                start: seconds(origin, instant(&q["startedAt"])),
                end: seconds(origin, instant(&q["endedAt"])),
                paused: f(&q["pausedSeconds"]) as i64,
            };
            prop_assert_eq!(got, *m);
            prop_assert_eq!((f(&q["rawSeconds"]), f(&q["pausedSeconds"]), f(&q["activeSeconds"])), (m.raw() as f64, m.paused as f64, m.active() as f64));
        }
        // The session row keeps running totals of its own; they must equal the model's sums.
        let sum = |g: fn(&Question) -> i64| d.questions.iter().map(g).sum::<i64>() as f64;
        prop_assert_eq!(f(&s["rawSeconds"]), sum(Question::raw));
        prop_assert_eq!(f(&s["pausedSeconds"]), sum(|q| q.paused));
        prop_assert_eq!(f(&s["activeSeconds"]), sum(Question::active));
        let current = s["current"].as_object().map(|c| Current {
            index: c["index"].as_u64().unwrap() as usize,
            start: seconds(origin, instant(&c["startedAt"])),
            paused_now: c["isPaused"].as_bool().unwrap(),
        });
        prop_assert_eq!(current, d.current);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// The server accepts and stores exactly what the independent model predicts.
        #[test]
        fn stored_sessions_match_the_independent_model(steps in steps(30)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                // Every event in the past, the last ones minutes before now, so the last
                // session is usually still running when it is read back.
                let ahead: i64 = steps.iter().map(|(_, dt)| dt.max(&0)).sum();
                let origin = base(ahead / 60 + 10);
                let app = TestApp::new().await;
                let token = app.register("prop@example.com").await;
                let mut timeline = Timeline::default();
                let mut at = origin;
                for (kind, dt) in &steps {
                    at += Duration::seconds(*dt);
                    let accepted = timeline.event(*kind, seconds(origin, at));
                    let body = app.event_with(&token, json!({"type": kind.name(), "occurredAt": at.to_rfc3339()})).await;
                    prop_assert_eq!(body.get("errors").is_none(), accepted, "{} at {}: {}", kind.name(), at, body);
                }
                let query = "{sessions(limit:500){startedAt questionCount rawSeconds pausedSeconds activeSeconds current{index startedAt isPaused} questions{startedAt endedAt rawSeconds pausedSeconds activeSeconds}}}";
                let data = app.ok(Some(&token), query, json!({})).await;
                let stored = data["sessions"].as_array().unwrap();
                // A session forgotten by now is no longer shown as running.
                timeline.settle(seconds(origin, Utc::now()));
                let derived = timeline.sessions();
                prop_assert_eq!(stored.len(), derived.len());
                for (s, d) in stored.iter().rev().zip(&derived) {
                    stored_matches(s, d, origin)?;
                }
                Ok(())
            })?;
        }
    }
}
