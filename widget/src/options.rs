//! The options `renderWebWidget(options)` was given, as the panel needs them.

use wasm_bindgen::JsValue;

use crate::i18n::{self, Locale};

/// The brand colour used when the embedder gives none (or one we can't use).
pub const DEFAULT_PRIMARY_COLOR: &str = "#2563eb";

/// What the embedder configured; `tenant_id`, `api_url` and `token` are required.
#[derive(Clone, PartialEq, Eq)]
pub struct WidgetOptions {
    pub tenant_id: String,
    /// Without a trailing slash.
    pub api_url: String,
    pub token: String,
    /// Empty until the embedder or the tenant's config names the company.
    pub company_name: String,
    /// A CSS colour safe to paste into a `style` attribute.
    pub primary_color: String,
    pub greeting: Option<String>,
    /// The site's proof of the signed-in visitor's email (`userHash`), sent with the contact
    /// details.
    pub user_hash: Option<String>,
    /// What the embedder chose explicitly; where they chose nothing, the tenant's settings
    /// (`/config`) apply.
    pub explicit: Explicit,
    /// The language of the panel: the `locale` option, else the browser's, else English. Fixed
    /// for the panel's life (a changed `locale` applies when the panel is mounted again).
    pub locale: Locale,
}

/// Which branding options the embedder passed to `renderWebWidget`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Explicit {
    pub primary_color: bool,
    pub position: bool,
    pub theme: bool,
}

/// The token is a credential: it stays out of logs and panic messages.
impl std::fmt::Debug for WidgetOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WidgetOptions")
            .field("tenant_id", &self.tenant_id)
            .field("api_url", &self.api_url)
            .field("token", &"[redacted]")
            .field("company_name", &self.company_name)
            .field("primary_color", &self.primary_color)
            .field("greeting", &self.greeting)
            .field("user_hash", &self.user_hash.as_ref().map(|_| "[redacted]"))
            .field("explicit", &self.explicit)
            .field("locale", &self.locale)
            .finish()
    }
}

impl WidgetOptions {
    /// Checks the required options and normalises the rest.
    pub fn new(
        tenant_id: &str,
        api_url: &str,
        token: &str,
        company_name: Option<&str>,
        primary_color: Option<&str>,
        greeting: Option<&str>,
    ) -> Result<Self, String> {
        let required = |name: &str, value: &str| {
            let value = value.trim();
            if value.is_empty() {
                Err(format!(
                    "renderWebWidget: the \"{name}\" option is required."
                ))
            } else {
                Ok(value.to_owned())
            }
        };
        let non_empty = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(Self {
            tenant_id: required("tenantId", tenant_id)?,
            api_url: required("apiUrl", api_url)?
                .trim_end_matches('/')
                .to_owned(),
            token: required("token", token)?,
            company_name: non_empty(company_name).unwrap_or_default(),
            primary_color: primary_color
                .and_then(safe_css_color)
                .unwrap_or_else(|| DEFAULT_PRIMARY_COLOR.to_owned()),
            greeting: non_empty(greeting),
            user_hash: None,
            explicit: Explicit {
                primary_color: primary_color.and_then(safe_css_color).is_some(),
                position: false,
                theme: false,
            },
            locale: Locale::default(),
        })
    }

    /// Reads the plain object the loader passes (`{tenantId, apiUrl, token, ...}`).
    pub fn from_js(value: &JsValue) -> Result<Self, String> {
        let get = |key: &str| {
            js_sys::Reflect::get(value, &JsValue::from_str(key))
                .ok()
                .and_then(|v| v.as_string())
        };
        let tenant_id = get("tenantId").unwrap_or_default();
        let api_url = get("apiUrl").unwrap_or_default();
        let token = get("token").unwrap_or_default();
        let mut options = Self::new(
            &tenant_id,
            &api_url,
            &token,
            get("companyName").as_deref(),
            get("primaryColor").as_deref(),
            get("greeting").as_deref(),
        )?;
        options.user_hash = get("userHash").filter(|h| !h.trim().is_empty());
        // The loader passes these only when the embedder gave them.
        options.explicit.position = get("position").is_some();
        options.explicit.theme = get("theme").is_some();
        options.locale = Locale::pick(get("locale").as_deref(), &i18n::browser_languages());
        Ok(options)
    }
}

/// Accepts the colour forms an embedder writes (`#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb(...)`,
/// `hsl(...)`, a colour keyword) and nothing that could end a declaration or a rule: the value
/// goes into a `style` attribute.
pub fn safe_css_color(input: &str) -> Option<String> {
    let s = input.trim();
    if let Some(hex) = s.strip_prefix('#') {
        let ok = matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
        return ok.then(|| s.to_owned());
    }
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let functional = ["rgb(", "rgba(", "hsl(", "hsla(", "oklch(", "oklab("]
        .iter()
        .any(|f| s.to_ascii_lowercase().starts_with(f))
        && s.ends_with(')')
        && s[..s.len() - 1].split_once('(').is_some_and(|(_, args)| {
            args.chars()
                .all(|c| c.is_ascii_alphanumeric() || " ,.%/-".contains(c))
        });
    let keyword = s.chars().all(|c| c.is_ascii_alphabetic());
    (functional || keyword).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_options_are_named_when_missing() {
        let err = WidgetOptions::new("t", " ", "tok", None, None, None).unwrap_err();
        assert!(err.contains("\"apiUrl\""), "{err}");
        let err = WidgetOptions::new("", "http://x", "tok", None, None, None).unwrap_err();
        assert!(err.contains("\"tenantId\""), "{err}");
    }

    #[test]
    fn the_token_stays_out_of_debug_output() {
        let o = WidgetOptions::new("t", "http://x", "secret-token", None, None, None).unwrap();
        assert!(!format!("{o:?}").contains("secret-token"));
    }

    #[test]
    fn options_are_normalised() {
        let o = WidgetOptions::new(
            "t1",
            "https://api.example.com/",
            "tok",
            Some("  "),
            Some("red;x:y"),
            Some(" Hi "),
        )
        .unwrap();
        assert_eq!(o.api_url, "https://api.example.com");
        assert_eq!(o.company_name, "");
        assert_eq!(o.primary_color, DEFAULT_PRIMARY_COLOR);
        assert_eq!(o.greeting.as_deref(), Some("Hi"));
    }

    #[test]
    fn only_harmless_colours_are_accepted() {
        for ok in [
            "#6b3e26",
            "#fff",
            "#11223344",
            "rebeccapurple",
            "rgb(10, 20, 30)",
            "hsl(20 50% 40% / .5)",
        ] {
            assert_eq!(safe_css_color(ok).as_deref(), Some(ok), "{ok}");
        }
        for bad in [
            "#12",
            "#ggg",
            "red;background:url(x)",
            "rgb(1,2,3);}",
            "url(x)",
            "",
            "expression(alert(1))",
        ] {
            assert_eq!(safe_css_color(bad), None, "{bad}");
        }
    }
}
