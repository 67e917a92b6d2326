//! The HTTP side of the metrics: the middleware that counts every request, and `/metrics`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Counts requests by route and status and times them.
pub async fn track_http(request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map_or("dashboard", |p| p.as_str()).to_owned();
    let method = request.method().to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    crate::metrics::http_request(path, method, status, start.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`, behind `METRICS_TOKEN` when set. Without a token only loopback clients
/// (directly, or forwarded by a trusted proxy) may read it: the figures tell a stranger how
/// busy the server is and which operations it serves.
pub async fn endpoint(State(state): State<AppState>, parts: Parts) -> Response {
    match &state.services.config.metrics_token {
        Some(expected) => {
            let given = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
            if !given.is_some_and(|g| crate::auth::constant_time_eq(g.as_bytes(), expected.as_bytes())) {
                return (StatusCode::UNAUTHORIZED, "metrics need the bearer token").into_response();
            }
        }
        None if !crate::http::request_meta(&state, &parts).client_ip.to_canonical().is_loopback() => {
            let body = serde_json::json!({"code": "FORBIDDEN", "message": "without METRICS_TOKEN, /metrics answers loopback clients only"});
            return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
        }
        None => {}
    }
    let db = &state.services.db;
    let active = crate::store::sessions::count_active(&db.conn).await.inspect_err(|e| tracing::warn!(error = %e, "could not count active sessions")).ok();
    let (size, idle) = db.pool_usage();
    crate::metrics::scraped(active, size, idle);
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::metrics::handle().render()).into_response()
}
