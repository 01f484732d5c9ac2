//! Proactive messages: a short message shown in a bubble by the widget's launcher when a visitor
//! does something (stays a while, scrolls, idles, is about to leave, opens a page, comes back),
//! before they open the chat. The loader shows it without loading the chat panel, so the rules
//! travel as small JSON ([`WidgetRule`]) and the loader evaluates them; the settings page and the
//! server parse what an admin types with [`RuleInput::parse`], and all three match pages with
//! [`PagePattern`] (the loader's copy of it is tested against the same cases in the browser).
//!
//! Field names are camelCase on the wire.

use serde::{Deserialize, Serialize};

pub use crate::form::FieldError;
use crate::text::is_forbidden_control;

pub const MAX_RULES: usize = 20;
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_MESSAGE_CHARS: usize = 280;
pub const MAX_PATTERN_CHARS: usize = 500;
/// The longest wait before a bubble shows, in seconds.
pub const MAX_DELAY_SECONDS: i64 = 600;
/// The longest time-on-page or idle time a rule may wait for, in seconds.
pub const MAX_TRIGGER_SECONDS: i64 = 3_600;
/// The longest "once per visitor every N days".
pub const MAX_CAP_DAYS: i64 = 365;

/// What makes a bubble show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// After `seconds` on the page.
    TimeOnPage { seconds: u32 },
    /// Once the visitor scrolled `percent` of the page.
    ScrollDepth { percent: u8 },
    /// After `seconds` without a mouse move, key, scroll or touch.
    Idle { seconds: u32 },
    /// The pointer leaves the top of the window (desktop only: phones have no such gesture).
    ExitIntent,
    /// As soon as a page of the rule's [`PagePattern`] opens (the pattern is required).
    PageVisit,
    /// A visitor who was on the site before, on another day.
    ReturningVisitor,
}

impl Trigger {
    pub const KINDS: [&'static str; 6] = [
        "time_on_page",
        "scroll_depth",
        "idle",
        "exit_intent",
        "page_visit",
        "returning_visitor",
    ];

    pub fn kind(self) -> &'static str {
        match self {
            Self::TimeOnPage { .. } => "time_on_page",
            Self::ScrollDepth { .. } => "scroll_depth",
            Self::Idle { .. } => "idle",
            Self::ExitIntent => "exit_intent",
            Self::PageVisit => "page_visit",
            Self::ReturningVisitor => "returning_visitor",
        }
    }

    /// The seconds or percent the trigger waits for; 0 for those with none.
    pub fn value(self) -> u32 {
        match self {
            Self::TimeOnPage { seconds } | Self::Idle { seconds } => seconds,
            Self::ScrollDepth { percent } => u32::from(percent),
            _ => 0,
        }
    }

    /// The trigger of `kind` with `value` (seconds or percent, where it takes one).
    pub fn parse(kind: &str, value: i64) -> Result<Self, FieldError> {
        let seconds = |what: &str| {
            if (1..=MAX_TRIGGER_SECONDS).contains(&value) {
                Ok(value as u32)
            } else {
                Err(FieldError::new(
                    "triggerValue",
                    "out_of_range",
                    format!("The {what} must be 1 to {MAX_TRIGGER_SECONDS} seconds."),
                ))
            }
        };
        Ok(match kind.trim() {
            "time_on_page" => Self::TimeOnPage {
                seconds: seconds("time on the page")?,
            },
            "idle" => Self::Idle {
                seconds: seconds("idle time")?,
            },
            "scroll_depth" => {
                if !(1..=100).contains(&value) {
                    return Err(FieldError::new(
                        "triggerValue",
                        "out_of_range",
                        "The scroll depth must be 1 to 100 percent.",
                    ));
                }
                Self::ScrollDepth {
                    percent: value as u8,
                }
            }
            "exit_intent" => Self::ExitIntent,
            "page_visit" => Self::PageVisit,
            "returning_visitor" => Self::ReturningVisitor,
            other => {
                return Err(FieldError::new(
                    "trigger",
                    "unknown_trigger",
                    format!(
                        "{other:?} is not a trigger: use one of {}.",
                        Self::KINDS.join(", ")
                    ),
                ))
            }
        })
    }
}

/// How often one visitor may see a rule's bubble. Never again, either way, once they closed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cap {
    /// Once per browsing session (until the browser tab's session ends).
    OncePerSession,
    /// Once per visitor every `days` days.
    EveryDays(u16),
}

/// Which pages a rule applies on, as an admin writes it:
/// - a path (`/pricing`) matches that path on any host of the site; a full URL
///   (`https://shop.example/pricing`) only on that origin;
/// - an exact page ignores the query and the fragment (`/pricing?utm=x#plans` is `/pricing`) and
///   a trailing slash;
/// - a final `*` matches the page and everything under it (`/blog/*`: `/blog`, `/blog/a/b`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PagePattern {
    /// `scheme://host[:port]`, lower-cased; `None`: any origin.
    origin: Option<String>,
    /// Without a trailing slash (except the root `/`).
    path: String,
    prefix: bool,
}

impl PagePattern {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let text = input.trim();
        let invalid = |why: &str| {
            Err(FieldError::new(
                "pages",
                "invalid_pattern",
                format!("{text:?} is not a page pattern: {why}."),
            ))
        };
        if text.is_empty() {
            return invalid("write a path such as /pricing, or a full URL");
        }
        if text.chars().count() > MAX_PATTERN_CHARS {
            return Err(FieldError::new(
                "pages",
                "too_long",
                format!("The page pattern is longer than {MAX_PATTERN_CHARS} characters."),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_whitespace() || is_forbidden_control(c))
        {
            return invalid("it holds spaces or control characters");
        }
        let (body, prefix) = match text.strip_suffix('*') {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        if body.contains('*') {
            return invalid("a * may only end it (/blog/*)");
        }
        let (origin, path) = if body.starts_with('/') {
            (None, body)
        } else {
            match split_url(body) {
                Some((origin, path)) => (Some(origin), path),
                None => return invalid("write a path starting with / or an http(s) URL"),
            }
        };
        if path.contains(['?', '#']) {
            return invalid("pages are matched without their query or fragment (? and #)");
        }
        Ok(Self {
            origin,
            path: normal_path(path),
            prefix,
        })
    }

    /// True when the page at `url` (a full URL, as `location.href` gives it) is one of the
    /// pattern's.
    pub fn matches(&self, url: &str) -> bool {
        let Some((origin, rest)) = split_url(url.trim()) else {
            return false;
        };
        if self.origin.as_ref().is_some_and(|o| *o != origin) {
            return false;
        }
        let path = normal_path(rest.split(['?', '#']).next().unwrap_or("/"));
        if !self.prefix {
            return path == self.path;
        }
        let base = self.path.trim_end_matches('/');
        path == self.path
            || base.is_empty()
            || path == base
            || path
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl std::fmt::Display for PagePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(origin) = &self.origin {
            f.write_str(origin)?;
        }
        f.write_str(&self.path)?;
        if self.prefix {
            if !self.path.ends_with('/') {
                f.write_str("/")?;
            }
            f.write_str("*")?;
        }
        Ok(())
    }
}

/// `("scheme://host[:port]" lower-cased, "/path…")` of an http(s) URL.
fn split_url(url: &str) -> Option<(String, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    if host.is_empty() || host.contains('@') {
        return None;
    }
    let path = &rest[end..];
    let path = if path.starts_with('/') { path } else { "/" };
    Some((format!("{scheme}://{}", host.to_ascii_lowercase()), path))
}

fn normal_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A rule as an admin types it (the settings form and `PUT …/proactive`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleInput {
    /// The rule's id when it was saved before (its counts follow it); `None` for a new rule.
    pub id: Option<String>,
    pub name: String,
    pub active: bool,
    /// One of [`Trigger::KINDS`].
    pub trigger: String,
    /// Seconds (time on page, idle) or percent (scroll depth); ignored by the other triggers.
    pub trigger_value: i64,
    /// A [`PagePattern`]; empty: every page (a `page_visit` rule needs one).
    pub pages: String,
    pub message: String,
    /// Seconds between the trigger and the bubble.
    pub delay_seconds: i64,
    /// Once per visitor every this many days; `None`: once per browsing session.
    pub cap_days: Option<i64>,
}

impl Default for RuleInput {
    fn default() -> Self {
        Self {
            id: None,
            name: String::new(),
            active: true,
            trigger: "time_on_page".to_owned(),
            trigger_value: 30,
            pages: String::new(),
            message: String::new(),
            delay_seconds: 0,
            cap_days: None,
        }
    }
}

/// A rule once its input is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub active: bool,
    pub trigger: Trigger,
    pub pages: Option<PagePattern>,
    pub message: String,
    pub delay_seconds: u32,
    pub cap: Cap,
}

impl RuleInput {
    pub fn parse(&self) -> Result<Rule, FieldError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(FieldError::new("name", "empty", "The rule needs a name."));
        }
        check_text("name", name, MAX_NAME_CHARS)?;
        let trigger = Trigger::parse(&self.trigger, self.trigger_value)?;
        let pages = match self.pages.trim() {
            "" => None,
            text => Some(PagePattern::parse(text)?),
        };
        if trigger == Trigger::PageVisit && pages.is_none() {
            return Err(FieldError::new(
                "pages",
                "empty",
                "A page-visit rule needs the pages it shows on (e.g. /pricing or /blog/*).",
            ));
        }
        let message = self.message.trim();
        if message.is_empty() {
            return Err(FieldError::new("message", "empty", "The message is empty."));
        }
        check_text("message", message, MAX_MESSAGE_CHARS)?;
        if !(0..=MAX_DELAY_SECONDS).contains(&self.delay_seconds) {
            return Err(FieldError::new(
                "delaySeconds",
                "out_of_range",
                format!("The delay must be 0 to {MAX_DELAY_SECONDS} seconds."),
            ));
        }
        let cap = match self.cap_days {
            None => Cap::OncePerSession,
            Some(days) if (1..=MAX_CAP_DAYS).contains(&days) => Cap::EveryDays(days as u16),
            Some(_) => {
                return Err(FieldError::new(
                    "capDays",
                    "out_of_range",
                    format!("Once every 1 to {MAX_CAP_DAYS} days, or once per session."),
                ))
            }
        };
        Ok(Rule {
            name: name.to_owned(),
            active: self.active,
            trigger,
            pages,
            message: message.to_owned(),
            delay_seconds: self.delay_seconds as u32,
            cap,
        })
    }
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), FieldError> {
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("It is longer than {max} characters."),
        ));
    }
    if text.chars().any(|c| c != '\n' && is_forbidden_control(c)) {
        return Err(FieldError::new(
            field,
            "control_character",
            "It holds a control character.",
        ));
    }
    Ok(())
}

/// What the loader gets for each active rule (`GET /api/widgets/{tenant}/proactive`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetRule {
    pub id: String,
    /// One of [`Trigger::KINDS`].
    pub trigger: String,
    pub trigger_value: u32,
    /// The pattern as [`PagePattern`] prints it; `None`: every page.
    pub pages: Option<String>,
    pub message: String,
    pub delay_seconds: u32,
    /// `None`: once per browsing session.
    pub cap_days: Option<u16>,
}

impl WidgetRule {
    pub fn new(id: String, rule: &Rule) -> Self {
        Self {
            id,
            trigger: rule.trigger.kind().to_owned(),
            trigger_value: rule.trigger.value(),
            pages: rule.pages.as_ref().map(ToString::to_string),
            message: rule.message.clone(),
            delay_seconds: rule.delay_seconds,
            cap_days: match rule.cap {
                Cap::OncePerSession => None,
                Cap::EveryDays(days) => Some(days),
            },
        }
    }
}

/// What happened to a bubble, as the loader reports it (`POST /api/widgets/{tenant}/track`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BubbleEvent {
    Shown,
    Opened,
    Dismissed,
}

impl BubbleEvent {
    pub const ALL: [Self; 3] = [Self::Shown, Self::Opened, Self::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shown => "shown",
            Self::Opened => "opened",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// The body of `POST /api/widgets/{tenant}/track`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackRequest {
    pub rule_id: String,
    /// `shown`, `opened` or `dismissed`.
    pub event: String,
}

/// A workspace's proactive messages as the settings page edits them
/// (`GET|PUT /api/dashboard/settings/proactive`): rules in the order they are tried.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProactiveSettingsView {
    /// Off: no visitor sees any bubble, whatever the rules say.
    pub enabled: bool,
    pub rules: Vec<RuleInput>,
}

/// What the visitors did with one rule's bubble over the last [`ProactivePage::days`] days.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleCounts {
    pub rule_id: String,
    pub shown: i64,
    pub opened: i64,
    pub dismissed: i64,
}

/// The settings page's data: the settings (every rule with its id) and each rule's counts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProactivePage {
    pub settings: ProactiveSettingsView,
    /// One per rule that has any (a rule without is all zeros).
    pub counts: Vec<RuleCounts>,
    /// How many days, today included (UTC), the counts cover.
    pub days: u32,
}

/// `GET /api/widgets/{tenant}/proactive`: the active rules, in order; none when the workspace
/// turned proactive messages off.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetProactive {
    pub rules: Vec<WidgetRule>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(s: &str) -> PagePattern {
        PagePattern::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn an_exact_page_ignores_the_query_the_fragment_and_a_trailing_slash() {
        let p = pattern("/pricing");
        for url in [
            "https://shop.example/pricing",
            "https://shop.example/pricing/",
            "https://shop.example/pricing?utm_source=mail",
            "https://shop.example/pricing#plans",
            "http://www.shop.example/pricing?a=1#b",
        ] {
            assert!(p.matches(url), "{url}");
        }
        for url in [
            "https://shop.example/pricing/team",
            "https://shop.example/pricings",
            "https://shop.example/",
            "https://shop.example/blog/pricing",
        ] {
            assert!(!p.matches(url), "{url}");
        }
    }

    #[test]
    fn a_star_matches_the_page_and_everything_under_it() {
        let p = pattern("/blog/*");
        for url in [
            "https://shop.example/blog",
            "https://shop.example/blog/",
            "https://shop.example/blog/beans",
            "https://shop.example/blog/2026/beans?x=1",
        ] {
            assert!(p.matches(url), "{url}");
        }
        for url in ["https://shop.example/blogger", "https://shop.example/"] {
            assert!(!p.matches(url), "{url}");
        }
        assert!(pattern("/*").matches("https://shop.example/anything/at/all"));
        assert!(pattern("/blog*").matches("https://shop.example/blog/a"));
        assert!(!pattern("/blog*").matches("https://shop.example/blogger"));
    }

    #[test]
    fn a_full_url_matches_only_on_its_origin() {
        let p = pattern("https://Shop.Example/pricing");
        assert!(p.matches("https://shop.example/pricing?x"));
        assert!(!p.matches("http://shop.example/pricing"));
        assert!(!p.matches("https://other.example/pricing"));
        assert!(!p.matches("https://shop.example:8443/pricing"));
        assert!(pattern("https://shop.example").matches("https://shop.example/?a"));
        assert_eq!(p.to_string(), "https://shop.example/pricing");
        assert_eq!(pattern("/blog/*").to_string(), "/blog/*");
        assert_eq!(pattern("/blog*").to_string(), "/blog/*");
        // What it prints parses back to the same pattern: the loader gets the printed form.
        for s in ["/pricing/", "/blog/*", "https://a.example/x*", "/*", "/"] {
            assert_eq!(pattern(&pattern(s).to_string()), pattern(s), "{s}");
        }
    }

    /// The cases the loader's `pageMatches` is tested on in the browser, with the printed form
    /// the loader gets.
    #[test]
    fn the_shared_page_cases_hold() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/page_patterns.json"))
                .expect("fixture");
        for case in fixture["cases"].as_array().expect("cases") {
            let p = pattern(case["pattern"].as_str().unwrap());
            let printed = case["printed"].as_str().unwrap();
            let url = case["url"].as_str().unwrap();
            assert_eq!(p.to_string(), printed, "{case}");
            assert_eq!(pattern(printed), p, "{case}");
            assert_eq!(p.matches(url), case["matches"].as_bool().unwrap(), "{case}");
        }
    }

    #[test]
    fn bad_patterns_and_bad_page_urls_are_refused() {
        for bad in [
            "",
            "pricing",
            "/bl*og",
            "/a b",
            "ftp://shop.example/x",
            "https:///x",
            "/pricing?plan=1",
            "javascript:alert(1)",
        ] {
            assert!(PagePattern::parse(bad).is_err(), "{bad:?}");
        }
        let p = pattern("/pricing");
        for url in ["", "/pricing", "file:///pricing", "javascript:/pricing"] {
            assert!(!p.matches(url), "{url:?}");
        }
    }

    fn input() -> RuleInput {
        RuleInput {
            name: "Pricing help".into(),
            trigger: "time_on_page".into(),
            trigger_value: 20,
            pages: "/pricing".into(),
            message: "Questions about plans? We're here.".into(),
            delay_seconds: 2,
            cap_days: Some(7),
            ..RuleInput::default()
        }
    }

    #[test]
    fn a_rule_parses_into_what_the_loader_gets() {
        let rule = input().parse().expect("valid");
        assert_eq!(rule.trigger, Trigger::TimeOnPage { seconds: 20 });
        assert_eq!(rule.cap, Cap::EveryDays(7));
        let sent = WidgetRule::new("pr_1".into(), &rule);
        assert_eq!(sent.trigger, "time_on_page");
        assert_eq!(sent.trigger_value, 20);
        assert_eq!(sent.pages.as_deref(), Some("/pricing"));
        assert_eq!(sent.cap_days, Some(7));
        let json = serde_json::to_value(&sent).expect("json");
        assert_eq!(json["delaySeconds"], 2);
        assert_eq!(json["capDays"], 7);
        let once = RuleInput {
            cap_days: None,
            trigger: "exit_intent".into(),
            ..input()
        };
        let rule = once.parse().expect("valid");
        assert_eq!(rule.cap, Cap::OncePerSession);
        assert_eq!(WidgetRule::new("pr_2".into(), &rule).trigger_value, 0);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(RuleInput, &str)> = vec![
            (
                RuleInput {
                    name: " ".into(),
                    ..input()
                },
                "name",
            ),
            (
                RuleInput {
                    name: "x".repeat(81),
                    ..input()
                },
                "name",
            ),
            (
                RuleInput {
                    trigger: "hover".into(),
                    ..input()
                },
                "trigger",
            ),
            (
                RuleInput {
                    trigger_value: 0,
                    ..input()
                },
                "triggerValue",
            ),
            (
                RuleInput {
                    trigger_value: 3_601,
                    ..input()
                },
                "triggerValue",
            ),
            (
                RuleInput {
                    trigger: "scroll_depth".into(),
                    trigger_value: 101,
                    ..input()
                },
                "triggerValue",
            ),
            (
                RuleInput {
                    trigger: "page_visit".into(),
                    pages: String::new(),
                    ..input()
                },
                "pages",
            ),
            (
                RuleInput {
                    pages: "pricing".into(),
                    ..input()
                },
                "pages",
            ),
            (
                RuleInput {
                    message: "\n ".into(),
                    ..input()
                },
                "message",
            ),
            (
                RuleInput {
                    message: "y".repeat(281),
                    ..input()
                },
                "message",
            ),
            (
                RuleInput {
                    message: "a\u{0}b".into(),
                    ..input()
                },
                "message",
            ),
            (
                RuleInput {
                    delay_seconds: -1,
                    ..input()
                },
                "delaySeconds",
            ),
            (
                RuleInput {
                    delay_seconds: 601,
                    ..input()
                },
                "delaySeconds",
            ),
            (
                RuleInput {
                    cap_days: Some(0),
                    ..input()
                },
                "capDays",
            ),
            (
                RuleInput {
                    cap_days: Some(366),
                    ..input()
                },
                "capDays",
            ),
        ];
        for (bad, field) in cases {
            let error = bad.parse().expect_err(field);
            assert_eq!(error.field, field, "{bad:?}");
            assert!(!error.message.is_empty());
        }
    }

    #[test]
    fn bubble_events_are_three_words() {
        for event in BubbleEvent::ALL {
            assert_eq!(BubbleEvent::parse(event.as_str()), Some(event));
        }
        assert_eq!(BubbleEvent::parse("clicked"), None);
    }
}
