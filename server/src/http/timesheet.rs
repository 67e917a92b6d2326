//! `GET /reports/timesheet.csv?from=&to=`: the caller's own daily timesheet.

use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate, Utc};
use serde::Deserialize;

use super::resolve_identity;
use crate::AppState;
use crate::calendar;
use crate::error::{AppError, AppResult};
use crate::graphql::Identity;
use crate::pay::{Currency, PayBasis};
use crate::store::{audit, reports};
use crate::timesheet::{self, HEADER, Item, Pay};

/// The longest range one timesheet covers.
pub const MAX_DAYS: i64 = 366;

#[derive(Deserialize)]
pub struct Range {
    from: Option<String>,
    to: Option<String>,
}

pub async fn csv(State(state): State<AppState>, Query(range): Query<Range>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let identity = match resolve_identity(&state.services, &parts.headers).await {
        Ok(Some(identity)) => identity,
        Ok(None) => return refuse(StatusCode::UNAUTHORIZED, AppError::Unauthenticated),
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let (from, to) = match dates(&range) {
        Ok(dates) => dates,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e),
    };
    let meta = super::graphql::request_meta(&state, &parts);
    match build(&state, &identity, from, to).await {
        Ok(body) => {
            let entry = audit::Entry {
                actor_id: Some(identity.user.id),
                subject_id: None,
                action: "timesheet_exported",
                ip: Some(meta.client_ip.to_string()),
                detail: Some(format!("{from} to {to}")),
            };
            audit::record(&state.services.db, entry, Utc::now()).await;
            let disposition = format!("attachment; filename=\"timesheet-{from}-{to}.csv\"");
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

fn dates(range: &Range) -> AppResult<(NaiveDate, NaiveDate)> {
    let parse = |name: &str, value: &Option<String>| {
        let value = value.as_deref().ok_or_else(|| AppError::bad_input(format!("`{name}` is required (YYYY-MM-DD)")))?;
        NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| AppError::bad_input(format!("`{name}` must be a date like 2026-11-30")))
    };
    let (from, to) = (parse("from", &range.from)?, parse("to", &range.to)?);
    let days = (to - from).num_days() + 1;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::bad_input(format!("`to` must be on or after `from`, at most {MAX_DAYS} days apart")));
    }
    Ok((from, to))
}

async fn build(state: &AppState, identity: &Identity, from: NaiveDate, to: NaiveDate) -> AppResult<String> {
    let user = &identity.user;
    let tz = crate::validate::timezone(&user.timezone)?;
    let (start, end) = (calendar::day_start(tz, from), calendar::day_start(tz, to + Days::new(1)));
    let questions = reports::questions_between(&state.services.db.conn, user.id, start, end).await?;
    let items: Vec<Item> =
        questions.iter().map(|q| Item { started_at: q.started_at, ended_at: q.ended_at, active_ms: q.active_ms, target_ms: q.target_ms }).collect();
    let pay = Pay { basis: PayBasis::parse(&user.pay_basis), rate: user.hourly_rate, currency: Currency::find(&user.currency) };
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER).map_err(AppError::internal)?;
    for row in timesheet::rows(tz, from, to, &items, &pay) {
        out.write_record(&row).map_err(AppError::internal)?;
    }
    String::from_utf8(out.into_inner().map_err(AppError::internal)?).map_err(AppError::internal)
}

/// A JSON body with the error's `code`; internal details stay in the log.
fn refuse(status: StatusCode, error: AppError) -> Response {
    let status = if matches!(error, AppError::Overloaded) { StatusCode::SERVICE_UNAVAILABLE } else { status };
    let code = error.code();
    let message = error.to_string();
    if code == "INTERNAL" {
        let _ = error.into_graphql();
    }
    (status, axum::Json(serde_json::json!({ "code": code, "message": message }))).into_response()
}
