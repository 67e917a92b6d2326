//! Profiles the report renderer in-process: a synthetic year-range report (250 sessions ×
//! 120 questions, or `<days>` sessions) is built, laid out and rendered twice, printing the
//! time of each phase and the process's peak RSS. `OUT=file.pdf` keeps the PDF.
//! `cargo run --release -p server --example report_profile [days]`, or under `perf record`.
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use server::report::figures::{Owner, Period, QuestionRow, SessionRow, build};
use server::report::layout::{Paper, layout};
use server::report::pdf;

fn hwm() -> String {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines().filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS")).collect::<Vec<_>>().join(" ")
}

fn main() {
    let days: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(250);
    let first = Utc.with_ymd_and_hms(2025, 12, 1, 7, 0, 0).unwrap();
    let (mut questions, mut sessions) = (Vec::new(), Vec::new());
    for d in 0..days {
        let start = first + Duration::days(d as i64);
        sessions.push(SessionRow { id: d as i32 + 1, started_at: start, ended_at: Some(start + Duration::hours(10)) });
        for q in 0..120 {
            questions.push(QuestionRow {
                session_id: d as i32 + 1,
                position: q + 1,
                started_at: start + Duration::seconds(300 * q as i64),
                ended_at: start + Duration::seconds(300 * q as i64 + 280),
                raw_ms: 280_000 + q as i64,
                paused_ms: 1_000,
                active_ms: 279_000 + 17 * q as i64,
                target_ms: 300_000,
                task_id: Some(format!("task-{:012x}", (d * 1000 + q as usize) * 7919)),
            });
        }
    }
    let owner = Owner { label: "main@bench.example.com".into(), timezone: chrono_tz::UTC, week_start: chrono::Weekday::Mon, weekly_goal_hours: 40.0 };
    let last = (first + Duration::days(days as i64 - 1)).date_naive();
    eprintln!("rows ready: {}", hwm());
    for _ in 0..2 {
        let t = Instant::now();
        let report = build(owner.clone(), Period::range(first.date_naive(), last).unwrap(), questions.clone(), sessions.clone(), first);
        let t_build = t.elapsed();
        let t = Instant::now();
        let pages = layout(&report, Paper::A4);
        let t_layout = t.elapsed();
        let n = pages.len();
        drop(pages);
        let t = Instant::now();
        let bytes = pdf::render(&report, Paper::A4).unwrap();
        let t_render = t.elapsed();
        eprintln!("build {t_build:?} layout {t_layout:?} ({n} pages) render(incl layout) {t_render:?} → {} bytes; {}", bytes.len(), hwm());
        if std::env::var_os("OUT").is_some() {
            std::fs::write(std::env::var("OUT").unwrap(), &bytes).unwrap();
        }
    }
}
