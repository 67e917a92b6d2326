//! Where queued mail goes: an SMTP server (STARTTLS, implicit TLS, or plain for a local
//! relay) or a directory of `.eml` files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::MailConfig;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(mail: &MailConfig) -> anyhow::Result<Self> {
        if let Some(spec) = &mail.mail_transport {
            if let Some(dir) = spec.strip_prefix("file:") {
                let dir = PathBuf::from(dir);
                std::fs::create_dir_all(&dir).with_context(|| format!("creating MAIL_TRANSPORT directory {}", dir.display()))?;
                return Ok(Transport::Files(AsyncFileTransport::new(dir)));
            }
            if spec != "smtp" {
                bail!("MAIL_TRANSPORT must be `file:DIR` or `smtp`");
            }
        }
        let url = mail.smtp_url.as_deref().context("SMTP_URL is required unless MAIL_TRANSPORT=file:DIR")?;
        Ok(Transport::Smtp(smtp(url, mail.smtp_ca_file.as_deref())?))
    }

    /// Sends one message; the error text is safe to log (it never holds credentials).
    pub async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp.send_raw(envelope, raw).await.map(drop).map_err(|e| e.to_string()),
            Transport::Files(files) => files.send_raw(envelope, raw).await.map(drop).map_err(|e| e.to_string()),
        }
    }
}

/// Errors here never quote the URL: it may hold the password.
fn smtp(raw_url: &str, ca_file: Option<&Path>) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let url = url::Url::parse(raw_url).map_err(|e| anyhow::anyhow!("SMTP_URL is not a valid URL ({e})"))?;
    let host = url.host_str().filter(|h| !h.is_empty()).context("SMTP_URL has no host")?.to_owned();
    let tls_param = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let tls = || -> anyhow::Result<TlsParameters> {
        let mut params = TlsParameters::builder(host.clone());
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).with_context(|| format!("reading SMTP_CA_FILE {}", path.display()))?;
            params = params.add_root_certificate(Certificate::from_pem(&pem).context("SMTP_CA_FILE is not a PEM certificate")?);
        }
        Ok(params.build_rustls()?)
    };
    let (tls, default_port) = match (url.scheme(), tls_param.as_deref()) {
        ("smtps", None) => (Tls::Wrapper(tls()?), 465),
        ("smtp", Some("off")) => (Tls::None, 25),
        ("smtp", None | Some("required")) => (Tls::Required(tls()?), 587),
        ("smtp" | "smtps", Some(other)) => bail!("SMTP_URL: unknown tls={other} (use tls=off for a local relay)"),
        (scheme, _) => bail!("SMTP_URL must start with smtp:// or smtps://, not {scheme}://"),
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(url.port().unwrap_or(default_port)).tls(tls).timeout(Some(Duration::from_secs(30)));
    if !url.username().is_empty() {
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        builder = builder.credentials(Credentials::new(decode(url.username()), decode(url.password().unwrap_or(""))));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> MailConfig {
        MailConfig { smtp_url: Some(url.into()), ..MailConfig::default() }
    }

    #[tokio::test]
    async fn smtp_urls_are_understood_and_bad_ones_refused_without_quoting_the_password() {
        for ok in ["smtp://u:p@mail.example.com:587", "smtps://u:p@mail.example.com", "smtp://127.0.0.1:2525?tls=off"] {
            assert!(Transport::from_config(&config(ok)).is_ok(), "{ok}");
        }
        for bad in ["http://u:s3cret@x", "smtp://u:s3cret@x?tls=maybe", "smtp://u:s3cret@:25", "not a url s3cret"] {
            let error = Transport::from_config(&config(bad)).err().unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(!format!("{error:#}").contains("s3cret"), "{error:#}");
        }
    }
}
