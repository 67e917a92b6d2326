//! The embedded dashboard (SPA fallback), the playground's files and the userscript with this
//! server's URL. dist/ comes from `cargo xtask dist`: hashed names and brotli/gzip copies.

use axum::extract::State;
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::AppState;

#[derive(RustEmbed)]
#[folder = "../dist"]
#[allow_missing = true]
struct Dist;

/// The userscript as `build.rs` bundles it from `userscript/src/`, with the placeholders
/// `__RHT_ORIGIN__` and `__RHT_HOST__` that [`userscript`] fills in per request.
pub const USERSCRIPT_TEMPLATE: &str = include_str!(concat!(env!("OUT_DIR"), "/raterhub-tracker.user.js"));

/// Lets the wasm run and talk to this origin only.
const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
/// GraphiQL from this server only: its scripts, its stylesheet (with inline fonts and icons),
/// and the API over HTTP and WebSocket.
pub const PLAYGROUND_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Files named `name.<16 hex digits>.ext` (see xtask) never change under that name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn dashboard(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    let has_extension = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    let playground_file = path == "graphiql.html" || path.starts_with("graphiql/");
    if playground_file && !state.services.config.graphql_playground {
        return (StatusCode::NOT_FOUND, "the GraphQL playground is turned off").into_response();
    }
    if !path.is_empty()
        && let Some(response) = serve(&state, path, &headers, DASHBOARD_CSP)
    {
        return response;
    }
    // Client-side routes (no extension) get the app; missing files stay 404.
    if has_extension {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    serve(&state, "index.html", &headers, DASHBOARD_CSP)
        .unwrap_or_else(|| (StatusCode::SERVICE_UNAVAILABLE, "dashboard not built: run `cargo xtask dist`").into_response())
}

/// A file of dist/ with its caching headers, in the precompressed form the client accepts.
pub fn serve(state: &AppState, path: &str, headers: &HeaderMap, csp: &'static str) -> Option<Response> {
    let accepted = accepted_encodings(headers);
    let (bytes, encoding) = [("br", "br"), ("gzip", "gz")]
        .into_iter()
        .filter(|(name, _)| accepted.contains(name))
        .find_map(|(name, ext)| load(state, &format!("{path}.{ext}")).map(|bytes| (bytes, Some(name))))
        .or_else(|| load(state, path).map(|bytes| (bytes, None)))?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if is_hashed(path) { IMMUTABLE } else { "no-cache" };
    let mut response = (
        [
            (CONTENT_TYPE, mime.as_ref().to_owned()),
            (CACHE_CONTROL, cache.to_owned()),
            (CONTENT_SECURITY_POLICY, csp.to_owned()),
            (VARY, "accept-encoding".to_owned()),
        ],
        bytes,
    )
        .into_response();
    if let Some(encoding) = encoding {
        response.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    Some(response)
}

/// The codings named in Accept-Encoding, without those refused with `q=0`.
fn accepted_encodings(headers: &HeaderMap) -> Vec<&str> {
    let header = headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
    header
        .split(',')
        .filter_map(|part| {
            let mut fields = part.split(';').map(str::trim);
            let name = fields.next()?;
            let refused = fields.any(|f| f.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            (!name.is_empty() && !refused).then_some(name)
        })
        .collect()
}

fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('.').any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn load(state: &AppState, path: &str) -> Option<Vec<u8>> {
    match &state.services.config.dist_dir {
        Some(dir) => {
            if path.split('/').any(|part| part == "..") {
                return None;
            }
            std::fs::read(dir.join(path)).ok()
        }
        None => Dist::get(path).map(|f| f.data.into_owned()),
    }
}

/// The userscript, with `@connect`, `@downloadURL`, `@updateURL` and the default server
/// URL pointing at this server.
pub async fn userscript(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let origin = match &state.services.config.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1:8000");
            let proto =
                headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).filter(|_| !state.services.config.trusted_proxies.is_empty()).unwrap_or("http");
            format!("{proto}://{host}")
        }
    };
    let host = origin.split_once("://").map_or(origin.as_str(), |(_, rest)| rest);
    let host = host.split('/').next().unwrap_or(host);
    let host = host.rsplit_once(':').filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
    let script = USERSCRIPT_TEMPLATE.replace("__RHT_ORIGIN__", &origin).replace("__RHT_HOST__", host);
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "no-cache")], script).into_response()
}
