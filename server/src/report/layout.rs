//! Lays a report out on pages as a list of drawing operations: summary, chart, one
//! table per session (headers repeated after a page break), totals, footers. Pure, so
//! pagination is testable without a PDF; `pdf` only paints the operations.

use super::figures::{PeriodKind, Report, SessionBlock, Totals};
use super::format::{emoji_words, hms, local, secs1};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
    Mono,
    MonoBold,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `y` is the baseline.
    Text { x: f32, y: f32, size: f32, face: Face, text: String },
    /// A filled rectangle; `shade` is 0 (black) to 255 (white).
    Rect { x: f32, y: f32, w: f32, h: f32, shade: u8 },
}

pub type Page = Vec<Op>;

const MARGIN: f32 = 40.0;
const FOOTER: f32 = 30.0;
const ROW: f32 = 10.5;
const MONO_SIZE: f32 = 7.5;
/// DejaVu Sans Mono's advance (1233 of 2048 units per em).
const MONO_ADVANCE: f32 = 1233.0 / 2048.0;
const TASK_CHARS: usize = 32;

fn mono_width(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * MONO_ADVANCE * size
}

struct Pager<'a> {
    report: &'a Report,
    width: f32,
    height: f32,
    pages: Vec<Page>,
    y: f32,
    /// The open table's heading and column header, repeated after a page break.
    table: Option<(String, String)>,
}

impl Pager<'_> {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page is open")
    }

    fn text(&mut self, x: f32, size: f32, face: Face, text: impl Into<String>) {
        let y = self.y;
        self.page().push(Op::Text { x, y, size, face, text: text.into() });
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN + 8.0;
        if self.pages.len() == 1 {
            return; // the title page has the full header
        }
        let head = format!("{} · {} · {}", self.report.owner.label, self.report.period.label(), self.report.owner.timezone.name());
        self.text(MARGIN, 7.5, Face::Regular, head);
        self.y += 16.0;
        if let Some((heading, columns)) = self.table.clone() {
            self.text(MARGIN, 9.0, Face::Bold, format!("{heading} (continued)"));
            self.y += ROW + 2.0;
            self.column_header(&columns);
        }
    }

    /// Starts a new page unless `height` more points fit.
    fn need(&mut self, height: f32) {
        if self.y + height > self.height - MARGIN - FOOTER {
            self.new_page();
        }
    }

    fn column_header(&mut self, columns: &str) {
        let (x, y, w) = (MARGIN, self.y, self.width - 2.0 * MARGIN);
        self.page().push(Op::Rect { x, y: y - 8.0, w, h: ROW, shade: 225 });
        self.text(MARGIN + 2.0, MONO_SIZE, Face::MonoBold, columns);
        self.y += ROW;
    }

    fn line(&mut self, size: f32, face: Face, text: impl Into<String>) {
        self.need(size + 4.0);
        self.text(MARGIN, size, face, text);
        self.y += size + 4.0;
    }
}

/// The pages of `report`, footers included.
pub fn layout(report: &Report, paper: Paper) -> Vec<Page> {
    let (width, height) = paper.size();
    let mut pager = Pager { report, width, height, pages: Vec::new(), y: 0.0, table: None };
    pager.new_page();
    title(&mut pager);
    summary(&mut pager);
    chart(&mut pager);
    sessions(&mut pager);
    let mut pages = pager.pages;
    footers(&mut pages, report, width, height);
    pages
}

fn title(p: &mut Pager) {
    let r = p.report;
    let kind = match r.period.kind {
        PeriodKind::Day => "Day report",
        PeriodKind::Week => "Week report",
        PeriodKind::Range => "Report",
    };
    p.line(16.0, Face::Bold, format!("{kind} {}", r.period.label()));
    p.line(10.0, Face::Regular, format!("{} · timezone {}", r.owner.label, r.owner.timezone.name()));
    p.y += 6.0;
}

fn summary(p: &mut Pager) {
    let r = p.report;
    let b = r.bucket;
    let average_target = if b.question_count == 0 { 0 } else { b.target_ms / b.question_count };
    let goal = r.goal;
    let goal_scope = match r.period.kind {
        PeriodKind::Range => format!("goal for {} – {}", goal.first, goal.last),
        _ => format!("week {} – {}", goal.first, goal.last),
    };
    let lines = [
        format!("Sessions: {}", r.session_count),
        format!("Questions: {}", b.question_count),
        format!("Active: {} ({} s)", hms(b.active_ms), secs1(b.active_ms, false)),
        format!("Paused: {} ({} s)", hms(r.totals.paused_ms), secs1(r.totals.paused_ms, false)),
        format!("Average: {} s per question, target {} s", secs1(b.average_ms().round() as i64, false), secs1(average_target, false)),
        format!("Pace: {} [{}] · score {} · ratio {:.3}", r.pace.label, emoji_words(r.pace.emoji), r.pace.score, r.pace.ratio),
        format!("Goal progress: {} of {} ({:.0}%) · {goal_scope}", hms(goal.active_ms), hms(goal.goal_ms), goal.percent()),
    ];
    for line in lines {
        p.line(10.0, Face::Regular, line);
    }
    p.y += 8.0;
}

/// Bars of active time: per local hour for a day, per day otherwise.
fn chart(p: &mut Pager) {
    let r = p.report;
    let (title, values, labels): (&str, Vec<i64>, Vec<String>) = match r.period.kind {
        PeriodKind::Day => {
            let day = &r.days[0];
            ("Active time per hour", day.hours.iter().map(|h| h.active_ms).collect(), (0..24).map(|h| h.to_string()).collect())
        }
        _ => ("Active time per day", r.days.iter().map(|d| d.totals.active_ms).collect(), r.days.iter().map(|d| d.date.format("%m-%d").to_string()).collect()),
    };
    let top_value = values.iter().copied().max().unwrap_or(0);
    let max = top_value.max(1) as f32;
    let chart_h = 100.0;
    p.need(chart_h + 40.0);
    p.line(10.0, Face::Bold, format!("{title} (tallest bar {})", hms(top_value)));
    let (left, top, w) = (MARGIN, p.y, p.width - 2.0 * MARGIN);
    p.page().push(Op::Rect { x: left, y: top + chart_h, w, h: 0.6, shade: 0 });
    let slot = w / values.len() as f32;
    let every = (values.len() as f32 / 24.0).ceil().max(1.0) as usize;
    for (i, (v, label)) in values.iter().zip(&labels).enumerate() {
        let h = chart_h * (*v as f32) / max;
        let x = left + i as f32 * slot;
        if *v > 0 {
            p.page().push(Op::Rect { x: x + slot * 0.15, y: top + chart_h - h, w: (slot * 0.7).max(0.3), h, shade: 110 });
        }
        if i % every == 0 {
            p.page().push(Op::Text { x, y: top + chart_h + 9.0, size: 5.5, face: Face::Mono, text: label.clone() });
        }
    }
    p.y = top + chart_h + 26.0;
}

fn columns(with_date: bool) -> String {
    let start = if with_date { "Start (local)      " } else { "Start   " };
    format!("{:>4}  {start}  {:>10} {:>10} {:>10} {:>10}  Task id", "#", "Active s", "Paused s", "Target s", "Δ s")
}

fn row(number: &str, start: &str, t: &Totals, task: &str) -> String {
    format!(
        "{number:>4}  {start}  {:>10} {:>10} {:>10} {:>10}  {task}",
        secs1(t.active_ms, false),
        secs1(t.paused_ms, false),
        secs1(t.target_ms, false),
        secs1(t.delta_ms(), true)
    )
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars { text.to_owned() } else { format!("{}…", text.chars().take(chars - 1).collect::<String>()) }
}

fn sessions(p: &mut Pager) {
    let r = p.report;
    let with_date = r.period.kind != PeriodKind::Day;
    let header = columns(with_date);
    if r.sessions.is_empty() {
        p.line(10.0, Face::Regular, "No questions in this period.");
    }
    for block in &r.sessions {
        session_table(p, block, &header, with_date);
    }
    p.need(3.0 * ROW);
    p.y += 4.0;
    let pad = if with_date { 19 } else { 8 };
    let label = format!("{:<pad$}", format!("{} questions", r.totals.questions));
    let total = row("TOTAL", &label, &r.totals, "");
    p.column_header(&total);
}

fn session_table(p: &mut Pager, block: &SessionBlock, header: &str, with_date: bool) {
    let tz = p.report.owner.timezone;
    let s = &block.session;
    let ended = s.ended_at.map_or_else(|| "running".to_owned(), |at| local(tz, at));
    let heading = format!("Session {} · started {} · ended {} · {} questions", s.id, local(tz, s.started_at), ended, block.questions.len());
    p.need(4.0 * ROW);
    p.y += 4.0;
    p.line(9.0, Face::Bold, heading.clone());
    p.column_header(header);
    p.table = Some((heading, header.to_owned()));
    for q in &block.questions {
        p.need(ROW);
        let start = local(tz, q.started_at);
        let start = if with_date { start } else { start[11..].to_owned() };
        let t = Totals { questions: 1, raw_ms: q.raw_ms, paused_ms: q.paused_ms, active_ms: q.active_ms, target_ms: q.target_ms };
        let text = row(&q.position.to_string(), &start, &t, &truncate(q.task_id.as_deref().unwrap_or(""), TASK_CHARS));
        p.text(MARGIN + 2.0, MONO_SIZE, Face::Mono, text);
        p.y += ROW;
    }
    p.need(ROW);
    let pad = if with_date { 19 } else { 8 };
    let text = row("", &format!("{:<pad$}", "subtotal"), &block.totals, "");
    p.text(MARGIN + 2.0, MONO_SIZE, Face::MonoBold, text);
    p.y += ROW;
    p.table = None;
}

fn footers(pages: &mut [Page], report: &Report, width: f32, height: f32) {
    let count = pages.len();
    let stamp = format!("Generated {} UTC by RaterHub Tracker", report.generated_at.format("%Y-%m-%d %H:%M:%S"));
    let y = height - MARGIN + 10.0;
    for (i, page) in pages.iter_mut().enumerate() {
        let number = format!("Page {} of {count}", i + 1);
        page.push(Op::Rect { x: MARGIN, y: y - 12.0, w: width - 2.0 * MARGIN, h: 0.5, shade: 150 });
        page.push(Op::Text { x: MARGIN, y, size: 7.0, face: Face::Mono, text: stamp.clone() });
        page.push(Op::Text { x: width - MARGIN - mono_width(&number, 7.0), y, size: 7.0, face: Face::Mono, text: number });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::figures::{Owner, Period, QuestionRow, SessionRow, build};
    use chrono::{Duration, TimeZone, Utc};

    fn texts(page: &Page) -> Vec<&str> {
        page.iter().filter_map(|op| if let Op::Text { text, .. } = op { Some(text.as_str()) } else { None }).collect()
    }

    #[test]
    fn long_tables_repeat_their_headers_and_every_page_is_numbered() {
        let start = Utc.with_ymd_and_hms(2026, 11, 24, 6, 0, 0).unwrap();
        let questions = (0..300)
            .map(|i| QuestionRow {
                session_id: 1,
                position: i + 1,
                started_at: start + Duration::seconds(60 * i as i64),
                ended_at: start,
                raw_ms: 1,
                paused_ms: 0,
                active_ms: 1,
                target_ms: 1,
                task_id: None,
            })
            .collect();
        let owner = Owner { label: "a@b".into(), timezone: chrono_tz::UTC, week_start: chrono::Weekday::Mon, weekly_goal_hours: 1.0 };
        let report = build(owner, Period::day(start.date_naive()), questions, vec![SessionRow { id: 1, started_at: start, ended_at: None }], start);
        let pages = layout(&report, Paper::A4);
        assert!(pages.len() >= 4, "{} pages", pages.len());
        for (i, page) in pages.iter().enumerate() {
            let t = texts(page);
            assert!(t.contains(&format!("Page {} of {}", i + 1, pages.len()).as_str()));
            if i > 0 {
                assert!(t.iter().any(|s| s.starts_with("Session 1 ") && s.ends_with("(continued)")), "page {i}: {t:?}");
                assert!(t.iter().any(|s| s.contains("Active s")));
            }
        }
    }
}
