//! Defences that don't touch the database: password strength, sign-in backoff and
//! request rate limits.

pub mod limits;
pub mod login_guard;
pub mod password_policy;
