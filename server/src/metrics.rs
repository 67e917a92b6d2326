//! Prometheus metrics: the recorder and the helpers that feed it. It depends on nothing
//! else in the crate, so every layer may count; the HTTP side (the middleware and the
//! `/metrics` endpoint) lives in `http::metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

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
    describe_counter!("rht_write_overloaded_total", "Writes refused with OVERLOADED: the SQLite write queue stayed full or slow too long.");
    describe_gauge!("rht_active_sessions", "Sessions that are active right now.");
    describe_gauge!("rht_db_pool_connections", "Database pool connections by state (idle or busy).");
    describe_counter!("rht_mail_sent_total", "Mails handed to the SMTP server (or written as .eml), by kind.");
    describe_counter!("rht_mail_failed_total", "Mails given up after retrying for MAIL_GIVE_UP_HOURS, by kind.");
    describe_gauge!("rht_mail_queue_depth", "Mails in the outbox waiting to be sent.");
}

pub fn graphql_operation(operation: &str, ok: bool, seconds: f64) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("rht_graphql_operations_total", "operation" => operation.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!("rht_graphql_operation_duration_seconds", "operation" => operation.to_owned()).record(seconds);
}

pub fn http_request(path: String, method: String, status: String, seconds: f64) {
    metrics::counter!("rht_http_requests_total", "path" => path.clone(), "method" => method, "status" => status).increment(1);
    metrics::histogram!("rht_http_request_duration_seconds", "path" => path).record(seconds);
}

pub fn event_recorded(kind: &'static str) {
    metrics::counter!("rht_events_recorded_total", "type" => kind).increment(1);
}

pub fn write_overloaded() {
    metrics::counter!("rht_write_overloaded_total").increment(1);
}

pub fn rate_limited(limit: &'static str) {
    metrics::counter!("rht_rate_limited_total", "limit" => limit).increment(1);
}

/// Figures read when `/metrics` is scraped.
pub fn scraped(active_sessions: Option<u64>, pool_size: u32, pool_idle: u32) {
    if let Some(n) = active_sessions {
        metrics::gauge!("rht_active_sessions").set(n as f64);
    }
    metrics::gauge!("rht_db_pool_connections", "state" => "idle").set(f64::from(pool_idle));
    metrics::gauge!("rht_db_pool_connections", "state" => "busy").set(f64::from(pool_size.saturating_sub(pool_idle)));
}
