//! Rate limits, brute-force defence, password policy, registration modes, admin guards,
//! the audit log and GraphQL limits.

use axum::body::Body;
use axum::http::Request;
use proptest::prelude::*;
use serde_json::{Value, json};
use server::config::RegistrationMode;

use crate::common::*;

const LOGIN: &str = "mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}";
const REGISTER: &str = "mutation($e:String!,$p:String!,$i:String){register(email:$e,password:$p,inviteCode:$i){token user{role}}}";

/// A GraphQL POST as if from `ip` behind the trusted proxy.
fn from_ip(ip: &str, token: Option<&str>, query: &str, variables: Value) -> Request<Body> {
    let mut r = Request::post("/graphql").header("content-type", "application/json").header("x-forwarded-for", ip);
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    r.body(Body::from(json!({"query": query, "variables": variables}).to_string())).unwrap()
}

async fn send_json(app: &TestApp, request: Request<Body>) -> (u16, axum::http::HeaderMap, Value) {
    let (status, headers, body) = app.send(request).await;
    (status, headers, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn behind_proxy(c: &mut server::config::Config) {
    // Oneshot requests have no peer address; treat "unspecified" as the trusted proxy.
    c.trusted_proxies = vec!["0.0.0.0/32".parse().unwrap()];
}

#[tokio::test]
async fn auth_limit_trips_per_ip_and_reports_retry_after() {
    let app = TestApp::with_config(|c| {
        behind_proxy(c);
        c.limits.auth_per_minute = 3;
    })
    .await;
    for _ in 0..3 {
        let (_, _, body) = send_json(&app, from_ip("203.0.113.5", None, LOGIN, json!({"e": "x@example.com", "p": "whatever long"}))).await;
        assert_eq!(code(&body), "INVALID_CREDENTIALS");
    }
    let (_, _, body) = send_json(&app, from_ip("203.0.113.5", None, LOGIN, json!({"e": "x@example.com", "p": "whatever long"}))).await;
    assert_eq!(code(&body), "RATE_LIMITED");
    assert!(body["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap() >= 1);
    let (_, _, other) = send_json(&app, from_ip("203.0.113.6", None, LOGIN, json!({"e": "x@example.com", "p": "whatever long"}))).await;
    assert_eq!(code(&other), "INVALID_CREDENTIALS", "another IP has its own budget");
}

#[tokio::test]
async fn event_limit_is_per_user_and_a_batch_counts_once() {
    let app = TestApp::with_config(|c| {
        // One unit a minute: the budget cannot refill while the test runs, however slow.
        c.limits.events_per_minute = 1;
        c.limits.events_burst = 2;
    })
    .await;
    let t = app.register("a@example.com").await;
    let batch = json!([{"type": "NEXT"}, {"type": "NEXT"}, {"type": "NEXT"}, {"type": "NEXT"}]);
    let r = app.gql(Some(&t), "mutation($i:[EventInput!]!){recordEvents(inputs:$i){duplicate}}", json!({"i": batch})).await;
    assert!(r.get("errors").is_none(), "{r}");
    assert!(app.event_with(&t, json!({"type": "NEXT"})).await.get("errors").is_none());
    let limited = app.event_with(&t, json!({"type": "NEXT"})).await;
    assert_eq!(code(&limited), "RATE_LIMITED");
    assert_eq!(app.active(&t).await["current"]["index"], 5, "the refused event changed nothing");
    let other = app.register("b@example.com").await;
    assert!(app.event_with(&other, json!({"type": "NEXT"})).await.get("errors").is_none());
}

#[tokio::test]
async fn the_request_limit_refuses_the_whole_request_with_429() {
    let app = TestApp::with_config(|c| {
        behind_proxy(c);
        c.limits.requests_per_minute = 4;
    })
    .await;
    let mut statuses = vec![];
    for _ in 0..4 {
        let (status, headers, body) = send_json(&app, from_ip("198.51.100.1", None, "{me{email}}", json!({}))).await;
        statuses.push(status);
        if status == 429 {
            assert_eq!(code(&body), "RATE_LIMITED");
            assert!(headers.get("retry-after").is_some());
        }
    }
    assert_eq!(statuses, vec![200, 200, 429, 429]);
}

#[tokio::test]
async fn failed_logins_back_off_per_email_and_ip_without_locking_out_the_owner() {
    let app = TestApp::with_config(behind_proxy).await;
    app.register("victim@example.com").await;
    let attempt = |ip: &'static str, password: &'static str| from_ip(ip, None, LOGIN, json!({"e": "victim@example.com", "p": password}));
    for _ in 0..3 {
        let (_, _, body) = send_json(&app, attempt("192.0.2.66", "guess guess guess")).await;
        assert_eq!(code(&body), "INVALID_CREDENTIALS");
    }
    // Locked for 30 s at the attacker's IP, even with the right password…
    let (_, _, body) = send_json(&app, attempt("192.0.2.66", PASSWORD)).await;
    assert_eq!(code(&body), "RATE_LIMITED");
    let retry = body["errors"][0]["extensions"]["retryAfter"].as_u64().unwrap();
    assert!((25..=30).contains(&retry), "{retry}");
    // …but the owner, elsewhere, signs in.
    let (_, _, body) = send_json(&app, attempt("192.0.2.1", PASSWORD)).await;
    assert!(body["data"]["login"]["token"].is_string(), "{body}");
}

#[tokio::test]
async fn the_ip_budget_stops_credential_stuffing_across_emails() {
    let app = TestApp::with_config(|c| {
        behind_proxy(c);
        c.limits.login_ip_failures = 5;
    })
    .await;
    for i in 0..5 {
        let (_, _, body) = send_json(&app, from_ip("192.0.2.77", None, LOGIN, json!({"e": format!("u{i}@example.com"), "p": "guess guess guess"}))).await;
        assert_eq!(code(&body), "INVALID_CREDENTIALS");
    }
    let (_, _, body) = send_json(&app, from_ip("192.0.2.77", None, LOGIN, json!({"e": "new@example.com", "p": "guess guess guess"}))).await;
    assert_eq!(code(&body), "RATE_LIMITED");
}

#[tokio::test]
async fn weak_common_and_reused_passwords_are_refused_everywhere() {
    let app = TestApp::new().await;
    for weak in ["password1234", "qwertyuiop123", "aaaaaaaaaaaaaaaa", "weak@example.com2026"] {
        let r = app.gql(None, REGISTER, json!({"e": "weak@example.com", "p": weak})).await;
        assert_eq!(code(&r), "WEAK_PASSWORD", "{weak}");
        assert!(r["errors"][0]["message"].as_str().unwrap().len() > 20, "the error explains why");
    }
    let t = app.register("a@example.com").await;
    let change = "mutation($c:String!,$n:String!){changePassword(currentPassword:$c,newPassword:$n){token}}";
    let mut current = PASSWORD.to_owned();
    let mut token = t;
    for next in ["violet tundra lantern 1", "violet tundra lantern 2", "violet tundra lantern 3"] {
        token = app.ok(Some(&token), change, json!({"c": current, "n": next})).await["changePassword"]["token"].as_str().unwrap().to_owned();
        current = next.to_owned();
    }
    let reused = app.gql(Some(&token), change, json!({"c": current, "n": PASSWORD})).await;
    assert_eq!(code(&reused), "WEAK_PASSWORD");
    assert!(reused["errors"][0]["message"].as_str().unwrap().contains("last 5"));
    let common = app.gql(Some(&token), change, json!({"c": current, "n": "welcome123456"})).await;
    assert_eq!(code(&common), "WEAK_PASSWORD");
}

#[tokio::test]
async fn invite_mode_needs_a_single_use_code() {
    let app = TestApp::with_config(|c| c.registration_mode = RegistrationMode::Invite).await;
    let first = app.ok(None, REGISTER, json!({"e": "admin@example.com", "p": PASSWORD})).await;
    assert_eq!(first["register"]["user"]["role"], "ADMIN");
    let admin = first["register"]["token"].as_str().unwrap().to_owned();
    let none = app.gql(None, REGISTER, json!({"e": "b@example.com", "p": PASSWORD})).await;
    assert_eq!(code(&none), "BAD_USER_INPUT");
    let bogus = app.gql(None, REGISTER, json!({"e": "b@example.com", "p": PASSWORD, "i": "inv_nope"})).await;
    assert_eq!(code(&bogus), "BAD_USER_INPUT");
    let invite = app.ok(Some(&admin), "mutation{createInvite(expiresInHours:2){code invite{id expiresAt}}}", json!({})).await;
    let code_text = invite["createInvite"]["code"].as_str().unwrap().to_owned();
    let joined = app.ok(None, REGISTER, json!({"e": "b@example.com", "p": PASSWORD, "i": code_text})).await;
    assert_eq!(joined["register"]["user"]["role"], "USER");
    let again = app.gql(None, REGISTER, json!({"e": "c@example.com", "p": PASSWORD, "i": code_text})).await;
    assert_eq!(code(&again), "BAD_USER_INPUT", "single use");
    // A failed invite leaves no account behind: the email is still free.
    let revoked = app.ok(Some(&admin), "mutation{createInvite{code invite{id}}}", json!({})).await;
    app.ok(Some(&admin), "mutation($id:ID!){revokeInvite(id:$id)}", json!({"id": revoked["createInvite"]["invite"]["id"]})).await;
    let r = app.gql(None, REGISTER, json!({"e": "c@example.com", "p": PASSWORD, "i": revoked["createInvite"]["code"]})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    let invites = app.ok(Some(&admin), "{invites{id usedAt revokedAt}}", json!({})).await;
    assert_eq!(invites["invites"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn closed_mode_lets_only_admins_create_accounts() {
    let app = TestApp::with_config(|c| c.registration_mode = RegistrationMode::Closed).await;
    let admin = app.register("admin@example.com").await;
    let r = app.gql(None, REGISTER, json!({"e": "b@example.com", "p": PASSWORD})).await;
    assert_eq!(code(&r), "FORBIDDEN");
    let created = app
        .ok(Some(&admin), "mutation($e:String!,$p:String!){createUser(email:$e,password:$p){email role}}", json!({"e": "b@example.com", "p": PASSWORD}))
        .await;
    assert_eq!(created["createUser"]["role"], "USER");
    app.ok(None, LOGIN, json!({"e": "b@example.com", "p": PASSWORD})).await;
}

#[tokio::test]
async fn admin_fields_are_guarded_and_work_for_admins() {
    let app = TestApp::new().await;
    let admin = app.register("admin@example.com").await;
    let user = app.register("user@example.com").await;
    let every_admin_field = [
        "{users{id}}",
        "{invites{id}}",
        "mutation{createInvite{code}}",
        "mutation{revokeInvite(id:\"1\")}",
        "mutation{setUserRole(id:\"1\",role:USER){id}}",
        "mutation{setUserActive(id:\"1\",active:false){id}}",
        "mutation{resetPassword(id:\"1\"){url}}",
        "mutation{createUser(email:\"new@example.com\",password:\"violet tundra lantern 7\"){id}}",
    ];
    for q in every_admin_field {
        assert_eq!(code(&app.gql(Some(&user), q, json!({})).await), "FORBIDDEN", "{q}");
        assert_eq!(code(&app.gql(None, q, json!({})).await), "UNAUTHENTICATED", "{q}");
    }
    let users = app.ok(Some(&admin), "{users{id email role isActive}}", json!({})).await;
    let list = users["users"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let user_id = list.iter().find(|u| u["email"] == "user@example.com").unwrap()["id"].clone();
    let admin_id = list.iter().find(|u| u["email"] == "admin@example.com").unwrap()["id"].clone();

    // Deactivation signs the user out at once, device tokens included.
    let device =
        app.ok(Some(&user), "mutation{createDeviceToken(name:\"overlay\"){token}}", json!({})).await["createDeviceToken"]["token"].as_str().unwrap().to_owned();
    app.ok(Some(&admin), "mutation($id:ID!){setUserActive(id:$id,active:false){isActive}}", json!({"id": user_id})).await;
    assert!(app.ok(Some(&user), "{me{email}}", json!({})).await["me"].is_null());
    assert_eq!(code(&app.event_with(&device, json!({"type": "NEXT"})).await), "UNAUTHENTICATED");
    assert_eq!(code(&app.gql(None, LOGIN, json!({"e": "user@example.com", "p": PASSWORD})).await), "INVALID_CREDENTIALS");
    app.ok(Some(&admin), "mutation($id:ID!){setUserActive(id:$id,active:true){isActive}}", json!({"id": user_id})).await;

    // A one-time reset link; completing it signs out the JWTs issued before.
    let before_reset = app.ok(None, LOGIN, json!({"e": "user@example.com", "p": PASSWORD})).await["login"]["token"].as_str().unwrap().to_owned();
    let link = app.ok(Some(&admin), "mutation($id:ID!){resetPassword(id:$id){url expiresAt}}", json!({"id": user_id})).await;
    let url = link["resetPassword"]["url"].as_str().unwrap();
    let token = url.split("token=").nth(1).unwrap();
    let complete = "mutation($t:String!,$p:String!){completePasswordReset(token:$t,newPassword:$p)}";
    assert_eq!(code(&app.gql(None, complete, json!({"t": token, "p": "short"})).await), "WEAK_PASSWORD");
    app.ok(None, complete, json!({"t": token, "p": "violet tundra lantern 9"})).await;
    assert!(app.ok(Some(&before_reset), "{me{email}}", json!({})).await["me"].is_null(), "old JWT after an admin reset");
    assert_eq!(code(&app.gql(None, complete, json!({"t": token, "p": "violet tundra lantern 8"})).await), "INVALID_TOKEN", "one time only");
    app.ok(None, LOGIN, json!({"e": "user@example.com", "p": "violet tundra lantern 9"})).await;

    // Promote, demote, and the last admin stays.
    let promoted = app.ok(Some(&admin), "mutation($id:ID!){setUserRole(id:$id,role:ADMIN){role}}", json!({"id": user_id})).await;
    assert_eq!(promoted["setUserRole"]["role"], "ADMIN");
    app.ok(Some(&admin), "mutation($id:ID!){setUserRole(id:$id,role:USER){role}}", json!({"id": user_id})).await;
    let last = app.gql(Some(&admin), "mutation($id:ID!){setUserRole(id:$id,role:USER){role}}", json!({"id": admin_id})).await;
    assert_eq!(code(&last), "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_audit_log_records_actions_without_secrets() {
    let app = TestApp::new().await;
    let admin = app.register("admin@example.com").await;
    let t = app.register("a@example.com").await;
    app.gql(None, LOGIN, json!({"e": "a@example.com", "p": "not the password!"})).await;
    let t = app.ok(None, LOGIN, json!({"e": "a@example.com", "p": PASSWORD})).await["login"]["token"].as_str().map(str::to_owned).unwrap_or(t);
    app.ok(Some(&t), "mutation{createDeviceToken(name:\"laptop\"){token}}", json!({})).await;
    app.ok(Some(&t), "mutation{updateSettings(input:{timezone:\"Europe/Paris\"}){timezone}}", json!({})).await;
    let r = app.event(&t, "NEXT", base(10)).await;
    let session = r["data"]["recordEvent"]["session"]["id"].clone();
    app.ok(Some(&t), "mutation($id:ID!){deleteSession(id:$id)}", json!({"id": session})).await;
    let t = app
        .ok(
            Some(&t),
            "mutation($c:String!,$n:String!){changePassword(currentPassword:$c,newPassword:$n){token}}",
            json!({"c": PASSWORD, "n": "violet tundra lantern 7"}),
        )
        .await["changePassword"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let mine = app.ok(Some(&t), "{auditLog{action actorId ip detail createdAt}}", json!({})).await;
    let actions: Vec<&str> = mine["auditLog"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["register", "login", "device_token_created", "settings_changed", "session_deleted", "password_changed"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let text = mine.to_string();
    for secret in [PASSWORD, "violet tundra lantern 7", "rht_", "eyJ"] {
        assert!(!text.contains(secret), "audit log leaks {secret:?}");
    }
    assert_eq!(code(&app.gql(Some(&t), "{auditLog(allUsers:true){action}}", json!({})).await), "FORBIDDEN");
    let all = app.ok(Some(&admin), "{auditLog(allUsers:true,limit:500){action}}", json!({})).await;
    let all_actions: Vec<&str> = all["auditLog"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(all_actions.contains(&"login_failed"));
    assert!(all_actions.len() > actions.len());
}

#[tokio::test]
async fn depth_limit_and_operation_batches_are_capped() {
    let app = TestApp::new().await;
    let deep = format!("{{ __schema {{ types {} }} }}", "{ fields { type { ofType ".repeat(8) + &"} } } ".repeat(8) + "}");
    let r = app.gql(None, &deep, json!({})).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let batch: Vec<Value> = (0..11).map(|_| json!({"query": "{serverTime}"})).collect();
    let (status, _, body) =
        app.send(Request::post("/graphql").header("content-type", "application/json").body(Body::from(Value::Array(batch).to_string())).unwrap()).await;
    assert_eq!(status, 400);
    assert!(body.contains("at most 10"));
}

#[tokio::test]
async fn playground_and_introspection_can_be_turned_off() {
    let app = TestApp::with_config(|c| c.graphql_playground = false).await;
    let (status, _, _) = app.send(Request::get("/graphql").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 404);
    let r = app.gql(None, "{__schema{queryType{name}}}", json!({})).await;
    assert!(r["data"]["__schema"].is_null(), "{r}");
    let on = TestApp::new().await;
    assert!(on.ok(None, "{__schema{queryType{name}}}", json!({})).await["__schema"]["queryType"]["name"] == "Query");
}

#[tokio::test]
async fn security_headers_are_sent() {
    let app = TestApp::new().await;
    let (_, headers, _) = app.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
    assert!(headers.get("content-security-policy").unwrap().to_str().unwrap().contains("frame-ancestors 'none'"));
}

fn graphql_noise() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(":".to_owned()),
        Just("$x".to_owned()),
        Just("query".to_owned()),
        Just("mutation".to_owned()),
        Just("subscription".to_owned()),
        Just("recordEvent".to_owned()),
        Just("input".to_owned()),
        Just("type".to_owned()),
        Just("NEXT".to_owned()),
        Just("day".to_owned()),
        Just("date".to_owned()),
        Just("\"2026-02-30\"".to_owned()),
        Just("sessions".to_owned()),
        Just("limit".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999".to_owned()),
        Just("...".to_owned()),
        Just("fragment".to_owned()),
        Just("on".to_owned()),
        Just("__schema".to_owned()),
        Just("@skip".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        Just("1e309".to_owned()),
        "[a-zA-Z_]{1,8}".prop_map(|s| s),
        "\\PC{0,4}".prop_map(|s| s),
    ];
    prop::collection::vec(token, 0..40).prop_map(|parts| parts.join(" "))
}

fn json_noise() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        Just(json!("NEXT")),
        Just(json!("2026-11-26T00:00:00Z")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Random documents and variables never produce a 500, a panic or an error without a
/// code. Cases are generated by proptest and all run against one server.
#[tokio::test]
async fn random_graphql_never_breaks_the_server() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let app = TestApp::new().await;
    let token = app.register("fuzz@example.com").await;
    let mut runner = TestRunner::deterministic();
    let strategy = (graphql_noise(), json_noise());
    for _ in 0..300 {
        let (query, variables) = strategy.new_tree(&mut runner).unwrap().current();
        let body = json!({"query": query, "variables": variables}).to_string();
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body))
            .unwrap();
        let (status, _, text) = app.send(request).await;
        assert!(status < 500, "status {status} for {query}");
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
        for e in value["errors"].as_array().into_iter().flatten() {
            assert!(e["extensions"]["code"].is_string(), "error without a code for {query}: {e}");
            assert_ne!(e["extensions"]["code"].as_str(), Some("INTERNAL"), "{query}: {e}");
        }
    }
    // The server still works afterwards.
    assert_eq!(app.ok(Some(&token), "{me{email}}", json!({})).await["me"]["email"], "fuzz@example.com");
}
