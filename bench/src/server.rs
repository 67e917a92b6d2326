//! Fresh databases (a SQLite file or a new PostgreSQL database) and the server process.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use sqlx::Connection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::{client, cpu};

/// Where fresh databases come from.
pub enum Backend {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String },
}

/// One fresh database; dropped (PostgreSQL) or left in the work dir (SQLite) by `destroy`.
pub struct FreshDb {
    pub url: String,
    pub sqlite_path: Option<PathBuf>,
    pub pg_name: Option<String>,
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "SQLite",
            Backend::Postgres { .. } => "PostgreSQL",
        }
    }

    pub async fn fresh(&self, label: &str) -> anyhow::Result<FreshDb> {
        let tag = unique_tag();
        match self {
            Backend::Sqlite { dir } => {
                let path = dir.join(format!("{label}-{tag}.db"));
                Ok(FreshDb { url: format!("sqlite://{}?mode=rwc", path.display()), sqlite_path: Some(path), pg_name: None })
            }
            Backend::Postgres { admin_url } => {
                let name = format!("bench_{}_{tag}", label.replace('-', "_"));
                let mut conn = sqlx::PgConnection::connect(admin_url).await.context("connecting to PostgreSQL with --database-url")?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut conn)
                    .await
                    .with_context(|| format!("CREATE DATABASE {name}"))?;
                conn.close().await.ok();
                Ok(FreshDb { url: with_database(admin_url, &name)?, sqlite_path: None, pg_name: Some(name) })
            }
        }
    }

    /// Bytes on disk: the SQLite file with its -wal and -shm, or pg_database_size.
    pub async fn size(&self, db: &FreshDb) -> anyhow::Result<(u64, String)> {
        match (self, &db.sqlite_path, &db.pg_name) {
            (Backend::Sqlite { .. }, Some(path), _) => {
                let mut total = 0;
                let mut parts = Vec::new();
                for suffix in ["", "-wal", "-shm"] {
                    let p = PathBuf::from(format!("{}{suffix}", path.display()));
                    let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                    total += len;
                    parts.push(format!("db{suffix} {}", crate::stats::mb(len)));
                }
                Ok((total, parts.join(", ")))
            }
            (Backend::Postgres { admin_url }, _, Some(name)) => {
                let mut conn = sqlx::PgConnection::connect(admin_url).await?;
                let size: i64 = sqlx::query_scalar("SELECT pg_database_size($1)").bind(name).fetch_one(&mut conn).await?;
                conn.close().await.ok();
                Ok((size as u64, "pg_database_size".to_owned()))
            }
            _ => bail!("database kind mismatch"),
        }
    }

    pub async fn destroy(&self, db: &FreshDb, keep: bool) {
        if keep {
            return;
        }
        match self {
            Backend::Sqlite { .. } => {
                if let Some(path) = &db.sqlite_path {
                    for suffix in ["", "-wal", "-shm", ".secret"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                }
            }
            Backend::Postgres { admin_url } => {
                if let Some(name) = &db.pg_name {
                    match sqlx::PgConnection::connect(admin_url).await {
                        Ok(mut conn) => {
                            if let Err(e) =
                                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut conn).await
                            {
                                eprintln!("warning: could not drop database {name}: {e}");
                            }
                            conn.close().await.ok();
                        }
                        Err(e) => eprintln!("warning: could not drop database {name}: {e}"),
                    }
                }
            }
        }
    }
}

/// `postgres://user@host:port/old?x` → `postgres://user@host:port/<name>?x`.
pub fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| anyhow!("--database-url must look like postgres://user@host:port/db"))?;
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

fn unique_tag() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("{}_{:x}", std::process::id(), nanos & 0xffff_ffff)
}

/// Per-minute rate limits that the benchmark never reaches.
const HIGH_LIMIT: &str = "1000000000";

/// A running `raterhub-tracker serve`.
pub struct Server {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    /// Spawn until the "listening on" line.
    pub listening_after: Duration,
    pub spawned_at: Instant,
    log: PathBuf,
}

pub struct ServerOpts<'a> {
    pub bin: &'a Path,
    pub database_url: &'a str,
    pub work_dir: &'a Path,
    pub log_name: &'a str,
    pub rust_log: &'a str,
    /// Extra KEY=VALUE pairs.
    pub env: &'a [String],
}

impl Server {
    pub async fn start(opts: &ServerOpts<'_>) -> anyhow::Result<Server> {
        let log = opts.work_dir.join(format!("{}.log", opts.log_name));
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(&log).with_context(|| format!("opening {}", log.display()))?;
        let mut command = Command::new(opts.bin);
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", opts.database_url)
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .env("SECRET_KEY", "bench-secret-key-0123456789abcdef-0123456789abcdef")
            .env("RUST_LOG", opts.rust_log)
            // Rate limits stay on (their cost is part of every request) but far above what
            // the benchmark sends: 1,000 accounts from one IP, 20,000 events from one user.
            .env("RATE_LIMIT_AUTH_PER_MINUTE", HIGH_LIMIT)
            .env("RATE_LIMIT_EVENTS_PER_MINUTE", HIGH_LIMIT)
            .env("RATE_LIMIT_EVENTS_BURST", HIGH_LIMIT)
            .env("RATE_LIMIT_REQUESTS_PER_MINUTE", HIGH_LIMIT)
            .env("REGISTRATION_MODE", "open")
            .current_dir(opts.work_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        for pair in opts.env {
            let (key, value) = pair.split_once('=').ok_or_else(|| anyhow!("--server-env wants KEY=VALUE, got {pair}"))?;
            command.env(key, value);
        }
        let spawned_at = Instant::now();
        let mut child = command.spawn().with_context(|| format!("starting {}", opts.bin.display()))?;
        let pid = child.id().ok_or_else(|| anyhow!("server exited at once"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let found = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.trim().strip_prefix("listening on http://") {
                    return anyhow::Ok(Some(rest.parse::<SocketAddr>()?));
                }
            }
            Ok(None)
        })
        .await;
        let listening_after = spawned_at.elapsed();
        let addr = match found {
            Ok(Ok(Some(addr))) => addr,
            other => {
                let _ = child.start_kill();
                let tail = tail_of(&log, 20);
                bail!("the server did not start ({other:?}); last lines of {}:\n{tail}", log.display());
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server { child, pid, addr, listening_after, spawned_at, log })
    }

    /// Polls /healthz until 200; returns the time since spawn.
    pub async fn wait_healthy(&self) -> anyhow::Result<Duration> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if client::healthz_once(self.addr).await {
                return Ok(self.spawned_at.elapsed());
            }
            if Instant::now() > deadline {
                bail!("/healthz never answered 200; see {}", self.log.display());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Resets the kernel's peak-RSS counter (VmHWM) so the next phase measures its own peak.
    pub fn reset_peak_rss(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }

    /// CPU time (user + system) the server has used so far.
    pub fn cpu_time(&self) -> Duration {
        cpu::ticks(cpu::pid_ticks(self.pid))
    }

    pub fn rss(&self) -> Rss {
        Rss::of(self.pid)
    }

    /// SIGTERM (graceful), then SIGKILL after 10 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => {
                eprintln!("warning: the server ignored SIGTERM for 10 s; killing it");
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

fn tail_of(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Resident memory from /proc/<pid>/status, in bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rss {
    pub current: u64,
    pub peak: u64,
}

impl Rss {
    pub fn of(pid: u32) -> Rss {
        let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            text.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()).map_or(0, |kb| kb * 1024)
        };
        Rss { current: field("VmRSS:"), peak: field("VmHWM:") }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "b1").unwrap(), "postgres://postgres@127.0.0.1:5432/b1");
        assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "b1").unwrap(), "postgres://u:p@h/b1?sslmode=disable");
        assert_eq!(with_database("postgres://h:5432", "b1").unwrap(), "postgres://h:5432/b1");
    }
}
