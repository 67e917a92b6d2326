//! Pure chart maths: "nice" axis maxima and ticks, scaling, heat-map levels.

/// A rounded-up axis maximum and the step between its ticks, for data whose largest value is
/// `max`. The maximum is a 1, 2, 2.5 or 5 multiple of a power of ten, with 2–5 steps.
pub fn nice_axis(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (1.0, 0.25);
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        let top = m * magnitude;
        if top >= max * 0.999_999 {
            let step = match m {
                1.0 => top / 4.0,
                2.0 => top / 4.0,
                2.5 => top / 5.0,
                5.0 => top / 5.0,
                _ => top / 5.0,
            };
            return (top, step);
        }
    }
    (10.0 * magnitude, 2.0 * magnitude)
}

/// [`nice_axis`] in a display unit (60 for minutes, 3600 for hours), so ticks fall on round
/// numbers of that unit; values stay in seconds.
pub fn nice_axis_in(max_secs: f64, unit: f64) -> (f64, f64) {
    let (top, step) = nice_axis(max_secs / unit);
    (top * unit, step * unit)
}

/// Tick values 0, step, … up to and including `top`.
pub fn ticks(top: f64, step: f64) -> Vec<f64> {
    if step <= 0.0 {
        return vec![0.0];
    }
    let n = (top / step).round() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Maps `value` in [0, top] to a pixel height in [0, height] (clamped).
pub fn scale(value: f64, top: f64, height: f64) -> f64 {
    if top <= 0.0 || !value.is_finite() {
        return 0.0;
    }
    (value / top).clamp(0.0, 1.0) * height
}

/// Intensity level 0–4 of a heat-map cell (0 only for no activity at all).
pub fn heat_level(value: f64, max: f64) -> u8 {
    if value <= 0.0 || max <= 0.0 || !value.is_finite() {
        return 0;
    }
    let f = (value / max).clamp(0.0, 1.0);
    1 + ((f * 4.0).ceil() as u8).saturating_sub(1).min(3)
}

/// A number with at most two decimals and no trailing zeros (`5`, `2.5`, `0.25`).
pub fn short_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        return format!("{}", v.round() as i64);
    }
    let s = crate::format::fixed(v, 2);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A tick label for a value in seconds shown as minutes (`5`, `2.5`).
pub fn minutes_label(secs: f64) -> String {
    short_number(secs / 60.0)
}

/// A tick label for a value in seconds shown as hours (`2`, `1.5`, `0.25`).
pub fn hours_label(secs: f64) -> String {
    short_number(secs / 3600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axes() {
        assert_eq!(nice_axis(0.0), (1.0, 0.25));
        assert_eq!(nice_axis(7.0), (10.0, 2.0));
        assert_eq!(nice_axis(10.0), (10.0, 2.5));
        assert_eq!(nice_axis(13.0), (20.0, 5.0));
        assert_eq!(nice_axis(23.0), (25.0, 5.0));
        assert_eq!(nice_axis(26.0), (50.0, 10.0));
        assert_eq!(nice_axis(3600.0), (5000.0, 1000.0));
        assert_eq!(nice_axis(0.3), (0.5, 0.1));
        for v in [0.01, 0.7, 1.0, 3.3, 99.0, 101.0, 12345.0] {
            let (top, step) = nice_axis(v);
            assert!(top >= v, "{v}: {top}");
            assert!(top < v * 5.0 + 1e-9, "{v}: {top}");
            let n = ticks(top, step).len();
            assert!((3..=6).contains(&n), "{v}: {n} ticks");
        }
    }

    #[test]
    fn axes_in_minutes_fall_on_round_minutes() {
        assert_eq!(nice_axis_in(360.0, 60.0), (600.0, 120.0));
        assert_eq!(minutes_label(120.0), "2");
        assert_eq!(nice_axis_in(5.0 * 3600.0, 3600.0), (18000.0, 3600.0));
    }

    #[test]
    fn ticks_include_both_ends() {
        assert_eq!(ticks(10.0, 2.5), vec![0.0, 2.5, 5.0, 7.5, 10.0]);
        assert_eq!(ticks(1.0, 0.0), vec![0.0]);
    }

    #[test]
    fn scaling_clamps() {
        assert_eq!(scale(5.0, 10.0, 100.0), 50.0);
        assert_eq!(scale(15.0, 10.0, 100.0), 100.0);
        assert_eq!(scale(-1.0, 10.0, 100.0), 0.0);
        assert_eq!(scale(1.0, 0.0, 100.0), 0.0);
    }

    #[test]
    fn heat_levels() {
        assert_eq!(heat_level(0.0, 100.0), 0);
        assert_eq!(heat_level(1.0, 100.0), 1);
        assert_eq!(heat_level(25.0, 100.0), 1);
        assert_eq!(heat_level(26.0, 100.0), 2);
        assert_eq!(heat_level(75.0, 100.0), 3);
        assert_eq!(heat_level(100.0, 100.0), 4);
        assert_eq!(heat_level(500.0, 100.0), 4);
    }

    #[test]
    fn labels() {
        assert_eq!(minutes_label(300.0), "5");
        assert_eq!(minutes_label(150.0), "2.5");
        assert_eq!(hours_label(5400.0), "1.5");
        assert_eq!(hours_label(7200.0), "2");
        assert_eq!(hours_label(900.0), "0.25");
        assert_eq!(minutes_label(30.0), "0.5");
    }
}
