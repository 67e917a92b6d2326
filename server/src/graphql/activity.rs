//! Live updates: each applied event is broadcast to the same user's subscribers.

use async_graphql::{Context, ID, SimpleObject, Subscription as GqlSubscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tokio::sync::{broadcast, mpsc};
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
    /// With Redis: the queue of the one task that publishes (see `publish_in_groups`).
    outgoing: Option<mpsc::UnboundedSender<WireUpdate>>,
}

/// The most updates one Redis message carries.
const MAX_UPDATES_PER_MESSAGE: usize = 256;

impl Activity {
    pub fn new(shared: Option<Arc<Shared>>) -> Self {
        let sender = broadcast::channel(1024).0;
        let outgoing = shared.map(|shared| {
            shared.spawn_subscriber(sender.clone());
            let (outgoing, queue) = mpsc::unbounded_channel();
            tokio::spawn(publish_in_groups(shared, queue, sender.clone()));
            outgoing
        });
        Activity { sender, outgoing }
    }

    pub fn publish(&self, user_id: i32, event_type: &str, session_id: Option<i32>, at: DateTime<Utc>) {
        let update = WireUpdate { user_id, event_type: event_type.to_owned(), session_id, at };
        let update = match &self.outgoing {
            Some(outgoing) => match outgoing.send(update) {
                Ok(()) => return,
                Err(mpsc::error::SendError(update)) => update,
            },
            None => update,
        };
        // No subscribers is normal.
        let _ = self.sender.send(update);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<WireUpdate> {
        self.sender.subscribe()
    }
}

/// Publishes every update waiting at that moment as one Redis message, one message at a
/// time in order: under load one round trip carries many events' updates instead of one
/// round trip each, and when idle an update goes out at once.
async fn publish_in_groups(shared: Arc<Shared>, mut queue: mpsc::UnboundedReceiver<WireUpdate>, local: broadcast::Sender<WireUpdate>) {
    let mut group = Vec::with_capacity(MAX_UPDATES_PER_MESSAGE);
    while queue.recv_many(&mut group, MAX_UPDATES_PER_MESSAGE).await > 0 {
        if let Err(e) = shared.publish(&group).await {
            tracing::warn!(error = %e, "Redis publish failed; updating local subscribers only");
            for update in group.drain(..) {
                let _ = local.send(update);
            }
        }
        group.clear();
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
