//! A minimal keep-alive HTTP/1.1 client (one TCP connection per `Conn`) and GraphQL helpers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;

/// TCP connections opened by all clients (keep-alive means this stays at one per client).
pub static CONNECTIONS_OPENED: AtomicU64 = AtomicU64::new(0);

/// One keep-alive connection to the server; reconnects if the server closed it.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let mut conn = Conn { addr, host: addr.to_string(), sender: None };
        conn.sender().await?;
        Ok(conn)
    }

    async fn sender(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr).await.with_context(|| format!("connecting to {}", self.addr))?;
            stream.set_nodelay(true)?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            CONNECTIONS_OPENED.fetch_add(1, Ordering::Relaxed);
            self.sender = Some(sender);
        }
        let sender = self.sender.as_mut().expect("connected");
        sender.ready().await?;
        Ok(sender)
    }

    pub async fn request(&mut self, method: Method, path: &str, token: Option<&str>, body: Option<Vec<u8>>) -> anyhow::Result<(StatusCode, Bytes)> {
        let host = self.host.clone();
        let mut builder = Request::builder().method(method).uri(path).header(hyper::header::HOST, host);
        if body.is_some() {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        if let Some(token) = token {
            builder = builder.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = builder.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
        let sender = self.sender().await?;
        let response = match sender.send_request(request).await {
            Ok(response) => response,
            Err(e) => {
                self.sender = None;
                return Err(e.into());
            }
        };
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// POSTs a GraphQL operation; `Ok(data)` only for a 200 without `errors`.
    pub async fn gql(&mut self, token: Option<&str>, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body = serde_json::to_vec(&json!({ "query": query, "variables": variables }))?;
        let (status, bytes) = self.request(Method::POST, "/graphql", token, Some(body)).await?;
        parse_gql(status, &bytes)
    }
}

/// The `data` of a GraphQL response, or an error naming the first error's code and message.
pub fn parse_gql(status: StatusCode, bytes: &[u8]) -> anyhow::Result<Value> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| anyhow!("HTTP {status}: not JSON ({e}): {}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)])))?;
    if let Some(errors) = value.get("errors").and_then(Value::as_array).filter(|e| !e.is_empty()) {
        let first = &errors[0];
        let code = first.pointer("/extensions/code").and_then(Value::as_str).unwrap_or("?");
        let message = first.get("message").and_then(Value::as_str).unwrap_or("?");
        bail!("HTTP {status}: {code}: {message}");
    }
    if status != StatusCode::OK {
        bail!("HTTP {status}");
    }
    Ok(value.get("data").cloned().unwrap_or(Value::Null))
}

/// One-shot GET /healthz on a fresh connection; true on 200.
pub async fn healthz_once(addr: SocketAddr) -> bool {
    let attempt = async {
        let mut conn = Conn::connect(addr).await?;
        let (status, _) = conn.request(Method::GET, "/healthz", None, None).await?;
        anyhow::Ok(status == StatusCode::OK)
    };
    matches!(tokio::time::timeout(Duration::from_secs(5), attempt).await, Ok(Ok(true)))
}

pub const REGISTER: &str = "mutation Register($email: String!, $password: String!, $timezone: String) {
  register(email: $email, password: $password, timezone: $timezone) { token user { id } }
}";

/// Strong enough for the password policy (length, zxcvbn, common-password list).
pub const PASSWORD: &str = "kX9#mQ2v!Lr7@Tz4-pW8&bench";

/// `register` calls that failed with INTERNAL and were retried (SQLite "database is locked").
pub static REGISTER_RETRIES: AtomicU64 = AtomicU64::new(0);
/// The first such failure, for the report.
pub static REGISTER_RETRY_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Registers an account and returns its bearer token. An INTERNAL error is retried (up to
/// 5 times) and counted, so a server-side locking bug shows up in the report instead of
/// aborting the run.
pub async fn register(conn: &mut Conn, email: &str, timezone: &str) -> anyhow::Result<String> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match conn.gql(None, REGISTER, json!({ "email": email, "password": PASSWORD, "timezone": timezone })).await {
            Ok(data) => {
                return data.pointer("/register/token").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| anyhow!("register returned no token"));
            }
            Err(e) if attempt < 6 && e.to_string().contains("INTERNAL") => {
                REGISTER_RETRIES.fetch_add(1, Ordering::Relaxed);
                REGISTER_RETRY_ERROR.lock().unwrap().get_or_insert_with(|| e.to_string());
                tokio::time::sleep(Duration::from_millis(10 * attempt)).await;
            }
            Err(e) => return Err(e).with_context(|| format!("registering {email}")),
        }
    }
}

/// Registers `emails` over `parallel` connections; tokens come back in the same order.
pub async fn register_many(addr: SocketAddr, emails: Vec<String>, timezone: &str, parallel: usize) -> anyhow::Result<Vec<String>> {
    let n = emails.len();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(emails.into_iter().enumerate().collect::<Vec<_>>()));
    let mut tasks = Vec::new();
    for _ in 0..parallel.max(1).min(n.max(1)) {
        let queue = queue.clone();
        let timezone = timezone.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let mut out = Vec::new();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some((i, email)) = next else { break };
                out.push((i, register(&mut conn, &email, &timezone).await?));
            }
            anyhow::Ok(out)
        }));
    }
    let mut tokens = vec![String::new(); n];
    for task in tasks {
        for (i, token) in task.await?? {
            tokens[i] = token;
        }
    }
    Ok(tokens)
}
