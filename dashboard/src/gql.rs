//! GraphQL operations, checked at compile time against `../schema.graphql` by graphql_client,
//! and the tiny HTTP client that sends them (same-origin POST /graphql; the HttpOnly session
//! cookie travels by itself).

use graphql_client::{GraphQLQuery, QueryBody};
use serde::Deserialize;

// Custom scalars of the schema.
pub type DateTime = crate::time::Instant;
pub type Date = crate::time::Date;
pub type Id = String;
pub use crate::dates::Weekday;

/// The schema's `Role` enum (shared by all generated operations via `extern_enums`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Admin,
    User,
}

/// The schema's `PayBasis` enum (shared like `Role`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayBasis {
    Aet,
    Active,
}

/// Declares the operations of one `queries/*.graphql` file, typed by graphql_client against
/// `../schema.graphql`. Every operation shares these options: the schema's `Weekday`, `Role` and
/// `PayBasis` enums come from this module, so all operations use the same types. By default an
/// input field left out (`None`) is not sent, so the server keeps its value; `@nulls` sends it
/// as null instead, which clears it.
macro_rules! operations {
    ($file:tt => $($name:ident),+ $(,)?) => { operations!(@with [skip_serializing_none] $file => $($name),+); };
    (@nulls $file:tt => $($name:ident),+ $(,)?) => { operations!(@with [] $file => $($name),+); };
    (@with [$($extra:tt)*] $file:tt => ) => {};
    (@with [$($extra:tt)*] $file:tt => $name:ident $(, $rest:ident)*) => {
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../schema.graphql",
            query_path = $file,
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone, PartialEq",
            extern_enums("Weekday", "Role", "PayBasis"),
            normalization = "rust",
            $($extra)*
        )]
        pub struct $name;
        operations!(@with [$($extra)*] $file => $($rest),*);
    };
}

// The app's first request, which boot.js also sends while the wasm downloads: on its own so
// that its body stays short (its UserFields is a copy of auth.graphql's; `user_from!` reads both).
operations!("queries/me.graphql" => Me);
operations!("queries/auth.graphql" => Login, Register, Logout, CompletePasswordReset);
operations!("queries/today.graphql" => Today);
operations!("queries/session.graphql" => SessionDetail, DeleteSession, DeleteQuestion);
operations!("queries/history.graphql" => WeekView, MonthView, TypeStats);
operations!("queries/settings.graphql" => Timezones, UpdateSettings, ChangePassword, DeviceTokens, RevokeDeviceToken);
operations!("queries/export.graphql" => ExportCsv);
operations!("queries/mail.graphql" => RequestPasswordReset, VerifyEmail, ConfirmEmailChange, ResendVerification, ChangeEmail, DeleteAccount, MailSettings, UpdateReportEmails, UpdateDisplayName);
operations!("queries/activity.graphql" => Activity);
operations!("queries/pay.graphql" => PaySettings, ApplyPreset);
// Saves every pay value at once: an empty rate or cap is sent as null, which clears it.
operations!(@nulls "queries/pay.graphql" => UpdatePay);
operations!("queries/admin_view.graphql" => AdminView);
operations!("queries/admin.graphql" => Users, SetUserActive, SetUserRole, ResetPassword, CreateUser, Invites, CreateInvite, RevokeInvite, AuditLog, DeleteUser);

/// What went wrong with a request, with the server's `extensions.code` when there is one.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    /// The argument or input field the error is about, when the server says (`extensions.field`).
    pub field: Option<String>,
    /// Seconds to wait, for `RATE_LIMITED` (`extensions.retryAfter`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn network(message: impl Into<String>) -> Self {
        ApiError { code: "NETWORK".into(), message: message.into(), field: None, retry_after: None }
    }

    pub fn is_unauthenticated(&self) -> bool {
        self.code == "UNAUTHENTICATED"
    }

    /// A message fit for a person, for the codes the dashboard knows.
    pub fn friendly(&self) -> String {
        capitalize(self.friendly_raw())
    }

    fn friendly_raw(&self) -> String {
        match self.code.as_str() {
            "INVALID_CREDENTIALS" => "Wrong email or password.".into(),
            "EMAIL_TAKEN" => "An account with this email already exists.".into(),
            "WEAK_PASSWORD" => {
                if self.message.is_empty() {
                    "This password is too weak.".into()
                } else {
                    self.message.clone()
                }
            }
            "RATE_LIMITED" => match self.retry_after {
                Some(s) if s > 0 => format!("Too many attempts. Try again in {}.", crate::format::wait(s)),
                _ => "Too many attempts. Wait a minute and try again.".into(),
            },
            "UNAUTHENTICATED" => "Your session has expired. Please sign in again.".into(),
            "NOT_FOUND" => "Not found (it may have been deleted).".into(),
            "FORBIDDEN" => "Only an administrator can do this.".into(),
            "INVALID_TOKEN" => "This link is invalid or was already used.".into(),
            "TOKEN_EXPIRED" => "This link has expired. Ask for a new one.".into(),
            "MAIL_DISABLED" => "This server can't send mail; ask its admin.".into(),
            "NETWORK" => format!("Cannot reach the server: {}", self.message),
            _ if !self.message.is_empty() => self.message.clone(),
            _ => "Something went wrong.".into(),
        }
    }
}

/// ASCII only, like every case change in the dashboard: the server's messages and the zone
/// names are ASCII, and Unicode's case tables would add ~25 KB to the wasm (issue #16).
fn capitalize(s: String) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) if first.is_ascii_lowercase() => std::iter::once(first.to_ascii_uppercase()).chain(chars).collect(),
        _ => s,
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.friendly())
    }
}

/// Turns a GraphQL response body into data or the first error.
pub fn decode<T: for<'de> Deserialize<'de>>(body: &str) -> Result<T, ApiError> {
    let data = envelope(body)?;
    json::read(data).map_err(|e| ApiError::network(format!("bad response: {e}")))
}

/// The `data` of a response, or its first error. Not generic: only reading `data` into its
/// type is compiled per operation.
fn envelope(body: &str) -> Result<json::Value, ApiError> {
    let value = json::parse(body).map_err(|e| ApiError::network(format!("bad response: {e}")))?;
    // The first error, read field by field (a serde reader for it cost more than this).
    if let Some(first) = json::field(&value, "errors").and_then(|e| json::first(&e)) {
        let text = |v: Option<json::Value>| v.and_then(|v| json::as_str(&v));
        let ext = json::field(&first, "extensions");
        let ext_field = |name: &str| ext.as_ref().and_then(|e| json::field(e, name));
        return Err(ApiError {
            code: text(ext_field("code")).unwrap_or_else(|| "INTERNAL".into()),
            message: text(json::field(&first, "message")).unwrap_or_default(),
            field: text(ext_field("field")),
            retry_after: ext_field("retryAfter").and_then(|v| json::as_f64(&v)).filter(|s| *s >= 0.0).map(|s| s as u64),
        });
    }
    json::field(&value, "data").ok_or_else(|| ApiError::network("empty response"))
}

/// The JSON request body of one operation. Only the variables' encoding is generic.
pub fn request_body<Q: GraphQLQuery>(variables: Q::Variables) -> Result<String, ApiError> {
    let body: QueryBody<Q::Variables> = Q::build_query(variables);
    let vars = json::write(&body.variables).map_err(ApiError::network)?;
    Ok(format!("{{\"query\":{},\"operationName\":{},\"variables\":{vars}}}", json::string(body.query), json::string(body.operation_name)))
}

/// JSON in and out. In the browser `JSON.parse`/`JSON.stringify` do the text and serde only
/// walks JS values: serde_json's parser and printer, inlined into every type, were about a
/// fifth of the wasm. Natively (tests) serde_json does it all.
#[cfg(target_arch = "wasm32")]
pub mod json {
    use serde::{Deserialize, Serialize};
    use wasm_bindgen::JsValue;

    pub type Value = JsValue;

    pub fn parse(text: &str) -> Result<Value, String> {
        js_sys::JSON::parse(text).map_err(|_| "not JSON".to_string())
    }

    /// A present, non-null field of an object.
    pub fn field(v: &Value, name: &str) -> Option<Value> {
        js_sys::Reflect::get(v, &JsValue::from_str(name)).ok().filter(|f| !f.is_null() && !f.is_undefined())
    }

    pub fn read<T: for<'de> Deserialize<'de>>(v: Value) -> Result<T, String> {
        crate::jsde::from_value(v).map_err(|e| e.to_string())
    }

    /// `None` becomes null (not left out), as in JSON.
    pub fn write<T: Serialize>(v: &T) -> Result<String, String> {
        let value = crate::jsde::to_value(v).map_err(|e| e.to_string())?;
        js_sys::JSON::stringify(&value).map(String::from).map_err(|_| "cannot encode".to_string())
    }

    pub fn string(s: &str) -> String {
        js_sys::JSON::stringify(&JsValue::from_str(s)).map(String::from).unwrap_or_default()
    }

    pub fn as_str(v: &Value) -> Option<String> {
        v.as_string()
    }

    /// Whether `v` is an array with at least one element.
    pub fn is_filled_array(v: &Value) -> bool {
        js_sys::Array::is_array(v) && js_sys::Array::from(v).length() > 0
    }

    /// The first element of a non-empty array.
    pub fn first(v: &Value) -> Option<Value> {
        is_filled_array(v).then(|| js_sys::Array::from(v).get(0))
    }

    pub fn as_f64(v: &Value) -> Option<f64> {
        v.as_f64()
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub mod json {
    use serde::{Deserialize, Serialize};

    pub type Value = serde_json::Value;

    pub fn parse(text: &str) -> Result<Value, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    pub fn field(v: &Value, name: &str) -> Option<Value> {
        v.get(name).filter(|f| !f.is_null()).cloned()
    }

    pub fn read<T: for<'de> Deserialize<'de>>(v: Value) -> Result<T, String> {
        T::deserialize(v).map_err(|e| e.to_string())
    }

    pub fn write<T: Serialize>(v: &T) -> Result<String, String> {
        serde_json::to_string(v).map_err(|e| e.to_string())
    }

    pub fn string(s: &str) -> String {
        serde_json::to_string(s).unwrap_or_default()
    }

    pub fn as_str(v: &Value) -> Option<String> {
        v.as_str().map(str::to_string)
    }

    /// Whether `v` is an array with at least one element.
    pub fn is_filled_array(v: &Value) -> bool {
        v.as_array().is_some_and(|a| !a.is_empty())
    }

    /// The first element of a non-empty array.
    pub fn first(v: &Value) -> Option<Value> {
        v.as_array().and_then(|a| a.first()).cloned()
    }

    pub fn as_f64(v: &Value) -> Option<f64> {
        v.as_f64()
    }
}

/// Sends a request body and hands the answer's text to `then`. The task is compiled once for
/// all operations; only `then` (decode and store) is generic, which keeps the wasm smaller
/// than an async block per operation.
pub fn send_then(json: Result<String, ApiError>, then: Box<dyn FnOnce(Result<String, ApiError>)>) {
    yew::platform::spawn_local(async move {
        let text = match json {
            Ok(json) => post(json).await,
            Err(e) => Err(e),
        };
        then(text);
    });
}

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, ApiError>>>>;

/// The one non-generic transport (boxed, so it is compiled once rather than per operation).
#[cfg(target_arch = "wasm32")]
fn post(json: String) -> Pending {
    Box::pin(post_inner(json))
}

/// `fetch` itself, without a wrapper crate: gloo-net's error type carried serde_json's (and
/// with it std::io's) error messages into the wasm.
#[cfg(target_arch = "wasm32")]
async fn post_inner(json: String) -> Result<String, ApiError> {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    // "TypeError: Failed to fetch", as String(error) writes it.
    let failed = |e: JsValue| ApiError::network(String::from(e.unchecked_ref::<js_sys::Object>().to_string()));
    let headers = js_sys::Object::new();
    for (name, value) in [("accept", "application/json"), ("content-type", "application/json")] {
        js_sys::Reflect::set(&headers, &JsValue::from_str(name), &JsValue::from_str(value)).map_err(failed)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&json));
    let window = web_sys::window().ok_or_else(|| ApiError::network("no window"))?;
    let pending = prefetched(&window, &json).unwrap_or_else(|| window.fetch_with_str_and_init("/graphql", &init));
    let response: web_sys::Response = JsFuture::from(pending).await.map_err(failed)?.unchecked_into();
    let status = response.status();
    let text = JsFuture::from(response.text().map_err(failed)?).await.map_err(failed)?.as_string().unwrap_or_default();
    // A JSON body (even with 429) carries the GraphQL error and its code; decode() reads it.
    if status == 429 && !text.trim_start().starts_with('{') {
        return Err(ApiError { code: "RATE_LIMITED".into(), message: String::new(), field: None, retry_after: None });
    }
    if !(200..300).contains(&status) && !text.trim_start().starts_with('{') {
        return Err(ApiError::network(format!("HTTP {status}")));
    }
    Ok(text)
}

/// The answer to a request boot.js sent before the wasm was loaded (`window.rhtPrefetch`, a
/// list of `{ body, response }`), if one had exactly this body. Each is taken once.
#[cfg(target_arch = "wasm32")]
fn prefetched(window: &web_sys::Window, json: &str) -> Option<js_sys::Promise> {
    use wasm_bindgen::{JsCast, JsValue};
    let list: js_sys::Array = js_sys::Reflect::get(window, &JsValue::from_str("rhtPrefetch")).ok()?.dyn_into().ok()?;
    let at =
        list.find_index(&mut |entry, _, _| js_sys::Reflect::get(&entry, &JsValue::from_str("body")).ok().and_then(|b| b.as_string()).as_deref() == Some(json));
    if at < 0 {
        return None;
    }
    let entry = list.get(at as u32);
    let _ = js_sys::Reflect::set(&entry, &JsValue::from_str("body"), &JsValue::NULL); // taken
    js_sys::Reflect::get(&entry, &JsValue::from_str("response")).ok()?.dyn_into().ok()
}

#[cfg(not(target_arch = "wasm32"))]
fn post(_json: String) -> Pending {
    Box::pin(async { Err(ApiError::network("no HTTP outside the browser")) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_codes() {
        let body = r#"{"data":null,"errors":[{"message":"Email taken","extensions":{"code":"EMAIL_TAKEN"}}]}"#;
        let err = decode::<me::ResponseData>(body).unwrap_err();
        assert_eq!(err.code, "EMAIL_TAKEN");
        assert_eq!(err.friendly(), "An account with this email already exists.");
        let body = r#"{"errors":[{"message":"boom"}]}"#;
        assert_eq!(decode::<me::ResponseData>(body).unwrap_err().code, "INTERNAL");
        let weak = ApiError { code: "WEAK_PASSWORD".into(), message: "password is too easy".into(), field: None, retry_after: None };
        assert_eq!(weak.friendly(), "Password is too easy");
        let body = r#"{"data":null,"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED","retryAfter":42}}]}"#;
        let limited = decode::<me::ResponseData>(body).unwrap_err();
        assert_eq!(limited.retry_after, Some(42));
        assert_eq!(limited.friendly(), "Too many attempts. Try again in 42 seconds.");
    }

    #[test]
    fn request_bodies_carry_the_operation_and_its_variables() {
        let body: serde_json::Value = serde_json::from_str(&request_body::<DeleteSession>(delete_session::Variables { id: "7".into() }).unwrap()).unwrap();
        assert_eq!(body["operationName"], "DeleteSession");
        assert!(body["query"].as_str().unwrap().contains("mutation DeleteSession"));
        assert_eq!(body["variables"], serde_json::json!({ "id": "7" }));
        // UpdatePay sends an empty cap as null (which clears it); other operations leave it out.
        let pay =
            update_pay::Variables { pay_basis: PayBasis::Aet, hourly_rate: None, currency: "USD".into(), daily_cap_hours: Some(8.0), weekly_cap_hours: None };
        let body: serde_json::Value = serde_json::from_str(&request_body::<UpdatePay>(pay).unwrap()).unwrap();
        assert_eq!(body["variables"]["weeklyCapHours"], serde_json::Value::Null);
        assert!(body["variables"].as_object().unwrap().contains_key("weeklyCapHours"));
        assert_eq!(body["variables"]["payBasis"], "AET");
    }

    /// boot.js asks who is signed in while the wasm downloads, with the very body the app's
    /// session check sends (the app takes that answer instead of asking again; a body that
    /// differs would only cost the head start).
    #[test]
    fn boot_js_sends_the_session_check() {
        let body = request_body::<Me>(me::Variables).unwrap();
        let boot = include_str!("../static/boot.js");
        assert!(boot.contains(&serde_json::to_string(&body).unwrap()), "boot.js must carry the body {body}");
    }

    /// And, on `/`, boot.js asks for Today once it knows the user's zone and week start, with
    /// the body TodayPage sends (the query text is checked here; the variables' shape below).
    #[test]
    fn boot_js_sends_today() {
        let boot = include_str!("../static/boot.js");
        let query =
            Today::build_query(today::Variables { date: Date::from_ymd_opt(2026, 11, 30).unwrap(), week_start: Date::from_ymd_opt(2026, 11, 30).unwrap() });
        let text = serde_json::to_string(query.query).unwrap();
        assert!(boot.contains(&format!("const TODAY = {text};")), "boot.js must carry Today's query text: const TODAY = {text};");
        let body = request_body::<Today>(query.variables).unwrap();
        assert!(body.ends_with(r#","operationName":"Today","variables":{"date":"2026-11-30","weekStart":"2026-11-30"}}"#), "{body}");
        assert!(body.starts_with(&format!("{{\"query\":{text},")), "{body}");
    }

    #[test]
    fn typed_responses_decode() {
        let body = r#"{"data":{"me":{"id":"1","email":"a@b.c","timezone":"Europe/Paris","targetSeconds":330,
            "idleTimeoutMinutes":60,"weeklyGoalHours":40,"weekStartsOn":"MONDAY","role":"ADMIN"}}}"#;
        let me = decode::<me::ResponseData>(body).unwrap().me.unwrap();
        assert_eq!(me.week_starts_on, Weekday::Monday);
        assert_eq!(me.timezone, "Europe/Paris");
        assert_eq!(me.role, Role::Admin);
        assert_eq!(decode::<me::ResponseData>(r#"{"data":{"me":null}}"#).unwrap().me, None);
    }
}
