//! The admin's read-only look at another user's day and week, as in the original app: their
//! figures, sessions and questions, and their PDF/CSV reports. Nothing here edits or deletes.
//! The server writes an audit entry for every look, which the user sees in their activity log.

use crate::time::Date;
use yew::prelude::*;

use crate::components::{card, error_box, pace_badge, spinner};
use crate::dates::{self, add_days, iso, long_day, week_title};
use crate::figures::figure_cards;
use crate::format;
use crate::gql::{AdminView, Users, WeekView, admin_view, users, week_view};
use crate::hooks::{Load, use_app, use_query};
use crate::pages::history::WeekBody;
use crate::reports::{ReportLinksProps, ReportPeriod, print_head, report_links};
use crate::route::{NavLink, Route};
use crate::tz;
use crate::{figures, pace_props};

#[derive(Properties, PartialEq)]
pub struct AdminUserProps {
    pub id: AttrValue,
    pub date: AttrValue,
}

#[component(AdminUserPage)]
pub fn admin_user_page(p: &AdminUserProps) -> Html {
    let ctx = use_app();
    let today = tz::local_date(&tz::now(), &ctx.timezone());
    let date = dates::parse_date(&p.date).unwrap_or(today);
    let user = Some(p.id.clone());
    let (people, _) = use_query::<Users>(users::Variables, false);
    let (day, reload_day) = use_query::<AdminView>(admin_view::Variables { user_id: p.id.to_string(), date }, false);
    let (week, reload_week) = use_query::<WeekView>(week_view::Variables { start: date, user_id: Some(p.id.to_string()) }, false);
    let email = match &people {
        Load::Ready(d) => d.users.iter().find(|u| u.id == p.id.as_str()).map(|u| u.email.clone()),
        _ => None,
    }
    .unwrap_or_else(|| format!("user {}", p.id));
    let go = |d: Date| Route::AdminUser { id: p.id.to_string(), date: iso(d) };
    let day = match day {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload_day)),
        Load::Ready(data) => admin_day(&data, &p.id, &email),
    };
    let week = match week {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload_week)),
        Load::Ready(data) => html! {
            <>
                <h2 id="admin-week-h">{ week_title(data.week.start) }</h2>
                { report_links(&yew::props!(ReportLinksProps { period: ReportPeriod::Week(data.week.start), user, id: "admin-week-report", what: "this user's week report" })) }
                <WeekBody data={data} user={Some(p.id.clone())} />
            </>
        },
    };
    html! {
        <section class="page admin-user">
            <div class="page-head">
                <h1 id="admin-user-title">{ email.clone() }</h1>
                <NavLink to={Route::Admin} classes="button secondary">{ "‹ All users" }</NavLink>
            </div>
            <p class="notice read-only" id="read-only">
                { "Read-only: nothing here can be changed. Each look is recorded in this user's activity log." }
            </p>
            <div class="pager" role="group" aria-label="Choose day">
                <NavLink to={go(add_days(date, -1))} classes="button secondary" label="Previous day" id="admin-prev-day">{ "‹ Prev" }</NavLink>
                <h2 class="inline">{ long_day(date) }</h2>
                <NavLink to={go(add_days(date, 1))} classes="button secondary" label="Next day" id="admin-next-day">{ "Next ›" }</NavLink>
            </div>
            { day }
            <section class="admin-week" aria-labelledby="admin-week-h">{ week }</section>
        </section>
    }
}

/// The day: cards and every session with every question, in the user's timezone. A function
/// rather than a component (components cost wasm, issue #16); public for the SSR tests.
pub fn admin_day(data: &admin_view::ResponseData, user_id: &str, email: &str) -> Html {
    let day = &data.day;
    let tz = day.timezone.clone();
    let sessions = day.sessions.iter().enumerate().map(|(i, s)| session(i + 1, s, &tz));
    html! {
        <>
            { print_head(email, &long_day(day.date), &tz) }
            <section class="panel" aria-labelledby="admin-day-h">
                <h2 id="admin-day-h">{ format!("{} ({tz})", long_day(day.date)) }</h2>
                { report_links(&yew::props!(ReportLinksProps { period: ReportPeriod::Day(day.date), user: Some(AttrValue::from(user_id.to_string())), id: "admin-day-report", what: "this user's day report" })) }
                <div class="cards" id="admin-day-cards">
                    { card("admin-sessions", "Sessions", day.session_count.to_string(), None, Html::default()) }
                    { card("admin-questions", "Questions", day.question_count.to_string(), None, Html::default()) }
                    { card("admin-active", "Active time", format::duration(day.active_seconds), None, Html::default()) }
                    { card("admin-average", "Average / question", format::duration(day.average_seconds), None, Html::default()) }
                    { card("", "Pace", format!("{} {}", day.pace.emoji, format::score(day.pace.score)), Some((day.pace.label.clone()).into()), Html::default()) }
                </div>
                { figure_cards(&figures!(day), "daily", "admin-day", Html::default()) }
                if day.sessions.is_empty() { <p class="empty" id="admin-no-sessions">{ "No sessions on this day." }</p> }
                { for sessions }
            </section>
        </>
    }
}

/// One session with its questions, read-only.
fn session(number: usize, s: &admin_view::AdminViewDaySessions, tz: &str) -> Html {
    let end = match (&s.ended_at, s.is_active) {
        (_, true) => "running".to_string(),
        (Some(e), _) => tz::hm(e, tz),
        (None, _) => "—".into(),
    };
    let (banked, class, _) = crate::figures::banked(s.banked_seconds);
    let rows = s.questions.iter().map(|q| {
        html! {
            <tr key={q.id.clone()}>
                <th scope="row" data-label="#">{ q.index }</th>
                <td data-label="Start"><time datetime={q.started_at.to_rfc3339()}>{ tz::hms(&q.started_at, tz) }</time></td>
                <td class="num" data-label="Active">{ format::duration(q.active_seconds) }</td>
                <td class="num" data-label="Paused">{ format::duration(q.paused_seconds) }</td>
                <td class="num" data-label="Target">{ format::duration(q.target_seconds) }</td>
                <td class={classes!("num", format::delta_class(q.delta_seconds))} data-label="Δ">{ format::delta(q.delta_seconds) }</td>
                <td class="task" data-label="Task">{ q.task_id.clone().unwrap_or_default() }</td>
                <td data-label="Type">{ q.task_type.clone().unwrap_or_default() }</td>
            </tr>
        }
    });
    html! {
        <article class="admin-session" id={format!("admin-session-{}", s.id)} aria-label={format!("Session {number}")}>
            <h3>{ format!("Session {number} · {} – {end}", tz::hm(&s.started_at, tz)) }</h3>
            <p class="session-sum">
                { format!("{} questions · active {} · paused {} · banked ", s.question_count, format::duration(s.active_seconds), format::duration(s.paused_seconds)) }
                <span class={classes!("banked", class)}>{ banked }</span>{ " · " }
                { pace_badge(&pace_props!(s.pace)) }
            </p>
            <div class="table-wrap" tabindex="0" role="region" aria-label={format!("Questions of session {number}")}>
                <table class="stack questions">
                    <thead><tr>
                        <th scope="col">{ "#" }</th>
                        <th scope="col">{ "Start" }</th>
                        <th scope="col" class="num">{ "Active" }</th>
                        <th scope="col" class="num">{ "Paused" }</th>
                        <th scope="col" class="num">{ "Target" }</th>
                        <th scope="col" class="num">{ "Δ" }</th>
                        <th scope="col">{ "Task" }</th>
                        <th scope="col">{ "Type" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </article>
    }
}
