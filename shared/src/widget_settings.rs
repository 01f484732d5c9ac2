//! The chat widget's settings as admins edit them (branding), its widget tokens and allowed
//! domains: the dashboard's JSON for `/api/dashboard/settings/{widget,domains,tokens}`, and the
//! parsers the server and the dashboard share. Field names are camelCase on the wire.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The longest company name.
pub const MAX_COMPANY_NAME_CHARS: usize = 100;
/// The longest greeting.
pub const MAX_GREETING_CHARS: usize = 500;
/// The longest image URL (avatar, header logo, wordmark).
pub const MAX_IMAGE_URL_LEN: usize = 2048;
/// The longest widget token label.
pub const MAX_TOKEN_LABEL_CHARS: usize = 100;
/// The expiry choices for a new widget token, in days (`null` on the wire: never).
pub const TOKEN_EXPIRY_DAYS: [i64; 4] = [7, 30, 90, 365];
/// A new widget token's expiry when the request does not say.
pub const DEFAULT_TOKEN_EXPIRY_DAYS: i64 = 30;

/// Which corner of the page the launcher and panel sit in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    #[default]
    BottomRight,
    BottomLeft,
    TopRight,
    TopLeft,
}

impl Position {
    pub const ALL: [Self; 4] = [
        Self::BottomRight,
        Self::BottomLeft,
        Self::TopRight,
        Self::TopLeft,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BottomRight => "bottom-right",
            Self::BottomLeft => "bottom-left",
            Self::TopRight => "top-right",
            Self::TopLeft => "top-left",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    pub fn is_top(self) -> bool {
        matches!(self, Self::TopRight | Self::TopLeft)
    }

    pub fn is_left(self) -> bool {
        matches!(self, Self::BottomLeft | Self::TopLeft)
    }
}

/// Light, dark, or whatever the visitor's system prefers (`prefers-color-scheme`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    #[default]
    Light,
    Dark,
    Auto,
}

impl Theme {
    pub const ALL: [Self; 3] = [Self::Light, Self::Dark, Self::Auto];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::Auto => "auto",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }
}

/// `GET`/`PUT /api/dashboard/settings/widget` body: the widget's branding, as an admin types it.
/// Position and theme are text here so that a wrong one is a 422 naming the field, not an
/// unreadable body; [`Branding::parse`] checks every field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSettings {
    pub company_name: String,
    /// `#rrggbb`.
    pub primary_color: String,
    /// `bottom-right`, `bottom-left`, `top-right` or `top-left`.
    pub position: String,
    /// `light`, `dark` or `auto`.
    pub theme: String,
    /// Empty: the default assistant's greeting.
    #[serde(default)]
    pub greeting: String,
    /// `https://` or `http://` image URLs; `None` (or empty): none.
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub header_logo_url: Option<String>,
    #[serde(default)]
    pub wordmark_url: Option<String>,
}

/// `GET /api/dashboard/settings/widget` and `PUT` answer: the settings, and what the embed
/// snippets need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSettingsPage {
    pub settings: WidgetSettings,
    pub tenant_id: String,
    /// The API's public URL (`https://chat.example.com`), as embed snippets use it.
    pub api_url: String,
    /// The default assistant's greeting: what an empty greeting shows.
    pub default_greeting: String,
}

/// Branding that passed every check; what the server stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    pub company_name: String,
    /// Lower-case `#rrggbb`.
    pub primary_color: String,
    pub position: Position,
    pub theme: Theme,
    /// Trimmed; empty means the default assistant's greeting.
    pub greeting: String,
    pub avatar_url: Option<String>,
    pub header_logo_url: Option<String>,
    pub wordmark_url: Option<String>,
}

pub use crate::form::FieldError;

fn field_error(field: &'static str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, code, message)
}

impl Branding {
    /// Checks every field in form order; the first bad one is the error.
    pub fn parse(s: &WidgetSettings) -> Result<Self, FieldError> {
        let company_name = s.company_name.trim();
        if company_name.is_empty() {
            return Err(field_error(
                "companyName",
                "invalid_company_name",
                "Enter the company name the widget shows.",
            ));
        }
        if company_name.chars().count() > MAX_COMPANY_NAME_CHARS
            || company_name.chars().any(char::is_control)
        {
            return Err(field_error(
                "companyName",
                "invalid_company_name",
                format!(
                    "The company name is one line of at most {MAX_COMPANY_NAME_CHARS} characters."
                ),
            ));
        }
        let primary_color = parse_color(&s.primary_color).ok_or_else(|| {
            field_error(
                "primaryColor",
                "invalid_color",
                "The colour is a hex colour like #6b3e26.",
            )
        })?;
        let position = Position::parse(&s.position).ok_or_else(|| {
            field_error(
                "position",
                "invalid_position",
                "The position is bottom-right, bottom-left, top-right or top-left.",
            )
        })?;
        let theme = Theme::parse(&s.theme).ok_or_else(|| {
            field_error(
                "theme",
                "invalid_theme",
                "The theme is light, dark or auto.",
            )
        })?;
        let greeting = s.greeting.trim();
        if greeting.chars().count() > MAX_GREETING_CHARS
            || greeting.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(field_error(
                "greeting",
                "invalid_greeting",
                format!("The greeting is text of at most {MAX_GREETING_CHARS} characters."),
            ));
        }
        Ok(Self {
            company_name: company_name.to_owned(),
            primary_color,
            position,
            theme,
            greeting: greeting.to_owned(),
            avatar_url: parse_image_url("avatarUrl", s.avatar_url.as_deref())?,
            header_logo_url: parse_image_url("headerLogoUrl", s.header_logo_url.as_deref())?,
            wordmark_url: parse_image_url("wordmarkUrl", s.wordmark_url.as_deref())?,
        })
    }

    /// The form's view of stored branding.
    pub fn to_settings(&self) -> WidgetSettings {
        WidgetSettings {
            company_name: self.company_name.clone(),
            primary_color: self.primary_color.clone(),
            position: self.position.as_str().to_owned(),
            theme: self.theme.as_str().to_owned(),
            greeting: self.greeting.clone(),
            avatar_url: self.avatar_url.clone(),
            header_logo_url: self.header_logo_url.clone(),
            wordmark_url: self.wordmark_url.clone(),
        }
    }
}

/// `#rrggbb` (either case) → lower-case; anything else → `None`.
pub fn parse_color(s: &str) -> Option<String> {
    let s = s.trim();
    let hex = s.strip_prefix('#')?;
    (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

/// An absolute `https://` or `http://` URL of at most [`MAX_IMAGE_URL_LEN`] characters, without
/// spaces, quotes or angle brackets (it ends up in an `src` attribute); empty → `None`.
pub fn parse_image_url(field: &'static str, s: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = |message: &str| Err(field_error(field, "invalid_url", message));
    if s.len() > MAX_IMAGE_URL_LEN {
        return bad("The URL is too long (at most 2048 characters).");
    }
    let lower = s.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return bad("The URL must start with https:// (or http://).");
    };
    if s.chars().any(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')
    }) {
        return bad(
            "The URL has a space, quote or angle bracket: copy it again from the address bar.",
        );
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') || host.starts_with('.') {
        return bad("The URL has no host name.");
    }
    Ok(Some(s.to_owned()))
}

/// `GET /api/dashboard/settings/domains` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainList {
    /// Normalised origins, sorted.
    pub origins: Vec<String>,
    /// True when the list is empty: the widget then loads on no site at all.
    pub empty: bool,
}

/// `POST /api/dashboard/settings/domains` body and answer (the answer normalised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainRequest {
    pub origin: String,
}

/// A widget token as the list shows it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetTokenView {
    pub id: String,
    pub label: String,
    /// Unix milliseconds, like every time below.
    pub created_at: i64,
    /// When a widget last used it (recorded at most once a minute).
    #[serde(default)]
    pub last_used_at: Option<i64>,
    /// `None`: never expires.
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub revoked_at: Option<i64>,
}

/// `GET /api/dashboard/settings/tokens` answer, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenList {
    pub tokens: Vec<WidgetTokenView>,
}

/// `POST /api/dashboard/settings/tokens` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueTokenRequest {
    pub label: String,
    /// Absent: 30 days; `null`: never expires; else one of [`TOKEN_EXPIRY_DAYS`].
    #[serde(
        default = "default_expiry",
        deserialize_with = "explicit_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_in_days: Option<Option<i64>>,
}

fn default_expiry() -> Option<Option<i64>> {
    None
}

/// `null` is `Some(None)` (never), a number `Some(Some(n))`; an absent field stays `None`.
fn explicit_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

impl IssueTokenRequest {
    /// The label, trimmed, and the expiry in days (`None`: never), or the first bad field.
    pub fn parse(&self) -> Result<(String, Option<i64>), FieldError> {
        let label = self.label.trim();
        if label.is_empty()
            || label.chars().count() > MAX_TOKEN_LABEL_CHARS
            || label.chars().any(char::is_control)
        {
            return Err(field_error(
                "label",
                "invalid_label",
                format!(
                    "Name the token (one line, at most {MAX_TOKEN_LABEL_CHARS} characters), \
                     e.g. the site it is for."
                ),
            ));
        }
        let days = match self.expires_in_days {
            None => Some(DEFAULT_TOKEN_EXPIRY_DAYS),
            Some(None) => None,
            Some(Some(days)) if TOKEN_EXPIRY_DAYS.contains(&days) => Some(days),
            Some(Some(_)) => {
                return Err(field_error(
                    "expiresInDays",
                    "invalid_expiry",
                    "A token expires in 7, 30, 90 or 365 days, or never (null).",
                ))
            }
        };
        Ok((label.to_owned(), days))
    }
}

/// `POST /api/dashboard/settings/tokens` answer: the token, shown this once, and what the embed
/// snippets need. `Debug` does not print the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenIssued {
    pub token: WidgetTokenView,
    /// The widget token itself (`wt_…`): not retrievable later.
    pub secret: String,
    pub tenant_id: String,
    pub api_url: String,
}

impl fmt::Debug for TokenIssued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssued")
            .field("token", &self.token)
            .field("secret", &"[redacted]")
            .field("tenant_id", &self.tenant_id)
            .field("api_url", &self.api_url)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> WidgetSettings {
        WidgetSettings {
            company_name: "Northwind".into(),
            primary_color: "#6B3E26".into(),
            position: "bottom-left".into(),
            theme: "auto".into(),
            greeting: " Hello! ".into(),
            avatar_url: Some("https://cdn.example.com/a.png".into()),
            header_logo_url: Some(String::new()),
            wordmark_url: None,
        }
    }

    #[test]
    fn good_settings_parse_normalised() {
        let b = Branding::parse(&settings()).expect("valid");
        assert_eq!(b.primary_color, "#6b3e26");
        assert_eq!(b.position, Position::BottomLeft);
        assert_eq!(b.theme, Theme::Auto);
        assert_eq!(b.greeting, "Hello!");
        assert_eq!(b.header_logo_url, None);
        assert_eq!(Branding::parse(&b.to_settings()), Ok(b));
    }

    #[test]
    fn each_bad_field_is_named() {
        type Change = fn(&mut WidgetSettings);
        let cases: [(&str, Change); 10] = [
            ("companyName", |s| s.company_name = "  ".into()),
            ("companyName", |s| s.company_name = "a\nb".into()),
            ("primaryColor", |s| s.primary_color = "red".into()),
            ("primaryColor", |s| s.primary_color = "#12345g".into()),
            ("position", |s| s.position = "middle".into()),
            ("theme", |s| s.theme = "neon".into()),
            ("greeting", |s| s.greeting = "x".repeat(501)),
            ("avatarUrl", |s| {
                s.avatar_url = Some("javascript:alert(1)".into())
            }),
            ("headerLogoUrl", |s| {
                s.header_logo_url = Some("https://a.test/x\".png".into())
            }),
            ("wordmarkUrl", |s| {
                s.wordmark_url = Some(format!("https://a.test/{}", "x".repeat(2048)))
            }),
        ];
        for (field, change) in cases {
            let mut s = settings();
            change(&mut s);
            assert_eq!(Branding::parse(&s).map_err(|e| e.field), Err(field));
        }
    }

    #[test]
    fn image_urls_must_be_absolute_http() {
        for bad in [
            "data:image/png;base64,AAAA",
            "//cdn.example.com/a.png",
            "/a.png",
            "https://",
            "https:///a.png",
            "ftp://a.test/a.png",
            "JaVaScRiPt:alert(1)",
            "https://a.test/a b.png",
        ] {
            assert!(parse_image_url("avatarUrl", Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            parse_image_url("avatarUrl", Some(" HTTP://a.test/a.png ")),
            Ok(Some("HTTP://a.test/a.png".into()))
        );
    }

    #[test]
    fn token_expiry_defaults_to_30_days_and_null_is_never() {
        let parse = |json: &str| {
            serde_json::from_str::<IssueTokenRequest>(json)
                .expect("json")
                .parse()
        };
        assert_eq!(parse(r#"{"label":"shop"}"#), Ok(("shop".into(), Some(30))));
        assert_eq!(
            parse(r#"{"label":"shop","expiresInDays":null}"#),
            Ok(("shop".into(), None))
        );
        assert_eq!(
            parse(r#"{"label":"shop","expiresInDays":365}"#),
            Ok(("shop".into(), Some(365)))
        );
        assert_eq!(
            parse(r#"{"label":"shop","expiresInDays":31}"#).map_err(|e| e.field),
            Err("expiresInDays")
        );
        assert_eq!(
            parse(r#"{"label":" ","expiresInDays":30}"#).map_err(|e| e.field),
            Err("label")
        );
    }

    #[test]
    fn an_issued_token_does_not_debug_print_its_secret() {
        let issued = TokenIssued {
            token: WidgetTokenView {
                id: "tok_1".into(),
                label: "shop".into(),
                created_at: 0,
                last_used_at: None,
                expires_at: None,
                revoked_at: None,
            },
            secret: "wt_secret".into(),
            tenant_id: "tn_1".into(),
            api_url: "https://chat.example.com".into(),
        };
        assert!(!format!("{issued:?}").contains("wt_secret"));
    }
}
