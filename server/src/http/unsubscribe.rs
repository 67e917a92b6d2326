//! One-click unsubscribe from report mails (RFC 8058), without signing in. GET shows a
//! page with a button (mail scanners follow links, so a GET changes nothing); POST — the
//! button, or the mail client's one-click request — turns the mails off.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

use crate::AppState;
use crate::entity::user;
use crate::report_schedule::ReportKind;

#[derive(Deserialize)]
pub struct Link {
    token: String,
}

fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>RaterHub Tracker</title></head><body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem\">{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

fn invalid() -> Response {
    page(StatusCode::BAD_REQUEST, "<h1>This link is not valid</h1><p>Turn report e-mails off in Settings instead.</p>")
}

pub async fn confirm(State(state): State<AppState>, Query(link): Query<Link>) -> Response {
    let Some((_, kind)) = state.services.keys.verify_unsubscribe(&link.token) else { return invalid() };
    let token = link.token.replace('"', "");
    page(
        StatusCode::OK,
        &format!(
            "<h1>Stop {kind} report e-mails?</h1><form method=\"post\" action=\"/reports/unsubscribe?token={token}\"><button type=\"submit\">Unsubscribe</button></form>"
        ),
    )
}

pub async fn unsubscribe(State(state): State<AppState>, Query(link): Query<Link>) -> Response {
    let services = &state.services;
    let Some((user_id, kind)) = services.keys.verify_unsubscribe(&link.token) else { return invalid() };
    let column = match ReportKind::parse(&kind) {
        Some(ReportKind::Daily) => user::Column::ReportDaily,
        Some(ReportKind::Weekly) => user::Column::ReportWeekly,
        None => return invalid(),
    };
    let result = async {
        let txn = services.db.begin_write().await?;
        user::Entity::update_many().col_expr(column, Expr::value(false)).filter(user::Column::Id.eq(user_id)).exec(&*txn).await?;
        txn.commit().await
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "unsubscribe failed");
        return page(StatusCode::INTERNAL_SERVER_ERROR, "<h1>Something went wrong</h1><p>Please try again, or turn the e-mails off in Settings.</p>");
    }
    crate::store::users::changed();
    let entry = crate::store::audit::Entry {
        actor_id: Some(user_id),
        subject_id: None,
        action: "report_unsubscribed",
        ip: None,
        detail: Some(format!("{kind} report e-mails off")),
    };
    crate::store::audit::record(&services.db, entry, chrono::Utc::now()).await;
    page(StatusCode::OK, &format!("<h1>Unsubscribed</h1><p>You won't get {kind} report e-mails any more. You can turn them back on in Settings.</p>"))
}
