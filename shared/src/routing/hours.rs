//! Business hours as typed and stored: weekly openings in local wall-clock time, overnight
//! allowed, checked for overlaps round the week. The time zone itself is checked by the server.

use serde::{Deserialize, Serialize};

use super::{FieldError, MAX_RANGES};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
