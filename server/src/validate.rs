//! Input checks shared by resolvers. Each error says what is wrong.

use chrono_tz::Tz;

use crate::error::{AppError, AppResult};

pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_TASK_ID_LEN: usize = 128;
pub const MAX_TASK_TYPE_LEN: usize = 64;
pub const MAX_CLIENT_EVENT_ID_LEN: usize = 128;
pub const MAX_NAME_LEN: usize = 100;

/// Trimmed and lower-cased; a plausible address of at most 254 bytes.
pub fn email(raw: &str) -> AppResult<String> {
    let email = raw.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN {
        return Err(AppError::bad_input(format!("email must be at most {MAX_EMAIL_LEN} characters")));
    }
    let plausible =
        email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
            && !email.chars().any(char::is_whitespace);
    if !plausible {
        return Err(AppError::bad_input("email is not a valid address"));
    }
    Ok(email)
}

pub fn timezone(name: &str) -> AppResult<Tz> {
    name.parse::<Tz>().map_err(|_| AppError::bad_input(format!("unknown timezone {name:?}: use an IANA name such as Europe/Berlin")))
}

pub fn bounded_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_input(format!("{field} must be at most {max} characters")));
    }
    Ok(value.to_owned())
}

pub const MAX_DISPLAY_NAME_LEN: usize = 80;

/// An optional display name: trimmed, empty means none, at most 80 characters.
pub fn display_name(raw: Option<&str>) -> AppResult<Option<String>> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else { return Ok(None) };
    if name.chars().count() > MAX_DISPLAY_NAME_LEN {
        return Err(AppError::bad_input(format!("displayName must be at most {MAX_DISPLAY_NAME_LEN} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::bad_input("displayName must not contain control characters"));
    }
    Ok(Some(name.to_owned()))
}

pub fn in_range(field: &str, value: f64, min: f64, max: f64) -> AppResult<f64> {
    if !value.is_finite() || value < min || value > max {
        return Err(AppError::bad_input(format!("{field} must be between {min} and {max}")));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("  Foo.Bar@Example.COM ").unwrap(), "foo.bar@example.com");
        for bad in ["", "nobody", "a@b", "a @b.c", "@b.c", "a@.c"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_must_be_finite_and_in_range() {
        assert!(in_range("x", f64::NAN, 0.0, 1.0).is_err());
        assert!(in_range("x", 2.0, 0.0, 1.0).is_err());
        assert_eq!(in_range("x", 0.5, 0.0, 1.0).unwrap(), 0.5);
    }
}
