//! History: a week of daily bars with the goal line, or a month heat map.

use crate::time::Date;
use std::rc::Rc;

use yew::prelude::*;

use crate::components::{DayBar, HeatCell, HeatmapProps, WeekChartProps, card, day_route, error_box, pace_badge, spinner, use_heatmap, use_week_chart};
use crate::dates::{self, Weekday, add_days, add_months, iso, month_key, month_title, week_title, weekday_labels};
use crate::figures::{DayRow, day_table, figure_cards};
use crate::format;
use crate::gql::{MonthView, TypeStats, WeekView, month_view, type_stats, week_view};
use crate::hooks::{Load, use_app, use_query, use_wide};
use crate::reports::{ReportLinksProps, ReportPeriod, print_head, report_links};
use crate::route::{NavLink, Route};
use crate::tz;
use crate::{day_row, figures, pace_props};

#[derive(Clone, Debug, PartialEq)]
pub enum HistoryView {
    /// A week start (any day of the week is accepted), or this week.
    Week(Option<String>),
    /// `YYYY-MM`, or this month.
    Month(Option<String>),
}

#[derive(Properties, PartialEq)]
pub struct HistoryProps {
    pub view: HistoryView,
}

#[component(HistoryPage)]
pub fn history_page(p: &HistoryProps) -> Html {
    let ctx = use_app();
    let user = ctx.user().cloned().expect("signed in");
    let today = tz::local_date(&tz::now(), &user.timezone);
    let ws = user.week_starts_on;
    let (is_week, body) = match &p.view {
        HistoryView::Week(start) => {
            let d = start.as_deref().and_then(dates::parse_date).unwrap_or(today);
            (true, html! { <WeekPanel start={dates::week_start(d, ws)} week_starts_on={ws} goal_hours={user.weekly_goal_hours} /> })
        }
        HistoryView::Month(m) => {
            let d = m.as_deref().and_then(dates::parse_month).unwrap_or(dates::month_start(today));
            (false, html! { <MonthPanel month={d} week_starts_on={ws} /> })
        }
    };
    html! {
        <section class="page history">
            <div class="page-head">
                <h1>{ "History" }</h1>
                <div class="tabs" role="group" aria-label="View">
                    <NavLink to={Route::History} current={is_week}
                             classes={classes!("button", if is_week { "primary" } else { "secondary" })}>{ "Week" }</NavLink>
                    <NavLink to={Route::HistoryMonth { month: month_key(today) }} current={!is_week}
                             classes={classes!("button", if is_week { "secondary" } else { "primary" })}>{ "Month" }</NavLink>
                </div>
            </div>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct WeekPanelProps {
    start: Date,
    week_starts_on: Weekday,
    goal_hours: f64,
}

#[component(WeekPanel)]
fn week_panel(p: &WeekPanelProps) -> Html {
    let (load, reload) = use_query::<WeekView>(week_view::Variables { start: p.start, user_id: None }, true);
    let types = use_query::<TypeStats>(type_stats::Variables { from: p.start, to: add_days(p.start, 6) }, true);
    let ctx = use_app();
    let (who, tz) = ctx.user().map(|u| (u.email.clone(), u.timezone.clone())).unwrap_or_default();
    let nav = html! {
        <div class="pager" role="group" aria-label="Choose week">
            <NavLink to={Route::HistoryWeek { start: iso(add_days(p.start, -7)) }} classes="button secondary" label="Previous week">{ "‹ Prev" }</NavLink>
            <h2 id="week-title-h">{ week_title(p.start) }</h2>
            <NavLink to={Route::HistoryWeek { start: iso(add_days(p.start, 7)) }} classes="button secondary" label="Next week">{ "Next ›" }</NavLink>
        </div>
    };
    let body = match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload)),
        Load::Ready(data) => html! { <WeekBody data={data} /> },
    };
    html! {
        <>
            { print_head(&who, &week_title(p.start), &tz) }
            { nav }
            { report_links(&yew::props!(ReportLinksProps { period: ReportPeriod::Week(p.start) })) }
            { body }
            { type_panel(types) }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct WeekBodyProps {
    pub data: Rc<week_view::ResponseData>,
    /// Another user's id (the admin's read-only view): days open there.
    #[prop_or_default]
    pub user: Option<AttrValue>,
}

#[component(WeekBody)]
pub fn week_body(p: &WeekBodyProps) -> Html {
    let w = &p.data.week;
    let wide = use_wide();
    let days: Vec<DayBar> = w
        .days
        .iter()
        .map(|d| DayBar { label: dates::short_weekday(d.date).to_string(), date: iso(d.date), questions: d.question_count, active_seconds: d.active_seconds })
        .collect();
    let pct = if w.goal_seconds > 0.0 { w.active_seconds / w.goal_seconds * 100.0 } else { 0.0 };
    let chart = use_week_chart(&WeekChartProps { days, daily_goal_seconds: w.goal_seconds / 7.0, wide, user: p.user.clone() });
    html! {
        <>
            <div class="cards">
                { card("w-active", "Active this week", format::hours(w.active_seconds), Some((format!("{} · {}% of the {} goal", format::duration(w.active_seconds), format::fixed(pct, 0), format::hours(w.goal_seconds))).into()), Html::default()) }
                { card("w-questions", "Questions", w.question_count.to_string(), None, Html::default()) }
                { card("", "Pace", format!("{} {}", w.pace.emoji, format::score(w.pace.score)), Some((w.pace.label.clone()).into()), Html::default()) }
            </div>
            <section class="panel" aria-labelledby="week-chart-h">
                <h2 id="week-chart-h">{ "Active hours per day" }</h2>
                { chart }
                <p class="legend">{ "Numbers above the bars are questions. The line is the weekly goal spread over 7 days." }</p>
                <p class="legend">{ pace_badge(&pace_props!(w.pace)) }</p>
            </section>
            { figure_cards(&figures!(w), "weekly", "w", Html::default()) }
            <section class="panel" aria-labelledby="week-days-h">
                <h2 id="week-days-h">{ "Day by day" }</h2>
                { day_table("week-days", &w.days.iter().map(|d| day_row!(d)).collect::<Vec<_>>(), &DayRow { date: w.start, questions: w.question_count, active: w.active_seconds, figures: figures!(w) },
                            &|d| day_route(&iso(d), p.user.as_deref())) }
            </section>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct MonthPanelProps {
    month: Date,
    week_starts_on: Weekday,
}

#[component(MonthPanel)]
fn month_panel(p: &MonthPanelProps) -> Html {
    let s = dates::month_week_starts(p.month, p.week_starts_on);
    let vars = month_view::Variables { w0: s[0], w1: s[1], w2: s[2], w3: s[3], w4: s[4], w5: s[5] };
    let (load, reload) = use_query::<MonthView>(vars, true);
    let types = use_query::<TypeStats>(type_stats::Variables { from: p.month, to: add_days(add_months(p.month, 1), -1) }, true);
    let nav = html! {
        <div class="pager" role="group" aria-label="Choose month">
            <NavLink to={Route::HistoryMonth { month: month_key(add_months(p.month, -1)) }} classes="button secondary" label="Previous month">{ "‹ Prev" }</NavLink>
            <h2>{ month_title(p.month) }</h2>
            <NavLink to={Route::HistoryMonth { month: month_key(add_months(p.month, 1)) }} classes="button secondary" label="Next month">{ "Next ›" }</NavLink>
        </div>
    };
    let body = match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload)),
        Load::Ready(data) => {
            html! { <MonthBody data={data} month={p.month} week_starts_on={p.week_starts_on} /> }
        }
    };
    html! { <>{ nav }{ body }{ type_panel(types) }</> }
}

/// "By task type" for the period shown (task types come from the overlay, when the rater
/// opts in; questions without one are one row). A function, not a component: the panels
/// that show it run its query (components cost wasm, issue #16).
fn type_panel((load, reload): (Load<type_stats::ResponseData>, Callback<()>)) -> Html {
    let body = match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload)),
        Load::Ready(d) => type_table(&d.type_stats),
    };
    html! {
        <section class="panel" aria-labelledby="types-h">
            <h2 id="types-h">{ "By task type" }</h2>
            { body }
        </section>
    }
}

/// The per-type table; public for the component tests.
pub fn type_table(rows: &[type_stats::TypeStatsTypeStats]) -> Html {
    if rows.is_empty() {
        return html! { <p class="empty" id="no-types">{ "No finished questions in this period." }</p> };
    }
    let rows = rows.iter().map(|t| {
        let (banked, class, _) = crate::figures::banked(t.banked_seconds);
        html! {
            <tr>
                <th scope="row" data-label="Type" class={classes!(t.task_type.is_none().then_some("muted"))}>
                    { t.task_type.clone().unwrap_or_else(|| "(no type)".into()) }
                </th>
                <td class="num" data-label="Questions">{ t.count }</td>
                <td class="num" data-label="Active">{ format::duration(t.active_seconds) }</td>
                <td class="num" data-label="Target">{ format::duration(t.target_seconds) }</td>
                <td class="num" data-label="Average">{ format::duration(t.average_seconds) }</td>
                <td class="num" data-label="Banked"><span class={classes!("banked", class)}>{ banked }</span></td>
                <td data-label="Pace">{ format!("{} {} · {}", t.pace.emoji, t.pace.label, format::score(t.pace.score)) }</td>
            </tr>
        }
    });
    html! {
        <div class="table-wrap" tabindex="0" role="region" aria-labelledby="types-h">
            <table id="type-stats" class="stack">
                <thead><tr>
                    <th scope="col">{ "Task type" }</th>
                    <th scope="col" class="num">{ "Questions" }</th>
                    <th scope="col" class="num">{ "Active" }</th>
                    <th scope="col" class="num">{ "Target" }</th>
                    <th scope="col" class="num">{ "Average" }</th>
                    <th scope="col" class="num">{ "Banked" }</th>
                    <th scope="col">{ "Pace" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct MonthBodyProps {
    pub data: Rc<month_view::ResponseData>,
    pub month: Date,
    pub week_starts_on: Weekday,
}

#[component(MonthBody)]
pub fn month_body(p: &MonthBodyProps) -> Html {
    let d = &p.data;
    // Each aliased week has its own generated type: flatten them field by field.
    macro_rules! days {
        ($w:expr) => {
            $w.days.iter().map(|x| (x.date, x.question_count, x.active_seconds)).collect::<Vec<_>>()
        };
    }
    let weeks = [days!(d.w0), days!(d.w1), days!(d.w2), days!(d.w3), days!(d.w4), days!(d.w5)];
    let cells: Vec<HeatCell> = weeks
        .iter()
        .flatten()
        .map(|&(date, questions, active_seconds)| HeatCell {
            date: iso(date),
            day: date.day(),
            in_month: date.year() == p.month.year() && date.month() == p.month.month(),
            active_seconds,
            questions,
        })
        .collect();
    let total: f64 = cells.iter().filter(|c| c.in_month).map(|c| c.active_seconds).sum();
    let questions: i64 = cells.iter().filter(|c| c.in_month).map(|c| c.questions).sum();
    let active_days = cells.iter().filter(|c| c.in_month && c.active_seconds > 0.0).count();
    let heatmap = use_heatmap(&HeatmapProps { labels: weekday_labels(p.week_starts_on), cells });
    html! {
        <>
            <div class="cards">
                { card("m-active", "Active this month", format::hours(total), Some((format::duration(total)).into()), Html::default()) }
                { card("m-questions", "Questions", questions.to_string(), None, Html::default()) }
                { card("", "Days worked", active_days.to_string(), None, Html::default()) }
            </div>
            <section class="panel" aria-label="Month heat map">
                { heatmap }
                <p class="legend heat-legend" aria-hidden="true">
                    { "less " }<span class="swatch l1"></span><span class="swatch l2"></span><span class="swatch l3"></span><span class="swatch l4"></span>{ " more" }
                </p>
            </section>
        </>
    }
}
