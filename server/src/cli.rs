//! The command line: each subcommand dispatched to the library, with errors worded for an
//! operator (the cause of a database failure included, see `AppError::for_operator`).

use std::net::SocketAddr;

use anyhow::{Context, bail};
use tracing_subscriber::EnvFilter;

use crate::config::{AdminCommand, Cli, Command, Config, LogFormat};
use crate::db::{Db, DbOptions};
use crate::error::AppError;
use crate::{AppState, app, auth};

/// Runs one command line: the server by default.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let _log_flush = init_logging(&cli.config)?;

    match cli.command.unwrap_or(Command::Serve) {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Migrate => {
            let db = Db::connect(&cli.config.normalized_database_url()).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::SendReports { at } => send_reports(cli.config, at).await,
        Command::Healthcheck => healthcheck(cli.config.listen_addr).await,
        Command::Admin(command) => admin(&cli.config, command).await,
        Command::Backup { file } => {
            for line in crate::ops::backup_with_key(&cli.config, &file).await? {
                println!("{line}");
            }
            Ok(())
        }
        Command::Export { user, out } => {
            let db = Db::connect(&cli.config.normalized_database_url()).await?;
            db.migrate().await?;
            let dump = crate::ops::export_user(&db, &user).await?;
            let json = serde_json::to_string_pretty(&dump)?;
            match out {
                Some(path) => std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?,
                None => println!("{json}"),
            }
            Ok(())
        }
        Command::Import { file } => {
            let db = Db::connect(&cli.config.normalized_database_url()).await?;
            db.migrate().await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let summary = crate::ops::import_user(&db, &serde_json::from_str(&text)?).await?;
            println!("{summary}");
            Ok(())
        }
        Command::Serve => serve(cli.config).await,
    }
}

/// Console logging (colour only on a terminal) and, with LOG_FILE, a daily-rotated file
/// without colour. The returned guard flushes the file when main returns.
fn init_logging(config: &Config) -> anyhow::Result<Option<tracing_appender::non_blocking::WorkerGuard>> {
    use std::io::IsTerminal;
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let format = config.log_format;
    let layer = |ansi: bool, writer: tracing_subscriber::fmt::writer::BoxMakeWriter| {
        let base = tracing_subscriber::fmt::layer().with_ansi(ansi).with_writer(writer);
        match format {
            LogFormat::Json => base.json().flatten_event(true).with_current_span(true).boxed(),
            LogFormat::Text => base.boxed(),
        }
    };
    let mut layers = vec![layer(std::io::stderr().is_terminal(), tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stderr))];
    let guard = match &config.log_file {
        Some(path) => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            let prefix = path.file_name().context("LOG_FILE must name a file")?.to_string_lossy().into_owned();
            std::fs::create_dir_all(dir).with_context(|| format!("creating the LOG_FILE directory {}", dir.display()))?;
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix(prefix)
                .max_log_files(config.log_file_retention.max(1))
                .build(dir)
                .with_context(|| format!("opening LOG_FILE in {}", dir.display()))?;
            let (writer, guard) = tracing_appender::non_blocking(appender);
            layers.push(layer(false, tracing_subscriber::fmt::writer::BoxMakeWriter::new(writer)));
            Some(guard)
        }
        None => None,
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry().with(layers).with(filter).init();
    Ok(guard)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let secret = load_secret(&config)?;
    let options = DbOptions { pg_event_workers: config.event_workers(), ..DbOptions::default() };
    let db = Db::connect_with(&config.normalized_database_url(), options).await.context("connecting to the database")?;
    db.migrate().await.context("applying migrations")?;
    let listener = tokio::net::TcpListener::bind(config.listen_addr).await.with_context(|| format!("binding {}", config.listen_addr))?;
    let state = AppState::new(config, db.clone(), secret.as_bytes()).await?;
    db.settle().await;
    state.spawn_housekeeping();
    let shutdown = shutdown_signal()?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    // Tests and scripts read this line to find the port.
    println!("listening on http://{addr}");
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await?;
    tracing::info!("shut down");
    Ok(())
}

/// Runs the report scheduler once at `at` (default now), then sends what is queued.
async fn send_reports(config: Config, at: Option<String>) -> anyhow::Result<()> {
    let now = match at {
        Some(text) => {
            chrono::DateTime::parse_from_rfc3339(&text).with_context(|| format!("--at {text:?} is not an RFC 3339 time"))?.with_timezone(&chrono::Utc)
        }
        None => chrono::Utc::now(),
    };
    let secret = load_secret(&config)?;
    let db = Db::connect(&config.normalized_database_url()).await.context("connecting to the database")?;
    db.migrate().await.context("applying migrations")?;
    let state = AppState::new(config, db, secret.as_bytes()).await?;
    let services = &state.services;
    let queued = crate::report_mail::send_due(services, now).await.map_err(|e| AppError::for_operator(e).context("queueing reports"))?;
    let mut sent = 0;
    loop {
        let batch = services.mailer.send_due(&services.db, chrono::Utc::now()).await.map_err(|e| AppError::for_operator(e).context("sending mail"))?;
        sent += batch;
        if batch == 0 || batch < crate::mail::worker::BATCH as usize {
            break;
        }
    }
    println!("queued {queued} report mail(s); attempted {sent} queued mail(s)");
    Ok(())
}

/// Account administration from the command line, for a locked-out self-hoster.
async fn admin(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    use crate::store::users;
    let db = Db::connect(&config.normalized_database_url()).await?;
    db.migrate().await?;
    let now = chrono::Utc::now();
    let find = |email: String| {
        let db = db.clone();
        async move {
            let email = email.trim().to_lowercase();
            users::find_by_email(&db.conn, &email).await.map_err(AppError::for_operator)?.with_context(|| format!("no account with email {email}"))
        }
    };
    match command {
        AdminCommand::CreateUser { email, password, timezone, admin } => {
            let user = crate::accounts::create(
                &db,
                crate::accounts::NewAccount { email: &email, password, timezone: &timezone, admin, display_name: None, mailer: None },
                now,
            )
            .await
            .map_err(AppError::for_operator)?;
            println!("created {} ({})", user.email, user.role);
        }
        AdminCommand::ResetPassword { email, password: Some(password) } => {
            let user = find(email).await?;
            crate::accounts::set_password(&db, &user, password, now).await.map_err(AppError::for_operator)?;
            println!("password changed for {}; their sessions were signed out", user.email);
        }
        AdminCommand::ResetPassword { email, password: None } => {
            let user = find(email).await?;
            let link = crate::accounts::issue_reset(&db, user.id, config.public_url.as_deref().unwrap_or("http://127.0.0.1:8000"), now)
                .await
                .map_err(AppError::for_operator)?;
            println!("one-time reset link for {} (valid 24 hours):\n{}", user.email, link);
        }
        AdminCommand::DeleteUser { email } => {
            let user = find(email).await?;
            crate::lifecycle::delete_user(&db, &user).await.map_err(AppError::for_operator)?;
            let entry = crate::store::audit::Entry {
                actor_id: None,
                subject_id: None,
                action: "admin_delete_user",
                ip: None,
                detail: Some(format!("user #{} deleted from the command line", user.id)),
            };
            crate::store::audit::record(&db, entry, now).await;
            println!("deleted {} and all their data", user.email);
        }
        AdminCommand::Promote { email } => {
            let user = find(email).await?;
            let mut model: crate::entity::user::ActiveModel = user.into();
            model.role = sea_orm::Set(crate::entity::user::Role::Admin);
            let user = db.write(async |txn| users::save(txn, model).await).await.map_err(AppError::for_operator)?;
            println!("{} is now an admin", user.email);
        }
    }
    Ok(())
}

/// SECRET_KEY, or a generated one kept beside the database (mode 0600).
fn load_secret(config: &Config) -> anyhow::Result<String> {
    if let Some(key) = &config.secret_key {
        if key.len() < 32 {
            bail!("SECRET_KEY is too weak: it must be at least 32 bytes (generate one with `openssl rand -base64 48`)");
        }
        return Ok(key.clone());
    }
    let path = config.secret_file();
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let key = existing.trim().to_owned();
        if key.len() < 32 {
            bail!("the key in {} is too weak (under 32 bytes); delete it to generate a new one", path.display());
        }
        return Ok(key);
    }
    let key = auth::generate_secret();
    crate::ops::write_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    tracing::warn!(path = %path.display(), "SECRET_KEY not set: generated a new key and stored it");
    Ok(key)
}

async fn healthcheck(addr: SocketAddr) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    if response.starts_with("HTTP/1.1 200") { Ok(()) } else { bail!("unhealthy: {}", response.lines().next().unwrap_or("")) }
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is called, so call
/// it before announcing the port: a signal that arrives early still shuts down cleanly.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
            tracing::info!("shutting down; letting requests in flight finish");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down; letting requests in flight finish");
        })
    }
}
