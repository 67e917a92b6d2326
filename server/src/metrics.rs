//! Prometheus metrics: the recorder, the HTTP middleware that feeds it, and `/metrics`.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::AppState;
use crate::entity::session;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder (installed once; later calls reuse it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let latency = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
        let builder =
            PrometheusBuilder::new().set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &latency).unwrap_or_else(|_| PrometheusBuilder::new());
        match builder.install_recorder() {
            Ok(handle) => {
                describe();
                metrics::gauge!("rht_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
                handle
            }
            // Another recorder is installed (e.g. in a test harness): render an empty one.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// The `# HELP` line of every metric.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_gauge!("rht_build_info", "The running version (label `version`); always 1.");
    describe_counter!("rht_http_requests_total", "HTTP requests by route, method and status.");
    describe_histogram!("rht_http_request_duration_seconds", "HTTP request duration by route.");
    describe_counter!("rht_graphql_operations_total", "GraphQL operations by name and outcome (ok or error).");
    describe_histogram!("rht_graphql_operation_duration_seconds", "GraphQL operation duration by name.");
    describe_counter!("rht_events_recorded_total", "Events recorded, by type (NEXT, PAUSE, EXIT, UNDO).");
    describe_counter!("rht_rate_limited_total", "Requests refused by a rate limit, by limit.");
    describe_gauge!("rht_active_sessions", "Sessions that are active right now.");
    describe_gauge!("rht_db_pool_connections", "Database pool connections by state (idle or busy).");
    describe_counter!("rht_mail_sent_total", "Mails handed to the SMTP server (or written as .eml), by kind.");
    describe_counter!("rht_mail_failed_total", "Mails given up after retrying for MAIL_GIVE_UP_HOURS, by kind.");
    describe_gauge!("rht_mail_queue_depth", "Mails in the outbox waiting to be sent.");
}

/// Counts requests by route and status and times them.
pub async fn track_http(request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map_or("dashboard", |p| p.as_str()).to_owned();
    let method = request.method().to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("rht_http_requests_total", "path" => path.clone(), "method" => method, "status" => status).increment(1);
    metrics::histogram!("rht_http_request_duration_seconds", "path" => path).record(start.elapsed().as_secs_f64());
    response
}

pub fn graphql_operation(operation: &str, ok: bool, seconds: f64) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("rht_graphql_operations_total", "operation" => operation.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!("rht_graphql_operation_duration_seconds", "operation" => operation.to_owned()).record(seconds);
}

pub fn event_recorded(kind: &'static str) {
    metrics::counter!("rht_events_recorded_total", "type" => kind).increment(1);
}

pub fn rate_limited(limit: &'static str) {
    metrics::counter!("rht_rate_limited_total", "limit" => limit).increment(1);
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
    match session::Entity::find().filter(session::Column::IsActive.eq(true)).count(&db.conn).await {
        Ok(n) => metrics::gauge!("rht_active_sessions").set(n as f64),
        Err(e) => tracing::warn!(error = %e, "could not count active sessions"),
    }
    let (size, idle) = db.pool_usage();
    metrics::gauge!("rht_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("rht_db_pool_connections", "state" => "busy").set(f64::from(size.saturating_sub(idle)));
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render()).into_response()
}
