//! The origins a workspace allows its widget on, and how a browser's `Origin` is matched
//! against them. Parse, don't validate: once you hold an [`AllowedOrigin`], it is one of the two
//! forms below, normalised, and [`AllowedOrigin::as_str`] is how it is stored.
//!
//! # Matching rules
//!
//! - An allowed origin is `scheme://host[:port]`: the scheme `http` or `https`, a host name or IP
//!   address, and an optional port. Nothing else: no path (one trailing `/` is forgiven and
//!   dropped), no query or fragment, no `user:password@`.
//! - Scheme, host and port must equal the browser's `Origin` exactly. Host and scheme are
//!   compared lower-case, and a default port is the same as none: `https://shop.example.com:443`
//!   is `https://shop.example.com`, `http://a.test:80` is `http://a.test`. `http://` and
//!   `https://` are different origins, and so are different ports.
//! - `https://*.example.com` allows every subdomain of `example.com` at any depth
//!   (`https://shop.example.com`, `https://eu.shop.example.com`) with that scheme and port, but
//!   NOT `https://example.com` itself (add it separately). The `*` stands for whole labels only,
//!   only as the first label, and the rest must have at least two labels (`https://*.com` is
//!   refused).
//! - A bare `*`, or a `*` anywhere else, is refused: the widget loads on the sites you name and
//!   nowhere else. An empty list allows no site at all.
//! - Internationalised host names are kept as given (lower-cased); a browser sends them in
//!   punycode (`xn--…`), so add that form.

use std::fmt;

/// The longest allowed origin accepted (a host name is at most 253 characters).
pub const MAX_ORIGIN_LEN: usize = 300;

/// An origin a workspace allows: exact, or every subdomain of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllowedOrigin {
    /// The normalised text, as stored and shown.
    text: String,
    scheme: Scheme,
    /// Without the `*.` of a wildcard.
    host: String,
    /// `None` for the scheme's default port.
    port: Option<u16>,
    wildcard: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// Why a string is not an allowed origin; `Display` is a sentence an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginError {
    Empty,
    TooLong,
    /// Not `http://` or `https://` (or no scheme at all).
    Scheme,
    /// A bare `*`, or a `*` that is not the first label of a host with two more labels.
    Wildcard,
    /// A path, query or fragment after the host.
    Path,
    /// `user:password@` before the host.
    UserInfo,
    Host,
    Port,
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "Enter an origin, like https://shop.example.com.",
            Self::TooLong => "That origin is too long.",
            Self::Scheme => {
                "An origin starts with https:// or http://, like https://shop.example.com."
            }
            Self::Wildcard => {
                "A * is allowed only as a whole first label, like https://*.example.com; \
                 a bare * is not allowed."
            }
            Self::Path => {
                "An origin is only scheme, host and port: remove the path, query or fragment."
            }
            Self::UserInfo => "An origin has no user name or password before the host.",
            Self::Host => "The host name is not valid.",
            Self::Port => "The port must be a number from 1 to 65535.",
        })
    }
}

impl std::error::Error for OriginError {}

impl AllowedOrigin {
    /// Parses what an admin typed (see the module's rules); surrounding whitespace and one
    /// trailing `/` are ignored, case is folded.
    pub fn parse(input: &str) -> Result<Self, OriginError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(OriginError::Empty);
        }
        if s.chars().count() > MAX_ORIGIN_LEN {
            return Err(OriginError::TooLong);
        }
        let s = s.to_lowercase();
        if s == "*" {
            return Err(OriginError::Wildcard);
        }
        let (scheme, rest) = if let Some(rest) = s.strip_prefix("https://") {
            (Scheme::Https, rest)
        } else if let Some(rest) = s.strip_prefix("http://") {
            (Scheme::Http, rest)
        } else {
            return Err(OriginError::Scheme);
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '\\']) {
            return Err(OriginError::Path);
        }
        if rest.contains('@') {
            return Err(OriginError::UserInfo);
        }
        let (host, port) = split_port(rest)?;
        let port = port.filter(|p| *p != scheme.default_port());
        let (wildcard, host) = match host.strip_prefix("*.") {
            Some(base) => (true, base),
            None => (false, host),
        };
        if host.contains('*') {
            return Err(OriginError::Wildcard);
        }
        check_host(host)?;
        if wildcard && (host.starts_with('[') || !host.contains('.')) {
            return Err(OriginError::Wildcard);
        }
        let mut text = format!(
            "{}://{}{host}",
            scheme.as_str(),
            if wildcard { "*." } else { "" }
        );
        if let Some(port) = port {
            text.push_str(&format!(":{port}"));
        }
        Ok(Self {
            text,
            scheme,
            host: host.to_owned(),
            port,
            wildcard,
        })
    }

    /// The normalised form, e.g. `https://*.example.com` or `http://localhost:8080`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True for `scheme://*.domain` patterns.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// Whether a browser's `Origin` header value is allowed by this entry. An `Origin` that is
    /// not itself a plain origin (`null`, a pattern, a path) never matches.
    pub fn matches(&self, origin: &str) -> bool {
        let Ok(origin) = Self::parse(origin) else {
            return false;
        };
        if origin.wildcard || origin.scheme != self.scheme || origin.port != self.port {
            return false;
        }
        if self.wildcard {
            origin
                .host
                .strip_suffix(self.host.as_str())
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            origin.host == self.host
        }
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whether any of the stored `allowed` origins lets `origin` in. Entries that no longer parse
/// (e.g. a `*` stored before these rules) allow nothing.
pub fn origin_allowed<S: AsRef<str>>(allowed: &[S], origin: &str) -> bool {
    allowed
        .iter()
        .any(|a| AllowedOrigin::parse(a.as_ref()).is_ok_and(|a| a.matches(origin)))
}

/// `host[:port]` → host and port (`[v6]:port` included).
fn split_port(rest: &str) -> Result<(&str, Option<u16>), OriginError> {
    let (host, port) = if rest.starts_with('[') {
        let end = rest.find(']').ok_or(OriginError::Host)?;
        let (host, after) = rest.split_at(end + 1);
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(after.strip_prefix(':').ok_or(OriginError::Host)?),
            ),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(OriginError::Port),
                Ok(n) => Some(n),
            }
        }
        Some(_) => return Err(OriginError::Port),
    };
    Ok((host, port))
}

/// A DNS name (letters, digits, `-`, `_`, non-ASCII for IDN, dot-separated non-empty labels) or
/// a bracketed IPv6 address.
fn check_host(host: &str) -> Result<(), OriginError> {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ok = !v6.is_empty()
            && v6.contains(':')
            && v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        return if ok { Ok(()) } else { Err(OriginError::Host) };
    }
    if host.is_empty() || host.len() > 253 {
        return Err(OriginError::Host);
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || c == '-'
                    || c == '_'
                    || (!c.is_ascii() && c.is_alphanumeric())
            })
    };
    if host.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(OriginError::Host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> String {
        AllowedOrigin::parse(s)
            .map(|o| o.text)
            .unwrap_or_else(|e| format!("error: {e:?}"))
    }

    #[test]
    fn origins_are_stored_normalised() {
        let table = [
            ("https://Shop.Example.com", "https://shop.example.com"),
            ("  https://shop.example.com/ ", "https://shop.example.com"),
            ("https://shop.example.com:443", "https://shop.example.com"),
            ("http://shop.example.com:80", "http://shop.example.com"),
            ("https://shop.example.com:80", "https://shop.example.com:80"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://[::1]:3000", "http://[::1]:3000"),
            ("HTTPS://*.Example.com", "https://*.example.com"),
            ("https://*.example.com:8443", "https://*.example.com:8443"),
            ("https://bücher.example", "https://bücher.example"),
        ];
        for (input, want) in table {
            assert_eq!(parsed(input), want, "{input}");
        }
    }

    #[test]
    fn bad_origins_are_refused_with_the_reason() {
        use OriginError::*;
        let table = [
            ("", Empty),
            ("   ", Empty),
            ("*", Wildcard),
            ("https://*", Wildcard),
            ("https://*.com", Wildcard),
            ("https://a.*.example.com", Wildcard),
            ("https://*example.com", Wildcard),
            ("https://**.example.com", Wildcard),
            ("*.example.com", Scheme),
            ("shop.example.com", Scheme),
            ("ftp://shop.example.com", Scheme),
            ("javascript:alert(1)", Scheme),
            ("https://shop.example.com/path", Path),
            ("https://shop.example.com?q=1", Path),
            ("https://shop.example.com#top", Path),
            ("https://shop.example.com//", Path),
            ("https://user:pw@shop.example.com", UserInfo),
            ("https://", Host),
            ("https://shop..example.com", Host),
            ("https://.example.com", Host),
            ("https://shop example.com", Host),
            ("https://-shop.example.com", Host),
            ("https://shop.example.com:", Port),
            ("https://shop.example.com:0", Port),
            ("https://shop.example.com:65536", Port),
            ("https://shop.example.com:8x", Port),
            ("http://[::1", Host),
        ];
        for (input, want) in table {
            assert_eq!(AllowedOrigin::parse(input), Err(want), "{input}");
        }
    }

    #[test]
    fn matching_table() {
        // (allowed, browser Origin, allowed?)
        let table = [
            ("https://shop.example.com", "https://shop.example.com", true),
            ("https://shop.example.com", "https://SHOP.example.com", true),
            (
                "https://shop.example.com",
                "https://shop.example.com:443",
                true,
            ),
            (
                "https://shop.example.com:443",
                "https://shop.example.com",
                true,
            ),
            ("https://shop.example.com", "http://shop.example.com", false),
            (
                "https://shop.example.com",
                "https://shop.example.com:8443",
                false,
            ),
            (
                "https://shop.example.com",
                "https://evil.example.com",
                false,
            ),
            (
                "https://shop.example.com",
                "https://shop.example.com.evil.net",
                false,
            ),
            ("https://shop.example.com", "https://example.com", false),
            ("http://localhost:8080", "http://localhost:8080", true),
            ("http://localhost:8080", "http://localhost:8081", false),
            ("http://localhost:8080", "http://127.0.0.1:8080", false),
            ("https://*.example.com", "https://shop.example.com", true),
            ("https://*.example.com", "https://eu.shop.example.com", true),
            ("https://*.example.com", "https://example.com", false),
            ("https://*.example.com", "http://shop.example.com", false),
            (
                "https://*.example.com",
                "https://shop.example.com:8443",
                false,
            ),
            ("https://*.example.com", "https://shopexample.com", false),
            (
                "https://*.example.com",
                "https://shop.example.com.evil.net",
                false,
            ),
            ("https://*.example.com", "https://evilexample.com", false),
            (
                "https://*.example.com:8443",
                "https://a.example.com:8443",
                true,
            ),
            ("https://*.example.com", "https://*.example.com", false),
            ("https://shop.example.com", "null", false),
            ("https://shop.example.com", "", false),
            ("*", "https://anything.test", false),
        ];
        for (allowed, origin, want) in table {
            assert_eq!(
                origin_allowed(&[allowed], origin),
                want,
                "{allowed} vs {origin}"
            );
        }
    }

    #[test]
    fn an_empty_list_allows_nothing() {
        assert!(!origin_allowed::<&str>(&[], "https://shop.example.com"));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Parsing is idempotent: the stored form parses to itself.
        #[test]
        fn normalised_text_parses_to_itself(s in "(https?://)?(\\*\\.)?[a-zA-Z0-9.*-]{0,20}(:[0-9]{0,6})?/?") {
            if let Ok(o) = AllowedOrigin::parse(&s) {
                let again = AllowedOrigin::parse(o.as_str()).expect("stored form parses");
                prop_assert_eq!(again.as_str(), o.as_str());
            }
        }

        /// An exact entry allows the origin it was made from, and a wildcard never its own base.
        #[test]
        fn exact_entries_match_themselves(host in "[a-z]([a-z0-9-]{0,9}[a-z0-9])?(\\.[a-z][a-z0-9]{0,8}){1,3}", port in proptest::option::of(1u16..)) {
            let origin = match port {
                Some(p) => format!("https://{host}:{p}"),
                None => format!("https://{host}"),
            };
            let exact = AllowedOrigin::parse(&origin).expect("valid");
            prop_assert!(exact.matches(&origin));
            let wildcard = AllowedOrigin::parse(&format!("https://*.{host}")).expect("valid");
            let base = format!("https://{host}");
            let sub = format!("https://www.{host}");
            prop_assert!(!wildcard.matches(&base));
            prop_assert!(wildcard.matches(&sub));
        }

        /// Any input is answered, never a panic.
        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = AllowedOrigin::parse(&s);
            let _ = origin_allowed(&["https://*.example.com"], &s);
        }
    }
}
