//! Admin-only fields (role guard) and the audit log.

use async_graphql::{Context, Guard, ID, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use sea_orm::Set;

use super::ContextExt;
use super::types::{Role, User, parse_id};
use crate::accounts;
use crate::auth;
use crate::entity::{audit, invite, user};
use crate::error::{AppError, AppResult, GqlResult};
use crate::store::{audit as audit_store, credentials, users};

/// Lets only admins through; everyone else gets FORBIDDEN (or UNAUTHENTICATED).
pub struct AdminGuard;

impl Guard for AdminGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let user = ctx.user().gql()?;
        if user.role == user::Role::Admin { Ok(()) } else { Err(AppError::Forbidden).gql() }
    }
}

#[derive(SimpleObject)]
pub struct AuditEntry {
    id: ID,
    action: String,
    actor_id: Option<ID>,
    subject_id: Option<ID>,
    ip: Option<String>,
    detail: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<audit::Model> for AuditEntry {
    fn from(m: audit::Model) -> Self {
        let id = |v: Option<i32>| v.map(|v| ID(v.to_string()));
        AuditEntry {
            id: ID(m.id.to_string()),
            action: m.action,
            actor_id: id(m.actor_id),
            subject_id: id(m.subject_id),
            ip: m.ip,
            detail: m.detail,
            created_at: m.created_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct Invite {
    id: ID,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<invite::Model> for Invite {
    fn from(m: invite::Model) -> Self {
        Invite { id: ID(m.id.to_string()), created_at: m.created_at, expires_at: m.expires_at, used_at: m.used_at, revoked_at: m.revoked_at }
    }
}

#[derive(SimpleObject)]
pub struct NewInvite {
    /// Shown once; only its hash is stored.
    code: String,
    invite: Invite,
}

#[derive(SimpleObject)]
pub struct PasswordResetLink {
    url: String,
    expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Your own audit entries; admins may ask for everyone's with `allUsers: true`.
    async fn audit_log(&self, ctx: &Context<'_>, limit: Option<i32>, offset: Option<i32>, all_users: Option<bool>) -> async_graphql::Result<Vec<AuditEntry>> {
        async {
            let user = ctx.user()?;
            let all = all_users.unwrap_or(false);
            if all && user.role != user::Role::Admin {
                return Err(AppError::Forbidden);
            }
            let limit = u64::try_from(limit.unwrap_or(100)).ok().filter(|l| *l <= 500).ok_or_else(|| AppError::bad_input("limit must be between 0 and 500"))?;
            let offset = u64::try_from(offset.unwrap_or(0)).map_err(|_| AppError::bad_input("offset must not be negative"))?;
            let rows = audit_store::list(&ctx.services()?.db.conn, (!all).then_some(user.id), limit, offset).await?;
            Ok(rows.into_iter().map(AuditEntry::from).collect())
        }
        .await
        .gql()
    }

    #[graphql(guard = "AdminGuard")]
    async fn users(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        async { Ok(users::list(&ctx.services()?.db.conn).await?.into_iter().map(User).collect()) }.await.gql()
    }

    #[graphql(guard = "AdminGuard")]
    async fn invites(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Invite>> {
        async { Ok(credentials::list_invites(&ctx.services()?.db.conn).await?.into_iter().map(Invite::from).collect()) }.await.gql()
    }
}

#[derive(Default)]
pub struct AdminMutation;

async fn target_user(ctx: &Context<'_>, id: &ID) -> AppResult<user::Model> {
    let id = parse_id(id).map_err(|_| AppError::NotFound("user"))?;
    users::find(&ctx.services()?.db.conn, id).await?.ok_or(AppError::NotFound("user"))
}

#[Object]
impl AdminMutation {
    #[graphql(guard = "AdminGuard")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
        timezone: Option<String>,
        role: Option<Role>,
    ) -> async_graphql::Result<User> {
        async {
            let services = ctx.services()?;
            let admin = role == Some(Role::Admin);
            let user = accounts::create(
                &services.db,
                accounts::NewAccount { email: &email, password, timezone: timezone.as_deref().unwrap_or("UTC"), admin, display_name: None, mailer: None },
                ctx.now(),
            )
            .await?;
            ctx.audit("admin_create_user", Some(user.id), Some(format!("role {}", user.role))).await;
            Ok(User(user))
        }
        .await
        .gql()
    }

    /// Deactivating signs the user out everywhere at once (session and device tokens).
    #[graphql(guard = "AdminGuard")]
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> async_graphql::Result<User> {
        async {
            let services = ctx.services()?;
            let target = target_user(ctx, &id).await?;
            if !active && target.id == ctx.user()?.id {
                return Err(AppError::bad_input("you cannot deactivate yourself"));
            }
            let txn = services.db.begin_write().await?;
            let mut model: user::ActiveModel = target.clone().into();
            model.is_active = Set(active);
            users::save(&txn, model).await?;
            if !active {
                users::bump_token_version(&txn, target.id).await?;
                crate::store::devices::revoke_all(&txn, target.id, ctx.now()).await?;
            }
            let updated = users::find(&*txn, target.id).await?.ok_or(AppError::NotFound("user"))?;
            txn.commit().await?;
            ctx.audit(if active { "admin_activate_user" } else { "admin_deactivate_user" }, Some(target.id), None).await;
            Ok(User(updated))
        }
        .await
        .gql()
    }

    /// A one-time link, valid 24 hours, that lets the user choose a new password.
    #[graphql(guard = "AdminGuard")]
    async fn reset_password(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<PasswordResetLink> {
        async {
            let services = ctx.services()?;
            let target = target_user(ctx, &id).await?;
            let now = ctx.now();
            let base = services.config.public_url.clone().unwrap_or_default();
            let url = accounts::issue_reset(&services.db, target.id, &base, now).await?;
            ctx.audit("admin_reset_password", Some(target.id), Some("reset link issued".into())).await;
            Ok(PasswordResetLink { url, expires_at: now + Duration::hours(24) })
        }
        .await
        .gql()
    }

    /// Promotes or demotes; the last admin can't be demoted.
    #[graphql(guard = "AdminGuard")]
    async fn set_user_role(&self, ctx: &Context<'_>, id: ID, role: Role) -> async_graphql::Result<User> {
        async {
            let services = ctx.services()?;
            let target = target_user(ctx, &id).await?;
            let mut model: user::ActiveModel = target.clone().into();
            model.role = Set(role.into());
            // The count and the change in one write, so two demotions can't both pass it.
            let updated = services
                .db
                .write(async |txn| {
                    if role == Role::User && target.role == user::Role::Admin {
                        let admins = users::list(&**txn).await?.iter().filter(|u| u.role == user::Role::Admin && u.is_active).count();
                        if admins <= 1 {
                            return Err(AppError::bad_input("the last admin cannot be demoted"));
                        }
                    }
                    users::save(txn, model).await
                })
                .await?;
            ctx.audit("admin_set_role", Some(target.id), Some(format!("role {}", updated.role))).await;
            Ok(User(updated))
        }
        .await
        .gql()
    }

    /// Deletes a user and every row they own, like `deleteAccount`. Their audit entries
    /// stay, with their id cleared. The last admin can't be deleted.
    #[graphql(guard = "AdminGuard")]
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        async {
            let services = ctx.services()?;
            let target = target_user(ctx, &id).await?;
            crate::lifecycle::delete_user(&services.db, &target).await?;
            ctx.audit("admin_delete_user", None, Some(format!("user #{} deleted", target.id))).await;
            Ok(true)
        }
        .await
        .gql()
    }

    /// A single-use invite code, valid `expiresInHours` (default 168, at most 720).
    #[graphql(guard = "AdminGuard")]
    async fn create_invite(&self, ctx: &Context<'_>, expires_in_hours: Option<i32>) -> async_graphql::Result<NewInvite> {
        async {
            let hours = expires_in_hours.unwrap_or(168);
            if !(1..=720).contains(&hours) {
                return Err(AppError::bad_input("expiresInHours must be between 1 and 720"));
            }
            let (random, _) = auth::new_device_token();
            let code = format!("inv_{}", &random[auth::DEVICE_TOKEN_PREFIX.len()..]);
            let now = ctx.now();
            let (user_id, hash, expires_at) = (ctx.user()?.id, auth::token_hash(&code), now + Duration::hours(i64::from(hours)));
            let row = ctx.services()?.db.write(async |txn| credentials::create_invite(txn, user_id, hash, now, expires_at).await).await?;
            ctx.audit("admin_create_invite", None, Some(format!("invite {}", row.id))).await;
            Ok(NewInvite { code, invite: row.into() })
        }
        .await
        .gql()
    }

    #[graphql(guard = "AdminGuard")]
    async fn revoke_invite(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        async {
            let id = parse_id(&id).map_err(|_| AppError::NotFound("invite"))?;
            let now = ctx.now();
            ctx.services()?.db.write(async |txn| credentials::revoke_invite(txn, id, now).await).await?;
            ctx.audit("admin_revoke_invite", None, Some(format!("invite {id}"))).await;
            Ok(true)
        }
        .await
        .gql()
    }
}
