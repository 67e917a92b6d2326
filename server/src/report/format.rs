//! How report documents print numbers and times, shared by the PDF and the CSV.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Milliseconds as seconds with three decimals (the API's precision): `95.250`.
pub fn secs3(ms: i64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

/// Milliseconds as seconds with one decimal: `95.3`; a sign for deltas when `signed`.
pub fn secs1(ms: i64, signed: bool) -> String {
    let s = ms as f64 / 1000.0;
    if signed { format!("{s:+.1}") } else { format!("{s:.1}") }
}

/// A duration as `h:mm:ss` (rounded to the second).
pub fn hms(ms: i64) -> String {
    let total = (ms as f64 / 1000.0).round() as i64;
    let sign = if total < 0 { "-" } else { "" };
    let t = total.abs();
    format!("{sign}{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

/// A local date and time.
pub fn local(tz: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Words for the pace emoji: the embedded fonts have no colour emoji glyphs, and a
/// PDF must never show an empty box.
pub fn emoji_words(emoji: &str) -> &'static str {
    match emoji {
        "⚡🐇" => "lightning rabbit",
        "🐇" => "rabbit",
        "🙂" => "smiling face",
        "💜✅" => "purple heart, check mark",
        "🐢" => "turtle",
        "🐌" => "snail",
        "😴" => "sleeping face",
        _ => "pace",
    }
}

/// Escapes a free-text spreadsheet cell that a spreadsheet would run as a formula
/// (OWASP CSV injection): a leading `'` makes it text.
pub fn spreadsheet_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(hms(3_723_400), "1:02:03");
        assert_eq!(hms(-61_000), "-0:01:01");
        assert_eq!(secs1(-4_950, true), "-5.0");
        assert_eq!(secs1(1_250, true), "+1.2");
        assert_eq!(secs3(95_250), "95.250");
    }

    #[test]
    fn formulas_are_escaped() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx"] {
            assert_eq!(spreadsheet_text(bad), format!("'{bad}"));
        }
        assert_eq!(spreadsheet_text("task-7"), "task-7");
    }
}
