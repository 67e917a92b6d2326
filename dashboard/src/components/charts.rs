//! The SVG charts: hourly activity, questions against their targets, a week of days, and a
//! month as a heat map. All are SVGs with a viewBox, so they scale down to 360 px wide; fonts
//! are sized for that. Each has a <title>/<desc> and per-mark <title>s for assistive tech and
//! tooltips.

use yew::prelude::*;

use crate::chart::{heat_level, hours_label, minutes_label, nice_axis_in, scale, ticks};
use crate::format;
use crate::route::Route;

const PAD_L: f64 = 36.0;
const PAD_R: f64 = 8.0;
const PAD_T: f64 = 24.0;
const PAD_B: f64 = 30.0;

/// The drawing area: a narrow frame for phones (fonts stay readable at 360 px) and a wide one
/// for larger screens.
#[derive(Clone, Copy)]
struct Frame {
    w: f64,
    h: f64,
}

impl Frame {
    fn new(wide: bool) -> Frame {
        if wide { Frame { w: 760.0, h: 240.0 } } else { Frame { w: 400.0, h: 200.0 } }
    }
    fn plot_h(self) -> f64 {
        self.h - PAD_T - PAD_B
    }
    fn y_of(self, v: f64, top: f64) -> f64 {
        PAD_T + self.plot_h() - scale(v, top, self.plot_h())
    }
    fn view_box(self) -> String {
        format!("0 0 {} {}", format::num(self.w), format::num(self.h))
    }
    fn class(self, name: &'static str) -> Classes {
        classes!("chart", name, if self.w > 500.0 { "wide" } else { "narrow" })
    }
}

fn y_axis(f: Frame, top: f64, step: f64, label: fn(f64) -> String, unit: &str) -> Html {
    let lines = ticks(top, step).into_iter().map(|t| {
        let y = f.y_of(t, top);
        html! {
            <g class="tick">
                <line x1={format::num(PAD_L)} x2={format::num(f.w - PAD_R)} y1={format::num(y)} y2={format::num(y)} />
                <text x={format::num(PAD_L - 5.0)} y={format::num(y + 4.0)} text-anchor="end">{ label(t) }</text>
            </g>
        }
    });
    html! {
        <g class="axis y">
            { for lines }
            <text class="unit" x="2" y="12">{ unit.to_string() }</text>
        </g>
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct HourlyProps {
    /// (local hour, questions, active seconds)
    pub hours: Vec<(i64, i64, f64)>,
    #[prop_or_default]
    pub wide: bool,
}

/// Active minutes per local hour of the day. A plain function (like the other charts'
/// helpers): a component costs its own lifecycle code in the wasm.
pub fn hourly_chart(p: &HourlyProps) -> Html {
    let f = Frame::new(p.wide);
    let max = p.hours.iter().map(|h| h.2).fold(0.0, f64::max);
    let (top, step) = nice_axis_in(max.max(300.0), 60.0);
    let n = p.hours.len().max(1) as f64;
    let slot = (f.w - PAD_L - PAD_R) / n;
    let bars = p.hours.iter().enumerate().map(|(i, (hour, count, secs))| {
        let x = PAD_L + i as f64 * slot;
        let h = scale(*secs, top, f.plot_h());
        let label = (p.wide || hour % 3 == 0).then(|| {
            html! { <text x={format::num(x + slot / 2.0)} y={format::num(f.h - PAD_B + 14.0)} text-anchor="middle">{ format!("{hour:02}") }</text> }
        });
        html! {
            <g class="bar">
                <rect x={format::num(x + 1.0)} y={format::num(PAD_T + f.plot_h() - h)}
                      width={format::num((slot - 2.0).max(1.0))} height={format::num(h)}>
                    <title>{ format!("{hour:02}:00 – {} active, {count} questions", format::duration(*secs)) }</title>
                </rect>
                { for label }
            </g>
        }
    });
    html! {
        <svg class={f.class("hourly")} viewBox={f.view_box()} role="img" aria-labelledby="hourly-title">
            <title id="hourly-title">{ "Active minutes per hour (local time)" }</title>
            { y_axis(f, top, step, minutes_label, "min") }
            { for bars }
            <text class="unit" x={format::num(f.w - PAD_R)} y={format::num(f.h - 2.0)} text-anchor="end">{ "hour" }</text>
        </svg>
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct QuestionChartProps {
    /// (question number, active seconds, target seconds)
    pub questions: Vec<(i64, f64, f64)>,
    #[prop_or_default]
    pub wide: bool,
}

/// Each question's active time as a bar, with its target as a line across the bar.
pub fn question_chart(p: &QuestionChartProps) -> Html {
    if p.questions.is_empty() {
        return html! { <p class="empty">{ "No finished questions yet." }</p> };
    }
    let f = Frame::new(p.wide);
    let max = p.questions.iter().map(|q| q.1.max(q.2)).fold(0.0, f64::max);
    let (top, step) = nice_axis_in(max, 60.0);
    let n = p.questions.len() as f64;
    let slot = (f.w - PAD_L - PAD_R) / n;
    let every = (n / if p.wide { 24.0 } else { 12.0 }).ceil().max(1.0) as usize;
    let marks = p.questions.iter().enumerate().map(|(i, (num, active, target))| {
        let x = PAD_L + i as f64 * slot;
        let h = scale(*active, top, f.plot_h());
        let ty = f.y_of(*target, top);
        let class = if active.round() > target.round() { "bar over" } else { "bar under" };
        let label = (i % every == 0).then(|| {
            html! { <text x={format::num(x + slot / 2.0)} y={format::num(f.h - PAD_B + 14.0)} text-anchor="middle">{ num.to_string() }</text> }
        });
        html! {
            <g class={class}>
                <rect x={format::num(x + slot * 0.15)} y={format::num(PAD_T + f.plot_h() - h)}
                      width={format::num((slot * 0.7).max(1.0))} height={format::num(h)}>
                    <title>{ format!("Question {num}: {} (target {})", format::duration(*active), format::duration(*target)) }</title>
                </rect>
                <line class="target" x1={format::num(x)} x2={format::num(x + slot)} y1={format::num(ty)} y2={format::num(ty)} />
                { for label }
            </g>
        }
    });
    html! {
        <svg class={f.class("questions")} viewBox={f.view_box()} role="img" aria-labelledby="qchart-title">
            <title id="qchart-title">{ "Active time per question against its target (dashed line)" }</title>
            { y_axis(f, top, step, minutes_label, "min") }
            { for marks }
            <text class="unit" x={format::num(f.w - PAD_R)} y={format::num(f.h - 2.0)} text-anchor="end">{ "question" }</text>
        </svg>
    }
}

/// A click handler factory that opens a day in the app (plain clicks only; modified clicks keep
/// the browser's new-tab behaviour).
#[hook]
fn use_day_link() -> impl Fn(Route) -> Callback<MouseEvent> {
    let navigator = crate::route::use_navigator();
    move |route: Route| {
        let navigator = navigator.clone();
        Callback::from(move |e: MouseEvent| {
            if e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() != 0 {
                return;
            }
            if let Some(n) = &navigator {
                e.prevent_default();
                n.push(&route);
            }
        })
    }
}

/// Where a day opens: the user's own day, or (with a user id) an admin's read-only view of it.
pub fn day_route(date: &str, user: Option<&str>) -> Route {
    match user {
        Some(id) => Route::AdminUser { id: id.to_string(), date: date.to_string() },
        None => Route::Day { date: date.to_string() },
    }
}

#[derive(Clone, PartialEq, Debug)]
pub struct DayBar {
    pub label: String,
    pub date: String,
    pub questions: i64,
    pub active_seconds: f64,
}

#[derive(Properties, PartialEq, Clone)]
pub struct WeekChartProps {
    pub days: Vec<DayBar>,
    /// The daily share of the weekly goal, drawn as a line (seconds).
    pub daily_goal_seconds: f64,
    #[prop_or_default]
    pub wide: bool,
    /// Another user's id: days open in the admin's read-only view.
    #[prop_or_default]
    pub user: Option<AttrValue>,
}

/// Seven daily bars of active hours, question counts above them, and the goal line.
/// A hook of the page that shows it rather than a component (issue #16, size): call it
/// unconditionally, before the page's `html!`.
#[hook]
pub fn use_week_chart(p: &WeekChartProps) -> Html {
    let f = Frame::new(p.wide);
    let max = p.days.iter().map(|d| d.active_seconds).fold(p.daily_goal_seconds, f64::max);
    let (top, step) = nice_axis_in(max.max(3600.0), 3600.0);
    let n = p.days.len().max(1) as f64;
    let slot = (f.w - PAD_L - PAD_R) / n;
    let go = use_day_link();
    let bars = p.days.iter().enumerate().map(|(i, d)| {
        let x = PAD_L + i as f64 * slot;
        let h = scale(d.active_seconds, top, f.plot_h());
        let y = PAD_T + f.plot_h() - h;
        let label = format!("{} {}: {} active, {} questions", d.label, d.date, format::duration(d.active_seconds), d.questions);
        let route = day_route(&d.date, p.user.as_deref());
        html! {
            <a href={route.to_path()} aria-label={label} onclick={go(route)}>
            <g class="bar">
                <rect x={format::num(x + slot * 0.15)} y={format::num(y)} width={format::num(slot * 0.7)} height={format::num(h)}>
                    <title>{ format!("{} {}: {} active, {} questions", d.label, d.date, format::duration(d.active_seconds), d.questions) }</title>
                </rect>
                <text class="count" x={format::num(x + slot / 2.0)} y={format::num((y - 3.0).max(PAD_T + 8.0))} text-anchor="middle">{ d.questions.to_string() }</text>
                <text x={format::num(x + slot / 2.0)} y={format::num(f.h - PAD_B + 14.0)} text-anchor="middle">{ d.label.clone() }</text>
                // A transparent hit area over the whole column, so empty days are clickable too.
                <rect class="hit" x={format::num(x)} y={format::num(PAD_T)} width={format::num(slot)} height={format::num(f.plot_h())} />
            </g>
            </a>
        }
    });
    let gy = f.y_of(p.daily_goal_seconds, top);
    let goal = (p.daily_goal_seconds > 0.0).then(|| {
        html! {
            <g class="goal">
                <line x1={format::num(PAD_L)} x2={format::num(f.w - PAD_R)} y1={format::num(gy)} y2={format::num(gy)} />
                <text x={format::num(f.w - PAD_R)} y={format::num(gy - 3.0)} text-anchor="end">{ "daily goal" }</text>
            </g>
        }
    });
    html! {
        <svg class={f.class("week")} viewBox={f.view_box()} role="group" aria-labelledby="week-title">
            <title id="week-title">{ "Active hours per day, with question counts and the daily share of the weekly goal" }</title>
            { y_axis(f, top, step, hours_label, "h") }
            { for bars }
            { for goal }
        </svg>
    }
}

#[derive(Clone, PartialEq, Debug)]
pub struct HeatCell {
    pub date: String,
    pub day: u32,
    pub in_month: bool,
    pub active_seconds: f64,
    pub questions: i64,
}

#[derive(Properties, PartialEq, Clone)]
pub struct HeatmapProps {
    pub labels: Vec<&'static str>,
    /// 42 cells, week by week.
    pub cells: Vec<HeatCell>,
}

/// A month calendar whose cells are shaded by active time.
/// A hook of the page that shows it rather than a component (issue #16, size): call it
/// unconditionally, before the page's `html!`.
#[hook]
pub fn use_heatmap(p: &HeatmapProps) -> Html {
    let go = use_day_link();
    let max = p.cells.iter().filter(|c| c.in_month).map(|c| c.active_seconds).fold(0.0, f64::max);
    let cw = 54.0;
    let ch = 40.0;
    let top = 18.0;
    let weeks = p.cells.len().div_ceil(7);
    let h = top + weeks as f64 * ch;
    let heads = p.labels.iter().enumerate().map(|(i, l)| {
        html! {
            <text class="head" x={format::num(i as f64 * cw + cw / 2.0)} y="12" text-anchor="middle">{ *l }</text>
        }
    });
    let cells = p.cells.iter().enumerate().filter(|(_, c)| c.in_month).map(|(i, c)| {
        let x = (i % 7) as f64 * cw;
        let y = top + (i / 7) as f64 * ch;
        let level = heat_level(c.active_seconds, max);
        let label = format!("{}: {} active, {} questions", c.date, format::duration(c.active_seconds), c.questions);
        html! {
            <a href={format!("/day/{}", c.date)} aria-label={label} onclick={go(Route::Day { date: c.date.clone() })}>
            <g class={format!("cell l{level}")}>
                <rect x={format::num(x + 2.0)} y={format::num(y + 2.0)} width={format::num(cw - 4.0)} height={format::num(ch - 4.0)} rx="4">
                    <title>{ format!("{}: {} active, {} questions", c.date, format::duration(c.active_seconds), c.questions) }</title>
                </rect>
                <text x={format::num(x + 7.0)} y={format::num(y + 15.0)}>{ c.day.to_string() }</text>
                if c.active_seconds > 0.0 {
                    <text class="amount" x={format::num(x + cw - 6.0)} y={format::num(y + ch - 8.0)} text-anchor="end">{ format::duration(c.active_seconds) }</text>
                }
            </g>
            </a>
        }
    });
    html! {
        <svg class="chart heatmap" viewBox={format!("0 0 {} {}", format::num(7.0 * cw), format::num(h))} role="group" aria-labelledby="heat-title">
            <title id="heat-title">{ "Active time per day this month (darker is more)" }</title>
            { for heads }
            { for cells }
        </svg>
    }
}
