//! The second recount: the stored `events` table itself, read straight from the database
//! (the SQLite file, read-only, or the PostgreSQL database), so a bug that the GraphQL
//! reads share with the writes can't hide a lost or doubled event.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::{Connection, Row};

use crate::server::FreshDb;

/// Stored events of one user, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub next: i64,
    pub exit: i64,
    /// Any other kind (the ingestion stage sends none).
    pub other: i64,
}

const BY_USER_AND_KIND: &str =
    "SELECT u.email AS email, e.kind AS kind, COUNT(*) AS n FROM events e JOIN users u ON u.id = e.user_id WHERE u.email LIKE $1 GROUP BY u.email, e.kind";

/// Events stored for every user whose email starts with `email_prefix`, by email.
pub async fn stored_events(db: &FreshDb, email_prefix: &str) -> anyhow::Result<HashMap<String, Stored>> {
    let pattern = format!("{email_prefix}%");
    let rows: Vec<(String, String, i64)> = match &db.sqlite_path {
        Some(path) => {
            let url = format!("sqlite://{}?mode=ro", path.display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.with_context(|| format!("opening {} to recount events", path.display()))?;
            let rows = sqlx::query(BY_USER_AND_KIND).bind(&pattern).fetch_all(&mut conn).await.context("counting the events table")?;
            conn.close().await.ok();
            rows.iter().map(|r| (r.get("email"), r.get("kind"), r.get("n"))).collect()
        }
        None => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.context("connecting to PostgreSQL to recount events")?;
            let rows = sqlx::query(BY_USER_AND_KIND).bind(&pattern).fetch_all(&mut conn).await.context("counting the events table")?;
            conn.close().await.ok();
            rows.iter().map(|r| (r.get("email"), r.get("kind"), r.get("n"))).collect()
        }
    };
    let mut out: HashMap<String, Stored> = HashMap::new();
    for (email, kind, n) in rows {
        let stored = out.entry(email).or_default();
        match kind.as_str() {
            "NEXT" => stored.next += n,
            "EXIT" => stored.exit += n,
            _ => stored.other += n,
        }
    }
    Ok(out)
}

/// What the table should hold for a user, from what the client sent and GraphQL showed;
/// `Err` names every difference.
pub fn compare(stored: Stored, sent: Stored, graphql: Stored) -> Result<(), String> {
    if stored == sent && stored == graphql {
        return Ok(());
    }
    Err(format!(
        "events table holds {} NEXT / {} EXIT / {} other; the client sent {} / {} / {}; GraphQL shows {} questions in {} ended sessions",
        stored.next, stored.exit, stored.other, sent.next, sent.exit, sent.other, graphql.next, graphql.exit
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_difference_is_reported() {
        let s = Stored { next: 10, exit: 2, other: 0 };
        assert!(compare(s, s, s).is_ok());
        assert!(compare(Stored { next: 9, ..s }, s, s).is_err(), "a lost row");
        assert!(compare(s, s, Stored { exit: 3, ..s }).is_err(), "GraphQL disagrees");
        assert!(compare(Stored { other: 1, ..s }, s, s).unwrap_err().contains("1 other"));
    }
}
