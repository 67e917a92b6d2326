//! Mail-backed account flows: password recovery, address verification and change, and
//! deleting one's own account.

use std::time::Duration;

use async_graphql::{Context, Enum, Object, SimpleObject};
use tokio::time::Instant;

use super::ContextExt;
use crate::auth::{self, clear_cookie};
use crate::config::EmailVerification;
use crate::error::{AppError, AppResult, GqlResult};
use crate::{lifecycle, validate};

/// `requestPasswordReset` answers no sooner than this, so a known address (which queues a
/// mail) and an unknown one (which does nothing) take the same time.
const RESET_ANSWER_FLOOR: Duration = Duration::from_millis(300);

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum EmailVerificationMode {
    Off,
    Optional,
    Required,
}

/// What this server's mail can do, for clients deciding what to offer.
#[derive(SimpleObject)]
pub struct MailStatus {
    /// False: password recovery, verification and address changes answer MAIL_DISABLED.
    enabled: bool,
    email_verification: EmailVerificationMode,
}

#[derive(Default)]
pub struct RecoveryQuery;

#[Object]
impl RecoveryQuery {
    async fn mail_status(&self, ctx: &Context<'_>) -> async_graphql::Result<MailStatus> {
        let mailer = &ctx.services().gql()?.mailer;
        Ok(MailStatus { enabled: mailer.enabled(), email_verification: mailer.verification().into() })
    }
}

#[derive(Default)]
pub struct RecoveryMutation;

#[Object]
impl RecoveryMutation {
    /// Mails a one-time link (valid 1 hour) to reset the password, if the address belongs
    /// to an active account. Always answers true, in the same time, so it never tells
    /// whether an account exists. Rate-limited per client and per address.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> async_graphql::Result<bool> {
        let started = Instant::now();
        let result = request_password_reset(ctx, email).await;
        tokio::time::sleep_until(started + RESET_ANSWER_FLOOR).await;
        result.gql()
    }

    /// Confirms the address with the token from the verification mail. Works without
    /// signing in; a signed-in caller must own the token.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<bool> {
        async {
            let services = ctx.services()?;
            let caller = ctx.identity().ok().map(|i| i.user.id);
            let user_id = lifecycle::verify_email(&services.db, &token, caller, ctx.now()).await?;
            audit_for(ctx, user_id, "email_verified", None).await;
            Ok(true)
        }
        .await
        .gql()
    }

    /// Mails a new verification link to the signed-in user (nothing when already verified).
    async fn resend_verification(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        async {
            let services = ctx.services()?;
            let user = ctx.user()?.clone();
            services.mailer.link("/")?;
            services.limits.check(&services.limits.mail, &user.email).await.map_err(AppError::rate_limited("mail_address"))?;
            lifecycle::resend_verification(&services.db, &services.mailer, &user, ctx.now()).await?;
            ctx.audit("verification_sent", None, None).await;
            Ok(true)
        }
        .await
        .gql()
    }

    /// Mails a confirmation link to `newEmail` and a notice to the current address. The
    /// address changes only when the link is used (`confirmEmailChange`).
    async fn change_email(&self, ctx: &Context<'_>, new_email: String, password: String) -> async_graphql::Result<bool> {
        async {
            let services = ctx.services()?;
            let user = ctx.user()?.clone();
            services.mailer.link("/")?;
            check_password(ctx, &user, password).await?;
            services.limits.check(&services.limits.mail, &user.email).await.map_err(AppError::rate_limited("mail_address"))?;
            lifecycle::change_email(&services.db, &services.mailer, &user, &new_email, ctx.now()).await?;
            ctx.audit("email_change_requested", None, None).await;
            Ok(true)
        }
        .await
        .gql()
    }

    /// Moves the account to the new address with the token mailed there.
    async fn confirm_email_change(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<bool> {
        async {
            let services = ctx.services()?;
            let caller = ctx.identity().ok().map(|i| i.user.id);
            let (user_id, old) = lifecycle::confirm_email_change(&services.db, &token, caller, ctx.now()).await?;
            audit_for(ctx, user_id, "email_changed", Some(format!("from {old}"))).await;
            Ok(true)
        }
        .await
        .gql()
    }

    /// Deletes the caller's account and all its data, after checking the password. The
    /// last admin can't delete themselves.
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> async_graphql::Result<bool> {
        async {
            let services = ctx.services()?;
            let user = ctx.user()?.clone();
            check_password(ctx, &user, password).await?;
            lifecycle::delete_user(&services.db, &user).await?;
            let secure = ctx.meta().is_some_and(|m| m.secure);
            ctx.append_http_header("Set-Cookie", clear_cookie(secure));
            let entry = crate::store::audit::Entry {
                actor_id: None,
                subject_id: None,
                action: "account_deleted",
                ip: ctx.client_ip(),
                detail: Some(format!("user #{} deleted their own account", user.id)),
            };
            crate::store::audit::record(&services.db, entry, ctx.now()).await;
            Ok(true)
        }
        .await
        .gql()
    }
}

async fn request_password_reset(ctx: &Context<'_>, email: String) -> AppResult<bool> {
    let services = ctx.services()?;
    services.mailer.link("/")?;
    services.limits.check(&services.limits.auth, &ctx.client_addr()).await.map_err(AppError::rate_limited("auth"))?;
    let email = validate::email(&email)?;
    // Over the per-address limit the answer stays the same; only the mail is skipped.
    if services.limits.check(&services.limits.mail, &email).await.is_ok() {
        lifecycle::request_password_reset(&services.db, &services.mailer, &email, ctx.now()).await?;
    }
    ctx.audit("password_reset_requested", None, None).await;
    Ok(true)
}

async fn check_password(ctx: &Context<'_>, user: &crate::entity::user::Model, password: String) -> AppResult<()> {
    if password.len() > auth::MAX_PASSWORD_BYTES || !auth::verify_password(password, user.password_hash.clone()).await? {
        ctx.audit("password_check_failed", None, None).await;
        return Err(AppError::InvalidCredentials);
    }
    Ok(())
}

/// An audit entry by `user_id`, who may not be signed in (a link opened from a mail).
async fn audit_for(ctx: &Context<'_>, user_id: i32, action: &str, detail: Option<String>) {
    let Ok(services) = ctx.services() else { return };
    let entry = crate::store::audit::Entry { actor_id: Some(user_id), subject_id: None, action, ip: ctx.client_ip(), detail };
    crate::store::audit::record(&services.db, entry, ctx.now()).await;
}

impl From<EmailVerification> for EmailVerificationMode {
    fn from(mode: EmailVerification) -> Self {
        match mode {
            EmailVerification::Off => EmailVerificationMode::Off,
            EmailVerification::Optional => EmailVerificationMode::Optional,
            EmailVerification::Required => EmailVerificationMode::Required,
        }
    }
}
