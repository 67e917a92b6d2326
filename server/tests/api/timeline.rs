//! An independent model of the timing rules, sharing no code with `server::engine`.
//!
//! The engine keeps running accumulators (paused so far, pause open since …) and edits
//! them on UNDO. This model keeps only the accepted events of each session as marks on a
//! timeline and derives every question afresh from them: a question runs from its NEXT to
//! the following NEXT or EXIT, and its paused time is the length of the intervals that lie
//! between pause marks. An UNDO edits the marks (it removes the undone NEXT or EXIT) and
//! never touches a duration, so a mistake in the engine's arithmetic cannot be copied here.
//! Times are whole seconds from an arbitrary origin.

/// The idle timeout the tests use, in seconds.
pub const IDLE_S: i64 = 60 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Next,
    Pause,
    Exit,
    Undo,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Next => "NEXT",
            Kind::Pause => "PAUSE",
            Kind::Exit => "EXIT",
            Kind::Undo => "UNDO",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    /// A question starts here (and the one before it, if any, ends here unpaused).
    Next(i64),
    /// A PAUSE press: paused ↔ running.
    Toggle(i64),
    /// Paused from here on (a no-op when already paused).
    PauseOn(i64),
    /// Running from here on (a no-op when running). An undone NEXT leaves one: the NEXT
    /// ended any pause open at its time.
    PauseOff(i64),
    /// An UNDO that reopened a question: it only moves the session's last event.
    Touch(i64),
}

impl Mark {
    fn at(self) -> i64 {
        match self {
            Mark::Next(t) | Mark::Toggle(t) | Mark::PauseOn(t) | Mark::PauseOff(t) | Mark::Touch(t) => t,
        }
    }
}

#[derive(Clone, Debug)]
struct Session {
    marks: Vec<Mark>,
    exit: Option<i64>,
    /// Ended by the idle rule at its last mark; its running question is lost.
    forgotten: bool,
}

/// A finished question, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Question {
    pub start: i64,
    pub end: i64,
    pub paused: i64,
}

impl Question {
    pub fn raw(&self) -> i64 {
        self.end - self.start
    }

    pub fn active(&self) -> i64 {
        self.raw() - self.paused
    }
}

/// The running question of an open session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Current {
    pub index: usize,
    pub start: i64,
    pub paused_now: bool,
}

/// What a session looks like when derived from its marks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    pub start: i64,
    pub questions: Vec<Question>,
    pub current: Option<Current>,
}

impl Session {
    fn is_open(&self) -> bool {
        self.exit.is_none() && !self.forgotten
    }

    fn last_at(&self) -> i64 {
        self.exit.unwrap_or_else(|| self.marks.last().expect("a session has marks").at())
    }

    fn next_count(&self) -> usize {
        self.marks.iter().filter(|m| matches!(m, Mark::Next(_))).count()
    }

    fn derive(&self) -> Derived {
        let mut questions = Vec::new();
        // (start, paused so far, paused since)
        let mut running: Option<(i64, i64, Option<i64>)> = None;
        let finish = |(start, paused, since): (i64, i64, Option<i64>), end: i64| Question { start, end, paused: paused + since.map_or(0, |s| end - s) };
        for mark in &self.marks {
            if let Mark::Next(t) = *mark {
                if let Some(q) = running.take() {
                    questions.push(finish(q, t));
                }
                running = Some((t, 0, None));
                continue;
            }
            let Some((_, paused, since)) = running.as_mut() else { continue };
            match *mark {
                Mark::Toggle(t) => match since.take() {
                    Some(s) => *paused += t - s,
                    None => *since = Some(t),
                },
                Mark::PauseOn(t) => {
                    since.get_or_insert(t);
                }
                Mark::PauseOff(t) => {
                    if let Some(s) = since.take() {
                        *paused += t - s;
                    }
                }
                Mark::Next(_) | Mark::Touch(_) => {}
            }
        }
        let mut current = None;
        if let Some(q) = running {
            match self.exit {
                Some(end) => questions.push(finish(q, end)),
                None if !self.forgotten => current = Some(Current { index: questions.len() + 1, start: q.0, paused_now: q.2.is_some() }),
                None => {}
            }
        }
        Derived { start: self.marks[0].at(), questions, current }
    }
}

/// One user's sessions, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    sessions: Vec<Session>,
    /// The latest accepted event was an EXIT (of the last session).
    last_was_exit: bool,
}

impl Timeline {
    /// Applies the event if the rules accept it; returns whether they did. A rejected
    /// event changes nothing (not even the idle rule's ending of a forgotten session).
    pub fn event(&mut self, kind: Kind, at: i64) -> bool {
        let mut next = self.clone();
        let accepted = next.try_event(kind, at);
        if accepted {
            *self = next;
        }
        accepted
    }

    pub fn sessions(&self) -> Vec<Derived> {
        self.sessions.iter().map(Session::derive).collect()
    }

    fn try_event(&mut self, kind: Kind, at: i64) -> bool {
        self.forget_idle(at);
        let after_exit = std::mem::replace(&mut self.last_was_exit, false);
        let floor = self.sessions.last().map(Session::last_at);
        let Some(open) = self.sessions.last_mut().filter(|s| s.is_open()) else {
            return match kind {
                Kind::Next if floor.is_none_or(|f| at >= f) => {
                    self.sessions.push(Session { marks: vec![Mark::Next(at)], exit: None, forgotten: false });
                    true
                }
                Kind::Undo if after_exit => self.undo_exit(at),
                _ => false,
            };
        };
        if at < open.last_at() {
            return false;
        }
        match kind {
            Kind::Next => open.marks.push(Mark::Next(at)),
            Kind::Pause => open.marks.push(Mark::Toggle(at)),
            Kind::Exit => {
                open.exit = Some(at);
                self.last_was_exit = true;
            }
            Kind::Undo if open.next_count() == 1 => {
                self.sessions.pop();
            }
            Kind::Undo => {
                let i = open.marks.iter().rposition(|m| matches!(m, Mark::Next(_))).unwrap();
                open.marks[i] = Mark::PauseOff(open.marks[i].at());
                open.marks.push(Mark::Touch(at));
            }
        }
        true
    }

    /// UNDO of an EXIT within the idle timeout: the session runs on, and the time between
    /// the EXIT and the UNDO is paused.
    fn undo_exit(&mut self, at: i64) -> bool {
        let session = self.sessions.last_mut().expect("an EXIT has a session");
        let exit = session.exit.expect("the last event was its EXIT");
        if at < exit || at - exit > IDLE_S {
            return false;
        }
        session.exit = None;
        session.marks.extend([Mark::PauseOn(exit), Mark::PauseOff(at)]);
        true
    }

    /// Applies the idle rule at `now` without an event, as a reader of the sessions sees it.
    pub fn settle(&mut self, now: i64) {
        self.forget_idle(now);
    }

    /// An open, unpaused session whose last event is over the idle timeout before `at`
    /// was forgotten.
    fn forget_idle(&mut self, at: i64) {
        if let Some(open) = self.sessions.last_mut().filter(|s| s.is_open()) {
            let paused = open.derive().current.is_some_and(|c| c.paused_now);
            if !paused && at - open.last_at() > IDLE_S {
                open.forgotten = true;
            }
        }
    }
}

#[test]
fn the_original_undo_bug_case() {
    // NEXT@0, NEXT@100, PAUSE@150, PAUSE@250, UNDO@300, NEXT@400: the 100 s pause stays paused.
    let mut t = Timeline::default();
    for (kind, at) in [(Kind::Next, 0), (Kind::Next, 100), (Kind::Pause, 150), (Kind::Pause, 250), (Kind::Undo, 300), (Kind::Next, 400)] {
        assert!(t.event(kind, at));
    }
    assert_eq!(t.sessions()[0].questions, vec![Question { start: 0, end: 400, paused: 100 }]);
}

#[test]
fn undo_of_exit_pauses_the_gap_and_idle_forgets() {
    let mut t = Timeline::default();
    for (kind, at) in [(Kind::Next, 0), (Kind::Exit, 100), (Kind::Undo, 160), (Kind::Exit, 200)] {
        assert!(t.event(kind, at));
    }
    assert_eq!(t.sessions()[0].questions, vec![Question { start: 0, end: 200, paused: 60 }]);
    assert!(!t.event(Kind::Undo, 200 + IDLE_S + 1));
    assert!(t.event(Kind::Next, 1000) && t.event(Kind::Next, 1100));
    // Over the idle timeout later, the running question 2 is dropped with its session.
    assert!(t.event(Kind::Next, 1100 + IDLE_S + 1));
    let sessions = t.sessions();
    assert_eq!((sessions[1].questions.len(), sessions[1].current), (1, None));
}
