//! sea-orm entities: the storage shape, never exposed through GraphQL directly.
pub mod device_token;
pub mod event;
pub mod question;
pub mod session;
pub mod user;
