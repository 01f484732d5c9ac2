//! Chat message text and the id a client gives each message so a retry is recognised.

use std::fmt;

/// Long enough for a detailed question with a pasted error, short enough to keep a store and a
/// model context sane.
pub const MAX_MESSAGE_CHARS: usize = 4000;
pub const MAX_CLIENT_MESSAGE_ID_LEN: usize = 64;

/// The text of a chat message: trimmed, not empty, at most [`MAX_MESSAGE_CHARS`] characters, no
/// control characters but line breaks and tabs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageTextError {
    Empty,
    TooLong {
        chars: usize,
    },
    /// NUL and the other invisible control characters: no one types them, PostgreSQL refuses
    /// NUL in text, and they hide what a message says.
    ControlCharacter,
}

impl fmt::Display for MessageTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("The message is empty."),
            Self::TooLong { chars } => write!(
                f,
                "The message is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}."
            ),
            Self::ControlCharacter => {
                f.write_str("The message contains an invisible control character.")
            }
        }
    }
}

impl std::error::Error for MessageTextError {}

impl MessageText {
    pub fn parse(input: &str) -> Result<Self, MessageTextError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MessageTextError::Empty);
        }
        let chars = s.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            return Err(MessageTextError::TooLong { chars });
        }
        if s.chars().any(is_forbidden_control) {
            return Err(MessageTextError::ControlCharacter);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A control character a text may not hold: all of them but line breaks and tabs.
pub fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// The id a client picks for a message it sends, so that a retried send is recognised and
/// stored once: 1 to 64 characters of `A-Z a-z 0-9 - _` (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientMessageId(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessageIdError {
    Empty,
    TooLong,
    InvalidCharacter,
}

impl fmt::Display for ClientMessageIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "clientMessageId is empty.",
            Self::TooLong => "clientMessageId is longer than 64 characters.",
            Self::InvalidCharacter => "clientMessageId may only hold letters, digits, - and _.",
        })
    }
}

impl std::error::Error for ClientMessageIdError {}

impl ClientMessageId {
    pub fn parse(input: &str) -> Result<Self, ClientMessageIdError> {
        if input.is_empty() {
            return Err(ClientMessageIdError::Empty);
        }
        if input.len() > MAX_CLIENT_MESSAGE_ID_LEN {
            return Err(ClientMessageIdError::TooLong);
        }
        if !input
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ClientMessageIdError::InvalidCharacter);
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn message_text_is_trimmed_and_bounded() {
        assert_eq!(MessageText::parse("  hi \n").unwrap().as_str(), "hi");
        assert_eq!(MessageText::parse(" \n\t"), Err(MessageTextError::Empty));
        let long = "é".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            MessageText::parse(&long),
            Err(MessageTextError::TooLong {
                chars: MAX_MESSAGE_CHARS + 1
            })
        );
        assert!(MessageText::parse(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
    }

    #[test]
    fn message_text_refuses_nul_and_control_characters_but_keeps_line_breaks() {
        for bad in ["a\0b", "bell\u{7}", "esc\u{1b}[31m", "a\u{85}b"] {
            assert_eq!(
                MessageText::parse(bad),
                Err(MessageTextError::ControlCharacter),
                "{bad:?}"
            );
        }
        let kept = MessageText::parse("line one\r\nline\ttwo").unwrap();
        assert_eq!(kept.as_str(), "line one\r\nline\ttwo");
    }

    #[test]
    fn client_message_ids_accept_uuids_only_safe_characters() {
        assert!(ClientMessageId::parse("3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c").is_ok());
        assert_eq!(ClientMessageId::parse(""), Err(ClientMessageIdError::Empty));
        assert_eq!(
            ClientMessageId::parse("a b"),
            Err(ClientMessageIdError::InvalidCharacter)
        );
        assert_eq!(
            ClientMessageId::parse(&"a".repeat(65)),
            Err(ClientMessageIdError::TooLong)
        );
    }

    proptest! {
        #[test]
        fn parsed_message_text_is_never_empty_padded_or_controlled(s in "\\PC{0,40}[\\x00-\\x1f]?\\PC{0,10}") {
            if let Ok(t) = MessageText::parse(&s) {
                prop_assert!(!t.as_str().is_empty());
                prop_assert_eq!(t.as_str().trim(), t.as_str());
                prop_assert!(!t.as_str().chars().any(is_forbidden_control));
            }
        }
    }
}
