//! Outgoing mail. A mail is a row in the outbox, written in the same transaction as what
//! caused it; the worker sends it, retrying with backoff for a day. See `docs/operations.md`.

pub mod backoff;
pub mod compose;
pub mod messages;
pub mod transport;
pub mod worker;

use std::sync::Arc;

use anyhow::{Context as _, bail};
use lettre::message::Mailbox;
use tokio::sync::Notify;

pub use compose::{Action, Attachment, Content, Outgoing};

use crate::config::{Config, EmailVerification};
use crate::error::{AppError, AppResult};
use transport::Transport;

/// The mail service. Cloning shares it; when mail is off every method that would send
/// answers `MAIL_DISABLED`.
#[derive(Clone)]
pub struct Mailer {
    inner: Option<Arc<Inner>>,
    wake: Arc<Notify>,
}

struct Inner {
    from: Mailbox,
    public_url: String,
    host: String,
    transport: Transport,
    policy: backoff::Policy,
    verification: EmailVerification,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let mail = &config.mail;
        if !mail.enabled() {
            if mail.email_verification == Some(EmailVerification::Required) || mail.email_verification == Some(EmailVerification::Optional) {
                bail!("EMAIL_VERIFICATION needs mail: set SMTP_URL or MAIL_TRANSPORT");
            }
            return Ok(Self::disabled());
        }
        let from: Mailbox = mail.mail_from.as_deref().context("MAIL_FROM is required when mail is on")?.parse().context("MAIL_FROM is not a valid address")?;
        let public_url = config.public_url.clone().context("PUBLIC_URL is required when mail is on: links in mails point there")?;
        let host = url::Url::parse(&public_url).ok().and_then(|u| u.host_str().map(str::to_owned)).context("PUBLIC_URL is not a valid URL")?;
        let policy = backoff::Policy {
            base: chrono::Duration::seconds(mail.retry_base_seconds.max(1) as i64),
            max_delay: chrono::Duration::hours(1),
            give_up_after: chrono::Duration::hours(mail.give_up_hours as i64),
        };
        let inner = Inner {
            from,
            public_url: public_url.trim_end_matches('/').to_owned(),
            host,
            transport: Transport::from_config(mail)?,
            policy,
            verification: mail.verification(),
        };
        Ok(Mailer { inner: Some(Arc::new(inner)), wake: Arc::new(Notify::new()) })
    }

    pub fn disabled() -> Self {
        Mailer { inner: None, wake: Arc::new(Notify::new()) }
    }

    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    pub fn verification(&self) -> EmailVerification {
        self.inner.as_ref().map_or(EmailVerification::Off, |i| i.verification)
    }

    fn require(&self) -> AppResult<&Inner> {
        self.inner.as_deref().ok_or(AppError::MailDisabled)
    }

    /// An absolute link to `path` (which starts with `/`) on this server.
    pub fn link(&self, path: &str) -> AppResult<String> {
        Ok(format!("{}{path}", self.require()?.public_url))
    }

    /// Renders a mail to `to`, ready for `store::outbox::enqueue`.
    pub fn compose(&self, to: &str, content: &Content) -> AppResult<Outgoing> {
        let inner = self.require()?;
        compose::build(&inner.from, to, &inner.host, content)
    }

    /// Tells this process's worker that a mail was queued (after the commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}
