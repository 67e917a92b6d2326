//! One session: totals, a bar chart against target, and the question table.

use crate::time::Instant;
use std::rc::Rc;

use crate::route::{Link, use_navigator};
use yew::prelude::*;

use crate::components::{ConfirmButton, QuestionChartProps, card, error_box, pace_badge, question_chart, spinner};
use crate::dates::{iso, long_day};
use crate::format;
use crate::gql::{self, DeleteQuestion, DeleteSession, SessionDetail, session_detail};
use crate::hooks::{Load, use_app, use_mutation, use_now, use_query, use_wide};
use crate::pace_props;
use crate::reports::{ReportLinksProps, ReportPeriod, report_links};
use crate::route::Route;
use crate::timer::running_active;
use crate::tz;

#[derive(Properties, PartialEq)]
pub struct SessionProps {
    pub id: AttrValue,
}

#[component(SessionPage)]
pub fn session_page(p: &SessionProps) -> Html {
    let ctx = use_app();
    let tz = ctx.timezone();
    let (load, reload) = use_query::<SessionDetail>(session_detail::Variables { id: p.id.to_string() }, true);
    let navigator = use_navigator();
    let body = match load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(&e, Some(reload.clone())),
        Load::Ready(data) => match &data.session {
            None => html! {
                <div class="empty" id="session-missing">
                    <h1>{ "Session not found" }</h1>
                    <p>{ "It may have been deleted. " }<Link to={Route::Today}>{ "Back to today" }</Link></p>
                </div>
            },
            Some(s) => {
                let day = tz::local_date(&s.started_at, &tz);
                let on_deleted = Callback::from(move |_| {
                    if let Some(n) = &navigator {
                        n.push(&Route::Day { date: iso(day) });
                    }
                });
                html! { <SessionView data={data.clone()} tz={tz.clone()} on_changed={reload.clone()} on_deleted={on_deleted} /> }
            }
        },
    };
    html! { <section class="page session">{ body }</section> }
}

#[derive(Properties, PartialEq)]
pub struct SessionViewProps {
    pub data: Rc<session_detail::ResponseData>,
    pub tz: AttrValue,
    #[prop_or_default]
    pub on_changed: Callback<()>,
    #[prop_or_default]
    pub on_deleted: Callback<()>,
    #[prop_or_default]
    pub now: Option<Instant>,
}

#[component(SessionView)]
pub fn session_view(p: &SessionViewProps) -> Html {
    // Which question or session a delete is running for.
    let deleting = use_state(|| None::<String>);
    let s = p.data.session.as_ref().expect("session present");
    let live_now = use_now(s.is_active && p.now.is_none());
    let now = p.now.unwrap_or(live_now);
    let current = s.current.as_ref().map(|c| (c, running_active(now, c.started_at, c.paused_seconds, c.is_paused, c.paused_at)));
    let tz = p.tz.to_string();
    let wide = use_wide();

    let question_deleted = use_mutation::<DeleteQuestion>({
        let changed = p.on_changed.clone();
        Callback::from(move |_| changed.emit(()))
    });
    let session_deleted = use_mutation::<DeleteSession>({
        let deleted = p.on_deleted.clone();
        Callback::from(move |_| deleted.emit(()))
    });
    let delete_question = {
        let (deleting, run) = (deleting.clone(), question_deleted.run.clone());
        Callback::from(move |id: String| {
            deleting.set(Some(id.clone()));
            run.emit(gql::delete_question::Variables { id });
        })
    };
    let delete_session = {
        let (id, deleting, run) = (s.id.clone(), deleting.clone(), session_deleted.run.clone());
        Callback::from(move |_| {
            deleting.set(Some(id.clone()));
            run.emit(gql::delete_session::Variables { id: id.clone() });
        })
    };
    let busy = |id: &str| (question_deleted.running || session_deleted.running) && deleting.as_deref() == Some(id);
    let error = question_deleted.error.clone().or_else(|| session_deleted.error.clone());

    let day = tz::local_date(&s.started_at, &tz);
    let end = match (&s.ended_at, s.is_active) {
        (_, true) => {
            if s.is_paused {
                "paused".to_string()
            } else {
                "running".to_string()
            }
        }
        (Some(e), _) => tz::hm(e, &tz),
        (None, _) => "—".into(),
    };
    let chart = s.questions.iter().map(|q| (q.index, q.active_seconds, q.target_seconds)).collect::<Vec<_>>();
    let rows = s.questions.iter().map(|q| {
        let delete = {
            let cb = delete_question.clone();
            let id = q.id.clone();
            Callback::from(move |_| cb.emit(id.clone()))
        };
        html! {
            <tr key={q.id.clone()} id={format!("q-{}", q.index)}>
                <th scope="row">{ q.index }</th>
                <td><time datetime={q.started_at.to_rfc3339()}>{ tz::hms(&q.started_at, &tz) }</time></td>
                <td><time datetime={q.ended_at.to_rfc3339()}>{ tz::hms(&q.ended_at, &tz) }</time></td>
                <td class="num">{ format::duration(q.active_seconds) }</td>
                <td class="num">{ format::duration(q.paused_seconds) }</td>
                <td class="num">{ format::duration(q.target_seconds) }</td>
                <td class={classes!("num", format::delta_class(q.delta_seconds))}>{ format::delta(q.delta_seconds) }</td>
                <td class="task">{ q.task_id.clone().unwrap_or_default() }</td>
                <td>
                    <ConfirmButton label="Delete" question={format!("Delete question {}?", q.index)}
                                   on_confirm={delete} busy={busy(q.id.as_str())} />
                </td>
            </tr>
        }
    });
    let current_row = current.map(|(c, active)| {
        html! {
            <tr class="running-row" id="q-current">
                <th scope="row">{ c.index }</th>
                <td><time datetime={c.started_at.to_rfc3339()}>{ tz::hms(&c.started_at, &tz) }</time></td>
                <td>{ if c.is_paused { "paused" } else { "running" } }</td>
                <td class="num live-timer">{ format::duration(active) }</td>
                <td class="num">{ format::duration(c.paused_seconds) }</td>
                <td class="num">{ format::duration(c.target_seconds) }</td>
                <td class={classes!("num", format::delta_class(active - c.target_seconds))}>{ format::delta(active - c.target_seconds) }</td>
                <td></td>
                <td></td>
            </tr>
        }
    });

    html! {
        <>
            <div class="page-head">
                <h1 id="session-title">{ format!("Session · {}", long_day(day)) }</h1>
                <p class="when">
                    { format!("{} – {}", tz::hm(&s.started_at, &tz), end) }
                    { " · " }
                    <Link to={Route::Day { date: iso(day) }}>{ "Back to the day" }</Link>
                </p>
                { report_links(&yew::props!(ReportLinksProps { period: ReportPeriod::Day(day), what: "the report of this session's day" })) }
            </div>
            <div class="cards">
                { card("s-questions", "Questions", s.question_count.to_string(), None, Html::default()) }
                { card("s-active", "Active", format::duration(s.active_seconds + current.map(|c| c.1).unwrap_or(0.0)), Some((format!("paused {} · total {}", format::duration(s.paused_seconds), format::duration(s.raw_seconds))).into()), Html::default()) }
                { card("s-average", "Average / question", format::duration(s.average_seconds), Some((format!("target {}", format::duration(s.target_seconds))).into()), Html::default()) }
                { card("", "Pace", format!("{} {}", s.pace.emoji, format::score(s.pace.score)), Some((s.pace.label.clone()).into()), Html::default()) }
            </div>
            <section class="panel" aria-labelledby="qchart-h">
                <h2 id="qchart-h">{ "Time per question" }</h2>
                { question_chart(&QuestionChartProps { questions: chart, wide }) }
                <p class="legend">{ pace_badge(&pace_props!(s.pace)) }</p>
            </section>
            <section class="panel" aria-labelledby="qtable-h">
                <h2 id="qtable-h">{ "Questions" }</h2>
                if let Some(e) = &error { { error_box(e, None) } }
                <div class="table-wrap" tabindex="0" role="region" aria-labelledby="qtable-h">
                    <table id="questions">
                        <thead>
                            <tr>
                                <th scope="col">{ "#" }</th>
                                <th scope="col">{ "Start" }</th>
                                <th scope="col">{ "End" }</th>
                                <th scope="col" class="num">{ "Active" }</th>
                                <th scope="col" class="num">{ "Paused" }</th>
                                <th scope="col" class="num">{ "Target" }</th>
                                <th scope="col" class="num">{ "Δ" }</th>
                                <th scope="col">{ "Task" }</th>
                                <th scope="col"><span class="sr-only">{ "Actions" }</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            { for rows }
                            { for current_row }
                        </tbody>
                    </table>
                </div>
                if s.questions.is_empty() && current.is_none() { <p class="empty">{ "No questions." }</p> }
            </section>
            <section class="panel danger-zone">
                <h2>{ "Delete this session" }</h2>
                <ConfirmButton label="Delete session" question={format!("Delete this session and its {} questions?", s.question_count)}
                               on_confirm={delete_session} busy={busy(s.id.as_str())} />
            </section>
        </>
    }
}
