//! What counts as a strong enough password, everywhere a password is set.

use std::collections::HashSet;
use std::sync::LazyLock;

use zxcvbn::Score;

pub const MIN_CHARS: usize = 12;
pub const MAX_BYTES: usize = 1024;

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect());

/// `Err(reason)` when the password is too short, too long, on the common list, or scored
/// below 3 of 4 by zxcvbn (which also penalises the user's own email in it).
pub fn check(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    if password.chars().count() < MIN_CHARS {
        return Err(format!("password must have at least {MIN_CHARS} characters"));
    }
    if password.len() > MAX_BYTES {
        return Err(format!("password must be at most {MAX_BYTES} bytes"));
    }
    if COMMON.contains(password.to_lowercase().as_str()) {
        return Err("this password is on a list of common passwords; choose another".into());
    }
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if estimate.score() < Score::Three {
        let mut reason = String::from("password is too easy to guess");
        if let Some(feedback) = estimate.feedback() {
            if let Some(warning) = feedback.warning() {
                reason.push_str(&format!(": {warning}"));
            }
            if let Some(hint) = feedback.suggestions().first() {
                reason.push_str(&format!(" ({hint})"));
            }
        }
        return Err(reason);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_common_and_guessable_passwords() {
        assert!(check("short", &[]).unwrap_err().contains("12"));
        assert!(check("password1234", &[]).unwrap_err().contains("common"));
        assert!(check("Password1234", &[]).unwrap_err().contains("common"));
        assert!(check("aaaaaaaaaaaaaaaa", &[]).is_err());
        assert!(check("rater@example.com1", &["rater@example.com"]).is_err());
    }

    #[test]
    fn accepts_a_long_passphrase() {
        assert_eq!(check("correct horse battery staple", &[]), Ok(()));
        assert_eq!(check("violet-tundra-92-lantern", &[]), Ok(()));
    }
}
