//! Who is calling: a bearer token (JWT or device token) or the session cookie.

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use chrono::Utc;

use crate::auth::{COOKIE_NAME, DEVICE_TOKEN_PREFIX, token_hash};
use crate::error::AppResult;
use crate::graphql::{AuthSource, Identity, Services};
use crate::store::events::Credential;
use crate::store::{devices, users};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && !value.is_empty())
        .map(|(_, value)| value)
}

/// Resolves a token to an active user. An unknown, expired or revoked token is
/// anonymous, never an error.
pub async fn identify_token(services: &Services, token: &str, source: AuthSource) -> AppResult<Option<Identity>> {
    if token.starts_with(DEVICE_TOKEN_PREFIX) {
        let Some(device) = devices::authenticate(&services.db, &token_hash(token), Utc::now()).await? else { return Ok(None) };
        let user = find_user(services, device.user_id).await?.filter(|u| u.is_active);
        return Ok(user.map(|user| Identity { user, via: AuthSource::Device(device.id), unconfirmed: None }));
    }
    let Some((user_id, version)) = services.keys.verify(token) else { return Ok(None) };
    let user = find_user(services, user_id).await?.filter(|u| u.is_active && u.token_version == version);
    Ok(user.map(|user| Identity { user, via: source, unconfirmed: None }))
}

async fn find_user(services: &Services, id: i32) -> AppResult<Option<crate::entity::user::Model>> {
    match &services.user_cache {
        Some(cache) => cache.find(&services.db.conn, id).await,
        None => users::find(&services.db.conn, id).await,
    }
}

fn request_token(headers: &HeaderMap) -> Option<(&str, AuthSource)> {
    bearer(headers).map(|token| (token, AuthSource::Bearer)).or_else(|| cookie_token(headers).map(|token| (token, AuthSource::Cookie)))
}

pub async fn resolve_identity(services: &Services, headers: &HeaderMap) -> AppResult<Option<Identity>> {
    match request_token(headers) {
        Some((token, source)) => identify_token(services, token, source).await,
        None => Ok(None),
    }
}

/// For a request that only records events (`graphql::EVENT_FIELDS`). On PostgreSQL a
/// token this instance has seen is taken from the trust cache without reading the
/// database, and the event write confirms it under the user's row lock: that saves a
/// read per event, and a revocation or deactivation on any instance is still seen. Any
/// other request, and SQLite (whose own cache this process keeps exact), read as usual.
pub async fn resolve_identity_for_events(services: &Services, headers: &HeaderMap) -> AppResult<Option<Identity>> {
    let Some((token, source)) = request_token(headers) else { return Ok(None) };
    let Some(trust) = &services.trust_cache else { return identify_token(services, token, source).await };
    let now = Utc::now();
    if token.starts_with(DEVICE_TOKEN_PREFIX) {
        let hash = token_hash(token);
        if let Some(device) = trust.device(&hash, now)
            && let Some(user) = trust.user(device.user_id)
        {
            return Ok(Some(Identity { user, via: AuthSource::Device(device.id), unconfirmed: Some(Credential::Device { id: device.id }) }));
        }
        let Some(device) = devices::authenticate(&services.db, &hash, now).await? else { return Ok(None) };
        let Some(user) = users::find(&services.db.conn, device.user_id).await?.filter(|u| u.is_active) else { return Ok(None) };
        trust.keep_device(&device, now);
        trust.keep_user(&user);
        return Ok(Some(Identity { user, via: AuthSource::Device(device.id), unconfirmed: None }));
    }
    let Some((user_id, token_version)) = services.keys.verify(token) else { return Ok(None) };
    if let Some(user) = trust.user(user_id).filter(|u| u.token_version == token_version) {
        return Ok(Some(Identity { user, via: source, unconfirmed: Some(Credential::Session { token_version }) }));
    }
    let Some(user) = users::find(&services.db.conn, user_id).await?.filter(|u| u.is_active && u.token_version == token_version) else { return Ok(None) };
    trust.keep_user(&user);
    Ok(Some(Identity { user, via: source, unconfirmed: None }))
}
