//! What the channel forms send, read from what was typed: the email channel's numbers and TLS
//! choice, and an agent's first text to a number. Plain Rust, so the rules run as host tests;
//! the shared parsers then check the rest, as the server does.

use shared::channels::{EmailChannelForm, SmtpTls, StartSms};
use shared::form::FieldError;
use shared::MessageText;

/// The port the email form starts with (STARTTLS submission).
pub const DEFAULT_SMTP_PORT: &str = "587";
/// The reply delay the email form starts with, in seconds.
pub const DEFAULT_REPLY_DELAY: &str = "300";

/// The TLS choices in the order the select offers them, with their words.
pub const SMTP_TLS: [(SmtpTls, &str); 3] = [
    (SmtpTls::StartTls, "STARTTLS (usually port 587)"),
    (SmtpTls::Tls, "TLS from the start (usually port 465)"),
    (
        SmtpTls::None,
        "None: only for a relay on the same machine or private network",
    ),
];

/// The select's value as a choice; anything else is the default, STARTTLS.
pub fn smtp_tls(value: &str) -> SmtpTls {
    SMTP_TLS
        .iter()
        .map(|(tls, _)| *tls)
        .find(|tls| tls.as_str() == value)
        .unwrap_or(SmtpTls::StartTls)
}

/// How a connected address's card names its TLS choice.
pub fn tls_name(tls: SmtpTls) -> &'static str {
    match tls {
        SmtpTls::None => "none",
        SmtpTls::StartTls => "STARTTLS",
        SmtpTls::Tls => "TLS",
    }
}

/// How long replies wait, as the card says it: `5 min`, `1 h 30 min`, `45 s`, `none`.
pub fn reply_delay(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let parts = [(h, "h"), (m, "min"), (s, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect::<Vec<_>>();
    if parts.is_empty() {
        "none: replies go out at once".to_owned()
    } else {
        parts.join(" ")
    }
}

/// The email form's inputs as typed.
#[derive(Debug, Clone, Default)]
pub struct EmailTyped {
    pub inbound_address: String,
    pub from_name: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_tls: String,
    pub smtp_username: String,
    pub smtp_password: String,
    pub signature: String,
    pub reply_delay_secs: String,
    pub mailgun_signing_key: String,
}

impl EmailTyped {
    /// The request, or the first field at fault (the numbers here, the rest by
    /// `EmailChannelForm::parse`).
    pub fn parse(self) -> Result<EmailChannelForm, FieldError> {
        let smtp_port = self.smtp_port.trim().parse::<u16>().map_err(|_| {
            FieldError::new(
                "smtpPort",
                "invalid_port",
                "The SMTP port is a number from 1 to 65535 (587 for STARTTLS, 465 for TLS).",
            )
        })?;
        let reply_delay_secs = self.reply_delay_secs.trim().parse::<u32>().map_err(|_| {
            FieldError::new(
                "replyDelaySecs",
                "out_of_range",
                "The reply delay is a whole number of seconds, from 0 to 86400 (a day).",
            )
        })?;
        EmailChannelForm {
            inbound_address: self.inbound_address,
            from_name: self.from_name,
            smtp_host: self.smtp_host,
            smtp_port,
            smtp_username: self.smtp_username,
            smtp_password: self.smtp_password,
            smtp_tls: smtp_tls(&self.smtp_tls),
            signature: self.signature,
            reply_delay_secs,
            mailgun_signing_key: self.mailgun_signing_key,
        }
        .parse()
    }
}

/// An agent's first text as typed: the request without its client message id (empty), or the
/// first field at fault.
pub fn start_sms(channel_id: &str, to: &str, body: &str) -> Result<StartSms, FieldError> {
    if channel_id.is_empty() {
        return Err(FieldError::new(
            "channelId",
            "required",
            "Choose the number to text from.",
        ));
    }
    let to = to.trim();
    if !shared::channels::is_e164(to) {
        return Err(FieldError::new(
            "to",
            "invalid_phone",
            "Write the number in E.164: + then country code and number, e.g. +14155550100.",
        ));
    }
    let body = MessageText::parse(body)
        .map_err(|e| FieldError::new("body", "invalid_message", e.to_string()))?;
    Ok(StartSms {
        channel_id: channel_id.to_owned(),
        to: to.to_owned(),
        body: body.into_string(),
        client_message_id: String::new(),
    })
}

/// The server's `opted_out` refusal as the agent reads it, beside the number it is about.
pub fn opted_out(to: &str) -> FieldError {
    FieldError::new(
        "to",
        "opted_out",
        format!(
            "{to} has opted out: they texted STOP, so nothing can be sent to them until they \
             text START."
        ),
    )
}

/// The client message id for `next`: the last attempt's when `next` sends the same text to the
/// same number from the same number (a retry, stored once by the server), else `fresh()`.
pub fn attempt_id(
    last: Option<&StartSms>,
    next: &StartSms,
    fresh: impl FnOnce() -> String,
) -> String {
    match last {
        Some(l) if l.channel_id == next.channel_id && l.to == next.to && l.body == next.body => {
            l.client_message_id.clone()
        }
        _ => fresh(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed() -> EmailTyped {
        EmailTyped {
            inbound_address: " Support@Shop.example ".into(),
            smtp_host: "smtp.mailgun.org".into(),
            smtp_port: DEFAULT_SMTP_PORT.into(),
            smtp_tls: "tls".into(),
            reply_delay_secs: DEFAULT_REPLY_DELAY.into(),
            ..EmailTyped::default()
        }
    }

    #[test]
    fn the_email_form_reads_its_numbers_and_tls_choice() {
        let form = typed().parse().unwrap();
        assert_eq!(form.inbound_address, "support@shop.example");
        assert_eq!(form.smtp_port, 587);
        assert_eq!(form.smtp_tls, SmtpTls::Tls);
        assert_eq!(form.reply_delay_secs, 300);
        assert_eq!(smtp_tls("starttls"), SmtpTls::StartTls);
        assert_eq!(smtp_tls("none"), SmtpTls::None);
        assert_eq!(smtp_tls("bogus"), SmtpTls::StartTls);
    }

    #[test]
    fn the_reply_delay_reads_in_hours_minutes_and_seconds() {
        assert_eq!(reply_delay(300), "5 min");
        assert_eq!(reply_delay(5_400), "1 h 30 min");
        assert_eq!(reply_delay(45), "45 s");
        assert_eq!(reply_delay(86_400), "24 h");
        assert!(reply_delay(0).starts_with("none"));
        assert_eq!(tls_name(SmtpTls::StartTls), "STARTTLS");
    }

    #[test]
    fn bad_numbers_name_their_field() {
        let field = |t: EmailTyped| t.parse().unwrap_err().field;
        for port in ["", "abc", "70000", "-1", "0"] {
            let t = EmailTyped {
                smtp_port: port.into(),
                ..typed()
            };
            assert_eq!(field(t), "smtpPort", "{port:?}");
        }
        for delay in ["", "soon", "-5", "86401"] {
            let t = EmailTyped {
                reply_delay_secs: delay.into(),
                ..typed()
            };
            assert_eq!(field(t), "replyDelaySecs", "{delay:?}");
        }
        let t = EmailTyped {
            inbound_address: "support".into(),
            ..typed()
        };
        assert_eq!(field(t), "inboundAddress");
    }

    #[test]
    fn a_first_text_needs_a_sender_a_number_and_words() {
        let ok = start_sms("ch1", " +14155550100 ", " Hello ").unwrap();
        assert_eq!(
            (ok.to.as_str(), ok.body.as_str()),
            ("+14155550100", "Hello")
        );
        assert_eq!(
            start_sms("", "+14155550100", "Hi").unwrap_err().field,
            "channelId"
        );
        assert_eq!(
            start_sms("ch1", "4155550100", "Hi").unwrap_err().field,
            "to"
        );
        assert_eq!(
            start_sms("ch1", "+14155550100", "  ").unwrap_err().field,
            "body"
        );
        let stop = opted_out("+14155550100");
        assert_eq!(stop.field, "to");
        assert!(stop
            .message
            .starts_with("+14155550100 has opted out: they texted STOP"));
    }

    #[test]
    fn a_retry_of_the_same_text_keeps_its_id() {
        let mut first = start_sms("ch1", "+14155550100", "Hello").unwrap();
        first.client_message_id = "id-1".into();
        let again = start_sms("ch1", "+14155550100", "Hello").unwrap();
        assert_eq!(attempt_id(Some(&first), &again, || "id-2".into()), "id-1");
        let edited = start_sms("ch1", "+14155550100", "Hello!").unwrap();
        assert_eq!(attempt_id(Some(&first), &edited, || "id-2".into()), "id-2");
        let elsewhere = start_sms("ch1", "+14155550101", "Hello").unwrap();
        assert_eq!(
            attempt_id(Some(&first), &elsewhere, || "id-2".into()),
            "id-2"
        );
        assert_eq!(attempt_id(None, &again, || "id-3".into()), "id-3");
    }
}
