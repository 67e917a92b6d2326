//! Pure formatting helpers (durations, deltas, m:ss input). Native unit tests below.

/// Whole seconds, rounded once so that 59.6 s becomes 1:00 and never 0:60.
fn whole_seconds(secs: f64) -> u64 {
    if !secs.is_finite() || secs <= 0.0 { 0 } else { secs.round() as u64 }
}

/// `m:ss` under an hour, `h:mm:ss` from one hour on. Negative values are clamped to 0.
pub fn duration(secs: f64) -> String {
    let s = whole_seconds(secs);
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// A signed difference, e.g. `+1:05`, `−0:30` (true minus sign) or `±0:00`.
pub fn delta(secs: f64) -> String {
    let rounded = if secs.is_finite() { secs.round() } else { 0.0 };
    if rounded > 0.0 {
        format!("+{}", duration(rounded))
    } else if rounded < 0.0 {
        format!("\u{2212}{}", duration(-rounded))
    } else {
        "±0:00".to_string()
    }
}

/// CSS class for a delta against target: over target is "slow", under is "fast".
pub fn delta_class(secs: f64) -> &'static str {
    let r = if secs.is_finite() { secs.round() } else { 0.0 };
    if r > 0.0 {
        "delta over"
    } else if r < 0.0 {
        "delta under"
    } else {
        "delta even"
    }
}

/// Hours with one decimal, e.g. `7.5 h`.
pub fn hours(secs: f64) -> String {
    let h = if secs.is_finite() { secs.max(0.0) / 3600.0 } else { 0.0 };
    format!("{} h", fixed(h, 1))
}

/// A number as `{}` writes it (`12`, `20.5`, `0.1`): the shortest text that reads back as `x`.
/// In the browser JavaScript's `String(x)` writes it (the same text, except exponents
/// beyond 1e21 and below 1e-6): Rust's float printing and its tables cost the wasm ~25 KB.
pub fn num(x: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Number::from(x).to_string_with_radix(10).map(String::from).unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        x.to_string()
    }
}

/// `x` with `digits` decimals (0 to 9), like `{:.N}` but rounding half away from zero, and
/// with integer arithmetic only (see `num`).
pub fn fixed(x: f64, digits: u32) -> String {
    if !x.is_finite() {
        return num(x);
    }
    let scale = 10u64.pow(digits.min(9));
    let scaled = (x.abs() * scale as f64).round() as u64;
    let sign = if x < 0.0 && scaled != 0 { "-" } else { "" };
    let (whole, frac) = (scaled / scale, scaled % scale);
    if digits == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac:0width$}", width = digits.min(9) as usize) }
}

/// A decimal number as typed (`20.5`, `-1`, `1e3`, surrounding spaces allowed); `None` for
/// anything else, infinities included. In the browser `Number()` reads it: Rust's float parser
/// would bring its tables into the wasm for two form fields.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let plausible = t.bytes().any(|b| b.is_ascii_digit()) && t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !plausible {
        return None;
    }
    #[cfg(target_arch = "wasm32")]
    let v = js_sys::Number::from(wasm_bindgen::JsValue::from_str(t)).value_of();
    #[cfg(not(target_arch = "wasm32"))]
    let v = t.parse::<f64>().unwrap_or(f64::NAN);
    v.is_finite().then_some(v)
}

/// Parses `m:ss`, `mm:ss` or plain seconds (`330`) into seconds.
pub fn parse_mss(input: &str) -> Result<f64, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err("Enter a time as m:ss".into());
    }
    let bad = || format!("“{t}” is not a time as m:ss");
    match t.split_once(':') {
        Some((m, s)) => {
            let m: u32 = m.trim().parse().map_err(|_| bad())?;
            let s_trim = s.trim();
            if s_trim.len() != 2 {
                return Err(bad());
            }
            let s: u32 = s_trim.parse().map_err(|_| bad())?;
            if s >= 60 {
                return Err("Seconds must be below 60".into());
            }
            Ok(f64::from(m * 60 + s))
        }
        None => t.parse::<u32>().map(f64::from).map_err(|_| bad()),
    }
}

/// The `m:ss` form of a target, for the settings input (targets are under an hour in practice).
pub fn mss(secs: f64) -> String {
    let s = whole_seconds(secs);
    format!("{}:{:02}", s / 60, s % 60)
}

/// A wait in words: "1 second", "42 seconds", "3 minutes" (rounded up).
pub fn wait(secs: u64) -> String {
    match secs {
        1 => "1 second".into(),
        s if s < 90 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

/// Pace score as a percentage-like badge text: `83/100`.
pub fn score(score: i64) -> String {
    format!("{score}/100")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_decimals_like_format() {
        for (x, d) in [(7.5, 1), (0.0, 1), (12.345, 2), (1234.0, 0), (99.6, 0), (1.25, 3), (-2.04, 1), (0.004, 2), (1e6, 2)] {
            assert_eq!(fixed(x, d), format!("{x:.*}", d as usize), "{x} to {d}");
        }
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(num(20.5), "20.5");
        assert_eq!(num(12.0), "12");
    }

    #[test]
    fn numbers_as_typed() {
        assert_eq!(parse_number(" 20.5 "), Some(20.5));
        assert_eq!(parse_number("-1"), Some(-1.0));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        assert_eq!(parse_number(".5"), Some(0.5));
        for bad in ["", "ten", "1.2.3", "inf", "NaN", "0x10", "1e999", "-", "e5"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_under_an_hour_use_m_ss() {
        assert_eq!(duration(0.0), "0:00");
        assert_eq!(duration(5.0), "0:05");
        assert_eq!(duration(65.0), "1:05");
        assert_eq!(duration(330.0), "5:30");
        assert_eq!(duration(3599.0), "59:59");
    }

    #[test]
    fn durations_from_an_hour_use_h_mm_ss() {
        assert_eq!(duration(3600.0), "1:00:00");
        assert_eq!(duration(3661.0), "1:01:01");
        assert_eq!(duration(36000.0 + 59.0), "10:00:59");
    }

    #[test]
    fn rounding_never_prints_sixty() {
        assert_eq!(duration(59.5), "1:00");
        assert_eq!(duration(299.6), "5:00");
        assert_eq!(duration(3599.5), "1:00:00");
        assert_eq!(duration(239.999), "4:00");
        assert_eq!(duration(59.4), "0:59");
        for tenths in 0..80_000u32 {
            let d = duration(f64::from(tenths) / 10.0);
            assert!(!d.contains(":60"), "{tenths} -> {d}");
        }
    }

    #[test]
    fn odd_inputs_are_zero() {
        assert_eq!(duration(-3.0), "0:00");
        assert_eq!(duration(f64::NAN), "0:00");
        assert_eq!(duration(f64::INFINITY), "0:00");
    }

    #[test]
    fn deltas_are_signed() {
        assert_eq!(delta(65.0), "+1:05");
        assert_eq!(delta(-30.2), "\u{2212}0:30");
        assert_eq!(delta(0.3), "±0:00");
        assert_eq!(delta(-3600.0), "\u{2212}1:00:00");
        assert_eq!(delta_class(12.0), "delta over");
        assert_eq!(delta_class(-12.0), "delta under");
        assert_eq!(delta_class(0.2), "delta even");
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(wait(1), "1 second");
        assert_eq!(wait(42), "42 seconds");
        assert_eq!(wait(600), "10 minutes");
        assert_eq!(wait(601), "11 minutes");
    }

    #[test]
    fn hours_have_one_decimal() {
        assert_eq!(hours(27000.0), "7.5 h");
        assert_eq!(hours(0.0), "0.0 h");
        assert_eq!(hours(3599.0), "1.0 h");
    }

    #[test]
    fn mss_parses_and_prints() {
        assert_eq!(parse_mss("5:30"), Ok(330.0));
        assert_eq!(parse_mss(" 0:45 "), Ok(45.0));
        assert_eq!(parse_mss("12:05"), Ok(725.0));
        assert_eq!(parse_mss("330"), Ok(330.0));
        assert!(parse_mss("5:60").is_err());
        assert!(parse_mss("5:3").is_err());
        assert!(parse_mss("abc").is_err());
        assert!(parse_mss("").is_err());
        assert_eq!(mss(330.0), "5:30");
        assert_eq!(mss(59.6), "1:00");
    }
}
