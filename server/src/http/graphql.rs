//! The GraphQL endpoint: POST executes, GET serves the playground, /graphql/ws subscribes.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{BatchRequest, BatchResponse, Data, ErrorExtensionValues, ServerError};
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::MAX_BODY_BYTES;
use super::identity::{identify_token, resolve_identity, resolve_identity_for_events};
use crate::AppState;
use crate::error::AppError;
use crate::graphql::{AuthSource, EVENT_FIELDS, RequestMeta};

/// Operations per batched HTTP request.
pub const MAX_BATCH_OPERATIONS: usize = 10;

pub async fn execute(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Only JSON: a cross-site HTML form can't send it without a CORS preflight.
    let is_json = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !is_json {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, AppError::bad_input("send the GraphQL request as application/json"));
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, AppError::bad_input(format!("request body exceeds {MAX_BODY_BYTES} bytes")));
    };
    let batch: BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(batch) => batch,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, AppError::bad_input(format!("request body is not a GraphQL JSON request: {e}"))),
    };
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > MAX_BATCH_OPERATIONS
    {
        return refuse(StatusCode::BAD_REQUEST, AppError::bad_input(format!("at most {MAX_BATCH_OPERATIONS} operations per request")));
    }
    let meta = request_meta(&state, &parts);
    if let Err(retry_after_secs) = state.services.limits.check(&state.services.limits.requests, &meta.client_ip).await {
        let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, AppError::rate_limited("requests")(retry_after_secs));
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        return response;
    }
    let events_only = match &batch {
        BatchRequest::Single(r) => state.services.documents.selects_only(&r.query, r.operation_name.as_deref(), EVENT_FIELDS),
        BatchRequest::Batch(_) => false,
    };
    let identity =
        if events_only { resolve_identity_for_events(&state.services, &parts.headers).await } else { resolve_identity(&state.services, &parts.headers).await };
    let identity = match identity {
        Ok(identity) => identity,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    if identity.as_ref().is_some_and(|i| i.via == AuthSource::Cookie) && !same_origin(&parts.headers) {
        return refuse(StatusCode::FORBIDDEN, AppError::Forbidden);
    }
    let batch = batch.data(meta);
    let batch = match identity {
        Some(identity) => batch.data(identity),
        None => batch,
    };
    let operation = match &batch {
        BatchRequest::Single(r) => r.operation_name.clone().unwrap_or_else(|| "anonymous".into()),
        BatchRequest::Batch(_) => "batch".into(),
    };
    let started = std::time::Instant::now();
    let mut response = state.schema.execute_batch(batch).await;
    let ok = match &response {
        BatchResponse::Single(r) => r.errors.is_empty(),
        BatchResponse::Batch(rs) => rs.iter().all(|r| r.errors.is_empty()),
    };
    crate::metrics::graphql_operation(&operation, ok, started.elapsed().as_secs_f64());
    match &mut response {
        BatchResponse::Single(r) => ensure_codes(&mut r.errors),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(|r| ensure_codes(&mut r.errors)),
    }
    GraphQLResponse(response).into_response()
}

/// Errors raised by async-graphql itself (parse, validation, limits) carry no code;
/// they all mean the request was wrong.
fn ensure_codes(errors: &mut [ServerError]) {
    for error in errors {
        let ext = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
}

fn refuse(status: StatusCode, error: AppError) -> Response {
    let status = if matches!(error, AppError::Overloaded) { StatusCode::SERVICE_UNAVAILABLE } else { status };
    let code = error.code();
    let mut extensions = serde_json::json!({ "code": code });
    if let AppError::RateLimited { retry_after_secs } = &error {
        extensions["retryAfter"] = (*retry_after_secs).into();
    }
    let body = serde_json::json!({ "data": null, "errors": [{ "message": error.to_string(), "extensions": extensions }] });
    if code == "INTERNAL" {
        // Logs the detail; the client sees only the generic text.
        let _ = error.into_graphql();
    }
    (status, axum::Json(body)).into_response()
}

/// A browser request made by our own pages. Non-browser clients send neither header.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    match headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            headers.get(HOST).and_then(|v| v.to_str().ok()).is_some_and(|host| host.eq_ignore_ascii_case(authority))
        }
    }
}

/// The client's address and whether it reached us over HTTPS. Forwarded headers count
/// only when the peer is a trusted proxy.
pub fn request_meta(state: &AppState, parts: &Parts) -> RequestMeta {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let trusted = state.services.config.trusted_proxies.iter().any(|net| net.contains(&peer));
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let client_ip =
        trusted.then(|| header("x-forwarded-for")).flatten().and_then(|v| v.split(',').next()).and_then(|ip| ip.trim().parse().ok()).unwrap_or(peer);
    let secure = parts.uri.scheme_str() == Some("https") || (trusted && header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https")));
    RequestMeta { secure, client_ip }
}

/// GraphiQL, served from the binary (see `cargo xtask dist`): no CDN, nothing told to a third party.
pub async fn playground(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.services.config.graphql_playground {
        return (StatusCode::NOT_FOUND, "the GraphQL playground is turned off").into_response();
    }
    super::assets::serve(&state, "graphiql.html", &headers, super::assets::PLAYGROUND_CSP)
        .unwrap_or_else(|| (StatusCode::SERVICE_UNAVAILABLE, "playground not built: run scripts/setup.sh, then `cargo xtask dist`").into_response())
}

pub async fn websocket(State(state): State<AppState>, protocol: GraphQLProtocol, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    let mut data = Data::default();
    if same_origin(&headers)
        && let Ok(Some(identity)) = resolve_identity(&state.services, &headers).await
    {
        data.insert(identity);
    }
    let services = state.services.clone();
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |stream| {
        GraphQLWebSocket::new(stream, state.schema.clone(), protocol)
            .with_data(data)
            .on_connection_init(move |payload| async move {
                let mut data = Data::default();
                if let Some(token) = payload.get("token").and_then(|v| v.as_str())
                    && let Ok(Some(identity)) = identify_token(&services, token, AuthSource::Bearer).await
                {
                    data.insert(identity);
                }
                Ok(data)
            })
            .serve()
    })
}
