//! Tables: the audit log (a user's own, or everyone's for an admin), and the e-mail cell
//! that may break before its `@`.

use crate::time::Instant;
use std::collections::HashMap;

use yew::prelude::*;

use crate::audit::{action_words, is_failure};
use crate::gql::audit_log;

/// An email address with a line-break opportunity before the `@` (narrow screens).
pub fn email_wbr(s: &str) -> Html {
    match s.split_once('@') {
        Some((local, domain)) => {
            html! { <>{ local.to_string() }<wbr />{ format!("@{domain}") }</> }
        }
        None => Html::from(s.to_string()),
    }
}

/// One audit log line, ready to show.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRow {
    pub id: String,
    pub at: Instant,
    pub action: String,
    /// Who did it (an email when known), for the all-users log.
    pub actor: Option<String>,
    /// Whom it concerned (an email when known), for the all-users log.
    pub subject: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct AuditTableProps {
    pub rows: Vec<AuditRow>,
    pub timezone: AttrValue,
    /// Adds the actor and subject columns (the admin's everyone's log).
    #[prop_or_default]
    pub everyone: bool,
    pub id: AttrValue,
    pub caption: AttrValue,
    /// Rows shown before "Show all".
    #[prop_or(20)]
    pub initial: usize,
}

/// The audit log as a table: time in the user's zone, the action in words, IP, detail.
#[component(AuditTable)]
pub fn audit_table(p: &AuditTableProps) -> Html {
    let all = use_state(|| false);
    if p.rows.is_empty() {
        return html! { <p class="empty">{ "Nothing recorded yet." }</p> };
    }
    let tz = p.timezone.to_string();
    let dash = || html! { <span class="muted" aria-label="none">{ "—" }</span> };
    let none = |v: &Option<String>| v.is_none().then_some("none");
    let shown = if *all { p.rows.len() } else { p.initial.min(p.rows.len()) };
    let rows = p.rows.iter().take(shown).map(|r| {
        let when = format!("{} {}", crate::tz::local_date(&r.at, &tz), crate::tz::hms(&r.at, &tz));
        let failed = is_failure(&r.action);
        html! {
            <tr key={r.id.clone()} class={classes!(failed.then_some("failed"))}>
                <td class="when" data-label="Time"><time datetime={r.at.to_rfc3339()}>{ when }</time></td>
                if p.everyone {
                    <td class={classes!("who", none(&r.actor))} data-label="By">{ r.actor.as_deref().map(email_wbr).unwrap_or_else(dash) }</td>
                }
                <td class="action" data-label="Action" title={r.action.clone()}>{ action_words(&r.action) }</td>
                if p.everyone {
                    <td class={classes!("who", none(&r.subject))} data-label="Concerning">{ r.subject.as_deref().map(email_wbr).unwrap_or_else(dash) }</td>
                }
                <td class={classes!("ip", none(&r.ip))} data-label="IP">{ r.ip.clone().map(Html::from).unwrap_or_else(dash) }</td>
                <td class={classes!("detail", none(&r.detail))} data-label="Detail">{ r.detail.clone().map(Html::from).unwrap_or_else(dash) }</td>
            </tr>
        }
    });
    html! {
        <div class="table-wrap" tabindex="0" role="region" aria-label={p.caption.clone()}>
            <table id={p.id.clone()} class="audit stack">
                <caption class="sr-only">{ p.caption.clone() }</caption>
                <thead><tr>
                    <th scope="col">{ format!("Time ({tz})") }</th>
                    if p.everyone { <th scope="col">{ "By" }</th> }
                    <th scope="col">{ "Action" }</th>
                    if p.everyone { <th scope="col">{ "Concerning" }</th> }
                    <th scope="col">{ "IP" }</th>
                    <th scope="col">{ "Detail" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if shown < p.rows.len() {
                <button type="button" class="secondary small more" onclick={move |_| all.set(true)}>
                    { format!("Show all {} entries", p.rows.len()) }
                </button>
            }
        </div>
    }
}

/// Audit entries as table rows; with `emails`, actor and subject ids become addresses.
pub fn audit_rows(entries: &[audit_log::AuditLogAuditLog], emails: Option<&HashMap<String, String>>) -> Vec<AuditRow> {
    let name = |id: &Option<String>| id.as_ref().map(|id| emails.and_then(|m| m.get(id).cloned()).unwrap_or_else(|| format!("user {id}")));
    entries
        .iter()
        .map(|e| AuditRow {
            id: e.id.clone(),
            at: e.created_at,
            action: e.action.clone(),
            actor: name(&e.actor_id),
            subject: name(&e.subject_id),
            ip: e.ip.clone(),
            detail: e.detail.clone(),
        })
        .collect()
}
