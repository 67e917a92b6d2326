//! Stage 2: seed a year of history for one user plus many other users through
//! `recordEvents`, then time the dashboard's and the overlay's reads.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Datelike, Duration as Span, NaiveDate, SecondsFormat, Utc, Weekday};
use serde_json::{Value, json};

use crate::client::{self, Conn};
use crate::stats::Samples;

pub(crate) const RECORD_EVENTS: &str = "mutation RecordEvents($inputs: [EventInput!]!) {
  recordEvents(inputs: $inputs) {
    duplicate
    error { code message }
  }
}";

/// dashboard/queries/today.graphql, without the week part (timed on its own), with the
/// rater toolkit's figures (issue 14): banked and credited time, earnings and the cap.
pub const DAY: &str = "query Day($date: Date!) {
  day(date: $date) {
    date
    timezone
    sessionCount
    questionCount
    activeSeconds
    averageSeconds
    targetSeconds
    bankedSeconds
    creditedSeconds
    earnings { amount currency }
    capSeconds
    remainingSeconds
    pace { ratio score label emoji }
    hours { hour questionCount activeSeconds }
    sessions {
      id
      startedAt
      endedAt
      isActive
      isPaused
      questionCount
      activeSeconds
      averageSeconds
      targetSeconds
      bankedSeconds
      creditedSeconds
      earnings { amount currency }
      pace { ratio score label emoji }
      current { index startedAt pausedSeconds isPaused pausedAt targetSeconds }
    }
  }
}";

/// dashboard/queries/history.graphql WeekView, with the toolkit's figures per week and day.
pub const WEEK: &str = "query WeekView($start: Date!) {
  week(start: $start) {
    start
    end
    questionCount
    activeSeconds
    goalSeconds
    bankedSeconds
    creditedSeconds
    earnings { amount currency }
    capSeconds
    remainingSeconds
    pace { ratio score label emoji }
    days { date questionCount activeSeconds bankedSeconds creditedSeconds earnings { amount currency } capSeconds remainingSeconds }
  }
}";

/// History's "By task type" table for a week.
pub const TYPE_STATS: &str = "query TypeStats($from: Date!, $to: Date!) {
  typeStats(from: $from, to: $to) {
    taskType
    count
    activeSeconds
    targetSeconds
    averageSeconds
    bankedSeconds
    pace { ratio score label emoji }
  }
}";

/// A rate and caps for the main user, so every toolkit figure is computed (not null).
pub const PAY_SETTINGS: &str = "mutation PaySettings($input: SettingsInput!) {
  updateSettings(input: $input) { hourlyRate currency dailyCapHours weeklyCapHours }
}";

/// Task types the seeded questions cycle through, each with its own target (AET) in seconds.
pub const TASK_TYPES: [(&str, u32); 5] = [("Search relevance", 300), ("Ads quality", 240), ("Side by side", 420), ("Maps", 180), ("Audio", 360)];

/// dashboard/queries/history.graphql MonthView: six aliased weeks.
pub const MONTH: &str = "query MonthView($w0: Date!, $w1: Date!, $w2: Date!, $w3: Date!, $w4: Date!, $w5: Date!) {
  w0: week(start: $w0) { days { date questionCount activeSeconds } }
  w1: week(start: $w1) { days { date questionCount activeSeconds } }
  w2: week(start: $w2) { days { date questionCount activeSeconds } }
  w3: week(start: $w3) { days { date questionCount activeSeconds } }
  w4: week(start: $w4) { days { date questionCount activeSeconds } }
  w5: week(start: $w5) { days { date questionCount activeSeconds } }
}";

/// dashboard/queries/session.graphql SessionDetail.
pub const SESSION: &str = "query SessionDetail($id: ID!) {
  session(id: $id) {
    id
    startedAt
    endedAt
    isActive
    isPaused
    questionCount
    activeSeconds
    rawSeconds
    pausedSeconds
    averageSeconds
    targetSeconds
    pace { ratio score label emoji }
    current { index startedAt pausedSeconds isPaused pausedAt targetSeconds }
    questions {
      id
      index
      startedAt
      endedAt
      rawSeconds
      activeSeconds
      pausedSeconds
      targetSeconds
      deltaSeconds
      taskId
    }
  }
}";

pub const SESSIONS: &str = "query Sessions {
  sessions(limit: 50) {
    id
    startedAt
    endedAt
    isActive
    questionCount
    activeSeconds
    averageSeconds
    targetSeconds
    pace { ratio score label emoji }
  }
}";

/// The overlay's poll (userscript OPS.status).
pub const STATUS: &str = "query Status {
  serverTime
  me { email targetSeconds }
  activeSession {
    id
    questionCount
    averageSeconds
    pace { emoji label ratio }
    current { index startedAt pausedSeconds isPaused pausedAt targetSeconds taskId }
  }
  day { activeSeconds questionCount }
  week { activeSeconds goalSeconds }
}";

pub struct SeedOpts {
    pub history_days: usize,
    pub questions_per_day: usize,
    pub pauses_per_day: usize,
    pub other_users: usize,
    pub other_days: usize,
    pub other_questions: usize,
    pub batch: usize,
    pub parallel: usize,
}

pub struct SeedResult {
    pub registered: usize,
    pub register_time: Duration,
    pub events: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub seed_time: Duration,
    pub main_token: String,
    pub days: Vec<NaiveDate>,
    pub session_ids: Vec<Value>,
    pub main_questions: u64,
}

/// A small deterministic generator (xorshift64*), so runs seed the same shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The last `n` working days (Mon–Fri) before today (UTC), oldest first.
pub fn working_days_before_today(n: usize) -> Vec<NaiveDate> {
    let mut day = Utc::now().date_naive();
    let mut days = Vec::with_capacity(n);
    while days.len() < n {
        day = day.pred_opt().expect("date");
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            days.push(day);
        }
    }
    days.reverse();
    days
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One working day as one session: NEXT × q with 3–8 minute questions (each with a task
/// type and that type's target), `pauses` PAUSE pairs of 5–20 minutes spread through the
/// day, then EXIT. Starts 07:00–07:30 UTC.
pub fn day_events(date: NaiveDate, questions: usize, pauses: usize, rng: &mut Rng, id_prefix: &str) -> Vec<Value> {
    let mut t = date.and_hms_opt(7, 0, 0).expect("time").and_utc() + Span::seconds(rng.below(1800) as i64);
    let pause_at: Vec<usize> = (1..=pauses).map(|k| k * questions / (pauses + 1)).collect();
    let mut events = Vec::with_capacity(questions + 2 * pauses + 1);
    let mut seq = 0;
    let mut push = |kind: &str, at: DateTime<Utc>, task: Option<(String, usize)>| {
        let mut input = json!({ "type": kind, "occurredAt": ts(at), "clientEventId": format!("{id_prefix}-{date}-{seq}") });
        if let Some((task, kind)) = task {
            let (task_type, target) = TASK_TYPES[kind];
            input["taskId"] = Value::String(task);
            input["taskType"] = json!(task_type);
            input["targetSeconds"] = json!(target);
        }
        seq += 1;
        events.push(input);
    };
    for q in 1..=questions {
        let task = format!("task-{:012x}", rng.next() & 0xffff_ffff_ffff);
        push("NEXT", t, Some((task, rng.below(TASK_TYPES.len() as u64) as usize)));
        let length = Span::milliseconds(180_000 + rng.below(300_000) as i64);
        if pause_at.contains(&q) {
            let into = length / 2;
            let pause = Span::milliseconds(300_000 + rng.below(900_000) as i64);
            push("PAUSE", t + into, None);
            push("PAUSE", t + into + pause, None);
            t = t + length + pause;
        } else {
            t += length;
        }
    }
    push("EXIT", t, None);
    events
}

/// Sends one user's events in order, `batch` per `recordEvents`; returns (events, errors, first error).
async fn send_all(conn: &mut Conn, token: &str, events: Vec<Value>, batch: usize) -> anyhow::Result<(u64, u64, Option<String>)> {
    let (mut sent, mut errors, mut first) = (0u64, 0u64, None);
    for chunk in events.chunks(batch.clamp(1, 500)) {
        let data = conn.gql(Some(token), RECORD_EVENTS, json!({ "inputs": chunk })).await?;
        let results = data["recordEvents"].as_array().ok_or_else(|| anyhow!("recordEvents returned no list"))?;
        if results.len() != chunk.len() {
            bail!("recordEvents returned {} results for {} events", results.len(), chunk.len());
        }
        for r in results {
            if let Some(e) = r.get("error").filter(|e| !e.is_null()) {
                errors += 1;
                first.get_or_insert_with(|| e.to_string());
            }
        }
        sent += chunk.len() as u64;
    }
    Ok((sent, errors, first))
}

pub async fn seed(addr: SocketAddr, opts: &SeedOpts, tag: &str) -> anyhow::Result<SeedResult> {
    // Accounts first (argon2 makes registration deliberately slow; timed separately).
    let started = Instant::now();
    let mut emails = vec![format!("main-{tag}@bench.example.com")];
    emails.extend((0..opts.other_users).map(|i| format!("other-{tag}-{i}@bench.example.com")));
    let tokens = client::register_many(addr, emails, "UTC", opts.parallel).await?;
    let register_time = started.elapsed();
    let main_token = tokens[0].clone();
    let settings = json!({ "input": { "hourlyRate": 14.5, "currency": "USD", "dailyCapHours": 8, "weeklyCapHours": 40 } });
    Conn::connect(addr).await?.gql(Some(&main_token), PAY_SETTINGS, settings).await.context("setting the main user's rate and caps")?;

    let days = working_days_before_today(opts.history_days);
    let other_days = working_days_before_today(opts.other_days);
    let started = Instant::now();
    // The main user's year goes in order on one connection while the other users are
    // seeded beside it.
    let main = {
        let token = main_token.clone();
        let days = days.clone();
        let (q, p, batch) = (opts.questions_per_day, opts.pauses_per_day, opts.batch);
        tokio::spawn(async move {
            let mut rng = Rng::new(1);
            let events: Vec<Value> = days.iter().flat_map(|d| day_events(*d, q, p, &mut rng, "main")).collect();
            let mut conn = Conn::connect(addr).await?;
            send_all(&mut conn, &token, events, batch).await
        })
    };
    let queue = Arc::new(Mutex::new((1..tokens.len()).rev().collect::<Vec<usize>>()));
    let tokens = Arc::new(tokens);
    let mut workers = Vec::new();
    for _ in 0..opts.parallel.saturating_sub(1).max(1) {
        let queue = queue.clone();
        let tokens = tokens.clone();
        let other_days = other_days.clone();
        let (q, p, batch) = (opts.other_questions, opts.pauses_per_day.min(1), opts.batch);
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let (mut sent, mut errors, mut first) = (0, 0, None);
            loop {
                let next = queue.lock().unwrap().pop();
                let Some(i) = next else { break };
                let mut rng = Rng::new(i as u64 + 100);
                let events: Vec<Value> = other_days.iter().flat_map(|d| day_events(*d, q, p, &mut rng, &format!("o{i}"))).collect();
                let (s, e, f) = send_all(&mut conn, &tokens[i], events, batch).await?;
                sent += s;
                errors += e;
                if first.is_none() {
                    first = f;
                }
            }
            anyhow::Ok((sent, errors, first))
        }));
    }
    let (mut events, mut errors, mut first_error) = main.await?.context("seeding the main user")?;
    for w in workers {
        let (s, e, f) = w.await?.context("seeding other users")?;
        events += s;
        errors += e;
        if first_error.is_none() {
            first_error = f;
        }
    }
    let seed_time = started.elapsed();

    // Check the history landed whole before timing anything on it.
    let mut conn = Conn::connect(addr).await?;
    let data = conn.gql(Some(&main_token), "query { sessions(limit: 500) { id questionCount } }", json!({})).await?;
    let sessions = data["sessions"].as_array().cloned().unwrap_or_default();
    let main_questions: u64 = sessions.iter().map(|s| s["questionCount"].as_u64().unwrap_or(0)).sum();
    let expected = (opts.history_days * opts.questions_per_day) as u64;
    if sessions.len() != opts.history_days || main_questions != expected {
        bail!("seeded history is incomplete: {} sessions / {main_questions} questions, expected {} / {expected}", sessions.len(), opts.history_days);
    }
    let session_ids = sessions.iter().map(|s| s["id"].clone()).collect();
    Ok(SeedResult { registered: tokens.len(), register_time, events, errors, first_error, seed_time, main_token, days, session_ids, main_questions })
}

pub struct ReadRow {
    pub name: &'static str,
    pub what: String,
    pub latency: Samples,
    pub errors: u64,
    pub first_error: Option<String>,
}

/// Times each read `iterations` times on one keep-alive connection, after a warm-up.
pub async fn time_reads(addr: SocketAddr, seed: &SeedResult, questions_per_day: usize, iterations: usize) -> anyhow::Result<Vec<ReadRow>> {
    let mut conn = Conn::connect(addr).await?;
    let token = seed.main_token.as_str();
    let mut rng = Rng::new(7);
    let days = &seed.days;
    let ids = &seed.session_ids;
    let q = questions_per_day as i64;

    type Check = fn(&Value, i64) -> bool;
    #[allow(clippy::type_complexity)] // one row per case, read as a table
    let cases: Vec<(&'static str, String, &'static str, Box<dyn Fn(&mut Rng) -> Value>, Check)> = vec![
        (
            "day",
            format!("dashboard Today.day, random seeded date ({q} questions)"),
            DAY,
            Box::new(|r: &mut Rng| json!({ "date": days[r.below(days.len() as u64) as usize].to_string() })),
            |d, q| d.pointer("/day/questionCount").and_then(Value::as_i64) == Some(q) && d.pointer("/day/earnings/amount").and_then(Value::as_f64).is_some(),
        ),
        (
            "week",
            "dashboard WeekView, random seeded week".into(),
            WEEK,
            Box::new(|r: &mut Rng| json!({ "start": days[r.below(days.len() as u64) as usize].to_string() })),
            |d, q| {
                d.pointer("/week/questionCount").and_then(Value::as_i64).is_some_and(|n| n >= q)
                    && d.pointer("/week/capSeconds").and_then(Value::as_f64).is_some()
            },
        ),
        (
            "typeStats",
            "History \"By task type\" for a random seeded week".into(),
            TYPE_STATS,
            Box::new(|r: &mut Rng| {
                let from = days[r.below(days.len() as u64) as usize];
                json!({ "from": from.to_string(), "to": (from + Span::days(6)).to_string() })
            }),
            |d, q| {
                let rows = d["typeStats"].as_array().map(Vec::as_slice).unwrap_or_default();
                let count: i64 = rows.iter().filter_map(|r| r["count"].as_i64()).sum();
                rows.len() == TASK_TYPES.len() && count >= q
            },
        ),
        (
            "month",
            "dashboard MonthView: 6 aliased weeks".into(),
            MONTH,
            Box::new(|r: &mut Rng| {
                let start = days[r.below(days.len() as u64) as usize];
                let mut vars = serde_json::Map::new();
                for k in 0..6 {
                    vars.insert(format!("w{k}"), json!((start + Span::days(7 * k)).to_string()));
                }
                Value::Object(vars)
            }),
            |d, _| d.get("w0").is_some(),
        ),
        (
            "session",
            format!("dashboard SessionDetail ({q} questions)"),
            SESSION,
            Box::new(|r: &mut Rng| json!({ "id": ids[r.below(ids.len() as u64) as usize].clone() })),
            |d, q| d.pointer("/session/questions").and_then(Value::as_array).map(Vec::len) == Some(q as usize),
        ),
        ("sessions(limit: 50)", "newest 50 sessions with totals".into(), SESSIONS, Box::new(|_: &mut Rng| json!({})), |d, _| {
            d["sessions"].as_array().is_some_and(|s| !s.is_empty())
        }),
        ("overlay status", "userscript Status poll (today: empty)".into(), STATUS, Box::new(|_: &mut Rng| json!({})), |d, _| d.get("me").is_some()),
    ];

    let mut rows = Vec::new();
    for (name, what, query, vars, check) in cases {
        let warmup = (iterations / 10).clamp(5, 50);
        let mut row = ReadRow { name, what, latency: Samples::with_capacity(iterations), errors: 0, first_error: None };
        for i in 0..warmup + iterations {
            let variables = vars(&mut rng);
            let started = Instant::now();
            let result = conn.gql(Some(token), query, variables).await;
            let elapsed = started.elapsed();
            if i < warmup {
                continue;
            }
            row.latency.push(elapsed);
            match result {
                Ok(data) if check(&data, q) => {}
                Ok(data) => {
                    row.errors += 1;
                    row.first_error.get_or_insert_with(|| format!("unexpected data: {}", &data.to_string()[..data.to_string().len().min(200)]));
                }
                Err(e) => {
                    row.errors += 1;
                    row.first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        rows.push(row);
    }
    Ok(rows)
}
