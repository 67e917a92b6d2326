//! What each account mail says. Links carry one-time tokens; nothing else secret goes in.

use super::{Action, Content};

fn content(subject: &str, name: &str, paragraphs: Vec<String>, action: Option<Action>, footer: &str) -> Content {
    Content {
        subject: subject.to_owned(),
        greeting: format!("Hello {name},"),
        paragraphs,
        action,
        footer: footer.to_owned(),
        attachments: vec![],
        unsubscribe: None,
    }
}

const ACCOUNT_FOOTER: &str = "You got this mail because of your account on this RaterHub Tracker server.";

pub fn password_reset(name: &str, link: String) -> Content {
    content(
        "Reset your RaterHub Tracker password",
        name,
        vec![
            "Someone (hopefully you) asked to reset the password of your RaterHub Tracker account.".into(),
            "The link works once and expires in one hour. If you did not ask for it, ignore this mail: your password stays as it is.".into(),
        ],
        Some(Action { label: "Choose a new password".into(), url: link }),
        ACCOUNT_FOOTER,
    )
}

pub fn password_changed(name: &str) -> Content {
    content(
        "Your RaterHub Tracker password was changed",
        name,
        vec![
            "The password of your RaterHub Tracker account was just changed, and every browser and device was signed out.".into(),
            "If this was not you, reset your password now and tell your server's admin.".into(),
        ],
        None,
        ACCOUNT_FOOTER,
    )
}

pub fn verify_email(name: &str, link: String) -> Content {
    content(
        "Confirm your e-mail address",
        name,
        vec!["Please confirm that this address belongs to your RaterHub Tracker account. The link expires in 48 hours.".into()],
        Some(Action { label: "Confirm my address".into(), url: link }),
        ACCOUNT_FOOTER,
    )
}

pub fn confirm_new_email(name: &str, link: String) -> Content {
    content(
        "Confirm your new e-mail address",
        name,
        vec![
            "You asked to use this address for your RaterHub Tracker account. It changes only when you open the link below, which expires in 24 hours.".into(),
        ],
        Some(Action { label: "Use this address".into(), url: link }),
        ACCOUNT_FOOTER,
    )
}

pub fn email_change_requested(name: &str, new_email: &str) -> Content {
    content(
        "Your RaterHub Tracker address is about to change",
        name,
        vec![
            format!("Someone signed in to your account asked to change its address to {new_email}. It changes only when the link sent there is opened."),
            "If this was not you, change your password now.".into(),
        ],
        None,
        ACCOUNT_FOOTER,
    )
}

/// A scheduled report: the period's headline figures, with the documents attached.
pub fn report(name: &str, title: &str, lines: Vec<String>, unsubscribe_url: String) -> Content {
    let mut mail = content(
        &format!("Your RaterHub report: {title}"),
        name,
        lines,
        None,
        "You get this mail because you turned on report e-mails in Settings. Use the unsubscribe link (or Settings) to stop them.",
    );
    mail.paragraphs.push(format!("Unsubscribe from these mails: {unsubscribe_url}"));
    mail.unsubscribe = Some(unsubscribe_url);
    mail
}
