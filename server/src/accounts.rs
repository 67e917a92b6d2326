//! Account rules shared by the GraphQL API and the admin CLI: creating accounts and
//! setting passwords under the password policy.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Set};

use crate::auth;
use crate::config::EmailVerification;
use crate::db::Db;
use crate::entity::user;
use crate::error::{AppError, AppResult};
use crate::mail::Mailer;
use crate::security::password_policy;
use crate::store::{credentials, users};
use crate::validate;

/// Checks the policy, including that none of the last five passwords is reused.
pub async fn check_new_password(db: &impl ConnectionTrait, password: &str, email: &str, user_id: Option<i32>) -> AppResult<()> {
    let local_part = email.split('@').next().unwrap_or(email);
    password_policy::check(password, &[email, local_part]).map_err(AppError::WeakPassword)?;
    if let Some(id) = user_id {
        for old in credentials::recent_hashes(db, id).await? {
            if auth::verify_password(password.to_owned(), old).await? {
                return Err(AppError::WeakPassword("you used this password recently; choose one you have not used in your last 5".into()));
            }
        }
    }
    Ok(())
}

pub async fn is_first_account(db: &impl ConnectionTrait) -> AppResult<bool> {
    Ok(user::Entity::find().count(db).await? == 0)
}

/// The PostgreSQL advisory lock that serialises account creation ("rhtacct").
const FIRST_ACCOUNT_LOCK: i64 = 0x0072_6874_6163_6374;

/// What a new account starts with.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub password: String,
    pub timezone: &'a str,
    pub admin: bool,
    pub display_name: Option<String>,
    /// Self-registration passes the mailer, which queues the verification link when
    /// verification is on; accounts made by an admin or the CLI count as verified.
    pub mailer: Option<&'a Mailer>,
}

/// Creates an account after validating everything; the first account ever is an admin.
pub async fn create(db: &Db, new: NewAccount<'_>, now: DateTime<Utc>) -> AppResult<user::Model> {
    let email = validate::email(new.email)?;
    validate::timezone(new.timezone)?;
    check_new_password(&db.conn, &new.password, &email, None).await?;
    if users::find_by_email(&db.conn, &email).await?.is_some() {
        return Err(AppError::EmailTaken);
    }
    let password_hash = auth::hash_password(new.password).await?;
    let txn = db.begin_write().await?;
    // Two first registrations racing on PostgreSQL would both count zero users and both
    // become admin; a transaction-scoped lock makes them take turns (SQLite's write gate
    // already does).
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({FIRST_ACCOUNT_LOCK})")).await?;
    }
    let admin = new.admin || is_first_account(&*txn).await?;
    let verify_by_mail = new.mailer.filter(|m| m.verification() != EmailVerification::Off && !admin);
    let account = users::NewUser {
        email,
        password_hash: password_hash.clone(),
        timezone: new.timezone.to_owned(),
        display_name: new.display_name,
        email_verified: verify_by_mail.is_none(),
    };
    let mut created = users::create(&txn, account, now).await?;
    if admin {
        let mut model: user::ActiveModel = created.into();
        model.role = Set(user::Role::Admin);
        created = users::save(&txn, model).await?;
    }
    credentials::remember_password(&txn, created.id, &password_hash, now).await?;
    if let Some(mailer) = verify_by_mail {
        crate::lifecycle::queue_verification(&txn, mailer, &created, now).await?;
    }
    txn.commit().await?;
    if let Some(mailer) = verify_by_mail {
        mailer.wake();
    }
    Ok(created)
}

/// Sets a new password and revokes every session token; returns the updated user.
pub async fn set_password(db: &Db, user: &user::Model, password: String, now: DateTime<Utc>) -> AppResult<user::Model> {
    check_new_password(&db.conn, &password, &user.email, Some(user.id)).await?;
    let password_hash = auth::hash_password(password).await?;
    let txn = db.begin_write().await?;
    let mut model: user::ActiveModel = user.clone().into();
    model.password_hash = Set(password_hash.clone());
    users::save(&txn, model).await?;
    users::bump_token_version(&txn, user.id).await?;
    credentials::remember_password(&txn, user.id, &password_hash, now).await?;
    let updated = users::find(&*txn, user.id).await?.ok_or(AppError::NotFound("user"))?;
    txn.commit().await?;
    Ok(updated)
}

/// A one-time password reset link for `user_id`, valid 24 hours.
pub async fn issue_reset(db: &Db, user_id: i32, base_url: &str, now: DateTime<Utc>) -> AppResult<String> {
    let (random, _) = auth::new_device_token();
    let token = format!("reset_{}", &random[auth::DEVICE_TOKEN_PREFIX.len()..]);
    let hash = auth::token_hash(&token);
    db.write(async |txn| credentials::create_reset(txn, user_id, hash, now, now + chrono::Duration::hours(24)).await).await?;
    Ok(format!("{}/reset-password?token={token}", base_url.trim_end_matches('/')))
}
