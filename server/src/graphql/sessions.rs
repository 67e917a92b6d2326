//! Reading sessions and deleting sessions or questions.

use async_graphql::{Context, ID, Object};
use chrono::Days;

use super::types::{Session, parse_id};
use super::{ContextExt, Date};
use crate::calendar;
use crate::entity::session;
use crate::error::{AppError, AppResult, GqlResult};
use crate::store::sessions as store;
use crate::validate;

pub const MAX_LIMIT: u64 = 500;

/// Output sessions for rows (their totals are columns of the row).
pub fn outputs(ctx: &Context<'_>, rows: Vec<session::Model>) -> AppResult<Vec<Session>> {
    let user = ctx.user()?;
    let now = ctx.now();
    Ok(rows.into_iter().map(|row| Session::new(row, user, now)).collect())
}

/// The caller's session `id`, or None if it is not theirs.
pub async fn load_one(ctx: &Context<'_>, id: i32) -> AppResult<Option<Session>> {
    let user = ctx.user()?;
    let Some(row) = store::get(&ctx.services()?.db.conn, user.id, id).await? else { return Ok(None) };
    Ok(outputs(ctx, vec![row])?.pop())
}

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// The running session, or null (a forgotten session past the idle timeout is not running).
    async fn active_session(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Session>> {
        async {
            let user = ctx.user()?;
            let Some(row) = store::active(&ctx.services()?.db.conn, user.id).await? else { return Ok(None) };
            Ok(outputs(ctx, vec![row])?.pop().filter(Session::is_running))
        }
        .await
        .gql()
    }

    /// One of the caller's sessions; null when unknown or someone else's.
    async fn session(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Session>> {
        async {
            let Ok(id) = parse_id(&id) else { return Ok(None) };
            load_one(ctx, id).await
        }
        .await
        .gql()
    }

    /// Sessions started between local dates `from` and `to` (inclusive), newest first.
    /// `limit` defaults to 50 (max 500).
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
        limit: Option<i32>,
        offset: Option<i32>,
    ) -> async_graphql::Result<Vec<Session>> {
        async {
            let user = ctx.user()?;
            let tz = validate::timezone(&user.timezone)?;
            let limit = u64::try_from(limit.unwrap_or(50)).map_err(|_| AppError::bad_input("limit must not be negative"))?;
            if limit > MAX_LIMIT {
                return Err(AppError::bad_input(format!("limit must be at most {MAX_LIMIT}")));
            }
            let offset = u64::try_from(offset.unwrap_or(0)).map_err(|_| AppError::bad_input("offset must not be negative"))?;
            let from = from.map(|d| calendar::day_start(tz, d.0));
            let to = to.map(|d| calendar::day_start(tz, d.0 + Days::new(1)));
            let rows = store::list(&ctx.services()?.db.conn, user.id, from, to, limit, offset).await?;
            outputs(ctx, rows)
        }
        .await
        .gql()
    }
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Deletes one of the caller's sessions with its questions. Deleting the running
    /// session stops tracking; the next NEXT starts a new one.
    async fn delete_session(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        async {
            let user = ctx.user()?;
            let id = parse_id(&id).map_err(|_| AppError::NotFound("session"))?;
            let services = ctx.services()?;
            store::delete_session(&services.db, user.id, id).await?;
            services.activity.publish(user.id, "DELETE_SESSION", Some(id), ctx.now());
            ctx.audit("session_deleted", None, Some(format!("session {id}"))).await;
            Ok(true)
        }
        .await
        .gql()
    }

    /// Deletes one of the caller's questions; later questions of its session are renumbered.
    async fn delete_question(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        async {
            let user = ctx.user()?;
            let id = parse_id(&id).map_err(|_| AppError::NotFound("question"))?;
            let services = ctx.services()?;
            let session_id = store::delete_question(&services.db, user.id, id).await?;
            services.activity.publish(user.id, "DELETE_QUESTION", Some(session_id), ctx.now());
            ctx.audit("question_deleted", None, Some(format!("question {id} of session {session_id}"))).await;
            Ok(true)
        }
        .await
        .gql()
    }
}
