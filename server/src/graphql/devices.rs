//! Device tokens for the overlay: create, list, revoke.

use async_graphql::{Context, ID, Object};

use super::ContextExt;
use super::types::{DeviceToken, NewDeviceToken, parse_id};
use crate::auth;
use crate::error::{AppError, GqlResult};
use crate::store::devices as store;
use crate::validate;

#[derive(Default)]
pub struct DeviceQuery;

#[Object]
impl DeviceQuery {
    /// The caller's live device tokens, newest first.
    async fn device_tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DeviceToken>> {
        async {
            let user = ctx.user()?;
            let rows = store::list(&ctx.services()?.db.conn, user.id).await?;
            Ok(rows.into_iter().map(DeviceToken::from).collect())
        }
        .await
        .gql()
    }
}

#[derive(Default)]
pub struct DeviceMutation;

#[Object]
impl DeviceMutation {
    /// A long-lived token for the overlay; the token text is returned only here.
    async fn create_device_token(&self, ctx: &Context<'_>, name: String) -> async_graphql::Result<NewDeviceToken> {
        async {
            let user = ctx.user()?;
            let name = validate::bounded_text("name", &name, validate::MAX_NAME_LEN)?;
            let (token, hash) = auth::new_device_token();
            let now = ctx.now();
            let row = ctx.services()?.db.write(async |txn| store::create(txn, user.id, &name, hash, now).await).await?;
            ctx.audit("device_token_created", None, Some(format!("device {name}"))).await;
            Ok(NewDeviceToken { token, device: row.into() })
        }
        .await
        .gql()
    }

    /// Revokes one of the caller's device tokens at once.
    async fn revoke_device_token(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        async {
            let user = ctx.user()?;
            let id = parse_id(&id).map_err(|_| AppError::NotFound("device token"))?;
            let now = ctx.now();
            ctx.services()?.db.write(async |txn| store::revoke(txn, user.id, id, now).await).await?;
            ctx.audit("device_token_revoked", None, Some(format!("device token {id}"))).await;
            Ok(true)
        }
        .await
        .gql()
    }
}
