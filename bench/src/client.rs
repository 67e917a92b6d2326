//! A minimal keep-alive HTTP/1.1 client (one TCP connection per `Conn`) and GraphQL helpers.
//!
//! The client shares the machine's two cores with the server it measures, so every
//! microsecond it spends is taken from the server. It therefore writes requests straight to
//! the socket and parses responses with httparse on the task that sent them, instead of
//! going through a connection task and channels per request as hyper's client does; that
//! halved its CPU time per request.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http::{Method, StatusCode};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// TCP connections opened by all clients (keep-alive means this stays at one per client).
pub static CONNECTIONS_OPENED: AtomicU64 = AtomicU64::new(0);

/// Responses larger than this are refused (the biggest the bench reads is a few hundred KB).
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// One keep-alive connection to the server; reconnects if the server closed it.
pub struct Conn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    /// Bytes read from the socket and not yet consumed.
    input: Vec<u8>,
    output: Vec<u8>,
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let mut conn = Conn { addr, stream: None, input: Vec::with_capacity(8192), output: Vec::with_capacity(1024) };
        conn.stream().await?;
        Ok(conn)
    }

    async fn stream(&mut self) -> anyhow::Result<&mut TcpStream> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).await.with_context(|| format!("connecting to {}", self.addr))?;
            stream.set_nodelay(true)?;
            CONNECTIONS_OPENED.fetch_add(1, Ordering::Relaxed);
            self.input.clear();
            self.stream = Some(stream);
        }
        Ok(self.stream.as_mut().expect("connected"))
    }

    pub async fn request(&mut self, method: Method, path: &str, token: Option<&str>, body: Option<&[u8]>) -> anyhow::Result<(StatusCode, Bytes)> {
        let result = self.exchange(method, path, token, body).await;
        if result.is_err() {
            // The connection's state is unknown after a failure; the next request starts afresh.
            self.stream = None;
        }
        result
    }

    async fn exchange(&mut self, method: Method, path: &str, token: Option<&str>, body: Option<&[u8]>) -> anyhow::Result<(StatusCode, Bytes)> {
        let mut output = std::mem::take(&mut self.output);
        output.clear();
        write!(output, "{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr)?;
        if let Some(body) = body {
            write!(output, "Content-Type: application/json\r\nContent-Length: {}\r\n", body.len())?;
        }
        if let Some(token) = token {
            write!(output, "Authorization: Bearer {token}\r\n")?;
        }
        output.extend_from_slice(b"\r\n");
        output.extend_from_slice(body.unwrap_or_default());
        let written = self.stream().await?.write_all(&output).await;
        self.output = output;
        written.context("sending the request")?;
        self.read_response().await
    }

    /// Reads one response with a Content-Length body (the server sends no chunked ones).
    async fn read_response(&mut self) -> anyhow::Result<(StatusCode, Bytes)> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(head_len) = response.parse(&self.input)? {
                let status = StatusCode::from_u16(response.code.unwrap_or(0))?;
                let header = |name: &str| response.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value);
                if header("transfer-encoding").is_some() {
                    bail!("HTTP {status}: a chunked response, which this client does not read");
                }
                let length: usize = match header("content-length") {
                    Some(v) => std::str::from_utf8(v)?.trim().parse()?,
                    None => 0,
                };
                let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
                if length > MAX_RESPONSE_BYTES {
                    bail!("HTTP {status}: a {length}-byte response");
                }
                while self.input.len() < head_len + length {
                    self.fill().await?;
                }
                let body = Bytes::copy_from_slice(&self.input[head_len..head_len + length]);
                self.input.drain(..head_len + length);
                if close {
                    self.stream = None;
                }
                return Ok((status, body));
            }
            if self.input.len() > 64 * 1024 {
                bail!("response headers too long");
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let stream = self.stream.as_mut().ok_or_else(|| anyhow!("not connected"))?;
        self.input.reserve(8192);
        if stream.read_buf(&mut self.input).await.context("reading the response")? == 0 {
            bail!("the server closed the connection");
        }
        Ok(())
    }

    /// POSTs a GraphQL operation; `Ok(data)` only for a 200 without `errors`.
    pub async fn gql(&mut self, token: Option<&str>, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body = serde_json::to_vec(&json!({ "query": query, "variables": variables }))?;
        let (status, bytes) = self.request(Method::POST, "/graphql", token, Some(&body)).await?;
        parse_gql(status, &bytes)
    }
}

/// The `data` of a GraphQL response, or an error naming the first error's code and message.
pub fn parse_gql(status: StatusCode, bytes: &[u8]) -> anyhow::Result<Value> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| anyhow!("HTTP {status}: not JSON ({e}): {}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)])))?;
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

/// The `data` of a GraphQL response, typed: for the timed loops, where building a
/// `serde_json::Value` for every reply would cost the client more than the server's
/// answer. Falls back to [`parse_gql`] for the message when it is not plain data.
pub fn parse_gql_typed<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> anyhow::Result<T> {
    #[derive(serde::Deserialize)]
    struct Reply<T> {
        data: Option<T>,
        errors: Option<IgnoredAny>,
    }
    match serde_json::from_slice::<Reply<T>>(bytes) {
        Ok(Reply { data: Some(data), errors: None }) if status == StatusCode::OK => Ok(data),
        _ => Err(parse_gql(status, bytes)
            .err()
            .unwrap_or_else(|| anyhow!("HTTP {status}: unexpected reply: {}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)])))),
    }
}

/// CPU time (user + system) this process has used so far.
pub fn own_cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid value.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(usage.ru_utime) + tv(usage.ru_stime)
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

/// Registers an account and returns its bearer token. Any error fails the run: an INTERNAL
/// answer is a server bug (e.g. SQLite "database is locked"), not something to retry.
pub async fn register(conn: &mut Conn, email: &str, timezone: &str) -> anyhow::Result<String> {
    let data = conn
        .gql(None, REGISTER, json!({ "email": email, "password": PASSWORD, "timezone": timezone }))
        .await
        .with_context(|| format!("registering {email} failed (the server must not fail a registration)"))?;
    data.pointer("/register/token").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| anyhow!("register returned no token"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that answers each request with the next canned reply, written in small
    /// pieces so the client has to put responses together from several reads.
    async fn canned(replies: Vec<&'static str>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 4096];
            for reply in replies {
                let _ = socket.read(&mut request).await.unwrap();
                for piece in reply.as_bytes().chunks(7) {
                    socket.write_all(piece).await.unwrap();
                    socket.flush().await.unwrap();
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        });
        addr
    }

    #[tokio::test]
    async fn reads_consecutive_keep_alive_responses_split_across_reads() {
        let addr = canned(vec![
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 20\r\n\r\n{\"data\":{\"a\":true}}\n",
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\nno",
        ])
        .await;
        let mut conn = Conn::connect(addr).await.unwrap();
        let (status, body) = conn.request(Method::POST, "/graphql", Some("t"), Some(b"{}")).await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&body[..], b"{\"data\":{\"a\":true}}\n");
        let (status, body) = conn.request(Method::GET, "/x", None, None).await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(&body[..], b"no");
    }

    #[tokio::test]
    async fn refuses_chunked_responses_instead_of_misreading_them() {
        let addr = canned(vec!["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"]).await;
        let mut conn = Conn::connect(addr).await.unwrap();
        let error = conn.request(Method::GET, "/", None, None).await.unwrap_err();
        assert!(error.to_string().contains("chunked"), "{error}");
    }

    #[tokio::test]
    async fn a_register_that_fails_with_internal_fails_the_run_instead_of_retrying() {
        let internal = r#"{"data":null,"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#;
        let token = r#"{"data":{"register":{"token":"t","user":{"id":"1"}}}}"#;
        // A retry would get the second reply and succeed.
        let reply = |body: &str| Box::leak(format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len()).into_boxed_str()) as &'static str;
        let addr = canned(vec![reply(internal), reply(token)]).await;
        let mut conn = Conn::connect(addr).await.unwrap();
        let error = register(&mut conn, "a@bench.example.com", "UTC").await.unwrap_err();
        assert!(format!("{error:#}").contains("INTERNAL"), "{error:#}");
    }

    #[test]
    fn typed_replies_reject_errors_and_missing_data() {
        #[derive(serde::Deserialize, Debug)]
        struct D {
            x: i64,
        }
        let ok: D = parse_gql_typed(StatusCode::OK, br#"{"data":{"x":3}}"#).unwrap();
        assert_eq!(ok.x, 3);
        let err = parse_gql_typed::<D>(StatusCode::OK, br#"{"data":null,"errors":[{"message":"m","extensions":{"code":"BAD_USER_INPUT"}}]}"#).unwrap_err();
        assert!(err.to_string().contains("BAD_USER_INPUT: m"), "{err}");
        assert!(parse_gql_typed::<D>(StatusCode::INTERNAL_SERVER_ERROR, br#"{"data":{"x":3}}"#).is_err());
    }
}
