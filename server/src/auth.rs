//! Passwords, JWTs, device tokens and the session cookie.

use std::sync::Arc;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

pub const COOKIE_NAME: &str = "rht_session";
/// Device tokens carry this prefix so they are recognisable (and never parsed as JWTs).
pub const DEVICE_TOKEN_PREFIX: &str = "rht_";
pub use crate::security::password_policy::MAX_BYTES as MAX_PASSWORD_BYTES;

/// The signing keys and token lifetime.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl: Duration,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's token version when issued; bumping it revokes the token.
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
}

impl Keys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Keys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), ttl }
    }

    pub fn issue(&self, user_id: i32, token_version: i32, now: DateTime<Utc>) -> AppResult<String> {
        let claims = Claims { sub: user_id.to_string(), ver: token_version, iat: now.timestamp(), exp: (now + self.ttl).timestamp() };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(AppError::internal)
    }

    /// The claims of a valid, unexpired token signed by us.
    pub fn verify(&self, token: &str) -> Option<(i32, i32)> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        let data = decode::<Claims>(token, &self.decoding, &validation).ok()?;
        Some((data.claims.sub.parse().ok()?, data.claims.ver))
    }
}

/// Claims of a report unsubscribe link. No `exp`/`ver`: such a token can never pass as a
/// session token, and a session token (no `aud`) never passes as this.
#[derive(Debug, Serialize, Deserialize)]
struct UnsubscribeClaims {
    sub: String,
    aud: String,
    kind: String,
}

const UNSUBSCRIBE_AUDIENCE: &str = "rht-unsubscribe";

impl Keys {
    /// A signed token that turns off one kind of report mail for one user, without sign-in.
    pub fn unsubscribe_token(&self, user_id: i32, kind: &str) -> AppResult<String> {
        let claims = UnsubscribeClaims { sub: user_id.to_string(), aud: UNSUBSCRIBE_AUDIENCE.into(), kind: kind.into() };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(AppError::internal)
    }

    /// (user id, kind) of a valid unsubscribe token.
    pub fn verify_unsubscribe(&self, token: &str) -> Option<(i32, String)> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["sub", "aud"]);
        validation.set_audience(&[UNSUBSCRIBE_AUDIENCE]);
        let data = decode::<UnsubscribeClaims>(token, &self.decoding, &validation).ok()?;
        Some((data.claims.sub.parse().ok()?, data.claims.kind))
    }
}

/// argon2 needs 19 MiB per hash; bounding concurrent hashes to the cores bounds that
/// memory (and the allocator's retention of it) under a burst of sign-ins.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// argon2id with the crate's recommended parameters, on the blocking pool.
pub async fn hash_password(password: String) -> AppResult<String> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(AppError::internal))
        .await
        .map_err(AppError::internal)?
}

/// The hash of a throwaway password. Sign-in verifies against it when the email is unknown,
/// so both failures take the same time. It is made in the background at start-up: argon2
/// takes tens of milliseconds, and the server should not wait for it before listening.
#[derive(Clone, Default)]
pub struct DummyHash(Arc<tokio::sync::OnceCell<String>>);

impl DummyHash {
    pub fn start() -> Self {
        let hash = DummyHash::default();
        let early = hash.clone();
        tokio::spawn(async move {
            // A failure here is retried by the first sign-in that needs the hash.
            let _ = early.get().await;
        });
        hash
    }

    pub async fn get(&self) -> AppResult<String> {
        self.0.get_or_try_init(|| hash_password("not a real password, only for timing".into())).await.cloned()
    }
}

pub async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()).await.map_err(AppError::internal)
}

/// A fresh device token and the hash to store.
pub fn new_device_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{DEVICE_TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// Compares secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A random secret for signing, URL-safe base64 of 64 bytes.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `Set-Cookie` value carrying the session token.
pub fn session_cookie(token: &str, max_age: Duration, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", max_age.num_seconds())
}

pub fn clear_cookie(secure: bool) -> String {
    session_cookie("", Duration::zero(), secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_dummy_hash_is_made_once_and_is_a_real_argon2_hash() {
        let dummy = DummyHash::start();
        let shared = dummy.clone();
        let (first, second) = tokio::join!(dummy.get(), shared.get());
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(first, second, "every caller gets the one hash");
        assert!(first.starts_with("$argon2id$"), "{first}");
        assert!(!verify_password("a password someone typed".into(), first).await.unwrap());
    }

    #[test]
    fn jwt_round_trip_and_tamper() {
        let keys = Keys::new(&[7u8; 32], Duration::minutes(5));
        let token = keys.issue(42, 3, Utc::now()).unwrap();
        assert_eq!(keys.verify(&token), Some((42, 3)));
        let other = Keys::new(&[8u8; 32], Duration::minutes(5));
        assert_eq!(other.verify(&token), None);
        let expired = keys.issue(42, 3, Utc::now() - Duration::minutes(10)).unwrap();
        assert_eq!(keys.verify(&expired), None);
    }

    #[test]
    fn unsubscribe_tokens_and_session_tokens_never_pass_for_each_other() {
        let keys = Keys::new(&[7u8; 32], Duration::minutes(5));
        let unsubscribe = keys.unsubscribe_token(42, "daily").unwrap();
        assert_eq!(keys.verify_unsubscribe(&unsubscribe), Some((42, "daily".into())));
        assert_eq!(keys.verify(&unsubscribe), None, "an unsubscribe link is not a sign-in");
        let session = keys.issue(42, 0, Utc::now()).unwrap();
        assert_eq!(keys.verify_unsubscribe(&session), None);
        let other = Keys::new(&[8u8; 32], Duration::minutes(5));
        assert_eq!(other.verify_unsubscribe(&unsubscribe), None, "forged with another key");
    }

    #[test]
    fn device_tokens_are_prefixed_and_hashed() {
        let (token, hash) = new_device_token();
        assert!(token.starts_with(DEVICE_TOKEN_PREFIX));
        assert_eq!(hash, token_hash(&token));
        assert_eq!(hash.len(), 64);
    }

    #[tokio::test]
    async fn argon2_verifies_only_the_right_password() {
        let hash = hash_password("a long enough password".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("a long enough password".into(), hash.clone()).await.unwrap());
        assert!(!verify_password("a long enough passwore".into(), hash).await.unwrap());
    }
}
