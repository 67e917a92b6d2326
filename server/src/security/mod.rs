//! Defences that don't touch the database: password strength, sign-in backoff,
//! request rate limits and the first account's setup code.

pub mod lease;
pub mod limits;
pub mod login_backoff;
pub mod login_guard;
pub mod login_redis;
pub mod password_policy;
pub mod setup_code;
