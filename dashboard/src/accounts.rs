//! Rules of account management, free of components (native tests below): where an invite
//! stands, what an admin action's error means, reset links and tokens, new-password checks.

use crate::gql::ApiError;
use crate::time::Instant;

/// Where an invite stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteState {
    Open,
    Used,
    Revoked,
    Expired,
}

impl InviteState {
    pub fn label(self) -> &'static str {
        match self {
            InviteState::Open => "open",
            InviteState::Used => "used",
            InviteState::Revoked => "revoked",
            InviteState::Expired => "expired",
        }
    }
}

pub fn invite_state(used_at: Option<&Instant>, revoked_at: Option<&Instant>, expires_at: &Instant, now: &Instant) -> InviteState {
    if used_at.is_some() {
        InviteState::Used
    } else if revoked_at.is_some() {
        InviteState::Revoked
    } else if expires_at <= now {
        InviteState::Expired
    } else {
        InviteState::Open
    }
}

/// An admin action's error, with what its code means here.
pub fn admin_error(e: &ApiError) -> String {
    let m = e.message.to_ascii_lowercase();
    match e.code.as_str() {
        "FORBIDDEN" => "Only an administrator can do this (your role may have changed).".into(),
        "LAST_ADMIN" => "The last admin cannot be deleted: promote another user to admin first.".into(),
        "BAD_USER_INPUT" if m.contains("last admin") => "The last admin cannot be demoted: promote another user to admin first.".into(),
        "BAD_USER_INPUT" if m.contains("deactivate yourself") => "You cannot deactivate your own account.".into(),
        "NOT_FOUND" => "This user or invite no longer exists. Reload the page.".into(),
        _ => e.friendly(),
    }
}

/// The reset link as a full URL: the server returns a relative one when `PUBLIC_URL` is unset.
pub fn absolute_url(url: &str, origin: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") || origin.is_empty() {
        url.to_string()
    } else if url.starts_with('/') {
        format!("{}{url}", origin.trim_end_matches('/'))
    } else {
        format!("{}/{url}", origin.trim_end_matches('/'))
    }
}

/// The `token` parameter of a query string (`?token=reset_...&x=y`), percent-decoded.
pub fn token_from_query(query: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| percent_decode(v))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks of the reset form before asking the server: (new password, confirmation) messages.
pub fn check_new_password(new: &str, confirm: &str) -> (Option<String>, Option<String>) {
    let a = (new.chars().count() < 12).then(|| "Use at least 12 characters.".to_string());
    let b = (new != confirm).then(|| "The two passwords differ.".to_string());
    (a, b)
}

/// Where a reset error goes: `(password field, form)`.
pub fn reset_error(e: &ApiError) -> (Option<String>, Option<String>) {
    let m = e.message.to_ascii_lowercase();
    match e.code.as_str() {
        "WEAK_PASSWORD" => (Some(e.friendly()), None),
        "INVALID_TOKEN" => (None, Some("This reset link is invalid or already used. Ask for a new one.".into())),
        "TOKEN_EXPIRED" => (None, Some("This reset link has expired. Ask for a new one.".into())),
        "BAD_USER_INPUT" if m.contains("invalid") || m.contains("expired") || m.contains("used") => {
            (None, Some("This reset link is invalid, already used or expired. Ask your administrator for a new one.".into()))
        }
        "BAD_USER_INPUT" if m.contains("password") => (Some(e.friendly()), None),
        _ => (None, Some(e.friendly())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str, message: &str) -> ApiError {
        ApiError { code: code.into(), message: message.into(), field: None, retry_after: None }
    }

    #[test]
    fn invite_states() {
        let t = |s: &str| s.parse::<Instant>().unwrap();
        let now = t("2026-11-26T10:00:00Z");
        let later = t("2026-11-27T10:00:00Z");
        let before = t("2026-11-25T10:00:00Z");
        assert_eq!(invite_state(None, None, &later, &now), InviteState::Open);
        assert_eq!(invite_state(None, None, &before, &now), InviteState::Expired);
        assert_eq!(invite_state(None, Some(&before), &later, &now), InviteState::Revoked);
        assert_eq!(invite_state(Some(&before), None, &before, &now), InviteState::Used);
        assert_eq!(InviteState::Open.label(), "open");
    }

    #[test]
    fn admin_errors_say_what_they_mean() {
        assert!(admin_error(&err("BAD_USER_INPUT", "the last admin cannot be demoted")).starts_with("The last admin cannot be demoted"));
        assert!(admin_error(&err("LAST_ADMIN", "the last admin can't be removed")).starts_with("The last admin cannot be deleted"));
        assert_eq!(admin_error(&err("BAD_USER_INPUT", "you cannot deactivate yourself")), "You cannot deactivate your own account.");
        assert!(admin_error(&err("FORBIDDEN", "")).contains("administrator"));
        assert_eq!(admin_error(&err("BAD_USER_INPUT", "expiresInHours must be between 1 and 720")), "ExpiresInHours must be between 1 and 720");
    }

    #[test]
    fn links_become_absolute() {
        let o = "http://127.0.0.1:8080";
        assert_eq!(absolute_url("/reset-password?token=reset_x", o), "http://127.0.0.1:8080/reset-password?token=reset_x");
        assert_eq!(absolute_url("https://t.example/reset-password?token=reset_x", o), "https://t.example/reset-password?token=reset_x");
        assert_eq!(absolute_url("/x", ""), "/x");
    }

    #[test]
    fn tokens_from_query_strings() {
        assert_eq!(token_from_query("?token=reset_abc"), Some("reset_abc".into()));
        assert_eq!(token_from_query("a=1&token=reset_a%2Db&b=2"), Some("reset_a-b".into()));
        assert_eq!(token_from_query("?token="), None);
        assert_eq!(token_from_query(""), None);
        assert_eq!(token_from_query("?tokens=x"), None);
        assert_eq!(token_from_query("?token=50%"), Some("50%".into()));
    }

    #[test]
    fn reset_checks_and_errors() {
        assert_eq!(check_new_password("long enough pass", "long enough pass"), (None, None));
        let (a, b) = check_new_password("short", "other");
        assert!(a.is_some() && b.is_some());
        let (p, f) = reset_error(&err("WEAK_PASSWORD", "too common"));
        assert_eq!((p.as_deref(), f), (Some("Too common"), None));
        let (p, f) = reset_error(&err("BAD_USER_INPUT", "this reset link is invalid, used or expired"));
        assert!(p.is_none() && f.unwrap().contains("invalid, already used or expired"));
        let (_, f) = reset_error(&err("RATE_LIMITED", ""));
        assert!(f.unwrap().contains("Too many"));
    }
}
