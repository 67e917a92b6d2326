//! HTTP routes: GraphQL, the playground, health, the SDL, report downloads, the userscript
//! and the dashboard.

pub mod assets;
mod graphql;
mod identity;
mod metrics;
mod reports;
mod timesheet;
mod unsubscribe;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

pub(crate) use graphql::request_meta;
pub use identity::resolve_identity;

use crate::AppState;

/// Largest request body accepted (a full offline batch fits easily).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn app(state: AppState) -> Router {
    let cors = cors_layer(&state.services.config.allowed_origins);
    Router::new()
        .route("/graphql", post(graphql::execute).get(graphql::playground))
        .route("/graphql/ws", get(graphql::websocket))
        .route("/healthz", get(healthz))
        .route("/schema.graphql", get(schema_sdl))
        .route("/userscript/raterhub-tracker.user.js", get(assets::userscript))
        .route("/metrics", get(metrics::endpoint))
        .route("/reports/unsubscribe", get(unsubscribe::confirm).post(unsubscribe::unsubscribe))
        .route("/reports/timesheet.csv", get(timesheet::csv))
        .merge(reports::routes())
        .route_layer(axum::middleware::from_fn(metrics::track_http))
        .fallback(assets::dashboard)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // The dashboard's wasm shrinks by two thirds; API answers stay uncompressed
        // (small, and cheaper to send as they are).
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("application/json"))
                    .and(NotForContentType::const_new("application/graphql-response+json")),
            ),
        )
        .layer(cors)
        .layer(SetResponseHeaderLayer::if_not_present(HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(axum::http::header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'")))
        .layer(CatchPanicLayer::custom(|_| (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()))
        .layer(
            // One line per request; the path only, since query strings may carry secrets.
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %request_id)
                })
                .on_request(())
                .on_response(|res: &Response<_>, latency: Duration, _span: &Span| {
                    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "request");
                }),
        )
        // Outermost: every request gets an id (or keeps the proxy's), echoed in the response.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins.iter().filter(|o| !o.trim().is_empty()).filter_map(|o| HeaderValue::from_str(o.trim()).ok()).collect();
    if allowed.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([axum::http::header::CONTENT_TYPE, axum::http::header::AUTHORIZATION])
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.services.db.conn.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn schema_sdl() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")], crate::graphql::sdl())
}
