//! Today (or any day): cards, hourly chart, one card per session.

use crate::time::{Date, Instant};
use std::rc::Rc;

use crate::route::{Link, use_navigator};
use yew::prelude::*;

use crate::components::{ConfirmButton, HourlyProps, card, error_box, hourly_chart, pace_badge, spinner};
use crate::dates::{self, add_days, iso, long_day};
use crate::figures::{cap_card, figure_cards};
use crate::format;
use crate::gql::{self, DeleteSession, Today, today};
use crate::hooks::{Load, use_app, use_mutation, use_now, use_query, use_wide};
use crate::reports::{ReportLinksProps, ReportPeriod, print_head, report_links};
use crate::route::{NavLink, Route};
use crate::timer::running_active;
use crate::tz;
use crate::{figures, pace_props};

#[derive(Properties, PartialEq)]
pub struct TodayProps {
    #[prop_or_default]
    pub date: Option<AttrValue>,
}

#[component(TodayPage)]
pub fn today_page(p: &TodayProps) -> Html {
    let ctx = use_app();
    let user = ctx.user().cloned().expect("signed in");
    let today = tz::local_date(&tz::now(), &user.timezone);
    let date = p.date.as_deref().and_then(dates::parse_date).unwrap_or(today);
    let vars = today::Variables { date, week_start: dates::week_start(date, user.week_starts_on) };
    let (load, reload) = use_query::<Today>(vars, true);
    let body = match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload.clone())),
        Load::Ready(data) => html! {
            <TodayView data={data} tz={user.timezone.clone()} on_changed={reload.clone()} />
        },
    };
    let nav = use_day_nav(date, today);
    html! {
        <section class="page today">
            { nav }
            { body }
        </section>
    }
}

struct DayNav {
    date: Date,
    today: Date,
}

/// The day's title and pager: a hook of the day page rather than a component (issue #16, size).
#[hook]
fn use_day_nav(date: Date, today: Date) -> Html {
    let p = DayNav { date, today };
    let navigator = use_navigator();
    let go = |d: Date, today: Date| -> Route { if d == today { Route::Today } else { Route::Day { date: iso(d) } } };
    let on_pick = {
        let navigator = navigator.clone();
        let today = p.today;
        Callback::from(move |e: Event| {
            if let (Some(n), Some(d)) = (&navigator, dates::parse_date(&crate::components::input_value(&e))) {
                n.push(&go(d, today));
            }
        })
    };
    let title = if p.date == p.today { format!("Today · {}", long_day(p.date)) } else { long_day(p.date) };
    let ctx = use_app();
    let (who, tz) = ctx.user().map(|u| (u.email.clone(), u.timezone.clone())).unwrap_or_default();
    html! {
        <div class="page-head">
            { print_head(&who, &long_day(p.date), &tz) }
            <h1 id="day-title">{ title }</h1>
            <div class="pager" role="group" aria-label="Choose day">
                <NavLink to={go(add_days(p.date, -1), p.today)} classes="button secondary" label="Previous day" id="prev-day">
                    { "‹ Prev" }
                </NavLink>
                <label class="sr-only" for="day-picker">{ "Date" }</label>
                <input type="date" id="day-picker" value={iso(p.date)} onchange={on_pick} />
                <NavLink to={go(add_days(p.date, 1), p.today)} classes="button secondary" label="Next day" id="next-day">
                    { "Next ›" }
                </NavLink>
                if p.date != p.today {
                    <Link to={Route::Today} classes="button secondary">{ "Today" }</Link>
                }
            </div>
            { report_links(&yew::props!(ReportLinksProps { period: ReportPeriod::Day(p.date) })) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TodayViewProps {
    pub data: Rc<today::ResponseData>,
    pub tz: AttrValue,
    #[prop_or_default]
    pub on_changed: Callback<()>,
    /// Fixed clock for tests; the live clock when `None`.
    #[prop_or_default]
    pub now: Option<Instant>,
}

#[component(TodayView)]
pub fn today_view(p: &TodayViewProps) -> Html {
    let day = &p.data.day;
    let week = &p.data.week;
    let running = day.sessions.iter().any(|s| s.is_active);
    let live_now = use_now(running && p.now.is_none());
    let now = p.now.unwrap_or(live_now);
    // The running questions' live time, on top of the finished questions' total.
    let running_active_total: f64 =
        day.sessions.iter().filter_map(|s| s.current.as_ref()).map(|c| running_active(now, c.started_at, c.paused_seconds, c.is_paused, c.paused_at)).sum();
    let this_week = (week.start..=week.end).contains(&tz::local_date(&now, &p.tz));
    let week_label = if this_week { "This week".to_string() } else { format!("Week of {}", dates::long_day(week.start)) };
    let goal_pct = if week.goal_seconds > 0.0 { (week.active_seconds / week.goal_seconds * 100.0).min(999.0) } else { 0.0 };
    let wide = use_wide();
    let hours = HourlyProps { hours: day.hours.iter().map(|h| (h.hour, h.question_count, h.active_seconds)).collect(), wide };
    let ctx = use_app();
    // `Day.targetSeconds` is the sum of the finished questions' targets.
    let avg_target =
        if day.question_count > 0 { day.target_seconds / day.question_count as f64 } else { ctx.user().map(|u| u.target_seconds).unwrap_or(330.0) };
    let avg_detail = format!("target {}", format::duration(avg_target));
    let avg_class = if day.question_count == 0 {
        ""
    } else if day.average_seconds.round() > avg_target.round() {
        "over"
    } else {
        "under"
    };
    html! {
        <>
            <div class="cards" id="day-cards">
                { card("card-sessions", "Sessions", day.session_count.to_string(), None, Html::default()) }
                { card("card-questions", "Questions", day.question_count.to_string(), None, Html::default()) }
                { card("card-active", "Active time", format::duration(day.active_seconds + running_active_total), (running_active_total > 0.0).then(|| AttrValue::from(format!("incl. {} running", format::duration(running_active_total)))), Html::default()) }
                { card("card-average", "Average / question", format::duration(day.average_seconds), Some((avg_detail).into()), html! {
                    if !avg_class.is_empty() {
                        <p class={classes!("delta", avg_class)}>{ format::delta(day.average_seconds - avg_target) }{ " vs target" }</p>
                    }
                }) }
                { card("card-pace", "Pace", format!("{} {}", day.pace.emoji, format::score(day.pace.score)), Some((day.pace.label.clone()).into()), Html::default()) }
                { card("card-week", week_label, format!("{} / {}", format::hours(week.active_seconds), format::hours(week.goal_seconds)), Some((format!("{}% of weekly goal", format::fixed(goal_pct, 0))).into()), html! {
                    <div class="progress" role="progressbar" aria-label="Weekly goal progress"
                         aria-valuemin="0" aria-valuemax="100" aria-valuenow={format::fixed(goal_pct.min(100.0), 0)}>
                        <span style={format!("width:{}%", format::fixed(goal_pct.min(100.0), 1))}></span>
                    </div>
                }) }
            </div>
            { figure_cards(&figures!(day), "daily", "day",
                cap_card(week.credited_seconds, week.cap_seconds, week.remaining_seconds, "weekly", "week-cap").unwrap_or_default()) }
            <section class="panel" aria-labelledby="hourly-h">
                <h2 id="hourly-h">{ format!("Activity by hour ({})", p.tz) }</h2>
                { hourly_chart(&hours) }
            </section>
            <section class="panel" aria-labelledby="sessions-h">
                <h2 id="sessions-h">{ "Sessions" }</h2>
                if day.sessions.is_empty() {
                    <p class="empty" id="no-sessions">{ "No sessions on this day. Start one with NEXT in the overlay." }</p>
                }
                <div class="session-list">
                    // Oldest first, numbered through the day.
                    { for day.sessions.iter().enumerate().map(|(i, s)| html! {
                        <SessionCard key={s.id.clone()} number={i + 1} session={s.clone()}
                                     tz={p.tz.clone()} now={now} on_changed={p.on_changed.clone()} />
                    }) }
                </div>
            </section>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct SessionCardProps {
    pub session: today::TodayDaySessions,
    /// Its position in the day (1 = first).
    pub number: usize,
    pub tz: AttrValue,
    pub now: Instant,
    pub on_changed: Callback<()>,
}

#[component(SessionCard)]
pub fn session_card(p: &SessionCardProps) -> Html {
    let deleted = use_mutation::<DeleteSession>({
        let changed = p.on_changed.clone();
        Callback::from(move |_| changed.emit(()))
    });
    let s = &p.session;
    let current = s.current.as_ref().map(|c| running_active(p.now, c.started_at, c.paused_seconds, c.is_paused, c.paused_at));
    let total_active = s.active_seconds + current.unwrap_or(0.0);
    let on_delete = {
        let (id, run) = (s.id.clone(), deleted.run.clone());
        Callback::from(move |_| run.emit(gql::delete_session::Variables { id: id.clone() }))
    };
    let end = match (&s.ended_at, s.is_active) {
        (_, true) => {
            html! { <span class="badge running">{ if s.is_paused { "paused" } else { "running" } }</span> }
        }
        (Some(e), _) => html! { <time datetime={e.to_rfc3339()}>{ tz::hm(e, &p.tz) }</time> },
        (None, _) => html! { { "—" } },
    };
    html! {
        <article class={classes!("session-card", s.is_active.then_some("active"))} id={format!("session-{}", s.id)}
                 aria-label={format!("Session {}", p.number)}>
            <header>
                <h3>
                    <Link to={Route::Session { id: s.id.clone() }}>{ format!("Session {}", p.number) }</Link>
                </h3>
                <p class="when">
                    <time datetime={s.started_at.to_rfc3339()}>{ tz::hm(&s.started_at, &p.tz) }</time>{ " – " }{ end }
                </p>
            </header>
            if let (Some(c), Some(active)) = (&s.current, current) {
                <p class="timer" aria-live="off">
                    { format!("Question {} · ", c.index) }
                    <strong class="live-timer">{ format::duration(active) }</strong>
                    { format!(" of {}", format::duration(c.target_seconds)) }
                </p>
            }
            <dl class="stats">
                <div><dt>{ "Questions" }</dt><dd class="q-count">{ s.question_count }</dd></div>
                <div><dt>{ "Active" }</dt><dd>{ format::duration(total_active) }</dd></div>
                <div><dt>{ "Average" }</dt><dd>{ format::duration(s.average_seconds) }</dd></div>
                <div><dt>{ "Target" }</dt><dd>{ format::duration(s.target_seconds) }</dd></div>
            </dl>
            <p>{ pace_badge(&pace_props!(s.pace)) }</p>
            <footer>
                <Link to={Route::Session { id: s.id.clone() }} classes="button secondary">{ "Details" }</Link>
                <ConfirmButton label="Delete" question={format!("Delete session {} and its {} questions?", p.number, s.question_count)}
                               on_confirm={on_delete} busy={deleted.running} />
            </footer>
            if let Some(e) = &deleted.error { { error_box(e, Some(deleted.retry.clone())) } }
        </article>
    }
}
