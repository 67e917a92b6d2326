//! The audit log in words: each recorded action as a person reads it (native tests below).

/// An audit action (`admin_set_role`) in words ("Admin: changed a role"). Unknown actions are
/// shown with spaces for underscores, capitalised.
pub fn action_words(action: &str) -> String {
    let known = match action {
        "login" => "Signed in",
        "login_failed" => "Failed sign-in",
        "logout" => "Signed out everywhere",
        "register" => "Registered",
        "password_changed" => "Changed password",
        "password_change_failed" => "Failed password change",
        "password_reset_completed" => "Set a new password with a reset link",
        "settings_changed" => "Changed settings",
        "device_token_created" => "Added an overlay device",
        "device_token_revoked" => "Revoked an overlay device",
        "session_deleted" => "Deleted a session",
        "question_deleted" => "Deleted a question",
        "password_reset_requested" => "Asked for a password reset mail",
        "email_verified" => "Verified the e-mail address",
        "email_change_requested" => "Asked to change the e-mail address",
        "email_changed" => "Changed the e-mail address",
        "account_deleted" => "Deleted the account",
        "report_downloaded" => "Downloaded a report",
        "report_unsubscribed" => "Unsubscribed from report e-mails",
        "admin_create_user" => "Admin: created a user",
        "admin_activate_user" => "Admin: activated a user",
        "admin_deactivate_user" => "Admin: deactivated a user",
        "admin_reset_password" => "Admin: issued a password reset link",
        "admin_set_role" => "Admin: changed a role",
        "admin_create_invite" => "Admin: created an invite",
        "admin_revoke_invite" => "Admin: revoked an invite",
        "admin_delete_user" => "Admin: deleted a user",
        "admin_days_viewed" => "Admin: viewed days (read-only)",
        "admin_report_viewed" => "Admin: viewed a report",
        "preset_applied" => "Applied a pay preset",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let spaced = action.trim().replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => std::iter::once(c.to_ascii_uppercase()).chain(chars).collect(),
        None => "Unknown action".into(),
    }
}

/// Whether an action is a failure worth highlighting in the log.
pub fn is_failure(action: &str) -> bool {
    action.ends_with("_failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_in_words() {
        assert_eq!(action_words("login"), "Signed in");
        assert_eq!(action_words("admin_set_role"), "Admin: changed a role");
        assert_eq!(action_words("password_reset_completed"), "Set a new password with a reset link");
        assert_eq!(action_words("something_new"), "Something new");
        assert_eq!(action_words(""), "Unknown action");
        assert!(is_failure("login_failed") && !is_failure("login"));
    }
}
