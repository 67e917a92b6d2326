//! CSV exports of a report: one row per question or per day, each ending in a `TOTAL`
//! row. RFC 4180 quoting comes from the `csv` crate; free-text cells are escaped
//! against formula injection (our own numbers are left numeric).

use super::figures::{Report, Totals};
use super::format::{local, secs3, spreadsheet_text};
use crate::calendar;
use crate::pace::Pace;

/// Excel reads a CSV as UTF-8 only when it starts with this.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

const QUESTION_HEADER: [&str; 15] = [
    "date",
    "session_id",
    "question",
    "started_at",
    "ended_at",
    "active_seconds",
    "paused_seconds",
    "raw_seconds",
    "target_seconds",
    "delta_seconds",
    "task_id",
    "pace_ratio",
    "pace_score",
    "pace_label",
    "pace_emoji",
];

const DAILY_HEADER: [&str; 14] = [
    "date",
    "sessions",
    "questions",
    "active_seconds",
    "active_hours",
    "average_seconds",
    "target_seconds",
    "pace_ratio",
    "raw_seconds",
    "paused_seconds",
    "delta_seconds",
    "pace_score",
    "pace_label",
    "pace_emoji",
];

fn pace_cells(pace: &Pace) -> [String; 4] {
    [format!("{:.3}", pace.ratio), pace.score.to_string(), spreadsheet_text(pace.label), spreadsheet_text(pace.emoji)]
}

fn time_cells(t: &Totals) -> [String; 5] {
    [secs3(t.active_ms), secs3(t.paused_ms), secs3(t.raw_ms), secs3(t.target_ms), secs3(t.delta_ms())]
}

fn finish(out: csv::Writer<Vec<u8>>, bom: bool) -> Result<Vec<u8>, String> {
    let body = out.into_inner().map_err(|e| e.to_string())?;
    Ok(if bom { [BOM, &body].concat() } else { body })
}

/// One row per question, then `TOTAL`.
pub fn questions(report: &Report, bom: bool) -> Result<Vec<u8>, String> {
    let tz = report.owner.timezone;
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = |row: Vec<String>| out.write_record(row).map_err(|e| e.to_string());
    write(QUESTION_HEADER.map(String::from).to_vec())?;
    for q in &report.questions {
        let t = Totals::of([q]);
        let mut row = vec![
            calendar::local_date(tz, q.started_at).to_string(),
            q.session_id.to_string(),
            q.position.to_string(),
            local(tz, q.started_at),
            local(tz, q.ended_at),
        ];
        let [active, paused, raw, target, delta] = time_cells(&t);
        row.extend([active, paused, raw, target, delta, spreadsheet_text(q.task_id.as_deref().unwrap_or(""))]);
        row.extend(pace_cells(&t.pace()));
        write(row)?;
    }
    let t = report.totals;
    let mut row = vec!["TOTAL".to_owned(), String::new(), t.questions.to_string(), String::new(), String::new()];
    row.extend(time_cells(&t));
    row.push(String::new());
    row.extend(pace_cells(&report.pace));
    write(row)?;
    finish(out, bom)
}

/// One row per local day, then `TOTAL`.
pub fn daily(report: &Report, bom: bool) -> Result<Vec<u8>, String> {
    let tz = report.owner.timezone;
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = |row: Vec<String>| out.write_record(row).map_err(|e| e.to_string());
    write(DAILY_HEADER.map(String::from).to_vec())?;
    let rows = report.days.iter().map(|day| {
        let t = Totals::of(report.questions.iter().filter(|q| calendar::local_date(tz, q.started_at) == day.date));
        (day.date.to_string(), day.session_count, t, day.totals.average_ms())
    });
    let average = report.bucket.average_ms();
    for (label, sessions, t, average_ms) in rows.chain([("TOTAL".to_owned(), report.session_count, report.totals, average)]) {
        let [active, paused, raw, target, delta] = time_cells(&t);
        let [ratio, score, label_cell, emoji] = pace_cells(&t.pace());
        let hours = format!("{:.2}", t.active_ms as f64 / 3_600_000.0);
        write(vec![
            label,
            sessions.to_string(),
            t.questions.to_string(),
            active,
            hours,
            format!("{:.3}", average_ms / 1000.0),
            target,
            ratio,
            raw,
            paused,
            delta,
            score,
            label_cell,
            emoji,
        ])?;
    }
    finish(out, bom)
}
