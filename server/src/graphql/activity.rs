//! Live updates: each applied event is broadcast to the same user's subscribers.

use async_graphql::{Context, ID, SimpleObject, Subscription as GqlSubscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use super::ContextExt;
use crate::error::GqlResult;

#[derive(Clone, Debug, SimpleObject)]
pub struct ActivityUpdate {
    /// NEXT, PAUSE, EXIT, UNDO, DELETE_SESSION or DELETE_QUESTION.
    pub event_type: String,
    pub session_id: Option<ID>,
    pub at: DateTime<Utc>,
    #[graphql(skip)]
    pub user_id: i32,
}

/// An in-process fan-out of updates.
#[derive(Clone)]
pub struct Activity {
    sender: broadcast::Sender<ActivityUpdate>,
}

impl Default for Activity {
    fn default() -> Self {
        Activity { sender: broadcast::channel(1024).0 }
    }
}

impl Activity {
    pub fn publish(&self, user_id: i32, event_type: &str, session_id: Option<i32>, at: DateTime<Utc>) {
        let update = ActivityUpdate { event_type: event_type.to_owned(), session_id: session_id.map(|id| ID(id.to_string())), at, user_id };
        // No subscribers is normal.
        let _ = self.sender.send(update);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ActivityUpdate> {
        self.sender.subscribe()
    }
}

pub struct Subscription;

#[GqlSubscription]
impl Subscription {
    /// Fires after each event applied (or session/question deleted) for the caller.
    async fn activity(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = ActivityUpdate> + use<>> {
        let user_id = ctx.user().gql()?.id;
        let receiver = ctx.services().gql()?.activity.subscribe();
        // A lagging subscriber skips missed updates; the next one makes it refetch anyway.
        Ok(BroadcastStream::new(receiver).filter_map(move |u| async move { u.ok().filter(|u| u.user_id == user_id) }))
    }
}
