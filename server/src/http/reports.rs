//! Report downloads: `/reports/day/{date}.pdf|csv`, `/reports/week/{date}.pdf|csv` and
//! `/reports/range.pdf|csv?from=&to=`, authenticated like `/graphql`. Admins may add
//! `?user=ID`; that access is audited where the user sees it.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;

use super::graphql::{request_meta, same_origin};
use super::identity::resolve_identity;
use crate::AppState;
use crate::entity::user;
use crate::error::{AppError, AppResult};
use crate::report::figures::Period;
use crate::report::generate::{self, Format, file_stem, week_start};
use crate::store::{audit, users};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/day/{file}", get(day))
        .route("/reports/week/{file}", get(week))
        .route("/reports/range.pdf", get(range_pdf))
        .route("/reports/range.csv", get(range_csv))
}

#[derive(Deserialize, Default)]
struct Params {
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The query string, rejected with our own JSON error rather than axum's text.
type QueryParams = Result<Query<Params>, axum::extract::rejection::QueryRejection>;

async fn day(State(state): State<AppState>, parts: Parts, Path(file): Path<String>, params: QueryParams) -> Response {
    serve(&state, &parts, params, |_| {
        let (date, format) = dated_file(&file)?;
        Ok((Period::day(date), format))
    })
    .await
}

async fn week(State(state): State<AppState>, parts: Parts, Path(file): Path<String>, params: QueryParams) -> Response {
    serve(&state, &parts, params, |user| {
        let (date, format) = dated_file(&file)?;
        Ok((Period::week(date, week_start(user)), format))
    })
    .await
}

async fn range_pdf(State(state): State<AppState>, parts: Parts, params: QueryParams) -> Response {
    range(&state, &parts, params, Format::Pdf).await
}

async fn range_csv(State(state): State<AppState>, parts: Parts, params: QueryParams) -> Response {
    range(&state, &parts, params, Format::Csv).await
}

async fn range(state: &AppState, parts: &Parts, params: QueryParams, format: Format) -> Response {
    let (from, to) = match &params {
        Ok(Query(p)) => (p.from.clone(), p.to.clone()),
        Err(_) => (None, None),
    };
    serve(state, parts, params, move |_| {
        let from = date(from.as_deref().ok_or_else(|| AppError::bad_input("`from` is required (YYYY-MM-DD)"))?)?;
        let to = date(to.as_deref().ok_or_else(|| AppError::bad_input("`to` is required (YYYY-MM-DD)"))?)?;
        Ok((Period::range(from, to).map_err(AppError::bad_input)?, format))
    })
    .await
}

fn date(text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| AppError::bad_input(format!("`{text}` is not a date (YYYY-MM-DD)")))
}

/// `2026-11-28.pdf` → the date and the format.
fn dated_file(file: &str) -> AppResult<(NaiveDate, Format)> {
    let format = match file.rsplit_once('.') {
        Some((_, "pdf")) => Format::Pdf,
        Some((_, "csv")) => Format::Csv,
        _ => return Err(AppError::bad_input("ask for a .pdf or a .csv")),
    };
    Ok((date(&file[..file.len() - 4])?, format))
}

async fn serve(state: &AppState, parts: &Parts, params: QueryParams, period: impl FnOnce(&user::Model) -> AppResult<(Period, Format)>) -> Response {
    match respond(state, parts, params, period).await {
        Ok(response) => response,
        Err(error) => refuse(error),
    }
}

async fn respond(
    state: &AppState,
    parts: &Parts,
    params: QueryParams,
    period: impl FnOnce(&user::Model) -> AppResult<(Period, Format)>,
) -> AppResult<Response> {
    let services = &state.services;
    let meta = request_meta(state, parts);
    if let Err(retry_after_secs) = services.limits.check(&services.limits.requests, &meta.client_ip).await {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let identity = resolve_identity(services, &parts.headers).await?.ok_or(AppError::Unauthenticated)?;
    // A cross-site page must not make a signed-in browser download (and audit) reports.
    if identity.via == crate::graphql::AuthSource::Cookie && !same_origin(&parts.headers) {
        return Err(AppError::Forbidden);
    }
    let Query(params) = params.map_err(|_| AppError::bad_input("malformed query string"))?;
    let caller = &identity.user;
    let owner = match params.user.as_deref() {
        None => caller.clone(),
        Some(id) => {
            let id: i32 = id.parse().map_err(|_| AppError::bad_input("`user` must be a user id"))?;
            if id != caller.id && caller.role != crate::entity::user::Role::Admin {
                return Err(AppError::Forbidden);
            }
            users::find(&services.db.conn, id).await?.ok_or(AppError::NotFound("user"))?
        }
    };
    let (period, format) = period(&owner)?;
    let now = chrono::Utc::now();
    let permit = generate::permit(period).await?;
    let report = generate::load(&services.db.conn, &owner, period, now).await?;
    let body = match format {
        Format::Pdf => generate::render_pdf(report, services.config.report_paper).await?,
        Format::Csv => generate::csv(&report)?,
    };
    drop(permit);
    audit::record(&services.db, audit_entry(caller, &owner, period, format, meta.client_ip.to_string()), now).await;
    Ok(file_response(body, format, &file_stem(period)))
}

/// The user reads `subject` entries in their own `auditLog`, so an admin's look is
/// spelled out there.
fn audit_entry<'a>(caller: &user::Model, owner: &user::Model, period: Period, format: Format, ip: String) -> audit::Entry<'a> {
    let viewed_by_other = caller.id != owner.id;
    audit::Entry {
        actor_id: Some(caller.id),
        subject_id: viewed_by_other.then_some(owner.id),
        action: if viewed_by_other { "admin_report_viewed" } else { "report_downloaded" },
        ip: Some(ip),
        detail: Some(if viewed_by_other {
            format!("report for {} viewed by {}", period.label(), caller.email)
        } else {
            format!("report for {} ({})", period.label(), format.extension())
        }),
    }
}

fn file_response(body: Vec<u8>, format: Format, stem: &str) -> Response {
    let disposition = format!("attachment; filename=\"{stem}.{}\"", format.extension());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn refuse(error: AppError) -> Response {
    let status = match &error {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::BadInput(_) => StatusCode::BAD_REQUEST,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let code = error.code();
    let retry_after = if let AppError::RateLimited { retry_after_secs } = &error { Some(*retry_after_secs) } else { None };
    let message = if code == "INTERNAL" {
        let _ = error.into_graphql(); // logs the detail; the client sees only the generic text
        "internal error".to_owned()
    } else {
        error.to_string()
    };
    let mut response = (status, axum::Json(serde_json::json!({ "code": code, "message": message }))).into_response();
    if let Some(secs) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    response
}
