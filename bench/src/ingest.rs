//! Stage 1: concurrent users sending NEXT through `recordEvent`, then an exact recount.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{SecondsFormat, Utc};
use http::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::client::{self, Conn};
use crate::cpu;
use crate::recount::{self, Stored};
use crate::server::{FreshDb, Server};
use crate::stats::Samples;

/// The overlay's own mutation (userscript OPS.recordEvent), so the server does the real work.
pub const RECORD_EVENT: &str = "mutation RecordEvent($input: EventInput!) {
  recordEvent(input: $input) {
    duplicate
    serverTime
    question { index activeSeconds }
    session { id isActive questionCount }
  }
}";

pub(crate) const VERIFY_SESSIONS: &str = "query { sessions(limit: 500) { id questionCount isActive } }";
pub(crate) const VERIFY_SESSION: &str = "query($id: ID!) { session(id: $id) { questionCount questions { index } } }";

/// The floor: an authenticated read that touches no session, through the same stack.
pub(crate) const BASELINE: &str = "query { serverTime }";

#[derive(serde::Deserialize)]
struct BaselineData {
    #[serde(rename = "serverTime")]
    _server_time: serde::de::IgnoredAny,
}

#[derive(serde::Deserialize)]
struct RecordData {
    #[serde(rename = "recordEvent")]
    record_event: Option<RecordOut>,
}

#[derive(serde::Deserialize)]
struct RecordOut {
    session: Option<serde::de::IgnoredAny>,
}

pub struct LevelResult {
    /// Server CPU time (user + system) spent during the timed run.
    pub server_cpu: Duration,
    /// CPU time this benchmark process spent during the timed run (it shares the cores).
    pub client_cpu: Duration,
    /// The whole machine and PostgreSQL during the timed run.
    pub machine: cpu::Usage,
    /// Server RSS once the level's users were registered, before the timed run.
    pub rss_before: u64,
    pub events: u64,
    pub ok: u64,
    pub errors: u64,
    pub wall: Duration,
    pub latency: Samples,
    pub peak_rss: u64,
    pub peak_is_phase: bool,
    pub first_error: Option<String>,
    /// Users whose recount (GraphQL or the events table) did not match, with what was found.
    pub mismatches: Vec<String>,
    /// Rows of this level's users in the events table, counted directly.
    pub table_events: i64,
    pub connections: u64,
}

impl LevelResult {
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

struct UserOutcome {
    ok: u64,
    errors: u64,
    latency: Samples,
    first_error: Option<String>,
    finished: Instant,
}

/// `baseline`: send `{ serverTime }` instead of NEXT (no write, no recount).
/// `session_len`: after that many NEXTs a user sends EXIT (a rater's working session), so
/// sessions stay realistic; 0 keeps one endless session per user.
/// Users are spread over `servers` in turn (several instances on one database).
pub async fn run_level(
    servers: &[Server],
    db: &FreshDb,
    users: usize,
    events_per_user: usize,
    session_len: usize,
    tag: &str,
    baseline: bool,
) -> anyhow::Result<LevelResult> {
    let kind = if baseline { "base" } else { "ingest" };
    let emails: Vec<String> = (0..users).map(|i| format!("{kind}-{tag}-{users}-{i}@bench.example.com")).collect();
    let tokens = client::register_many(servers[0].addr, emails.clone(), "UTC", 4).await.context("registering ingestion users")?;

    // Open every connection and warm it up before the clock starts.
    let mut conns = Vec::with_capacity(users);
    for (i, token) in tokens.iter().enumerate() {
        let mut conn = Conn::connect(servers[i % servers.len()].addr).await?;
        conn.gql(Some(token), "{ me { id } }", json!({})).await.context("warm-up request")?;
        conns.push(conn);
    }
    let connections_before = client::CONNECTIONS_OPENED.load(std::sync::atomic::Ordering::Relaxed);
    let rss_before = servers.iter().map(|s| s.rss().current).sum();
    let cpu_before: Duration = servers.iter().map(Server::cpu_time).sum();
    let client_cpu_before = client::own_cpu_time();
    let machine_before = cpu::Snapshot::take();
    // Every server's counter is reset, even after one that could not be.
    let resets: Vec<bool> = servers.iter().map(Server::reset_peak_rss).collect();
    let peak_is_phase = resets.iter().all(|&reset| reset);

    let barrier = Arc::new(Barrier::new(users + 1));
    let mut tasks = Vec::with_capacity(users);
    for (i, (mut conn, token)) in conns.into_iter().zip(tokens.iter().cloned()).enumerate() {
        let barrier = barrier.clone();
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut out = UserOutcome { ok: 0, errors: 0, latency: Samples::with_capacity(events_per_user), first_error: None, finished: Instant::now() };
            // The body is written by hand: the JSON machinery would cost the client more
            // CPU than the request costs the server.
            let query = serde_json::to_string(if baseline { BASELINE } else { RECORD_EVENT }).expect("json");
            let id_prefix = format!("{tag}-{users}-{i}-");
            let mut body = String::with_capacity(512);
            barrier.wait().await;
            for k in 0..events_per_user {
                let kind = if session_len > 0 && (k + 1) % (session_len + 1) == 0 { "EXIT" } else { "NEXT" };
                body.clear();
                if baseline {
                    let _ = write!(body, r#"{{"query":{query}}}"#);
                } else {
                    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
                    let _ =
                        write!(body, r#"{{"query":{query},"variables":{{"input":{{"type":"{kind}","clientEventId":"{id_prefix}{k}","occurredAt":"{at}"}}}}}}"#);
                }
                let started = Instant::now();
                let result = conn.request(Method::POST, "/graphql", Some(&token), Some(body.as_bytes())).await;
                let elapsed = started.elapsed();
                let checked = result.and_then(|(status, bytes)| {
                    if baseline {
                        client::parse_gql_typed::<BaselineData>(status, &bytes).map(drop)
                    } else {
                        match client::parse_gql_typed::<RecordData>(status, &bytes)?.record_event.and_then(|r| r.session) {
                            Some(_) => Ok(()),
                            None => bail!("recordEvent returned no session: {}", String::from_utf8_lossy(&bytes)),
                        }
                    }
                });
                out.latency.push(elapsed);
                match checked {
                    Ok(()) => out.ok += 1,
                    Err(e) => {
                        out.errors += 1;
                        out.first_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            out.finished = Instant::now();
            (conn, out)
        }));
    }
    barrier.wait().await;
    let started = Instant::now();
    let mut result = LevelResult {
        server_cpu: Duration::ZERO,
        client_cpu: Duration::ZERO,
        machine: cpu::Usage::default(),
        rss_before,
        events: (users * events_per_user) as u64,
        ok: 0,
        errors: 0,
        wall: Duration::ZERO,
        latency: Samples::with_capacity(users * events_per_user),
        peak_rss: 0,
        peak_is_phase,
        first_error: None,
        mismatches: Vec::new(),
        table_events: 0,
        connections: 0,
    };
    let mut conns = Vec::with_capacity(users);
    let mut last = started;
    for task in tasks {
        let (conn, out) = task.await?;
        result.ok += out.ok;
        result.errors += out.errors;
        result.latency.extend(out.latency);
        if result.first_error.is_none() {
            result.first_error = out.first_error;
        }
        last = last.max(out.finished);
        conns.push(conn);
    }
    result.wall = last - started;
    result.server_cpu = servers.iter().map(Server::cpu_time).sum::<Duration>().saturating_sub(cpu_before);
    result.client_cpu = client::own_cpu_time().saturating_sub(client_cpu_before);
    result.machine = cpu::Snapshot::take().since(&machine_before);
    result.peak_rss = servers.iter().map(|s| s.rss().peak).sum();
    result.connections = client::CONNECTIONS_OPENED.load(std::sync::atomic::Ordering::Relaxed) - connections_before + users as u64;

    if baseline {
        return Ok(result);
    }
    // Exact recount: one session per user holding questions 1..=n, no gaps, no duplicates,
    // through GraphQL and then in the events table itself.
    let exits = if session_len > 0 { events_per_user / (session_len + 1) } else { 0 };
    let mut expected = Vec::with_capacity(users);
    for (i, (conn, token)) in conns.iter_mut().zip(&tokens).enumerate() {
        let mut sent = Stored { next: (events_per_user - exits) as i64, exit: exits as i64, other: 0 };
        let exit = json!({ "input": { "type": "EXIT", "clientEventId": format!("{tag}-{users}-{i}-exit") } });
        match conn.gql(Some(token), RECORD_EVENT, exit).await {
            Ok(_) => sent.exit += 1,
            // Already ended by the last timed event: rejected, so not stored.
            Err(e) if e.to_string().contains("NO_ACTIVE_SESSION") => {}
            Err(e) => result.mismatches.push(format!("user {i}: EXIT failed: {e}")),
        }
        let graphql = match verify_user(conn, token, events_per_user - exits, session_len).await {
            Ok(seen) => Some(seen),
            Err(e) => {
                result.mismatches.push(format!("user {i}: {e}"));
                None
            }
        };
        expected.push((sent, graphql));
    }
    let stored = recount::stored_events(db, &format!("{kind}-{tag}-{users}-")).await?;
    result.table_events = stored.values().map(|s| s.next + s.exit + s.other).sum();
    for (i, (email, (sent, graphql))) in emails.iter().zip(expected).enumerate() {
        let in_table = stored.get(email).copied().unwrap_or_default();
        if let Err(e) = recount::compare(in_table, sent, graphql.unwrap_or(sent)) {
            result.mismatches.push(format!("user {i}: {e}"));
        }
    }
    Ok(result)
}

/// Checks the sessions through GraphQL; returns the questions and ended sessions it saw.
async fn verify_user(conn: &mut Conn, token: &str, nexts: usize, session_len: usize) -> anyhow::Result<Stored> {
    let data = conn.gql(Some(token), VERIFY_SESSIONS, json!({})).await?;
    let mut sessions = data["sessions"].as_array().cloned().unwrap_or_default();
    sessions.reverse(); // oldest first
    let expected_sessions = if session_len == 0 { 1 } else { nexts.div_ceil(session_len) };
    let counts: Vec<i64> = sessions.iter().map(|s| s["questionCount"].as_i64().unwrap_or(-1)).collect();
    if sessions.len() != expected_sessions || counts.iter().sum::<i64>() != nexts as i64 {
        bail!("expected {nexts} questions in {expected_sessions} sessions, found {} sessions with {counts:?} questions", sessions.len());
    }
    for (n, session) in sessions.iter().enumerate() {
        let expected = if session_len == 0 { nexts } else { session_len.min(nexts - n * session_len) };
        let data = conn.gql(Some(token), VERIFY_SESSION, json!({ "id": session["id"].clone() })).await?;
        let count = data.pointer("/session/questionCount").and_then(Value::as_i64).unwrap_or(-1);
        let indexes: Vec<i64> = data
            .pointer("/session/questions")
            .and_then(Value::as_array)
            .map(|q| q.iter().map(|q| q["index"].as_i64().unwrap_or(-1)).collect())
            .unwrap_or_default();
        let consecutive = indexes.iter().enumerate().all(|(k, &ix)| ix == k as i64 + 1);
        if count != expected as i64 || indexes.len() != expected || !consecutive {
            bail!("session {}: expected questions 1..={expected}; questionCount {count}, {} questions, consecutive: {consecutive}", n + 1, indexes.len());
        }
    }
    let ended = sessions.iter().filter(|s| s["isActive"] == Value::Bool(false)).count();
    Ok(Stored { next: counts.iter().sum(), exit: ended as i64, other: 0 })
}
