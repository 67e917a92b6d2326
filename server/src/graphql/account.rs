//! Registration, sign-in and out, password changes and settings.

use async_graphql::{Context, InputObject, Object};
use sea_orm::Set;

use super::types::{AuthPayload, ReportEmails, User, Weekday};
use super::{ContextExt, Identity};
use crate::auth::{self, clear_cookie, session_cookie};
use crate::config::RegistrationMode;
use crate::entity::user;
use crate::error::{AppError, AppResult, GqlResult};
use crate::store::{credentials, devices, users};
use crate::validate;
use crate::{accounts, lifecycle};

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in user, or null.
    async fn me(&self, ctx: &Context<'_>) -> Option<User> {
        ctx.data_opt::<Identity>().map(|i| User(i.user.clone()))
    }

    /// The server's clock, for clients that correct their own.
    async fn server_time(&self, ctx: &Context<'_>) -> chrono::DateTime<chrono::Utc> {
        ctx.now()
    }
}

#[derive(InputObject)]
pub struct SettingsInput {
    /// IANA timezone name.
    timezone: Option<String>,
    /// Default target per question, 10 s to 4 h.
    target_seconds: Option<f64>,
    /// 5 minutes to 24 hours.
    idle_timeout_minutes: Option<i32>,
    /// 0 to 168.
    weekly_goal_hours: Option<f64>,
    week_starts_on: Option<Weekday>,
    /// How mails and reports address you, up to 80 characters; empty clears it.
    display_name: Option<String>,
    /// Scheduled report e-mails (with PDF and CSV attached); need mail on the server.
    report_emails: Option<ReportEmails>,
    pay_basis: Option<super::toolkit::PayBasisGql>,
    /// 0 or more per credited hour; null clears it (no earnings shown).
    hourly_rate: async_graphql::MaybeUndefined<f64>,
    /// ISO 4217 code, e.g. USD, EUR, JPY.
    currency: Option<String>,
    /// 0 to 24; null = no cap.
    daily_cap_hours: async_graphql::MaybeUndefined<f64>,
    /// 0 to 168; null = no cap.
    weekly_cap_hours: async_graphql::MaybeUndefined<f64>,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account and signs it in (sets the session cookie). With
    /// REGISTRATION_MODE=invite an `inviteCode` is required; with `closed`, only the very
    /// first account can register. The first account on a server is an admin; on a server
    /// listening beyond loopback it needs the setup code from the server's start-up log,
    /// given as `inviteCode`. `displayName` (up to 80 characters) is how mails and reports
    /// address the user.
    async fn register(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
        timezone: Option<String>,
        invite_code: Option<String>,
        display_name: Option<String>,
    ) -> async_graphql::Result<AuthPayload> {
        register(ctx, email, password, timezone, invite_code, display_name).await.gql()
    }

    /// Signs in. With `deviceName` the token is a long-lived, revocable device token for
    /// the overlay and no cookie is set; without it, a JWT that is also set as a cookie.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String, device_name: Option<String>) -> async_graphql::Result<AuthPayload> {
        login(ctx, email, password, device_name).await.gql()
    }

    /// Clears the cookie and revokes every session token of the user (device tokens stay).
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        async {
            let secure = ctx.meta().is_some_and(|m| m.secure);
            ctx.append_http_header("Set-Cookie", clear_cookie(secure));
            if let Ok(identity) = ctx.identity() {
                ctx.services()?.db.write(async |txn| users::bump_token_version(txn, identity.user.id).await).await?;
                ctx.audit("logout", None, Some("all session tokens revoked".into())).await;
            }
            Ok(true)
        }
        .await
        .gql()
    }

    /// Sets a new password with a one-time reset token (mailed by `requestPasswordReset`,
    /// or from an admin or the CLI). Signs out every session and device token, and mails a
    /// notice when mail is on.
    async fn complete_password_reset(&self, ctx: &Context<'_>, token: String, new_password: String) -> async_graphql::Result<bool> {
        complete_password_reset(ctx, token, new_password).await.gql()
    }

    /// Changes the password and revokes every other session token; returns a fresh one.
    async fn change_password(&self, ctx: &Context<'_>, current_password: String, new_password: String) -> async_graphql::Result<AuthPayload> {
        change_password(ctx, current_password, new_password).await.gql()
    }

    async fn update_settings(&self, ctx: &Context<'_>, input: SettingsInput) -> async_graphql::Result<User> {
        update_settings(ctx, input).await.gql()
    }
}

/// Mentions the invite code field so clients show it there.
const SETUP_CODE_NEEDED: &str = "this server has no account yet: enter the setup code from the server's log (printed at start) as the invite code, or create the first account with `raterhub-tracker admin create-user`";

async fn register(
    ctx: &Context<'_>,
    email: String,
    password: String,
    timezone: Option<String>,
    invite_code: Option<String>,
    display_name: Option<String>,
) -> AppResult<AuthPayload> {
    let services = ctx.services()?;
    services.limits.check(&services.limits.auth, &ctx.client_addr()).await.map_err(AppError::rate_limited("auth"))?;
    let first = accounts::is_first_account(&services.db.conn).await?;
    if first && !services.setup_code.accepts(invite_code.as_deref()) {
        return Err(AppError::bad_input(SETUP_CODE_NEEDED));
    }
    let invite_hash = match (services.config.registration_mode, first) {
        (_, true) | (RegistrationMode::Open, _) => None,
        (RegistrationMode::Closed, false) => return Err(AppError::Forbidden),
        (RegistrationMode::Invite, false) => {
            let code =
                invite_code.as_deref().map(str::trim).filter(|c| !c.is_empty()).ok_or_else(|| AppError::bad_input("an invite code is required to register"))?;
            Some(auth::token_hash(code))
        }
    };
    let timezone = timezone.unwrap_or_else(|| "UTC".into());
    let now = ctx.now();
    let display_name = validate::display_name(display_name.as_deref())?;
    let user = accounts::create(
        &services.db,
        accounts::NewAccount { email: &email, password, timezone: &timezone, admin: false, display_name, mailer: Some(&services.mailer) },
        now,
    )
    .await?;
    if let Some(hash) = invite_hash
        && !services.db.write(async |txn| credentials::redeem_invite(txn, &hash, user.id, now).await).await?
    {
        // The account must not survive a bad invite.
        services.db.write(async |txn| users::delete(txn, user.id).await).await?;
        return Err(AppError::bad_input("this invite code is invalid, used, revoked or expired"));
    }
    tracing::info!(user_id = user.id, "account registered");
    crate::store::audit::record(
        &services.db,
        crate::store::audit::Entry {
            actor_id: Some(user.id),
            subject_id: None,
            action: "register",
            ip: ctx.client_ip(),
            detail: (user.role == crate::entity::user::Role::Admin).then(|| "first account: admin".into()),
        },
        now,
    )
    .await;
    sign_in(ctx, user)
}

async fn complete_password_reset(ctx: &Context<'_>, token: String, new_password: String) -> AppResult<bool> {
    let services = ctx.services()?;
    services.limits.check(&services.limits.auth, &ctx.client_addr()).await.map_err(AppError::rate_limited("auth"))?;
    // Validate before consuming the token, so a weak password doesn't burn it.
    let hash = auth::token_hash(token.trim());
    let now = ctx.now();
    let user_id = credentials::reset_user(&services.db.conn, &hash, now).await?;
    let user = users::find(&services.db.conn, user_id).await?.filter(|u| u.is_active).ok_or(AppError::InvalidToken)?;
    accounts::check_new_password(&services.db.conn, &new_password, &user.email, Some(user.id)).await?;
    if services.db.write(async |txn| credentials::redeem_reset(txn, &hash, now).await).await? != Some(user.id) {
        return Err(AppError::InvalidToken);
    }
    let user = accounts::set_password(&services.db, &user, new_password, now).await?;
    lifecycle::sign_out_everywhere(&services.db, user.id, now).await?;
    lifecycle::notify_password_changed(&services.db, &services.mailer, &user, now).await?;
    crate::store::audit::record(
        &services.db,
        crate::store::audit::Entry {
            actor_id: Some(user.id),
            subject_id: None,
            action: "password_reset_completed",
            ip: ctx.client_ip(),
            detail: Some("every session and device signed out".into()),
        },
        now,
    )
    .await;
    Ok(true)
}

async fn login(ctx: &Context<'_>, email: String, password: String, device_name: Option<String>) -> AppResult<AuthPayload> {
    let services = ctx.services()?;
    let ip = ctx.client_addr();
    services.limits.check(&services.limits.auth, &ip).await.map_err(AppError::rate_limited("auth"))?;
    let email = email.trim().to_lowercase();
    let device_name = device_name.map(|n| validate::bounded_text("deviceName", &n, validate::MAX_NAME_LEN)).transpose()?;
    if email.len() > validate::MAX_EMAIL_LEN || password.len() > auth::MAX_PASSWORD_BYTES {
        return Err(AppError::InvalidCredentials);
    }
    services.login_guard.check(&email, ip).await.map_err(AppError::rate_limited("login_backoff"))?;
    let user = users::find_by_email(&services.db.conn, &email).await?;
    // Unknown emails verify against a dummy hash, so both failures take the same time.
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => services.dummy_hash.get().await?,
    };
    let verified = auth::verify_password(password, hash).await?;
    let now = ctx.now();
    let Some(user) = user.filter(|u| verified && u.is_active) else {
        services.login_guard.record_failure(&email, ip).await;
        let entry = crate::store::audit::Entry {
            actor_id: None,
            subject_id: None,
            action: "login_failed",
            ip: Some(ip.to_string()),
            detail: Some(format!("email {email}")),
        };
        crate::store::audit::record(&services.db, entry, now).await;
        return Err(AppError::InvalidCredentials);
    };
    services.login_guard.record_success(&email, ip).await;
    let entry = |action, detail| crate::store::audit::Entry { actor_id: Some(user.id), subject_id: None, action, ip: Some(ip.to_string()), detail };
    match device_name {
        Some(name) => {
            let (token, hash) = auth::new_device_token();
            services.db.write(async |txn| devices::create(txn, user.id, &name, hash, now).await).await?;
            crate::store::audit::record(&services.db, entry("device_token_created", Some(format!("device {name}"))), now).await;
            Ok(AuthPayload { token, user: User(user) })
        }
        None => {
            crate::store::audit::record(&services.db, entry("login", None), now).await;
            sign_in(ctx, user)
        }
    }
}

/// Issues a JWT for `user` and sets it as the session cookie.
fn sign_in(ctx: &Context<'_>, user: user::Model) -> AppResult<AuthPayload> {
    let services = ctx.services()?;
    let token = services.keys.issue(user.id, user.token_version, ctx.now())?;
    let secure = ctx.meta().is_some_and(|m| m.secure);
    ctx.append_http_header("Set-Cookie", session_cookie(&token, services.keys.ttl, secure));
    Ok(AuthPayload { token, user: User(user) })
}

async fn change_password(ctx: &Context<'_>, current: String, new: String) -> AppResult<AuthPayload> {
    let services = ctx.services()?;
    let user = ctx.user()?.clone();
    if !auth::verify_password(current, user.password_hash.clone()).await? {
        ctx.audit("password_change_failed", None, Some("wrong current password".into())).await;
        return Err(AppError::InvalidCredentials);
    }
    let user = accounts::set_password(&services.db, &user, new, ctx.now()).await?;
    ctx.audit("password_changed", None, Some("other session tokens revoked".into())).await;
    sign_in(ctx, user)
}

async fn update_settings(ctx: &Context<'_>, input: SettingsInput) -> AppResult<User> {
    let services = ctx.services()?;
    let user = ctx.user()?.clone();
    let mut model: user::ActiveModel = user.into();
    if let Some(tz) = input.timezone {
        validate::timezone(&tz)?;
        model.timezone = Set(tz);
    }
    if let Some(target) = input.target_seconds {
        let target = validate::in_range("targetSeconds", target, 10.0, 4.0 * 3600.0)?;
        model.target_ms = Set((target * 1000.0).round() as i64);
    }
    if let Some(minutes) = input.idle_timeout_minutes {
        validate::in_range("idleTimeoutMinutes", f64::from(minutes), 5.0, 1440.0)?;
        model.idle_timeout_minutes = Set(minutes);
    }
    if let Some(hours) = input.weekly_goal_hours {
        model.weekly_goal_hours = Set(validate::in_range("weeklyGoalHours", hours, 0.0, 168.0)?);
    }
    if let Some(day) = input.week_starts_on {
        model.week_starts_on = Set(day.index());
    }
    if let Some(name) = input.display_name {
        model.display_name = Set(validate::display_name(Some(&name))?);
    }
    if let Some(reports) = input.report_emails {
        if (reports.daily || reports.weekly) && !services.mailer.enabled() {
            return Err(AppError::MailDisabled);
        }
        let hour = validate::in_range("reportEmails.hour", f64::from(reports.hour), 0.0, 23.0)? as i16;
        model.report_daily = Set(reports.daily);
        model.report_weekly = Set(reports.weekly);
        model.report_hour = Set(hour);
        model.report_include_empty = Set(reports.include_empty);
    }
    let pay_changed = super::toolkit::apply_pay_input(
        &mut model,
        super::toolkit::PayInput {
            pay_basis: input.pay_basis,
            hourly_rate: input.hourly_rate,
            currency: input.currency,
            daily_cap_hours: input.daily_cap_hours,
            weekly_cap_hours: input.weekly_cap_hours,
        },
    )?;
    let mut changed: Vec<&str> = [
        ("timezone", model.timezone.is_set()),
        ("targetSeconds", model.target_ms.is_set()),
        ("idleTimeoutMinutes", model.idle_timeout_minutes.is_set()),
        ("weeklyGoalHours", model.weekly_goal_hours.is_set()),
        ("weekStartsOn", model.week_starts_on.is_set()),
        ("displayName", model.display_name.is_set()),
        ("reportEmails", model.report_daily.is_set()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    changed.extend(pay_changed);
    let txn = services.db.begin_write().await?;
    let user = users::save(&txn, model).await?;
    txn.commit().await?;
    ctx.audit("settings_changed", None, Some(changed.join(", "))).await;
    Ok(User(user))
}
