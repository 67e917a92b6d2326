//! recordEvent / recordEvents: the overlay's write path.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::ContextExt;
use super::types::{Question, Session};
use crate::error::{AppError, AppResult, GqlResult};
use crate::store::events::{self, EventKind, NewEvent, Recorded};
use crate::validate;

/// The only fields a request may select to have its credential confirmed by the event
/// write instead of read up front (see `http::identity::resolve_identity_for_events`).
pub const EVENT_FIELDS: &[&str] = &["recordEvent", "recordEvents"];

/// The most events one `recordEvents` call may carry.
pub const MAX_BATCH: usize = 500;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EventType {
    /// Finish the current question and start the next (starts a session if none).
    Next,
    /// Toggle a pause.
    Pause,
    /// Finish the current question and end the session.
    Exit,
    /// Revert the latest NEXT or EXIT.
    Undo,
}

#[derive(InputObject, Clone)]
pub struct EventInput {
    #[graphql(name = "type")]
    kind: EventType,
    /// Idempotency key (≤ 128 chars): a repeat returns the first result, changing nothing.
    client_event_id: Option<String>,
    /// When the button was pressed; default now. At most 5 minutes ahead of the server.
    occurred_at: Option<DateTime<Utc>>,
    /// RaterHub task id (≤ 128 chars), stored with the question a NEXT starts.
    task_id: Option<String>,
    /// Task type (≤ 64 chars) the overlay read from the page, stored with the question a NEXT starts.
    task_type: Option<String>,
    /// Target for the question a NEXT starts, 1 s to 4 h; default the user's setting.
    target_seconds: Option<f64>,
}

#[derive(SimpleObject)]
pub struct EventError {
    pub code: String,
    pub message: String,
}

#[derive(SimpleObject)]
pub struct EventResult {
    session: Option<Session>,
    /// The question this event finished, if any.
    question: Option<Question>,
    /// True when `clientEventId` was seen before; nothing changed.
    duplicate: bool,
    /// Set only in `recordEvents` results, for an event that was rejected (the batch goes on).
    error: Option<EventError>,
    server_time: DateTime<Utc>,
}

#[derive(Default)]
pub struct TrackingMutation;

#[Object]
impl TrackingMutation {
    /// Applies one event.
    async fn record_event(&self, ctx: &Context<'_>, input: EventInput) -> async_graphql::Result<EventResult> {
        async {
            check_rate(ctx).await?;
            record(ctx, input).await
        }
        .await
        .gql()
    }

    /// Applies events in order; a rejected event is reported in its result's `error` and
    /// the rest still apply. For replaying an offline queue.
    async fn record_events(&self, ctx: &Context<'_>, inputs: Vec<EventInput>) -> async_graphql::Result<Vec<EventResult>> {
        async {
            if inputs.len() > MAX_BATCH {
                return Err(AppError::bad_input(format!("at most {MAX_BATCH} events per batch")));
            }
            check_rate(ctx).await?;
            let services = ctx.services()?;
            let user = ctx.user()?;
            let now = ctx.now();
            // Invalid inputs are answered in place; the valid ones apply in one write.
            let mut results: Vec<Option<EventResult>> = Vec::with_capacity(inputs.len());
            let mut valid = Vec::with_capacity(inputs.len());
            for input in inputs {
                match validate(input) {
                    Ok(new) => {
                        results.push(None);
                        valid.push(new);
                    }
                    Err(e) => results.push(Some(EventResult::rejected(&e, now))),
                }
            }
            let outcomes = events::record_all(&services.db, user.id, valid.clone(), now, ctx.identity()?.unconfirmed).await?;
            let mut applied = valid.iter().zip(outcomes);
            let mut out = Vec::with_capacity(results.len());
            for slot in results {
                let result = match slot {
                    Some(rejected) => rejected,
                    None => match applied.next() {
                        Some((new, Ok(recorded))) => EventResult::recorded(ctx, new, recorded, now)?,
                        Some((_, Err(AppError::Unauthenticated))) => return Err(AppError::Unauthenticated),
                        Some((_, Err(e))) => EventResult::rejected(&e, now),
                        None => return Err(AppError::internal("an event lost its result")),
                    },
                };
                out.push(result);
            }
            Ok(out)
        }
        .await
        .gql()
    }
}

/// One unit of the user's event budget per call; a batch counts once.
/// Unverified accounts can't record when verification is required.
async fn check_rate(ctx: &Context<'_>) -> AppResult<()> {
    let user = ctx.user()?;
    let services = ctx.services()?;
    if !user.email_verified && services.mailer.verification() == crate::config::EmailVerification::Required {
        return Err(AppError::EmailNotVerified);
    }
    let limits = &services.limits;
    limits.check(&limits.events, &user.id).await.map_err(AppError::rate_limited("events"))
}

fn validate(input: EventInput) -> AppResult<NewEvent> {
    let optional = |field: &str, value: Option<String>, max: usize| value.map(|v| validate::bounded_text(field, &v, max)).transpose();
    let target_ms = input.target_seconds.map(|s| validate::in_range("targetSeconds", s, 1.0, 4.0 * 3600.0).map(|s| (s * 1000.0).round() as i64)).transpose()?;
    if let Some(at) = input.occurred_at
        && at.timestamp() < 946_684_800
    {
        return Err(AppError::bad_input("occurredAt must be after 2000-01-01"));
    }
    Ok(NewEvent {
        kind: match input.kind {
            EventType::Next => EventKind::Next,
            EventType::Pause => EventKind::Pause,
            EventType::Exit => EventKind::Exit,
            EventType::Undo => EventKind::Undo,
        },
        client_event_id: optional("clientEventId", input.client_event_id, validate::MAX_CLIENT_EVENT_ID_LEN)?,
        occurred_at: input.occurred_at,
        task_id: optional("taskId", input.task_id, validate::MAX_TASK_ID_LEN)?,
        task_type: optional("taskType", input.task_type, validate::MAX_TASK_TYPE_LEN)?,
        target_ms,
    })
}

async fn record(ctx: &Context<'_>, input: EventInput) -> AppResult<EventResult> {
    let services = ctx.services()?;
    let user = ctx.user()?;
    let new = validate(input)?;
    let now = ctx.now();
    let recorded = events::record(&services.db, user.id, &new, now, ctx.identity()?.unconfirmed).await?;
    EventResult::recorded(ctx, &new, recorded, now)
}

impl EventResult {
    fn recorded(ctx: &Context<'_>, new: &NewEvent, recorded: Recorded, now: DateTime<Utc>) -> AppResult<Self> {
        let Recorded { session, question, duplicate } = recorded;
        if !duplicate {
            crate::metrics::event_recorded(new.kind.as_str());
            ctx.services()?.activity.publish(ctx.user()?.id, new.kind.as_str(), session.as_ref().map(|s| s.id), now);
        }
        let user = ctx.user()?;
        Ok(EventResult { session: session.map(|row| Session::new(row, user, now)), question: question.map(Question), duplicate, error: None, server_time: now })
    }

    fn rejected(e: &AppError, now: DateTime<Utc>) -> Self {
        EventResult {
            session: None,
            question: None,
            duplicate: false,
            error: Some(EventError { code: e.code().to_owned(), message: e.to_string() }),
            server_time: now,
        }
    }
}
