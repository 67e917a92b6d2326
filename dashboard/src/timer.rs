//! Pure live-timer maths for the running question.

use crate::time::Instant;

/// Active seconds of a running question at `now`: wall time since its start minus the pauses
/// already closed (`paused_seconds`), frozen at `paused_at` while a pause is open.
pub fn running_active(now: Instant, started_at: Instant, paused_seconds: f64, is_paused: bool, paused_at: Option<Instant>) -> f64 {
    let until = match (is_paused, paused_at) {
        (true, Some(p)) => p.min(now),
        _ => now,
    };
    let wall = until.seconds_since(started_at);
    (wall - paused_seconds).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Instant {
        s.parse().unwrap()
    }

    #[test]
    fn running_and_paused() {
        let start = t("2026-11-26T10:00:00Z");
        assert_eq!(running_active(t("2026-11-26T10:05:30Z"), start, 0.0, false, None), 330.0);
        assert_eq!(running_active(t("2026-11-26T10:05:30Z"), start, 30.0, false, None), 300.0);
        // Paused at 10:02 with 10 s of earlier pauses: frozen at 110 s however late it is.
        let p = Some(t("2026-11-26T10:02:00Z"));
        assert_eq!(running_active(t("2026-11-26T11:00:00Z"), start, 10.0, true, p), 110.0);
        // A clock behind the server never shows negative time.
        assert_eq!(running_active(t("2026-11-26T09:59:00Z"), start, 0.0, false, None), 0.0);
    }
}
