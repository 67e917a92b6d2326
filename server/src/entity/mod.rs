//! sea-orm entities: the storage shape, never exposed through GraphQL directly.
pub mod audit;
pub mod device_token;
pub mod email_token;
pub mod event;
pub mod invite;
pub mod outbox;
pub mod password_history;
pub mod password_reset;
pub mod question;
pub mod session;
pub mod user;
