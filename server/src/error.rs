//! The server's error type and how each variant reaches a GraphQL client.

use async_graphql::ErrorExtensions;

use crate::engine::EngineError;

pub type AppResult<T> = Result<T, AppError>;

/// Every failure a client can see. Internal variants carry details for the log only;
/// their Display text is deliberately generic.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in required")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    BadInput(String),
    #[error("no active session: press NEXT to start one")]
    NoActiveSession,
    #[error("nothing to undo")]
    NothingToUndo,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("{0}")]
    WeakPassword(String),
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("mail is not configured on this server: ask its admin to set SMTP_URL (or MAIL_TRANSPORT) and MAIL_FROM")]
    MailDisabled,
    #[error("confirm your e-mail address first: use the link we sent, or send a new one from Settings")]
    EmailNotVerified,
    #[error("this link is invalid or was already used")]
    InvalidToken,
    #[error("this link has expired: ask for a new one")]
    TokenExpired,
    #[error("the last admin can't be removed: make another account an admin first")]
    LastAdmin,
    #[error("unknown currency {0:?}: use an ISO 4217 code such as USD, EUR or JPY")]
    UnknownCurrency(String),
    #[error("unknown preset {0:?}: see the `presets` query")]
    UnknownPreset(String),
    #[error("the server is too busy to save this right now: retry in a few seconds")]
    Overloaded,
    #[error("internal error")]
    Db(#[from] sea_orm::DbErr),
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        AppError::BadInput(message.into())
    }

    /// A refused request, counted by which limit refused it.
    pub fn rate_limited(limit: &'static str) -> impl Fn(u64) -> Self {
        move |retry_after_secs| {
            crate::metrics::rate_limited(limit);
            AppError::RateLimited { retry_after_secs }
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }

    /// The error for an operator at the command line: unlike a client, they see the cause
    /// of an internal failure (which database error), not just "internal error".
    pub fn for_operator(self) -> anyhow::Error {
        match self {
            AppError::Db(e) => anyhow::anyhow!("database error: {e}"),
            AppError::Internal(detail) => anyhow::anyhow!("internal error: {detail}"),
            other => anyhow::anyhow!("{other}"),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "UNAUTHENTICATED",
            AppError::Forbidden => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadInput(_) => "BAD_USER_INPUT",
            AppError::NoActiveSession => "NO_ACTIVE_SESSION",
            AppError::NothingToUndo => "NOTHING_TO_UNDO",
            AppError::InvalidCredentials => "INVALID_CREDENTIALS",
            AppError::EmailTaken => "EMAIL_TAKEN",
            AppError::WeakPassword(_) => "WEAK_PASSWORD",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::MailDisabled => "MAIL_DISABLED",
            AppError::EmailNotVerified => "EMAIL_NOT_VERIFIED",
            AppError::InvalidToken => "INVALID_TOKEN",
            AppError::TokenExpired => "TOKEN_EXPIRED",
            AppError::LastAdmin => "LAST_ADMIN",
            AppError::UnknownCurrency(_) => "UNKNOWN_CURRENCY",
            AppError::UnknownPreset(_) => "UNKNOWN_PRESET",
            AppError::Overloaded => "OVERLOADED",
            AppError::Db(_) | AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The GraphQL error, with `extensions.code`. Internal details are logged here and
    /// never sent.
    pub fn into_graphql(self) -> async_graphql::Error {
        match &self {
            AppError::Db(e) => tracing::error!(error = %e, "database error"),
            AppError::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
        self.extend()
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code());
            if let AppError::RateLimited { retry_after_secs } = self {
                ext.set("retryAfter", *retry_after_secs);
            }
        })
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::NoActiveSession => AppError::NoActiveSession,
            EngineError::NothingToUndo => AppError::NothingToUndo,
            EngineError::InFuture | EngineError::BeforeLastEvent { .. } => AppError::BadInput(e.to_string()),
        }
    }
}

/// Converts a layer result into a resolver result with a typed error code.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for AppResult<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(AppError::into_graphql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_sees_the_cause_a_client_never_does() {
        let error = || AppError::Db(sea_orm::DbErr::Custom("database or disk is full".into()));
        assert_eq!(error().to_string(), "internal error");
        assert_eq!(error().for_operator().to_string(), "database error: Custom Error: database or disk is full");
        assert_eq!(AppError::internal("writer stopped").for_operator().to_string(), "internal error: writer stopped");
        assert_eq!(AppError::LastAdmin.for_operator().to_string(), AppError::LastAdmin.to_string());
    }

    #[test]
    fn overloaded_has_its_own_code() {
        assert_eq!(AppError::Overloaded.code(), "OVERLOADED");
    }
}
