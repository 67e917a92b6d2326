//! `bench`: starts the release `raterhub-tracker` on fresh databases, drives it over HTTP
//! on 127.0.0.1 and prints Markdown tables for event ingestion, reads at scale and cold
//! start. Build the server first: `cargo build --release -p server`.

mod client;
mod compare;
mod cpu;
mod ingest;
mod reads;
mod recount;
mod reports;
mod server;
mod stats;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};

use server::{Backend, Server, ServerOpts};
use stats::{Table, mb, median, ms, per_event, thousands};

#[derive(Parser, Debug)]
#[command(name = "bench", about = "Benchmark the release raterhub-tracker server (build it first: cargo build --release -p server)")]
struct Args {
    /// A PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test) to benchmark on PostgreSQL. Each stage
    /// gets a fresh `bench_*` database created through it and dropped afterwards. Default: SQLite files in --work-dir.
    #[arg(long)]
    database_url: Option<String>,
    /// The server binary (default: <workspace>/target/release/raterhub-tracker, or $CARGO_TARGET_DIR/release/…).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Scratch directory for SQLite files and server logs (default: a new /tmp/raterhub-bench-<pid>).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Keep the work dir and databases afterwards.
    #[arg(long)]
    keep: bool,
    /// Smoke run with small counts (about half a minute).
    #[arg(long)]
    quick: bool,
    /// Run only these stages (comma separated).
    #[arg(long, value_delimiter = ',')]
    only: Vec<Stage>,
    /// Also run the highest level with `{ serverTime }` instead of NEXT: the HTTP + GraphQL + auth floor.
    #[arg(long)]
    no_baseline: bool,
    /// Ingestion: a user sends EXIT after this many NEXTs and starts a new session (a rater's
    /// day is about 120 questions); 0 = one endless session per user.
    #[arg(long, default_value_t = 120)]
    session_questions: usize,
    /// Concurrent users per ingestion level.
    #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
    users: Vec<usize>,
    /// Run each ingestion level this many times (fresh users each time). Single runs vary by
    /// ±15 % on a shared VM; with more than one, the 100-user targets are judged on the median
    /// run and the worst run is shown beside it.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=20))]
    repeat: u16,
    /// NEXT events per ingestion level, split evenly across its users [default: 10000; --quick 1000].
    #[arg(long)]
    events: Option<usize>,
    /// Working days of history for the main user [default: 261, every weekday of a year; --quick 20].
    #[arg(long)]
    history_days: Option<usize>,
    /// Questions per seeded day (one session each); 261 × 115 = 30,015 questions in a year.
    #[arg(long, default_value_t = 115)]
    questions_per_day: usize,
    /// PAUSE pairs per seeded day.
    #[arg(long, default_value_t = 3)]
    pauses_per_day: usize,
    /// Other users registered and seeded beside the main user [default: 1000; --quick 20].
    #[arg(long)]
    other_users: Option<usize>,
    /// Working days of history per other user.
    #[arg(long, default_value_t = 1)]
    other_days: usize,
    /// Questions per seeded day of the other users (the main user gets --questions-per-day).
    #[arg(long, default_value_t = 20)]
    other_questions: usize,
    /// Events per recordEvents batch while seeding (the server allows up to 500).
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Concurrent connections while registering and seeding.
    #[arg(long, default_value_t = 4)]
    seed_parallel: usize,
    /// Timed iterations per read query [default: 1000; --quick 100].
    #[arg(long)]
    iterations: Option<usize>,
    /// Timed day and week report PDFs each [default: 50; --quick 10].
    #[arg(long)]
    report_iterations: Option<usize>,
    /// Cold starts per kind (fresh database / seeded database) [default: 7; --quick 3].
    #[arg(long)]
    cold_runs: Option<usize>,
    /// RUST_LOG for the server (per-request info logs cost throughput).
    #[arg(long, default_value = "warn")]
    rust_log: String,
    /// Extra environment for the server, KEY=VALUE (repeatable), e.g. MALLOC_ARENA_MAX=2.
    #[arg(long = "server-env", value_name = "KEY=VALUE")]
    server_env: Vec<String>,
    /// With --database-url: also run the ingestion stage on SQLite and `pgbench -N -c 100`
    /// on a scratch database, and print events/s and p99 side by side with that reference.
    #[arg(long)]
    side_by_side: bool,
    /// With --database-url: run the ingestion stage with each of these numbers of server
    /// instances on one database and one Redis, users spread over them in turn (e.g. 1,2).
    #[arg(long, value_delimiter = ',', default_value = "1", value_parser = clap::value_parser!(u16).range(1..=8))]
    instances: Vec<u16>,
    /// The Redis the instances share when there are several.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// Exit non-zero when a performance target is missed (lost events always fail).
    #[arg(long)]
    strict: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Stage {
    Ingest,
    Reads,
    Cold,
    Reports,
}

struct Target {
    what: String,
    goal: String,
    measured: String,
    met: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The client runs on its own thread pool; the server gets the rest of the machine.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let code = runtime.block_on(run(args))?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    std::process::exit(code);
}

fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

fn default_server_bin() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_dir().join("target"));
    target.join("release").join("raterhub-tracker")
}

fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if let Ok(m) = meta.modified() {
                newest = newest.max(Some(m));
            }
        }
    }
    newest
}

async fn run(args: Args) -> anyhow::Result<i32> {
    let stages = if args.only.is_empty() { vec![Stage::Ingest, Stage::Reads, Stage::Cold, Stage::Reports] } else { args.only.clone() };
    let q = args.quick;
    let events = args.events.unwrap_or(if q { 1000 } else { 10_000 });
    let history_days = args.history_days.unwrap_or(if q { 20 } else { 261 });
    let other_users = args.other_users.unwrap_or(if q { 20 } else { 1000 });
    let iterations = args.iterations.unwrap_or(if q { 100 } else { 1000 });
    let cold_runs = args.cold_runs.unwrap_or(if q { 3 } else { 7 }).max(1);

    let bin = args.server_bin.clone().unwrap_or_else(default_server_bin);
    if !bin.is_file() {
        bail!("no server binary at {}: build it first with `cargo build --release -p server` (or pass --server-bin)", bin.display());
    }
    let bin = bin.canonicalize()?;
    let bin_mtime = std::fs::metadata(&bin)?.modified()?;
    let ws = workspace_dir();
    for src in [ws.join("server"), ws.join("migrations")] {
        if newest_mtime(&src).is_some_and(|m| m > bin_mtime) {
            eprintln!("warning: {} is older than the sources in {}; rebuild with `cargo build --release -p server`", bin.display(), src.display());
        }
    }

    let work_dir = match &args.work_dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("raterhub-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let backend = match &args.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Backend::Postgres { admin_url: url.clone() },
        Some(url) => bail!("--database-url must be a postgres:// URL (SQLite is the default): {url}"),
        None => Backend::Sqlite { dir: work_dir.clone() },
    };
    let tag = format!("{:x}", SystemTime::now().duration_since(SystemTime::UNIX_EPOCH)?.as_millis() & 0xffff_ffff);

    println!("# RaterHub Tracker benchmark ({})\n", backend.name());
    let mut info = Table::new(&["", ""]);
    info.row(vec!["date (UTC)".into(), chrono::Utc::now().format("%Y-%m-%d %H:%M").to_string()]);
    info.row(vec![
        "server".into(),
        format!(
            "{} ({}, built {})",
            bin.display(),
            mb(std::fs::metadata(&bin)?.len()),
            chrono::DateTime::<chrono::Utc>::from(bin_mtime).format("%Y-%m-%d %H:%M UTC")
        ),
    ]);
    info.row(vec!["git".into(), git_describe(&ws)]);
    info.row(vec![
        "database".into(),
        match &backend {
            Backend::Sqlite { .. } => "SQLite (WAL), fresh file per stage".into(),
            Backend::Postgres { admin_url } => format!("PostgreSQL, fresh database per stage via {}", redact(admin_url)),
        },
    ]);
    info.row(vec![
        "cpus / load avg at start".into(),
        format!(
            "{} / {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        ),
    ]);
    info.row(vec!["client".into(), "HTTP/1.1 keep-alive (httparse on tokio TcpStream), one connection per user, 2 client threads, 127.0.0.1".into()]);
    info.print();

    let mut targets: Vec<Target> = Vec::new();
    let mut failed = false;

    // ---------------------------------------------------------------- 1. ingestion
    if stages.contains(&Stage::Ingest) {
        if args.instances.iter().any(|&n| n > 1) && matches!(backend, Backend::Sqlite { .. }) {
            bail!("--instances above 1 needs --database-url: SQLite is one process's file");
        }
        let mut by_instances = Vec::new();
        for &instances in &args.instances {
            let stage_tag = if args.instances.len() > 1 { format!("{tag}i{instances}") } else { tag.clone() };
            let ingested = ingest_stage(&args, &backend, &bin, &work_dir, stage_tag, events, usize::from(instances)).await?;
            targets.extend(ingested.targets);
            failed |= ingested.failed;
            by_instances.push((instances, ingested.runs));
        }
        if by_instances.len() > 1 {
            targets.extend(instances_target(&by_instances));
        }
        if let (true, Backend::Postgres { admin_url }) = (args.side_by_side, &backend) {
            let lite = ingest_stage(&args, &Backend::Sqlite { dir: work_dir.clone() }, &bin, &work_dir, format!("{tag}s"), events, 1).await?;
            failed |= lite.failed;
            eprintln!("[ingest] pgbench reference");
            let reference = compare::pgbench(admin_url).await;
            let single = by_instances.iter().find(|(n, _)| *n == 1).or(by_instances.first()).map(|(_, runs)| runs.as_slice()).unwrap_or_default();
            compare::print(&lite.runs, single, &reference);
        }
    }

    // ---------------------------------------------------------------- 2. reads at scale
    let mut seeded_db = None;
    if stages.contains(&Stage::Reads) {
        eprintln!("[reads] starting the server on a fresh database");
        let db = backend.fresh("reads").await?;
        let server = Server::start(&ServerOpts {
            bin: &bin,
            database_url: &db.url,
            work_dir: &work_dir,
            log_name: "reads",
            rust_log: &args.rust_log,
            env: &args.server_env,
        })
        .await?;
        server.wait_healthy().await?;
        let seed_opts = reads::SeedOpts {
            history_days,
            questions_per_day: args.questions_per_day,
            pauses_per_day: args.pauses_per_day,
            other_users,
            other_days: args.other_days,
            other_questions: args.other_questions,
            batch: args.batch,
            parallel: args.seed_parallel,
        };
        eprintln!("[reads] registering {} users and seeding {} + {}×{} days", other_users + 1, history_days, other_users, args.other_days);
        let seed = reads::seed(server.addr, &seed_opts, &tag).await?;
        let (size, size_detail) = backend.size(&db).await?;
        let mut seed_table = Table::new(&["seeding", "count", "time s", "rate"]);
        seed_table.row(vec![
            "register (argon2id)".into(),
            format!("{} users", thousands(seed.registered as u64)),
            format!("{:.1}", seed.register_time.as_secs_f64()),
            format!("{:.0} users/s", seed.registered as f64 / seed.register_time.as_secs_f64()),
        ]);
        seed_table.row(vec![
            format!("recordEvents, batches of {}, {} connections", args.batch, args.seed_parallel),
            format!("{} events", thousands(seed.events)),
            format!("{:.1}", seed.seed_time.as_secs_f64()),
            format!("{} events/s", thousands((seed.events as f64 / seed.seed_time.as_secs_f64()).round() as u64)),
        ]);
        seed_table.row(vec!["database size on disk".into(), size_detail, String::new(), mb(size)]);
        eprintln!("[reads] timing reads, {iterations} iterations each");
        let mut rows = reads::time_reads(server.addr, &seed, args.questions_per_day, iterations).await?;
        let rss = server.rss();
        server.stop().await?;

        println!(
            "\n## 2. Reads at scale: main user with {} working days × {} questions ({} questions, {} pause pairs a day), plus {} users × {} day(s) × {} questions\n",
            history_days,
            args.questions_per_day,
            thousands(seed.main_questions),
            args.pauses_per_day,
            thousands(other_users as u64),
            args.other_days,
            args.other_questions
        );
        seed_table.print();
        if seed.errors > 0 {
            failed = true;
            println!("- **{} seeded events were rejected**, first: {}", seed.errors, seed.first_error.as_deref().unwrap_or("?"));
        }
        let mut table = Table::new(&["query", "what", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms", "iterations", "errors"]);
        for r in rows.iter_mut() {
            table.row(vec![
                r.name.into(),
                r.what.clone(),
                ms(r.latency.pct_ms(50.0)),
                ms(r.latency.pct_ms(95.0)),
                ms(r.latency.pct_ms(99.0)),
                ms(r.latency.max_ms()),
                ms(r.latency.mean_ms()),
                r.latency.len().to_string(),
                r.errors.to_string(),
            ]);
            if let Some(e) = &r.first_error {
                failed = true;
                println!("- {}: {} errors, first: {e}", r.name, r.errors);
            }
            if r.name == "day" || r.name == "week" {
                let p99 = r.latency.pct_ms(99.0);
                targets.push(Target {
                    what: format!("{} p99 (year of history)", r.name),
                    goal: "< 5 ms".into(),
                    measured: format!("{} ms", ms(p99)),
                    met: p99 < 5.0,
                });
            }
        }
        println!();
        table.print();
        println!("Sequential requests on one keep-alive connection, after a warm-up. Server RSS after the reads: {} (peak {}).", mb(rss.current), mb(rss.peak));
        seeded_db = Some(db);
    }

    // ---------------------------------------------------------------- 3. cold start
    if stages.contains(&Stage::Cold) {
        let mut table = Table::new(&[
            "database",
            "runs",
            "spawn → listening ms (median)",
            "spawn → /healthz 200 ms (median)",
            "min ms",
            "max ms",
            "idle RSS (median)",
            "peak RSS (median)",
        ]);
        let mut kinds: Vec<(&str, Option<&server::FreshDb>)> = vec![("fresh (runs migrations)", None)];
        if let Some(db) = &seeded_db {
            kinds.push(("seeded (stage 2)", Some(db)));
        }
        for (label, existing) in kinds {
            eprintln!("[cold] {cold_runs} starts, {label} database");
            let (mut listen, mut healthy, mut idle, mut peak) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for _ in 0..cold_runs {
                let fresh = match existing {
                    Some(_) => None,
                    None => Some(backend.fresh("cold").await?),
                };
                let db = existing.or(fresh.as_ref()).expect("db");
                let server = Server::start(&ServerOpts {
                    bin: &bin,
                    database_url: &db.url,
                    work_dir: &work_dir,
                    log_name: "cold",
                    rust_log: &args.rust_log,
                    env: &args.server_env,
                })
                .await?;
                let t = server.wait_healthy().await?;
                listen.push(server.listening_after.as_secs_f64() * 1000.0);
                healthy.push(t.as_secs_f64() * 1000.0);
                tokio::time::sleep(Duration::from_secs(1)).await;
                let rss = server.rss();
                idle.push(rss.current as f64);
                peak.push(rss.peak as f64);
                server.stop().await?;
                if let Some(f) = fresh {
                    backend.destroy(&f, args.keep).await;
                }
            }
            let min = healthy.iter().cloned().fold(f64::INFINITY, f64::min);
            let max = healthy.iter().cloned().fold(0.0, f64::max);
            let (h, i) = (median(&mut healthy), median(&mut idle));
            table.row(vec![label.into(), cold_runs.to_string(), ms(median(&mut listen)), ms(h), ms(min), ms(max), mb(i as u64), mb(median(&mut peak) as u64)]);
            targets.push(Target { what: format!("cold start, {label}"), goal: "< 200 ms".into(), measured: format!("{} ms", ms(h)), met: h < 200.0 });
            targets.push(Target { what: format!("idle RSS, {label}"), goal: "< 30 MB".into(), measured: mb(i as u64), met: i < 30.0 * 1_048_576.0 });
        }
        println!("\n## 3. Cold start: process spawn to the first 200 from /healthz; idle RSS 1 s later\n");
        table.print();
    }
    if let Some(db) = &seeded_db {
        backend.destroy(db, args.keep).await;
    }

    // ---------------------------------------------------------------- 4. report PDFs
    if stages.contains(&Stage::Reports) {
        let iterations = args.report_iterations.unwrap_or(if q { 10 } else { 50 });
        eprintln!("[reports] seeding {history_days} days × {} questions for one user", args.questions_per_day);
        let db = backend.fresh("reports").await?;
        let server = Server::start(&ServerOpts {
            bin: &bin,
            database_url: &db.url,
            work_dir: &work_dir,
            log_name: "reports",
            rust_log: &args.rust_log,
            env: &args.server_env,
        })
        .await?;
        server.wait_healthy().await?;
        let seed_opts = reads::SeedOpts {
            history_days,
            questions_per_day: args.questions_per_day,
            pauses_per_day: args.pauses_per_day,
            other_users: 0,
            other_days: 0,
            other_questions: 0,
            batch: args.batch,
            parallel: 1,
        };
        let seed = reads::seed(server.addr, &seed_opts, &format!("{tag}r")).await?;
        eprintln!("[reports] timing {iterations} day and week PDFs, then 3 PDFs of the whole range");
        let mut times = reports::time_reports(&server, &seed, iterations, 3).await?;
        server.stop().await?;
        backend.destroy(&db, args.keep).await;
        let year_ms: Vec<f64> = times.year.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        let worst_peak = times.year_peak_rss.iter().copied().max().unwrap_or(0);
        let mut table = Table::new(&["report PDF", "p50 ms", "p95 ms", "max ms", "runs"]);
        for (name, samples) in [(format!("day ({} questions)", args.questions_per_day), &mut times.day), ("week".into(), &mut times.week)] {
            table.row(vec![name, ms(samples.pct_ms(50.0)), ms(samples.pct_ms(95.0)), ms(samples.max_ms()), samples.len().to_string()]);
        }
        let year_p50 = median(&mut year_ms.clone());
        let year_max = year_ms.iter().copied().fold(0.0, f64::max);
        table.row(vec![
            format!("whole range ({} questions, {})", thousands(seed.main_questions), mb(times.year_bytes as u64)),
            ms(year_p50),
            String::new(),
            ms(year_max),
            year_ms.len().to_string(),
        ]);
        println!("\n## 4. Report PDFs over HTTP (GET /reports/…pdf, one keep-alive connection)\n");
        table.print();
        println!("Server RSS before the range PDFs: {}; peak while making one (VmHWM, reset before each): {}.", mb(times.rss_before), mb(worst_peak));
        let (day_p50, week_p50) = (times.day.pct_ms(50.0), times.week.pct_ms(50.0));
        targets.push(Target { what: "day PDF p50".into(), goal: "< 50 ms".into(), measured: format!("{} ms", ms(day_p50)), met: day_p50 < 50.0 });
        targets.push(Target { what: "week PDF p50".into(), goal: "< 150 ms".into(), measured: format!("{} ms", ms(week_p50)), met: week_p50 < 150.0 });
        targets.push(Target {
            what: format!("range PDF, {} questions (slowest run)", thousands(seed.main_questions)),
            goal: "< 3 s".into(),
            measured: format!("{} ms", ms(year_max)),
            met: year_max < 3000.0,
        });
        targets.push(Target {
            what: "server peak RSS during the range PDF".into(),
            goal: "< 100 MB".into(),
            measured: mb(worst_peak),
            met: worst_peak < 100 * 1_048_576,
        });
    }

    // ---------------------------------------------------------------- targets
    if !targets.is_empty() {
        println!("\n## Targets ({})\n", backend.name());
        let mut table = Table::new(&["target", "goal", "measured", "result"]);
        for t in &targets {
            table.row(vec![t.what.clone(), t.goal.clone(), t.measured.clone(), if t.met { "met".into() } else { "MISSED".into() }]);
        }
        table.print();
    }
    if args.keep {
        println!("Kept {}", work_dir.display());
    } else if args.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&work_dir);
    }
    if failed {
        eprintln!("bench: FAILED (lost or rejected events, or read errors; see above)");
        return Ok(1);
    }
    if args.strict && targets.iter().any(|t| !t.met) {
        eprintln!("bench: a performance target was missed (--strict)");
        return Ok(2);
    }
    Ok(0)
}

/// One ingestion level's run, for the side-by-side table.
pub struct Level {
    pub users: usize,
    pub rate: f64,
    pub p99: f64,
}

struct Ingested {
    targets: Vec<Target>,
    failed: bool,
    runs: Vec<Level>,
}

fn on_instances(instances: usize) -> String {
    if instances > 1 { format!(", {instances} instances") } else { String::new() }
}

/// Several instances on one database should together ingest at least what one does
/// (median of the 100-user runs of each stage).
fn instances_target(by_instances: &[(u16, Vec<Level>)]) -> Option<Target> {
    let median_at_100 = |runs: &[Level]| median_and_worst(runs.iter().filter(|l| l.users == 100).map(|l| l.rate).collect(), false).map(|(m, _)| m);
    let one = by_instances.iter().find(|(n, _)| *n == 1).and_then(|(_, runs)| median_at_100(runs))?;
    let (most, runs) = by_instances.iter().max_by_key(|(n, _)| *n)?;
    let together = median_at_100(runs)?;
    Some(Target {
        what: format!("{most} instances together, 100 users"),
        goal: format!("≥ one instance ({} events/s)", thousands(one.round() as u64)),
        measured: format!("{} events/s ({:.0}%)", thousands(together.round() as u64), 100.0 * together / one.max(1e-9)),
        met: together >= one,
    })
}

/// Stage 1 on `backend`: prints its table; returns its targets and runs.
async fn ingest_stage(args: &Args, backend: &Backend, bin: &Path, work_dir: &Path, tag: String, events: usize, instances: usize) -> anyhow::Result<Ingested> {
    let (bin, work_dir) = (bin.to_path_buf(), work_dir.to_path_buf());
    let mut targets = Vec::new();
    let mut failed = false;
    let mut runs = Vec::new();
    eprintln!("[ingest] starting {instances} server instance(s) on a fresh database");
    let db = backend.fresh("ingest").await?;
    let mut env = args.server_env.clone();
    if instances > 1 {
        env.push(format!("REDIS_URL={}", args.redis_url));
        env.push(format!("REDIS_KEY_PREFIX=bench-{tag}"));
    }
    let mut servers = Vec::with_capacity(instances);
    for n in 1..=instances {
        let log_name = if instances > 1 { format!("ingest-{n}") } else { "ingest".to_owned() };
        let server =
            Server::start(&ServerOpts { bin: &bin, database_url: &db.url, work_dir: &work_dir, log_name: &log_name, rust_log: &args.rust_log, env: &env })
                .await?;
        server.wait_healthy().await?;
        servers.push(server);
    }
    let mut table = Table::new(&[
        "users",
        "events",
        "events/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "errors",
        "server CPU ms/event",
        "server CPU use",
        "bench CPU ms/event",
        "PostgreSQL CPU ms/event",
        "machine CPU ms/event",
        "machine busy",
        "connections",
        "RSS before",
        "peak RSS",
        "recount",
    ]);
    let mut problems = Vec::new();
    let mut peak_note = false;
    let mut levels: Vec<(usize, bool)> = args.users.iter().map(|&u| (u, false)).collect();
    if let (false, Some(&top)) = (args.no_baseline, args.users.iter().max()) {
        levels.push((top, true));
    }
    let repeat = usize::from(args.repeat);
    let mut top_runs: Vec<(f64, f64)> = Vec::new();
    for (users, baseline, run) in levels.into_iter().flat_map(|(u, b)| (1..=repeat).map(move |run| (u, b, run))) {
        let per_user = (events / users.max(1)).max(1);
        let run_label = if repeat > 1 { format!(" (run {run}/{repeat})") } else { String::new() };
        eprintln!("[ingest] {users} users × {per_user} {}{run_label}", if baseline { "{ serverTime } (baseline)" } else { "events" });
        let run_tag = if repeat > 1 { format!("{tag}r{run}") } else { tag.clone() };
        let mut r = ingest::run_level(&servers, &db, users, per_user, args.session_questions, &run_tag, baseline).await?;
        peak_note |= !r.peak_is_phase;
        let recount = if baseline {
            "n/a".to_owned()
        } else if r.mismatches.is_empty() {
            format!("exact ({users}/{users}; table: {} events)", thousands(r.table_events as u64))
        } else {
            format!("LOST ({} users)", r.mismatches.len())
        };
        table.row(vec![
            if baseline { format!("{users}, baseline `{{ serverTime }}`{run_label}") } else { format!("{users}{run_label}") },
            thousands(r.events),
            thousands(r.rate().round() as u64),
            ms(r.latency.pct_ms(50.0)),
            ms(r.latency.pct_ms(95.0)),
            ms(r.latency.pct_ms(99.0)),
            ms(r.latency.max_ms()),
            r.errors.to_string(),
            per_event(r.server_cpu, r.events),
            format!("{:.0}%", 100.0 * r.server_cpu.as_secs_f64() / r.wall.as_secs_f64().max(1e-9)),
            per_event(r.client_cpu, r.events),
            per_event(r.machine.postgres, r.events),
            per_event(r.machine.busy, r.events),
            format!("{:.0}%", r.machine.busy_percent()),
            r.connections.to_string(),
            mb(r.rss_before),
            mb(r.peak_rss),
            recount,
        ]);
        if let Some(e) = &r.first_error {
            problems.push(format!("{users} users: {} errors, first: {e}", r.errors));
        }
        for m in r.mismatches.iter().take(5) {
            problems.push(format!("{users} users: recount failed for {m}"));
        }
        if !r.mismatches.is_empty() || r.errors > 0 {
            failed = true;
        }
        if !baseline {
            runs.push(Level { users, rate: r.rate(), p99: r.latency.pct_ms(99.0) });
        }
        if users == 100 && !baseline {
            top_runs.push((r.rate(), r.latency.pct_ms(99.0)));
        }
    }
    if let Some((rate, worst_rate)) = median_and_worst(top_runs.iter().map(|r| r.0).collect(), false) {
        let measured = if top_runs.len() > 1 {
            format!("{} events/s (median of {}; worst {})", thousands(rate.round() as u64), top_runs.len(), thousands(worst_rate.round() as u64))
        } else {
            format!("{} events/s", thousands(rate.round() as u64))
        };
        targets.push(Target {
            what: format!("ingestion, 100 users{}", on_instances(instances)),
            goal: "≥ 5,000 events/s (aim 10,000)".into(),
            measured,
            met: rate >= 5000.0,
        });
    }
    if let Some((p99, worst_p99)) = median_and_worst(top_runs.iter().map(|r| r.1).collect(), true) {
        let measured =
            if top_runs.len() > 1 { format!("{} ms (median of {}; worst {} ms)", ms(p99), top_runs.len(), ms(worst_p99)) } else { format!("{} ms", ms(p99)) };
        targets.push(Target { what: format!("ingestion p99, 100 users{}", on_instances(instances)), goal: "< 25 ms".into(), measured, met: p99 < 25.0 });
    }
    let size = backend.size(&db).await.map(|(b, _)| mb(b)).unwrap_or_else(|e| format!("? ({e})"));
    for server in servers {
        server.stop().await?;
    }
    backend.destroy(&db, args.keep).await;
    let shape = if args.session_questions == 0 {
        "NEXT only, one session per user".to_owned()
    } else {
        format!("NEXT, with an EXIT after every {} NEXTs (one working session)", args.session_questions)
    };
    let on = if instances > 1 { format!("{}, {instances} server instances sharing it and one Redis", backend.name()) } else { backend.name().to_owned() };
    println!("\n## 1. Event ingestion ({on}): recordEvent ({shape}), keep-alive, {} events per level\n", thousands(events as u64));
    table.print();
    println!(
        "Each level registers fresh users (argon2id) first; RSS before = after those registrations. Every user then sent a final EXIT and was recounted: through GraphQL, every session holds questions 1..n with no gap or duplicate, and the total equals the NEXTs sent; and in the events table itself (read straight from the database), each user's NEXT and EXIT rows equal both what was sent and what GraphQL shows. The baseline row sends `{{ serverTime }}` (auth + GraphQL, no write) instead. Database afterwards: {size}."
    );
    if peak_note {
        println!("(Peak RSS is the process lifetime peak: /proc/<pid>/clear_refs was not writable.)");
    } else {
        println!("Peak RSS is VmHWM during that level (reset through /proc/<pid>/clear_refs before it).");
    }
    for p in &problems {
        println!("- {p}");
    }
    if failed {
        println!("\n**FAILED: events were lost or rejected (see above).**");
    }
    Ok(Ingested { targets, failed, runs })
}

fn git_describe(ws: &Path) -> String {
    std::process::Command::new("git")
        .args(["-C", &ws.display().to_string(), "log", "-1", "--format=%h %s"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            let s = String::from_utf8_lossy(&o.stdout).trim().to_owned();
            if s.chars().count() > 70 { format!("{}…", s.chars().take(70).collect::<String>()) } else { s }
        })
        .unwrap_or_else(|| "?".into())
}

/// Hides a password in a URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The median of `values` and the worst of them (the highest when `higher_is_worse`, else
/// the lowest); None when empty. An even count takes the worse of the two middle values.
fn median_and_worst(mut values: Vec<f64>, higher_is_worse: bool) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    if !higher_is_worse {
        values.reverse();
    }
    // Sorted best first: the upper middle is the worse of the two middles.
    Some((values[values.len() / 2], values[values.len() - 1]))
}

#[cfg(test)]
mod operations {
    use serde_json::json;

    use crate::{client, ingest, reads};

    /// Every operation the bench sends validates against the server's schema, with the
    /// variables it sends. Validation errors carry no path; resolver errors (there is no
    /// database here) do, and are ignored.
    #[tokio::test]
    async fn every_operation_validates_against_the_schema() {
        let schema = raterhub_server::graphql::build_schema(None);
        let event = json!({"type": "NEXT", "clientEventId": "b1", "occurredAt": "2026-11-26T09:00:00Z"});
        let date = json!("2026-11-23");
        let operations = [
            (client::REGISTER, json!({"email": "b@example.com", "password": client::PASSWORD, "timezone": "UTC"})),
            (ingest::RECORD_EVENT, json!({"input": event})),
            (ingest::VERIFY_SESSIONS, json!({})),
            (ingest::VERIFY_SESSION, json!({"id": "1"})),
            (ingest::BASELINE, json!({})),
            (reads::RECORD_EVENTS, json!({"inputs": [event]})),
            (reads::DAY, json!({"date": date})),
            (reads::WEEK, json!({"start": date})),
            (reads::TYPE_STATS, json!({"from": date, "to": date})),
            (reads::PAY_SETTINGS, json!({"input": {"hourlyRate": 14.5, "currency": "USD", "dailyCapHours": 8, "weeklyCapHours": 40}})),
            (reads::MONTH, json!({"w0": date, "w1": date, "w2": date, "w3": date, "w4": date, "w5": date})),
            (reads::SESSION, json!({"id": "1"})),
            (reads::SESSIONS, json!({})),
            (reads::STATUS, json!({})),
        ];
        for (query, variables) in operations {
            let request = async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables));
            let response = schema.execute(request).await;
            let invalid: Vec<_> = response.errors.iter().filter(|e| e.path.is_empty()).collect();
            assert!(invalid.is_empty(), "{query}\n{invalid:?}");
        }
    }
}

#[cfg(test)]
mod verdicts {
    use super::median_and_worst;

    #[test]
    fn median_and_worst_follow_the_direction_of_worse() {
        assert_eq!(median_and_worst(vec![], true), None);
        assert_eq!(median_and_worst(vec![20.0], true), Some((20.0, 20.0)));
        // Latency: higher is worse; of an even count the worse middle is taken.
        assert_eq!(median_and_worst(vec![16.0, 25.0, 19.0, 22.0], true), Some((22.0, 25.0)));
        // Throughput: lower is worse.
        assert_eq!(median_and_worst(vec![11_000.0, 8_500.0, 13_000.0], false), Some((11_000.0, 8_500.0)));
        assert_eq!(median_and_worst(vec![11_000.0, 8_500.0, 13_000.0, 9_000.0], false), Some((9_000.0, 8_500.0)));
    }
}
