//! Who is calling: a bearer token (JWT or device token) or the session cookie.

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use chrono::Utc;

use crate::auth::{COOKIE_NAME, DEVICE_TOKEN_PREFIX, token_hash};
use crate::error::AppResult;
use crate::graphql::{AuthSource, Identity, Services};
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
        return Ok(user.map(|user| Identity { user, via: AuthSource::Device(device.id) }));
    }
    let Some((user_id, version)) = services.keys.verify(token) else { return Ok(None) };
    let user = find_user(services, user_id).await?.filter(|u| u.is_active && u.token_version == version);
    Ok(user.map(|user| Identity { user, via: source }))
}

async fn find_user(services: &Services, id: i32) -> AppResult<Option<crate::entity::user::Model>> {
    match &services.user_cache {
        Some(cache) => cache.find(&services.db.conn, id).await,
        None => users::find(&services.db.conn, id).await,
    }
}

pub async fn resolve_identity(services: &Services, headers: &HeaderMap) -> AppResult<Option<Identity>> {
    if let Some(token) = bearer(headers) {
        return identify_token(services, token, AuthSource::Bearer).await;
    }
    match cookie_token(headers) {
        Some(token) => identify_token(services, token, AuthSource::Cookie).await,
        None => Ok(None),
    }
}
