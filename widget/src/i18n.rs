//! The widget's words in each language it speaks, and which language a visitor gets.
//!
//! One [`Strings`] static per locale, one file per language (`i18n/en.rs`, `i18n/es.rs`): a
//! string added to the struct must be written in every language, or the widget does not
//! compile. Plain `&'static str` fields, with a `{}` that [`fill`] replaces where a sentence
//! holds a value, rather than a translation crate or a map: every byte ships to every page
//! view. What the assistant and teammates write is content, not
//! UI, and is never translated.

use shared::api::ErrorDetail;
use shared::contact::MAX_NAME_CHARS;
use shared::text::MAX_MESSAGE_CHARS;
use shared::{EmailError, MessageTextError, NameError};

mod en;
mod es;

pub use en::EN;
pub use es::ES;

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Locale {
    #[default]
    En,
    Es,
}

impl Locale {
    /// The `locale` option when it names a language the widget speaks ("es", "es-MX", "ES"),
    /// else the first such language of the browser's (`navigator.languages`), else English.
    pub fn pick(option: Option<&str>, browser_languages: &[String]) -> Self {
        option
            .into_iter()
            .chain(browser_languages.iter().map(String::as_str))
            .find_map(Self::from_tag)
            .unwrap_or_default()
    }

    /// The language a BCP 47 tag names, by its primary subtag, in any case.
    fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?;
        [Self::En, Self::Es]
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.lang()))
    }

    /// The language tag for the `lang` attribute.
    pub fn lang(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Self::En => &EN,
            Self::Es => &ES,
        }
    }
}

/// The browser's languages in order of preference: `navigator.languages`, else
/// `navigator.language`.
pub fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let mut languages: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|l| l.as_string())
        .collect();
    if languages.is_empty() {
        languages.extend(navigator.language());
    }
    languages
}

/// A template with its `{}` replaced by `value`.
pub fn fill(template: &str, value: &str) -> String {
    template.replacen("{}", value, 1)
}

/// Every visitor-facing string of the panel in one language. A `{}` marks where a value goes.
pub struct Strings {
    // The header and the panel's states.
    pub chat: &'static str,
    /// `{}`: the company's name.
    pub chat_with: &'static str,
    pub close: &'static str,
    pub reply_soon: &'static str,
    pub resolved: &'static str,
    pub reply_in_seconds: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_body: &'static str,
    // The contact form.
    pub intro: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub start_chat: &'static str,
    pub starting_chat: &'static str,
    pub signed_in_email: &'static str,
    pub session_expired: &'static str,
    // The conversation.
    pub messages: &'static str,
    pub earlier_conversations: &'static str,
    pub this_conversation: &'static str,
    pub offline: &'static str,
    pub you: &'static str,
    pub assistant: &'static str,
    pub support_team: &'static str,
    /// `{}`: the company's name.
    pub company_team: &'static str,
    pub notice: &'static str,
    pub a_teammate: &'static str,
    pub the_assistant: &'static str,
    /// `{}`: who is typing.
    pub is_typing: &'static str,
    pub human_joined: &'static str,
    pub waiting_to_send: &'static str,
    pub sending: &'static str,
    pub not_sent: &'static str,
    pub retry: &'static str,
    pub delete: &'static str,
    pub message: &'static str,
    pub message_placeholder: &'static str,
    pub send: &'static str,
    // Failures.
    pub unreachable: &'static str,
    pub unexpected: &'static str,
    /// `{}`: a wait time ([`Strings::one_second`], `seconds`, `minutes`).
    pub too_fast_wait: &'static str,
    pub too_fast: &'static str,
    pub one_second: &'static str,
    pub seconds: &'static str,
    pub minutes: &'static str,
    /// `{}`: the HTTP status.
    pub error_status: &'static str,
    /// Sentences for the codes of the server's errors; `None` where the server writes this
    /// language, so its own sentences (at times more precise than their code's) show as they are.
    pub codes: Option<&'static CodeSentences>,
    // The parsers' verdicts (in English, `shared`'s own sentences).
    pub name_empty: &'static str,
    /// `{}`: the longest name.
    pub name_too_long: &'static str,
    pub name_no_letters: &'static str,
    pub name_control: &'static str,
    /// `{}`: the character.
    pub name_forbidden: &'static str,
    pub name_is_email: &'static str,
    pub email_empty: &'static str,
    pub email_control: &'static str,
    pub email_too_long: &'static str,
    pub email_missing_at: &'static str,
    pub email_two_ats: &'static str,
    pub email_no_local: &'static str,
    pub email_local_too_long: &'static str,
    pub email_bad_local: &'static str,
    pub email_bad_domain: &'static str,
    pub message_empty: &'static str,
    /// `{}` twice: the message's length, then the limit.
    pub message_too_long: &'static str,
    pub message_control: &'static str,
}

/// What the server's error codes mean, for a language the server doesn't write.
pub struct CodeSentences {
    pub assistant_unavailable: &'static str,
    pub contact_required: &'static str,
    pub usage_limit: &'static str,
    pub invalid_name: &'static str,
    pub invalid_email: &'static str,
    pub invalid_message: &'static str,
}

impl Strings {
    /// What to show for an error the server explained: its own sentence where it writes this
    /// language or the code is unknown here, else this language's sentence for the code.
    pub fn server_sentence(&self, detail: &ErrorDetail) -> String {
        let own = self.codes.and_then(|c| match detail.code.as_str() {
            "assistant_unavailable" => Some(c.assistant_unavailable),
            "contact_required" => Some(c.contact_required),
            "usage_limit" => Some(c.usage_limit),
            "rate_limited" | "too_many_sessions" => Some(self.too_fast),
            "invalid_name" => Some(c.invalid_name),
            "invalid_email" => Some(c.invalid_email),
            "invalid_message" => Some(c.invalid_message),
            _ => None,
        });
        own.map_or_else(|| detail.message.clone(), str::to_owned)
    }

    /// "1 second", "40 seconds", "2 minutes".
    pub fn wait_time(&self, secs: u64) -> String {
        match secs {
            0 | 1 => self.one_second.to_owned(),
            2..=90 => fill(self.seconds, &secs.to_string()),
            _ => fill(self.minutes, &secs.div_ceil(60).to_string()),
        }
    }

    pub fn name_error(&self, e: &NameError) -> String {
        match e {
            NameError::Empty => self.name_empty.to_owned(),
            NameError::TooLong => fill(self.name_too_long, &MAX_NAME_CHARS.to_string()),
            NameError::NoLetters => self.name_no_letters.to_owned(),
            NameError::ForbiddenCharacter(c) if c.is_control() => self.name_control.to_owned(),
            NameError::ForbiddenCharacter(c) => {
                fill(self.name_forbidden, c.encode_utf8(&mut [0; 4]))
            }
            NameError::LooksLikeEmail => self.name_is_email.to_owned(),
        }
    }

    pub fn email_error(&self, e: &EmailError) -> String {
        match e {
            EmailError::Empty => self.email_empty,
            EmailError::ControlCharacter => self.email_control,
            EmailError::TooLong => self.email_too_long,
            EmailError::MissingAt => self.email_missing_at,
            EmailError::MoreThanOneAt => self.email_two_ats,
            EmailError::EmptyLocalPart => self.email_no_local,
            EmailError::LocalPartTooLong => self.email_local_too_long,
            EmailError::InvalidLocalPart => self.email_bad_local,
            EmailError::InvalidDomain => self.email_bad_domain,
        }
        .to_owned()
    }

    pub fn message_error(&self, e: &MessageTextError) -> String {
        match e {
            MessageTextError::Empty => self.message_empty.to_owned(),
            MessageTextError::TooLong { chars } => fill(
                &fill(self.message_too_long, &chars.to_string()),
                &MAX_MESSAGE_CHARS.to_string(),
            ),
            MessageTextError::ControlCharacter => self.message_control.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn the_option_wins_when_the_widget_speaks_it() {
        let browser = langs(&["en-US", "en"]);
        for option in ["es", "es-MX", "ES", "es_AR", " es "] {
            assert_eq!(Locale::pick(Some(option), &browser), Locale::Es, "{option}");
        }
        assert_eq!(Locale::pick(Some("en-GB"), &langs(&["es-ES"])), Locale::En);
    }

    #[test]
    fn an_unsupported_option_falls_back_to_the_browser_then_english() {
        assert_eq!(
            Locale::pick(Some("fr"), &langs(&["de-DE", "es-419", "en"])),
            Locale::Es
        );
        assert_eq!(Locale::pick(None, &langs(&["ES-es"])), Locale::Es);
        assert_eq!(Locale::pick(Some("fr"), &langs(&["de", "pt"])), Locale::En);
        assert_eq!(Locale::pick(Some(""), &[]), Locale::En);
        assert_eq!(Locale::pick(None, &langs(&["estonian"])), Locale::En);
    }

    #[test]
    fn every_locale_has_every_string() {
        for locale in [Locale::En, Locale::Es] {
            let t = locale.strings();
            let all = [
                t.chat,
                t.chat_with,
                t.close,
                t.reply_soon,
                t.resolved,
                t.reply_in_seconds,
                t.unavailable_title,
                t.unavailable_body,
                t.intro,
                t.name,
                t.email,
                t.start_chat,
                t.starting_chat,
                t.signed_in_email,
                t.session_expired,
                t.messages,
                t.earlier_conversations,
                t.this_conversation,
                t.offline,
                t.you,
                t.assistant,
                t.support_team,
                t.company_team,
                t.notice,
                t.a_teammate,
                t.the_assistant,
                t.is_typing,
                t.human_joined,
                t.waiting_to_send,
                t.sending,
                t.not_sent,
                t.retry,
                t.delete,
                t.message,
                t.message_placeholder,
                t.send,
                t.unreachable,
                t.unexpected,
                t.too_fast_wait,
                t.too_fast,
                t.one_second,
                t.seconds,
                t.minutes,
                t.error_status,
                t.name_empty,
                t.name_too_long,
                t.name_no_letters,
                t.name_control,
                t.name_forbidden,
                t.name_is_email,
                t.email_empty,
                t.email_control,
                t.email_too_long,
                t.email_missing_at,
                t.email_two_ats,
                t.email_no_local,
                t.email_local_too_long,
                t.email_bad_local,
                t.email_bad_domain,
                t.message_empty,
                t.message_too_long,
                t.message_control,
            ];
            let codes = t.codes.map_or(Vec::new(), |c| {
                vec![
                    c.assistant_unavailable,
                    c.contact_required,
                    c.usage_limit,
                    c.invalid_name,
                    c.invalid_email,
                    c.invalid_message,
                ]
            });
            for s in all.into_iter().chain(codes) {
                assert!(!s.trim().is_empty(), "an empty string in {locale:?}");
            }
            let templates = [
                (t.chat_with, 1),
                (t.company_team, 1),
                (t.is_typing, 1),
                (t.too_fast_wait, 1),
                (t.seconds, 1),
                (t.minutes, 1),
                (t.error_status, 1),
                (t.name_too_long, 1),
                (t.name_forbidden, 1),
                (t.message_too_long, 2),
            ];
            for (template, holes) in templates {
                assert_eq!(
                    template.matches("{}").count(),
                    holes,
                    "{locale:?}: {template}"
                );
            }
        }
        assert_eq!(Locale::En.lang(), "en");
        assert_eq!(Locale::Es.lang(), "es");
    }

    #[test]
    fn english_parser_errors_are_shared_s_own_sentences() {
        let t = Locale::En.strings();
        for e in [
            NameError::Empty,
            NameError::TooLong,
            NameError::NoLetters,
            NameError::ForbiddenCharacter('\u{7}'),
            NameError::ForbiddenCharacter('<'),
            NameError::LooksLikeEmail,
        ] {
            assert_eq!(t.name_error(&e), e.to_string());
        }
        for e in [
            EmailError::Empty,
            EmailError::ControlCharacter,
            EmailError::TooLong,
            EmailError::MissingAt,
            EmailError::MoreThanOneAt,
            EmailError::EmptyLocalPart,
            EmailError::LocalPartTooLong,
            EmailError::InvalidLocalPart,
            EmailError::InvalidDomain,
        ] {
            assert_eq!(t.email_error(&e), e.to_string());
        }
        for e in [
            MessageTextError::Empty,
            MessageTextError::TooLong { chars: 5000 },
            MessageTextError::ControlCharacter,
        ] {
            assert_eq!(t.message_error(&e), e.to_string());
        }
    }

    #[test]
    fn spanish_fills_in_the_values() {
        let t = Locale::Es.strings();
        assert_eq!(
            t.name_error(&NameError::ForbiddenCharacter('<')),
            "Un nombre no puede contener «<»."
        );
        assert_eq!(
            t.message_error(&MessageTextError::TooLong { chars: 5000 }),
            format!("El mensaje tiene 5000 caracteres; el límite es {MAX_MESSAGE_CHARS}.")
        );
        assert_eq!(t.wait_time(1), "1 segundo");
        assert_eq!(t.wait_time(30), "30 segundos");
        assert_eq!(t.wait_time(125), "3 minutos");
    }

    #[test]
    fn server_sentences_are_translated_by_code_unless_the_server_speaks_the_language() {
        let detail = |code: &str| ErrorDetail {
            code: code.into(),
            message: "We can't send mail to that domain.".into(),
            field: Some("email".into()),
        };
        assert_eq!(
            EN.server_sentence(&detail("invalid_email")),
            "We can't send mail to that domain."
        );
        assert_eq!(
            ES.server_sentence(&detail("invalid_email")),
            "No podemos usar esa dirección de correo. Revísala e inténtalo de nuevo."
        );
        assert_eq!(
            ES.server_sentence(&detail("something_new")),
            "We can't send mail to that domain."
        );
    }
}
