//! Business hours: a weekly schedule in the workspace's IANA time zone. Openings are wall-clock
//! times, so 9:00 stays 9:00 across daylight-saving changes; an opening that falls in a
//! spring-forward gap starts at the first valid instant after it. Time zones come from jiff's
//! bundled IANA database (`tzdb-bundle-always`): the same rules on every host, whatever its
//! `/usr/share/zoneinfo` holds.
//!
//! A workspace that never set business hours has none ([`BusinessHours::unset`]): its team
//! counts as always available, so nobody is told "we're back Monday" on the strength of a
//! schedule the business never gave.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use shared::routing::{FieldError, HandoffSettings, Opening, WEEKDAYS};

/// A workspace's weekly hours, with its time zone resolved.
#[derive(Debug, Clone)]
pub struct BusinessHours {
    tz: TimeZone,
    tz_name: String,
    /// `None`: no business hours set (always open). `Some(empty)`: set, but never open.
    openings: Option<Vec<Opening>>,
}

impl BusinessHours {
    /// `time_zone` is an IANA name (`Europe/London`, `UTC`); unknown ones are a `timeZone` error.
    pub fn new(time_zone: &str, openings: Vec<Opening>) -> Result<Self, FieldError> {
        let tz = TimeZone::get(time_zone.trim()).map_err(|_| {
            FieldError::new(
                "timeZone",
                "unknown_time_zone",
                format!("{time_zone:?} is not a time zone; use a name like Europe/London."),
            )
        })?;
        Ok(Self {
            tz,
            tz_name: time_zone.trim().to_owned(),
            openings: Some(openings),
        })
    }

    /// No business hours: the team is always available.
    pub fn unset() -> Self {
        Self {
            tz: TimeZone::UTC,
            tz_name: "UTC".to_owned(),
            openings: None,
        }
    }

    /// The hours of saved settings: none unless the workspace turned them on. A time zone that
    /// is no longer known reads as UTC.
    pub fn from_settings(settings: &HandoffSettings) -> Self {
        if !settings.business_hours_enabled {
            return Self::unset();
        }
        Self::new(&settings.time_zone, settings.weekly_hours.clone()).unwrap_or_else(|_| Self {
            tz: TimeZone::UTC,
            tz_name: "UTC".to_owned(),
            openings: Some(settings.weekly_hours.clone()),
        })
    }

    pub fn time_zone(&self) -> &str {
        &self.tz_name
    }

    /// Whether the workspace set business hours at all.
    pub fn is_set(&self) -> bool {
        self.openings.is_some()
    }
}

/// Local weekday (0 = Monday), minute of the day and date at `now_ms`.
fn local(hours: &BusinessHours, now_ms: i64) -> Option<(u8, u16, Date)> {
    let zoned = Timestamp::from_millisecond(now_ms)
        .ok()?
        .to_zoned_datetime(hours.tz.clone());
    let weekday = u8::try_from(zoned.weekday().to_monday_zero_offset()).ok()?;
    let minute = u16::try_from(i32::from(zoned.hour()) * 60 + i32::from(zoned.minute())).ok()?;
    Some((weekday, minute, zoned.date()))
}

/// Whether the human team is within business hours at `now_ms` (Unix milliseconds); always
/// without business hours.
pub fn is_open(hours: &BusinessHours, now_ms: i64) -> bool {
    let Some(openings) = &hours.openings else {
        return true;
    };
    local(hours, now_ms)
        .is_some_and(|(weekday, minute, _)| openings.iter().any(|o| o.contains(weekday, minute)))
}

/// When the team is next within hours: `now_ms` itself while open (or without business
/// hours), `None` when the schedule has no openings at all.
pub fn next_opening(hours: &BusinessHours, now_ms: i64) -> Option<i64> {
    if is_open(hours, now_ms) {
        return Some(now_ms);
    }
    let openings = hours.openings.as_deref().unwrap_or_default();
    let (_, _, today) = local(hours, now_ms)?;
    let mut day = today;
    // Every weekday comes round within eight local dates.
    for _ in 0..8 {
        let weekday = u8::try_from(day.weekday().to_monday_zero_offset()).ok()?;
        let soonest = openings
            .iter()
            .filter(|o| o.weekday == weekday)
            .filter_map(|o| {
                let (h, m) = (o.open_min / 60, o.open_min % 60);
                let at = day.at(i8::try_from(h).ok()?, i8::try_from(m).ok()?, 0, 0);
                // `compatible`: in a spring-forward gap, the first instant after it.
                let zoned = at.to_zoned_datetime(hours.tz.clone()).ok()?;
                Some(zoned.timestamp().as_millisecond())
            })
            .filter(|ms| *ms > now_ms)
            .min();
        if soonest.is_some() {
            return soonest;
        }
        day = day.tomorrow().ok()?;
    }
    None
}

/// What a visitor handed to humans at `now_ms` is told about when someone will answer:
/// `None` while within hours and without business hours; "We're back tomorrow at 9:00
/// (Europe/London)." and the like outside them.
pub fn closed_message(hours: &BusinessHours, now_ms: i64) -> Option<String> {
    if is_open(hours, now_ms) {
        return None;
    }
    let Some(next) = next_opening(hours, now_ms) else {
        return Some(
            "Our team is not available right now; they will reply here as soon as they can."
                .to_owned(),
        );
    };
    let (_, _, today) = local(hours, now_ms)?;
    let (weekday, minute, date) = local(hours, next)?;
    let day = if date == today {
        "today".to_owned()
    } else if today.tomorrow().ok() == Some(date) {
        "tomorrow".to_owned()
    } else {
        let name = WEEKDAYS[usize::from(weekday)];
        let mut chars = name.chars();
        chars
            .next()
            .map(|first| format!("{}{}", first.to_uppercase(), chars.as_str()))
            .unwrap_or_default()
    };
    Some(format!(
        "We're back {day} at {}:{:02} ({}).",
        minute / 60,
        minute % 60,
        hours.tz_name
    ))
}

#[cfg(test)]
#[path = "hours_tests.rs"]
mod tests;
