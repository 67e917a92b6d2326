//! A real SMTP server process for the tests (`tests/support/smtp_sink.py`, on aiosmtpd),
//! with what it received and a switch to make it refuse or hang up.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Sink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
    /// The CA certificate to trust, when started with TLS.
    pub cert: Option<PathBuf>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message, parsed.
pub struct Received {
    pub raw: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.raw).expect("a parsable message")
    }

    pub fn header(&self, name: &str) -> String {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name).unwrap_or_default()
    }

    /// The decoded bodies of every text/plain and text/html part.
    pub fn texts(&self) -> (String, String) {
        let mail = self.parsed();
        let mut plain = String::new();
        let mut html = String::new();
        visit(&mail, &mut |part| match part.ctype.mimetype.as_str() {
            "text/plain" => plain.push_str(&part.get_body().unwrap()),
            "text/html" => html.push_str(&part.get_body().unwrap()),
            _ => {}
        });
        (plain, html)
    }

    /// The `token` query parameter of the first link to `path` in the text part.
    pub fn token(&self, path: &str) -> String {
        let (plain, _) = self.texts();
        let start = plain.find(&format!("{path}?token=")).unwrap_or_else(|| panic!("no {path} link in:\n{plain}"));
        let rest = &plain[start + path.len() + "?token=".len()..];
        rest.split(|c: char| c.is_whitespace()).next().unwrap().to_owned()
    }
}

fn visit<'a>(part: &'a mailparse::ParsedMail<'a>, f: &mut impl FnMut(&'a mailparse::ParsedMail<'a>)) {
    f(part);
    for sub in &part.subparts {
        visit(sub, f);
    }
}

impl Sink {
    pub fn start() -> Self {
        Self::spawn(false)
    }

    /// Offers STARTTLS with a fresh self-signed certificate and refuses mail without it.
    pub fn start_tls() -> Self {
        Self::spawn(true)
    }

    fn spawn(tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut command = Command::new("python3");
        command.arg(script).arg(dir.path().join("inbox"));
        std::fs::create_dir(dir.path().join("inbox")).unwrap();
        let cert = tls.then(|| {
            let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            let status = Command::new("openssl")
                .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
                .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-addext", "basicConstraints=critical,CA:FALSE"])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .stderr(Stdio::null())
                .status()
                .expect("openssl");
            assert!(status.success(), "openssl could not make a test certificate");
            command.arg("--tls").arg(&cert).arg(&key);
            cert
        });
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("python3 with aiosmtpd (scripts/setup.sh installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("port ").and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("the SMTP sink did not start: {line:?}"));
        Sink { child, port, dir, cert }
    }

    fn inbox(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }

    /// `accept`, `refuse` (451 to DATA) or `disconnect`.
    pub fn set_mode(&self, mode: &str) {
        std::fs::write(self.inbox().join("mode"), mode).unwrap();
    }

    /// An `SMTP_URL` for this sink (plain, or STARTTLS when started with TLS).
    pub fn url(&self) -> String {
        match self.cert {
            Some(_) => format!("smtp://127.0.0.1:{}", self.port),
            None => format!("smtp://127.0.0.1:{}?tls=off", self.port),
        }
    }

    pub fn messages(&self) -> Vec<Received> {
        read_inbox(&self.inbox())
    }

    /// Waits (up to a generous limit) until at least `n` messages arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(Instant::now() < deadline, "only {} of {n} messages arrived", messages.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn read_inbox(dir: &Path) -> Vec<Received> {
    let mut names: Vec<_> =
        std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect();
    names.sort();
    names.into_iter().map(|p| Received { raw: std::fs::read(p).unwrap() }).collect()
}
