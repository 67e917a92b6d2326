//! The admin page: users (activate, role, reset link), create a user, invites, everyone's
//! activity. The route is only offered to admins; the server enforces FORBIDDEN anyway.

use crate::time::Instant;
use std::collections::HashMap;

use yew::prelude::*;

use super::auth::{place_error, validate};
use crate::accounts::{InviteState, absolute_url, admin_error, invite_state};
use crate::components::{AuditTable, ConfirmButton, CopyField, audit_rows, email_wbr, error_box, spinner};
use crate::components::{FieldProps, bind, field, select_value};
use crate::gql::{
    self, AuditLog, CreateInvite, CreateUser, DeleteUser, Invites, ResetPassword, RevokeInvite, Role, SetUserActive, SetUserRole, Users, audit_log, invites,
    users,
};
use crate::hooks::{Answer, Load, use_app, use_mutation, use_mutation_with, use_query};
use crate::route::{NavLink, Route};
use crate::state::Action;
use crate::tz;

/// `2026-11-26 10:47` in `tz`.
fn when(t: &Instant, tz: &str) -> String {
    format!("{} {}", tz::local_date(t, tz), tz::hm(t, tz))
}

fn origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

#[component(AdminPage)]
pub fn admin_page() -> Html {
    let (users_load, reload_users) = use_query::<Users>(users::Variables, false);
    let (invites_load, reload_invites) = use_query::<Invites>(invites::Variables, false);
    let (log, reload_log) = use_query::<AuditLog>(audit_log::Variables { limit: Some(100), all_users: Some(true) }, false);
    let refresh_users = {
        let (u, l) = (reload_users.clone(), reload_log.clone());
        Callback::from(move |_| {
            u.emit(());
            l.emit(());
        })
    };
    let refresh_invites = {
        let (i, l) = (reload_invites.clone(), reload_log.clone());
        Callback::from(move |_| {
            i.emit(());
            l.emit(());
        })
    };
    let emails: Option<HashMap<String, String>> = match &users_load {
        Load::Ready(d) => Some(d.users.iter().map(|u| (u.id.clone(), u.email.clone())).collect()),
        _ => None,
    };
    let ctx = use_app();
    let tzname = ctx.timezone();
    let log_body = match &log {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(e, Some(reload_log.clone())),
        Load::Ready(d) => html! {
            <AuditTable rows={audit_rows(&d.audit_log, emails.as_ref())} timezone={tzname.clone()} everyone=true
                        id="audit-all" caption="Everyone's activity, newest first" />
        },
    };
    let users_panel = use_users_panel(&UsersPanelProps { load: users_load, retry: reload_users, refresh: refresh_users.clone() });
    let create_form = use_create_user_form(&RefreshProps { refresh: refresh_users });
    let invites_panel = use_invites_panel(&InvitesPanelProps { load: invites_load, retry: reload_invites, refresh: refresh_invites });
    html! {
        <section class="page admin">
            <h1>{ "Admin" }</h1>
            { users_panel }
            { create_form }
            { invites_panel }
            <section class="panel" aria-labelledby="audit-all-h">
                <h2 id="audit-all-h">{ "Everyone's activity" }</h2>
                <p class="hint">{ "The latest 100 entries: sign-ins (and failed ones), password and setting changes, devices, deletions and admin actions." }</p>
                { log_body }
            </section>
        </section>
    }
}

/// What an admin can do to a user from its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserAction {
    Activate,
    Deactivate,
    Promote,
    Demote,
    ResetLink,
    Delete,
}

#[derive(Properties, PartialEq)]
pub struct UsersTableProps {
    pub users: Vec<users::UsersUsers>,
    pub me_id: AttrValue,
    pub timezone: AttrValue,
    /// The user an action is running for (its buttons are disabled).
    #[prop_or_default]
    pub busy: Option<String>,
    pub on_action: Callback<(String, String, UserAction)>,
}

/// The users, one row each, with their actions (stacked as cards on a phone).
#[component(UsersTable)]
pub fn users_table(p: &UsersTableProps) -> Html {
    let today = crate::dates::iso(tz::local_date(&tz::now(), &p.timezone));
    let rows = p.users.iter().map(|u| {
        let me = u.id == p.me_id.as_str();
        let admin = u.role == Role::Admin;
        let busy = p.busy.as_deref() == Some(u.id.as_str());
        let act = |a: UserAction| {
            let (cb, id, email) = (p.on_action.clone(), u.id.clone(), u.email.clone());
            Callback::from(move |_| cb.emit((id.clone(), email.clone(), a)))
        };
        let click = |a: UserAction| {
            let cb = act(a);
            Callback::from(move |_: MouseEvent| cb.emit(()))
        };
        html! {
            <tr key={u.id.clone()} id={format!("user-{}", u.id)} class={classes!((!u.is_active).then_some("inactive"))}>
                <td data-label="Email" class="email">
                    { email_wbr(&u.email) }
                    if me { <span class="badge you">{ "you" }</span> }
                </td>
                <td data-label="Role" class="role">
                    <span class={classes!("badge", admin.then_some("admin"))}>{ if admin { "admin" } else { "user" } }</span>
                </td>
                <td data-label="Status" class="status">
                    <span class={classes!("state", if u.is_active { "on" } else { "off" })}>{ if u.is_active { "active" } else { "deactivated" } }</span>
                </td>
                <td data-label="Since" class="since">{ tz::local_date(&u.created_at, &p.timezone).to_string() }</td>
                <td data-label="Actions" class="actions">
                    <NavLink to={Route::AdminUser { id: u.id.clone(), date: today.clone() }} classes="button secondary small view-user"
                             label={format!("View {}'s days (read-only)", u.email)}>{ "View days" }</NavLink>
                    if busy {
                        <span class="loading" role="status">{ "Working…" }</span>
                    } else {
                        if u.is_active {
                            if !me {
                                <ConfirmButton label="Deactivate" question={format!("Deactivate {}?", u.email)} yes="Yes, deactivate"
                                               on_confirm={act(UserAction::Deactivate)} />
                            }
                        } else {
                            <button type="button" class="secondary small activate" onclick={click(UserAction::Activate)}>{ "Activate" }</button>
                        }
                        if admin {
                            <ConfirmButton label="Demote" question={if me { "Demote yourself to user?".to_string() } else { format!("Demote {} to user?", u.email) }}
                                           yes="Yes, demote" on_confirm={act(UserAction::Demote)} />
                        } else {
                            <button type="button" class="secondary small promote" onclick={click(UserAction::Promote)}>{ "Make admin" }</button>
                        }
                        <button type="button" class="secondary small reset-link" onclick={click(UserAction::ResetLink)}
                                aria-label={format!("Password reset link for {}", u.email)}>{ "Reset link" }</button>
                        if !me {
                            <ConfirmButton label="Delete" question={format!("Delete {} and all their data?", u.email)}
                                           on_confirm={act(UserAction::Delete)} />
                        }
                    }
                </td>
            </tr>
        }
    });
    html! {
        <div class="table-wrap">
            <table id="users" class="stack">
                <caption class="sr-only">{ "Users" }</caption>
                <thead><tr>
                    <th scope="col">{ "Email" }</th>
                    <th scope="col">{ "Role" }</th>
                    <th scope="col">{ "Status" }</th>
                    <th scope="col">{ "Since" }</th>
                    <th scope="col">{ "Actions" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct UsersPanelProps {
    load: Load<users::ResponseData>,
    retry: Callback<()>,
    refresh: Callback<()>,
}

#[derive(Clone, PartialEq)]
struct ResetLink {
    email: String,
    url: String,
    expires_at: Instant,
}

/// One of the admin page's hooks rather than a component of its own (issue #16, size).
#[hook]
fn use_users_panel(p: &UsersPanelProps) -> Html {
    let ctx = use_app();
    let me = ctx.user().cloned().expect("signed in");
    let error = use_state(|| None::<String>);
    let link = use_state(|| None::<ResetLink>);
    // The user an action runs for: (id, email), for its row's busy state and its messages.
    let acting = use_mut_ref(|| (String::new(), String::new()));
    let failed = {
        let (error, acting) = (error.clone(), acting.clone());
        Callback::from(move |e: gql::ApiError| error.set(Some(format!("{}: {}", acting.borrow().1, admin_error(&e)))))
    };
    let activated = use_mutation_with::<SetUserActive>(p.refresh.reform(|_| ()), failed.reform(|(_, e)| e));
    let deleted = use_mutation_with::<DeleteUser>(p.refresh.reform(|_| ()), failed.reform(|(_, e)| e));
    let role_set = {
        let (refresh, ctx, me) = (p.refresh.clone(), ctx.clone(), me.clone());
        use_mutation_with::<SetUserRole>(
            Callback::from(move |(vars, _): Answer<SetUserRole>| {
                if vars.id == me.id {
                    // Demoting yourself: the Admin page and its nav entry go away.
                    let mut u = me.clone();
                    u.is_admin = vars.role == Role::Admin;
                    ctx.dispatch(Action::UserUpdated(u));
                }
                refresh.emit(())
            }),
            failed.reform(|(_, e)| e),
        )
    };
    let linked = {
        let (link, acting, refresh) = (link.clone(), acting.clone(), p.refresh.clone());
        use_mutation_with::<ResetPassword>(
            Callback::from(move |(_, d): Answer<ResetPassword>| {
                let r = &d.reset_password;
                link.set(Some(ResetLink { email: acting.borrow().1.clone(), url: absolute_url(&r.url, &origin()), expires_at: r.expires_at }));
                refresh.emit(())
            }),
            failed.reform(|(_, e)| e),
        )
    };
    let running = activated.running || deleted.running || role_set.running || linked.running;
    let busy = running.then(|| acting.borrow().0.clone());
    let on_action = {
        let (error, acting) = (error.clone(), acting.clone());
        let (activate, delete, set_role, reset) = (activated.run, deleted.run, role_set.run, linked.run);
        Callback::from(move |(id, email, action): (String, String, UserAction)| {
            *acting.borrow_mut() = (id.clone(), email);
            error.set(None);
            match action {
                UserAction::Activate | UserAction::Deactivate => activate.emit(gql::set_user_active::Variables { id, active: action == UserAction::Activate }),
                UserAction::Promote => set_role.emit(gql::set_user_role::Variables { id, role: Role::Admin }),
                UserAction::Demote => set_role.emit(gql::set_user_role::Variables { id, role: Role::User }),
                UserAction::Delete => delete.emit(gql::delete_user::Variables { id }),
                UserAction::ResetLink => reset.emit(gql::reset_password::Variables { id }),
            }
        })
    };
    let tzname = me.timezone.clone();
    let body = match &p.load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(e, Some(p.retry.clone())),
        Load::Ready(d) => html! {
            <UsersTable users={d.users.clone()} me_id={me.id.clone()} timezone={tzname.clone()}
                        busy={busy} on_action={on_action} />
        },
    };
    let link_box = (*link).clone().map(|l| {
        let close = {
            let link = link.clone();
            Callback::from(move |_: MouseEvent| link.set(None))
        };
        html! {
            <div class="result-box" id="reset-link-box">
                <CopyField id="reset-url" label={format!("Password reset link for {}", l.email)} value={l.url.clone()}
                           hint={format!("Works once, until {} ({}). Send it to them privately.", when(&l.expires_at, &tzname), tzname)} />
                <button type="button" class="secondary small" onclick={close}>{ "Done" }</button>
            </div>
        }
    });
    html! {
        <section class="panel" aria-labelledby="users-h">
            <h2 id="users-h">{ "Users" }</h2>
            <p class="hint">{ "Deactivating signs the user out everywhere at once. The last admin cannot be demoted." }</p>
            if let Some(e) = &*error { <p class="form-error" role="alert" id="users-error">{ e.clone() }</p> }
            { for link_box }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct RefreshProps {
    refresh: Callback<()>,
}

#[derive(Clone, Default, PartialEq)]
struct CreateErrors {
    email: Option<String>,
    password: Option<String>,
    timezone: Option<String>,
    form: Option<String>,
}

/// One of the admin page's hooks rather than a component of its own (issue #16, size).
#[hook]
fn use_create_user_form(p: &RefreshProps) -> Html {
    let ctx = use_app();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let zone = use_state(|| ctx.timezone());
    let admin = use_state(|| false);
    let errors = use_state(CreateErrors::default);
    let created = use_state(|| None::<String>);
    let create = {
        let (email, password, created, refresh, errors) = (email.clone(), password.clone(), created.clone(), p.refresh.clone(), errors.clone());
        use_mutation_with::<CreateUser>(
            Callback::from(move |(_, d): Answer<CreateUser>| {
                created.set(Some(d.create_user.email.clone()));
                email.set(String::new());
                password.set(String::new());
                refresh.emit(());
            }),
            Callback::from(move |(_, e): (_, gql::ApiError)| {
                let m = e.message.to_ascii_lowercase();
                if e.code == "BAD_USER_INPUT" && (m.contains("timezone") || m.contains("zone")) {
                    errors.set(CreateErrors { timezone: Some(e.friendly()), ..CreateErrors::default() });
                } else if e.code == "FORBIDDEN" {
                    errors.set(CreateErrors { form: Some(admin_error(&e)), ..CreateErrors::default() });
                } else {
                    let f = place_error(&e);
                    errors.set(CreateErrors { email: f.email, password: f.password, timezone: None, form: f.form.or(f.invite) });
                }
            }),
        )
    };
    let busy = create.running;
    let onsubmit = {
        let (email, password, zone, admin, errors, created, run) =
            (email.clone(), password.clone(), zone.clone(), admin.clone(), errors.clone(), created.clone(), create.run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            created.set(None);
            let check = validate(&email, &password, true);
            let tz_err = zone.trim().is_empty().then(|| "Enter an IANA timezone such as Europe/Paris.".to_string());
            if check.email.is_some() || check.password.is_some() || tz_err.is_some() {
                return errors.set(CreateErrors { email: check.email, password: check.password, timezone: tz_err, form: None });
            }
            errors.set(CreateErrors::default());
            run.emit(gql::create_user::Variables {
                email: email.trim().to_string(),
                password: (*password).clone(),
                timezone: Some(zone.trim().to_string()),
                role: Some(if *admin { Role::Admin } else { Role::User }),
            });
        })
    };
    let on_role = {
        let admin = admin.clone();
        Callback::from(move |e: Event| admin.set(select_value(&e) == "ADMIN"))
    };
    html! {
        <form class="panel" id="create-user-form" onsubmit={onsubmit} novalidate=true>
            <h2>{ "Create a user" }</h2>
            <div class="row">
                { field(&yew::props!(FieldProps { id: "new-user-email", label: "Email", kind: "email", value: (*email).clone(), oninput: bind(&email), error: errors.email.clone(), autocomplete: "off", required: true })) }
                { field(&yew::props!(FieldProps { id: "new-user-password", label: "Initial password", kind: "password", value: (*password).clone(), oninput: bind(&password), error: errors.password.clone(), autocomplete: "new-password", required: true, hint: "At least 12 characters. Send them a reset link to choose their own." })) }
            </div>
            <div class="row">
                { field(&yew::props!(FieldProps { id: "new-user-timezone", label: "Timezone", value: (*zone).clone(), oninput: bind(&zone), error: errors.timezone.clone(), autocomplete: "off", hint: "IANA name, e.g. Europe/Paris." })) }
                <div class="field">
                    <label for="new-user-role">{ "Role" }</label>
                    <select id="new-user-role" onchange={on_role}>
                        <option value="USER" selected={!*admin}>{ "User" }</option>
                        <option value="ADMIN" selected={*admin}>{ "Admin" }</option>
                    </select>
                </div>
            </div>
            if let Some(f) = &errors.form { <p class="form-error" role="alert">{ f.clone() }</p> }
            <button type="submit" disabled={busy}>{ if busy { "Creating…" } else { "Create user" } }</button>
            if let Some(e) = &*created { <p class="notice" role="status" id="user-created">{ format!("Created {e}.") }</p> }
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct InvitesPanelProps {
    load: Load<invites::ResponseData>,
    retry: Callback<()>,
    refresh: Callback<()>,
}

#[derive(Clone, PartialEq)]
struct NewCode {
    id: String,
    code: String,
    expires_at: Instant,
}

/// One of the admin page's hooks rather than a component of its own (issue #16, size).
#[hook]
fn use_invites_panel(p: &InvitesPanelProps) -> Html {
    let ctx = use_app();
    let tzname = ctx.timezone();
    let hours = use_state(|| "168".to_string());
    let hours_error = use_state(|| None::<String>);
    let code = use_state(|| None::<NewCode>);
    let created = {
        let (code, refresh) = (code.clone(), p.refresh.clone());
        use_mutation::<CreateInvite>(Callback::from(move |(_, d): Answer<CreateInvite>| {
            let c = &d.create_invite;
            code.set(Some(NewCode { id: c.invite.id.clone(), code: c.code.clone(), expires_at: c.invite.expires_at }));
            refresh.emit(());
        }))
    };
    let revoked = {
        let (code, refresh) = (code.clone(), p.refresh.clone());
        use_mutation::<RevokeInvite>(Callback::from(move |(vars, _): Answer<RevokeInvite>| {
            // A revoked invite's code is no use: stop showing it.
            if (*code).as_ref().is_some_and(|c| c.id == vars.id) {
                code.set(None);
            }
            refresh.emit(())
        }))
    };
    let error = created.error.as_ref().or(revoked.error.as_ref()).map(admin_error);
    let busy = created.running;
    let onsubmit = {
        let (hours, hours_error, run, clear) = (hours.clone(), hours_error.clone(), created.run.clone(), revoked.clear.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(h) = hours.trim().parse::<i64>().ok().filter(|h| (1..=720).contains(h)) else {
                return hours_error.set(Some("Enter hours between 1 and 720 (30 days).".into()));
            };
            hours_error.set(None);
            clear.emit(());
            run.emit(gql::create_invite::Variables { expires_in_hours: Some(h) });
        })
    };
    let now = tz::now();
    let list = match &p.load {
        Load::Loading => spinner(),
        Load::Failed(e) => error_box(e, Some(p.retry.clone())),
        Load::Ready(d) if d.invites.is_empty() => {
            html! { <p class="empty">{ "No invites yet." }</p> }
        }
        Load::Ready(d) => {
            let rows = d.invites.iter().map(|i| {
                let state = invite_state(i.used_at.as_ref(), i.revoked_at.as_ref(), &i.expires_at, &now);
                let revoke = {
                    let (id, run) = (i.id.clone(), revoked.run.clone());
                    Callback::from(move |_| run.emit(gql::revoke_invite::Variables { id: id.clone() }))
                };
                let since = match state {
                    InviteState::Used => i.used_at.as_ref().map(|t| format!(" {}", when(t, &tzname))),
                    InviteState::Revoked => i.revoked_at.as_ref().map(|t| format!(" {}", when(t, &tzname))),
                    _ => None,
                };
                html! {
                    <tr key={i.id.clone()} id={format!("invite-{}", i.id)}>
                        <td data-label="Invite">{ format!("#{}", i.id) }</td>
                        <td data-label="Created">{ when(&i.created_at, &tzname) }</td>
                        <td data-label="Expires">{ when(&i.expires_at, &tzname) }</td>
                        <td data-label="State" class="status">
                            <span class={classes!("state", (state == InviteState::Open).then_some("on"))}>{ state.label() }</span>
                            { since.unwrap_or_default() }
                        </td>
                        <td data-label="Actions" class={classes!("actions", (state != InviteState::Open).then_some("none"))}>
                            if state == InviteState::Open {
                                <ConfirmButton label="Revoke" question={format!("Revoke invite #{}?", i.id)} yes="Yes, revoke" on_confirm={revoke} />
                            }
                        </td>
                    </tr>
                }
            });
            html! {
                <div class="table-wrap">
                    <table id="invites" class="stack">
                        <caption class="sr-only">{ "Invites" }</caption>
                        <thead><tr>
                            <th scope="col">{ "Invite" }</th>
                            <th scope="col">{ format!("Created ({tzname})") }</th>
                            <th scope="col">{ "Expires" }</th>
                            <th scope="col">{ "State" }</th>
                            <th scope="col">{ "Actions" }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
        }
    };
    let code_box = (*code).clone().map(|c| {
        let close = {
            let code = code.clone();
            Callback::from(move |_: MouseEvent| code.set(None))
        };
        html! {
            <div class="result-box" id="invite-code-box">
                <CopyField id="invite-code" label="New invite code (shown only this once)" value={c.code.clone()}
                           hint={format!("Single use, valid until {}. The new user enters it on the Register page.", when(&c.expires_at, &tzname))} />
                <button type="button" class="secondary small" onclick={close}>{ "Done" }</button>
            </div>
        }
    });
    html! {
        <section class="panel" aria-labelledby="invites-h">
            <h2 id="invites-h">{ "Invites" }</h2>
            <p class="hint">{ "Needed to register when the server runs with REGISTRATION_MODE=invite." }</p>
            <form id="invite-form" class="inline-form" onsubmit={onsubmit} novalidate=true>
                { field(&yew::props!(FieldProps { id: "invite-hours", label: "Valid for (hours)", value: (*hours).clone(), oninput: bind(&hours), error: (*hours_error).clone(), inputmode: "numeric" })) }
                <button type="submit" disabled={busy}>{ if busy { "Creating…" } else { "Create invite" } }</button>
            </form>
            if let Some(e) = error { <p class="form-error" role="alert" id="invites-error">{ e }</p> }
            { for code_box }
            { list }
        </section>
    }
}
