//! Turns what a mail says into a complete RFC 5322 message (plain text and HTML, optional
//! attachments), rendered once when it is queued.

use askama::Template;
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment as Part, Mailbox, MultiPart};

use crate::error::{AppError, AppResult};

/// What a mail says; the layout comes from the templates.
pub struct Content {
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    pub action: Option<Action>,
    /// Why the reader got this mail.
    pub footer: String,
    pub attachments: Vec<Attachment>,
    /// A one-click unsubscribe URL (RFC 8058), for mails the reader opted into.
    pub unsubscribe: Option<String>,
}

/// The one link a mail asks the reader to open.
pub struct Action {
    pub label: String,
    pub url: String,
}

pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A message ready for the outbox.
#[derive(Debug)]
pub struct Outgoing {
    pub recipient: String,
    pub message_id: String,
    pub raw: Vec<u8>,
}

#[derive(Template)]
#[template(path = "mail/body.txt", escape = "none")]
struct TextBody<'a> {
    content: &'a Content,
}

#[derive(Template)]
#[template(path = "mail/body.html")]
struct HtmlBody<'a> {
    content: &'a Content,
}

/// `host` names this server in the Message-ID, which stays the same across retries so a
/// rare resend after a crash is recognised by mail clients as the same message.
pub fn build(from: &Mailbox, to: &str, host: &str, content: &Content) -> AppResult<Outgoing> {
    let recipient: Mailbox = to.parse().map_err(|_| AppError::bad_input("email is not a valid address"))?;
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), host);
    let text = TextBody { content }.render().map_err(AppError::internal)?;
    let html = HtmlBody { content }.render().map_err(AppError::internal)?;
    let mut builder = Message::builder().from(from.clone()).to(recipient).subject(content.subject.as_str()).message_id(Some(message_id.clone())).date_now();
    if let Some(url) = &content.unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click".into()));
    }
    let body = MultiPart::alternative_plain_html(text, html);
    let message = if content.attachments.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for attachment in &content.attachments {
            let kind = ContentType::parse(&attachment.content_type).map_err(AppError::internal)?;
            mixed = mixed.singlepart(Part::new(attachment.filename.clone()).body(attachment.bytes.clone(), kind));
        }
        builder.multipart(mixed)
    }
    .map_err(AppError::internal)?;
    Ok(Outgoing { recipient: to.to_owned(), message_id, raw: message.formatted() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> Content {
        Content {
            subject: "Reset your password".into(),
            greeting: "Hello <Ann>,".into(),
            paragraphs: vec!["Someone asked to reset the password.".into()],
            action: Some(Action { label: "Choose a new password".into(), url: "https://t.example/reset-password?token=abc&x=1".into() }),
            footer: "You got this mail because of your account.".into(),
            attachments: vec![],
            unsubscribe: None,
        }
    }

    fn from() -> Mailbox {
        "Tracker <tracker@example.com>".parse().unwrap()
    }

    #[test]
    fn a_mail_has_a_text_and_an_html_part_with_the_link_and_escapes_html() {
        let out = build(&from(), "ann@example.com", "t.example", &content()).unwrap();
        let raw = String::from_utf8(out.raw).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("Content-Type: text/plain"), "{raw}");
        assert!(raw.contains("Content-Type: text/html"), "{raw}");
        assert!(raw.contains("Hello &#60;Ann&#62;,"), "the HTML part escapes: {raw}");
        assert!(raw.contains("Hello <Ann>,"), "the text part does not: {raw}");
        assert!(raw.contains(&format!("Message-ID: {}", out.message_id)), "{raw}");
        assert!(out.message_id.ends_with("@t.example>"));
        assert!(!raw.contains("List-Unsubscribe"));
    }

    #[test]
    fn attachments_and_unsubscribe_headers_are_included_when_asked() {
        let mut c = content();
        c.attachments.push(Attachment { filename: "day.csv".into(), content_type: "text/csv".into(), bytes: b"a,b\n1,2\n".to_vec() });
        c.unsubscribe = Some("https://t.example/unsubscribe?t=x".into());
        let raw = String::from_utf8(build(&from(), "ann@example.com", "t.example", &c).unwrap().raw).unwrap();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("filename=\"day.csv\""), "{raw}");
        assert!(raw.contains("List-Unsubscribe: <https://t.example/unsubscribe?t=x>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
    }

    #[test]
    fn a_bad_recipient_is_refused() {
        assert!(build(&from(), "not an address", "t.example", &content()).is_err());
    }
}
