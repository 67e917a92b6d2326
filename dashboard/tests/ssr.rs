//! Component tests: render with Yew's server-side renderer (no browser) and check the HTML.

use std::rc::Rc;

use dashboard::app::StaticApp;
use dashboard::dates::Weekday;
use dashboard::gql::{decode, month_view, session_detail, today, week_view};
use dashboard::pages::history::{MonthBody, MonthBodyProps, WeekBody};
use dashboard::pages::session::{SessionView, SessionViewProps};
use dashboard::pages::today::{TodayView, TodayViewProps};
use dashboard::route::{Location, Router};
use dashboard::state::{AppContext, AppState, Auth, User};
use dashboard::time::{Date, Instant};
use yew::LocalServerRenderer;
use yew::prelude::*;

fn user(tz: &str) -> User {
    User {
        id: "u1".into(),
        email: "rater@example.com".into(),
        timezone: tz.into(),
        target_seconds: 330.0,
        idle_timeout_minutes: 60,
        weekly_goal_hours: 20.0,
        week_starts_on: Weekday::Monday,
        is_admin: false,
    }
}

fn signed_in(tz: &str) -> AppState {
    AppState { auth: Auth::SignedIn(user(tz)), ..AppState::default() }
}

#[derive(Properties, PartialEq)]
struct HarnessProps {
    state: AppState,
    children: Html,
}

/// Provides the app context and a router around a component under test.
#[component(Harness)]
fn harness(p: &HarnessProps) -> Html {
    let initial = p.state.clone();
    let state = use_reducer(move || initial);
    let at = Location { path: "/".into(), query: String::new() };
    html! {
        <ContextProvider<AppContext> context={state}>
            <Router at={at}>{ p.children.clone() }</Router>
        </ContextProvider<AppContext>>
    }
}

async fn render(state: AppState, children: Html) -> String {
    LocalServerRenderer::<Harness>::with_props(HarnessProps { state, children }).hydratable(false).render().await
}

fn now() -> Instant {
    "2026-11-26T10:47:30Z".parse().unwrap()
}

const PACE: &str = r#"{"ratio":0.848,"score":83,"label":"slightly fast","emoji":"🙂"}"#;

fn today_fixture() -> Rc<today::ResponseData> {
    today_fixture_with(-150.2, r#"{"amount":12.5,"currency":"USD"}"#, "144000", "108000")
}

/// Today with the given banked seconds, earnings JSON and weekly cap and remaining (JSON).
fn today_fixture_with(banked: f64, earnings: &str, week_cap: &str, week_left: &str) -> Rc<today::ResponseData> {
    let mut hours = Vec::new();
    for h in 0..24 {
        let (q, s) = match h {
            9 => (3, 900.0),
            10 => (2, 600.5),
            _ => (0, 0.0),
        };
        hours.push(format!(r#"{{"hour":{h},"questionCount":{q},"activeSeconds":{s}}}"#));
    }
    let body = format!(
        r#"{{"data":{{
        "day":{{"date":"2026-11-26","timezone":"Europe/Paris","sessionCount":2,"questionCount":5,
          "activeSeconds":1500.5,"averageSeconds":300.1,"targetSeconds":1650,"pace":{PACE},
          "bankedSeconds":{banked},"creditedSeconds":1650,"earnings":{earnings},"capSeconds":1800,"remainingSeconds":150,
          "hours":[{hours}],
          "sessions":[
            {{"id":"s1","startedAt":"2026-11-26T08:00:00Z","endedAt":"2026-11-26T08:20:00Z","isActive":false,"isPaused":false,
              "questionCount":4,"activeSeconds":1200.5,"averageSeconds":300.1,"targetSeconds":330,"pace":{PACE},"current":null}},
            {{"id":"s2","startedAt":"2026-11-26T09:40:00Z","endedAt":null,"isActive":true,"isPaused":false,
              "questionCount":1,"activeSeconds":300,"averageSeconds":300,"targetSeconds":330,"pace":{PACE},
              "current":{{"index":2,"startedAt":"2026-11-26T10:45:00Z","pausedSeconds":10,"isPaused":false,"pausedAt":null,"targetSeconds":330}}}}
          ]}},
        "week":{{"start":"2026-11-23","end":"2026-11-29","activeSeconds":36000,"goalSeconds":72000,
          "creditedSeconds":36000,"capSeconds":{week_cap},"remainingSeconds":{week_left}}}
        }}}}"#,
        hours = hours.join(",")
    );
    Rc::new(decode::<today::ResponseData>(&body).expect("fixture decodes"))
}

#[tokio::test]
async fn today_shows_cards_chart_and_sessions_in_the_users_zone() {
    let props = TodayViewProps { data: today_fixture(), tz: "Europe/Paris".into(), on_changed: Callback::noop(), now: Some(now()) };
    let html = render(signed_in("Europe/Paris"), html! { <TodayView ..props /> }).await;
    // Cards.
    assert!(html.contains(r#"id="card-questions""#), "{html}");
    assert!(html.contains("<p class=\"value\">5</p>"), "{html}");
    assert!(html.contains("27:21"), "active 1500.5 s + 140 s running -> 27:21: {html}");
    assert!(html.contains("incl. 2:20 running"));
    // The card's own value: a bare "5:00" would also match "15:00" in the chart.
    assert!(html.contains(r#"<h3>Average / question</h3><p class="value">5:00</p>"#), "average: {html}");
    assert!(html.contains("target 5:30"));
    assert!(html.contains("\u{2212}0:30 vs target"), "{html}");
    assert!(html.contains("🙂 83/100"));
    assert!(html.contains("10.0 h / 20.0 h"), "{html}");
    assert!(html.contains("50% of weekly goal"));
    assert!(html.contains("<h3>This week</h3>"), "{html}");
    // Hourly chart: an SVG with 24 bars and axis labels.
    assert!(html.contains("class=\"chart hourly narrow\""));
    assert_eq!(html.matches("<g class=\"bar\">").count(), 24);
    assert!(html.contains("09:00 – 15:00 active, 3 questions"), "{html}");
    // Sessions in local time (Paris = UTC+1 in November), newest first, numbered by the day.
    assert!(html.contains("Session 2"));
    assert!(html.contains("10:40"), "running session start in Paris time: {html}");
    assert!(html.contains(">09:00</time>") && html.contains(">09:20</time>"), "{html}");
    // The running badge sits on session 2 (a bare "running" also matches the active card).
    let session2 = &html[html.find(">Session 2</a>").expect("session 2")..];
    let badge = session2.find(r#"<span class="badge running">running</span>"#).expect("session 2 is marked running");
    assert!(session2.find(">Session 1</a>").is_none_or(|s1| badge < s1), "the badge belongs to session 2: {html}");
    // Live timer: 10:45:00 -> 10:47:30 minus 10 s of pauses = 2:20; session active 300 + 140 s.
    assert!(html.contains("<strong class=\"live-timer\">2:20</strong>"), "{html}");
    assert!(html.contains("<dt>Active</dt><dd>7:20</dd>"), "running session's active time: {html}");
    assert!(html.contains("href=\"/sessions/s1\""));
    assert!(html.contains("Delete session 1 and its 4 questions?"));
}

#[tokio::test]
async fn today_regroups_hours_by_zone() {
    let props = TodayViewProps { data: today_fixture(), tz: "Asia/Tokyo".into(), on_changed: Callback::noop(), now: Some(now()) };
    let html = render(signed_in("Asia/Tokyo"), html! { <TodayView ..props /> }).await;
    assert!(html.contains(">17:00</time>"), "08:00Z is 17:00 in Tokyo: {html}");
    assert!(html.contains("Activity by hour (Asia/Tokyo)"));
}

fn session_fixture(active: bool) -> Rc<session_detail::ResponseData> {
    let current = if active {
        r#"{"index":3,"startedAt":"2026-11-26T10:40:00Z","pausedSeconds":0,"isPaused":true,"pausedAt":"2026-11-26T10:46:00Z","targetSeconds":300}"#
    } else {
        "null"
    };
    let body = format!(
        r#"{{"data":{{"session":{{"id":"s1","startedAt":"2026-11-26T10:30:00Z","endedAt":null,"isActive":{active},"isPaused":{active},
        "questionCount":2,"activeSeconds":560,"rawSeconds":600,"pausedSeconds":40,"averageSeconds":280,"targetSeconds":330,
        "pace":{PACE},"current":{current},
        "questions":[
          {{"id":"q1","index":1,"startedAt":"2026-11-26T10:30:00Z","endedAt":"2026-11-26T10:35:59.6Z","rawSeconds":359.6,
            "activeSeconds":359.6,"pausedSeconds":0,"targetSeconds":330,"deltaSeconds":29.6,"taskId":"task-abc"}},
          {{"id":"q2","index":2,"startedAt":"2026-11-26T10:35:59.6Z","endedAt":"2026-11-26T10:40:00Z","rawSeconds":240.4,
            "activeSeconds":200.4,"pausedSeconds":40,"targetSeconds":330,"deltaSeconds":-129.6,"taskId":null}}
        ]}}}}}}"#
    );
    Rc::new(decode::<session_detail::ResponseData>(&body).expect("fixture decodes"))
}

#[tokio::test]
async fn session_detail_table_and_chart() {
    let props =
        SessionViewProps { data: session_fixture(true), tz: "UTC".into(), on_changed: Callback::noop(), on_deleted: Callback::noop(), now: Some(now()) };
    let html = render(signed_in("UTC"), html! { <SessionView ..props /> }).await;
    assert!(html.contains("Session · Thu 26 Nov 2026"), "{html}");
    assert!(html.contains(r#"<tr id="q-1">"#), "{html}");
    assert!(html.contains(">10:30:00</time>") && html.contains(">10:35:59</time>"), "{html}");
    assert!(html.contains("6:00"), "359.6 s rounds to 6:00: {html}");
    assert!(html.contains(r#"class="num delta over">+0:30<"#), "{html}");
    assert!(html.contains("class=\"num delta under\">\u{2212}2:10<"), "{html}");
    assert!(html.contains("task-abc"));
    assert!(html.contains("Delete question 2?"));
    // Paused running question: frozen at 10:46 - 10:40 = 6:00, over its 5:00 target.
    assert!(html.contains(r#"<tr id="q-current" class="running-row">"#));
    assert!(html.contains("<td class=\"num live-timer\">6:00</td>"), "{html}");
    // Chart: one bar per finished question plus its target line.
    assert!(html.contains("class=\"chart questions narrow\""));
    assert_eq!(html.matches("class=\"target\"").count(), 2);
    assert!(html.contains("Question 1: 6:00 (target 5:30)"));
    assert!(html.contains("<g class=\"bar over\">") && html.contains("<g class=\"bar under\">"));
}

/// A week of 1..7 questions a day (30 min each) with toolkit figures: a 5 h daily cap that
/// Thursday reaches, and earnings at 20 USD an hour.
fn week_fixture() -> Rc<week_view::ResponseData> {
    let days: Vec<String> = (23..30)
        .map(|d| {
            let (q, s) = (d - 22, (d - 22) * 1800);
            let banked = if d == 26 { -150 } else { 60 };
            let remaining = (18000 - s).max(0);
            format!(
                r#"{{"date":"2026-11-{d}","questionCount":{q},"activeSeconds":{s},"bankedSeconds":{banked},"creditedSeconds":{s},
                "earnings":{{"amount":{e},"currency":"USD"}},"capSeconds":18000,"remainingSeconds":{remaining}}}"#,
                e = s as f64 / 3600.0 * 20.0
            )
        })
        .collect();
    let body = format!(
        r#"{{"data":{{"week":{{"start":"2026-11-23","end":"2026-11-29","questionCount":28,"activeSeconds":50400,
        "goalSeconds":72000,"pace":{PACE},"bankedSeconds":210,"creditedSeconds":50400,"earnings":{{"amount":280,"currency":"USD"}},
        "capSeconds":144000,"remainingSeconds":93600,"days":[{}]}}}}}}"#,
        days.join(",")
    );
    Rc::new(decode::<week_view::ResponseData>(&body).unwrap())
}

#[tokio::test]
async fn week_and_month_views() {
    let data = week_fixture();
    let html = render(signed_in("UTC"), html! { <WeekBody data={data} /> }).await;
    assert!(html.contains("14.0 h"), "{html}");
    assert!(html.contains("70% of the 20.0 h goal"), "{html}");
    assert_eq!(html.matches("<g class=\"bar\">").count(), 7);
    assert!(html.contains(">Mon<") && html.contains(">Sun<"));
    assert!(html.contains("daily goal"));

    let week = |start: u32| {
        let d: Vec<String> = (0..7)
            .map(|i| {
                let date = Date::from_ymd_opt(2026, 10, 26).unwrap().add_days((start * 7 + i) as i64);
                let s = if date.to_string() == "2026-11-26" {
                    7200
                } else if date.to_string() == "2026-10-30" {
                    99999
                } else {
                    0
                };
                format!(r#"{{"date":"{date}","questionCount":{},"activeSeconds":{s}}}"#, s / 300)
            })
            .collect();
        format!(r#"{{"days":[{}]}}"#, d.join(","))
    };
    let body = format!(r#"{{"data":{{"w0":{},"w1":{},"w2":{},"w3":{},"w4":{},"w5":{}}}}}"#, week(0), week(1), week(2), week(3), week(4), week(5));
    let data = Rc::new(decode::<month_view::ResponseData>(&body).unwrap());
    let month = Date::from_ymd_opt(2026, 11, 1).unwrap();
    let props = MonthBodyProps { data, month, week_starts_on: Weekday::Monday };
    let html = render(signed_in("UTC"), html! { <MonthBody ..props /> }).await;
    // Only November's 30 days are drawn; October's busy day is ignored for the scale.
    assert_eq!(html.matches("<g class=\"cell").count(), 30, "{html}");
    assert!(html.contains("<g class=\"cell l4\">"), "{html}");
    assert!(html.contains("2026-11-26: 2:00:00 active, 24 questions"), "{html}");
    assert!(html.contains("2.0 h"));
}

#[tokio::test]
async fn signed_out_deep_link_shows_sign_in_in_place() {
    let state = AppState { auth: Auth::SignedOut { expired: true }, ..AppState::default() };
    let html = LocalServerRenderer::<StaticApp>::with_props(dashboard::app::StaticAppProps { state, path: "/sessions/42".into(), query: None })
        .hydratable(false)
        .render()
        .await;
    assert!(html.contains("<h1>Sign in</h1>"), "{html}");
    assert!(html.contains("Your session has expired"));
    assert!(html.contains(r#"id="email""#) && html.contains(r#"autocomplete="current-password""#));
    assert!(!html.contains("<nav"), "no navigation while signed out");
}

#[tokio::test]
async fn signed_in_shell_has_navigation_and_overlay_page() {
    let html = LocalServerRenderer::<StaticApp>::with_props(dashboard::app::StaticAppProps { state: signed_in("UTC"), path: "/overlay".into(), query: None })
        .hydratable(false)
        .render()
        .await;
    assert!(html.contains(r#"<nav aria-label="Main">"#), "{html}");
    assert!(html.contains(r#"href="/userscript/raterhub-tracker.user.js""#));
    assert!(html.contains("Ctrl+Shift+P"));
    assert!(html.contains(r#"<a href="/overlay" aria-current="page" class="active">Overlay"#) || html.contains(r#"class="active" href="/overlay""#), "{html}");
}

#[tokio::test]
async fn register_page_and_settings_render() {
    let state = AppState { auth: Auth::SignedOut { expired: false }, ..AppState::default() };
    let html = LocalServerRenderer::<StaticApp>::with_props(dashboard::app::StaticAppProps { state, path: "/register".into(), query: None })
        .hydratable(false)
        .render()
        .await;
    assert!(html.contains("Create your account"), "{html}");
    assert!(html.contains("At least 12 characters"));
    assert!(html.contains(r#"id="invite""#));

    let html =
        LocalServerRenderer::<StaticApp>::with_props(dashboard::app::StaticAppProps { state: signed_in("Asia/Tokyo"), path: "/settings".into(), query: None })
            .hydratable(false)
            .render()
            .await;
    assert!(html.contains(r#"<strong id="tz-selected">Asia/Tokyo</strong>"#), "{html}");
    assert!(html.contains(r#"value="5:30""#), "target as m:ss: {html}");
    assert!(html.contains("Sign out everywhere"));
    assert!(html.contains(r#"<option value="MONDAY" selected"#) || html.contains(r#"<option selected value="MONDAY""#), "{html}");
}

fn admin_state() -> AppState {
    let mut u = user("UTC");
    u.is_admin = true;
    AppState { auth: Auth::SignedIn(u), ..AppState::default() }
}

async fn render_path(state: AppState, path: &str, query: Option<&str>) -> String {
    LocalServerRenderer::<StaticApp>::with_props(dashboard::app::StaticAppProps {
        state,
        path: path.to_string().into(),
        query: query.map(|q| q.to_string().into()),
    })
    .hydratable(false)
    .render()
    .await
}

#[tokio::test]
async fn admin_nav_and_route_guard() {
    let html = render_path(signed_in("UTC"), "/admin", None).await;
    assert!(!html.contains(r#"href="/admin""#), "no Admin nav for a user: {html}");
    assert!(html.contains("Administrators only"), "{html}");
    assert!(!html.contains(r#"id="users""#));

    let html = render_path(admin_state(), "/admin", None).await;
    assert!(html.contains(r#"href="/admin""#), "Admin nav for an admin: {html}");
    assert!(html.contains("<h1>Admin</h1>"), "{html}");
    assert!(html.contains("Create a user") && html.contains("Invites") && html.contains("Everyone's activity"));
    assert!(html.contains(r#"id="invite-hours""#) && html.contains(r#"value="168""#));
}

#[tokio::test]
async fn reset_page_reads_the_token_signed_out() {
    let out = AppState { auth: Auth::SignedOut { expired: false }, ..AppState::default() };
    let html = render_path(out.clone(), "/reset-password", Some("token=reset_abc")).await;
    assert!(html.contains("Choose a new password"), "{html}");
    assert!(html.contains(r#"id="reset-form""#), "{html}");
    assert!(html.contains(r#"id="new-password""#) && html.contains(r#"id="confirm-password""#));
    assert!(!html.contains("<h1>Sign in</h1>"), "the reset page is public");
    let html = render_path(out, "/reset-password", None).await;
    assert!(html.contains("no reset token"), "{html}");
    assert!(!html.contains(r#"id="reset-form""#));
}

#[tokio::test]
async fn users_table_rows_and_actions() {
    use dashboard::gql::users;
    use dashboard::pages::users::{UsersTable, UsersTableProps};
    let body = r#"{"data":{"users":[
        {"id":"1","email":"boss@example.com","role":"ADMIN","isActive":true,"createdAt":"2026-11-01T23:30:00Z"},
        {"id":"2","email":"rater@example.com","role":"USER","isActive":false,"createdAt":"2026-11-02T10:00:00Z"}]}}"#;
    let data = decode::<users::ResponseData>(body).unwrap();
    let props = UsersTableProps { users: data.users, me_id: "1".into(), timezone: "Asia/Tokyo".into(), busy: None, on_action: Callback::noop() };
    let html = render(admin_state(), html! { <UsersTable ..props /> }).await;
    let row1 = &html[html.find(r#"id="user-1""#).unwrap()..html.find(r#"id="user-2""#).unwrap()];
    let row2 = &html[html.find(r#"id="user-2""#).unwrap()..];
    assert!(row1.contains("boss@example.com") && row1.contains(">you<"), "{row1}");
    assert!(row1.contains("2026-11-02"), "created date in the admin's zone: {row1}");
    assert!(row1.contains("Demote") && !row1.contains("Deactivate"), "no deactivating yourself: {row1}");
    assert!(row2.contains("deactivated") && row2.contains("Activate") && row2.contains("Make admin"), "{row2}");
    assert!(row2.contains(r#"class="inactive""#), "{row2}");
    assert!(row2.contains(">Delete<") && !row1.contains(">Delete<"), "delete others, not yourself (that is in Settings): {row1}");
    assert!(html.contains(r#"data-label="Actions""#));
}

#[tokio::test]
async fn audit_table_in_words_and_zone() {
    use dashboard::components::{AuditRow, AuditTable};
    let row = |id: &str, at: &str, action: &str, actor: Option<&str>, detail: Option<&str>| AuditRow {
        id: id.into(),
        at: at.parse().unwrap(),
        action: action.into(),
        actor: actor.map(str::to_string),
        subject: None,
        ip: Some("203.0.113.7".into()),
        detail: detail.map(str::to_string),
    };
    let rows = vec![
        row("3", "2026-11-26T23:30:05Z", "login_failed", None, Some("email a@b.c")),
        row("2", "2026-11-26T10:00:00Z", "admin_set_role", Some("boss@example.com"), Some("role admin")),
        row("1", "2026-11-26T09:00:00Z", "login", Some("boss@example.com"), None),
    ];
    let html = render(signed_in("UTC"), html! { <AuditTable rows={rows.clone()} timezone="Asia/Tokyo" id="log" caption="Log" /> }).await;
    assert!(html.contains("2026-11-27 08:30:05"), "time in the user's zone: {html}");
    assert!(html.contains("Failed sign-in") && html.contains(r#"class="failed""#), "{html}");
    assert!(html.contains("Admin: changed a role") && html.contains("203.0.113.7"));
    assert!(!html.contains(r#"data-label="By""#), "own log has no actor column");
    let html = render(signed_in("UTC"), html! { <AuditTable rows={rows} timezone="UTC" everyone=true initial={2} id="log" caption="Log" /> }).await;
    assert!(html.contains(r#"data-label="By""#) && html.contains("boss<wbr>@example.com"), "{html}");
    assert_eq!(html.matches(r#"data-label="Time""#).count(), 2, "two rows first: {html}");
    assert!(html.contains("Show all 3 entries"), "{html}");
}

#[tokio::test]
async fn mail_link_pages_are_public_and_sign_in_offers_a_reset() {
    let out = AppState { auth: Auth::SignedOut { expired: false }, ..AppState::default() };
    let html = render_path(out.clone(), "/verify-email", Some("token=verify_abc")).await;
    assert!(html.contains("Verify your e-mail"), "{html}");
    assert!(html.contains("Checking the link"), "{html}");
    assert!(!html.contains("<h1>Sign in</h1>"), "the page is public");
    let html = render_path(out.clone(), "/confirm-email", None).await;
    assert!(html.contains("Confirm your new e-mail"), "{html}");
    assert!(html.contains("has no token"), "{html}");
    let html = render_path(out, "/login", None).await;
    assert!(html.contains("Forgot password?") && html.contains(r#"id="forgot-email""#), "{html}");
}

#[tokio::test]
async fn report_download_links_on_day_week_and_export() {
    let html = render_path(signed_in("UTC"), "/day/2026-11-02", None).await;
    assert!(html.contains(r#"href="/reports/day/2026-11-02.pdf""#), "{html}");
    assert!(html.contains(r#"href="/reports/day/2026-11-02.csv""#), "{html}");
    let html = render_path(signed_in("UTC"), "/history/week/2026-11-04", None).await;
    assert!(html.contains(r#"href="/reports/week/2026-11-02.pdf""#), "week start: {html}");
    let html = render_path(signed_in("UTC"), "/export", None).await;
    assert!(html.contains(r#"href="/reports/range.csv?from="#), "{html}");
}

#[tokio::test]
async fn report_emails_form_and_account_sections() {
    use dashboard::pages::account::{DisplayNameForm, ReportEmails, ReportEmailsForm, VerifyBanner};
    let initial = ReportEmails { daily: true, weekly: false, hour: 7, include_empty: false };
    let html = render(signed_in("UTC"), html! { <ReportEmailsForm initial={initial} mail_enabled={true} /> }).await;
    assert!(html.contains(r#"id="report-hour""#) && html.contains(r#"value="7""#), "{html}");
    assert!(!html.contains("report-emails-off"), "{html}");
    assert!(!html.contains("<fieldset disabled"), "{html}");
    let html = render(signed_in("UTC"), html! { <ReportEmailsForm initial={initial} mail_enabled={false} /> }).await;
    assert!(html.contains(r#"id="report-emails-off""#), "{html}");
    assert!(html.contains("<fieldset disabled"), "{html}");
    let html = render(signed_in("UTC"), html! { <VerifyBanner /> }).await;
    assert!(html.contains("not verified") && html.contains(r#"id="resend-verification""#), "{html}");
    let html = render_path(signed_in("UTC"), "/settings", None).await;
    assert!(html.contains("Delete my account") && html.contains(r#"id="delete-password""#), "{html}");
    let html = render(signed_in("UTC"), html! { <DisplayNameForm initial={Some("Ann".to_owned())} /> }).await;
    assert!(html.contains(r#"id="display-name""#) && html.contains(r#"value="Ann""#), "{html}");
}

/// The text between the first `start` marker and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start} in {html}"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[tokio::test]
async fn today_shows_banked_credited_earnings_and_caps() {
    let props = TodayViewProps { data: today_fixture(), tz: "UTC".into(), on_changed: Callback::noop(), now: Some(now()) };
    let html = render(signed_in("UTC"), html! { <TodayView ..props /> }).await;
    let banked = between(&html, r#"id="day-banked""#, "</section>");
    assert!(banked.contains("<span class=\"banked behind\">\u{2212}2:30</span>"), "{banked}");
    assert!(banked.contains("behind the targets"), "{banked}");
    let credited = between(&html, r#"id="day-credited""#, "</section>");
    assert!(credited.contains(r#"<p class="value">0.5 h</p>"#) && credited.contains(r#"<p class="detail">27:30</p>"#), "{credited}");
    assert!(between(&html, r#"id="day-earnings""#, "</section>").contains(r#"<p class="value">12.50 USD</p>"#), "{html}");
    // 1650 of 1800 s: 91 %, the "near" state, said in words too.
    let cap = between(&html, r#"id="day-cap""#, "</section>");
    assert!(cap.contains(r#"<p class="value">0.5 h / 0.5 h</p>"#), "{cap}");
    assert!(cap.contains(r#"<div class="cap near">"#) && cap.contains(r#"aria-valuenow="91""#), "{cap}");
    assert!(cap.contains("91% of the daily cap · nearly there, 2:30 left"), "{cap}");
    let week = between(&html, r#"id="week-cap""#, "</section>");
    assert!(week.contains(r#"<div class="cap under">"#) && week.contains("25% of the weekly cap · 30:00:00 left"), "{week}");
    assert!(week.contains(r#"<p class="value">10.0 h / 40.0 h</p>"#), "{week}");

    // No rate: no earnings card; no weekly cap: no weekly cap card; ahead is green with a plus.
    let props = TodayViewProps { data: today_fixture_with(250.0, "null", "null", "null"), tz: "UTC".into(), on_changed: Callback::noop(), now: Some(now()) };
    let html = render(signed_in("UTC"), html! { <TodayView ..props /> }).await;
    assert!(!html.contains("day-earnings") && !html.contains("Earnings"), "{html}");
    assert!(!html.contains(r#"id="week-cap""#), "{html}");
    assert!(html.contains(r#"<span class="banked ahead">+4:10</span>"#), "{html}");
}

#[tokio::test]
async fn week_summary_day_rows_and_type_table() {
    let html = render(signed_in("UTC"), html! { <WeekBody data={week_fixture()} /> }).await;
    assert!(between(&html, r#"id="w-banked""#, "</section>").contains(r#"<span class="banked ahead">+3:30</span>"#), "{html}");
    assert!(between(&html, r#"id="w-earnings""#, "</section>").contains("280.00 USD"), "{html}");
    assert!(between(&html, r#"id="w-cap""#, "</section>").contains("35% of the weekly cap · 26:00:00 left"), "{html}");
    let table = between(&html, r#"<table id="week-days""#, "</table>");
    assert_eq!(table.matches("<tr>").count() + table.matches("<tr ").count(), 1 + 7 + 1, "header, 7 days, total: {table}");
    // Thursday: 4 questions, 2 h credited, behind by 2:30, 40 USD, 40 % of the daily cap.
    let thu = between(table, r#"href="/day/2026-11-26""#, "</tr>");
    for cell in [">Thu 26 Nov<", ">4<", ">2:00:00<", "\u{2212}2:30", ">40.00 USD<", r#"<span class="cap under">40%</span>"#] {
        assert!(thu.contains(cell), "{cell} in {thu}");
    }
    // Sunday: 3.5 h of a 5 h cap is 70 %; none reach it in this fixture. The week row sums.
    let total = between(table, "<tfoot>", "</tfoot>");
    for cell in [">Week<", ">28<", ">14:00:00<", "+3:30", ">280.00 USD<"] {
        assert!(total.contains(cell), "{cell} in {total}");
    }

    use dashboard::gql::type_stats;
    use dashboard::pages::history::type_table;
    let body = format!(
        r#"{{"data":{{"typeStats":[
        {{"taskType":"Rating A","count":2,"activeSeconds":240,"targetSeconds":200,"averageSeconds":120,"bankedSeconds":-40,"pace":{PACE}}},
        {{"taskType":null,"count":1,"activeSeconds":100,"targetSeconds":130,"averageSeconds":100,"bankedSeconds":30,"pace":{PACE}}}]}}}}"#
    );
    let data = decode::<type_stats::ResponseData>(&body).unwrap();
    let rows = data.type_stats.clone();
    let html = render(signed_in("UTC"), html! { <>{ type_table(&rows) }</> }).await;
    let a = between(&html, "Rating A", "</tr>");
    for cell in [">2<", ">4:00<", ">3:20<", ">2:00<", r#"<span class="banked behind">"#, "\u{2212}0:40", "🙂 slightly fast · 83/100"] {
        assert!(a.contains(cell), "{cell} in {a}");
    }
    assert!(html.contains("(no type)") && html.contains("+0:30"), "{html}");
    let html = render(signed_in("UTC"), html! { <>{ type_table(&[]) }</> }).await;
    assert!(html.contains(r#"id="no-types""#), "{html}");
}

#[tokio::test]
async fn session_page_has_its_days_report_links() {
    let props =
        SessionViewProps { data: session_fixture(false), tz: "UTC".into(), on_changed: Callback::noop(), on_deleted: Callback::noop(), now: Some(now()) };
    let html = render(signed_in("UTC"), html! { <SessionView ..props /> }).await;
    assert!(html.contains(r#"href="/reports/day/2026-11-26.pdf" id="report-pdf""#), "{html}");
    assert!(html.contains(r#"href="/reports/day/2026-11-26.csv" id="report-csv""#), "{html}");
}

fn admin_view_fixture() -> dashboard::gql::admin_view::ResponseData {
    let body = format!(
        r#"{{"data":{{"day":{{"date":"2026-11-26","timezone":"Asia/Tokyo","sessionCount":1,"questionCount":2,"activeSeconds":560,
        "averageSeconds":280,"targetSeconds":660,"pace":{PACE},"bankedSeconds":100,"creditedSeconds":660,"earnings":null,
        "capSeconds":null,"remainingSeconds":null,
        "sessions":[{{"id":"s9","startedAt":"2026-11-26T01:00:00Z","endedAt":"2026-11-26T01:10:00Z","isActive":false,
          "questionCount":2,"activeSeconds":560,"pausedSeconds":40,"bankedSeconds":100,"pace":{PACE},
          "questions":[
            {{"id":"q1","index":1,"startedAt":"2026-11-26T01:00:00Z","activeSeconds":359.6,"pausedSeconds":0,"targetSeconds":330,
              "deltaSeconds":29.6,"taskId":"task-abc","taskType":"Rating A"}},
            {{"id":"q2","index":2,"startedAt":"2026-11-26T01:06:00Z","activeSeconds":200.4,"pausedSeconds":40,"targetSeconds":330,
              "deltaSeconds":-129.6,"taskId":null,"taskType":null}}]}}]}}}}}}"#
    );
    decode(&body).expect("fixture decodes")
}

#[tokio::test]
async fn admin_read_only_view_of_a_users_day_and_week() {
    use dashboard::pages::admin_view::admin_day;
    let data = admin_view_fixture();
    let html = render(admin_state(), html! { <>{ admin_day(&data, "7", "rater@example.com") }</> }).await;
    // Their reports, with ?user=.
    assert!(html.contains(r#"href="/reports/day/2026-11-26.pdf?user=7""#), "{html}");
    assert!(html.contains(r#"href="/reports/day/2026-11-26.csv?user=7""#), "{html}");
    // Times in the user's zone (Tokyo, UTC+9), every question, nothing to edit.
    assert!(html.contains("Session 1 · 10:00 – 10:10"), "{html}");
    assert!(html.contains(">10:06:00</time>"), "{html}");
    assert!(html.contains("task-abc") && html.contains("Rating A"), "{html}");
    assert!(html.contains("\u{2212}2:10<") && html.contains(r#"class="num delta under""#), "{html}");
    assert!(!html.contains("<button") && !html.contains("Delete") && !html.contains("<form"), "read-only: {html}");
    assert!(html.contains(r#"<span class="banked ahead">+1:40</span>"#), "{html}");
    assert!(html.contains("RaterHub Tracker · rater@example.com · Thu 26 Nov 2026 · Asia/Tokyo"), "print header: {html}");

    // Their week: the days (chart and table) open the same read-only view.
    let html = render(admin_state(), html! { <WeekBody data={week_fixture()} user={Some(AttrValue::from("7"))} /> }).await;
    assert!(html.contains(r#"href="/admin/users/7/2026-11-24""#), "{html}");
    assert!(!html.contains(r#"href="/day/"#), "{html}");
    assert!(!html.contains("<button"), "{html}");

    // The route is for admins only.
    let html = render_path(signed_in("UTC"), "/admin/users/7/2026-11-26", None).await;
    assert!(html.contains("Administrators only"), "{html}");
    let html = render_path(admin_state(), "/admin/users/7/2026-11-26", None).await;
    assert!(html.contains(r#"id="read-only""#) && html.contains("‹ All users"), "{html}");
}

#[tokio::test]
async fn users_table_links_to_the_read_only_view() {
    use dashboard::gql::users;
    use dashboard::pages::users::{UsersTable, UsersTableProps};
    let body = r#"{"data":{"users":[{"id":"2","email":"rater@example.com","role":"USER","isActive":true,"createdAt":"2026-11-02T10:00:00Z"}]}}"#;
    let data = decode::<users::ResponseData>(body).unwrap();
    let props = UsersTableProps { users: data.users, me_id: "1".into(), timezone: "UTC".into(), busy: None, on_action: Callback::noop() };
    let html = render(admin_state(), html! { <UsersTable ..props /> }).await;
    let today = chrono::Utc::now().date_naive();
    assert!(html.contains(&format!(r#"href="/admin/users/2/{today}""#)), "{html}");
    assert!(html.contains("View days"), "{html}");
}

#[tokio::test]
async fn pay_form_shows_values_and_previews_presets() {
    use dashboard::gql::pay_settings;
    use dashboard::pages::pay::{Pay, PayForm, PayFormProps};
    let body = r#"{"data":{"me":{"id":"u1","payBasis":"AET","hourlyRate":18.5,"currency":"EUR","dailyCapHours":null,"weeklyCapHours":40},
        "presets":[{"name":"raterhub","description":"RaterHub: Mon–Sun, Pacific","weekStartsOn":"MONDAY","timezone":"America/Los_Angeles",
          "payBasis":"AET","dailyCapHours":8,"weeklyCapHours":40},
          {"name":"sat-fri-40h","description":"Saturday–Friday, 40 h","weekStartsOn":"SATURDAY","timezone":null,
          "payBasis":"AET","dailyCapHours":null,"weeklyCapHours":40}]}}"#;
    let data = Rc::new(decode::<pay_settings::ResponseData>(body).unwrap());
    let me = data.me.clone().unwrap();
    let initial = Pay { basis: me.pay_basis, rate: me.hourly_rate, currency: me.currency, daily_cap: me.daily_cap_hours, weekly_cap: me.weekly_cap_hours };
    let props = PayFormProps { initial, presets: data };
    let html = render(signed_in("UTC"), html! { <PayForm ..props /> }).await;
    assert!(html.contains(r#"id="hourly-rate""#) && html.contains(r#"value="18.5""#), "{html}");
    assert!(html.contains(r#"value="EUR""#) && html.contains(r#"value="40""#), "{html}");
    assert!(html.contains(r#"<option value="AET" selected"#) || html.contains(r#"<option selected value="AET""#), "{html}");
    assert!(html.contains(r#"id="preset-raterhub""#) && html.contains(r#"id="preset-sat-fri-40h""#), "{html}");
    assert_eq!(html.matches("preview-preset").count(), 2, "{html}");
    assert!(!html.contains("apply-preset"), "nothing applies before a preview: {html}");
}

#[tokio::test]
async fn settings_has_the_pay_section() {
    let html = render_path(signed_in("UTC"), "/settings", None).await;
    assert!(html.contains(r#"<h2 id="pay-h">Pay and caps</h2>"#), "{html}");
}
