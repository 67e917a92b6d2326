//! Account flows that go through mail or remove an account: password recovery, address
//! verification and change, and deletion. The GraphQL resolvers and the CLI call these.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::auth;
use crate::db::{Db, WriteTxn};
use crate::entity::email_token::Purpose;
use crate::entity::{audit, invite, user};
use crate::error::{AppError, AppResult};
use crate::mail::{Content, Mailer, messages};
use crate::store::{credentials, devices, email_tokens, outbox, users};
use crate::validate;

const RESET_VALID_FOR: Duration = Duration::hours(1);
const VERIFY_VALID_FOR: Duration = Duration::hours(48);
const CHANGE_VALID_FOR: Duration = Duration::hours(24);

/// How a mail greets the user: their display name, else their address.
pub fn name_of(user: &user::Model) -> &str {
    user.display_name.as_deref().unwrap_or(&user.email)
}

/// A fresh random token with a readable prefix, and the hash that is stored.
fn new_token(prefix: &str) -> (String, String) {
    let (random, _) = auth::new_device_token();
    let token = format!("{prefix}_{}", &random[auth::DEVICE_TOKEN_PREFIX.len()..]);
    let hash = auth::token_hash(&token);
    (token, hash)
}

/// Queues `content` to `to` inside `txn`.
async fn queue(txn: &WriteTxn, mailer: &Mailer, user_id: i32, kind: &str, to: &str, content: &Content, now: DateTime<Utc>) -> AppResult<()> {
    let mail = mailer.compose(to, content)?;
    outbox::enqueue(txn, Some(user_id), kind, mail, None, now).await?;
    Ok(())
}

/// Mails a one-hour reset link when `email` belongs to an active account; otherwise does
/// nothing. The caller answers the same either way.
pub async fn request_password_reset(db: &Db, mailer: &Mailer, email: &str, now: DateTime<Utc>) -> AppResult<()> {
    let Some(user) = users::find_by_email(&db.conn, email).await?.filter(|u| u.is_active) else { return Ok(()) };
    let (token, hash) = new_token("reset");
    let link = mailer.link(&format!("/reset-password?token={token}"))?;
    let txn = db.begin_write().await?;
    credentials::create_reset(&txn, user.id, hash, now, now + RESET_VALID_FOR).await?;
    queue(&txn, mailer, user.id, "password_reset", &user.email, &messages::password_reset(name_of(&user), link), now).await?;
    txn.commit().await?;
    mailer.wake();
    Ok(())
}

/// Queues the "your password was changed" notice, when mail is on.
pub async fn notify_password_changed(db: &Db, mailer: &Mailer, user: &user::Model, now: DateTime<Utc>) -> AppResult<()> {
    if !mailer.enabled() {
        return Ok(());
    }
    let txn = db.begin_write().await?;
    queue(&txn, mailer, user.id, "password_changed", &user.email, &messages::password_changed(name_of(user)), now).await?;
    txn.commit().await?;
    mailer.wake();
    Ok(())
}

/// Signs `user_id` out everywhere: every session JWT and every device token.
pub async fn sign_out_everywhere(db: &Db, user_id: i32, now: DateTime<Utc>) -> AppResult<()> {
    let txn = db.begin_write().await?;
    users::bump_token_version(&txn, user_id).await?;
    devices::revoke_all(&txn, user_id, now).await?;
    txn.commit().await
}

/// Queues a verification link inside the caller's transaction (sign-up, resend).
pub async fn queue_verification(txn: &WriteTxn, mailer: &Mailer, user: &user::Model, now: DateTime<Utc>) -> AppResult<()> {
    let (token, hash) = new_token("verify");
    email_tokens::revoke(txn, user.id, Purpose::VerifyEmail, now).await?;
    email_tokens::create(txn, user.id, Purpose::VerifyEmail, hash, None, now, now + VERIFY_VALID_FOR).await?;
    let link = mailer.link(&format!("/verify-email?token={token}"))?;
    queue(txn, mailer, user.id, "verify_email", &user.email, &messages::verify_email(name_of(user), link), now).await
}

pub async fn resend_verification(db: &Db, mailer: &Mailer, user: &user::Model, now: DateTime<Utc>) -> AppResult<()> {
    mailer.link("/")?;
    if user.email_verified {
        return Ok(());
    }
    let txn = db.begin_write().await?;
    queue_verification(&txn, mailer, user, now).await?;
    txn.commit().await?;
    mailer.wake();
    Ok(())
}

/// Marks the token's account verified; a signed-in caller must own the token.
pub async fn verify_email(db: &Db, token: &str, caller: Option<i32>, now: DateTime<Utc>) -> AppResult<i32> {
    let txn = db.begin_write().await?;
    let row = email_tokens::redeem(&txn, Purpose::VerifyEmail, &auth::token_hash(token.trim()), caller, now).await?;
    user::Entity::update_many().col_expr(user::Column::EmailVerified, Expr::value(true)).filter(user::Column::Id.eq(row.user_id)).exec(&*txn).await?;
    txn.commit().await?;
    users::changed();
    Ok(row.user_id)
}

/// Mails a confirmation link to `new_email` and a notice to the current address; the
/// address changes only when the link is used.
pub async fn change_email(db: &Db, mailer: &Mailer, user: &user::Model, new_email: &str, now: DateTime<Utc>) -> AppResult<()> {
    mailer.link("/")?;
    let new_email = validate::email(new_email)?;
    if new_email == user.email {
        return Err(AppError::bad_input("that is already your address"));
    }
    if users::find_by_email(&db.conn, &new_email).await?.is_some() {
        return Err(AppError::EmailTaken);
    }
    let (token, hash) = new_token("email");
    let link = mailer.link(&format!("/confirm-email?token={token}"))?;
    let txn = db.begin_write().await?;
    email_tokens::revoke(&txn, user.id, Purpose::ChangeEmail, now).await?;
    email_tokens::create(&txn, user.id, Purpose::ChangeEmail, hash, Some(new_email.clone()), now, now + CHANGE_VALID_FOR).await?;
    queue(&txn, mailer, user.id, "confirm_email_change", &new_email, &messages::confirm_new_email(name_of(user), link), now).await?;
    queue(&txn, mailer, user.id, "email_change_notice", &user.email, &messages::email_change_requested(name_of(user), &new_email), now).await?;
    txn.commit().await?;
    mailer.wake();
    Ok(())
}

/// Moves the account to the address the token was sent to; returns (user id, old address).
pub async fn confirm_email_change(db: &Db, token: &str, caller: Option<i32>, now: DateTime<Utc>) -> AppResult<(i32, String)> {
    let txn = db.begin_write().await?;
    let row = email_tokens::redeem(&txn, Purpose::ChangeEmail, &auth::token_hash(token.trim()), caller, now).await?;
    let new_email = row.new_email.ok_or(AppError::InvalidToken)?;
    let current = users::find(&*txn, row.user_id).await?.filter(|u| u.is_active).ok_or(AppError::InvalidToken)?;
    if users::find_by_email(&*txn, &new_email).await?.is_some() {
        return Err(AppError::EmailTaken);
    }
    let mut model: user::ActiveModel = current.clone().into();
    model.email = Set(new_email);
    model.email_verified = Set(true);
    users::save(&txn, model).await?;
    txn.commit().await?;
    Ok((row.user_id, current.email))
}

/// Deletes an account and every row it owns (sessions, questions, events, tokens, queued
/// mail: the foreign keys cascade). The audit log keeps its entries, with the account's id
/// cleared, as an admin trail. The last active admin can't be deleted.
pub async fn delete_user(db: &Db, target: &user::Model) -> AppResult<()> {
    let txn = db.begin_write().await?;
    if target.role == user::Role::Admin && target.is_active {
        let admins = user::Entity::find().filter(user::Column::Role.eq(user::Role::Admin)).filter(user::Column::IsActive.eq(true)).all(&*txn).await?.len();
        if admins <= 1 {
            return Err(AppError::LastAdmin);
        }
    }
    let clear = |column: audit::Column| audit::Entity::update_many().col_expr(column, Expr::value(Option::<i32>::None)).filter(column.eq(target.id));
    clear(audit::Column::ActorId).exec(&*txn).await?;
    clear(audit::Column::SubjectId).exec(&*txn).await?;
    invite::Entity::update_many()
        .col_expr(invite::Column::UsedBy, Expr::value(Option::<i32>::None))
        .filter(invite::Column::UsedBy.eq(target.id))
        .exec(&*txn)
        .await?;
    users::delete(&txn, target.id).await?;
    txn.commit().await
}
