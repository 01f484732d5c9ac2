//! Contact details a visitor gives before chatting. Parse, don't validate: once you hold an
//! [`Email`] or a [`PersonName`], it is valid.

use std::fmt;

/// RFC 5321 limits: 254 characters for a whole address (forward path minus the brackets),
/// 64 for the part before the `@`, 63 for each label of the domain.
const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;
/// Long enough for any real full name, short enough to keep a list view readable.
pub const MAX_NAME_CHARS: usize = 100;

/// A syntactically valid email address, trimmed, as the person typed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why a string is not an email address; `Display` is a sentence a visitor can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailError {
    Empty,
    /// NUL or another invisible control character.
    ControlCharacter,
    TooLong,
    MissingAt,
    MoreThanOneAt,
    EmptyLocalPart,
    LocalPartTooLong,
    InvalidLocalPart,
    InvalidDomain,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "Please enter your email address.",
            Self::ControlCharacter => "Your email address contains an invisible control character.",
            Self::TooLong => "That email address is too long.",
            Self::MissingAt => "An email address needs an @, like jane@example.com.",
            Self::MoreThanOneAt => "An email address has only one @.",
            Self::EmptyLocalPart => "Something is missing before the @.",
            Self::LocalPartTooLong => "The part before the @ is too long.",
            Self::InvalidLocalPart => "The part before the @ has characters an address can't have.",
            Self::InvalidDomain => {
                "The part after the @ doesn't look like a domain, like example.com."
            }
        })
    }
}

impl std::error::Error for EmailError {}

impl Email {
    /// Parses what a visitor typed: surrounding whitespace is ignored, everything else must be a
    /// plain `local@domain.tld` address (ASCII, dot-atom local part, a domain with a TLD).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().any(char::is_control) {
            return Err(EmailError::ControlCharacter);
        }
        if s.len() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        let mut parts = s.split('@');
        let (local, domain) = match (parts.next(), parts.next(), parts.next()) {
            (Some(l), Some(d), None) => (l, d),
            (_, None, _) => return Err(EmailError::MissingAt),
            _ => return Err(EmailError::MoreThanOneAt),
        };
        validate_local(local)?;
        validate_domain(domain)?;
        Ok(Self(s.to_owned()))
    }

    /// The address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key two addresses are the same person by: the whole address lower-cased. Mail
    /// providers treat the local part case-insensitively in practice, and a visitor who types
    /// `Jane@Example.com` once and `jane@example.com` later is one client, not two.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit('@').next().unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn validate_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::LocalPartTooLong);
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let ok = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    if ok {
        Ok(())
    } else {
        Err(EmailError::InvalidLocalPart)
    }
}

fn validate_domain(domain: &str) -> Result<(), EmailError> {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailError::InvalidDomain);
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= MAX_LABEL_LEN
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld = labels[labels.len() - 1];
    let tld_ok =
        tld.len() >= 2 && (tld.chars().all(|c| c.is_ascii_alphabetic()) || tld.starts_with("xn--"));
    if labels.iter().all(label_ok) && tld_ok {
        Ok(())
    } else {
        Err(EmailError::InvalidDomain)
    }
}

/// A person's name as they want to be addressed: trimmed, inner whitespace collapsed, with at
/// least one letter, in any script.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

/// Why a string is not a usable name; `Display` is a sentence a visitor can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong,
    NoLetters,
    ForbiddenCharacter(char),
    LooksLikeEmail,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Please enter your name."),
            Self::TooLong => write!(
                f,
                "Please keep your name under {MAX_NAME_CHARS} characters."
            ),
            Self::NoLetters => f.write_str("A name needs at least one letter."),
            Self::ForbiddenCharacter(c) if c.is_control() => {
                f.write_str("Your name contains an invisible control character.")
            }
            Self::ForbiddenCharacter(c) => write!(f, "A name can't contain “{c}”."),
            Self::LooksLikeEmail => {
                f.write_str("That looks like an email address; please enter your name here.")
            }
        }
    }
}

impl std::error::Error for NameError {}

/// Characters no name needs and markup or templates do.
const FORBIDDEN_IN_NAME: &[char] = &['<', '>', '{', '}', '\\', '"', '/', '|', '`'];

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(NameError::Empty);
        }
        if collapsed.chars().count() > MAX_NAME_CHARS {
            return Err(NameError::TooLong);
        }
        if let Some(c) = collapsed
            .chars()
            .find(|c| c.is_control() || FORBIDDEN_IN_NAME.contains(c) || is_invisible_format(*c))
        {
            return Err(NameError::ForbiddenCharacter(c));
        }
        if collapsed.contains('@') && Email::parse(&collapsed).is_ok() {
            return Err(NameError::LooksLikeEmail);
        }
        if !collapsed.chars().any(char::is_alphabetic) {
            return Err(NameError::NoLetters);
        }
        Ok(Self(collapsed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first word, for a friendly "Thanks, Jane".
    pub fn first(&self) -> &str {
        self.0.split(' ').next().unwrap_or(&self.0)
    }
}

/// Zero-width and bidi-override characters: invisible in a list, and a classic spoofing tool.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_addresses_parse() {
        for ok in [
            "jane@example.com",
            "  jane.doe+chat@mail.example.co.uk ",
            "o'brien@example.ie",
            "x@xn--80ak6aa92e.com",
            "a_b-c@sub-domain.example.org",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok} should parse");
        }
    }

    #[test]
    fn malformed_addresses_are_refused_with_the_reason() {
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("jane.example.com", EmailError::MissingAt),
            ("jane@@example.com", EmailError::MoreThanOneAt),
            ("@example.com", EmailError::EmptyLocalPart),
            ("jane..doe@example.com", EmailError::InvalidLocalPart),
            (".jane@example.com", EmailError::InvalidLocalPart),
            ("ja ne@example.com", EmailError::InvalidLocalPart),
            ("jane@example", EmailError::InvalidDomain),
            ("jane@example.c", EmailError::InvalidDomain),
            ("jane@-example.com", EmailError::InvalidDomain),
            ("jane@example..com", EmailError::InvalidDomain),
            ("jane@exa_mple.com", EmailError::InvalidDomain),
            ("jane@example.123", EmailError::InvalidDomain),
            ("ja\0ne@example.com", EmailError::ControlCharacter),
            ("jane@example.com\0", EmailError::ControlCharacter),
        ];
        for (input, want) in cases {
            assert_eq!(Email::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn overlong_parts_are_refused() {
        let local = "a".repeat(65);
        assert_eq!(
            Email::parse(&format!("{local}@example.com")),
            Err(EmailError::LocalPartTooLong)
        );
        let domain = format!("{}.com", "a".repeat(250));
        assert_eq!(
            Email::parse(&format!("j@{domain}")),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn normalized_email_ignores_case() {
        let a = Email::parse("Jane.Doe@Example.COM").unwrap();
        let b = Email::parse("jane.doe@example.com").unwrap();
        assert_eq!(a.normalized(), b.normalized());
        assert_eq!(a.as_str(), "Jane.Doe@Example.COM");
        assert_eq!(a.domain(), "Example.COM");
    }

    #[test]
    fn names_are_trimmed_and_collapsed() {
        let n = PersonName::parse("  Jane \t  van   der Berg ").unwrap();
        assert_eq!(n.as_str(), "Jane van der Berg");
        assert_eq!(n.first(), "Jane");
        for ok in [
            "José",
            "李小龙",
            "O'Brien",
            "Anne-Marie",
            "Dr. Who",
            "X Æ A-12",
        ] {
            assert!(PersonName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn bad_names_are_refused_with_the_reason() {
        assert_eq!(PersonName::parse(" "), Err(NameError::Empty));
        assert_eq!(PersonName::parse("1234"), Err(NameError::NoLetters));
        assert_eq!(
            PersonName::parse("<script>"),
            Err(NameError::ForbiddenCharacter('<'))
        );
        assert_eq!(
            PersonName::parse("jane@example.com"),
            Err(NameError::LooksLikeEmail)
        );
        assert_eq!(
            PersonName::parse("Ja\0ne"),
            Err(NameError::ForbiddenCharacter('\0'))
        );
        assert_eq!(
            NameError::ForbiddenCharacter('\0').to_string(),
            "Your name contains an invisible control character."
        );
        assert_eq!(
            PersonName::parse("Ja\u{202E}ne"),
            Err(NameError::ForbiddenCharacter('\u{202E}'))
        );
        assert_eq!(
            PersonName::parse(&"a".repeat(MAX_NAME_CHARS + 1)),
            Err(NameError::TooLong)
        );
    }

    proptest! {
        #[test]
        fn email_parser_never_panics(s in "\\PC*") {
            let _ = Email::parse(&s);
        }

        #[test]
        fn generated_valid_addresses_parse_and_round_trip(
            local in "[a-z0-9][a-z0-9+_-]{0,20}(\\.[a-z0-9_-]{1,10}){0,2}",
            labels in prop::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..4),
            tld in "[a-z]{2,6}",
        ) {
            let input = format!("{local}@{}.{tld}", labels.join("."));
            let email = Email::parse(&input).unwrap();
            prop_assert_eq!(email.as_str(), input.as_str());
            prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email);
        }

        #[test]
        fn anything_without_an_at_is_refused(s in "[^@]*") {
            prop_assert!(Email::parse(&s).is_err());
        }

        #[test]
        fn name_parser_never_panics_and_output_is_a_fixed_point(s in "\\PC*") {
            if let Ok(name) = PersonName::parse(&s) {
                prop_assert!(name.as_str().chars().count() <= MAX_NAME_CHARS);
                prop_assert_eq!(name.as_str().trim(), name.as_str());
                prop_assert!(!name.as_str().contains("  "));
                prop_assert_eq!(PersonName::parse(name.as_str()).unwrap(), name);
            }
        }

        #[test]
        fn names_of_letters_and_spaces_parse(words in prop::collection::vec("[A-Za-zà-ö]{1,12}", 1..5)) {
            let input = words.join(" ");
            let name = PersonName::parse(&input).unwrap();
            prop_assert_eq!(name.as_str(), input.as_str());
        }
    }
}
