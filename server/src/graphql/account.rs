//! Registration, sign-in and out, password changes and settings.

use async_graphql::{Context, InputObject, Object};
use sea_orm::Set;

use super::types::{AuthPayload, User, Weekday};
use super::{ContextExt, Identity};
use crate::auth::{self, clear_cookie, session_cookie};
use crate::entity::user;
use crate::error::{AppError, AppResult, GqlResult};
use crate::store::{devices, users};
use crate::validate;

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
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account and signs it in (sets the session cookie).
    async fn register(&self, ctx: &Context<'_>, email: String, password: String, timezone: Option<String>) -> async_graphql::Result<AuthPayload> {
        register(ctx, email, password, timezone).await.gql()
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
                users::bump_token_version(&ctx.services()?.db.conn, identity.user.id).await?;
            }
            Ok(true)
        }
        .await
        .gql()
    }

    /// Changes the password and revokes every other session token; returns a fresh one.
    async fn change_password(&self, ctx: &Context<'_>, current_password: String, new_password: String) -> async_graphql::Result<AuthPayload> {
        change_password(ctx, current_password, new_password).await.gql()
    }

    async fn update_settings(&self, ctx: &Context<'_>, input: SettingsInput) -> async_graphql::Result<User> {
        update_settings(ctx, input).await.gql()
    }
}

async fn register(ctx: &Context<'_>, email: String, password: String, timezone: Option<String>) -> AppResult<AuthPayload> {
    let services = ctx.services()?;
    let email = validate::email(&email)?;
    auth::check_password_policy(&password)?;
    let timezone = timezone.unwrap_or_else(|| "UTC".into());
    validate::timezone(&timezone)?;
    if users::find_by_email(&services.db.conn, &email).await?.is_some() {
        return Err(AppError::EmailTaken);
    }
    let password_hash = auth::hash_password(password).await?;
    let txn = services.db.begin_write().await?;
    let user = users::create(&*txn, users::NewUser { email, password_hash, timezone }, ctx.now()).await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, "account registered");
    sign_in(ctx, user)
}

async fn login(ctx: &Context<'_>, email: String, password: String, device_name: Option<String>) -> AppResult<AuthPayload> {
    let services = ctx.services()?;
    let email = email.trim().to_lowercase();
    let device_name = device_name.map(|n| validate::bounded_text("deviceName", &n, validate::MAX_NAME_LEN)).transpose()?;
    if password.len() > auth::MAX_PASSWORD_BYTES {
        return Err(AppError::InvalidCredentials);
    }
    let user = users::find_by_email(&services.db.conn, &email).await?;
    let hash = user.as_ref().map_or_else(|| services.dummy_hash.as_str().to_owned(), |u| u.password_hash.clone());
    let verified = auth::verify_password(password, hash).await?;
    let Some(user) = user.filter(|u| verified && u.is_active) else {
        tracing::info!("failed sign-in");
        return Err(AppError::InvalidCredentials);
    };
    match device_name {
        Some(name) => {
            let (token, hash) = auth::new_device_token();
            devices::create(&services.db.conn, user.id, &name, hash, ctx.now()).await?;
            Ok(AuthPayload { token, user: User(user) })
        }
        None => sign_in(ctx, user),
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
        return Err(AppError::InvalidCredentials);
    }
    auth::check_password_policy(&new)?;
    let password_hash = auth::hash_password(new).await?;
    let txn = services.db.begin_write().await?;
    let mut model: user::ActiveModel = user.into();
    model.password_hash = Set(password_hash);
    let user = users::save(&*txn, model).await?;
    users::bump_token_version(&*txn, user.id).await?;
    let user = users::find(&*txn, user.id).await?.ok_or(AppError::Unauthenticated)?;
    txn.commit().await?;
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
    let txn = services.db.begin_write().await?;
    let user = users::save(&*txn, model).await?;
    txn.commit().await?;
    Ok(User(user))
}
