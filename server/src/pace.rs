//! Pace against the target: ratio, 0–100 score, label and emoji.

/// How a set of questions compares with their targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Pace {
    /// Σactive ÷ Σtarget; 0 with no questions.
    pub ratio: f64,
    pub score: i32,
    pub label: &'static str,
    pub emoji: &'static str,
}

/// Bands by ratio; each lower bound is inclusive.
const BANDS: [(f64, &str, &str); 5] =
    [(0.5, "way too fast (<50%)", "⚡🐇"), (0.7, "fast (50–70%)", "🐇"), (0.9, "slightly fast", "🙂"), (1.1, "on target", "💜✅"), (1.3, "a bit slow", "🐢")];

impl Pace {
    pub fn from_totals(question_count: i64, active_ms: i64, target_ms: i64) -> Self {
        if question_count == 0 || target_ms <= 0 {
            return Pace { ratio: 0.0, score: 0, label: "No questions", emoji: "😴" };
        }
        let ratio = active_ms as f64 / target_ms as f64;
        let (label, emoji) = BANDS.iter().find(|(upper, _, _)| ratio < *upper).map_or(("slow", "🐌"), |(_, label, emoji)| (*label, *emoji));
        Pace { ratio, score: score(ratio), label, emoji }
    }
}

/// `round(100·e^(−1.2·|ratio−1|))`: 100 on target, falling off either side.
pub fn score(ratio: f64) -> i32 {
    (100.0 * (-1.2 * (ratio - 1.0).abs()).exp()).round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pace_for(ratio: f64) -> Pace {
        Pace::from_totals(1, (ratio * 1_000_000.0).round() as i64, 1_000_000)
    }

    #[test]
    fn band_edges_are_inclusive_lower_bounds() {
        let cases = [
            (0.0, "⚡🐇"),
            (0.499, "⚡🐇"),
            (0.5, "🐇"),
            (0.699, "🐇"),
            (0.7, "🙂"),
            (0.9, "💜✅"),
            (1.0, "💜✅"),
            (1.099, "💜✅"),
            (1.1, "🐢"),
            (1.3, "🐌"),
            (4.0, "🐌"),
        ];
        for (ratio, emoji) in cases {
            assert_eq!(pace_for(ratio).emoji, emoji, "ratio {ratio}");
        }
        assert_eq!(pace_for(1.3).label, "slow");
        assert_eq!(pace_for(0.6).label, "fast (50–70%)");
    }

    #[test]
    fn score_matches_the_documented_example() {
        assert_eq!(score(0.848), 83);
        assert_eq!(score(1.0), 100);
    }

    #[test]
    fn no_questions() {
        let p = Pace::from_totals(0, 0, 0);
        assert_eq!((p.label, p.emoji, p.score), ("No questions", "😴", 0));
    }

    proptest! {
        #[test]
        fn score_is_bounded_and_symmetric(d in 0.0f64..5.0) {
            let above = score(1.0 + d);
            prop_assert!((0..=100).contains(&above));
            prop_assert_eq!(above, score(1.0 - d));
        }
    }
}
