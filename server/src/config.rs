//! Command line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "raterhub-tracker", version, about = "Self-hosted time tracking for RaterHub raters")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Copy a SQLite database consistently while the server runs (VACUUM INTO).
    Backup {
        /// The file to write; it must not exist.
        file: PathBuf,
    },
    /// Write one user's data as JSON (to stdout, or --out).
    Export {
        #[arg(long)]
        user: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Read a JSON export back in; importing the same file twice changes nothing.
    Import { file: PathBuf },
    /// Queue the report e-mails due now (or at --at), once, then send the queue; for cron
    /// users and tests. The server does the same every 5 minutes by itself.
    SendReports {
        /// An RFC 3339 time to act as "now", e.g. 2026-11-30T07:05:00-08:00.
        #[arg(long)]
        at: Option<String>,
    },
    /// Exit 0 when the server at LISTEN_ADDR answers /healthz with 200 (for container health checks).
    Healthcheck,
    /// Account administration for a locked-out self-hoster.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Create an account (prompts for nothing: pass the password or read it from RHT_PASSWORD).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, env = "RHT_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "UTC")]
        timezone: String,
        /// Make the account an admin.
        #[arg(long)]
        admin: bool,
    },
    /// Set a new password (`--password`), or print a one-time reset link.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, env = "RHT_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Delete an account and every row it owns (the audit log keeps its entries, anonymised).
    DeleteUser {
        #[arg(long)]
        email: String,
    },
    /// Make an account an admin.
    Promote {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegistrationMode {
    /// Anyone can register.
    Open,
    /// Registration needs an invite code from an admin.
    Invite,
    /// Only admins (or the CLI) create accounts.
    Closed,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite://path?mode=rwc`, a plain file path, or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "raterhub.db")]
    pub database_url: String,
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8000")]
    pub listen_addr: SocketAddr,
    /// Signs session tokens; at least 32 bytes. Generated and kept beside the database when unset.
    #[arg(long, env = "SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    #[arg(long, env = "ACCESS_TOKEN_EXPIRE_MINUTES", default_value_t = 1440)]
    pub access_token_expire_minutes: i64,
    /// Extra origins allowed by CORS (comma separated). Empty: CORS off.
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// The server's public URL, written into the userscript (default: from the request's Host).
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Peers (IPs or CIDRs, comma separated) whose X-Forwarded-For/-Proto headers are trusted.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve the dashboard from this directory instead of the embedded copy.
    #[arg(long, env = "DIST_DIR")]
    pub dist_dir: Option<PathBuf>,
    /// open, invite or closed. The first account on a fresh server is always allowed and is admin.
    #[arg(long, env = "REGISTRATION_MODE", value_enum, default_value = "open")]
    pub registration_mode: RegistrationMode,
    /// GraphiQL and introspection (true/false).
    #[arg(long, env = "GRAPHQL_PLAYGROUND", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphql_playground: bool,
    #[command(flatten)]
    pub limits: LimitConfig,
    /// PostgreSQL: event transactions this instance keeps in flight (group commit). Several
    /// instances on one database add theirs up (see the README's Configuration). Unset: 4,
    /// or 2 with `REDIS_URL` (see `event_workers`).
    #[arg(long, env = "PG_EVENT_WORKERS", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub pg_event_workers: Option<u16>,
    /// When set, `/metrics` needs `Authorization: Bearer <token>`.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// `text` or `json` (one JSON object per line, for log shippers).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Also write the log to this file, rotated daily (`PATH.YYYY-MM-DD`), without colour.
    #[arg(long, env = "LOG_FILE")]
    pub log_file: Option<PathBuf>,
    /// How many daily log files to keep.
    #[arg(long, env = "LOG_FILE_RETENTION", default_value_t = 14)]
    pub log_file_retention: usize,
    /// Shares rate limits and live updates between instances (redis://host:6379).
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key and channel (instances that share it act as one).
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "rht")]
    pub redis_key_prefix: String,
    #[command(flatten)]
    pub mail: MailConfig,
    /// Paper size of report PDFs: a4 or letter.
    #[arg(long, env = "REPORT_PAPER", value_enum, default_value = "a4")]
    pub report_paper: crate::report::layout::Paper,
}

/// Outgoing mail. With neither `SMTP_URL` nor `MAIL_TRANSPORT=file:DIR`, mail is off and
/// the features that need it answer `MAIL_DISABLED`.
#[derive(Debug, Clone, Args)]
pub struct MailConfig {
    /// `smtp://user:pass@host:587` (STARTTLS required), `smtps://user:pass@host:465`
    /// (implicit TLS), or `smtp://127.0.0.1:2525?tls=off` for a local relay.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// A PEM certificate to trust for the SMTP server's TLS, besides the public roots
    /// (a private relay with its own CA).
    #[arg(long, env = "SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,
    /// `file:DIR` writes every message as an `.eml` file in DIR instead of sending it.
    #[arg(long, env = "MAIL_TRANSPORT")]
    pub mail_transport: Option<String>,
    /// The sender, e.g. `RaterHub Tracker <tracker@example.com>`. Required when mail is on.
    #[arg(long, env = "MAIL_FROM")]
    pub mail_from: Option<String>,
    /// off, optional or required. Default: off without mail, optional with mail.
    #[arg(long, env = "EMAIL_VERIFICATION", value_enum)]
    pub email_verification: Option<EmailVerification>,
    /// First retry delay of a mail that could not be sent; it doubles per attempt.
    #[arg(long = "mail-retry-base-seconds", env = "MAIL_RETRY_BASE_SECONDS", default_value_t = 30)]
    pub retry_base_seconds: u64,
    /// A mail not sent after this long is marked failed.
    #[arg(long = "mail-give-up-hours", env = "MAIL_GIVE_UP_HOURS", default_value_t = 24)]
    pub give_up_hours: u64,
    /// Run the worker that sends queued mail in this process (true/false). With SQLite,
    /// one process owns the queue; with PostgreSQL, any number may run it.
    #[arg(long = "mail-worker", env = "MAIL_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub worker: bool,
    /// Look for due report e-mails every 5 minutes in this process (true/false).
    #[arg(long, env = "REPORT_SCHEDULER", default_value_t = true, action = clap::ArgAction::Set)]
    pub report_scheduler: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmailVerification {
    Off,
    /// A link is mailed at sign-up; an unverified account works as usual.
    Optional,
    /// An unverified account can sign in and change settings but not record events.
    Required,
}

impl Default for MailConfig {
    /// Mail off, with the command line's defaults for everything else.
    fn default() -> Self {
        MailConfig {
            smtp_url: None,
            smtp_ca_file: None,
            mail_transport: None,
            mail_from: None,
            email_verification: None,
            retry_base_seconds: 30,
            give_up_hours: 24,
            worker: true,
            report_scheduler: true,
        }
    }
}

impl MailConfig {
    pub fn enabled(&self) -> bool {
        self.smtp_url.is_some() || self.mail_transport.is_some()
    }

    pub fn verification(&self) -> EmailVerification {
        match (self.email_verification, self.enabled()) {
            (Some(mode), true) => mode,
            (_, false) => EmailVerification::Off,
            (None, true) => EmailVerification::Optional,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Rate limits; 0 turns one off.
#[derive(Debug, Clone, Args)]
pub struct LimitConfig {
    /// register + login attempts per client IP per minute.
    #[arg(long, env = "RATE_LIMIT_AUTH_PER_MINUTE", default_value_t = 20)]
    pub auth_per_minute: u32,
    /// recordEvent/recordEvents calls per user per minute (a batch counts once).
    #[arg(long, env = "RATE_LIMIT_EVENTS_PER_MINUTE", default_value_t = 600)]
    pub events_per_minute: u32,
    /// Burst allowance for events, so an offline queue can drain at once.
    #[arg(long, env = "RATE_LIMIT_EVENTS_BURST", default_value_t = 300)]
    pub events_burst: u32,
    /// GraphQL requests per client IP per minute.
    #[arg(long, env = "RATE_LIMIT_REQUESTS_PER_MINUTE", default_value_t = 3000)]
    pub requests_per_minute: u32,
    /// Failed sign-ins per client IP (across all emails) per 15 minutes.
    #[arg(long, env = "LOGIN_IP_FAILURE_BUDGET", default_value_t = 30)]
    pub login_ip_failures: u32,
}

impl LimitConfig {
    /// Everything off: for tests and benchmarks that need raw throughput.
    pub fn unlimited() -> Self {
        LimitConfig { auth_per_minute: 0, events_per_minute: 0, events_burst: 0, requests_per_minute: 0, login_ip_failures: 1_000_000 }
    }
}

impl Config {
    /// The event workers to start. `REDIS_URL` means instances share one database, and their
    /// transactions in flight add up there: two instances with 2 each did 89–92 % of one
    /// instance's events/s on one 2-core host, against 81–84 % with 4 each.
    pub fn event_workers(&self) -> u16 {
        self.pg_event_workers.unwrap_or(if self.redis_url.is_some() { crate::db::SHARED_PG_EVENT_WORKERS } else { crate::db::DEFAULT_PG_EVENT_WORKERS })
    }

    /// The sqlx URL, turning a bare path into a SQLite URL that creates the file.
    pub fn normalized_database_url(&self) -> String {
        let url = self.database_url.trim();
        if url.contains("://") || url.starts_with("sqlite:") { url.to_owned() } else { format!("sqlite://{url}?mode=rwc") }
    }

    pub fn is_sqlite(&self) -> bool {
        self.normalized_database_url().starts_with("sqlite:")
    }

    /// The SQLite database file, if the database is a SQLite file.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.normalized_database_url();
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// Where a generated secret is kept: beside a SQLite file, else in the working directory.
    pub fn secret_file(&self) -> PathBuf {
        match self.sqlite_path() {
            Some(path) => PathBuf::from(format!("{}.secret", path.display())),
            None => PathBuf::from("raterhub.secret"),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    fn workers(args: &[&str]) -> Result<u16, clap::Error> {
        let mut argv = vec!["raterhub-tracker"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).map(|cli| cli.config.event_workers())
    }

    #[test]
    fn pg_event_workers_default_to_the_measured_count_and_stay_in_range() {
        assert_eq!(workers(&[]).unwrap(), crate::db::DEFAULT_PG_EVENT_WORKERS);
        assert_eq!(workers(&["--redis-url", "redis://127.0.0.1:6379"]).unwrap(), crate::db::SHARED_PG_EVENT_WORKERS, "instances sharing a database");
        assert_eq!(workers(&["--pg-event-workers", "3", "--redis-url", "redis://127.0.0.1:6379"]).unwrap(), 3, "the setting wins");
        assert_eq!(workers(&["--pg-event-workers", "2"]).unwrap(), 2);
        for refused in ["0", "65", "-1", "many"] {
            assert!(workers(&["--pg-event-workers", refused]).is_err(), "{refused} must be refused");
        }
    }
}
