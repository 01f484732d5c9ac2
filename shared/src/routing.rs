//! Routing rules, handoff settings and business hours as `/api/dashboard/settings/routing/…`
//! exchanges them, with the parsers both the settings page and the server run on what an admin
//! types. Field names are camelCase on the wire. The time zone is the one thing only the server
//! can check (it holds the time zone database).
//!
//! Endpoints (under `/api/dashboard/settings/routing`; admins and owners only):
//! - `GET /rules` → `Vec<`[`RuleView`]`>` in evaluation order; `POST /rules` [`RuleInput`] → 201
//!   [`RuleView`]; `PUT /rules/{id}` [`RuleInput`] → [`RuleView`]; `DELETE /rules/{id}` → 204.
//! - `PUT /rules/order` [`RuleOrder`] → `Vec<`[`RuleView`]`>`.
//! - `GET|PUT /handoff` ([`HandoffForm`]) → [`HandoffPage`].
//! - `POST /test` [`TestRequest`] → [`TestResult`]: which rule would match, and why for each.

use serde::{Deserialize, Serialize};

use crate::api::Channel;
use crate::assistant_settings::CHANNELS;
use crate::text::is_forbidden_control;

pub const MAX_RULE_NAME_CHARS: usize = 80;
pub const MAX_PRIORITY: i64 = 100;
pub const MAX_KEYWORDS: usize = 50;
pub const MAX_KEYWORD_CHARS: usize = 60;
pub const MAX_INTENT_CHARS: usize = 40;
pub const MAX_TEMPLATE_CHARS: usize = 500;
pub const MAX_RANGES: usize = 28;
/// The allowed range of `maxHandoffs` and `failuresBeforeHuman`.
pub const HANDOFF_LIMITS: (i64, i64) = (1, 10);
/// The intents every workspace starts with; the settings page suggests them.
pub const DEFAULT_INTENTS: [&str; 5] = ["sales", "support", "billing", "technical", "general"];
/// The placeholders a handoff template may use.
pub const PLACEHOLDERS: [&str; 3] = ["{agent_name}", "{customer_intent}", "{task_description}"];

/// When a rule applies, by the workspace's business hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeWindow {
    #[default]
    Any,
    BusinessHours,
    AfterHours,
}

impl TimeWindow {
    pub const ALL: [Self; 3] = [Self::Any, Self::BusinessHours, Self::AfterHours];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::BusinessHours => "business_hours",
            Self::AfterHours => "after_hours",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s.trim())
    }
}

/// Where a matching rule sends the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum RuleTarget {
    /// One of the workspace's assistants.
    Assistant {
        #[serde(rename = "assistantId")]
        assistant_id: String,
    },
    /// The human team: the conversation waits for a teammate.
    Human,
}

/// How the handoff message reads when no custom template is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStyle {
    #[default]
    Default,
    Professional,
    Casual,
    Brief,
    Detailed,
}

impl MessageStyle {
    pub const ALL: [Self; 5] = [
        Self::Default,
        Self::Professional,
        Self::Casual,
        Self::Brief,
        Self::Detailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Professional => "professional",
            Self::Casual => "casual",
            Self::Brief => "brief",
            Self::Detailed => "detailed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }

    /// The fixed template of the style, used when the workspace has no custom one.
    pub fn template(self) -> &'static str {
        match self {
            Self::Default => "I'm passing you to {agent_name}, who handles {task_description}.",
            Self::Professional => {
                "Thank you for your patience. I am transferring you to {agent_name}, who \
                 specialises in {task_description}."
            }
            Self::Casual => {
                "Let me get {agent_name} for you, they're great with {task_description}!"
            }
            Self::Brief => "Transferring you to {agent_name}.",
            Self::Detailed => {
                "Your question is about {customer_intent}. I'm passing you to {agent_name}, who \
                 handles {task_description} and can help you best from here."
            }
        }
    }
}

/// What is wrong with one field of a form, for a 422 that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON name of the field.
    pub field: &'static str,
    /// A stable machine code, e.g. `out_of_range`.
    pub code: &'static str,
    /// What is wrong, as a sentence.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The body of `POST /rules` and `PUT /rules/{id}`: the whole rule as an admin types it. Text
/// where a wrong value must be a 422 naming the field, not an unreadable body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleInput {
    pub name: String,
    /// 0–100, higher first.
    pub priority: i64,
    pub active: bool,
    /// Any of them, as a whole word or phrase, case-insensitive; empty: no keyword condition.
    pub keywords: Vec<String>,
    /// An intent key such as `billing`; `None` or empty: no intent condition.
    pub intent: Option<String>,
    /// `web`, `sms`, `email`, `voice`; empty: every channel.
    pub channels: Vec<String>,
    /// `any`, `business_hours` or `after_hours`.
    pub time_window: String,
    /// `assistant` or `human`.
    pub target_kind: String,
    /// With `targetKind: assistant`.
    pub target_assistant_id: Option<String>,
}

impl Default for RuleInput {
    fn default() -> Self {
        Self {
            name: String::new(),
            priority: 50,
            active: true,
            keywords: Vec::new(),
            intent: None,
            channels: Vec::new(),
            time_window: TimeWindow::Any.as_str().to_owned(),
            target_kind: "assistant".to_owned(),
            target_assistant_id: None,
        }
    }
}

/// A [`RuleInput`] that passed [`RuleInput::parse`]: what the server stores and audits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSettings {
    pub name: String,
    pub priority: u8,
    pub active: bool,
    /// Trimmed, lowercase, without duplicates.
    pub keywords: Vec<String>,
    pub intent: Option<String>,
    /// In [`CHANNELS`] order; empty: every channel.
    pub channels: Vec<Channel>,
    pub time_window: TimeWindow,
    pub target: RuleTarget,
}

fn check_text(field: &'static str, what: &str, text: &str, max: usize) -> Result<(), FieldError> {
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("The {what} is longer than {max} characters."),
        ));
    }
    if text.chars().any(is_forbidden_control) {
        return Err(FieldError::new(
            field,
            "control_character",
            format!("The {what} contains an invisible control character."),
        ));
    }
    Ok(())
}

/// An intent key: lowercase letters, digits, `_` and `-`.
pub fn parse_intent(text: &str) -> Result<Option<String>, FieldError> {
    let key = text.trim().to_lowercase();
    if key.is_empty() {
        return Ok(None);
    }
    check_text("intent", "intent", &key, MAX_INTENT_CHARS)?;
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(FieldError::new(
            "intent",
            "invalid_intent",
            format!("{key:?} is not an intent key: use letters, digits, _ and - (e.g. billing)."),
        ));
    }
    Ok(Some(key))
}

/// Known channels in [`CHANNELS`] order; an empty list means every channel.
pub fn parse_rule_channels(input: &[String]) -> Result<Vec<Channel>, FieldError> {
    let mut chosen = Vec::new();
    for name in input {
        let channel = Channel::parse(name.trim()).ok_or_else(|| {
            FieldError::new(
                "channels",
                "unknown_channel",
                format!("{name:?} is not a channel; choose from web, sms, email and voice."),
            )
        })?;
        chosen.push(channel);
    }
    Ok(CHANNELS
        .into_iter()
        .filter(|c| chosen.contains(c))
        .collect())
}

fn parse_keywords(input: &[String]) -> Result<Vec<String>, FieldError> {
    let mut keywords: Vec<String> = Vec::new();
    for raw in input {
        let keyword = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let keyword = keyword.to_lowercase();
        if keyword.is_empty() || keywords.contains(&keyword) {
            continue;
        }
        check_text("keywords", "keyword", &keyword, MAX_KEYWORD_CHARS)?;
        keywords.push(keyword);
    }
    if keywords.len() > MAX_KEYWORDS {
        return Err(FieldError::new(
            "keywords",
            "too_many",
            format!("A rule takes at most {MAX_KEYWORDS} keywords."),
        ));
    }
    Ok(keywords)
}

impl RuleInput {
    /// Checks every field; the first bad one is named.
    pub fn parse(&self) -> Result<RuleSettings, FieldError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(FieldError::new("name", "required", "Give the rule a name."));
        }
        check_text("name", "name", &name, MAX_RULE_NAME_CHARS)?;
        let priority = u8::try_from(self.priority)
            .ok()
            .filter(|p| i64::from(*p) <= MAX_PRIORITY)
            .ok_or_else(|| {
                FieldError::new(
                    "priority",
                    "out_of_range",
                    format!(
                        "The priority is {}; it must be from 0 to {MAX_PRIORITY}.",
                        self.priority
                    ),
                )
            })?;
        let keywords = parse_keywords(&self.keywords)?;
        let intent = parse_intent(self.intent.as_deref().unwrap_or_default())?;
        let channels = parse_rule_channels(&self.channels)?;
        let time_window = TimeWindow::parse(&self.time_window).ok_or_else(|| {
            FieldError::new(
                "timeWindow",
                "unknown_time_window",
                format!(
                    "{:?} is not a time window; choose any, business_hours or after_hours.",
                    self.time_window
                ),
            )
        })?;
        let target = match self.target_kind.trim() {
            "human" => RuleTarget::Human,
            "assistant" => {
                let id = self
                    .target_assistant_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| {
                        FieldError::new(
                            "targetAssistantId",
                            "required",
                            "Choose the assistant this rule routes to.",
                        )
                    })?;
                RuleTarget::Assistant {
                    assistant_id: id.to_owned(),
                }
            }
            other => {
                return Err(FieldError::new(
                    "targetKind",
                    "unknown_target",
                    format!("{other:?} is not a target; choose assistant or human."),
                ))
            }
        };
        Ok(RuleSettings {
            name,
            priority,
            active: self.active,
            keywords,
            intent,
            channels,
            time_window,
            target,
        })
    }
}

/// One rule as the settings list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub id: String,
    pub name: String,
    pub priority: u8,
    pub active: bool,
    pub keywords: Vec<String>,
    pub intent: Option<String>,
    pub channels: Vec<Channel>,
    pub time_window: TimeWindow,
    pub target: RuleTarget,
    /// The target assistant's name, when the target is an assistant that still exists.
    pub target_name: Option<String>,
    /// Breaks ties among rules of equal priority: lower first.
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RuleView {
    /// The form's starting values for editing this rule.
    pub fn to_input(&self) -> RuleInput {
        let (target_kind, target_assistant_id) = match &self.target {
            RuleTarget::Assistant { assistant_id } => ("assistant", Some(assistant_id.clone())),
            RuleTarget::Human => ("human", None),
        };
        RuleInput {
            name: self.name.clone(),
            priority: i64::from(self.priority),
            active: self.active,
            keywords: self.keywords.clone(),
            intent: self.intent.clone(),
            channels: self
                .channels
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            time_window: self.time_window.as_str().to_owned(),
            target_kind: target_kind.to_owned(),
            target_assistant_id,
        }
    }
}

/// `PUT /rules/order`: every rule id, in the order rules of equal priority are tried.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleOrder {
    pub ids: Vec<String>,
}

/// The days of the week, Monday first, as the wire names them.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// One opening as typed: `day` opens at `open` and closes at `close` (`HH:MM`, 24-hour; a close
/// at or before the open is the next day's, e.g. 22:00–02:00; `24:00` is midnight).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HoursRange {
    pub day: String,
    pub open: String,
    pub close: String,
}

/// A parsed opening: weekday 0 = Monday, minutes since midnight. `close_min <= open_min` means
/// it closes the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opening {
    pub weekday: u8,
    pub open_min: u16,
    pub close_min: u16,
}

const WEEK_MINUTES: u32 = 7 * 1440;

impl Opening {
    /// How long it stays open, in minutes.
    pub fn length_min(self) -> u32 {
        if self.close_min > self.open_min {
            u32::from(self.close_min - self.open_min)
        } else {
            u32::from(self.close_min) + 1440 - u32::from(self.open_min)
        }
    }

    /// Minutes since Monday 00:00 at which it opens.
    pub fn start_in_week(self) -> u32 {
        u32::from(self.weekday) * 1440 + u32::from(self.open_min)
    }

    /// Whether it is open at `weekday` (0 = Monday), `minute` since midnight (local time).
    pub fn contains(self, weekday: u8, minute: u16) -> bool {
        let at = u32::from(weekday) * 1440 + u32::from(minute);
        let since_open = (at + WEEK_MINUTES - self.start_in_week()) % WEEK_MINUTES;
        since_open < self.length_min()
    }

    pub fn to_range(self) -> HoursRange {
        HoursRange {
            day: WEEKDAYS
                .get(usize::from(self.weekday))
                .copied()
                .unwrap_or("monday")
                .to_owned(),
            open: format_minutes(self.open_min),
            close: format_minutes(self.close_min),
        }
    }
}

/// `9:05` → `"09:05"`; 1440 → `"24:00"`.
pub fn format_minutes(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `"09:00"` → 540; `"24:00"` only where `allow_midnight_end`.
fn parse_clock(text: &str, allow_midnight_end: bool) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m > 59 {
        return None;
    }
    match (h, m) {
        (24, 0) if allow_midnight_end => Some(1440),
        (0..=23, _) => Some(h * 60 + m),
        _ => None,
    }
}

/// Parses and checks weekly hours: known days, valid clock times, no empty and no overlapping
/// openings (overnight ones included). Sorted by when they open in the week.
pub fn parse_weekly_hours(ranges: &[HoursRange]) -> Result<Vec<Opening>, FieldError> {
    let bad = |code, message: String| FieldError::new("weeklyHours", code, message);
    if ranges.len() > MAX_RANGES {
        return Err(bad(
            "too_many",
            format!("At most {MAX_RANGES} openings a week."),
        ));
    }
    let mut openings = Vec::with_capacity(ranges.len());
    for range in ranges {
        let day = range.day.trim().to_lowercase();
        let weekday = WEEKDAYS.iter().position(|d| *d == day).ok_or_else(|| {
            bad(
                "unknown_day",
                format!("{:?} is not a day of the week.", range.day),
            )
        })?;
        let open = parse_clock(&range.open, false).ok_or_else(|| {
            bad(
                "invalid_time",
                format!("{day}: {:?} is not a time like 09:00.", range.open),
            )
        })?;
        let close = parse_clock(&range.close, true).ok_or_else(|| {
            bad(
                "invalid_time",
                format!("{day}: {:?} is not a time like 17:30.", range.close),
            )
        })?;
        if open == close {
            return Err(bad(
                "empty_range",
                format!("{day}: opens and closes at the same time."),
            ));
        }
        openings.push(Opening {
            weekday: u8::try_from(weekday).unwrap_or_default(),
            open_min: open,
            close_min: close,
        });
    }
    openings.sort_by_key(|o| o.start_in_week());
    // On the week's circle, each opening must end before the next one starts.
    for (i, current) in openings.iter().enumerate() {
        let Some(next) = openings.get(i + 1).or(openings.first().filter(|_| i > 0)) else {
            continue;
        };
        let gap = (next.start_in_week() + WEEK_MINUTES - current.start_in_week()) % WEEK_MINUTES;
        if current.length_min() > gap {
            let (a, b) = (current.to_range(), next.to_range());
            return Err(bad(
                "overlapping_hours",
                format!(
                    "{} {}–{} overlaps {} {}–{}.",
                    a.day, a.open, a.close, b.day, b.open, b.close
                ),
            ));
        }
    }
    Ok(openings)
}

/// The body of `PUT /handoff` and the settings in `GET /handoff`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HandoffForm {
    /// Off: conversations stay with the assistant routing first picked.
    pub handoff_enabled: bool,
    /// Per conversation, 1–10; past it the conversation goes to a human.
    pub max_handoffs: i64,
    /// Replies in a row that could not answer before a human takes over, 1–10.
    pub failures_before_human: i64,
    /// `default`, `professional`, `casual`, `brief` or `detailed`.
    pub message_style: String,
    /// Empty: the style's template. May use [`PLACEHOLDERS`].
    pub handoff_template: String,
    /// An IANA time zone name, e.g. `Europe/London`.
    pub time_zone: String,
    /// When the human team answers; empty: never (always after hours).
    pub weekly_hours: Vec<HoursRange>,
}

impl Default for HandoffForm {
    fn default() -> Self {
        HandoffSettings::default().to_form()
    }
}

/// A [`HandoffForm`] that passed [`HandoffForm::parse`] (the time zone is checked by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandoffSettings {
    pub handoff_enabled: bool,
    pub max_handoffs: u8,
    pub failures_before_human: u8,
    pub message_style: MessageStyle,
    pub handoff_template: String,
    pub time_zone: String,
    pub weekly_hours: Vec<Opening>,
}

impl Default for HandoffSettings {
    /// A workspace without saved settings: handoffs on, 3 per conversation, a human after 2
    /// failed replies, Monday to Friday 9:00–17:00 UTC.
    fn default() -> Self {
        Self {
            handoff_enabled: true,
            max_handoffs: 3,
            failures_before_human: 2,
            message_style: MessageStyle::Default,
            handoff_template: String::new(),
            time_zone: "UTC".to_owned(),
            weekly_hours: (0..5)
                .map(|weekday| Opening {
                    weekday,
                    open_min: 9 * 60,
                    close_min: 17 * 60,
                })
                .collect(),
        }
    }
}

impl HandoffSettings {
    pub fn to_form(&self) -> HandoffForm {
        HandoffForm {
            handoff_enabled: self.handoff_enabled,
            max_handoffs: i64::from(self.max_handoffs),
            failures_before_human: i64::from(self.failures_before_human),
            message_style: self.message_style.as_str().to_owned(),
            handoff_template: self.handoff_template.clone(),
            time_zone: self.time_zone.clone(),
            weekly_hours: self.weekly_hours.iter().map(|o| o.to_range()).collect(),
        }
    }

    /// The template in force: the custom one, else the style's.
    pub fn template(&self) -> &str {
        if self.handoff_template.is_empty() {
            self.message_style.template()
        } else {
            &self.handoff_template
        }
    }
}

fn parse_limit(field: &'static str, value: i64) -> Result<u8, FieldError> {
    let (low, high) = HANDOFF_LIMITS;
    if (low..=high).contains(&value) {
        Ok(u8::try_from(value).unwrap_or_default())
    } else {
        Err(FieldError::new(
            field,
            "out_of_range",
            format!("{value} is out of range: choose from {low} to {high}."),
        ))
    }
}

/// A template: within [`MAX_TEMPLATE_CHARS`], and every `{…}` one of [`PLACEHOLDERS`].
pub fn parse_template(text: &str) -> Result<String, FieldError> {
    let template = text.trim().to_owned();
    check_text("handoffTemplate", "template", &template, MAX_TEMPLATE_CHARS)?;
    let mut rest = template.as_str();
    while let Some(start) = rest.find('{') {
        let after = &rest[start..];
        let end = after.find('}').map_or(after.len(), |e| e + 1);
        let placeholder = &after[..end];
        if !PLACEHOLDERS.contains(&placeholder) {
            return Err(FieldError::new(
                "handoffTemplate",
                "unknown_placeholder",
                format!(
                    "{placeholder} is not a placeholder; use {{agent_name}}, {{customer_intent}} \
                     or {{task_description}}."
                ),
            ));
        }
        rest = &after[end..];
    }
    Ok(template)
}

impl HandoffForm {
    /// Checks every field but the time zone's existence; the first bad one is named.
    pub fn parse(&self) -> Result<HandoffSettings, FieldError> {
        let max_handoffs = parse_limit("maxHandoffs", self.max_handoffs)?;
        let failures_before_human = parse_limit("failuresBeforeHuman", self.failures_before_human)?;
        let message_style = MessageStyle::parse(&self.message_style).ok_or_else(|| {
            FieldError::new(
                "messageStyle",
                "unknown_style",
                format!(
                    "{:?} is not a message style; choose default, professional, casual, brief \
                     or detailed.",
                    self.message_style
                ),
            )
        })?;
        let handoff_template = parse_template(&self.handoff_template)?;
        let time_zone = self.time_zone.trim().to_owned();
        if time_zone.is_empty() {
            return Err(FieldError::new(
                "timeZone",
                "required",
                "Choose a time zone, e.g. Europe/London.",
            ));
        }
        check_text("timeZone", "time zone", &time_zone, 64)?;
        let weekly_hours = parse_weekly_hours(&self.weekly_hours)?;
        Ok(HandoffSettings {
            handoff_enabled: self.handoff_enabled,
            max_handoffs,
            failures_before_human,
            message_style,
            handoff_template,
            time_zone,
            weekly_hours,
        })
    }
}

/// `GET|PUT /handoff` answer: the settings and what the hours mean right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandoffPage {
    pub settings: HandoffForm,
    /// Whether the human team is within business hours now.
    pub open_now: bool,
    /// What a visitor handed to humans outside the hours is told, e.g. "We're back Monday at
    /// 9:00 (Europe/London)."; `None` while open.
    pub closed_message: Option<String>,
}

/// A detected intent as the test box gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentGuess {
    pub key: String,
    /// 0–1.
    pub confidence: f32,
}

/// `POST /test`: how would this message be routed?
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TestRequest {
    pub message: String,
    /// `web`, `sms`, `email` or `voice`; empty: `web`.
    pub channel: String,
    /// Absent: the intent is unknown (no intent condition holds).
    pub intent: Option<IntentGuess>,
    /// Unix milliseconds to evaluate at; absent: now.
    pub at: Option<i64>,
}

/// One rule's verdict in a test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleCheckView {
    pub rule_id: String,
    pub rule_name: String,
    pub matched: bool,
    /// Why it matched or not, e.g. "keyword \"refund\" found; channel web allowed".
    pub why: String,
}

/// Where a test message goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum TestTarget {
    /// A rule picked this assistant.
    Assistant {
        #[serde(rename = "assistantId")]
        assistant_id: String,
        #[serde(rename = "assistantName")]
        assistant_name: String,
    },
    /// A rule picked the human team.
    Human,
    /// No rule matched: the channel's default assistant, else the workspace default (`None`
    /// when the workspace has no assistant).
    Default {
        #[serde(rename = "assistantId")]
        assistant_id: Option<String>,
        #[serde(rename = "assistantName")]
        assistant_name: Option<String>,
    },
}

/// `POST /test` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    /// The rule that matched first, if any.
    pub rule_id: Option<String>,
    pub rule_name: Option<String>,
    pub target: TestTarget,
    /// Every active rule in evaluation order up to the match (inactive ones are listed as
    /// skipped), each with why.
    pub checks: Vec<RuleCheckView>,
    /// Whether the time evaluated falls within business hours.
    pub business_hours: bool,
    /// For a handoff to humans outside business hours: what the visitor is told.
    pub closed_message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> RuleInput {
        RuleInput {
            name: "  Billing  ".into(),
            priority: 90,
            keywords: vec!["Refund".into(), " refund ".into(), "charged  twice".into()],
            intent: Some(" Billing ".into()),
            channels: vec!["sms".into(), "web".into()],
            time_window: "business_hours".into(),
            target_kind: "assistant".into(),
            target_assistant_id: Some("as_1".into()),
            ..RuleInput::default()
        }
    }

    #[test]
    fn a_rule_is_trimmed_lowercased_and_deduplicated() {
        let parsed = rule().parse().unwrap();
        assert_eq!(parsed.name, "Billing");
        assert_eq!(parsed.keywords, vec!["refund", "charged twice"]);
        assert_eq!(parsed.intent.as_deref(), Some("billing"));
        assert_eq!(parsed.channels, vec![Channel::Web, Channel::Sms]);
        assert_eq!(parsed.time_window, TimeWindow::BusinessHours);
        assert_eq!(
            parsed.target,
            RuleTarget::Assistant {
                assistant_id: "as_1".into()
            }
        );
    }

    #[test]
    fn each_bad_rule_field_is_named() {
        let cases: Vec<(&str, RuleInput)> = vec![
            (
                "name",
                RuleInput {
                    name: " ".into(),
                    ..rule()
                },
            ),
            (
                "priority",
                RuleInput {
                    priority: 101,
                    ..rule()
                },
            ),
            (
                "priority",
                RuleInput {
                    priority: -1,
                    ..rule()
                },
            ),
            (
                "keywords",
                RuleInput {
                    keywords: vec!["x".repeat(61)],
                    ..rule()
                },
            ),
            (
                "intent",
                RuleInput {
                    intent: Some("bill ing".into()),
                    ..rule()
                },
            ),
            (
                "channels",
                RuleInput {
                    channels: vec!["fax".into()],
                    ..rule()
                },
            ),
            (
                "timeWindow",
                RuleInput {
                    time_window: "weekends".into(),
                    ..rule()
                },
            ),
            (
                "targetKind",
                RuleInput {
                    target_kind: "robot".into(),
                    ..rule()
                },
            ),
            (
                "targetAssistantId",
                RuleInput {
                    target_assistant_id: None,
                    ..rule()
                },
            ),
        ];
        for (field, input) in cases {
            assert_eq!(input.parse().unwrap_err().field, field, "{input:?}");
        }
        let human = RuleInput {
            target_kind: "human".into(),
            target_assistant_id: None,
            ..rule()
        };
        assert_eq!(human.parse().unwrap().target, RuleTarget::Human);
    }

    fn range(day: &str, open: &str, close: &str) -> HoursRange {
        HoursRange {
            day: day.into(),
            open: open.into(),
            close: close.into(),
        }
    }

    #[test]
    fn weekly_hours_allow_overnight_and_refuse_overlaps() {
        let ok = parse_weekly_hours(&[
            range("friday", "22:00", "02:00"),
            range("saturday", "02:00", "06:00"),
            range("monday", "09:00", "24:00"),
        ])
        .unwrap();
        assert_eq!(ok[0].weekday, 0);
        assert_eq!(ok[0].close_min, 1440);
        assert!(
            ok[1].contains(5, 60),
            "Friday's opening runs into Saturday 1:00"
        );
        assert!(!ok[1].contains(5, 120));
        // Sunday night into Monday wraps round the week.
        let sunday = parse_weekly_hours(&[range("sunday", "23:00", "01:00")]).unwrap();
        assert!(sunday[0].contains(0, 30));

        for bad in [
            vec![
                range("monday", "09:00", "17:00"),
                range("monday", "16:00", "18:00"),
            ],
            vec![
                range("friday", "22:00", "03:00"),
                range("saturday", "02:00", "06:00"),
            ],
            vec![
                range("sunday", "22:00", "10:00"),
                range("monday", "09:00", "12:00"),
            ],
        ] {
            assert_eq!(
                parse_weekly_hours(&bad).unwrap_err().code,
                "overlapping_hours",
                "{bad:?}"
            );
        }
        for (bad, code) in [
            (range("funday", "09:00", "10:00"), "unknown_day"),
            (range("monday", "9", "10:00"), "invalid_time"),
            (range("monday", "24:00", "10:00"), "invalid_time"),
            (range("monday", "09:60", "10:00"), "invalid_time"),
            (range("monday", "09:00", "09:00"), "empty_range"),
        ] {
            assert_eq!(parse_weekly_hours(&[bad]).unwrap_err().code, code);
        }
    }

    #[test]
    fn handoff_settings_are_checked_field_by_field() {
        let form = HandoffForm::default();
        assert_eq!(form.parse().unwrap(), HandoffSettings::default());
        let cases = [
            (
                "maxHandoffs",
                HandoffForm {
                    max_handoffs: 0,
                    ..form.clone()
                },
            ),
            (
                "maxHandoffs",
                HandoffForm {
                    max_handoffs: 11,
                    ..form.clone()
                },
            ),
            (
                "failuresBeforeHuman",
                HandoffForm {
                    failures_before_human: 11,
                    ..form.clone()
                },
            ),
            (
                "messageStyle",
                HandoffForm {
                    message_style: "loud".into(),
                    ..form.clone()
                },
            ),
            (
                "handoffTemplate",
                HandoffForm {
                    handoff_template: "x".repeat(501),
                    ..form.clone()
                },
            ),
            (
                "handoffTemplate",
                HandoffForm {
                    handoff_template: "Hi {name}".into(),
                    ..form.clone()
                },
            ),
            (
                "timeZone",
                HandoffForm {
                    time_zone: " ".into(),
                    ..form.clone()
                },
            ),
        ];
        for (field, input) in cases {
            assert_eq!(input.parse().unwrap_err().field, field);
        }
        let custom = HandoffForm {
            handoff_template: "Over to {agent_name} for {customer_intent}.".into(),
            ..form
        };
        assert_eq!(
            custom.parse().unwrap().template(),
            "Over to {agent_name} for {customer_intent}."
        );
    }
}
