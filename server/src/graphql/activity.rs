//! Live updates: each applied event is broadcast to the same user's subscribers.

use async_graphql::{Context, ID, SimpleObject, Subscription as GqlSubscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use std::sync::Arc;

use super::ContextExt;
use crate::error::GqlResult;
use crate::shared::{Shared, WireUpdate};

#[derive(Clone, Debug, SimpleObject)]
pub struct ActivityUpdate {
    /// NEXT, PAUSE, EXIT, UNDO, DELETE_SESSION or DELETE_QUESTION.
    pub event_type: String,
    pub session_id: Option<ID>,
    pub at: DateTime<Utc>,
}

/// Fan-out of updates to subscribers: in this process, or through Redis to every instance.
#[derive(Clone)]
pub struct Activity {
    sender: broadcast::Sender<WireUpdate>,
    shared: Option<Arc<Shared>>,
}

impl Activity {
    pub fn new(shared: Option<Arc<Shared>>) -> Self {
        let sender = broadcast::channel(1024).0;
        if let Some(shared) = &shared {
            shared.spawn_subscriber(sender.clone());
        }
        Activity { sender, shared }
    }

    pub fn publish(&self, user_id: i32, event_type: &str, session_id: Option<i32>, at: DateTime<Utc>) {
        let update = WireUpdate { user_id, event_type: event_type.to_owned(), session_id, at };
        match &self.shared {
            Some(shared) => {
                let (shared, local) = (shared.clone(), self.sender.clone());
                tokio::spawn(async move {
                    if let Err(e) = shared.publish(&update).await {
                        tracing::warn!(error = %e, "Redis publish failed; updating local subscribers only");
                        let _ = local.send(update);
                    }
                });
            }
            // No subscribers is normal.
            None => {
                let _ = self.sender.send(update);
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<WireUpdate> {
        self.sender.subscribe()
    }
}

pub struct Subscription;

#[GqlSubscription]
impl Subscription {
    /// Fires after each event applied (or session/question deleted) for the caller. Ends
    /// when the credentials it was opened with are revoked (sign-out everywhere, password
    /// change or reset, deactivation, a revoked device token).
    async fn activity(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = ActivityUpdate> + use<>> {
        let identity = ctx.identity().gql()?.clone();
        let services = ctx.services().gql()?.clone();
        let user_id = identity.user.id;
        let receiver = services.activity.subscribe();
        // A lagging subscriber skips missed updates; the next one makes it refetch anyway.
        let own = BroadcastStream::new(receiver).filter_map(move |u| async move { u.ok().filter(|u| u.user_id == user_id) });
        let checked = own.then(move |u| {
            let (services, identity) = (services.clone(), identity.clone());
            async move { still_signed_in(&services, &identity).await.then_some(u) }
        });
        Ok(checked.take_while(|u| std::future::ready(u.is_some())).filter_map(|u| async move {
            u.map(|u| ActivityUpdate { event_type: u.event_type, session_id: u.session_id.map(|id| ID(id.to_string())), at: u.at })
        }))
    }
}

/// Whether the credentials behind `identity` would still sign in now.
async fn still_signed_in(services: &super::Services, identity: &super::Identity) -> bool {
    let db = &services.db.conn;
    let Ok(Some(user)) = crate::store::users::find(db, identity.user.id).await else { return false };
    if !user.is_active {
        return false;
    }
    match identity.via {
        super::AuthSource::Device(id) => crate::store::devices::list(db, user.id).await.is_ok_and(|live| live.iter().any(|d| d.id == id)),
        super::AuthSource::Cookie | super::AuthSource::Bearer => user.token_version == identity.user.token_version,
    }
}
