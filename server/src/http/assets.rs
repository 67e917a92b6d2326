//! The embedded dashboard (SPA fallback) and the userscript with this server's URL.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode, Uri};
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

pub async fn dashboard(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let has_extension = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    let (file_path, bytes) = match load(&state, path) {
        Some(bytes) if !path.is_empty() => (path, bytes),
        // Client-side routes (no extension) get the app; missing files stay 404.
        _ if has_extension => return (StatusCode::NOT_FOUND, "not found").into_response(),
        _ => match load(&state, "index.html") {
            Some(bytes) => ("index.html", bytes),
            None => return (StatusCode::SERVICE_UNAVAILABLE, "dashboard not built: run `cargo xtask dist`").into_response(),
        },
    };
    let mime = mime_guess::from_path(file_path).first_or_octet_stream();
    ([(CONTENT_TYPE, mime.as_ref().to_owned()), (CACHE_CONTROL, "no-cache".to_owned()), (CONTENT_SECURITY_POLICY, DASHBOARD_CSP.to_owned())], bytes).into_response()
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
            let proto = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).filter(|_| !state.services.config.trusted_proxies.is_empty()).unwrap_or("http");
            format!("{proto}://{host}")
        }
    };
    let host = origin.split_once("://").map_or(origin.as_str(), |(_, rest)| rest);
    let host = host.split('/').next().unwrap_or(host);
    let host = host.rsplit_once(':').filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
    let script = USERSCRIPT_TEMPLATE.replace("__RHT_ORIGIN__", &origin).replace("__RHT_HOST__", host);
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "no-cache")], script).into_response()
}
