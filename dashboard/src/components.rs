//! Reusable presentational components (no data fetching): states, cards, confirm, charts.

use yew::prelude::*;
use yew_router::Routable;

use crate::chart::{heat_level, hours_label, minutes_label, nice_axis_in, scale, ticks};

use crate::format;
use crate::gql::ApiError;

#[component(Spinner)]
pub fn spinner() -> Html {
    html! { <p class="loading" role="status" aria-live="polite"><span class="dot" aria-hidden="true"></span>{ "Loading…" }</p> }
}

#[derive(Properties, PartialEq)]
pub struct ErrorBoxProps {
    pub error: ApiError,
    #[prop_or_default]
    pub retry: Option<Callback<()>>,
}

#[component(ErrorBox)]
pub fn error_box(p: &ErrorBoxProps) -> Html {
    let retry = p.retry.clone().map(|r| {
        html! { <button type="button" class="secondary" onclick={move |_| r.emit(())}>{ "Try again" }</button> }
    });
    html! {
        <div class="error-box" role="alert">
            <p>{ p.error.friendly() }</p>
            { for retry }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub label: AttrValue,
    pub value: AttrValue,
    #[prop_or_default]
    pub detail: Option<AttrValue>,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

#[component(Card)]
pub fn card(p: &CardProps) -> Html {
    html! {
        <section class="card" id={p.id.clone()} aria-label={p.label.clone()}>
            <h3>{ p.label.clone() }</h3>
            <p class="value">{ p.value.clone() }</p>
            if let Some(d) = &p.detail { <p class="detail">{ d.clone() }</p> }
            { p.children.clone() }
        </section>
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct PaceProps {
    pub emoji: AttrValue,
    pub label: AttrValue,
    pub score: i64,
    #[prop_or_default]
    pub ratio: f64,
}

#[component(PaceBadge)]
pub fn pace_badge(p: &PaceProps) -> Html {
    let title = format!("pace ratio {:.2}", p.ratio);
    html! {
        <span class="pace" title={title}>
            <span class="emoji" aria-hidden="true">{ p.emoji.clone() }</span>
            { " " }<span class="pace-label">{ p.label.clone() }</span>
            { " · " }<span class="score">{ format::score(p.score) }</span>
        </span>
    }
}

/// Builds [`PaceProps`] from any generated `Pace` selection.
#[macro_export]
macro_rules! pace_props {
    ($p:expr) => {{
        let p = &$p;
        $crate::components::PaceProps { emoji: p.emoji.clone().into(), label: p.label.clone().into(), score: p.score, ratio: p.ratio }
    }};
}

#[derive(Properties, PartialEq)]
pub struct ConfirmProps {
    /// The button's text, e.g. "Delete".
    pub label: AttrValue,
    /// The question asked, e.g. "Delete session 2?".
    pub question: AttrValue,
    pub on_confirm: Callback<()>,
    #[prop_or_default]
    pub busy: bool,
    /// The confirming button's text.
    #[prop_or(AttrValue::Static("Yes, delete"))]
    pub yes: AttrValue,
}

/// A destructive action behind an inline "Are you sure?" step (keyboard friendly: no dialog).
#[component(ConfirmButton)]
pub fn confirm_button(p: &ConfirmProps) -> Html {
    let asking = use_state(|| false);
    let cancel_ref = use_node_ref();
    {
        let cancel_ref = cancel_ref.clone();
        use_effect_with(*asking, move |asking| {
            if *asking && let Some(el) = cancel_ref.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    if p.busy {
        return html! { <span class="confirm busy" role="status">{ "Deleting…" }</span> };
    }
    if *asking {
        let yes = {
            let asking = asking.clone();
            let cb = p.on_confirm.clone();
            Callback::from(move |_: MouseEvent| {
                asking.set(false);
                cb.emit(())
            })
        };
        let no = {
            let asking = asking.clone();
            Callback::from(move |_: MouseEvent| asking.set(false))
        };
        html! {
            <span class="confirm" role="group" aria-label={p.question.clone()}>
                <span class="confirm-q">{ p.question.clone() }</span>
                <button type="button" class="danger confirm-yes" onclick={yes}>{ p.yes.clone() }</button>
                <button type="button" class="secondary" ref={cancel_ref} onclick={no}>{ "Cancel" }</button>
            </span>
        }
    } else {
        let ask = {
            let asking = asking.clone();
            Callback::from(move |_: MouseEvent| asking.set(true))
        };
        html! {
            <button type="button" class="danger-outline delete" aria-label={p.question.clone()} onclick={ask}>
                { p.label.clone() }
            </button>
        }
    }
}

/// Copies text to the clipboard; false when the browser refuses (or outside a browser).
pub async fn copy_text(text: String) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        use js_sys::{Function, Promise, Reflect};
        use wasm_bindgen::{JsCast, JsValue};
        let Some(w) = web_sys::window() else {
            return false;
        };
        let Some(clip) = Reflect::get(&w.navigator(), &JsValue::from_str("clipboard")).ok().filter(|c| c.is_object()) else {
            return false;
        };
        let Some(write) = Reflect::get(&clip, &JsValue::from_str("writeText")).ok().and_then(|f| f.dyn_into::<Function>().ok()) else {
            return false;
        };
        match write.call1(&clip, &JsValue::from_str(&text)).ok().and_then(|p| p.dyn_into::<Promise>().ok()) {
            Some(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
            None => false,
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        false
    }
}

#[derive(Properties, PartialEq)]
pub struct CopyFieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

/// A read-only text (a link, a code) with a Copy button. When the clipboard is refused, the
/// text is selected so that Ctrl+C copies it.
#[component(CopyField)]
pub fn copy_field(p: &CopyFieldProps) -> Html {
    let status = use_state(|| None::<bool>);
    let input = use_node_ref();
    let onclick = {
        let (status, input, value) = (status.clone(), input.clone(), p.value.to_string());
        Callback::from(move |_: MouseEvent| {
            let (status, input, value) = (status.clone(), input.clone(), value.clone());
            yew::platform::spawn_local(async move {
                let ok = copy_text(value).await;
                if !ok && let Some(i) = input.cast::<web_sys::HtmlInputElement>() {
                    i.select();
                    let _ = i.focus();
                }
                status.set(Some(ok));
            });
        })
    };
    let select_all = Callback::from(|e: FocusEvent| {
        if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
            i.select();
        }
    });
    let hint_id = format!("{}-hint", p.id);
    html! {
        <div class="copy-field">
            <label for={p.id.clone()}>{ p.label.clone() }</label>
            <div class="copy-row">
                <input id={p.id.clone()} type="text" readonly=true value={p.value.clone()} ref={input}
                       onfocus={select_all} spellcheck="false" autocomplete="off"
                       aria-describedby={p.hint.as_ref().map(|_| hint_id.clone())} />
                <button type="button" class="secondary copy" onclick={onclick}>{ "Copy" }</button>
            </div>
            if let Some(h) = &p.hint { <p class="hint" id={hint_id}>{ h.clone() }</p> }
            <p class="hint copy-status" role="status" aria-live="polite">
                { match *status { Some(true) => "Copied.", Some(false) => "Copy it with Ctrl+C (or ⌘C): the text is selected.", None => "" } }
            </p>
        </div>
    }
}

/// An email address with a line-break opportunity before the `@` (narrow screens).
pub fn email_wbr(s: &str) -> Html {
    match s.split_once('@') {
        Some((local, domain)) => {
            html! { <>{ local.to_string() }<wbr />{ format!("@{domain}") }</> }
        }
        None => Html::from(s.to_string()),
    }
}

/// One audit log line, ready to show.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRow {
    pub id: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    /// Who did it (an email when known), for the all-users log.
    pub actor: Option<String>,
    /// Whom it concerned (an email when known), for the all-users log.
    pub subject: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct AuditTableProps {
    pub rows: Vec<AuditRow>,
    pub timezone: AttrValue,
    /// Adds the actor and subject columns (the admin's everyone's log).
    #[prop_or_default]
    pub everyone: bool,
    pub id: AttrValue,
    pub caption: AttrValue,
    /// Rows shown before "Show all".
    #[prop_or(20)]
    pub initial: usize,
}

/// The audit log as a table: time in the user's zone, the action in words, IP, detail.
#[component(AuditTable)]
pub fn audit_table(p: &AuditTableProps) -> Html {
    let all = use_state(|| false);
    if p.rows.is_empty() {
        return html! { <p class="empty">{ "Nothing recorded yet." }</p> };
    }
    let tz = p.timezone.to_string();
    let dash = || html! { <span class="muted" aria-label="none">{ "—" }</span> };
    let none = |v: &Option<String>| v.is_none().then_some("none");
    let shown = if *all { p.rows.len() } else { p.initial.min(p.rows.len()) };
    let rows = p.rows.iter().take(shown).map(|r| {
        let when = format!("{} {}", crate::tz::local_date(&r.at, &tz), crate::tz::hms(&r.at, &tz));
        let failed = crate::admin::is_failure(&r.action);
        html! {
            <tr key={r.id.clone()} class={classes!(failed.then_some("failed"))}>
                <td class="when" data-label="Time"><time datetime={r.at.to_rfc3339()}>{ when }</time></td>
                if p.everyone {
                    <td class={classes!("who", none(&r.actor))} data-label="By">{ r.actor.as_deref().map(email_wbr).unwrap_or_else(dash) }</td>
                }
                <td class="action" data-label="Action" title={r.action.clone()}>{ crate::admin::action_words(&r.action) }</td>
                if p.everyone {
                    <td class={classes!("who", none(&r.subject))} data-label="Concerning">{ r.subject.as_deref().map(email_wbr).unwrap_or_else(dash) }</td>
                }
                <td class={classes!("ip", none(&r.ip))} data-label="IP">{ r.ip.clone().map(Html::from).unwrap_or_else(dash) }</td>
                <td class={classes!("detail", none(&r.detail))} data-label="Detail">{ r.detail.clone().map(Html::from).unwrap_or_else(dash) }</td>
            </tr>
        }
    });
    html! {
        <div class="table-wrap" tabindex="0" role="region" aria-label={p.caption.clone()}>
            <table id={p.id.clone()} class="audit stack">
                <caption class="sr-only">{ p.caption.clone() }</caption>
                <thead><tr>
                    <th scope="col">{ format!("Time ({tz})") }</th>
                    if p.everyone { <th scope="col">{ "By" }</th> }
                    <th scope="col">{ "Action" }</th>
                    if p.everyone { <th scope="col">{ "Concerning" }</th> }
                    <th scope="col">{ "IP" }</th>
                    <th scope="col">{ "Detail" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if shown < p.rows.len() {
                <button type="button" class="secondary small more" onclick={move |_| all.set(true)}>
                    { format!("Show all {} entries", p.rows.len()) }
                </button>
            }
        </div>
    }
}

// ---------------------------------------------------------------------------------------------
// Charts. All are SVGs with a viewBox, so they scale down to 360 px wide; fonts are sized for
// that. Each has a <title>/<desc> and per-mark <title>s for assistive tech and tooltips.

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
        format!("0 0 {} {}", self.w, self.h)
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
                <line x1={PAD_L.to_string()} x2={(f.w - PAD_R).to_string()} y1={y.to_string()} y2={y.to_string()} />
                <text x={(PAD_L - 5.0).to_string()} y={(y + 4.0).to_string()} text-anchor="end">{ label(t) }</text>
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

/// Active minutes per local hour of the day.
#[component(HourlyChart)]
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
            html! { <text x={(x + slot / 2.0).to_string()} y={(f.h - PAD_B + 14.0).to_string()} text-anchor="middle">{ format!("{hour:02}") }</text> }
        });
        html! {
            <g class="bar">
                <rect x={(x + 1.0).to_string()} y={(PAD_T + f.plot_h() - h).to_string()}
                      width={(slot - 2.0).max(1.0).to_string()} height={h.to_string()}>
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
            <text class="unit" x={(f.w - PAD_R).to_string()} y={(f.h - 2.0).to_string()} text-anchor="end">{ "hour" }</text>
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
#[component(QuestionChart)]
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
            html! { <text x={(x + slot / 2.0).to_string()} y={(f.h - PAD_B + 14.0).to_string()} text-anchor="middle">{ num.to_string() }</text> }
        });
        html! {
            <g class={class}>
                <rect x={(x + slot * 0.15).to_string()} y={(PAD_T + f.plot_h() - h).to_string()}
                      width={(slot * 0.7).max(1.0).to_string()} height={h.to_string()}>
                    <title>{ format!("Question {num}: {} (target {})", format::duration(*active), format::duration(*target)) }</title>
                </rect>
                <line class="target" x1={x.to_string()} x2={(x + slot).to_string()} y1={ty.to_string()} y2={ty.to_string()} />
                { for label }
            </g>
        }
    });
    html! {
        <svg class={f.class("questions")} viewBox={f.view_box()} role="img" aria-labelledby="qchart-title">
            <title id="qchart-title">{ "Active time per question against its target (dashed line)" }</title>
            { y_axis(f, top, step, minutes_label, "min") }
            { for marks }
            <text class="unit" x={(f.w - PAD_R).to_string()} y={(f.h - 2.0).to_string()} text-anchor="end">{ "question" }</text>
        </svg>
    }
}

/// A click handler factory that opens a day in the app (plain clicks only; modified clicks keep
/// the browser's new-tab behaviour).
#[hook]
fn use_day_link() -> impl Fn(crate::route::Route) -> Callback<MouseEvent> {
    let navigator = yew_router::prelude::use_navigator();
    move |route: crate::route::Route| {
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
pub fn day_route(date: &str, user: Option<&str>) -> crate::route::Route {
    match user {
        Some(id) => crate::route::Route::AdminUser { id: id.to_string(), date: date.to_string() },
        None => crate::route::Route::Day { date: date.to_string() },
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
#[component(WeekChart)]
pub fn week_chart(p: &WeekChartProps) -> Html {
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
                <rect x={(x + slot * 0.15).to_string()} y={y.to_string()} width={(slot * 0.7).to_string()} height={h.to_string()}>
                    <title>{ format!("{} {}: {} active, {} questions", d.label, d.date, format::duration(d.active_seconds), d.questions) }</title>
                </rect>
                <text class="count" x={(x + slot / 2.0).to_string()} y={(y - 3.0).max(PAD_T + 8.0).to_string()} text-anchor="middle">{ d.questions.to_string() }</text>
                <text x={(x + slot / 2.0).to_string()} y={(f.h - PAD_B + 14.0).to_string()} text-anchor="middle">{ d.label.clone() }</text>
                // A transparent hit area over the whole column, so empty days are clickable too.
                <rect class="hit" x={x.to_string()} y={PAD_T.to_string()} width={slot.to_string()} height={f.plot_h().to_string()} />
            </g>
            </a>
        }
    });
    let gy = f.y_of(p.daily_goal_seconds, top);
    let goal = (p.daily_goal_seconds > 0.0).then(|| {
        html! {
            <g class="goal">
                <line x1={PAD_L.to_string()} x2={(f.w - PAD_R).to_string()} y1={gy.to_string()} y2={gy.to_string()} />
                <text x={(f.w - PAD_R).to_string()} y={(gy - 3.0).to_string()} text-anchor="end">{ "daily goal" }</text>
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
#[component(Heatmap)]
pub fn heatmap(p: &HeatmapProps) -> Html {
    let go = use_day_link();
    let max = p.cells.iter().filter(|c| c.in_month).map(|c| c.active_seconds).fold(0.0, f64::max);
    let cw = 54.0;
    let ch = 40.0;
    let top = 18.0;
    let weeks = p.cells.len().div_ceil(7);
    let h = top + weeks as f64 * ch;
    let heads = p.labels.iter().enumerate().map(|(i, l)| {
        html! {
            <text class="head" x={(i as f64 * cw + cw / 2.0).to_string()} y="12" text-anchor="middle">{ *l }</text>
        }
    });
    let cells = p.cells.iter().enumerate().filter(|(_, c)| c.in_month).map(|(i, c)| {
        let x = (i % 7) as f64 * cw;
        let y = top + (i / 7) as f64 * ch;
        let level = heat_level(c.active_seconds, max);
        let label = format!("{}: {} active, {} questions", c.date, format::duration(c.active_seconds), c.questions);
        html! {
            <a href={format!("/day/{}", c.date)} aria-label={label} onclick={go(crate::route::Route::Day { date: c.date.clone() })}>
            <g class={format!("cell l{level}")}>
                <rect x={(x + 2.0).to_string()} y={(y + 2.0).to_string()} width={(cw - 4.0).to_string()} height={(ch - 4.0).to_string()} rx="4">
                    <title>{ format!("{}: {} active, {} questions", c.date, format::duration(c.active_seconds), c.questions) }</title>
                </rect>
                <text x={(x + 7.0).to_string()} y={(y + 15.0).to_string()}>{ c.day.to_string() }</text>
                if c.active_seconds > 0.0 {
                    <text class="amount" x={(x + cw - 6.0).to_string()} y={(y + ch - 8.0).to_string()} text-anchor="end">{ format::duration(c.active_seconds) }</text>
                }
            </g>
            </a>
        }
    });
    html! {
        <svg class="chart heatmap" viewBox={format!("0 0 {} {h}", 7.0 * cw)} role="group" aria-labelledby="heat-title">
            <title id="heat-title">{ "Active time per day this month (darker is more)" }</title>
            { for heads }
            { for cells }
        </svg>
    }
}
