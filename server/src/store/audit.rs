//! The audit log: sign-ins, password and token changes, deletions, settings, admin actions.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::db::{Db, WriteTxn};
use crate::entity::audit;
use crate::error::AppResult;

/// One entry. `detail` must never hold a password or token.
pub struct Entry<'a> {
    pub actor_id: Option<i32>,
    pub subject_id: Option<i32>,
    pub action: &'a str,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

/// Writes an entry in a write transaction of its own; a failure is logged, never allowed
/// to fail the action it describes.
pub async fn record(db: &Db, entry: Entry<'_>, now: DateTime<Utc>) {
    let action = entry.action;
    let written = async {
        let txn = db.begin_write().await?;
        record_in(&txn, entry, now).await?;
        txn.commit().await
    };
    if let Err(e) = written.await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

/// Writes an entry inside the caller's write transaction.
pub async fn record_in(txn: &WriteTxn, entry: Entry<'_>, now: DateTime<Utc>) -> AppResult<()> {
    let model = audit::ActiveModel {
        actor_id: Set(entry.actor_id),
        subject_id: Set(entry.subject_id),
        action: Set(entry.action.to_owned()),
        ip: Set(entry.ip),
        detail: Set(entry.detail.map(|d| d.chars().take(500).collect())),
        created_at: Set(now),
        ..Default::default()
    };
    model.insert(&**txn).await?;
    Ok(())
}

/// Newest first; `user_id` None means everyone's (admins only).
pub async fn list(db: &impl ConnectionTrait, user_id: Option<i32>, limit: u64, offset: u64) -> AppResult<Vec<audit::Model>> {
    let mut query = audit::Entity::find();
    if let Some(id) = user_id {
        query = query.filter(Condition::any().add(audit::Column::ActorId.eq(id)).add(audit::Column::SubjectId.eq(id)));
    }
    Ok(query.order_by_desc(audit::Column::Id).limit(limit).offset(offset).all(db).await?)
}
