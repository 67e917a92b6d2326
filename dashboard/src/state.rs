//! App-wide state in a context, changed only through a reducer.

use std::rc::Rc;
use yew::prelude::*;

use crate::dates::Weekday;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub timezone: String,
    pub target_seconds: f64,
    pub idle_timeout_minutes: i64,
    pub weekly_goal_hours: f64,
    pub week_starts_on: Weekday,
    /// `me.role == ADMIN`: shows the Admin page (the server enforces the role anyway).
    pub is_admin: bool,
}

/// Builds a [`User`] from any generated struct with the `UserFields` fields (checked by the
/// compiler for each operation it is used with).
#[macro_export]
macro_rules! user_from {
    ($u:expr) => {{
        let u = $u;
        $crate::state::User {
            id: u.id.clone(),
            email: u.email.clone(),
            timezone: u.timezone.clone(),
            target_seconds: u.target_seconds,
            idle_timeout_minutes: u.idle_timeout_minutes,
            weekly_goal_hours: u.weekly_goal_hours,
            week_starts_on: u.week_starts_on,
            is_admin: u.role == $crate::gql::Role::Admin,
        }
    }};
}

#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    /// Asking the server who we are.
    Checking,
    /// `expired` is true when a request found the session gone (as opposed to never signed in).
    SignedOut {
        expired: bool,
    },
    SignedIn(User),
}

/// How live updates currently arrive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LiveMode {
    Off,
    Connecting,
    Socket,
    Polling,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub auth: Auth,
    /// Bumped on every activity notification (or poll); live pages refetch when it changes.
    pub live_tick: u32,
    pub live_mode: LiveMode,
}

impl Default for AppState {
    fn default() -> Self {
        AppState { auth: Auth::Checking, live_tick: 0, live_mode: LiveMode::Off }
    }
}

impl AppState {
    pub fn user(&self) -> Option<&User> {
        match &self.auth {
            Auth::SignedIn(u) => Some(u),
            _ => None,
        }
    }

    /// The zone to show times in: the user's, else UTC.
    pub fn timezone(&self) -> String {
        self.user().map(|u| u.timezone.clone()).unwrap_or_else(|| "UTC".into())
    }
}

pub enum Action {
    SignedIn(User),
    SignedOut { expired: bool },
    UserUpdated(User),
    Activity,
    Live(LiveMode),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::SignedIn(u) | Action::UserUpdated(u) => next.auth = Auth::SignedIn(u),
            Action::SignedOut { expired } => {
                next.auth = Auth::SignedOut { expired };
                next.live_mode = LiveMode::Off;
            }
            Action::Activity => next.live_tick = next.live_tick.wrapping_add(1),
            Action::Live(mode) => {
                if next.live_mode == mode {
                    return self;
                }
                next.live_mode = mode;
            }
        }
        Rc::new(next)
    }
}

pub type AppContext = UseReducerHandle<AppState>;

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: "1".into(),
            email: "a@b.c".into(),
            timezone: "Asia/Tokyo".into(),
            target_seconds: 330.0,
            idle_timeout_minutes: 60,
            weekly_goal_hours: 40.0,
            week_starts_on: Weekday::Monday,
            is_admin: false,
        }
    }

    #[test]
    fn reducer_transitions() {
        let s = Rc::new(AppState::default());
        assert_eq!(s.timezone(), "UTC");
        let s = s.reduce(Action::SignedIn(user()));
        assert_eq!(s.timezone(), "Asia/Tokyo");
        let s = s.reduce(Action::Live(LiveMode::Socket));
        let s = s.reduce(Action::Activity).reduce(Action::Activity);
        assert_eq!(s.live_tick, 2);
        let s = s.reduce(Action::SignedOut { expired: true });
        assert_eq!(s.auth, Auth::SignedOut { expired: true });
        assert_eq!(s.live_mode, LiveMode::Off);
        assert!(s.user().is_none());
    }
}
